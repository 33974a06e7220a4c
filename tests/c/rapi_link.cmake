# rapi_link_names: an ISI-dialect program (test_rapi_isi.c) builds with the
# old link lines `-lrsvp` and `-lrapi` (ld scripts naming libnetcompat.so.1)
# and runs.
if(TARGET test_rapi_isi)
  foreach(name rsvp rapi)
    set(exe ${CMAKE_CURRENT_BINARY_DIR}/rapi_link_${name})
    add_test(NAME rapi_link_${name}
      COMMAND sh -c "\"$0\" -std=gnu11 -Wall -Wextra -Werror -I\"$1\" -I\"$2\" -o \"$3\" \"$2/test_rapi_isi.c\" -pthread -L\"$4\" -l${name} -Wl,-rpath,\"$4\" && readelf -d \"$3\" | grep -q 'NEEDED.*libnetcompat.so.1' && \"$3\""
              ${CMAKE_C_COMPILER} ${CMAKE_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}
              ${exe} $<TARGET_FILE_DIR:netcompat>)
    set_tests_properties(rapi_link_${name} PROPERTIES TIMEOUT 120
      ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/rapi_link_${name}.log")
  endforeach()
endif()

# rapi_link_qtoqsapi: an IBM i program links with its old `-lqtoqsapi`
# (an ld script naming libnetcompat.so.1); running it is test_rapi_qtoq's.
set(exe ${CMAKE_CURRENT_BINARY_DIR}/rapi_link_qtoqsapi)
add_test(NAME rapi_link_qtoqsapi
  COMMAND sh -c "\"$0\" -std=gnu11 -Wall -Wextra -Werror -I\"$1\" -o \"$3\" \"$2/examples/c/qtoq_client.c\" -L\"$4\" -lqtoqsapi -Wl,-rpath,\"$4\" && readelf -d \"$3\" | grep -q 'NEEDED.*libnetcompat.so.1'"
          ${CMAKE_C_COMPILER} ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}
          ${exe} $<TARGET_FILE_DIR:netcompat>)
set_tests_properties(rapi_link_qtoqsapi PROPERTIES TIMEOUT 120)
