// Correct: static_init_deadlock's code, with the codec table built before
// any thread starts. Once a static is initialised, asking for it takes no
// lock and cannot wait, so holding the registry lock around it is harmless.
// Expected: clean.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex registry_lock;
std::vector<std::string> registry;

struct CodecTable {
  CodecTable() {
    std::lock_guard<std::mutex> lock(registry_lock);
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
  std::lock_guard<std::mutex> lock(registry_lock);
  registry.push_back("plugin");
  std::printf("%zu codecs\n", Codecs().names.size());
}

}  // namespace

int main() {
  Codecs();  // built here, by the only thread
  std::thread loader(LoadCodecs);
  std::thread plugin(RegisterPlugin);
  loader.join();
  plugin.join();
}
