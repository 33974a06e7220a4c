# test_rapi_qtoq (test_rapi_qtoq.c) starts rsvpd itself.
if(TARGET test_rapi_qtoq AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_qtoq tool_rsvpd)
  set_property(TEST test_rapi_qtoq APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
  set_property(TEST test_rapi_qtoq APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
  set_property(TEST test_rapi_qtoq PROPERTY SKIP_RETURN_CODE 77)
endif()
