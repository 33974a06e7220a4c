# test_rapi_dialects.c is one program compiled twice: test_rapi_dialects
# (the Open Group dialect, registered by tests/c/CMakeLists.txt like every
# test_*.c) and test_rapi_dialects_isi (the same source with
# -DRAPI_ISI_COMPAT, registered here). Both start rsvpd themselves.
if(TARGET test_rapi_dialects)
  add_executable(test_rapi_dialects_isi ${CMAKE_CURRENT_SOURCE_DIR}/test_rapi_dialects.c)
  target_compile_definitions(test_rapi_dialects_isi PRIVATE RAPI_ISI_COMPAT)
  target_link_libraries(test_rapi_dialects_isi PRIVATE netcompat Threads::Threads)
  target_compile_options(test_rapi_dialects_isi PRIVATE -Wall -Wextra -Werror)
  target_include_directories(test_rapi_dialects_isi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  add_test(NAME test_rapi_dialects_isi COMMAND test_rapi_dialects_isi)
  set_tests_properties(test_rapi_dialects_isi PROPERTIES TIMEOUT 300
    ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/test_rapi_dialects_isi.log")
  foreach(t test_rapi_dialects test_rapi_dialects_isi)
    if(TARGET tool_rsvpd)
      add_dependencies(${t} tool_rsvpd)
      set_property(TEST ${t} APPEND PROPERTY
        ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
      # rsvpd's UDP encapsulation ports (1698/1699) are host-wide.
      set_property(TEST ${t} APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
    endif()
    set_property(TEST ${t} PROPERTY SKIP_RETURN_CODE 77)
  endforeach()
endif()
