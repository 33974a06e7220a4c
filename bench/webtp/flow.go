package main

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Flag bits as in webtp (FlagReliable, FlagUrgent), used by every stack's
// send so the workloads need not know which stack they drive.
const (
	fReliable = 0x20
	fUrgent   = 0x10
)

// flow is one direction of one connection: the client sends, the server
// receives.
type flow struct {
	stack string
	// send sends one ADU (a frame, a stream, a datagram); it may block.
	send func(b []byte, flags byte) error
	// recv returns the next ADU (or, for a byte stream, the next chunk);
	// lost reports a loss notice. The slice is valid until the next call.
	recv func(ctx context.Context) (b []byte, lost bool, err error)
	// finish ends the sending side gracefully: the receiver reads what
	// was sent, then an error (EOF).
	finish func()
}

// group is the flows of one run of one stack and what to close after.
type group struct {
	flows   []*flow
	closers []func()
}

func (g *group) close() {
	for i := len(g.closers) - 1; i >= 0; i-- {
		g.closers[i]()
	}
}

// ---- kernel TCP, 4-byte length framing on one connection per flow ----

func tcpOpen(e *env, n int) (*group, error) {
	g := &group{}
	var ln net.Listener
	if err := e.srvDo(func() (err error) { ln, err = net.Listen("tcp4", e.srvIP+":0"); return }); err != nil {
		return nil, err
	}
	g.closers = append(g.closers, func() { ln.Close() })
	for range n {
		var c net.Conn
		if err := e.cliDo(func() (err error) { c, err = net.Dial("tcp4", ln.Addr().String()); return }); err != nil {
			g.close()
			return nil, err
		}
		s, err := ln.Accept()
		if err != nil {
			c.Close()
			g.close()
			return nil, err
		}
		g.closers = append(g.closers, func() { c.Close(); s.Close() })
		g.flows = append(g.flows, tcpFlow(c, s))
	}
	return g, nil
}

func tcpFlow(c, s net.Conn) *flow {
	var hdr [4]byte
	var rhdr [4]byte
	var buf []byte
	var w watcher
	return &flow{
		stack: "tcp",
		send: func(b []byte, _ byte) error {
			binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
			bufs := net.Buffers{hdr[:], b}
			_, err := bufs.WriteTo(c)
			return err
		},
		recv: func(ctx context.Context) ([]byte, bool, error) {
			w.watch(ctx, s.SetReadDeadline)
			if _, err := io.ReadFull(s, rhdr[:]); err != nil {
				return nil, false, err
			}
			n := int(binary.BigEndian.Uint32(rhdr[:]))
			if cap(buf) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			_, err := io.ReadFull(s, buf)
			return buf, false, err
		},
		finish: func() { c.(*net.TCPConn).CloseWrite() },
	}
}

// msgQueue turns messages received by goroutines (quic-go streams) into
// a recv function.
type msgQueue struct {
	ch   chan []byte
	done chan struct{}
	once sync.Once
	err  error
}

func newMsgQueue() *msgQueue {
	return &msgQueue{ch: make(chan []byte, 4096), done: make(chan struct{})}
}

func (q *msgQueue) put(b []byte) {
	select {
	case q.ch <- b:
	case <-q.done:
	}
}

func (q *msgQueue) end(err error) {
	q.once.Do(func() { q.err = err; close(q.done) })
}

func (q *msgQueue) recv(ctx context.Context) ([]byte, bool, error) {
	select {
	case b := <-q.ch:
		return b, false, nil
	default:
	}
	select {
	case b := <-q.ch:
		return b, false, nil
	case <-q.done:
		return nil, false, q.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

var errStopped = errors.New("stopped")

// watcher makes a blocking read return once the context of the read
// ends, by setting a read deadline in the past (TCP and quic-go stream
// reads take no context). It registers once per context.
type watcher struct{ ctx context.Context }

func (w *watcher) watch(ctx context.Context, setDeadline func(time.Time) error) {
	if ctx == w.ctx || ctx.Done() == nil {
		return
	}
	w.ctx = ctx
	context.AfterFunc(ctx, func() { setDeadline(time.Unix(1, 0)) })
}
