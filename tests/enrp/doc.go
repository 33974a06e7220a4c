// Package enrp holds the network-namespace tests of a registrar pool: real
// rspregistrar processes (RFC 5353 ENRP) on three hosts of one bridged
// LAN, real pool elements (the C rsp_server of a CMake build) on two more
// and pool users (the C rsp_terminal, and this test binary as a Go ASAP
// resolver) on a sixth. The tests need root (network namespaces) and the
// C programs of a build tree: $NETCOMPAT_BUILD_DIR, else the repository's
// build/ (what `make` builds); without either they skip, saying why.
// This package has no code of its own: everything is in its tests.
package enrp
