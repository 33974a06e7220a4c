package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/server"
	"netcompat/core/extagent/wire"
	"netcompat/core/netlog"
)

// wait bounds everything a test waits for; it only matters on failure.
const wait = 20 * time.Second

func testConfig() extagent.Config {
	return extagent.Config{MaxPacket: wire.DefaultMaxPacket, Handshake: 10 * time.Second}
}

// loop drives a server as a C program's event loop would: it waits on the
// server's descriptor and runs dispatch rounds, collecting the events.
type loop struct {
	t   *testing.T
	s   *server.Server
	evs []server.Event // received and not yet taken
	all []server.Event // every event ever received
}

func newLoop(t *testing.T, cfg extagent.Config) *loop {
	t.Helper()
	s, err := server.Listen(0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	return &loop{t: t, s: s}
}

func fdReadable(fd int, timeout time.Duration) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(pfd, int(timeout/time.Millisecond))
	return n > 0
}

// round waits at most d for the descriptor, then runs one dispatch round.
func (l *loop) round(d time.Duration) {
	l.t.Helper()
	fdReadable(l.s.Fd(), d)
	if err := l.s.Poll(); err != nil {
		l.t.Fatalf("Poll: %v", err)
	}
	for {
		ev, ok := l.s.Pop(func(n int) []byte { return make([]byte, n) })
		if !ok {
			return
		}
		l.evs = append(l.evs, ev)
		l.all = append(l.all, ev)
	}
}

// until runs rounds until cond holds.
func (l *loop) until(what string, cond func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out waiting for %s", what)
		}
		l.round(10 * time.Millisecond)
	}
}

// next takes the next event.
func (l *loop) next() server.Event {
	l.t.Helper()
	l.until("an event", func() bool { return len(l.evs) > 0 })
	ev := l.evs[0]
	l.evs = l.evs[1:]
	return ev
}

// expect takes the next event and checks its kind and connection (nil:
// any).
func (l *loop) expect(kind server.EventKind, c *server.Conn) server.Event {
	l.t.Helper()
	ev := l.next()
	if ev.Kind != kind || (c != nil && ev.Conn != c) {
		l.t.Fatalf("event %s (conn %p, %d octets), want %s (conn %p)", kindName(ev.Kind), ev.Conn, len(ev.Data), kindName(kind), c)
	}
	return ev
}

// idle runs rounds until the server has nothing to do, then checks that
// no event is left untaken.
func (l *loop) idle() {
	l.t.Helper()
	l.until("the server to go idle", func() bool { return !fdReadable(l.s.Fd(), 0) })
	if len(l.evs) > 0 {
		l.t.Fatalf("unexpected event %s", kindName(l.evs[0].Kind))
	}
}

// closedCount counts the Closed events ever received for c.
func (l *loop) closedCount(c *server.Conn) int {
	n := 0
	for _, ev := range l.all {
		if ev.Kind == server.Closed && ev.Conn == c {
			n++
		}
	}
	return n
}

func kindName(k server.EventKind) string {
	switch k {
	case server.Accepted:
		return "Accepted"
	case server.Packet:
		return "Packet"
	case server.Closed:
		return "Closed"
	}
	return "none"
}

// agent is a raw TCP peer whose every octet the test controls.
type agent struct {
	t *testing.T
	*net.TCPConn

	mu     sync.Mutex
	frames []wire.Frame
	err    error // how reading ended: io.EOF, a reset, a framing error
	done   bool
}

func dialAgent(t *testing.T, port uint16) *agent {
	t.Helper()
	c, err := net.DialTCP("tcp4", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &agent{t: t, TCPConn: c}
}

var greeting = wire.AppendControl(nil, wire.CmdOpen, 1)

func (a *agent) send(b ...[]byte) {
	a.t.Helper()
	if _, err := a.Write(bytes.Join(b, nil)); err != nil {
		a.t.Fatal(err)
	}
}

// read starts reading and decoding what the server sends, in the
// background, until the stream ends; then it closes its own half.
func (a *agent) read() {
	go func() {
		var d wire.Decoder
		buf := make([]byte, 64<<10)
		a.SetReadDeadline(time.Now().Add(wait))
		for {
			n, err := a.TCPConn.Read(buf)
			for p := buf[:n]; len(p) > 0; {
				f, k, ok, derr := d.Next(p)
				if derr != nil {
					err = derr
					break
				}
				p = p[k:]
				if ok {
					f.Data = bytes.Clone(f.Data)
					a.mu.Lock()
					a.frames = append(a.frames, f)
					a.mu.Unlock()
				}
			}
			if err != nil {
				// Close our half too, as the agent library does once the
				// server has closed.
				a.CloseWrite()
				a.mu.Lock()
				a.err, a.done = err, true
				a.mu.Unlock()
				return
			}
		}
	}()
}

// unsent is the number of octets the agent's kernel still holds, sent
// or not, that the server has not acknowledged.
func (a *agent) unsent() int {
	a.t.Helper()
	rc, err := a.SyscallConn()
	if err != nil {
		a.t.Fatal(err)
	}
	n := -1
	rc.Control(func(fd uintptr) {
		n, err = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

func (a *agent) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.frames)
}

func (a *agent) finished() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

// result is what the agent received and how the stream ended.
func (a *agent) result() ([]wire.Frame, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.frames, a.err
}

// endedCleanly reports whether the stream ended as a closed connection
// does: the end of the stream or a reset.
func endedCleanly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func isControl(f wire.Frame, cmd wire.Command, arg uint16) bool {
	return f.Kind == wire.KindControl && f.Command == cmd && f.Arg == arg
}

func describe(fs []wire.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Kind == wire.KindControl {
			fmt.Fprintf(&b, "%s(%d) ", f.Command, f.Arg)
		} else {
			fmt.Fprintf(&b, "data[%d] ", len(f.Data))
		}
	}
	return b.String()
}

// logBuffer captures the library's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func captureLog(t *testing.T) *logBuffer {
	lb := &logBuffer{}
	t.Cleanup(netlog.SetOutput(lb))
	return lb
}

// accept connects a greeting agent and returns it with its connection.
func (l *loop) accept() (*agent, *server.Conn) {
	l.t.Helper()
	a := dialAgent(l.t, l.s.Port())
	a.send(greeting)
	ev := l.expect(server.Accepted, nil)
	return a, ev.Conn
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*31)
	}
	return b
}
