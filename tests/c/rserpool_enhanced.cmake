# test_rsp_enhanced (test_rsp_enhanced.c, registered by CMakeLists.txt)
# starts the registrar daemon itself, as test_rsp_basic does: it finds it
# through RSPREGISTRAR.
if(TARGET test_rsp_enhanced AND TARGET tool_rspregistrar)
  add_dependencies(test_rsp_enhanced tool_rspregistrar)
  set_property(TEST test_rsp_enhanced APPEND PROPERTY
    ENVIRONMENT "RSPREGISTRAR=${CMAKE_BINARY_DIR}/rspregistrar")
endif()
