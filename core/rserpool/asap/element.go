package asap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Element describes a pool element to register: what goes into the Pool
// Element parameter and how often to re-register it.
type Element struct {
	// ID is the PE identifier; 0 picks a random non-zero one (rsplib).
	ID uint32
	// User is the transport users reach the element at: the element's
	// own listening addresses and port. Kind 0 means an SCTP transport
	// (what rsplib registers); Use is set from ControlChannel.
	User wire.Transport
	// Policy is the element's policy information; type 0 means Round
	// Robin (rsplib's NULL loadinfo).
	Policy wire.Policy
	// ReregInterval is how often the registration is sent again; 0
	// means a third of RegLife if that is set, else
	// Config.ReregInterval. Negative: never (rsp_pe_registration, whose
	// caller registers again itself).
	ReregInterval time.Duration
	// RegLife is the registration life the registrar keeps the element
	// without hearing from it; 0 means 3 x ReregInterval (rsplib).
	RegLife time.Duration
	// ControlChannel says the user transport carries ASAP control as well
	// as data (rsplib's REGF_CONTROLCHANNEL): transport use data+control.
	ControlChannel bool
	// DontWait returns from Register once the Registration is sent
	// (rsplib's REGF_DONTWAIT); a rejection is then only logged, and the
	// element forgotten.
	DontWait bool
}

// element is one registration the client holds. Its fields are guarded
// by Client.mu.
type element struct {
	handle   []byte
	pe       wire.PoolElement
	interval time.Duration // 0: no automatic reregistration
	timer    *time.Timer
	removed  bool
}

type elemKey struct {
	handle string
	id     uint32
}

func keyOf(handle []byte, id uint32) elemKey { return elemKey{string(handle), id} }

func (e *element) stopTimer() {
	if e.timer != nil {
		e.timer.Stop()
	}
}

// timing returns e's reregistration interval (0: none) and registration
// life.
func (e Element) timing(def time.Duration) (interval, life time.Duration) {
	interval, life = e.ReregInterval, e.RegLife
	switch {
	case interval < 0:
		interval = 0
		if life <= 0 {
			life = 3 * def
		}
	case interval == 0 && life > 0:
		interval = life / 3
	case interval == 0:
		interval = def
	}
	if life <= 0 {
		life = 3 * interval
	}
	return interval, life
}

func checkHandle(handle []byte) error {
	if len(handle) == 0 || len(handle) > MaxHandleLen {
		return fmt.Errorf("%w: pool handle of %d bytes (1 to %d)", ErrInvalid, len(handle), MaxHandleLen)
	}
	return nil
}

// Register registers a pool element in the pool named handle and returns
// its PE identifier. Registering an identifier this client already
// registered in that pool replaces the element's information. After a
// successful registration the element is re-registered every
// reregistration interval, and after a failover, until Deregister or
// Close. A rejection is a *RejectError.
func (c *Client) Register(ctx context.Context, handle []byte, e Element) (uint32, error) {
	if err := checkHandle(handle); err != nil {
		return 0, err
	}
	if len(e.User.Addrs) == 0 {
		return 0, fmt.Errorf("%w: user transport without addresses", ErrInvalid)
	}
	handle = slices.Clone(handle)
	interval, life := e.timing(c.cfg.ReregInterval)
	user := e.User
	user.Addrs = slices.Clone(user.Addrs)
	if user.Kind == 0 {
		user.Kind = wire.ParamSCTPTransport
	}
	user.Use = wire.UseData
	if e.ControlChannel {
		user.Use = wire.UseDataControl
	}
	pol := wire.Policy{Type: e.Policy.Type, Values: slices.Clone(e.Policy.Values)}
	if pol.Type == policy.Undefined {
		pol = wire.Policy{Type: policy.RoundRobin}
	}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, ErrClosed
	}
	id := e.ID
	for id == 0 || (e.ID == 0 && c.elements[keyOf(handle, id)] != nil) {
		id = NewPEID()
	}
	pe := wire.PoolElement{
		ID:      id,
		RegLife: uint32(min(life.Milliseconds(), 0xffffffff)),
		User:    user,
		Policy:  pol,
		ASAP:    c.asapTrans,
	}
	c.mu.Unlock()

	msg, err := wire.AppendASAP(nil, &wire.Registration{PoolHandle: handle, Element: pe})
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if e.DontWait {
		el := c.store(handle, pe, interval)
		if el == nil {
			return 0, ErrClosed
		}
		c.goBackground(func() {
			if err := c.sendRegistration(c.ctx, handle, id, msg); err != nil {
				netlog.Printf("asap: registration of PE $%08x in pool %q failed: %v", id, handle, err)
				if errors.Is(err, ErrRejected) {
					c.forget(el)
				}
			}
		})
		return id, nil
	}
	if err := c.sendRegistration(ctx, handle, id, msg); err != nil {
		return 0, err
	}
	if c.store(handle, pe, interval) == nil {
		return 0, ErrClosed
	}
	return id, nil
}

// Reregister sends element id's registration again at once with new
// policy information p (for instance a new load). If the registrar
// rejects it, the previous information is kept.
func (c *Client) Reregister(ctx context.Context, handle []byte, id uint32, p wire.Policy) error {
	c.mu.Lock()
	el := c.elements[keyOf(handle, id)]
	if el == nil {
		c.mu.Unlock()
		return ErrNotRegistered
	}
	old := el.pe.Policy
	el.pe.Policy = wire.Policy{Type: p.Type, Values: slices.Clone(p.Values)}
	if el.pe.Policy.Type == policy.Undefined {
		el.pe.Policy = wire.Policy{Type: policy.RoundRobin}
	}
	pe := el.pe
	c.mu.Unlock()

	msg, err := wire.AppendASAP(nil, &wire.Registration{PoolHandle: el.handle, Element: pe})
	if err == nil {
		err = c.sendRegistration(ctx, el.handle, id, msg)
	} else {
		err = fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if !errors.Is(err, ErrRejected) && !errors.Is(err, ErrInvalid) {
			return err // not refused: the new information stays for the timer
		}
		el.pe.Policy = old
		return err
	}
	if !el.removed && el.timer != nil {
		el.timer.Reset(el.interval)
	}
	return nil
}

// Deregister removes element id from the pool: its timer stops and a
// Deregistration is sent. The element is forgotten locally even if the
// registrar cannot be reached (it then expires there).
func (c *Client) Deregister(ctx context.Context, handle []byte, id uint32) error {
	c.mu.Lock()
	el := c.elements[keyOf(handle, id)]
	if el == nil {
		c.mu.Unlock()
		return ErrNotRegistered
	}
	c.removeLocked(el)
	c.mu.Unlock()

	msg, err := wire.AppendASAP(nil, &wire.Deregistration{PoolHandle: el.handle, PEID: id})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	resp, err := c.request(ctx, msg, wire.ASAPDeregistrationResponse, el.handle)
	if err != nil {
		return err
	}
	switch m := resp.(type) {
	case *wire.DeregistrationResponse:
		if m.Error != nil && !reportOnly(m.Error) {
			return newRejectError(wire.ASAPDeregistration, el.handle, id, m.Error)
		}
		return nil
	case *wire.ASAPErrorMessage:
		return newRejectError(wire.ASAPDeregistration, el.handle, id, &m.Error)
	}
	return fmt.Errorf("asap: unexpected %T to a Deregistration", resp)
}

// Registered lists the PE identifiers this client holds registrations of
// in pool handle.
func (c *Client) Registered(handle []byte) []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []uint32
	for k := range c.elements {
		if k.handle == string(handle) {
			ids = append(ids, k.id)
		}
	}
	slices.Sort(ids)
	return ids
}

// sendRegistration sends the encoded Registration msg and interprets the
// response.
func (c *Client) sendRegistration(ctx context.Context, handle []byte, id uint32, msg []byte) error {
	resp, err := c.request(ctx, msg, wire.ASAPRegistrationResponse, handle)
	if err != nil {
		return err
	}
	switch m := resp.(type) {
	case *wire.RegistrationResponse:
		if m.Reject || (m.Error != nil && !reportOnly(m.Error)) {
			return newRejectError(wire.ASAPRegistration, handle, id, m.Error)
		}
		if m.PEID != id {
			netlog.Printf("asap: registered PE $%08x in pool %q, registrar answered for PE $%08x", id, handle, m.PEID)
		}
		return nil
	case *wire.ASAPErrorMessage:
		return newRejectError(wire.ASAPRegistration, handle, id, &m.Error)
	}
	return fmt.Errorf("asap: unexpected %T to a Registration", resp)
}

// store records a registration (or updates the one of the same pool and
// identifier) and (re)starts its timer. It returns nil after Close.
func (c *Client) store(handle []byte, pe wire.PoolElement, interval time.Duration) *element {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	k := keyOf(handle, pe.ID)
	el := c.elements[k]
	if el == nil {
		el = &element{handle: handle}
		c.elements[k] = el
	}
	el.pe, el.interval = pe, interval
	switch {
	case interval <= 0:
		el.stopTimer()
	case el.timer == nil:
		el.timer = time.AfterFunc(interval, func() { c.timerFired(el) })
	default:
		el.timer.Reset(interval)
	}
	return el
}

// forget drops registration el (after a rejection).
func (c *Client) forget(el *element) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.elements[keyOf(el.handle, el.pe.ID)] == el {
		c.removeLocked(el)
	}
}

func (c *Client) removeLocked(el *element) {
	delete(c.elements, keyOf(el.handle, el.pe.ID))
	el.removed = true
	el.stopTimer()
}

// reportOnly tells an Operation Error that only reports parameters the
// registrar skipped (cause 0x1, for parameter types 10 and 11) from a
// refusal: the request succeeded, the report is for the sender's logs.
func reportOnly(oe *wire.OperationError) bool {
	for _, c := range oe.Causes {
		if c.Code != wire.CauseUnrecognizedParameter {
			return false
		}
	}
	if len(oe.Causes) > 0 {
		netlog.Printf("asap: the registrar skipped %d parameter(s) it does not know", len(oe.Causes))
	}
	return len(oe.Causes) > 0
}
