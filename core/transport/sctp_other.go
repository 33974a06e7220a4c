//go:build !linux || 386

package transport

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"syscall"
)

// github.com/ishidawataru/sctp implements SCTP on Linux only, and not on
// linux/386; elsewhere the TCP mapping is the only backend.

func sctpProbeSocket() error { return syscall.EPROTONOSUPPORT }

func dialSCTP(context.Context, []netip.AddrPort, config) (Assoc, error) {
	return nil, fmt.Errorf("%w on %s/%s", ErrNoKernelSCTP, runtime.GOOS, runtime.GOARCH)
}

func listenSCTP([]netip.AddrPort, config) (Listener, error) {
	return nil, fmt.Errorf("%w on %s/%s", ErrNoKernelSCTP, runtime.GOOS, runtime.GOARCH)
}
