// Address ranges of the loaded objects (see loaded_objects.h).
#include "harness/lockorder/loaded_objects.h"

#include <link.h>

#include <algorithm>
#include <cstddef>

namespace racelab::lockorder {
namespace {

struct LoaderCounters {
  unsigned long long adds = 0;
  unsigned long long subs = 0;
};

// The loader's counts of objects ever added and removed, from the first
// object dl_iterate_phdr reports (the counters are the same in each).
int ReadCounters(dl_phdr_info* info, size_t size, void* data) {
  auto* counters = static_cast<LoaderCounters*>(data);
  if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
    counters->adds = info->dlpi_adds;
    counters->subs = info->dlpi_subs;
  }
  return 1;  // one object is enough
}

}  // namespace

bool LoadedObjects::ChangedSinceRead() const {
  LoaderCounters now;
  ::dl_iterate_phdr(ReadCounters, &now);
  return now.adds != adds_ || now.subs != subs_;
}

void LoadedObjects::Read() {
  ++reads_;
  objects_.clear();
  segments_.clear();
  struct Collected {
    LoadedObjects* self;
    LoaderCounters counters;
  } collected{this, {}};
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t size, void* data) {
        auto* into = static_cast<Collected*>(data);
        ReadCounters(info, size, &into->counters);
        const int index = static_cast<int>(into->self->objects_.size());
        into->self->objects_.push_back(
            Object{static_cast<std::uintptr_t>(info->dlpi_addr), info->dlpi_name ? info->dlpi_name : ""});
        for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& header = info->dlpi_phdr[i];
          if (header.p_type != PT_LOAD || header.p_memsz == 0) continue;
          const std::uintptr_t begin = info->dlpi_addr + header.p_vaddr;
          into->self->segments_.push_back(Segment{begin, begin + header.p_memsz, index});
        }
        return 0;
      },
      &collected);
  adds_ = collected.counters.adds;
  subs_ = collected.counters.subs;
  std::sort(segments_.begin(), segments_.end(),
            [](const Segment& a, const Segment& b) { return a.begin < b.begin; });
  // Ids stay those of the objects seen before (same path and bias).
  ids_.assign(objects_.size(), -1);
  for (size_t i = 0; i < objects_.size(); ++i) {
    const std::pair<std::string, std::uintptr_t> key{objects_[i].path, objects_[i].bias};
    auto known = std::find(id_keys_.begin(), id_keys_.end(), key);
    if (known == id_keys_.end()) known = id_keys_.insert(id_keys_.end(), key);
    ids_[i] = static_cast<int>(known - id_keys_.begin());
  }
}

const LoadedObjects::Object* LoadedObjects::Find(std::uintptr_t pc, std::uintptr_t& offset,
                                                 int& id) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 0 ? reads_ == 0 : ChangedSinceRead()) Read();
    auto after = std::upper_bound(segments_.begin(), segments_.end(), pc,
                                  [](std::uintptr_t value, const Segment& s) { return value < s.begin; });
    if (after != segments_.begin() && pc < std::prev(after)->end) {
      const Object& object = objects_[std::prev(after)->object];
      offset = pc - object.bias;
      id = ids_[std::prev(after)->object];
      return &object;
    }
  }
  return nullptr;
}

}  // namespace racelab::lockorder
