package transport

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"netcompat/core/netlog"
)

// fakeProbe replaces the probe's socket(2) for one test and counts calls.
func fakeProbe(t *testing.T, results ...error) *int {
	t.Helper()
	calls := new(int)
	old := probeSocket
	probeSocket = func() error {
		err := results[min(*calls, len(results)-1)]
		*calls++
		return err
	}
	resetProbe()
	t.Cleanup(func() {
		probeSocket = old
		resetProbe()
	})
	return calls
}

func TestProbeCachesAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"available", nil},
		{"EPROTONOSUPPORT", syscall.EPROTONOSUPPORT},
		{"ESOCKTNOSUPPORT", syscall.ESOCKTNOSUPPORT},
		{"EAFNOSUPPORT", syscall.EAFNOSUPPORT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := fakeProbe(t, tc.err, nil)
			for range 3 {
				err := Probe()
				if tc.err == nil && err != nil {
					t.Fatalf("Probe: %v", err)
				}
				if tc.err != nil && (!errors.Is(err, ErrNoKernelSCTP) || !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.name)) {
					t.Fatalf("Probe: %v, want ErrNoKernelSCTP and %s", err, tc.name)
				}
			}
			if *calls != 1 {
				t.Errorf("socket(2) called %d times, want once", *calls)
			}
			want := BackendTCP
			if tc.err == nil {
				want = BackendKernel
			}
			t.Setenv(EnvBackend, "")
			if b := DefaultBackend(); b != want {
				t.Errorf("DefaultBackend %v, want %v", b, want)
			}
		})
	}
}

func TestProbeRetriesOtherErrors(t *testing.T) {
	calls := fakeProbe(t, syscall.EMFILE, syscall.EMFILE, nil)
	for i := range 2 {
		if err := Probe(); !errors.Is(err, syscall.EMFILE) || errors.Is(err, ErrNoKernelSCTP) {
			t.Fatalf("Probe #%d: %v, want EMFILE and not ErrNoKernelSCTP", i, err)
		}
	}
	if err := Probe(); err != nil || *calls != 3 {
		t.Fatalf("Probe: %v after %d calls, want success on the third", err, *calls)
	}
	Probe()
	if *calls != 3 {
		t.Errorf("socket(2) called again after success")
	}
}

func TestEnvOverride(t *testing.T) {
	calls := fakeProbe(t, nil)
	for v, want := range map[string]Backend{"kernel": BackendKernel, "tcp": BackendTCP, "": BackendKernel, "auto": BackendKernel} {
		t.Setenv(EnvBackend, v)
		if b := DefaultBackend(); b != want {
			t.Errorf("%s=%q: %v, want %v", EnvBackend, v, b, want)
		}
	}
	if *calls != 1 {
		t.Errorf("probe ran %d times", *calls)
	}

	// An unknown value is reported once and ignored.
	var log bytes.Buffer
	restore := netlog.SetOutput(&log)
	defer restore()
	warnedEnv.Delete("sctp-please")
	t.Setenv(EnvBackend, "sctp-please")
	for range 2 {
		if b := DefaultBackend(); b != BackendKernel {
			t.Errorf("unknown value: %v, want the probe's answer", b)
		}
	}
	if n := strings.Count(log.String(), "sctp-please"); n != 1 {
		t.Errorf("reported %d times: %q", n, log.String())
	}
}

func TestEnvSelectsBackend(t *testing.T) {
	// NETCOMPAT_SCTP=tcp beats a probe that says kernel: a TCP listener.
	fakeProbe(t, nil)
	t.Setenv(EnvBackend, "tcp")
	ln := listen(t, []netip.AddrPort{loopback0}, nil)
	if _, ok := ln.(*tcpListener); !ok {
		t.Fatalf("NETCOMPAT_SCTP=tcp gave a %T", ln)
	}
	c, s := pair(t, nil)
	if _, ok := c.(*tcpAssoc); !ok {
		t.Fatalf("NETCOMPAT_SCTP=tcp gave a %T", c)
	}
	c.Send([]byte("x"), SendInfo{})
	if r := recvOne(t, s, 10); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestOptionsBeatEnv(t *testing.T) {
	t.Setenv(EnvBackend, "kernel")
	c, _ := pair(t, &Options{Backend: BackendTCP})
	if _, ok := c.(*tcpAssoc); !ok {
		t.Fatalf("Options.Backend=tcp under NETCOMPAT_SCTP=kernel gave a %T", c)
	}
}

func TestEnvKernelWithoutSCTP(t *testing.T) {
	if Probe() == nil {
		t.Skip("this kernel has SCTP")
	}
	t.Setenv(EnvBackend, "kernel")
	_, err := Listen([]netip.AddrPort{loopback0}, nil)
	if !errors.Is(err, ErrNoKernelSCTP) || !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Errorf("Listen: %v, want ErrNoKernelSCTP and EPROTONOSUPPORT", err)
	}
	_, err = Dial(testContext(t), []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:3863")}, nil)
	if !errors.Is(err, ErrNoKernelSCTP) {
		t.Errorf("Dial: %v, want ErrNoKernelSCTP", err)
	}
}

func TestProbeOnThisMachine(t *testing.T) {
	err := Probe()
	t.Logf("Probe: %v", err)
	if err != nil && !errors.Is(err, ErrNoKernelSCTP) {
		t.Errorf("Probe: %v", err)
	}
}
