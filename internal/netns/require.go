package netns

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// RequiredEnv, set to 1, turns the skips of Require into failures.
const RequiredEnv = "NETCOMPAT_NETNS_REQUIRED"

var (
	availableOnce sync.Once
	availableErr  error
)

// Available reports why network namespaces cannot be used here, or nil.
// It probes once per process by creating and closing one namespace.
func Available() error {
	availableOnce.Do(func() {
		if os.Geteuid() != 0 {
			availableErr = fmt.Errorf("needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); euid is %d", os.Geteuid())
			return
		}
		ns, err := Create(UniqueName("probe"))
		if err != nil {
			availableErr = fmt.Errorf("network namespaces unavailable: %w", err)
			return
		}
		ns.Close()
	})
	return availableErr
}

// Require skips the test, with the reason, when namespaces cannot be
// created; with NETCOMPAT_NETNS_REQUIRED=1 it fails the test instead.
func Require(tb testing.TB) {
	tb.Helper()
	err := Available()
	if err == nil {
		return
	}
	if os.Getenv(RequiredEnv) == "1" {
		tb.Fatalf("netns: %v (and %s=1)", err, RequiredEnv)
	}
	tb.Skipf("netns: skipped: %v", err)
}
