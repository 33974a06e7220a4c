# test_rsp_examples (test_rsp_examples.c, registered by CMakeLists.txt)
# runs the RSerPool example programs (examples/c: echo_pe, echo_pu,
# rsp_server, rsp_terminal) against the registrar daemon it starts itself;
# it finds them all through the environment.
if(TARGET test_rsp_examples AND TARGET tool_rspregistrar AND TARGET echo_pe
   AND TARGET echo_pu AND TARGET rsp_server AND TARGET rsp_terminal)
  add_dependencies(test_rsp_examples tool_rspregistrar echo_pe echo_pu rsp_server
    rsp_terminal)
  set_property(TEST test_rsp_examples APPEND PROPERTY ENVIRONMENT
    "RSPREGISTRAR=${CMAKE_BINARY_DIR}/rspregistrar"
    "RSP_ECHO_PE=$<TARGET_FILE:echo_pe>"
    "RSP_ECHO_PU=$<TARGET_FILE:echo_pu>"
    "RSP_SERVER=$<TARGET_FILE:rsp_server>"
    "RSP_TERMINAL=$<TARGET_FILE:rsp_terminal>")
endif()
