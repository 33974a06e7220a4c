# The kernel-SCTP tests and the rsplib interop tests in a VM
# (tests/vm/run.sh, tests/vm/README.md): one ctest test, vm_sctp.
#
# The VM emulates its CPUs in software and wants both of this machine's:
# RUN_SERIAL keeps other tests off them. The first run also downloads the
# kernel and rsplib's packages (into the build tree's vm-cache) and builds
# the Go tests, hence the long TIMEOUT; run.sh bounds the VM itself at
# 290 s. Exit status 77 is run.sh saying why it cannot run here (no qemu
# and not root to install it, no network to the apt mirror, ...).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_test(NAME vm_sctp COMMAND ${CMAKE_SOURCE_DIR}/tests/vm/run.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(vm_sctp PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE SKIP_RETURN_CODE 77
    LABELS vm)
endif()
