// Address ranges of the loaded objects (see loaded_objects.h).
#include "harness/lockorder/loaded_objects.h"

#include <link.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

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

namespace {

// What one dl_iterate_phdr walk collects, into storage sized before it:
// the callback runs under the loader's lock and must not allocate (an
// allocation can wait on a sanitizer's lock that a thread holds while it
// waits for the loader's lock: ThreadSanitizer reporting a race does).
// Counts past the capacity mean "walk again with more room".
struct Collected {
  struct RawObject {
    std::uintptr_t bias = 0;
    std::size_t name_at = 0, name_length = 0;  // in `names`
  };
  std::vector<RawObject> objects;  // sized, not reserved: written by index
  std::vector<LoadedObjects::Segment> segments;
  std::string names;
  std::size_t object_count = 0, segment_count = 0, names_used = 0;
  LoaderCounters counters;

  bool Overflowed() const {
    return object_count > objects.size() || segment_count > segments.size() ||
           names_used > names.size();
  }
};

int Collect(dl_phdr_info* info, size_t size, void* data) {
  auto* into = static_cast<Collected*>(data);
  ReadCounters(info, size, &into->counters);
  const std::size_t index = into->object_count++;
  const char* name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  const std::size_t length = std::strlen(name);
  const std::size_t name_at = into->names_used;
  into->names_used += length;
  if (into->names_used <= into->names.size()) std::memcpy(&into->names[name_at], name, length);
  if (index < into->objects.size()) {
    into->objects[index] = {static_cast<std::uintptr_t>(info->dlpi_addr), name_at, length};
  }
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_LOAD || header.p_memsz == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + header.p_vaddr;
    const std::size_t at = into->segment_count++;
    if (at < into->segments.size()) {
      into->segments[at] = {begin, begin + header.p_memsz, static_cast<int>(index)};
    }
  }
  return 0;
}

}  // namespace

void LoadedObjects::Read() {
  ++reads_;
  Collected collected;
  std::size_t objects = 64, segments = 512, names = 16 * 1024;
  for (;;) {
    collected.objects.assign(objects, {});
    collected.segments.assign(segments, {});
    collected.names.assign(names, '\0');
    collected.object_count = collected.segment_count = collected.names_used = 0;
    ::dl_iterate_phdr(Collect, &collected);
    if (!collected.Overflowed()) break;
    // More objects than room (or loaded meanwhile): again, with room to spare.
    objects = 2 * std::max(objects, collected.object_count);
    segments = 2 * std::max(segments, collected.segment_count);
    names = 2 * std::max(names, collected.names_used);
  }
  objects_.clear();
  for (std::size_t i = 0; i < collected.object_count; ++i) {
    const Collected::RawObject& raw = collected.objects[i];
    objects_.push_back(Object{raw.bias, collected.names.substr(raw.name_at, raw.name_length)});
  }
  segments_.assign(
      collected.segments.begin(),
      collected.segments.begin() + static_cast<std::ptrdiff_t>(collected.segment_count));
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
    auto after =
        std::upper_bound(segments_.begin(), segments_.end(), pc,
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
