package tc

import (
	"errors"
	"fmt"
)

// Enforcer installs reservations into an interface's traffic control.
// Implementations are safe for concurrent use.
//
// An interface is Attached once, with its link rate, before reservations
// are installed on it. Handles returned by Install stay valid until
// Remove, Detach or Close; a stale Handle (even one whose class number
// was reused since) gives ErrUnknownHandle rather than touching another
// reservation.
type Enforcer interface {
	// Attach takes over the interface's egress traffic control: an HTB
	// root, a best-effort class running at the link rate, and a control
	// class. It replaces a leftover of a previous run; it refuses to
	// replace another program's root qdisc unless cfg.ReplaceForeign.
	Attach(iface string, cfg IfaceConfig) error
	// Detach removes everything this package put on the interface.
	Detach(iface string) error
	// Install adds one class for r and one filter per sender.
	Install(iface string, r Reservation) (Handle, error)
	// Modify changes an installed reservation in place (flowspec,
	// senders, even the session); packets keep flowing through it.
	Modify(h Handle, r Reservation) error
	// Remove deletes the reservation's filters and class.
	Remove(h Handle) error
	// Reconcile makes the kernel match this Enforcer on the interfaces
	// named: on one not attached it deletes this package's root qdisc (a
	// leftover of an earlier run), on an attached one it deletes classes
	// and filters it does not know and restores those it knows. Other
	// programs' qdiscs are left alone. Errors for single interfaces are
	// joined; the others are still reconciled.
	Reconcile(ifaces []string) error
	// Close detaches every interface; the Enforcer is unusable after.
	Close() error
}

// Errors, to be tested with errors.Is; the returned errors say more.
var (
	ErrInvalid          = errors.New("tc: invalid reservation")
	ErrCapacity         = errors.New("tc: not enough capacity on the interface")
	ErrTooMany          = errors.New("tc: no free class or filter priority on the interface")
	ErrUnknownInterface = errors.New("tc: no such interface")
	ErrNotAttached      = errors.New("tc: interface not attached")
	ErrAttached         = errors.New("tc: interface already attached")
	ErrForeignQdisc     = errors.New("tc: interface has another program's root qdisc")
	ErrUnknownHandle    = errors.New("tc: unknown reservation handle")
	ErrClosed           = errors.New("tc: enforcer closed")
)

// Handle identifies one installed reservation. The zero Handle is
// installed nowhere. Handles are comparable and may be used as map keys.
type Handle struct {
	iface string
	minor uint16 // class minor number under QdiscMajor
	seq   uint64 // distinguishes reuses of a minor number
}

// Iface is the interface the reservation is installed on.
func (h Handle) Iface() string { return h.iface }

// ClassID is the reservation's HTB class, major:minor as the kernel
// encodes it (tc shows it as 2205:10 for 0x22050010).
func (h Handle) ClassID() uint32 { return classID(h.minor) }

// IsZero reports whether h is the zero Handle.
func (h Handle) IsZero() bool { return h == Handle{} }

func (h Handle) String() string {
	if h.IsZero() {
		return "tc.Handle{}"
	}
	return fmt.Sprintf("%s/%x:%x#%d", h.iface, QdiscMajor, h.minor, h.seq)
}
