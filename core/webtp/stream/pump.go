package stream

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ADU is what Transport.Receive returns: a received ADU or a loss notice.
type ADU struct {
	Data  []byte
	Flags byte // FlagReliable, FlagUrgent
	Lost  bool // a dropped unreliable ADU; Data is nil
}

// Transport is the connection side of a pump (a *webtp.Conn, adapted).
type Transport interface {
	// Send queues one whole ADU (copying data), blocking while the send
	// buffer is full.
	Send(data []byte, flags byte) error
	// Receive returns the next ADU or loss notice; io.EOF after the peer
	// closed and everything arrived.
	Receive(ctx context.Context) (ADU, error)
	// Close starts a graceful close and returns at once.
	Close() error
	// Abort resets the connection (the stream broke the framing rules).
	Abort()
}

// ReadSize is the size of the pump's reads from the socketpair.
const ReadSize = 256 << 10

// Pump joins one socketpair end to a Transport.
type Pump struct {
	f   *os.File
	t   Transport
	rc  syscall.RawConn
	dec Decoder

	// OnSendError decides what a Send error means: it returns true when the
	// pump should go on reading (the ADU is dropped), false to stop. Nil:
	// every error stops. Set before Start.
	OnSendError func(err error) bool
	// OnError is told why the pump's connection failed (a framing error,
	// a Receive error other than io.EOF); may be nil. Set before Start.
	OnError func(err error)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
}

// New makes a pump for f, the Go end of a socketpair (which must be in
// non-blocking mode so that f uses the netpoller). The pump owns f and
// closes it when both directions have finished.
func New(f *os.File, t Transport) (*Pump, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pump{f: f, t: t, rc: rc, ctx: ctx, cancel: cancel, done: make(chan struct{})}, nil
}

// Start runs the two goroutines.
func (p *Pump) Start() {
	p.wg.Add(2)
	go p.reader()
	go p.writer()
	go func() {
		p.wg.Wait()
		p.cancel()
		p.f.Close()
		close(p.done)
	}()
}

// Done is closed once both directions have finished and f is closed.
func (p *Pump) Done() <-chan struct{} { return p.done }

// Stop ends the pump now: the socketpair is shut down in both directions
// (the program reads end of file, its sends fail with EPIPE) and Receive is
// cancelled. The connection itself is left alone.
func (p *Pump) Stop() {
	p.shutdown(unix.SHUT_RDWR)
	p.cancel()
}

func (p *Pump) shutdown(how int) {
	p.rc.Control(func(fd uintptr) { unix.Shutdown(int(fd), how) })
}

func (p *Pump) report(err error) {
	if p.OnError != nil {
		p.OnError(err)
	}
}

// reader: socketpair -> Decoder -> Transport.Send.
func (p *Pump) reader() {
	defer p.wg.Done()
	buf := make([]byte, ReadSize)
	stopped := false
	emit := func(data []byte, flags byte) error {
		err := p.t.Send(data, flags)
		if err != nil && p.OnSendError != nil && p.OnSendError(err) {
			return nil
		}
		return err
	}
	for {
		n, rerr := p.f.Read(buf)
		if n > 0 {
			if err := p.dec.Feed(buf[:n], emit); err != nil {
				if p.dec.Err() != nil {
					// A framing error: reset the connection; the program
					// sees end of file and EPIPE.
					p.report(err)
					p.t.Abort()
					p.Stop()
				} else {
					// The connection takes no more (closed, reset): the
					// program's further sends fail with EPIPE.
					p.shutdown(unix.SHUT_RD)
				}
				stopped = true
				break
			}
		}
		if rerr != nil {
			break // io.EOF: the program closed or shut down its sending side
		}
	}
	if !stopped {
		p.t.Close()
	}
}

// writer: Transport.Receive -> socketpair.
func (p *Pump) writer() {
	defer p.wg.Done()
	var hdr [HeaderLen]byte
	bufs := make([][]byte, 0, 2)
	for {
		a, err := p.t.Receive(p.ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				p.shutdown(unix.SHUT_WR) // the program reads 0 after the last ADU
			} else {
				if p.ctx.Err() == nil {
					p.report(err)
				}
				p.shutdown(unix.SHUT_RDWR)
			}
			return
		}
		if a.Lost {
			hdr = LossNotice
			bufs = append(bufs[:0], hdr[:])
		} else {
			PutHeader(hdr[:], FlagStart|FlagEnd|a.Flags&(FlagReliable|FlagUrgent), len(a.Data))
			bufs = append(bufs[:0], hdr[:], a.Data)
		}
		if err := p.writeAll(bufs); err != nil {
			return // the program closed its end; the reader sees EOF
		}
	}
}

// writeAll writes the buffers with sendmsg (one copy, into the kernel),
// waiting in the netpoller while the socketpair is full.
func (p *Pump) writeAll(bufs [][]byte) error {
	var werr error
	err := p.rc.Write(func(fd uintptr) bool {
		for {
			for len(bufs) > 0 && len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
			if len(bufs) == 0 {
				return true
			}
			n, err := unix.SendmsgBuffers(int(fd), bufs, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				return false
			}
			if err != nil {
				werr = err
				return true
			}
			for n > 0 {
				k := len(bufs[0])
				if k > n {
					k = n
				}
				bufs[0] = bufs[0][k:]
				n -= k
				if len(bufs[0]) == 0 {
					bufs = bufs[1:]
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return werr
}

// PairBuffer is the send buffer of both ends of a socket's socketpair:
// modest, so that a full connection send buffer stops the program's sends
// promptly.
const PairBuffer = 256 << 10

// Socketpair makes a WebTP socket's AF_UNIX SOCK_STREAM socketpair. cfd is
// the program's end: close-on-exec, blocking. f is the Go end:
// close-on-exec, non-blocking (netpoller), renumbered to 1024 or above
// when possible so that low numbers stay free for select(2).
func Socketpair() (cfd int, f *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	g := fds[1]
	if nfd, err := unix.FcntlInt(uintptr(g), unix.F_DUPFD_CLOEXEC, 1024); err == nil {
		unix.Close(g)
		g = nfd
	}
	for _, fd := range []int{fds[0], g} {
		// The kernel doubles the value it is given.
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, PairBuffer/2)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, PairBuffer/2)
	}
	if err := unix.SetNonblock(g, true); err != nil {
		unix.Close(fds[0])
		unix.Close(g)
		return -1, nil, err
	}
	return fds[0], os.NewFile(uintptr(g), "webtp"), nil
}
