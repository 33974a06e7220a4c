package asap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"netcompat/core/rserpool/wire"
)

// request sends the encoded request msg to the home registrar and returns
// its response (of type want, or an *wire.ASAPErrorMessage).
//
// A response timeout drops the association and counts one trial; after
// RequestMaxTrials trials the request fails with ErrTimeout. The loss of
// the association before the response (the registrar died, or another
// request's timeout dropped it) sends the request again on the next
// association, up to MaxFailovers times.
func (c *Client) request(ctx context.Context, msg []byte, want wire.ASAPType, handle []byte) (wire.Message, error) {
	trials, losses := 0, 0
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		r, err := c.connection(ctx)
		if err != nil {
			return nil, err
		}
		p := r.request(msg, want, handle)
		if timer == nil {
			timer = time.NewTimer(c.cfg.ResponseTimeout)
		} else {
			timer.Reset(c.cfg.ResponseTimeout)
		}
		select {
		case rep := <-p.ch:
			timer.Stop()
			if rep.err == nil {
				return rep.msg, nil
			}
			if !errors.Is(rep.err, errAssocLost) {
				return nil, rep.err
			}
			if errors.Is(rep.err, errClientClosed) {
				return nil, ErrClosed
			}
			if losses++; losses > MaxFailovers {
				return nil, fmt.Errorf("%w: %v", ErrNoRegistrar, rep.err)
			}
		case <-timer.C:
			r.fail(errResponseTimeout)
			if trials++; trials >= c.cfg.RequestMaxTrials {
				return nil, ErrTimeout
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// notify sends the encoded message msg, which no response answers, to the
// home registrar, on a new association if the current one is lost.
func (c *Client) notify(ctx context.Context, msg []byte) error {
	for losses := 0; ; losses++ {
		r, err := c.connection(ctx)
		if err != nil {
			return err
		}
		err = r.notify(msg)
		if err == nil || !errors.Is(err, errAssocLost) {
			return err
		}
		if errors.Is(err, errClientClosed) {
			return ErrClosed
		}
		if losses >= MaxFailovers {
			return fmt.Errorf("%w: %v", ErrNoRegistrar, err)
		}
	}
}
