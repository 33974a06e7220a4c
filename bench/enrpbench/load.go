package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"netcompat/bench/internal/asapload"
	"netcompat/core/rserpool/wire"
)

// registration encodes the Registration of element id (asapload.Element,
// registration life life ms) in pool.
func registration(id uint32, pool string, life uint32) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte(pool), Element: asapload.Element(id, life)})
}

// resolution encodes a Handle Resolution for pool asking for 3 elements.
func resolution(pool string) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.HandleResolution{PoolHandle: []byte(pool), HasItems: true, Items: 3})
}

// countResponses returns the handler for asapload's Serve on an
// association whose Registrations are sent without waiting: it counts the
// Registration Responses, the rejecting ones apart.
func countResponses(ok, rejected *atomic.Int64) func(m []byte) {
	return func(m []byte) {
		if wire.ASAPType(m[0]) != wire.ASAPRegistrationResponse {
			return
		}
		if m[1]&wire.FlagReject != 0 {
			rejected.Add(1)
		} else {
			ok.Add(1)
		}
	}
}

// fill registers elements 1..n, element id in pool poolOf(id), over the
// associations in parallel, each strictly request/response; element id
// goes over association (id-1)%len(pes), so that its re-registrations
// can take the same one.
func fill(ctx context.Context, pes []*asapload.Assoc, n int, poolOf func(uint32) string, life uint32) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(pes))
	var stop atomic.Bool
	for j, c := range pes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := j + 1; id <= n && ctx.Err() == nil && !stop.Load(); id += len(pes) {
				req, err := registration(uint32(id), poolOf(uint32(id)), life)
				if err == nil {
					_, err = c.Call(req, wire.ASAPRegistrationResponse)
				}
				if err != nil {
					errs <- fmt.Errorf("registering pool element %d of %d: %w", id, n, err)
					stop.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	return ctx.Err()
}
