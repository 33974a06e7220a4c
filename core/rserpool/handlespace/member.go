package handlespace

import (
	"time"

	"netcompat/core/rserpool/wire"
)

// ConnKey identifies the entity that registered an element, typically the
// ASAP association (a registrar may pack socket and association ID into
// it). Zero means none: the element was learned from a peer registrar
// (Update) or taken over.
type ConnKey uint64

// Member is one pool element in the handlespace. A *Member stays valid
// (and keeps its last values) after the element leaves the handlespace;
// Live tells whether it is still in it. The handlespace owns the storage:
// callers read PE but must not modify it or the slices it holds.
type Member struct {
	// PE is the element as last (re)registered: ID, home registrar,
	// registration life, user transport, policy information and, if
	// present, the ASAP transport. Its address and value slices are the
	// handlespace's own exact-size copies; a re-registration replaces
	// them rather than overwriting them.
	PE wire.PoolElement

	pool *Pool
	asap wire.Transport // PE.ASAP points here when the element has one
	conn ConnKey

	connPrev, connNext *Member // the registering entity's elements

	regAt  int64 // last (re)registration, ns since the handlespace epoch
	kaAt   int64 // keep-alive deadline: next send (idle) or timeout (pending)
	kaSent int64 // last keep-alive sent (valid when flagKASent)

	idx    int32 // position in pool.members
	ownIdx int32 // position in owner.members
	expIdx int32 // position in the expiry heap
	kaIdx  int32 // position in the keep-alive heap; -1 when not owned here

	sum     uint32 // checksum word sum of (handle, ID)
	reports uint16 // Endpoint Unreachable reports
	flags   uint8
}

const (
	flagLive      = 1 << iota // in the handlespace
	flagKAPending             // a keep-alive is outstanding
	flagKASent                // kaSent is set
	flagMarked                // audit mark (mark.go)
)

// Key returns the element's pool handle and identifier.
func (m *Member) Key() Key { return Key{Handle: m.pool.handle, ID: m.PE.ID} }

// Handle returns the element's pool handle (the bytes as a string).
func (m *Member) Handle() string { return m.pool.handle }

// Pool returns the element's pool (its last pool, once removed).
func (m *Member) Pool() *Pool { return m.pool }

// Live reports whether the element is still in the handlespace.
func (m *Member) Live() bool { return m.flags&flagLive != 0 }

// Conn returns the entity that registered the element; 0 for none.
func (m *Member) Conn() ConnKey { return m.conn }

// Home returns the element's home registrar (owner) ID.
func (m *Member) Home() uint32 { return m.PE.HomeServer }

// Registered returns the time of the element's last (re)registration
// (for an element learned from a peer: of the last Handle Update).
func (m *Member) Registered() time.Time { return m.pool.hs.timeOf(m.regAt) }

// Expires returns when the registration ends unless renewed: registration
// life after the last (re)registration.
func (m *Member) Expires() time.Time { return m.pool.hs.timeOf(m.expiresAt()) }

func (m *Member) expiresAt() int64 {
	return m.regAt + int64(m.PE.RegLife)*int64(time.Millisecond)
}

// KeepAlivePending reports whether an Endpoint Keep-Alive was sent and its
// Ack has not come.
func (m *Member) KeepAlivePending() bool { return m.flags&flagKAPending != 0 }

// LastKeepAlive returns when the last Endpoint Keep-Alive was sent to the
// element; ok is false if none was since this registrar became its home.
func (m *Member) LastKeepAlive() (t time.Time, ok bool) {
	if m.flags&flagKASent == 0 {
		return time.Time{}, false
	}
	return m.pool.hs.timeOf(m.kaSent), true
}

// KeepAliveDeadline returns, for an element this registrar owns, when the
// next keep-alive is due (idle) or when the outstanding one times out
// (pending); ok is false for elements owned elsewhere.
func (m *Member) KeepAliveDeadline() (t time.Time, ok bool) {
	if m.kaIdx < 0 || !m.Live() {
		return time.Time{}, false
	}
	return m.pool.hs.timeOf(m.kaAt), true
}

// UnreachableReports returns the number of Endpoint Unreachable reports
// counted against the element.
func (m *Member) UnreachableReports() int { return int(m.reports) }
