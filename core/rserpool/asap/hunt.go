package asap

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"netcompat/core/transport"
)

// huntRegistrar connects to one of the known registrars: up to
// ConnectMaxTrials trials of at most ConnectTimeout each.
func (c *Client) huntRegistrar(ctx context.Context) (transport.Assoc, error) {
	var last error
	for trial := 0; trial < c.cfg.ConnectMaxTrials; trial++ {
		a, err := c.huntTrial(ctx)
		if err == nil {
			return a, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last = err
	}
	return nil, fmt.Errorf("%w: %v", ErrNoRegistrar, last)
}

type dialResult struct {
	addrs []netip.AddrPort
	a     transport.Assoc
	err   error
}

var errNoneKnown = errors.New("no registrar known")

// huntTrial is one trial of the hunt, after rsplib's registrar table: start
// at a random known registrar, connect to up to maxConcurrentDials at once,
// take the first association that comes up. Registrars announced while the
// trial runs are tried too; the trial ends after ConnectTimeout, or earlier
// when every registrar has failed and no announce can bring another.
func (c *Client) huntTrial(ctx context.Context) (transport.Assoc, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	opts := c.cfg.Transport
	results := make(chan dialResult)
	inflight := 0
	defer func() {
		if inflight > 0 {
			go closeLateDials(results, inflight)
		}
	}()
	tried := make(map[string]bool)
	var last error = errNoneKnown
	for {
		cands, changed := c.registrars.candidates()
		untried := 0
		if len(cands) > 0 {
			off := int(random32() % uint32(len(cands)))
			cands = append(cands[off:], cands[:off]...)
		}
		// Registrars that stopped answering lately go last, and are
		// dialled only once every other has failed.
		fresh := 0
		var suspects [][]netip.AddrPort
		for _, addrs := range cands {
			if c.registrars.suspected(addrs) {
				suspects = append(suspects, addrs)
			} else {
				cands[fresh] = addrs
				fresh++
			}
		}
		cands = append(cands[:fresh], suspects...)
		for i, addrs := range cands {
			k := fmt.Sprint(addrs)
			if tried[k] {
				continue
			}
			if i >= fresh && (inflight > 0 || untried > 0) {
				untried++
				continue
			}
			if inflight >= maxConcurrentDials {
				untried++
				continue
			}
			tried[k] = true
			inflight++
			go func() {
				a, err := transport.Dial(ctx, addrs, &opts)
				results <- dialResult{addrs: addrs, a: a, err: err}
			}()
		}
		if inflight == 0 && untried == 0 && c.announce == nil {
			return nil, last
		}
		select {
		case r := <-results:
			inflight--
			if r.err == nil {
				return r.a, nil
			}
			last = fmt.Errorf("registrar %v: %w", r.addrs, r.err)
		case <-changed:
		case <-ctx.Done():
			return nil, last
		}
	}
}

// closeLateDials collects the dials a finished trial left running and
// closes the associations that still came up.
func closeLateDials(results <-chan dialResult, n int) {
	for ; n > 0; n-- {
		if r := <-results; r.a != nil {
			r.a.Close()
		}
	}
}
