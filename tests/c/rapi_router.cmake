# test_rapi_router (test_rapi_router.c) builds four network namespaces
# (H1 - R1 - R2 - H2) with ip(8) and starts rsvpd in each itself; it
# needs root and skips (77) without it.
if(TARGET test_rapi_router AND TARGET tool_rsvpd)
  add_dependencies(test_rapi_router tool_rsvpd)
  set_property(TEST test_rapi_router APPEND PROPERTY
    ENVIRONMENT "RSVPD=${CMAKE_BINARY_DIR}/rsvpd")
endif()
if(TARGET test_rapi_router)
  set_property(TEST test_rapi_router PROPERTY SKIP_RETURN_CODE 77)
endif()
