// Package csp is rsplib's Component Status Protocol: the UDP reports in
// which registrars, pool elements and pool users tell a monitor (rsplib's
// cspmonitor, UDP port 2960 by convention) who they are, what they are
// doing and with whom they have associations.
//
// CSP is rsplib-private monitoring, not part of RFC 5351-5356. The layout
// is rsplib's componentstatuspackets.h (version 0x0200), in network byte
// order: a 24-byte common header, the report body (interval, location
// and status texts of 128 bytes each, workload, association count) and a
// 24-byte entry per association. tshark decodes it as
// "componentstatusprotocol" on UDP port 2960.
//
// wire.go encodes and decodes reports; reporter.go sends them
// periodically.
package csp
