package webtp

import (
	"errors"
	"net"
	"time"
)

// ADU flags, as in the API's 4-byte ADU header (webtp.h).
const (
	FlagStart    = 0x80 // S: the chunk holds the first byte of the ADU
	FlagEnd      = 0x40 // E: the chunk holds the last byte of the ADU
	FlagReliable = 0x20 // R
	FlagUrgent   = 0x10 // U
)

// MaxADU is the largest ADU (24-bit length).
const MaxADU = 1<<24 - 1

// Errors returned by Conn and Listener methods.
var (
	ErrClosed          = errors.New("webtp: connection closed")
	ErrWouldBlock      = errors.New("webtp: send buffer full")             // EAGAIN
	ErrTooLarge        = errors.New("webtp: ADU larger than send buffer")  // ENOBUFS
	ErrADUTooLong      = errors.New("webtp: ADU longer than 2^24-1 bytes") // EMSGSIZE
	ErrRefused         = errors.New("webtp: connection refused")           // ECONNREFUSED
	ErrTimeout         = errors.New("webtp: timed out")                    // ETIMEDOUT
	ErrUnknownClass    = errors.New("webtp: unknown traffic class")        // EINVAL
	ErrRateUnavailable = errors.New("webtp: rate cannot be guaranteed")    // EADDRNOTAVAIL? see capi
)

// EnvMinNormalShare names the environment variable that sets
// Config.MinNormalShare when a program (a C one, say) leaves it 0.
const EnvMinNormalShare = "WEBTP_MIN_NORMAL_SHARE"

// Config tunes endpoints; the zero value is the documented defaults.
type Config struct {
	// ClassesFile is the traffic-class file; "" means $WEBTP_CLASSES, else
	// /etc/webtp_classes, else the four classes of the API page.
	ClassesFile string
	// MinNormalShare is the share of the pipe normal ADUs keep while urgent
	// ones are waiting (default $WEBTP_MIN_NORMAL_SHARE, else 0.1).
	MinNormalShare float64
	// IdleTimeout closes a connection that heard nothing from its peer
	// for this long (default 30 s).
	IdleTimeout time.Duration
	// SendBuffer is the most ADU bytes a connection queues before Send
	// blocks (default 32 MiB; an ADU larger than it fails ErrTooLarge).
	SendBuffer int
	// ReceiveWindow is the credit a connection grants its peer beyond what
	// the application has read (default 16 MiB + 64 KiB).
	ReceiveWindow int
	// Backlog bounds connections waiting for Accept (default 128).
	Backlog int
}

// DialOptions are the per-connection choices of Dial.
type DialOptions struct {
	NoDup     bool          // SOCK_ADU_NO_DUP: three-way handshake, at-most-once
	Class     string        // traffic class; "" = the default class
	LocalAddr net.Addr      // endpoint to use; nil = the process's shared one
	Config    *Config       // used when a new endpoint is created
	Timeout   time.Duration // handshake timeout (default 10 s)
}

// ADU is one received ADU or a loss notice.
type ADU struct {
	Data  []byte
	Flags byte // FlagReliable, FlagUrgent as sent
	Lost  bool // an unreliable ADU was dropped; Data is nil
}
