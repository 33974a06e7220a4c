package webtp

import (
	"context"
	"net"
	"sync"
)

// Listener accepts connections on one endpoint.
type Listener struct {
	ep   *endpoint
	once sync.Once
}

// Listen listens on a UDP address ("udp", "udp4", "udp6"); port 0 picks
// one. Connections dialled with LocalAddr set to the listener's address
// share its endpoint (and so its pipes).
func Listen(network, address string, cfg *Config) (*Listener, error) {
	ep, err := openEndpoint(network, address, cfg, false)
	if err != nil {
		return nil, err
	}
	ep.mu.Lock()
	ep.eng.Listen()
	ep.mu.Unlock()
	return &Listener{ep: ep}, nil
}

// Accept waits for the next connection (NO_DUP ones after the handshake).
func (l *Listener) Accept(ctx context.Context) (*Conn, error) {
	ep := l.ep
	for {
		ep.mu.Lock()
		c := ep.eng.Accept()
		var w *Conn
		if c != nil {
			w = newConn(ep, c)
			registryAddUser(ep)
		}
		more := ep.eng.Pending() > 0
		ep.mu.Unlock()
		if more {
			signal(ep.acceptCh)
		}
		if w != nil {
			return w, nil
		}
		select {
		case <-ep.acceptCh:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ep.done:
			return nil, ErrClosed
		}
	}
}

// Pending is the number of connections waiting for Accept.
func (l *Listener) Pending() int {
	l.ep.mu.Lock()
	defer l.ep.mu.Unlock()
	return l.ep.eng.Pending()
}

// Ready is signalled (capacity 1) when a connection may be waiting.
func (l *Listener) Ready() <-chan struct{} { return l.ep.acceptCh }

// Addr is the endpoint's UDP address.
func (l *Listener) Addr() net.Addr { return net.UDPAddrFromAddrPort(l.ep.addr) }

// Close stops accepting; established connections stay.
func (l *Listener) Close() error {
	l.once.Do(func() {
		l.ep.mu.Lock()
		l.ep.eng.StopListening()
		l.ep.mu.Unlock()
		l.ep.kick()
		l.ep.release()
	})
	return nil
}

func registryAddUser(ep *endpoint) {
	registry.Lock()
	ep.users++
	registry.Unlock()
}
