package asap

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Client is one ASAP endpoint: the pool-element and pool-user side of
// RSerPool towards the registrars (an rsplib ASAP instance). Its methods
// are safe for concurrent use.
type Client struct {
	cfg        Config
	registrars *registrarTable
	announce   *announceListener // nil: announces disabled or unavailable
	asapLn     transport.Listener
	asapTrans  *wire.Transport // the ASAP transport parameter, with asapLn
	cache      *cache

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // goroutines Close waits for

	mu       sync.Mutex
	closed   bool
	cur      *regAssoc              // the association with the home registrar
	hunt     *huntCall              // the hunt in progress, if any
	homeID   uint32                 // the home registrar's server ID, once known
	elements map[elemKey]*element   // registrations, see element.go
	incoming map[*regAssoc]struct{} // associations registrars opened
	// failedOver is set when the home registrar's association was lost
	// while elements were registered: the next association gets them all
	// registered again. seeking says a goroutine is hunting for that
	// association.
	failedOver bool
	seeking    bool
}

// huntCall is one registrar hunt that every caller needing an association
// meanwhile waits for.
type huntCall struct {
	done chan struct{}
	r    *regAssoc
	err  error
}

// New starts a client. It joins the announce group unless disabled (a
// failure to join is logged, not returned: static registrars may still
// work) and listens on Config.ASAPListen if set. No registrar is contacted
// until the first request.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	c := &Client{
		cfg:        cfg,
		registrars: newRegistrarTable(cfg.Registrars, cfg.AnnounceTimeout, cfg.Now),
		cache:      newCache(),
		elements:   make(map[elemKey]*element),
		incoming:   make(map[*regAssoc]struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if len(cfg.ASAPListen) > 0 {
		if err := c.listenASAP(); err != nil {
			c.cancel()
			return nil, err
		}
	}
	if !cfg.DisableAnnounce {
		l, err := listenAnnounces(cfg.AnnounceGroup, cfg.AnnounceInterface, c.registrars, cfg.Transport.Backend)
		if err != nil {
			netlog.Printf("%v; relying on static registrars", err)
		} else {
			c.announce = l
		}
	}
	return c, nil
}

// Close stops the client: timers, the announce listener, every
// association. It does not deregister: the registrar forgets the elements
// when their registration life runs out. Pending calls return ErrClosed or
// a context error.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.closed = true
	for _, e := range c.elements {
		e.removed = true
		e.stopTimer()
	}
	clear(c.elements)
	cur := c.cur
	c.cur = nil
	assocs := make([]*regAssoc, 0, len(c.incoming)+1)
	for r := range c.incoming {
		assocs = append(assocs, r)
	}
	c.mu.Unlock()

	c.cancel()
	if cur != nil {
		assocs = append(assocs, cur)
	}
	for _, r := range assocs {
		r.fail(errClientClosed)
	}
	if c.asapLn != nil {
		c.asapLn.Close()
	}
	if c.announce != nil {
		c.announce.close()
	}
	c.wg.Wait()
	return nil
}

// HomeRegistrar returns the server ID of the home registrar (0 until a
// keep-alive named it) and the addresses of the current registrar
// association (nil when there is none).
func (c *Client) HomeRegistrar() (id uint32, addrs []netip.AddrPort) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		addrs = c.cur.peer
	}
	return c.homeID, addrs
}

// connection returns the association with the home registrar, hunting for
// a registrar when there is none. Concurrent callers share one hunt; the
// hunt runs on the client's context, so a caller giving up does not stop
// it for the others.
func (c *Client) connection(ctx context.Context) (*regAssoc, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if c.cur != nil {
		r := c.cur
		c.mu.Unlock()
		return r, nil
	}
	h := c.hunt
	if h == nil {
		h = &huntCall{done: make(chan struct{})}
		c.hunt = h
		c.wg.Add(1)
		go c.runHunt(h)
	}
	c.mu.Unlock()
	select {
	case <-h.done:
		return h.r, h.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runHunt performs hunt h. After a failover the new association gets
// every registration the client holds sent again, since the new registrar
// may not know them.
func (c *Client) runHunt(h *huntCall) {
	defer c.wg.Done()
	a, err := c.huntRegistrar(c.ctx)
	var reregister bool
	c.mu.Lock()
	c.hunt = nil
	switch {
	case err != nil:
		if c.closed {
			err = ErrClosed
		}
	case c.closed:
		a.Close()
		err = ErrClosed
	case c.cur != nil:
		// A registrar took us over meanwhile (keepalive.go): keep its
		// association.
		a.Close()
		h.r = c.cur
	default:
		r := newRegAssoc(c, a)
		c.cur = r
		c.homeID = 0 // until its keep-alives name it
		h.r = r
		c.wg.Add(1)
		go r.readLoop()
		if c.failedOver {
			c.failedOver = false
			reregister = len(c.elements) > 0
			netlog.Printf("asap: failed over to registrar %v", r.peer)
		}
	}
	h.err = err
	c.mu.Unlock()
	close(h.done)
	if reregister {
		c.reregisterAll()
	}
}

// detachLocked forgets association r, which has just ended; c.mu is held.
// If r was the home registrar's and elements are registered, this is a
// failover: the next association gets them registered again, and unless
// one is already running, seekRegistrar must be started to find it at
// once.
func (c *Client) detachLocked(r *regAssoc) (failover, seek bool) {
	delete(c.incoming, r)
	if c.cur != r {
		return false, false
	}
	c.cur = nil
	failover = !c.closed && len(c.elements) > 0
	c.failedOver = failover
	seek = failover && !c.seeking
	if seek {
		c.seeking = true
	}
	return failover, seek
}

// startSeeking runs seekRegistrar in the background.
func (c *Client) startSeeking() {
	if !c.goBackground(c.seekRegistrar) {
		c.mu.Lock()
		c.seeking = false
		c.mu.Unlock()
	}
}

// seekRegistrar hunts for a registrar after a failover until one is found (the
// registrations then go to it, see runHunt), the elements are all
// deregistered, or the client closes. Between failed hunts it waits the
// connect timeout.
func (c *Client) seekRegistrar() {
	defer func() {
		c.mu.Lock()
		c.seeking = false
		c.mu.Unlock()
	}()
	for {
		_, err := c.connection(c.ctx)
		if err == nil || c.ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		idle := len(c.elements) == 0 || c.cur != nil
		c.mu.Unlock()
		if idle {
			return
		}
		netlog.Printf("asap: no registrar to fail over to (%v); retrying", err)
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(c.cfg.ConnectTimeout):
		}
	}
}

// goBackground runs f on a goroutine Close waits for, unless the client
// is closed.
func (c *Client) goBackground(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}
