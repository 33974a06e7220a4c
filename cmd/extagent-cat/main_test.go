package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/server"
)

// The agent prints what the domain sends and ends when the domain closes.
// The test domain echoes two packets and then closes the connection, so
// nothing here depends on timing (the quiet wait is a minute).
func TestAgentAgainstEchoingDomain(t *testing.T) {
	cfg := extagent.FromEnv()
	s, err := server.Listen(0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	go func() {
		alloc := func(n int) []byte { return make([]byte, n) }
		echoed := 0
		for {
			pfd := []unix.PollFd{{Fd: int32(s.Fd()), Events: unix.POLLIN}}
			unix.Poll(pfd, 1000)
			if s.Poll() != nil {
				return
			}
			for {
				ev, ok := s.Pop(alloc)
				if !ok {
					break
				}
				switch ev.Kind {
				case server.Accepted:
					s.BeginDelivery(ev.Conn)
				case server.Packet:
					s.Send(ev.Conn, ev.Data)
					if echoed++; echoed == 2 {
						s.Close(ev.Conn)
					}
				}
			}
		}
	}()
	var out bytes.Buffer
	err = agent("127.0.0.1", s.Port(), time.Minute, cfg, strings.NewReader("hello\n\nworld\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "< \"hello\"\n< \"world\"\n"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}

func TestShow(t *testing.T) {
	for in, want := range map[string]string{
		"text":       `"text"`,
		"tab\there":  `"tab\there"`,
		"\x00\x01":   "2 octets: 00 01",
		"\xff\xfe":   "2 octets: ff fe",
		"line\nfeed": "9 octets: 6c 69 6e 65 0a 66 65 65 64",
	} {
		if got := show([]byte(in)); got != want {
			t.Errorf("show(%q) = %q, want %q", in, got, want)
		}
	}
}
