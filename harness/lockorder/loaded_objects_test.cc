// Tests that LoadedObjects finds the executable and its libraries by
// address, with the offset addr2line expects, reads the loader's list once,
// and reads it again after a dlopen.
#include "harness/lockorder/loaded_objects.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace racelab::lockorder {
namespace {

__attribute__((noinline)) int FunctionInThisExecutable(int x) { return x * 3 + 1; }

std::uintptr_t Address(const void* function) { return reinterpret_cast<std::uintptr_t>(function); }

TEST(LoadedObjectsTest, FindsTheExecutableAndLibcWithOneRead) {
  LoadedObjects objects;
  std::uintptr_t offset = 0;
  int id = -1;
  const std::uintptr_t in_executable =
      Address(reinterpret_cast<const void*>(&FunctionInThisExecutable));
  const LoadedObjects::Object* executable = objects.Find(in_executable, offset, id);
  ASSERT_NE(executable, nullptr);
  EXPECT_EQ(executable->path, "");  // the loader's name for the main program
  EXPECT_EQ(executable->bias + offset, in_executable);
  Dl_info info{};
  link_map* map = nullptr;
  ASSERT_NE(::dladdr1(reinterpret_cast<const void*>(&FunctionInThisExecutable), &info,
                      reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP),
            0);
  EXPECT_EQ(offset, in_executable - map->l_addr);  // from the load bias: 0 unless a PIE
  const int executable_id = id;

  const std::uintptr_t in_libc = Address(reinterpret_cast<const void*>(&::getpid));
  const LoadedObjects::Object* libc = objects.Find(in_libc, offset, id);
  ASSERT_NE(libc, nullptr);
  EXPECT_TRUE(absl::StrContains(libc->path, "libc.so")) << libc->path;
  EXPECT_EQ(libc->bias + offset, in_libc);
  EXPECT_NE(id, executable_id);

  EXPECT_NE(objects.Find(in_executable, offset, id), nullptr);
  EXPECT_EQ(id, executable_id);
  EXPECT_EQ(objects.reads(), 1);
}

TEST(LoadedObjectsTest, AnAddressInNoObjectIsNotFound) {
  LoadedObjects objects;
  std::uintptr_t offset = 0;
  int id = -1;
  EXPECT_EQ(objects.Find(8, offset, id), nullptr);
  EXPECT_EQ(objects.Find(8, offset, id), nullptr);
  EXPECT_EQ(objects.reads(), 1);  // nothing was loaded meanwhile: not read again
}

TEST(LoadedObjectsTest, ALibraryLoadedLaterIsFoundAfterOneMoreRead) {
  LoadedObjects objects;
  std::uintptr_t offset = 0;
  int id = -1;
  const std::uintptr_t in_executable =
      Address(reinterpret_cast<const void*>(&FunctionInThisExecutable));
  ASSERT_NE(objects.Find(in_executable, offset, id), nullptr);
  const int executable_id = id;

  ASSERT_EQ(::dlopen(RACELAB_LOADED_OBJECTS_TEST_LIBRARY, RTLD_NOW | RTLD_NOLOAD), nullptr)
      << "the library was loaded before the test";
  void* library = ::dlopen(RACELAB_LOADED_OBJECTS_TEST_LIBRARY, RTLD_NOW);
  ASSERT_NE(library, nullptr) << ::dlerror();
  const std::uintptr_t in_library = Address(::dlsym(library, "RacelabLoadedObjectsTestFunction"));
  ASSERT_NE(in_library, 0u);
  const LoadedObjects::Object* found = objects.Find(in_library, offset, id);
  ASSERT_NE(found, nullptr);
  EXPECT_TRUE(absl::EndsWith(found->path, "loaded_objects_test_library.so")) << found->path;
  EXPECT_EQ(found->bias + offset, in_library);
  EXPECT_EQ(objects.reads(), 2);
  ASSERT_NE(objects.Find(in_executable, offset, id), nullptr);
  EXPECT_EQ(id, executable_id);  // ids outlive a re-read
  ::dlclose(library);
}

}  // namespace
}  // namespace racelab::lockorder
