// Which loaded object (the executable or a shared library) holds a code
// address, and at which offset addr2line knows it: the address ranges of
// every object's PT_LOAD segments, read with dl_iterate_phdr, and read
// again only when the set of loaded objects has changed (a dlopen or a
// dlclose since). A lookup is a binary search, no system call and no
// loader lock; dladdr, which it replaces, scans the object's whole dynamic
// symbol table (74,482 symbols in node, where that was half of the run).
// The offset is from the object's load bias (dl_phdr_info::dlpi_addr),
// which is what addr2line expects for position-independent objects and
// non-PIE executables alike. Not thread-safe: the checker's record sink
// calls it under the checker's lock.
#ifndef RACELAB_HARNESS_LOCKORDER_LOADED_OBJECTS_H_
#define RACELAB_HARNESS_LOCKORDER_LOADED_OBJECTS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace racelab::lockorder {

class LoadedObjects {
 public:
  struct Object {
    std::uintptr_t bias = 0;  // dlpi_addr
    std::string path;         // as the loader knows it; "" for the executable
  };

  // The object holding `pc` (null when none does) and the offset of `pc` in
  // it. The returned object lives until the next Find that re-reads the
  // list; `id` is stable for an object as long as it stays loaded.
  const Object* Find(std::uintptr_t pc, std::uintptr_t& offset, int& id);

  // How many times the list has been read (for tests).
  int reads() const { return reads_; }

  struct Segment {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
    int object = 0;  // index into the objects read
  };

 private:
  void Read();
  bool ChangedSinceRead() const;

  std::vector<Object> objects_;
  std::vector<Segment> segments_;  // sorted by begin
  std::vector<int> ids_;           // per object: a stable id (see Find)
  std::vector<std::pair<std::string, std::uintptr_t>> id_keys_;  // (path, bias) by id
  unsigned long long adds_ = 0, subs_ = 0;  // the loader's counters at the last read
  int reads_ = 0;
};

}  // namespace racelab::lockorder

#endif  // RACELAB_HARNESS_LOCKORDER_LOADED_OBJECTS_H_
