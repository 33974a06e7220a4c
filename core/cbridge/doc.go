// Package cbridge is the plumbing every C-facing API shares: descriptors C
// may select(2) on, integer handle tables, and the conversion of Go errors
// and panics into the errno values the C shims hand back.
//
// It is pure Go; package capi adds the cgo layer on top.
package cbridge
