# racelab_discover_tests(TARGET [REPEAT n] [TIMEOUT seconds] [EXPECT bug|clean]
#                        [LABELS label...] [EXTRA_ARGS arg...])
#
# Registers every GoogleTest test of TARGET (an executable linking GoogleTest)
# as a ctest test named gtest/<Suite>.<Name> that runs it under racelab:
#   racelab run --gtest_filter=<Suite>.<Name> --repeat n ... -- $<TARGET_FILE:TARGET>
# It fails when racelab finds anything in it (a data race, a lock-order
# inversion, a hang, a failed assertion, a flaky outcome). As
# gtest_discover_tests(... DISCOVERY_MODE PRE_TEST) does, the tests are
# listed when ctest runs, from the binary that was built, so a test added to
# the source needs no re-configure. Needs the racelab::racelab executable
# target (find_package(racelab CONFIG) or add_subdirectory(racelab)).
function(racelab_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "REPEAT;TIMEOUT;EXPECT" "LABELS;EXTRA_ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "racelab_discover_tests: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "racelab_discover_tests: '${target}' is not a target")
  endif()
  if(NOT TARGET racelab::racelab)
    message(FATAL_ERROR "racelab_discover_tests: no racelab::racelab target "
                        "(find_package(racelab CONFIG REQUIRED) first)")
  endif()
  set(options)
  if(arg_REPEAT)
    list(APPEND options --repeat ${arg_REPEAT})
  endif()
  if(arg_TIMEOUT)
    list(APPEND options --timeout ${arg_TIMEOUT})
  endif()
  if(arg_EXPECT)
    if(NOT arg_EXPECT MATCHES "^(bug|clean)$")
      message(FATAL_ERROR "racelab_discover_tests: EXPECT wants bug or clean, not '${arg_EXPECT}'")
    endif()
    list(APPEND options --expect ${arg_EXPECT})
  endif()
  list(APPEND options ${arg_EXTRA_ARGS})

  # The script ctest includes: lists the tests, then adds one per test.
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_racelab_tests.cmake")
  file(GENERATE OUTPUT "${script}" CONTENT
"set(racelab_binary [==[$<TARGET_FILE:racelab::racelab>]==])
set(test_binary [==[$<TARGET_FILE:${target}>]==])
set(racelab_options [==[${options}]==])
set(racelab_labels [==[${arg_LABELS}]==])
include([==[${_RACELAB_DISCOVER_SCRIPT}]==])
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()

# The script above includes this file's companion at ctest time.
set(_RACELAB_DISCOVER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/RacelabAddTests.cmake")
