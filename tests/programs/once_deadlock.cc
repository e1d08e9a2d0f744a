// Buggy: static_init_deadlock through std::call_once instead of a static.
// The loader thread runs the table's one-time initialisation, which needs
// the registry lock; the plugin thread holds the registry lock and calls
// the same call_once, so it waits for the initialisation, which waits for
// it. The latches make the interleaving certain: it hangs every time.
// Expected findings: deadlock (through the once flag table_once) and
// lock-order-inversion.
#include <cstdio>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex registry_lock;
std::vector<std::string> registry;
std::once_flag table_once;
std::vector<std::string> table;
std::latch table_being_built(1);
std::latch registry_taken(1);

void BuildTable() {
  table_being_built.count_down();
  registry_taken.wait();
  std::lock_guard<std::mutex> lock(registry_lock);  // waits for the plugin thread
  table = registry;
}

void LoadCodecs() {
  std::call_once(table_once, BuildTable);
  std::printf("%zu codecs\n", table.size());
}

void RegisterPlugin() {
  table_being_built.wait();
  std::lock_guard<std::mutex> lock(registry_lock);
  registry_taken.count_down();
  registry.push_back("plugin");
  std::call_once(table_once, BuildTable);  // waits for the loader thread
  std::printf("%zu codecs\n", table.size());
}

}  // namespace

int main() {
  std::thread loader(LoadCodecs);
  std::thread plugin(RegisterPlugin);
  loader.join();
  plugin.join();
}
