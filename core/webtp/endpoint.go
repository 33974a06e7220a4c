package webtp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"netcompat/core/webtp/engine"
	"netcompat/core/webtp/sched"
	"netcompat/core/webtp/udpio"
	"netcompat/core/webtp/wire"

	"golang.org/x/sys/unix"
)

// batch is how many datagrams one system call moves.
const batch = 64

// endpoint is one UDP socket and the protocol state behind it. The engine
// is single-threaded: every use holds mu. Two goroutines serve it: the
// reader feeds received datagrams in, the writer sends what the engine
// builds and runs its timers.
type endpoint struct {
	mu   sync.Mutex
	eng  *engine.Endpoint
	uc   *udpio.Conn
	addr netip.AddrPort
	key  string

	users    int           // listener and connections holding it; guarded by registry.mu
	shared   bool          // a process-wide default endpoint, never closed
	kickCh   chan struct{} // wakes the writer
	acceptCh chan struct{} // a connection waits for Accept
	done     chan struct{}
	closing  sync.Once
}

var registry = struct {
	sync.Mutex
	byKey map[string]*endpoint
}{byKey: make(map[string]*endpoint)}

func engineConfig(cfg *Config) (engine.Config, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var classes *sched.Classes
	var err error
	if c.ClassesFile != "" {
		classes, err = sched.LoadClasses(c.ClassesFile)
	} else {
		classes, err = sched.ClassesFromEnv()
	}
	if err != nil {
		return engine.Config{}, fmt.Errorf("webtp: traffic classes: %w", err)
	}
	if c.MinNormalShare == 0 {
		if v := os.Getenv(EnvMinNormalShare); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f >= 1 {
				return engine.Config{}, fmt.Errorf("webtp: %s=%q: want a share between 0 and 1", EnvMinNormalShare, v)
			}
			c.MinNormalShare = f
		}
	}
	return engine.Config{
		Classes:        classes,
		MinNormalShare: c.MinNormalShare,
		IdleTimeout:    c.IdleTimeout,
		SendBuffer:     c.SendBuffer,
		ReceiveWindow:  c.ReceiveWindow,
		Backlog:        c.Backlog,
	}, nil
}

// openEndpoint returns the endpoint bound to address, opening it if this
// process has none there. key "" means a new private binding.
func openEndpoint(network, address string, cfg *Config, shared bool) (*endpoint, error) {
	ecfg, err := engineConfig(cfg)
	if err != nil {
		return nil, err
	}
	registry.Lock()
	defer registry.Unlock()
	// The same address in two network namespaces is two sockets.
	ns := netnsID()
	key := ns + "|" + network + "|" + address
	if shared {
		key = ns + "|shared|" + network
	}
	if ep := registry.byKey[key]; ep != nil {
		ep.users++
		return ep, nil
	}
	uc, err := udpio.Listen(network, address)
	if err != nil {
		return nil, err
	}
	ep := &endpoint{
		eng:      engine.NewEndpoint(ecfg),
		uc:       uc,
		addr:     uc.LocalAddr(),
		shared:   shared,
		users:    1,
		kickCh:   make(chan struct{}, 1),
		acceptCh: make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	// A socket bound to port 0 is registered under its real address too,
	// so Dial with LocalAddr = a listener's address finds it.
	ep.key = key
	registry.byKey[key] = ep
	if !shared {
		real := ns + "|" + network + "|" + ep.addr.String()
		if real != key && registry.byKey[real] == nil {
			registry.byKey[real] = ep
		}
	}
	ep.eng.Notify = func(c *engine.Conn) {
		if w, ok := c.User.(*Conn); ok {
			w.signal()
		}
	}
	ep.eng.NotifyAccept = func() { signal(ep.acceptCh) }
	go ep.readLoop()
	go ep.writeLoop()
	return ep, nil
}

// release drops one user; the last one closes a private endpoint once its
// pipes have finished their work.
func (ep *endpoint) release() {
	registry.Lock()
	ep.users--
	last := ep.users == 0 && !ep.shared
	registry.Unlock()
	if last {
		ep.kick() // the writer closes it when the engine is quiet
	}
}

func (ep *endpoint) close() {
	ep.closing.Do(func() {
		registry.Lock()
		for k, v := range registry.byKey {
			if v == ep {
				delete(registry.byKey, k)
			}
		}
		registry.Unlock()
		close(ep.done)
		ep.uc.Close()
	})
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (ep *endpoint) kick() { signal(ep.kickCh) }

// readLoop hands every received datagram to the engine, a batch per lock.
func (ep *endpoint) readLoop() {
	msgs := make([]udpio.Message, batch)
	for i := range msgs {
		msgs[i].Buf = make([]byte, 64<<10)
	}
	for {
		n, err := ep.uc.ReadBatch(msgs)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if udpio.IsICMPError(err) {
				ep.icmpErrors()
			}
			continue
		}
		now := time.Now()
		ep.mu.Lock()
		for i := range msgs[:n] {
			m := &msgs[i]
			m.Datagrams(func(d []byte) bool {
				ep.eng.Receive(now, m.Addr, d)
				return true
			})
		}
		ep.mu.Unlock()
		ep.kick()
	}
}

// icmpErrors hands the socket's queued ICMP errors to the engine: a
// closed port refuses a connection at once instead of after the timeout.
func (ep *endpoint) icmpErrors() {
	now := time.Now()
	_ = ep.uc.ReadErrors(func(u udpio.Unreachable) {
		if u.Errno != unix.ECONNREFUSED {
			return
		}
		ep.mu.Lock()
		ep.eng.Unreachable(now, u.Addr)
		ep.mu.Unlock()
	})
	ep.kick()
}

// writeLoop sends what the engine has and sleeps until the next timer or
// kick.
func (ep *endpoint) writeLoop() {
	bufs := make([][]byte, batch)
	for i := range bufs {
		bufs[i] = make([]byte, wire.MaxPacketSize)
	}
	outs := make([]udpio.Out, 0, batch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ep.kickCh:
		case <-timer.C:
		case <-ep.done:
			return
		}
		for {
			now := time.Now()
			ep.mu.Lock()
			if t := ep.eng.NextTimeout(); !t.IsZero() && !now.Before(t) {
				ep.eng.HandleTimeout(now)
			}
			outs = outs[:0]
			for len(outs) < batch {
				n, to := ep.eng.Poll(now, bufs[len(outs)])
				if n == 0 {
					break
				}
				outs = append(outs, udpio.Out{Buf: bufs[len(outs)][:n], Addr: to})
			}
			next := ep.eng.NextTimeout()
			quiet := len(outs) == 0 && ep.eng.Quiet()
			ep.mu.Unlock()
			if len(outs) > 0 {
				if _, err := ep.uc.WriteBatch(outs); err != nil && errors.Is(err, net.ErrClosed) {
					return
				}
			}
			if len(outs) == batch {
				continue // more may be ready at once
			}
			if quiet && ep.unused() {
				ep.close()
				return
			}
			timer.Stop()
			if !next.IsZero() {
				timer.Reset(max(time.Until(next), 0))
			}
			break
		}
	}
}

func (ep *endpoint) unused() bool {
	registry.Lock()
	defer registry.Unlock()
	return ep.users == 0 && !ep.shared
}

// netnsID names the network namespace of the calling thread (sockets are
// created in it), "" if unknown.
func netnsID() string {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return ""
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}
