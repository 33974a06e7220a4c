# test_rsp_status (test_rsp_status.c) starts the registrar itself.
if(TARGET test_rsp_status AND TARGET tool_rspregistrar)
  add_dependencies(test_rsp_status tool_rspregistrar)
  set_property(TEST test_rsp_status APPEND PROPERTY
    ENVIRONMENT "RSPREGISTRAR=${CMAKE_BINARY_DIR}/rspregistrar")
endif()
