package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netcompat/core/rserpool/registrar/registrartest"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Every wait ends as soon as its condition holds; the limits only bound a
// failing test.
const waitLimit = 20 * time.Second

// daemonPath is the rspregistrar binary TestMain builds.
var daemonPath string

func TestMain(m *testing.M) {
	path, cleanup, err := registrartest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	daemonPath = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads.
type syncBuffer = registrartest.SyncBuffer

// daemon is one running rspregistrar.
type daemon struct {
	*registrartest.Daemon
	t    *testing.T
	addr netip.AddrPort // its ASAP address
}

// startDaemon starts rspregistrar on 127.0.0.1 with a free port and no
// announces, plus args, and waits for its port file.
func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	d := registrartest.Start(t, daemonPath, waitLimit, append([]string{"-loglevel=4"}, args...)...)
	return &daemon{Daemon: d, t: t, addr: d.Addr}
}

// stop sends SIGTERM and returns the exit code.
func (d *daemon) stop() int {
	d.t.Helper()
	d.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.Exited:
	case <-time.After(waitLimit):
		d.t.Fatal("rspregistrar did not exit on SIGTERM")
	}
	if d.Err == nil {
		return 0
	}
	if ee, ok := d.Err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	d.t.Fatal(d.Err)
	return -1
}

// rss returns the daemon's resident set size in bytes.
func (d *daemon) rss() int64 {
	d.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.Cmd.Process.Pid))
	if err != nil {
		d.t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	d.t.Fatal("no VmRSS")
	return 0
}

// client is one ASAP association to the daemon. Its reader answers
// Endpoint Keep-Alives itself (unless mute) and passes everything else on.
type client struct {
	t    *testing.T
	a    transport.Assoc
	in   chan wire.Message
	done chan error
	kas  chan *wire.EndpointKeepAlive // keep-alives seen (buffered, dropped when full)
}

func dial(t *testing.T, d *daemon, mute bool) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	a, err := transport.Dial(ctx, []netip.AddrPort{d.addr}, &transport.Options{Framing: transport.FramingBare})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, a: a, in: make(chan wire.Message, 4096), done: make(chan error, 1), kas: make(chan *wire.EndpointKeepAlive, 64)}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, _, err := a.Recv(buf)
			if err != nil {
				close(c.in)
				c.done <- err
				return
			}
			m, err := wire.ParseASAP(buf[:n])
			if err != nil {
				t.Errorf("registrar sent an undecodable message: %v", err)
				continue
			}
			if ka, ok := m.(*wire.EndpointKeepAlive); ok {
				select {
				case c.kas <- ka:
				default:
				}
				if !mute {
					b, _ := wire.AppendASAP(nil, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID})
					a.Send(b, transport.SendInfo{})
				}
				continue
			}
			c.in <- m
		}
	}()
	t.Cleanup(func() { a.Close() })
	return c
}

func (c *client) send(m wire.Message) {
	c.t.Helper()
	b, err := wire.AppendASAP(nil, m)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.a.Send(b, transport.SendInfo{}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) recv() wire.Message {
	c.t.Helper()
	select {
	case m, ok := <-c.in:
		if !ok {
			c.t.Fatalf("association ended: %v", <-c.done)
		}
		return m
	case <-time.After(waitLimit):
		c.t.Fatal("no answer from the registrar")
	}
	return nil
}

func (c *client) register(handle string, e wire.PoolElement) {
	c.t.Helper()
	c.send(&wire.Registration{PoolHandle: []byte(handle), Element: e})
	resp, ok := c.recv().(*wire.RegistrationResponse)
	if !ok || resp.Reject || resp.Error != nil || resp.PEID != e.ID {
		c.t.Fatalf("registration of %s/$%08x answered %+v", handle, e.ID, resp)
	}
}

func (c *client) resolve(handle string, items ...uint32) *wire.HandleResolutionResponse {
	c.t.Helper()
	m := &wire.HandleResolution{PoolHandle: []byte(handle)}
	if len(items) > 0 {
		m.HasItems, m.Items = true, items[0]
	}
	c.send(m)
	resp, ok := c.recv().(*wire.HandleResolutionResponse)
	if !ok {
		c.t.Fatalf("handle resolution answered %T", resp)
	}
	return resp
}

// pe returns a pool element with one loopback TCP user address.
func pe(id uint32, ptype uint32, values ...uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 60000,
		User: wire.Transport{
			Kind:  wire.ParamTCPTransport,
			Port:  uint16(1024 + id%60000),
			Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		},
		Policy: wire.Policy{Type: ptype, Values: values},
	}
}

func ids(resp *wire.HandleResolutionResponse) []uint32 {
	var out []uint32
	for _, e := range resp.Elements {
		out = append(out, e.ID)
	}
	return out
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// runDaemonOnce runs rspregistrar with args until it exits (it must exit
// by itself, e.g. on a bad option) and returns its output.
func runDaemonOnce(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, daemonPath, args...).CombinedOutput()
	return string(out), err
}
