# test_rsp_basic (test_rsp_basic.c, registered by CMakeLists.txt) starts
# the registrar daemon itself: it finds it through RSPREGISTRAR, and the
# test executable depends on the tool so that building it builds the
# daemon too.
if(TARGET test_rsp_basic AND TARGET tool_rspregistrar)
  add_dependencies(test_rsp_basic tool_rspregistrar)
  set_property(TEST test_rsp_basic APPEND PROPERTY
    ENVIRONMENT "RSPREGISTRAR=${CMAKE_BINARY_DIR}/rspregistrar")
endif()
