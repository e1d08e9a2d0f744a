// Buggy: a deadlock through a function-local static's initialisation. The
// loader thread starts building the codec table, whose constructor needs
// the registry lock; the plugin thread holds the registry lock and asks for
// the table, so it waits for the initialisation, which waits for it. The
// latches only make the bad interleaving certain: the program hangs every
// time. Expected findings: deadlock (the wait-for cycle, through the static
// init guard of Codecs()::table) and lock-order-inversion.
#include <cstdio>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex registry_lock;
std::vector<std::string> registry;
std::latch table_being_built(1);
std::latch registry_taken(1);

struct CodecTable {
  CodecTable() {
    table_being_built.count_down();
    registry_taken.wait();
    std::lock_guard<std::mutex> lock(registry_lock);  // waits for the plugin thread
    names = registry;
  }
  std::vector<std::string> names;
};

const CodecTable& Codecs() {
  static const CodecTable table;
  return table;
}

void LoadCodecs() { std::printf("%zu codecs\n", Codecs().names.size()); }

void RegisterPlugin() {
  table_being_built.wait();
  std::lock_guard<std::mutex> lock(registry_lock);
  registry_taken.count_down();
  registry.push_back("plugin");
  std::printf("%zu codecs\n", Codecs().names.size());  // waits for the loader thread
}

}  // namespace

int main() {
  std::thread loader(LoadCodecs);
  std::thread plugin(RegisterPlugin);
  loader.join();
  plugin.join();
}
