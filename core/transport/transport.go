package transport

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"syscall"
	"time"

	"netcompat/core/cbridge"
)

// Well-known SCTP payload protocol identifiers (RFC 5352, 5353; IANA).
const (
	PPIDASAP uint32 = 11
	PPIDENRP uint32 = 12
)

// SendInfo says how one message is sent.
type SendInfo struct {
	// Stream is the SCTP stream the message goes on. It must be below
	// Options.Streams (and, on kernel SCTP, below the number of outbound
	// streams the peer granted).
	Stream uint16
	// PPID is the payload protocol identifier, as a plain number in host
	// byte order (ASAP is 11, not 0x0b000000); the backends put it on the
	// wire in network byte order. 0 means Options.PPID.
	PPID uint32
	// Unordered asks for unordered delivery (SCTP U bit). TCP delivers
	// everything in order, which is one of the orders an unordered message
	// may arrive in; the framed mapping still carries the flag across.
	Unordered bool
	// TimeToLive makes the message partially reliable (PR-SCTP, RFC 3758,
	// timed reliability): kernel SCTP abandons it when it was not sent
	// within this time. 0 means fully reliable. The TCP mapping is
	// reliable by nature: once Send returns, the message is in the kernel's
	// byte stream and is delivered.
	TimeToLive time.Duration
}

// RecvInfo describes one received message. The fields mean what they mean
// in SendInfo; PPID is in host byte order.
type RecvInfo struct {
	Stream    uint16
	PPID      uint32
	Unordered bool
}

// Assoc is one association with a peer: messages with stream, PPID and
// ordering, whose boundaries survive the trip.
//
// Send and Recv may be called from any number of goroutines; every message
// is sent and received whole, never interleaved with another. There are no
// deadlines: to bound a blocking Send or Recv, Close the association (from a
// timer or context.AfterFunc).
type Assoc interface {
	// Send sends p as one message. Empty messages are refused (SCTP cannot
	// carry them, ErrEmptyMessage), and so are messages longer than
	// Options.MaxMessageSize (ErrMessageTooLarge) and stream numbers from
	// Options.Streams up; none of these harms the association. An error
	// wrapping ErrAssociationLost means the association is gone. Over TCP
	// every write error is final, since a message may have been half
	// written: Send then keeps returning it.
	Send(p []byte, info SendInfo) error

	// Recv receives exactly one message into p and returns its length
	// (always at least 1 when err is nil).
	//
	// If the message is longer than p, Recv fills p, discards the rest of
	// the message and returns len(p), the message's info and ErrTruncated;
	// the association remains usable. Size p with Options.MaxMessageSize
	// to never see this.
	//
	// When the peer has closed or shut down the association, Recv returns
	// io.EOF (unwrapped, after every message sent before). An association
	// that broke (reset, aborted, lost, or closed by the peer in the middle
	// of a message) gives an error wrapping ErrAssociationLost; a peer that
	// broke the framing gives ErrProtocol or ErrMessageTooLarge and the
	// association is closed. These errors are final: every later Recv
	// returns the same one. After Close, Recv returns an error for which
	// errors.Is(err, net.ErrClosed) holds; Close unblocks a pending Recv.
	Recv(p []byte) (n int, info RecvInfo, err error)

	// Close ends the association gracefully (TCP FIN, SCTP SHUTDOWN) and
	// unblocks pending Send and Recv calls. Later calls to Close return
	// an error wrapping net.ErrClosed.
	Close() error

	// LocalAddrs and RemoteAddrs list the association's addresses: one
	// each over TCP, every address of a multi-homed endpoint over kernel
	// SCTP. IPv4-mapped IPv6 addresses are unmapped. After Close they
	// return nil.
	LocalAddrs() []netip.AddrPort
	RemoteAddrs() []netip.AddrPort
}

// Listener accepts associations.
type Listener interface {
	// Accept waits for the next association. After Close it returns an
	// error wrapping net.ErrClosed; Close unblocks a pending Accept.
	Accept() (Assoc, error)
	// Addrs lists the addresses listened on, with the port chosen when 0
	// was asked for.
	Addrs() []netip.AddrPort
	Close() error
}

// Backend is an implementation of associations.
type Backend uint8

const (
	// BackendAuto chooses per Dial or Listen: NETCOMPAT_SCTP if it is set,
	// else kernel SCTP when Probe succeeds, else the TCP mapping.
	BackendAuto Backend = iota
	// BackendKernel is the kernel's SCTP, one-to-one style sockets.
	BackendKernel
	// BackendTCP maps associations onto TCP connections; see Framing.
	BackendTCP
)

func (b Backend) String() string {
	switch b {
	case BackendAuto:
		return "auto"
	case BackendKernel:
		return "kernel"
	case BackendTCP:
		return "tcp"
	}
	return fmt.Sprintf("Backend(%d)", uint8(b))
}

// Framing is how the TCP mapping delimits messages on the byte stream. Both
// ends of an association must use the same framing; kernel SCTP ignores it.
type Framing uint8

const (
	// FramingFramed puts a 12-byte frame header before every message; it
	// carries stream, PPID and the unordered flag. For associations that
	// mix protocols, such as the PU-PE data channel (ASAP control and user
	// data).
	FramingFramed Framing = iota
	// FramingBare sends every message as it is. Only for protocols whose
	// messages carry their own length in the RSerPool common header
	// (Type(8) Flags(8) Length(16), RFC 5352/5353): ASAP and ENRP. Every
	// message has stream 0 and PPID Options.PPID. ASAP on TCP port 3863 is
	// then decoded by Wireshark/tshark as-is.
	FramingBare
)

func (f Framing) String() string {
	switch f {
	case FramingFramed:
		return "framed"
	case FramingBare:
		return "bare"
	}
	return fmt.Sprintf("Framing(%d)", uint8(f))
}

// Defaults and limits.
const (
	// DefaultMaxMessageSize is Options.MaxMessageSize when it is 0: 1 MiB,
	// sixteen times rsplib's 64 KiB message buffers. The TCP mapping never
	// allocates it; it bounds what a peer may announce.
	DefaultMaxMessageSize = 1 << 20
	// MaxBareMessageSize is the largest bare message: its length is a
	// 16-bit field.
	MaxBareMessageSize = math.MaxUint16
	// DefaultStreams is Options.Streams when it is 0.
	DefaultStreams = 16
)

// DefaultKeepAlive is the TCP keep-alive used when Options.KeepAlive is nil:
// a silent dead peer is noticed after about 35 s, well before the minutes
// SCTP's default heartbeat and retransmission limits take.
var DefaultKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 4}

// Options configure Dial and Listen. The zero value (or a nil *Options) is
// usable: backend from the probe, framed TCP mapping, default limits.
type Options struct {
	// Backend overrides NETCOMPAT_SCTP and the probe; BackendAuto (0)
	// defers to them.
	Backend Backend
	// Framing selects the TCP mapping's framing; kernel SCTP ignores it.
	Framing Framing
	// PPID replaces a SendInfo.PPID of 0 in every backend. With
	// FramingBare it defaults to PPIDASAP, and over TCP it is then the PPID
	// of every message sent and received: Send refuses any other.
	PPID uint32
	// MaxMessageSize is the longest message Send accepts and the longest
	// the TCP mapping accepts from the peer (a longer one closes the
	// association). 0 means DefaultMaxMessageSize; FramingBare lowers it to
	// MaxBareMessageSize.
	MaxMessageSize int
	// Streams is the number of streams: Send refuses higher stream numbers
	// in every backend, and kernel SCTP asks for this many inbound and
	// outbound streams. 0 means DefaultStreams.
	Streams uint16
	// KeepAlive configures TCP keep-alive for the TCP mapping; nil means
	// DefaultKeepAlive. Kernel SCTP uses its own heartbeats.
	KeepAlive *net.KeepAliveConfig
	// Timing sets the failure-detection parameters (see Timing); nil keeps
	// the kernel's (SCTP) or DefaultKeepAlive (TCP).
	Timing *Timing
	// Local, for Dial over kernel SCTP, binds the association to these
	// local addresses and port before connecting: a server that dials
	// its peers from its own listening endpoint (ENRP; rsplib's peers
	// accept a peer's Presence only from the endpoint it names). The
	// listener must be opened with ReusePort too. The TCP mapping
	// ignores it.
	Local []netip.AddrPort
	// ReusePort sets SO_REUSEPORT on kernel SCTP listeners and dials,
	// so that dials bound to a listener's endpoint (Local) may share its
	// port.
	ReusePort bool
}

// config is Options resolved: no zero values left.
type config struct {
	backend   Backend
	framing   Framing
	ppid      uint32
	max       int
	streams   int
	keepAlive net.KeepAliveConfig
	timing    *Timing // resolved (no zero fields), or nil
	local     []netip.AddrPort
	reusePort bool
}

const maxFrameLength = math.MaxUint32

func (o *Options) resolve() (config, error) {
	var c config
	if o == nil {
		o = &Options{}
	}
	c.backend = o.Backend
	switch c.backend {
	case BackendAuto:
		c.backend = DefaultBackend()
	case BackendKernel, BackendTCP:
	default:
		return c, fmt.Errorf("transport: %w: unknown backend %v", syscall.EINVAL, o.Backend)
	}
	c.framing = o.Framing
	if c.framing != FramingFramed && c.framing != FramingBare {
		return c, fmt.Errorf("transport: %w: unknown framing %v", syscall.EINVAL, o.Framing)
	}
	c.ppid = o.PPID
	if c.framing == FramingBare && c.ppid == 0 {
		c.ppid = PPIDASAP
	}
	c.max = o.MaxMessageSize
	switch {
	case c.max < 0 || uint64(c.max) > maxFrameLength:
		return c, fmt.Errorf("transport: %w: MaxMessageSize %d out of range", syscall.EINVAL, c.max)
	case c.max == 0:
		c.max = DefaultMaxMessageSize
	}
	if c.framing == FramingBare && c.max > MaxBareMessageSize {
		c.max = MaxBareMessageSize
	}
	c.streams = int(o.Streams)
	if c.streams == 0 {
		c.streams = DefaultStreams
	}
	c.keepAlive = DefaultKeepAlive
	if o.Timing != nil {
		t := o.Timing.withDefaults()
		c.timing = &t
		c.keepAlive = t.tcpKeepAlive()
	}
	if o.KeepAlive != nil {
		c.keepAlive = *o.KeepAlive
	}
	c.local = o.Local
	c.reusePort = o.ReusePort || len(o.Local) > 0
	return c, nil
}

// sendCheck validates a message before any backend sees it, so that every
// backend refuses the same things. It returns the PPID to send.
func (c *config) sendCheck(p []byte, info SendInfo) (uint32, error) {
	if len(p) == 0 {
		return 0, ErrEmptyMessage
	}
	if len(p) > c.max {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(p), c.max)
	}
	if int(info.Stream) >= c.streams {
		return 0, fmt.Errorf("transport: %w: stream %d, association has %d", syscall.EINVAL, info.Stream, c.streams)
	}
	ppid := info.PPID
	if ppid == 0 {
		ppid = c.ppid
	}
	if c.framing == FramingBare && c.backend == BackendTCP {
		if info.Stream != 0 {
			return 0, fmt.Errorf("transport: %w: bare framing carries stream 0 only, not %d", syscall.EINVAL, info.Stream)
		}
		if ppid != c.ppid {
			return 0, fmt.Errorf("transport: %w: bare framing carries PPID %d only, not %d", syscall.EINVAL, c.ppid, ppid)
		}
		if err := checkBare(p); err != nil {
			return 0, err
		}
	}
	return ppid, nil
}

// Errors. Each carries the errno the C API reports (cbridge.Errno).
var (
	// ErrTruncated: the message did not fit the buffer given to Recv; its
	// tail was discarded. The association remains usable.
	ErrTruncated = cbridge.Errorf(syscall.EMSGSIZE, "transport: message truncated to the receive buffer")
	// ErrMessageTooLarge: a message exceeds Options.MaxMessageSize. From
	// Send the association remains usable; from Recv the peer announced it
	// and the association has been closed.
	ErrMessageTooLarge = cbridge.Errorf(syscall.EMSGSIZE, "transport: message too large")
	// ErrEmptyMessage: Send was given no bytes.
	ErrEmptyMessage = cbridge.Errorf(syscall.EINVAL, "transport: empty message")
	// ErrBadMessage: under FramingBare, the message is not one whole
	// ASAP/ENRP message (its header's length must equal its size).
	ErrBadMessage = cbridge.Errorf(syscall.EINVAL, "transport: not a whole ASAP/ENRP message")
	// ErrProtocol: the peer broke the TCP mapping's framing; the
	// association has been closed.
	ErrProtocol = cbridge.Errorf(syscall.EPROTO, "transport: framing violated by peer")
	// ErrAssociationLost: the association broke: reset, aborted, lost
	// (SCTP COMM_LOST) or closed by the peer in the middle of a message.
	ErrAssociationLost = cbridge.Errorf(syscall.ECONNRESET, "transport: association lost")
	// ErrNoKernelSCTP: the kernel does not offer SCTP; see Probe.
	ErrNoKernelSCTP = cbridge.Errorf(syscall.EPROTONOSUPPORT, "transport: kernel has no SCTP")
)

// errClosed is returned after Close: errors.Is(errClosed, net.ErrClosed)
// holds and the C API sees EBADF.
var errClosed error = closedError{}

type closedError struct{}

func (closedError) Error() string        { return "transport: use of closed association" }
func (closedError) Is(target error) bool { return target == net.ErrClosed }
func (closedError) Unwrap() error        { return syscall.EBADF }

// lost wraps cause as an ErrAssociationLost.
func lost(cause error) error {
	return fmt.Errorf("%w: %w", ErrAssociationLost, cause)
}

// isLost reports whether a system error means the peer or the path broke
// the association.
func isLost(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// Dial opens an association to a peer reachable at any of addrs (a
// multi-homed peer lists all its addresses). Over TCP, and over kernel SCTP
// between groups of addresses with different ports, the addresses are tried
// in order, each with an equal share of the time ctx leaves (at least 2 s);
// kernel SCTP hands all addresses sharing a port to one sctp_connectx.
func Dial(ctx context.Context, addrs []netip.AddrPort, opts *Options) (Assoc, error) {
	c, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if err := checkAddrs(addrs, true); err != nil {
		return nil, err
	}
	switch c.backend {
	case BackendKernel:
		return dialSCTP(ctx, addrs, c)
	default:
		return dialTCP(ctx, addrs, c)
	}
}

// Listen accepts associations on addrs: an unspecified address (0.0.0.0,
// ::) listens on all of the host's addresses, several addresses make a
// multi-homed endpoint. Port 0 picks a free port, the same for every
// address.
func Listen(addrs []netip.AddrPort, opts *Options) (Listener, error) {
	c, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if err := checkAddrs(addrs, false); err != nil {
		return nil, err
	}
	switch c.backend {
	case BackendKernel:
		return listenSCTP(addrs, c)
	default:
		return listenTCP(addrs, c)
	}
}

func checkAddrs(addrs []netip.AddrPort, dial bool) error {
	if len(addrs) == 0 {
		return fmt.Errorf("transport: %w: no address", syscall.EINVAL)
	}
	for _, a := range addrs {
		if !a.IsValid() || (dial && (a.Port() == 0 || a.Addr().IsUnspecified())) {
			return fmt.Errorf("transport: %w: bad address %v", syscall.EINVAL, a)
		}
	}
	return nil
}

// attemptContext gives one of remaining dial attempts its share of the
// time ctx leaves, like package net does for several addresses.
func attemptContext(ctx context.Context, remaining int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || remaining <= 1 {
		return ctx, func() {}
	}
	share := time.Until(deadline) / time.Duration(remaining)
	if share < 2*time.Second {
		share = 2 * time.Second
	}
	if d := time.Now().Add(share); d.Before(deadline) {
		return context.WithDeadline(ctx, d)
	}
	return ctx, func() {}
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
