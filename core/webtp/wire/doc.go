// Package wire encodes and decodes WebTP version 1 packets (PROTOCOL.md in
// the parent directory). It only translates between bytes and values: no
// state, no sockets, no clocks. Decoding never allocates in the steady
// state (a Packet's slices are reused) and decoded data aliases the input.
package wire
