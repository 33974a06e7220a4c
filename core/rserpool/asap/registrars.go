package asap

import (
	"net/netip"
	"slices"
	"sync"
	"time"
)

// registrarTable is the set of registrars a client may hunt: the static
// ones from the configuration and those heard in Server Announces, which
// expire a while after their last announce.
type registrarTable struct {
	now     func() time.Time
	timeout time.Duration
	static  [][]netip.AddrPort

	mu        sync.Mutex
	announced map[uint32]*announcedRegistrar // by server ID
	changed   chan struct{}                  // closed when a registrar is added
	suspects  map[netip.AddrPort]time.Time   // registrars that stopped answering, and when
}

// suspectFor is how long a registrar that stopped answering is tried only
// after every other: a hung registrar still accepts associations (the
// kernel does that), so a hunt that dialled it among the others could
// pick it again and wait another response timeout.
const suspectFor = 30 * time.Second

type announcedRegistrar struct {
	addrs   []netip.AddrPort
	expires time.Time
}

func newRegistrarTable(static [][]netip.AddrPort, timeout time.Duration, now func() time.Time) *registrarTable {
	return &registrarTable{
		now:       now,
		timeout:   timeout,
		static:    static,
		announced: make(map[uint32]*announcedRegistrar),
		changed:   make(chan struct{}),
		suspects:  make(map[netip.AddrPort]time.Time),
	}
}

// suspect records that the registrar at addrs did not answer in time.
func (t *registrarTable) suspect(addrs []netip.AddrPort) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, a := range addrs {
		t.suspects[a] = now
	}
}

// suspected reports whether a registrar at addrs stopped answering lately.
func (t *registrarTable) suspected(addrs []netip.AddrPort) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, a := range addrs {
		if at, ok := t.suspects[a]; ok {
			if now.Sub(at) < suspectFor {
				return true
			}
			delete(t.suspects, a)
		}
	}
	return false
}

// announce records an announce from registrar id reachable at addrs.
func (t *registrarTable) announce(id uint32, addrs []netip.AddrPort) {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp := t.now().Add(t.timeout)
	if r, ok := t.announced[id]; ok && slices.Equal(r.addrs, addrs) {
		r.expires = exp
		return
	}
	t.announced[id] = &announcedRegistrar{addrs: addrs, expires: exp}
	close(t.changed)
	t.changed = make(chan struct{})
}

// candidates lists the registrars known now, static ones first, each once,
// and returns a channel closed when another one becomes known.
func (t *registrarTable) candidates() ([][]netip.AddrPort, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	out := slices.Clone(t.static)
	for id, r := range t.announced {
		if now.After(r.expires) {
			delete(t.announced, id)
			continue
		}
		if !slices.ContainsFunc(out, func(a []netip.AddrPort) bool { return slices.Equal(a, r.addrs) }) {
			out = append(out, r.addrs)
		}
	}
	return out, t.changed
}
