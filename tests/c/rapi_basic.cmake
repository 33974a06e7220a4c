# test_rapi_basic (test_rapi_basic.c) starts rsvpd itself.
if(TARGET test_rapi_basic AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_basic tool_rsvpd)
  set_property(TEST test_rapi_basic APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
  # rsvpd's UDP encapsulation ports (1698/1699) are host-wide.
  set_property(TEST test_rapi_basic APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
endif()
if(TARGET test_rapi_basic)
  set_property(TEST test_rapi_basic PROPERTY SKIP_RETURN_CODE 77)
endif()
