# test_rapi_qtoq_ex (test_rapi_qtoq_ex.c: qtoq_connect_ex over IPv6, REQ_SIGNAL_NORET_EVENTS, qtoq_ioctl on UDP) starts rsvpd itself.
if(TARGET test_rapi_qtoq_ex AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_qtoq_ex tool_rsvpd)
  set_property(TEST test_rapi_qtoq_ex APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
  set_property(TEST test_rapi_qtoq_ex APPEND PROPERTY RESOURCE_LOCK rsvpd_udp)
  set_property(TEST test_rapi_qtoq_ex PROPERTY SKIP_RETURN_CODE 77)
endif()
