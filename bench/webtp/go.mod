// The WebTP benchmark program of bench/webtp.sh, a module of its own so
// that netcompat's go.mod never depends on quic-go.
//
// Its path lies under netcompat/core although the directory is
// bench/webtp: the impaired path comes from netcompat/core/internal/impair,
// and Go lets only packages whose import path is inside netcompat/core
// import that internal package (the rule goes by import path, also across
// modules).
module netcompat/core/webtpbench

go 1.26.0

require (
	github.com/quic-go/quic-go v0.65.0
	golang.org/x/sys v0.49.0
	netcompat v0.0.0
)

require (
	github.com/vishvananda/netlink v1.3.1 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/net v0.56.0 // indirect
)

replace netcompat => ../..
