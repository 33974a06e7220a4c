package main

/*
#include <stdlib.h>
*/
import "C"

import "unsafe"

// cAlloc hands out malloc(3) memory, so a packet buffer can pass to a C
// program that releases it with free(3).
type cAlloc struct{}

func (cAlloc) Alloc(n int) []byte {
	p := C.malloc(C.size_t(n))
	if p == nil {
		panic("out of memory")
	}
	return unsafe.Slice((*byte)(p), n)
}

func (cAlloc) Free(b []byte) {
	if cap(b) > 0 {
		C.free(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

// cBytes views C memory as a Go slice without copying; nil for n <= 0.
func cBytes(p unsafe.Pointer, n int) []byte {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}
