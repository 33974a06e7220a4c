package server_test

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/client"
	"netcompat/core/extagent/server"
)

// pump runs dispatch rounds until want events arrived, waiting on the
// server's descriptor as a C program would.
func pump(t *testing.T, s *server.Server, want int) []server.Event {
	t.Helper()
	var evs []server.Event
	deadline := time.Now().Add(20 * time.Second)
	for len(evs) < want {
		if time.Now().After(deadline) {
			t.Fatalf("got %d events, want %d", len(evs), want)
		}
		pfd := []unix.PollFd{{Fd: int32(s.Fd()), Events: unix.POLLIN}}
		unix.Poll(pfd, 1000)
		if err := s.Poll(); err != nil {
			t.Fatal(err)
		}
		for {
			ev, ok := s.Pop(func(n int) []byte { return make([]byte, n) })
			if !ok {
				break
			}
			evs = append(evs, ev)
		}
	}
	return evs
}

func TestRoundTrip(t *testing.T) {
	cfg := extagent.FromEnv()
	s, err := server.Listen(0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	c, err := client.Dial("127.0.0.1", 0, s.Port(), cfg, client.GoAlloc{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	evs := pump(t, s, 1)
	if evs[0].Kind != server.Accepted {
		t.Fatalf("first event %v", evs[0].Kind)
	}
	conn := evs[0].Conn
	if err := s.BeginDelivery(conn); err != nil {
		t.Fatal(err)
	}
	evs = pump(t, s, 1)
	if evs[0].Kind != server.Packet || string(evs[0].Data) != "hello" {
		t.Fatalf("got %+v", evs[0])
	}
	big := bytes.Repeat([]byte("x"), 3<<20)
	if err := s.Send(conn, big); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		d, ok, err := c.Read(true)
		if err != nil || !ok {
			t.Errorf("read: %v %v", ok, err)
		}
		got <- d
	}()
	for {
		select {
		case d := <-got:
			if !bytes.Equal(d, big) {
				t.Fatal("big packet corrupted")
			}
			c.Close()
			evs = pump(t, s, 1)
			if evs[0].Kind != server.Closed {
				t.Fatalf("want closed, got %v", evs[0].Kind)
			}
			return
		default:
			pfd := []unix.PollFd{{Fd: int32(s.Fd()), Events: unix.POLLIN}}
			unix.Poll(pfd, 100)
			s.Poll()
			for {
				if _, ok := s.Pop(func(n int) []byte { return make([]byte, n) }); !ok {
					break
				}
			}
		}
	}
}
