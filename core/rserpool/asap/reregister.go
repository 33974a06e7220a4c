package asap

import (
	"netcompat/core/netlog"
	"netcompat/core/rserpool/wire"
)

// timerFired runs when element el's reregistration interval has passed.
func (c *Client) timerFired(el *element) {
	c.goBackground(func() {
		c.reregisterElement(el)
		c.mu.Lock()
		defer c.mu.Unlock()
		if !el.removed && el.interval > 0 {
			el.timer.Reset(el.interval)
		}
	})
}

// reregisterAll sends every registration again, after the client found a
// new registrar (failover). The registrations go out together, pipelined
// on the new association.
func (c *Client) reregisterAll() {
	c.mu.Lock()
	els := make([]*element, 0, len(c.elements))
	for _, el := range c.elements {
		els = append(els, el)
	}
	c.mu.Unlock()
	for _, el := range els {
		c.goBackground(func() { c.reregisterElement(el) })
	}
}

// reregisterElement sends element el's current registration. Failures
// are logged; the next interval (or the next failover) tries again.
func (c *Client) reregisterElement(el *element) {
	c.mu.Lock()
	if el.removed {
		c.mu.Unlock()
		return
	}
	pe := el.pe
	c.mu.Unlock()
	msg, err := wire.AppendASAP(nil, &wire.Registration{PoolHandle: el.handle, Element: pe})
	if err == nil {
		err = c.sendRegistration(c.ctx, el.handle, pe.ID, msg)
	}
	if err != nil && c.ctx.Err() == nil {
		netlog.Printf("asap: re-registration of PE $%08x in pool %q failed: %v", pe.ID, el.handle, err)
	}
}
