# test_rapi_nosignal (test_rapi_nosignal.c) starts rsvpd itself, with a
# configuration holding a nosignal rule and a small pool on lo.
if(TARGET test_rapi_nosignal AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_nosignal tool_rsvpd)
  set_property(TEST test_rapi_nosignal APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
  # rsvpd's UDP encapsulation ports (1698/1699) are host-wide.
  set_property(TEST test_rapi_nosignal APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
  set_property(TEST test_rapi_nosignal PROPERTY SKIP_RETURN_CODE 77)
endif()
