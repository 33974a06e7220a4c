package client

// Allocator provides the memory packets are read into. Read hands a
// complete packet's buffer to its caller, so the C layer supplies malloc(3)
// memory that a C program later passes to free(3); Go code uses GoAlloc.
type Allocator interface {
	Alloc(n int) []byte
	Free(b []byte)
}

// GoAlloc allocates on the Go heap.
type GoAlloc struct{}

func (GoAlloc) Alloc(n int) []byte { return make([]byte, n) }
func (GoAlloc) Free([]byte)        {}
