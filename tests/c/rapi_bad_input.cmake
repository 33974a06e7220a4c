# test_rapi_bad_input starts rsvpd itself (tests/c/rapitest.h).
if(TARGET test_rapi_bad_input AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_bad_input tool_rsvpd)
  set_property(TEST test_rapi_bad_input APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
  # rsvpd's UDP encapsulation ports (1698/1699) are host-wide.
  set_property(TEST test_rapi_bad_input APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
endif()
