// Command capi is built with -buildmode=c-shared into libnetcompat-go.so.1,
// the Go core that libnetcompat.so.1 (capi/front) loads on first use.
//
// Every export here is thin: it checks what C handed it, calls a core
// package, and turns the result into a status and an errno. Exports take
// only C scalars and pointers, recover from panics, and never call back
// into C program code; callbacks are run by the front's dispatch loops.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}
#include "nc_abi.h"
*/
import "C"

func main() {}
