package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// tcpReadBuffer is the read buffer of a TCP-mapped association: several
// typical ASAP messages per read(2), while a large payload bypasses it.
const tcpReadBuffer = 8 << 10

// tcpAssoc is an association over the TCP mapping.
type tcpAssoc struct {
	conn  *net.TCPConn
	cfg   config
	local netip.AddrPort
	peer  netip.AddrPort

	closed atomic.Bool
	shut   sync.Once // closes conn, from Close or on a fatal Recv error

	wmu  sync.Mutex
	werr error // sticky: a failed write may have left half a message

	rmu  sync.Mutex
	r    *bufio.Reader
	rerr error // sticky: io.EOF, lost or protocol errors
}

func newTCPAssoc(c *net.TCPConn, cfg config) *tcpAssoc {
	c.SetNoDelay(true) // Go's default already; one message, one segment
	a := &tcpAssoc{conn: c, cfg: cfg, r: bufio.NewReaderSize(c, tcpReadBuffer)}
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok {
		a.local = unmapped(la.AddrPort())
	}
	if ra, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		a.peer = unmapped(ra.AddrPort())
	}
	if cfg.timing != nil {
		setUserTimeout(c, cfg.timing.tcpUserTimeout())
	}
	return a
}

// setUserTimeout sets TCP_USER_TIMEOUT: how long sent data may stay
// unacknowledged before the kernel drops the connection (Timing). A
// failure only leaves the kernel's default, so it is not reported.
func setUserTimeout(c *net.TCPConn, d time.Duration) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	ms := min(d.Milliseconds(), math.MaxInt32)
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(ms))
	})
}

func (a *tcpAssoc) Send(p []byte, info SendInfo) error {
	if a.closed.Load() {
		return errClosed
	}
	ppid, err := a.cfg.sendCheck(p, info)
	if err != nil {
		return err
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if a.werr != nil {
		return a.werr
	}
	if a.cfg.framing == FramingBare {
		// One write(2) of the bare message: with TCP_NODELAY it leaves as
		// a segment of its own unless the connection is backlogged.
		_, err = a.conn.Write(p)
	} else {
		var h [frameHeaderLen]byte
		putFrameHeader(h[:], info.Stream, ppid, info.Unordered, len(p))
		bufs := net.Buffers{h[:], p} // one writev(2)
		_, err = bufs.WriteTo(a.conn)
	}
	if err != nil {
		if a.closed.Load() {
			return errClosed
		}
		if isLost(err) {
			err = lost(err)
		} else {
			err = fmt.Errorf("transport: send: %w", err)
		}
		a.werr = err
	}
	return err
}

func (a *tcpAssoc) Recv(p []byte) (int, RecvInfo, error) {
	a.rmu.Lock()
	defer a.rmu.Unlock()
	if a.closed.Load() {
		return 0, RecvInfo{}, errClosed
	}
	if a.rerr != nil {
		return 0, RecvInfo{}, a.rerr
	}
	var (
		n    int
		info RecvInfo
		err  error
	)
	if a.cfg.framing == FramingBare {
		n, err = readBare(a.r, p, a.cfg.max)
		info.PPID = a.cfg.ppid
	} else {
		n, info, err = readFramed(a.r, p, a.cfg.max)
	}
	switch {
	case err == nil || err == ErrTruncated:
		return n, info, err
	case a.closed.Load():
		return 0, RecvInfo{}, errClosed
	case err == io.EOF:
	case errors.Is(err, ErrProtocol) || errors.Is(err, ErrMessageTooLarge):
		// The stream is out of step: nothing after this can be trusted.
		a.shutdown()
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = lost(fmt.Errorf("peer closed in the middle of a message: %w", err))
	case isLost(err):
		err = lost(err)
	default:
		err = fmt.Errorf("transport: recv: %w", err)
	}
	a.rerr = err
	return 0, RecvInfo{}, err
}

func (a *tcpAssoc) shutdown() error {
	var err error
	a.shut.Do(func() { err = a.conn.Close() })
	return err
}

func (a *tcpAssoc) Close() error {
	if a.closed.Swap(true) {
		return errClosed
	}
	return a.shutdown()
}

func (a *tcpAssoc) LocalAddrs() []netip.AddrPort {
	if a.closed.Load() {
		return nil
	}
	return []netip.AddrPort{a.local}
}

func (a *tcpAssoc) RemoteAddrs() []netip.AddrPort {
	if a.closed.Load() {
		return nil
	}
	return []netip.AddrPort{a.peer}
}

func dialTCP(ctx context.Context, addrs []netip.AddrPort, cfg config) (Assoc, error) {
	d := net.Dialer{KeepAliveConfig: cfg.keepAlive}
	if !cfg.keepAlive.Enable {
		d.KeepAlive = -1
	}
	var errs []error
	for i, ap := range addrs {
		if ctx.Err() != nil {
			break
		}
		actx, cancel := attemptContext(ctx, len(addrs)-i)
		c, err := d.DialContext(actx, "tcp", ap.String())
		cancel()
		if err == nil {
			return newTCPAssoc(c.(*net.TCPConn), cfg), nil
		}
		errs = append(errs, err)
	}
	if err := ctx.Err(); err != nil {
		errs = append([]error{err}, errs...)
	}
	return nil, fmt.Errorf("transport: dial %v: %w", addrs, errors.Join(errs...))
}

// tcpListener fans the accepts of one TCP listener per address into one
// Accept.
type tcpListener struct {
	cfg   config
	lns   []*net.TCPListener
	addrs []netip.AddrPort

	accepted chan acceptResult
	done     chan struct{}
	close    sync.Once
	wg       sync.WaitGroup
}

type acceptResult struct {
	c   *net.TCPConn
	err error
}

func listenTCP(addrs []netip.AddrPort, cfg config) (Listener, error) {
	lc := net.ListenConfig{KeepAliveConfig: cfg.keepAlive}
	if !cfg.keepAlive.Enable {
		lc.KeepAlive = -1
	}
	l := &tcpListener{cfg: cfg, accepted: make(chan acceptResult), done: make(chan struct{})}
	port := uint16(0)
	for _, ap := range addrs {
		if ap.Port() == 0 && port != 0 {
			ap = netip.AddrPortFrom(ap.Addr(), port) // one port for every address
		}
		ln, err := lc.Listen(context.Background(), "tcp", ap.String())
		if err != nil {
			for _, ln := range l.lns {
				ln.Close()
			}
			return nil, fmt.Errorf("transport: listen: %w", err)
		}
		tl := ln.(*net.TCPListener)
		bound := unmapped(tl.Addr().(*net.TCPAddr).AddrPort())
		if port == 0 {
			port = bound.Port()
		}
		l.lns = append(l.lns, tl)
		l.addrs = append(l.addrs, bound)
	}
	for _, ln := range l.lns {
		l.wg.Add(1)
		go l.acceptLoop(ln)
	}
	return l, nil
}

func (l *tcpListener) acceptLoop(ln *net.TCPListener) {
	defer l.wg.Done()
	for {
		c, err := ln.AcceptTCP()
		if err != nil && errors.Is(err, net.ErrClosed) {
			return
		}
		select {
		case l.accepted <- acceptResult{c, err}:
		case <-l.done:
			if c != nil {
				c.Close()
			}
			return
		}
	}
}

func (l *tcpListener) Accept() (Assoc, error) {
	select {
	case <-l.done:
		return nil, errClosed
	default:
	}
	select {
	case r := <-l.accepted:
		if r.err != nil {
			return nil, fmt.Errorf("transport: accept: %w", r.err)
		}
		return newTCPAssoc(r.c, l.cfg), nil
	case <-l.done:
		return nil, errClosed
	}
}

func (l *tcpListener) Addrs() []netip.AddrPort {
	return append([]netip.AddrPort(nil), l.addrs...)
}

func (l *tcpListener) Close() error {
	err := errClosed
	l.close.Do(func() {
		close(l.done)
		err = nil
		for _, ln := range l.lns {
			if e := ln.Close(); e != nil && err == nil {
				err = e
			}
		}
		l.wg.Wait()
	})
	return err
}
