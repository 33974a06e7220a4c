package transport

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"netcompat/core/cbridge"
	"netcompat/core/netlog"
)

// probeSocket creates and closes one SCTP socket; tests replace it.
var probeSocket = sctpProbeSocket

var probe struct {
	mu   sync.Mutex
	done bool
	err  error
}

// Probe reports whether the kernel offers SCTP, by creating one
// socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP), like lksctp-tools' checksctp.
// It returns nil when it does, and an error wrapping ErrNoKernelSCTP and the
// errno when socket(2) says the protocol, socket type or address family is
// not supported (EPROTONOSUPPORT, ESOCKTNOSUPPORT, EAFNOSUPPORT). Both
// answers are remembered for the life of the process. Any other failure
// (out of descriptors, a security policy) is returned without being
// remembered, so a later call asks again.
//
// Where sctp.ko is modular, the probe may load it.
func Probe() error {
	probe.mu.Lock()
	defer probe.mu.Unlock()
	if probe.done {
		return probe.err
	}
	err := probeSocket()
	switch {
	case err == nil:
	case noSCTP(err):
		err = fmt.Errorf("%w (%s): socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): %w", ErrNoKernelSCTP, errnoName(err), err)
	default:
		return fmt.Errorf("transport: probing for kernel SCTP: %w", err)
	}
	probe.done, probe.err = true, err
	return err
}

// resetProbe forgets the probe's answer; for tests.
func resetProbe() {
	probe.mu.Lock()
	probe.done, probe.err = false, nil
	probe.mu.Unlock()
}

func noSCTP(err error) bool {
	return errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT) ||
		errors.Is(err, syscall.EAFNOSUPPORT)
}

func errnoName(err error) string {
	switch {
	case errors.Is(err, syscall.EPROTONOSUPPORT):
		return "EPROTONOSUPPORT"
	case errors.Is(err, syscall.ESOCKTNOSUPPORT):
		return "ESOCKTNOSUPPORT"
	case errors.Is(err, syscall.EAFNOSUPPORT):
		return "EAFNOSUPPORT"
	}
	return err.Error()
}

// EnvBackend is the environment variable that overrides the probe:
// "kernel" or "tcp"; empty or "auto" leaves the choice to Probe.
const EnvBackend = "NETCOMPAT_SCTP"

var warnedEnv sync.Map // values of NETCOMPAT_SCTP already reported as unknown

// DefaultBackend is the backend BackendAuto stands for right now:
// NETCOMPAT_SCTP (read through cbridge.Getenv on every call, so a C program
// may setenv(3) it) if it names one, else BackendKernel if Probe succeeds,
// else BackendTCP.
func DefaultBackend() Backend {
	switch v := cbridge.Getenv(EnvBackend); v {
	case "kernel":
		return BackendKernel
	case "tcp":
		return BackendTCP
	case "", "auto":
	default:
		if _, seen := warnedEnv.LoadOrStore(v, true); !seen {
			netlog.Printf("transport: ignoring %s=%q (want kernel, tcp or auto)", EnvBackend, v)
		}
	}
	if Probe() == nil {
		return BackendKernel
	}
	return BackendTCP
}
