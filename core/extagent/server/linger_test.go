package server_test

import (
	"bytes"
	"testing"
	"time"

	"netcompat/core/extagent/wire"
)

// chatter makes the agent send packets without pause until stop is closed
// or the connection breaks.
func chatter(a *agent) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		p := wire.AppendData(nil, pattern(1000, 1))
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := a.Write(p); err != nil {
				return
			}
		}
	}()
	return func() { close(done); a.SetWriteDeadline(time.Now()); <-finished }
}

// An agent that keeps talking while the server closes on it still gets
// everything queued for it and the close packet: the server must not close
// its socket with input pending, which makes the kernel reset the
// connection and drop what it has not transmitted yet.
func TestCloseWhilePeerKeepsSending(t *testing.T) {
	for _, held := range []bool{false, true} {
		l := newLoop(t, testConfig())
		a, c := l.accept()
		if !held {
			l.s.BeginDelivery(c)
		}
		stop := chatter(a)
		const n = 20
		for i := range n {
			l.s.Send(c, pattern(100<<10, byte(i)))
		}
		l.s.Close(c)
		a.read()
		l.until("the agent to be closed", a.finished)
		stop()
		frames, err := a.result()
		if len(frames) != n+2 || !isControl(frames[n+1], wire.CmdClose, wire.CloseNormal) {
			t.Fatalf("held=%v: agent received %d frames (%s) then %v, want %d", held, len(frames), describe(frames[len(frames)-1:]), err, n+2)
		}
		for i := range n {
			if !bytes.Equal(frames[1+i].Data, pattern(100<<10, byte(i))) {
				t.Fatalf("packet %d corrupted", i)
			}
		}
		l.until("Closed", func() bool { return l.closedCount(c) == 1 })
		l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
	}
}

// The same for Shutdown.
func TestShutdownWhilePeerKeepsSending(t *testing.T) {
	l := newLoop(t, testConfig())
	a, c := l.accept()
	l.s.BeginDelivery(c)
	stop := chatter(a)
	defer stop()
	const n = 20
	for i := range n {
		l.s.Send(c, pattern(100<<10, byte(i)))
	}
	a.read()
	if err := l.s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for !a.finished() {
		if time.Now().After(deadline) {
			t.Fatal("agent not closed")
		}
		fdReadable(-1, 10*time.Millisecond)
	}
	frames, err := a.result()
	if len(frames) != n+2 || !isControl(frames[n+1], wire.CmdClose, wire.CloseShutdown) {
		t.Fatalf("agent received %d frames (%s) then %v, want %d", len(frames), describe(frames[len(frames)-1:]), err, n+2)
	}
	for i := range n {
		if !bytes.Equal(frames[1+i].Data, pattern(100<<10, byte(i))) {
			t.Fatalf("packet %d corrupted", i)
		}
	}
	if len(l.all) != 1 { // Accepted only: no events after Shutdown
		t.Fatalf("%d events", len(l.all))
	}
}
