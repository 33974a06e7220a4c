package main

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Pool elements and users here are the real client library
// (core/rserpool/asap); the elements that get killed run in processes of
// their own: this test binary started again as TestHelperPoolElement.

const (
	kaInterval = time.Second // -endpointkeepalivetransmissioninterval
	kaTimeout  = time.Second // -endpointkeepalivetimeoutinterval
)

// TestHelperPoolElement is not a test: run with RSP_HELPER_PE=1 it is a pool
// element process that registers and then waits to be killed.
func TestHelperPoolElement(t *testing.T) {
	if os.Getenv("RSP_HELPER_PE") != "1" {
		t.Skip("helper process")
	}
	registrar := netip.MustParseAddrPort(os.Getenv("RSP_REGISTRAR"))
	id, _ := strconv.ParseUint(os.Getenv("RSP_PEID"), 10, 32)
	c, err := asap.New(asap.Config{Registrars: [][]netip.AddrPort{{registrar}}, DisableAnnounce: true})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	_, err = c.Register(context.Background(), []byte(os.Getenv("RSP_POOL")), asap.Element{
		ID:     uint32(id),
		User:   loopbackTCP(uint16(20000 + id)),
		Policy: wire.Policy{Type: policy.RoundRobin},
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("registered")
	select {} // until killed
}

func loopbackTCP(port uint16) wire.Transport {
	return wire.Transport{Kind: wire.ParamTCPTransport, Port: port, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
}

// startPE starts a pool element process and waits until it has registered.
func startPE(t *testing.T, d *daemon, pool string, id uint32) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPoolElement$")
	cmd.Env = append(os.Environ(), "RSP_HELPER_PE=1", "RSP_REGISTRAR="+d.addr.String(),
		"RSP_POOL="+pool, fmt.Sprintf("RSP_PEID=%d", id), "NETCOMPAT_LOG=off")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "registered\n" {
		t.Fatalf("pool element %d: %q %v", id, line, err)
	}
	return cmd
}

// user is a pool user that asks the registrar every time (no cache).
func user(t *testing.T, d *daemon) func(pool string) []uint32 {
	c, err := asap.New(asap.Config{Registrars: [][]netip.AddrPort{{d.addr}}, DisableAnnounce: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return func(pool string) []uint32 {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		pes, _, err := c.ResolveStale(ctx, []byte(pool), 10, 0)
		if err != nil {
			t.Fatalf("resolve %s: %v", pool, err)
		}
		var ids []uint32
		for _, pe := range pes {
			ids = append(ids, pe.ID)
		}
		slices.Sort(ids)
		return ids
	}
}

// A pool element killed with SIGKILL leaves with its association at once;
// one stopped with SIGSTOP keeps its association up but stops answering
// keep-alives, and must be gone within the keep-alive interval plus the
// timeout.
func TestKilledAndStoppedPoolElements(t *testing.T) {
	d := startDaemon(t,
		fmt.Sprintf("-endpointkeepalivetransmissioninterval=%d", kaInterval.Milliseconds()),
		fmt.Sprintf("-endpointkeepalivetimeoutinterval=%d", kaTimeout.Milliseconds()))
	const pool = "processes"
	pes := map[uint32]*exec.Cmd{}
	for _, id := range []uint32{1, 2, 3} {
		pes[id] = startPE(t, d, pool, id)
	}
	resolve := user(t, d)
	if got := resolve(pool); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Fatalf("resolved %v, want [1 2 3]", got)
	}

	pes[2].Process.Kill()
	eventually(t, "the killed element to leave", func() bool { return !slices.Contains(resolve(pool), 2) })

	stopped := time.Now()
	pes[3].Process.Signal(syscall.SIGSTOP)
	eventually(t, "the stopped element to leave", func() bool { return !slices.Contains(resolve(pool), 3) })
	// The registrar notices at the first keep-alive after the stop and
	// gives up after the timeout; the slack covers a loaded machine.
	if took, limit := time.Since(stopped), kaInterval+kaTimeout+5*time.Second; took > limit {
		t.Errorf("the stopped element left after %v, more than %v", took, limit)
	}
	if got := resolve(pool); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("resolved %v, want [1]", got)
	}
}

// Every policy through the client library: elements register with their
// policy information, a user resolves and gets them with the pool's policy.
func TestClientLibraryEveryPolicy(t *testing.T) {
	d := startDaemon(t)
	pe, err := asap.New(asap.Config{Registrars: [][]netip.AddrPort{{d.addr}}, DisableAnnounce: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pe.Close()
	resolve := user(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, ptype := range policy.Types {
		pool := fmt.Sprintf("lib-%08x", ptype)
		n, _ := policy.ValueCount(ptype)
		values := make([]uint32, n)
		for i := range values {
			values[i] = 1
		}
		for id := uint32(1); id <= 3; id++ {
			if _, err := pe.Register(ctx, []byte(pool), asap.Element{
				ID: id, User: loopbackTCP(uint16(30000 + id)), Policy: wire.Policy{Type: ptype, Values: values},
			}); err != nil {
				t.Fatalf("%s: register %d: %v", policy.Name(ptype), id, err)
			}
		}
		if got := resolve(pool); !slices.Equal(got, []uint32{1, 2, 3}) {
			t.Errorf("%s: resolved %v, want [1 2 3]", policy.Name(ptype), got)
		}
	}
}
