// Correct: once_deadlock's code, with the table built before any thread
// starts. A call_once whose flag is done takes no lock and cannot wait, so
// holding the registry lock around it is harmless. Expected: clean.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex registry_lock;
std::vector<std::string> registry;
std::once_flag table_once;
std::vector<std::string> table;

void BuildTable() {
  std::lock_guard<std::mutex> lock(registry_lock);
  table = registry;
}

void LoadCodecs() {
  std::call_once(table_once, BuildTable);
  std::printf("%zu codecs\n", table.size());
}

void RegisterPlugin() {
  std::lock_guard<std::mutex> lock(registry_lock);
  registry.push_back("plugin");
  std::call_once(table_once, BuildTable);
  std::printf("%zu codecs\n", table.size());
}

}  // namespace

int main() {
  std::call_once(table_once, BuildTable);  // by the only thread
  std::thread loader(LoadCodecs);
  std::thread plugin(RegisterPlugin);
  loader.join();
  plugin.join();
}
