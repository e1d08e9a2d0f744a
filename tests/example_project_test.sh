#!/usr/bin/env bash
# The user's path, end to end: racelab installed from this build into a
# temporary prefix (cmake --install), examples/user_project configured
# against it (find_package(racelab CONFIG)), built, and its GoogleTest
# tests run by ctest, each under racelab through racelab_discover_tests.
# Checks that ctest lists one test per GoogleTest test, that the clean
# ones pass, and that the test with the lock-order inversion fails with
# racelab naming it; then the project's own cases (racelab::catalog): its
# racelab lists them, finds the racy one's inversion and calls the fix
# clean. Usage: example_project_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/racelab_example.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

fail() { echo "example_project_test: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$scratch/prefix" > "$scratch/install.log" ||
  { cat "$scratch/install.log"; fail "cmake --install failed"; }
for installed in bin/racelab bin/racelab-lockorder lib/racelab/libracelab_lockorder_preload.so \
                 lib/cmake/racelab/racelabConfig.cmake lib/cmake/racelab/RacelabDiscoverTests.cmake \
                 lib/cmake/racelab/racelabTargets.cmake lib/racelab/libracelab_main.a \
                 include/racelab/harness/catalog/registry.h; do
  [[ -e $scratch/prefix/$installed ]] || fail "cmake --install did not install $installed"
done

cmake -S "$source_dir/examples/user_project" -B "$scratch/build" \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Debug > "$scratch/configure.log" ||
  { cat "$scratch/configure.log"; fail "the example project does not configure"; }
cmake --build "$scratch/build" > "$scratch/build.log" ||
  { cat "$scratch/build.log"; fail "the example project does not build"; }

# One ctest test per GoogleTest test (five, none disabled), and the cases'.
listed=$(ctest --test-dir "$scratch/build" -N | sed -n 's/^ *Test *#[0-9]*: //p' | sort)
expected=$(printf '%s\n' gtest/FlakyTest.PassesAboutHalfTheTime gtest/MoveTest.BackAndForth \
  gtest/MoveTest.BackAndForthBothLocksAtOnce gtest/WarehouseTest.AddsUp \
  gtest/WarehouseTest.ConcurrentAddsAreAllCounted inventory_cases | sort)
[[ $listed == "$expected" ]] || fail "ctest lists"$'\n'"$listed"$'\n'"instead of"$'\n'"$expected"

# The clean tests pass under racelab (three runs each)...
ctest --test-dir "$scratch/build" -E 'BackAndForth$|Flaky|inventory_cases' --output-on-failure ||
  fail "a clean test of the example failed under racelab"
# ...and the one whose lock orders disagree fails, racelab naming why.
if ctest --test-dir "$scratch/build" -R 'MoveTest.BackAndForth$' --output-on-failure \
    > "$scratch/racy.log" 2>&1; then
  cat "$scratch/racy.log"
  fail "MoveTest.BackAndForth passed under racelab; its lock-order inversion went unseen"
fi
grep -q 'lockorder: lock-order-inversion x3' "$scratch/racy.log" ||
  { cat "$scratch/racy.log"; fail "racelab did not report the inversion in all three runs"; }
grep -q 'inventory_test.cc:4[23]' "$scratch/racy.log" ||
  { cat "$scratch/racy.log"; fail "racelab did not name the test's lines"; }

# The project's own cases, in its own racelab (racelab::catalog).
cases=$scratch/build/inventory_cases
"$cases" list > "$scratch/list.log" 2>&1 || { cat "$scratch/list.log"; fail "inventory_cases list failed"; }
for id in inventory_move/racy inventory_move/scoped_lock; do
  grep -q "^$id " "$scratch/list.log" || { cat "$scratch/list.log"; fail "inventory_cases lists no $id"; }
done
if grep -q "^counter/" "$scratch/list.log"; then
  cat "$scratch/list.log"; fail "inventory_cases carries racelab's own catalog, not only the project's"
fi
"$cases" run --repeat 3 --json "$scratch/cases.json" > "$scratch/cases.log" 2>&1 ||
  { cat "$scratch/cases.log"; fail "a case of the project did not get its declared verdict"; }
grep -q 'lock-order-inversion x3' "$scratch/cases.log" ||
  { cat "$scratch/cases.log"; fail "the racy case's inversion was not found in all three runs"; }
# The case's two calls whose lock orders disagree (both edges share
# MoveInArgumentOrder's own lines, so its callers tell them apart).
for line in 33 35; do
  grep -q "inventory_cases.cc:$line in" "$scratch/cases.log" ||
    { cat "$scratch/cases.log"; fail "racelab did not name the case's line $line"; }
done
ctest --test-dir "$scratch/build" -R '^inventory_cases$' > "$scratch/cases_ctest.log" 2>&1 ||
  { cat "$scratch/cases_ctest.log"; fail "the inventory_cases ctest test failed"; }
echo "example_project_test: installed, found, built; 6 tests listed, 3 clean, the inversion found;"\
  "the project's own cases listed and judged"
