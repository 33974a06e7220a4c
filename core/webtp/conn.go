package webtp

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"netcompat/core/webtp/engine"
)

// Conn is one WebTP connection.
type Conn struct {
	ep      *endpoint
	c       *engine.Conn // guarded by ep.mu
	readCh  chan struct{}
	writeCh chan struct{}
	doneCh  chan struct{} // closed when the connection finished
	done    bool          // guarded by ep.mu
	once    sync.Once
}

func newConn(ep *endpoint, c *engine.Conn) *Conn {
	w := &Conn{ep: ep, c: c, readCh: make(chan struct{}, 1), writeCh: make(chan struct{}, 1), doneCh: make(chan struct{})}
	c.User = w
	return w
}

// signal runs with ep.mu held whenever the engine has news for w.
func (w *Conn) signal() {
	signal(w.readCh)
	signal(w.writeCh)
	if !w.done && w.c.Finished() {
		w.done = true
		close(w.doneCh)
	}
}

// Dial opens a connection and returns once the peer accepted it.
func Dial(ctx context.Context, network, address string, opt *DialOptions) (*Conn, error) {
	var o DialOptions
	if opt != nil {
		o = *opt
	}
	ua, err := net.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, err
	}
	remote := ua.AddrPort()
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	var ep *endpoint
	if o.LocalAddr != nil {
		ep, err = openEndpoint(network, o.LocalAddr.String(), o.Config, false)
	} else if remote.Addr().Is4() {
		ep, err = openEndpoint("udp4", "0.0.0.0:0", o.Config, true)
	} else {
		ep, err = openEndpoint("udp6", "[::]:0", o.Config, true)
	}
	if err != nil {
		return nil, err
	}
	ep.mu.Lock()
	ec, err := ep.eng.Dial(time.Now(), remote, o.NoDup, o.Class)
	if err != nil {
		ep.mu.Unlock()
		ep.release()
		return nil, mapErr(err)
	}
	w := newConn(ep, ec)
	ep.mu.Unlock()
	ep.kick()

	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		ep.mu.Lock()
		connecting, finished, cerr := ec.Connecting(), ec.Finished(), ec.Err()
		if connecting && (ctx.Err() != nil || isExpired(t)) {
			ec.Abort()
			ep.mu.Unlock()
			ep.kick()
			w.finishUse()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, ErrTimeout
		}
		ep.mu.Unlock()
		switch {
		case finished:
			w.finishUse()
			if cerr == nil {
				cerr = engine.ErrReset
			}
			return nil, mapErr(cerr)
		case !connecting:
			return w, nil
		}
		select {
		case <-w.writeCh:
		case <-ctx.Done():
		case <-t.C:
			t.Reset(0) // seen as expired above
		}
	}
}

func isExpired(t *time.Timer) bool {
	select {
	case <-t.C:
		return true
	default:
		return false
	}
}

// finishUse lets go of the endpoint once.
func (w *Conn) finishUse() { w.once.Do(w.ep.release) }

// Send queues one whole ADU, blocking while the send buffer is full. The
// data is copied.
func (w *Conn) Send(data []byte, flags byte) error {
	return w.send(data, flags, true)
}

// TrySend is Send that returns ErrWouldBlock instead of blocking.
func (w *Conn) TrySend(data []byte, flags byte) error {
	return w.send(data, flags, false)
}

func (w *Conn) send(data []byte, flags byte, block bool) error {
	if flags&^(FlagReliable|FlagUrgent) != 0 {
		return ErrBadFlags
	}
	cp := append([]byte(nil), data...)
	for {
		w.ep.mu.Lock()
		err := w.c.Send(cp, flags)
		w.ep.mu.Unlock()
		if err == nil {
			w.ep.kick()
			return nil
		}
		if err != engine.ErrWouldBlock || !block {
			return mapErr(err)
		}
		select {
		case <-w.writeCh:
		case <-w.ep.done:
			return ErrClosed
		}
	}
}

// Receive returns the next complete ADU or loss notice; io.EOF once the
// peer closed and everything was received.
func (w *Conn) Receive(ctx context.Context) (ADU, error) {
	for {
		w.ep.mu.Lock()
		a, ok := w.c.Receive()
		eof, finished, err := w.c.EOF(), w.c.Finished(), w.c.Err()
		w.ep.mu.Unlock()
		if ok {
			w.ep.kick() // credit may be due
			return ADU{Data: a.Data, Flags: a.Flags, Lost: a.Lost}, nil
		}
		if eof || finished {
			if err != nil && err != engine.ErrIdle {
				return ADU{}, mapErr(err)
			}
			if err == engine.ErrIdle {
				return ADU{}, ErrTimeout
			}
			return ADU{}, io.EOF
		}
		select {
		case <-w.readCh:
		case <-ctx.Done():
			return ADU{}, ctx.Err()
		case <-w.ep.done:
			return ADU{}, ErrClosed
		}
	}
}

// Close starts a graceful close and returns at once, like close(2) on a
// TCP socket: queued ADUs are still sent, reliable ones until
// acknowledged, then CLOSE goes out.
func (w *Conn) Close() error {
	w.ep.mu.Lock()
	w.c.Close()
	w.ep.mu.Unlock()
	w.ep.kick()
	go func() {
		_ = w.Wait(context.Background())
		w.finishUse()
	}()
	return nil
}

// Abort resets the connection at once: queued data is discarded and the
// peer is told (its Receive fails with ErrReset).
func (w *Conn) Abort() {
	w.ep.mu.Lock()
	w.c.Reset()
	w.ep.mu.Unlock()
	w.ep.kick()
	w.finishUse()
}

// Wait blocks until the connection has finished (closed by either side,
// reset or timed out) or ctx ends.
func (w *Conn) Wait(ctx context.Context) error {
	select {
	case <-w.doneCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.ep.done:
		return nil
	}
}

func (w *Conn) locked(f func()) {
	w.ep.mu.Lock()
	f()
	w.ep.mu.Unlock()
}

// SetClass moves the connection to a traffic class.
func (w *Conn) SetClass(name string) (err error) {
	w.locked(func() { err = w.c.SetClass(name) })
	return mapErr(err)
}

// Class is the connection's traffic class.
func (w *Conn) Class() (s string) {
	w.locked(func() { s = w.c.Class() })
	return s
}

// SetRate asks for a guaranteed constant sending rate in bits per second;
// 0 removes it. ErrRateUnavailable when it cannot be guaranteed.
func (w *Conn) SetRate(bps float64) (err error) {
	w.locked(func() { err = w.c.SetRate(bps) })
	w.ep.kick()
	return mapErr(err)
}

// Rate is the reserved rate if one is set, else the rate currently
// available to the connection, in bits per second.
func (w *Conn) Rate() (r float64) {
	w.locked(func() { r = w.c.Rate() })
	return r
}

// RTT is the pipe's smoothed round-trip time.
func (w *Conn) RTT() (d time.Duration) {
	w.locked(func() { d = w.c.SRTT() })
	return d
}

// Dropped counts unreliable ADUs of the peer that were dropped (loss
// notices delivered here).
func (w *Conn) Dropped() (n uint64) {
	w.locked(func() { n = w.c.Dropped() })
	return n
}

// Abandoned counts unreliable ADUs this side gave up after a loss.
func (w *Conn) Abandoned() (n uint64) {
	w.locked(func() { n = w.c.Abandoned() })
	return n
}

// SetSendBuffer and SetReceiveWindow change the per-connection limits.
func (w *Conn) SetSendBuffer(n int) error {
	w.locked(func() { w.c.SetSendBuffer(n) })
	signal(w.writeCh)
	return nil
}
func (w *Conn) SendBuffer() (n int) {
	w.locked(func() { n = w.c.SendBuffer() })
	return n
}
func (w *Conn) SetReceiveWindow(n int) error {
	w.locked(func() { w.c.SetReceiveWindow(n) })
	w.ep.kick()
	return nil
}
func (w *Conn) ReceiveWindow() (n int) {
	w.locked(func() { n = w.c.ReceiveWindow() })
	return n
}

// NoDup reports whether this is a SOCK_ADU_NO_DUP connection.
func (w *Conn) NoDup() bool { return w.c.NoDup() }

// LocalAddr and RemoteAddr are the UDP addresses of the two endpoints.
func (w *Conn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(w.ep.addr) }
func (w *Conn) RemoteAddr() net.Addr {
	return net.UDPAddrFromAddrPort(w.c.Remote())
}
