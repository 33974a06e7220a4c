// Package vm holds the kernel-SCTP checks that only the VM tests
// (tests/vm/run.sh) can run: on a kernel without SCTP they skip. The
// harness itself is run.sh and init.sh; this package has no code of its own.
package vm
