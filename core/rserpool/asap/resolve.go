package asap

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"netcompat/core/rserpool/wire"
)

// Resolve returns up to items elements of pool handle (items <= 0: as many
// as the registrar gives by default) and the pool's policy, from the cache
// while it holds unexpired elements of the pool (Config.StaleCacheValue),
// else from the registrar. Unknown Pool Handle and rate-limit rejections
// are *RejectError values matching ErrUnknownPoolHandle and ErrRateLimited.
// A pool the registrar answers for without elements gives an empty slice
// and no error.
func (c *Client) Resolve(ctx context.Context, handle []byte, items int) ([]wire.PoolElement, wire.Policy, error) {
	return c.ResolveStale(ctx, handle, items, c.cfg.StaleCacheValue)
}

// ResolveStale is Resolve with the stale-cache value stale instead of the
// configured one (rsp_getaddrinfo's staleCacheValue); stale <= 0 bypasses
// the cache: the registrar is asked and its answer returned as it is.
func (c *Client) ResolveStale(ctx context.Context, handle []byte, items int, stale time.Duration) ([]wire.PoolElement, wire.Policy, error) {
	if err := checkHandle(handle); err != nil {
		return nil, wire.Policy{}, err
	}
	if stale > 0 {
		if pes, pol, ok := c.cache.lookup(handle, items, c.cfg.Now()); ok {
			return pes, pol, nil
		}
	}
	handle = slices.Clone(handle)
	req := &wire.HandleResolution{PoolHandle: handle}
	if items > 0 {
		req.HasItems, req.Items = true, uint32(min(items, math.MaxUint32))
	}
	msg, err := wire.AppendASAP(nil, req)
	if err != nil {
		return nil, wire.Policy{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	resp, err := c.request(ctx, msg, wire.ASAPHandleResolutionResponse, handle)
	if err != nil {
		return nil, wire.Policy{}, err
	}
	var hrr *wire.HandleResolutionResponse
	switch m := resp.(type) {
	case *wire.HandleResolutionResponse:
		if m.Error != nil || m.Reject {
			return nil, wire.Policy{}, newRejectError(wire.ASAPHandleResolution, handle, 0, m.Error)
		}
		hrr = m
	case *wire.ASAPErrorMessage:
		return nil, wire.Policy{}, newRejectError(wire.ASAPHandleResolution, handle, 0, &m.Error)
	default:
		return nil, wire.Policy{}, fmt.Errorf("asap: unexpected %T to a Handle Resolution", resp)
	}
	if stale > 0 && len(hrr.Elements) > 0 {
		c.cache.store(handle, hrr.Policy, hrr.Elements, c.cfg.Now().Add(stale))
		if pes, pol, ok := c.cache.lookup(handle, items, c.cfg.Now()); ok {
			return pes, pol, nil
		}
	}
	pes := hrr.Elements
	if items > 0 && len(pes) > items {
		pes = pes[:items]
	}
	if pes == nil {
		pes = []wire.PoolElement{}
	}
	return pes, hrr.Policy, nil
}

// ReportUnreachable tells the registrar that element id of pool handle
// could not be reached (Endpoint Unreachable) and drops it from the
// cache. No response is expected: it returns once the message is sent.
func (c *Client) ReportUnreachable(ctx context.Context, handle []byte, id uint32) error {
	if err := checkHandle(handle); err != nil {
		return err
	}
	c.cache.evict(handle, id)
	msg, err := wire.AppendASAP(nil, &wire.EndpointUnreachable{PoolHandle: handle, PEID: id})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return c.notify(ctx, msg)
}
