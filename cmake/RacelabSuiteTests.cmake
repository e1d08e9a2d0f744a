# Run by ctest (through the script racelab_add_test writes for a binary of
# unit tests; it sets test_binary, suite_filter, suite_labels and
# suite_properties, more ctest properties for each test): lists the
# GoogleTest binary's tests matching suite_filter and adds one ctest test per
# suite, running that suite's tests in one process. Unit tests take
# milliseconds each; one process per test spent most of their time starting
# processes (asan, ctest -L unit -j2: 22.6 s by test, 7.4 s by suite).
if(NOT EXISTS "${test_binary}")
  add_test("${test_binary}_NOT_BUILT" "${test_binary}")
  return()
endif()
execute_process(COMMAND "${test_binary}" --gtest_list_tests "--gtest_filter=${suite_filter}"
                OUTPUT_VARIABLE listing RESULT_VARIABLE listed TIMEOUT 60)
if(NOT listed EQUAL 0)
  message(WARNING "'${test_binary} --gtest_list_tests' failed (${listed})")
  add_test("${test_binary}_LISTING_FAILED" "${test_binary}" --gtest_list_tests)
  return()
endif()
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suites "")
set(suite "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "  #.*$" "" line "${line}")
  string(REGEX REPLACE "[ \r]+$" "" line "${line}")
  if(line MATCHES "^  ([^ ]+)$")
    set(name "${CMAKE_MATCH_1}")  # (a later MATCHES overwrites CMAKE_MATCH_1)
    if(NOT suite STREQUAL "" AND NOT name MATCHES "^DISABLED_")
      list(APPEND "tests_of_${suite}" "${suite}.${name}")
    endif()
  elseif(line MATCHES "^([^ ]+)\\.$")
    set(suite "${CMAKE_MATCH_1}")
    if(suite MATCHES "(^|/)DISABLED_")
      set(suite "")
    else()
      list(APPEND suites "${suite}")
    endif()
  else()
    set(suite "")
  endif()
endforeach()
# Each suite's tests by name, exactly those the filter chose.
foreach(suite IN LISTS suites)
  list(JOIN "tests_of_${suite}" ":" filter)
  if(filter STREQUAL "")
    continue()  # all disabled: an empty filter would run every test
  endif()
  add_test("${suite}.*" "${test_binary}" "--gtest_filter=${filter}")
  set_tests_properties("${suite}.*" PROPERTIES LABELS "${suite_labels}" ${suite_properties})
endforeach()
