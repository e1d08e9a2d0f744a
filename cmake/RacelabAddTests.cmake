# Run by ctest (through racelab_discover_tests' generated script, which sets
# racelab_binary, test_binary, racelab_options and racelab_labels): lists
# the GoogleTest binary's tests and adds one ctest test per test, each
# running racelab on that test alone. The listing is read as racelab's own
# reader does (harness/runner/gtest_listing.cc): "Suite." lines, tests
# indented by two spaces, "  # ..." comments dropped, DISABLED_ left out.
if(NOT EXISTS "${test_binary}")
  add_test("${test_binary}_NOT_BUILT" "${test_binary}")
  return()
endif()
execute_process(COMMAND "${test_binary}" --gtest_list_tests
                OUTPUT_VARIABLE listing RESULT_VARIABLE listed TIMEOUT 60)
if(NOT listed EQUAL 0)
  message(WARNING "racelab_discover_tests: '${test_binary} --gtest_list_tests' failed (${listed})")
  add_test("${test_binary}_LISTING_FAILED" "${test_binary}" --gtest_list_tests)
  return()
endif()
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suite "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "  #.*$" "" line "${line}")
  string(REGEX REPLACE "[ \r]+$" "" line "${line}")
  if(line MATCHES "^  ([^ ]+)$")
    set(name "${CMAKE_MATCH_1}")
    if(suite STREQUAL "" OR name MATCHES "^DISABLED_" OR suite MATCHES "(^|/)DISABLED_")
      continue()
    endif()
    set(test "${suite}.${name}")
    add_test("gtest/${test}" "${racelab_binary}" run "--gtest_filter=${test}" ${racelab_options}
             -- "${test_binary}")
    if(racelab_labels)
      set_tests_properties("gtest/${test}" PROPERTIES LABELS "${racelab_labels}")
    endif()
  elseif(line MATCHES "^([^ ]+)\\.$")
    set(suite "${CMAKE_MATCH_1}")
  else()
    set(suite "")
  endif()
endforeach()
