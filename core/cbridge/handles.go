package cbridge

import "sync"

// Handles is a mutex-guarded table of integer handles, the form in which
// descriptors and session ids cross into C. Numbers are never reused while
// the table lives, so a stale handle is reported as unknown instead of
// silently naming a newer object.
type Handles[T any] struct {
	mu   sync.Mutex
	next int32
	m    map[int32]T
}

// NewHandles makes a table whose first handle is first (> 0).
func NewHandles[T any](first int32) *Handles[T] {
	return &Handles[T]{next: first, m: make(map[int32]T)}
}

// Add stores v and returns its handle.
func (h *Handles[T]) Add(v T) int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	h.m[id] = v
	return id
}

// Get returns the value of a handle.
func (h *Handles[T]) Get(id int32) (T, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[id]
	return v, ok
}

// Remove deletes a handle and returns what it named.
func (h *Handles[T]) Remove(id int32) (T, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[id]
	delete(h.m, id)
	return v, ok
}

// Len is the number of live handles.
func (h *Handles[T]) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}
