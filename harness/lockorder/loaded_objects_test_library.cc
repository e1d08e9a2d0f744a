// A shared library the LoadedObjects test loads with dlopen after its first
// lookups, to see the list read again.
extern "C" __attribute__((visibility("default"), noinline)) int RacelabLoadedObjectsTestFunction(
    int x) {
  return x * 11 + 5;
}
