# rapi_examples runs the RSVP example programs (examples/c: rtap,
# rsvp_sender, rsvp_receiver, qtoq_server, qtoq_client) against an rsvpd it
# starts itself (UDP encapsulation, API socket in a private directory); the
# driver is tests/c/rapi_examples_run.sh, which finds everything through the
# environment.
find_program(NC_BASH bash)
if(NC_BASH AND TARGET tool_rsvpd AND TARGET rtap AND TARGET rsvp_sender
   AND TARGET rsvp_receiver AND TARGET qtoq_server AND TARGET qtoq_client)
  add_test(NAME rapi_examples
    COMMAND ${NC_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/rapi_examples_run.sh)
  set_tests_properties(rapi_examples PROPERTIES TIMEOUT 300
    # rsvpd's UDP encapsulation ports (1698/1699) are host-wide.
    RESOURCE_LOCK rsvpd_udp
    ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/rapi_examples.log;RSVPD=${CMAKE_BINARY_DIR}/rsvpd;RTAP=$<TARGET_FILE:rtap>;RSVP_SENDER=$<TARGET_FILE:rsvp_sender>;RSVP_RECEIVER=$<TARGET_FILE:rsvp_receiver>;QTOQ_SERVER=$<TARGET_FILE:qtoq_server>;QTOQ_CLIENT=$<TARGET_FILE:qtoq_client>")
endif()
