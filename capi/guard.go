package main

/*
#include "extagent-protocol.h"
*/
import "C"

import (
	"runtime/debug"
	"syscall"

	"netcompat/core/cbridge"
	"netcompat/core/netlog"
)

// setErr stores err's errno for the front to copy into errno.
func setErr(errp *C.int, err error) {
	if errp != nil {
		*errp = C.int(cbridge.Errno(err))
	}
}

// status turns a Go error into an ExtagStatus and an errno.
func status(errp *C.int, err error) C.int {
	if err != nil {
		setErr(errp, err)
		return C.EXTAG_FAILED
	}
	return C.EXTAG_OK
}

// recoverStatus is deferred by every export returning an ExtagStatus: a
// panic must never unwind into the host program, so it becomes
// EXTAG_FAILED with errno EIO and a log line.
func recoverStatus(st *C.int, errp *C.int) {
	if v := recover(); v != nil {
		reportPanic(v)
		*st = C.EXTAG_FAILED
		setErr(errp, syscall.EIO)
	}
}

// recoverQuiet is deferred by exports with no status to report.
func recoverQuiet() {
	if v := recover(); v != nil {
		reportPanic(v)
	}
}

// reportPanic logs a recovered panic. recover itself must be called by the
// deferred function directly, so each export's guard calls it and then this.
func reportPanic(v any) {
	netlog.Printf("internal error (reported as EIO): %v\n%s", v, debug.Stack())
}
