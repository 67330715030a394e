# junction_add_conformance_test(<name> PLUGIN <target or path> SPEC <spec.json>
#                                [ARGS <runner arguments>...])
#
# Adds a ctest test <name>_conformance that runs the SDK's conformance suite against a
# connector plugin. The spec (see the test kit's README) says which entity to use, a
# working config, configs create must refuse and sample records; generator expressions in
# it are evaluated, so it may name built programs as $<TARGET_FILE:...>. The suite's
# runner, junction_conformance, is built from the test kit's sources the first time; ARGS
# go to it (--gtest_filter=... to run some checks only).
include_guard(GLOBAL)

if(NOT DEFINED JUNCTION_TESTKIT_DIR)
  set(JUNCTION_TESTKIT_DIR "${CMAKE_CURRENT_LIST_DIR}/../testkit")
endif()
set(JUNCTION_TESTKIT_DIR "${JUNCTION_TESTKIT_DIR}" CACHE INTERNAL "The SDK's test kit sources")

function(_junction_conformance_runner)
  if(TARGET junction_conformance)
    return()
  endif()
  enable_language(C)
  find_package(GTest REQUIRED)
  find_package(nlohmann_json 3.10 REQUIRED)
  find_package(Threads REQUIRED)
  set(dir "${JUNCTION_TESTKIT_DIR}")
  add_executable(junction_conformance
    "${dir}/src/child_process.cpp" "${dir}/src/connector_calls.cpp"
    "${dir}/src/conformance_main.cpp" "${dir}/src/conformance_spec.cpp"
    "${dir}/src/conformance_test.cpp" "${dir}/src/fake_host.cpp" "${dir}/src/io_watch.c"
    "${dir}/src/plugin_file.cpp" "${dir}/src/record_batch.cpp")
  target_include_directories(junction_conformance PRIVATE "${dir}/include" "${dir}/src")
  target_link_libraries(junction_conformance PRIVATE JunctionSDK::sdk GTest::gtest
    nlohmann_json::nlohmann_json Threads::Threads ${CMAKE_DL_LIBS})
  target_compile_features(junction_conformance PRIVATE cxx_std_20 c_std_11)
  # A loaded plugin's open() and connect() must reach the runner's wrappers (io_watch.c).
  set_target_properties(junction_conformance PROPERTIES ENABLE_EXPORTS ON)
  if(TARGET junction_warnings)
    target_link_libraries(junction_conformance PRIVATE junction_warnings)
  endif()
endfunction()

function(junction_add_conformance_test name)
  cmake_parse_arguments(ARG "" "PLUGIN;SPEC" "ARGS" ${ARGN})
  if(NOT ARG_PLUGIN OR NOT ARG_SPEC)
    message(FATAL_ERROR "junction_add_conformance_test(${name}): PLUGIN and SPEC are required")
  endif()
  _junction_conformance_runner()
  # A path names a built file; anything else a target, which may be defined later.
  if(ARG_PLUGIN MATCHES "[/.]")
    get_filename_component(plugin_file "${ARG_PLUGIN}" ABSOLUTE)
  else()
    set(plugin_file "$<TARGET_FILE:${ARG_PLUGIN}>")
  endif()
  get_filename_component(spec_file "${ARG_SPEC}" ABSOLUTE)
  file(READ "${spec_file}" spec)
  string(JSON spec ERROR_VARIABLE spec_error SET "${spec}" plugin "\"${plugin_file}\"")
  if(spec_error)
    message(FATAL_ERROR "${spec_file}: ${spec_error}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec_file}")
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/${name}_conformance.json")
  file(GENERATE OUTPUT "${generated}" CONTENT "${spec}")
  add_test(NAME ${name}_conformance COMMAND junction_conformance --spec "${generated}" ${ARG_ARGS})
  set_tests_properties(${name}_conformance PROPERTIES LABELS conformance)
endfunction()
