package stream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// loop is a Transport that hands every sent ADU back to Receive.
type loop struct {
	ch      chan ADU
	closed  chan struct{}
	aborted chan struct{}
}

func newLoop() *loop {
	return &loop{ch: make(chan ADU, 1024), closed: make(chan struct{}), aborted: make(chan struct{}, 1)}
}

func (l *loop) Send(data []byte, flags byte) error {
	l.ch <- ADU{Data: append([]byte(nil), data...), Flags: flags}
	return nil
}

func (l *loop) Receive(ctx context.Context) (ADU, error) {
	select {
	case a, ok := <-l.ch:
		if !ok {
			return ADU{}, io.EOF
		}
		return a, nil
	case <-ctx.Done():
		return ADU{}, ctx.Err()
	}
}

func (l *loop) Close() error { close(l.ch); close(l.closed); return nil }
func (l *loop) Abort()       { l.aborted <- struct{}{} }

func readFull(t *testing.T, fd int, n int) []byte {
	b := make([]byte, n)
	for got := 0; got < n; {
		k, err := unix.Read(fd, b[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || k == 0 {
			t.Fatalf("read: %d %v", k, err)
		}
		got += k
	}
	return b
}

func TestPumpEcho(t *testing.T) {
	cfd, f, err := Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cfd)
	l := newLoop()
	p, err := New(f, l)
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	go func() {
		// Header and data in tiny pieces, then a big one.
		s := chunk(FlagStart|FlagEnd|FlagReliable, []byte("hello"))
		for i := range s {
			unix.Write(cfd, s[i:i+1])
		}
		s = chunk(FlagStart|FlagEnd|FlagUrgent, big)
		for len(s) > 0 {
			n, err := unix.Write(cfd, s)
			if err != nil {
				return
			}
			s = s[n:]
		}
		unix.Shutdown(cfd, unix.SHUT_WR)
	}()
	h := readFull(t, cfd, 9)
	if !bytes.Equal(h, append([]byte{0xe0, 0, 0, 5}, "hello"...)) {
		t.Fatalf("% x", h)
	}
	h = readFull(t, cfd, 4)
	fl, n := ParseHeader(h)
	if fl != FlagStart|FlagEnd|FlagUrgent || n != len(big) {
		t.Fatalf("% x", h)
	}
	if !bytes.Equal(readFull(t, cfd, n), big) {
		t.Fatal("data differs")
	}
	// The program's EOF closes the transport, whose EOF reaches the program.
	var b [1]byte
	if k, err := unix.Read(cfd, b[:]); k != 0 || err != nil {
		t.Fatalf("want EOF: %d %v", k, err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("pump did not finish")
	}
}

func TestPumpFramingError(t *testing.T) {
	cfd, f, err := Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cfd)
	l := newLoop()
	p, _ := New(f, l)
	var perr error
	p.OnError = func(err error) { perr = err }
	p.Start()
	unix.Write(cfd, []byte{0xc8, 0, 0, 0})
	select {
	case <-l.aborted:
	case <-time.After(10 * time.Second):
		t.Fatal("not aborted")
	}
	var b [1]byte
	if k, _ := unix.Read(cfd, b[:]); k != 0 {
		t.Fatal("want EOF")
	}
	if _, err := unix.SendmsgBuffers(cfd, [][]byte{{0xc0, 0, 0, 0}}, nil, nil, unix.MSG_NOSIGNAL); err != unix.EPIPE {
		t.Fatalf("send after reset: %v", err)
	}
	l.Close()
	<-p.Done()
	if !errors.Is(perr, ErrReserved) {
		t.Fatal(perr)
	}
}

func TestPumpLossNotice(t *testing.T) {
	cfd, f, _ := Socketpair()
	defer unix.Close(cfd)
	l := newLoop()
	p, _ := New(f, l)
	p.Start()
	l.ch <- ADU{Lost: true}
	if h := readFull(t, cfd, 4); !IsLossNotice(h) || !bytes.Equal(h, []byte{0, 0, 0, 0}) {
		t.Fatalf("% x", h)
	}
	unix.Shutdown(cfd, unix.SHUT_WR)
	<-p.Done()
}
