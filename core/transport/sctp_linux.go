//go:build linux && !386

package transport

// The kernel SCTP backend: one-to-one style (SOCK_STREAM) sockets through
// github.com/ishidawataru/sctp for sctp_bindx, sctp_connectx, INITMSG,
// event subscription, SCTPWrite with a SCTP_SNDRCV control message and the
// address lists. The library runs blocking system calls outside the
// netpoller and gives no deadlines; here every socket is created
// non-blocking and owned by an *os.File, whose poller-backed RawConn runs the
// library's calls and ours, so that Close unblocks Recv and Accept and a
// context bounds a connect.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ishidawataru/sctp"
)

const (
	solSCTP = 132 // SOL_SCTP

	// sctpEvents are the notifications subscribed: DATA_IO for the
	// SCTP_SNDRCV control message (stream, PPID, flags) on every message;
	// ASSOCIATION and SHUTDOWN to turn a lost or closed association into
	// Recv errors.
	sctpEvents = sctp.SCTP_EVENT_DATA_IO | sctp.SCTP_EVENT_ASSOCIATION | sctp.SCTP_EVENT_SHUTDOWN

	sndRcvInfoLen = 32 // struct sctp_sndrcvinfo
	minRecvBuf    = 64 // smaller Recv buffers read through a.small
	maxNoteLen    = 4096
	discardBuf    = 64 << 10
)

func sctpProbeSocket() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		return err
	}
	syscall.Close(fd)
	return nil
}

// sctpAssoc is an association on a one-to-one SCTP socket.
type sctpAssoc struct {
	f      *os.File
	rc     syscall.RawConn
	cfg    config
	closed atomic.Bool

	wmu sync.Mutex

	rmu   sync.Mutex
	rerr  error // sticky: io.EOF or lost
	oob   [128]byte
	small [minRecvBuf]byte
	note  []byte
	tail  []byte // discards what does not fit the caller's buffer
}

func sctpFamily(addrs []netip.AddrPort) int {
	for _, a := range addrs {
		if !a.Addr().Unmap().Is4() {
			return syscall.AF_INET6
		}
	}
	return syscall.AF_INET
}

// sctpAddr turns addresses sharing one port into the library's
// multi-homed address.
func sctpAddr(addrs []netip.AddrPort) *sctp.SCTPAddr {
	sa := &sctp.SCTPAddr{Port: int(addrs[0].Port())}
	for _, a := range addrs {
		ip := a.Addr().Unmap()
		sa.IPAddrs = append(sa.IPAddrs, net.IPAddr{IP: net.IP(ip.AsSlice()), Zone: ip.Zone()})
	}
	return sa
}

func fromSCTPAddr(sa *sctp.SCTPAddr) []netip.AddrPort {
	var out []netip.AddrPort
	for _, ip := range sa.IPAddrs {
		a, ok := netip.AddrFromSlice(ip.IP)
		if !ok {
			continue
		}
		a = a.Unmap()
		if a.Is6() && ip.Zone != "" {
			a = a.WithZone(ip.Zone)
		}
		out = append(out, netip.AddrPortFrom(a, uint16(sa.Port)))
	}
	return out
}

// setupSCTP applies the socket options every association socket carries.
func setupSCTP(fd int, cfg config, initMsg bool) error {
	c := sctp.NewSCTPConn(fd, nil) // a view of fd; never closed through it
	if initMsg {
		if err := c.SetInitMsg(cfg.streams, cfg.streams, 0, 0); err != nil {
			return os.NewSyscallError("setsockopt SCTP_INITMSG", err)
		}
	}
	if err := c.SubscribeEvents(sctpEvents); err != nil {
		return os.NewSyscallError("setsockopt SCTP_EVENTS", err)
	}
	if err := syscall.SetsockoptInt(fd, solSCTP, sctp.SCTP_NODELAY, 1); err != nil {
		return os.NewSyscallError("setsockopt SCTP_NODELAY", err)
	}
	// Buffers for two of the largest messages, so that one is sent and
	// received whole rather than stalled against the default 208 KiB
	// (root may exceed net.core.[rw]mem_max; others get what it allows,
	// and Recv gathers partial deliveries in any case).
	size := min(2*cfg.max+64<<10, 32<<20)
	for _, o := range [][2]int{{syscall.SO_SNDBUFFORCE, syscall.SO_SNDBUF}, {syscall.SO_RCVBUFFORCE, syscall.SO_RCVBUF}} {
		if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, o[0], size) != nil {
			_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, o[1], size)
		}
	}
	if cfg.timing != nil {
		return setSCTPTiming(fd, cfg.timing)
	}
	return nil
}

func newSCTPSocket(family int, cfg config) (int, error) {
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		if noSCTP(err) {
			return -1, fmt.Errorf("%w (%s): %w", ErrNoKernelSCTP, errnoName(err), os.NewSyscallError("socket", err))
		}
		return -1, os.NewSyscallError("socket", err)
	}
	if family == syscall.AF_INET6 {
		// Dual stack: IPv4 addresses of a multi-homed peer may be mixed in.
		syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 0)
	}
	if err := setupSCTP(fd, cfg, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func newSCTPAssoc(fd int, cfg config) (*sctpAssoc, error) {
	f := os.NewFile(uintptr(fd), "sctp") // non-blocking: on the netpoller
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sctpAssoc{f: f, rc: rc, cfg: cfg}, nil
}

func groupByPort(addrs []netip.AddrPort) [][]netip.AddrPort {
	var groups [][]netip.AddrPort
next:
	for _, a := range addrs {
		for i, g := range groups {
			if g[0].Port() == a.Port() {
				groups[i] = append(g, a)
				continue next
			}
		}
		groups = append(groups, []netip.AddrPort{a})
	}
	return groups
}

func dialSCTP(ctx context.Context, addrs []netip.AddrPort, cfg config) (Assoc, error) {
	groups := groupByPort(addrs)
	var errs []error
	for i, g := range groups {
		if ctx.Err() != nil {
			break
		}
		actx, cancel := attemptContext(ctx, len(groups)-i)
		a, err := dialSCTPGroup(actx, g, cfg)
		cancel()
		if err == nil {
			return a, nil
		}
		if errors.Is(err, ErrNoKernelSCTP) {
			return nil, err
		}
		errs = append(errs, err)
	}
	if err := ctx.Err(); err != nil {
		errs = append([]error{err}, errs...)
	}
	return nil, fmt.Errorf("transport: dial sctp %v: %w", addrs, errors.Join(errs...))
}

// dialSCTPGroup connects to the addresses of one port with one
// sctp_connectx, waiting for the association on the poller.
func dialSCTPGroup(ctx context.Context, addrs []netip.AddrPort, cfg config) (*sctpAssoc, error) {
	fd, err := newSCTPSocket(sctpFamily(addrs), cfg)
	if err != nil {
		return nil, err
	}
	if local := localFor(sctpFamily(addrs), cfg.local); len(local) > 0 {
		if err := bindLocal(fd, local); err != nil {
			syscall.Close(fd)
			return nil, err
		}
	}
	_, cerr := sctp.SCTPConnect(fd, sctpAddr(addrs))
	if cerr != nil && !errors.Is(cerr, syscall.EINPROGRESS) {
		syscall.Close(fd)
		return nil, os.NewSyscallError("sctp_connectx", cerr)
	}
	a, err := newSCTPAssoc(fd, cfg)
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		if err := a.waitConnected(ctx); err != nil {
			a.f.Close()
			return nil, err
		}
	}
	return a, nil
}

// localFor returns the local addresses an IPv4 (or dual-stack IPv6)
// socket can bind: an IPv4 socket drops IPv6 addresses, [::] becoming
// 0.0.0.0.
func localFor(family int, local []netip.AddrPort) []netip.AddrPort {
	if family == syscall.AF_INET6 {
		return local
	}
	var out []netip.AddrPort
	for _, ap := range local {
		switch a := ap.Addr().Unmap(); {
		case a.Is4():
			out = append(out, netip.AddrPortFrom(a, ap.Port()))
		case a.IsUnspecified():
			out = append(out, netip.AddrPortFrom(netip.IPv4Unspecified(), ap.Port()))
		}
	}
	return out
}

// bindLocal binds a socket about to connect to the local endpoint addrs,
// sharing the port with a listener (SO_REUSEPORT on both). Only
// listening sockets are SCTP endpoints that new associations find, so the
// listener still gets every INIT.
func bindLocal(fd int, addrs []netip.AddrPort) error {
	for _, o := range []int{syscall.SO_REUSEADDR, unix.SO_REUSEPORT} {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, o, 1); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if err := sctp.SCTPBind(fd, sctpAddr(addrs), sctp.SCTP_BINDX_ADD_ADDR); err != nil {
		return fmt.Errorf("transport: bind %v: %w", addrs, os.NewSyscallError("sctp_bindx", err))
	}
	return nil
}

// aLongTimeAgo is a deadline in the past, to wake a waiting connect.
var aLongTimeAgo = time.Unix(1, 0)

func (a *sctpAssoc) waitConnected(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok {
		a.f.SetWriteDeadline(d)
	}
	var (
		mu       sync.Mutex
		finished bool
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			a.f.SetWriteDeadline(aLongTimeAgo)
		}
	})
	defer stop()
	var cerr error
	err := a.rc.Write(func(fd uintptr) bool {
		// A one-to-one socket polls writable only once established (or
		// failed); check both ways, since a wake-up may be spurious.
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		switch {
		case err != nil:
			cerr = err
		case v != 0:
			cerr = syscall.Errno(v)
		default:
			_, err := syscall.Getpeername(int(fd))
			if err == syscall.ENOTCONN {
				return false
			}
			cerr = err
		}
		return true
	})
	mu.Lock()
	finished = true // a cancellation from now on must not touch the deadline
	mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if cerr != nil {
		return os.NewSyscallError("sctp_connectx", cerr)
	}
	a.f.SetWriteDeadline(time.Time{})
	return nil
}

func (a *sctpAssoc) Send(p []byte, info SendInfo) error {
	if a.closed.Load() {
		return errClosed
	}
	ppid, err := a.cfg.sendCheck(p, info)
	if err != nil {
		return err
	}
	// The library converts PPID to network byte order (htonl) itself.
	si := sctp.SndRcvInfo{Stream: info.Stream, PPID: ppid, TTL: ttlMillis(info.TimeToLive)}
	if info.Unordered {
		si.Flags = sctp.SCTP_UNORDERED
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	var werr error
	err = a.rc.Write(func(fd uintptr) bool {
		c := sctp.NewSCTPConn(int(fd), nil)
		for {
			_, werr = c.SCTPWrite(p, &si)
			if werr != syscall.EINTR {
				return werr != syscall.EAGAIN
			}
		}
	})
	if err == nil {
		err = werr
	}
	switch {
	case err == nil:
		return nil
	case a.closed.Load():
		return errClosed
	case errors.Is(err, syscall.EMSGSIZE):
		return fmt.Errorf("%w: %w", ErrMessageTooLarge, os.NewSyscallError("sendmsg", err))
	case isLost(err):
		return lost(os.NewSyscallError("sendmsg", err))
	}
	return fmt.Errorf("transport: send: %w", os.NewSyscallError("sendmsg", err))
}

// recvmsg reads the next piece of a message or notification.
func (a *sctpAssoc) recvmsg(b []byte) (n, oobn, flags int, err error) {
	rerr := a.rc.Read(func(fd uintptr) bool {
		for {
			n, oobn, flags, _, err = syscall.Recvmsg(int(fd), b, a.oob[:], 0)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN
			}
		}
	})
	if rerr != nil {
		err = rerr
	}
	return n, oobn, flags, err
}

func (a *sctpAssoc) discard() []byte {
	if a.tail == nil {
		a.tail = make([]byte, discardBuf)
	}
	return a.tail
}

func (a *sctpAssoc) Recv(p []byte) (int, RecvInfo, error) {
	a.rmu.Lock()
	defer a.rmu.Unlock()
	if a.closed.Load() {
		return 0, RecvInfo{}, errClosed
	}
	if a.rerr != nil {
		return 0, RecvInfo{}, a.rerr
	}
	for {
		buf := p
		if len(p) < minRecvBuf {
			buf = a.small[:]
		}
		n, oobn, flags, err := a.recvmsg(buf)
		if err != nil {
			return 0, RecvInfo{}, a.fail(err)
		}
		if flags&sctp.MSG_NOTIFICATION != 0 {
			note := append(a.note[:0], buf[:n]...)
			for flags&syscall.MSG_EOR == 0 && n > 0 {
				tail := a.discard()
				if n, _, flags, err = a.recvmsg(tail); err != nil {
					return 0, RecvInfo{}, a.fail(err)
				}
				if len(note) < maxNoteLen {
					note = append(note, tail[:n]...)
				}
			}
			a.note = note[:0]
			if err := sctpNotification(note); err != nil {
				a.rerr = err
				return 0, RecvInfo{}, err
			}
			continue
		}
		if n == 0 {
			// End of stream: the peer shut the association down.
			a.rerr = io.EOF
			return 0, RecvInfo{}, io.EOF
		}
		info := parseSndRcvInfo(a.oob[:oobn])
		truncated := false
		if len(p) < minRecvBuf {
			truncated = n > len(p)
			n = copy(p, buf[:n])
		}
		// A message larger than the kernel's partial delivery point comes
		// in pieces, the last one marked MSG_EOR (no other message is
		// interleaved on a one-to-one socket): gather them while p has
		// room, and only what does not fit is truncation.
		for flags&syscall.MSG_EOR == 0 {
			into := a.discard()
			if !truncated && n < len(p) {
				into = p[n:]
			}
			m, _, f, err := a.recvmsg(into)
			if err != nil {
				return 0, RecvInfo{}, a.fail(err)
			}
			if m == 0 || f&sctp.MSG_NOTIFICATION != 0 {
				// The association ended inside the message (partial
				// delivery aborted).
				return 0, RecvInfo{}, a.fail(io.ErrUnexpectedEOF)
			}
			if &into[0] == &a.discard()[0] {
				truncated = true
			} else {
				n += m
			}
			flags = f
		}
		if truncated {
			return n, info, ErrTruncated
		}
		return n, info, nil
	}
}

// fail turns a receive error into the association's final error.
func (a *sctpAssoc) fail(err error) error {
	switch {
	case a.closed.Load():
		return errClosed
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = lost(fmt.Errorf("peer closed in the middle of a message: %w", err))
	case isLost(err):
		err = lost(os.NewSyscallError("recvmsg", err))
	case errors.Is(err, syscall.ENOTCONN):
		err = io.EOF
	default:
		err = fmt.Errorf("transport: recv: %w", os.NewSyscallError("recvmsg", err))
	}
	a.rerr = err
	return err
}

// parseSndRcvInfo finds the SCTP_SNDRCV control message. The kernel keeps
// sinfo_ppid as it came off the wire, in network byte order; the other
// fields are in host order.
func parseSndRcvInfo(oob []byte) RecvInfo {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return RecvInfo{}
	}
	for _, m := range msgs {
		if m.Header.Level != syscall.IPPROTO_SCTP || m.Header.Type != sctp.SCTP_CMSG_SNDRCV || len(m.Data) < sndRcvInfoLen {
			continue
		}
		return RecvInfo{
			Stream:    binary.NativeEndian.Uint16(m.Data[0:]),
			Unordered: binary.NativeEndian.Uint16(m.Data[4:])&sctp.SCTP_UNORDERED != 0,
			PPID:      binary.BigEndian.Uint32(m.Data[8:]),
		}
	}
	return RecvInfo{}
}

// sctpNotification turns the notifications that end an association into
// Recv errors; the others are dropped.
func sctpNotification(b []byte) error {
	if len(b) < 8 {
		return nil
	}
	switch sctp.SCTPNotificationType(binary.NativeEndian.Uint16(b)) {
	case sctp.SCTP_ASSOC_CHANGE:
		if len(b) < 12 {
			return nil
		}
		state := sctp.SCTPState(binary.NativeEndian.Uint16(b[8:]))
		code := binary.NativeEndian.Uint16(b[10:])
		switch state {
		case sctp.SCTP_COMM_LOST:
			return lost(fmt.Errorf("SCTP_COMM_LOST (error %d)", code))
		case sctp.SCTP_CANT_STR_ASSOC:
			return lost(fmt.Errorf("SCTP_CANT_STR_ASSOC (error %d)", code))
		case sctp.SCTP_SHUTDOWN_COMP:
			return io.EOF
		}
	case sctp.SCTP_SHUTDOWN_EVENT:
		return io.EOF
	}
	return nil
}

func (a *sctpAssoc) Close() error {
	if a.closed.Swap(true) {
		return errClosed
	}
	return a.f.Close()
}

func (a *sctpAssoc) LocalAddrs() []netip.AddrPort  { return sctpAddrs(a.rc, &a.closed, true) }
func (a *sctpAssoc) RemoteAddrs() []netip.AddrPort { return sctpAddrs(a.rc, &a.closed, false) }

func sctpAddrs(rc syscall.RawConn, closed *atomic.Bool, local bool) []netip.AddrPort {
	if closed.Load() {
		return nil
	}
	var sa *sctp.SCTPAddr
	var err error
	cerr := rc.Control(func(fd uintptr) {
		c := sctp.NewSCTPConn(int(fd), nil)
		if local {
			sa, err = c.SCTPLocalAddr(0)
		} else {
			sa, err = c.SCTPRemoteAddr(0)
		}
	})
	if cerr != nil || err != nil || sa == nil {
		return nil
	}
	return fromSCTPAddr(sa)
}

// sctpListener is a listening one-to-one SCTP socket bound to one or more
// addresses (sctp_bindx).
type sctpListener struct {
	f      *os.File
	rc     syscall.RawConn
	cfg    config
	closed atomic.Bool
}

func listenSCTP(addrs []netip.AddrPort, cfg config) (Listener, error) {
	for _, a := range addrs[1:] {
		if a.Port() != addrs[0].Port() {
			return nil, fmt.Errorf("transport: %w: an SCTP endpoint has one port, not %d and %d", syscall.EINVAL, addrs[0].Port(), a.Port())
		}
	}
	fd, err := newSCTPSocket(sctpFamily(addrs), cfg)
	if err != nil {
		return nil, err
	}
	fail := func(what string, err error) (Listener, error) {
		syscall.Close(fd)
		return nil, fmt.Errorf("transport: listen sctp %v: %w", addrs, os.NewSyscallError(what, err))
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt SO_REUSEADDR", err)
	}
	if cfg.reusePort {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("setsockopt SO_REUSEPORT", err)
		}
	}
	if err := sctp.SCTPBind(fd, sctpAddr(addrs), sctp.SCTP_BINDX_ADD_ADDR); err != nil {
		return fail("sctp_bindx", err)
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		return fail("listen", err)
	}
	f := os.NewFile(uintptr(fd), "sctp-listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sctpListener{f: f, rc: rc, cfg: cfg}, nil
}

func (l *sctpListener) Accept() (Assoc, error) {
	if l.closed.Load() {
		return nil, errClosed
	}
	nfd := -1
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			if aerr != syscall.EINTR && aerr != syscall.ECONNABORTED {
				return aerr != syscall.EAGAIN
			}
		}
	})
	if err == nil {
		err = aerr
	}
	if err != nil {
		if l.closed.Load() {
			return nil, errClosed
		}
		return nil, fmt.Errorf("transport: accept: %w", os.NewSyscallError("accept4", err))
	}
	// Accepted sockets inherit the listener's options; set them again
	// rather than rely on every kernel copying them.
	if err := setupSCTP(nfd, l.cfg, false); err != nil {
		syscall.Close(nfd)
		return nil, fmt.Errorf("transport: accept: %w", err)
	}
	a, err := newSCTPAssoc(nfd, l.cfg)
	if err != nil {
		return nil, fmt.Errorf("transport: accept: %w", err)
	}
	return a, nil
}

func (l *sctpListener) Addrs() []netip.AddrPort { return sctpAddrs(l.rc, &l.closed, true) }

func (l *sctpListener) Close() error {
	if l.closed.Swap(true) {
		return errClosed
	}
	return l.f.Close()
}

// ttlMillis is sinfo_timetolive: milliseconds, at least 1 for any positive
// duration (0 would mean "reliable").
func ttlMillis(d time.Duration) uint32 {
	switch {
	case d <= 0:
		return 0
	case d >= time.Duration(math.MaxUint32)*time.Millisecond:
		return math.MaxUint32
	default:
		return uint32(max(1, (d+time.Millisecond-1)/time.Millisecond))
	}
}
