package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"unsafe"

	"netcompat/core/cbridge"
)

// The core reads settings through getenv(3), so that what a program sets
// with setenv(3) before its first call is in force (see cbridge.Getenv).
func init() { cbridge.Getenv = cGetenv }

func cGetenv(key string) string {
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	if v := C.getenv(ck); v != nil {
		return C.GoString(v)
	}
	return ""
}
