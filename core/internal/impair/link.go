package impair

import (
	"container/heap"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Stats are a Link's counters since it was built.
type Stats struct {
	Packets        uint64 // packets read from the sending side
	Bytes          uint64 // their IP bytes
	Matched        uint64 // packets Match selected (all when Match is nil)
	Dropped        uint64 // lost by Loss or GE
	QueueDrops     uint64 // dropped because the rate queue was full
	Duplicated     uint64 // packets that got a second copy
	Delivered      uint64 // packets written to the receiving side (copies included)
	DeliveredBytes uint64
	WriteErrors    uint64 // packets the receiving TUN refused (dropped)
}

// Link is one direction of a Path: it reads packets from the TUN device
// of one namespace, impairs them and writes them into the TUN device of
// the other. Its methods are safe for concurrent use.
type Link struct {
	name   string
	src    *os.File
	dst    *os.File
	srcRC  syscall.RawConn
	dstRC  syscall.RawConn
	bufLen int
	base   time.Time
	stream uint64

	delay atomic.Int64 // cfg.Delay, read by the reverse link for the BDP

	mu      sync.Mutex
	sh      *shaper
	match   func([]byte) bool
	q       pktHeap
	seq     uint64
	writing bool // the writer is writing packets it popped
	err     error

	wake chan struct{} // cap 1: the heap's head changed
	done chan struct{}
	pool sync.Pool

	packets, bytes, matched, dropped, queueDrops, duplicated atomic.Uint64
	delivered, deliveredBytes, writeErrors                   atomic.Uint64
}

type packet struct {
	buf []byte // full capacity bufLen
	n   int
	at  int64
	seq uint64
}

type pktHeap []*packet

func (h pktHeap) Len() int { return len(h) }
func (h pktHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h pktHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pktHeap) Push(x any)   { *h = append(*h, x.(*packet)) }
func (h *pktHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return p
}

func newLink(name string, src, dst *os.File, bufLen int, base time.Time, stream uint64, cfg LinkConfig) (*Link, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	l := &Link{
		name: name, src: src, dst: dst, bufLen: bufLen, base: base, stream: stream,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	var err error
	if l.srcRC, err = src.SyscallConn(); err != nil {
		return nil, err
	}
	if l.dstRC, err = dst.SyscallConn(); err != nil {
		return nil, err
	}
	l.pool.New = func() any { return &packet{buf: make([]byte, bufLen)} }
	l.sh = newShaper(cfg, stream)
	l.match = cfg.Match
	l.delay.Store(int64(cfg.Delay))
	return l, nil
}

// Name is "forward" or "reverse".
func (l *Link) Name() string { return l.name }

// Set replaces the configuration at run time. Packets already queued or
// in flight keep the times they were given; the random generator is
// re-seeded only if Seed changed.
func (l *Link) Set(cfg LinkConfig) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	l.mu.Lock()
	l.sh.set(cfg, l.stream, false)
	l.match = cfg.Match
	l.delay.Store(int64(cfg.Delay))
	l.mu.Unlock()
	return nil
}

// Config returns the current configuration.
func (l *Link) Config() LinkConfig {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.sh.cfg
	if c.GE != nil {
		ge := *c.GE
		c.GE = &ge
	}
	return c
}

// Err is the read error that stopped the link, or nil (also after Close).
func (l *Link) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Stats returns a snapshot of the counters.
func (l *Link) Stats() Stats {
	return Stats{
		Packets: l.packets.Load(), Bytes: l.bytes.Load(), Matched: l.matched.Load(),
		Dropped: l.dropped.Load(), QueueDrops: l.queueDrops.Load(), Duplicated: l.duplicated.Load(),
		Delivered: l.delivered.Load(), DeliveredBytes: l.deliveredBytes.Load(),
		WriteErrors: l.writeErrors.Load(),
	}
}

func (l *Link) now() int64 { return int64(time.Since(l.base)) }

func (l *Link) get() *packet  { return l.pool.Get().(*packet) }
func (l *Link) put(p *packet) { p.n = 0; l.pool.Put(p) }

// batch is how many packets one wakeup reads or writes at most.
const batch = 64

// reader reads packets from src in batches (as many as are ready, up to
// batch, per wakeup of the poller: one read(2) each, as a TUN device
// hands over one packet per read) and admits them to the link.
func (l *Link) reader(wg *sync.WaitGroup) {
	defer wg.Done()
	pkts := make([]*packet, batch)
	for i := range pkts {
		pkts[i] = l.get()
	}
	var direct []*packet
	for {
		n := 0
		var rerr error
		err := l.srcRC.Read(func(fd uintptr) bool {
			for n < batch {
				m, err := unix.Read(int(fd), pkts[n].buf)
				if err == unix.EINTR {
					continue
				}
				if err == unix.EAGAIN {
					break
				}
				if err != nil {
					rerr = err
					return true
				}
				pkts[n].n = m
				n++
			}
			return n > 0 // false: wait until readable
		})
		if err != nil || (rerr != nil && n == 0) {
			// Closed (Close), or the device failed: the link stops
			// and Err says why.
			if err == nil || !errors.Is(err, os.ErrClosed) {
				if err == nil {
					err = rerr
				}
				l.mu.Lock()
				l.err = err
				l.mu.Unlock()
			}
			for _, p := range pkts {
				l.put(p)
			}
			return
		}
		direct = direct[:0]
		wakeWriter := false
		l.mu.Lock()
		now := l.now()
		match := l.match
		for i := 0; i < n; i++ {
			p := pkts[i]
			pkts[i] = l.get()
			l.packets.Add(1)
			l.bytes.Add(uint64(p.n))
			m := match == nil || match(p.buf[:p.n])
			if m {
				l.matched.Add(1)
			}
			v := l.sh.admit(now, p.n, m)
			if v.n == 0 {
				l.dropped.Add(1)
				l.put(p)
				continue
			}
			copies := [2]*packet{p}
			if v.n == 2 {
				l.duplicated.Add(1)
				copies[1] = l.get()
				copies[1].n = copy(copies[1].buf, p.buf[:p.n])
			}
			for c := 0; c < v.n; c++ {
				q := copies[c]
				if v.why[c] == queueFull {
					l.queueDrops.Add(1)
					l.put(q)
					continue
				}
				q.at = v.at[c]
				l.seq++
				q.seq = l.seq
				// Due now with nothing queued before it: write it
				// from here, saving a goroutine handoff.
				if q.at <= now && len(l.q) == 0 && !l.writing {
					direct = append(direct, q)
					continue
				}
				if len(l.q) == 0 || q.at < l.q[0].at {
					wakeWriter = true
				}
				heap.Push(&l.q, q)
			}
		}
		if len(direct) > 0 {
			// Keeps the writer from overtaking these (it checks
			// writing before popping).
			l.writing = true
		}
		l.mu.Unlock()
		if len(direct) > 0 {
			l.write(direct)
			l.mu.Lock()
			l.writing = false
			if len(l.q) > 0 {
				wakeWriter = true
			}
			l.mu.Unlock()
		}
		if wakeWriter {
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
	}
}

// write writes the packets to dst in order and recycles them.
func (l *Link) write(ps []*packet) {
	i := 0
	err := l.dstRC.Write(func(fd uintptr) bool {
		for i < len(ps) {
			p := ps[i]
			_, err := unix.Write(int(fd), p.buf[:p.n])
			switch err {
			case nil:
				l.delivered.Add(1)
				l.deliveredBytes.Add(uint64(p.n))
			case unix.EINTR:
				continue
			default:
				// EAGAIN included: the receiving side is
				// overloaded and this link drops, as a router
				// with a full output would, rather than wait
				// for the poller.
				l.writeErrors.Add(1)
			}
			i++
		}
		return true
	})
	if err != nil && !errors.Is(err, os.ErrClosed) {
		l.writeErrors.Add(uint64(len(ps) - i))
	}
	for _, p := range ps {
		l.put(p)
	}
}

// writer delivers queued packets when they are due: one timer, reset to
// the head of the heap.
func (l *Link) writer(wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	due := make([]*packet, 0, batch)
	for {
		l.mu.Lock()
		var wait int64 = -1
		if !l.writing {
			now := l.now()
			for len(l.q) > 0 && l.q[0].at <= now && len(due) < batch {
				due = append(due, heap.Pop(&l.q).(*packet))
			}
			if len(due) == 0 && len(l.q) > 0 {
				wait = l.q[0].at - now
			}
		}
		if len(due) > 0 {
			l.writing = true
			l.mu.Unlock()
			l.write(due)
			clear(due)
			due = due[:0]
			l.mu.Lock()
			l.writing = false
			l.mu.Unlock()
			continue
		}
		l.mu.Unlock()
		if wait >= 0 {
			t.Reset(time.Duration(wait))
			select {
			case <-t.C:
			case <-l.wake:
				t.Stop()
			case <-l.done:
				return
			}
		} else {
			select {
			case <-l.wake:
			case <-l.done:
				return
			}
		}
	}
}

// drain recycles what is still queued (after the goroutines ended).
func (l *Link) drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.q {
		l.put(p)
	}
	l.q = nil
}
