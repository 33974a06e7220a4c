package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"sync"
)

// ErrClosed is returned by calls on a closed client or one whose daemon
// went away.
var ErrClosed = errors.New("api: connection to rsvpd closed")

// Client is a connection to rsvpd. Its calls may be made from any
// goroutine; events arrive in order on Events.
type Client struct {
	conn *Conn

	mu      sync.Mutex
	seq     uint32
	waiting map[uint32]chan *Reply
	err     error // set when the reader stops

	events chan *Event
	done   chan struct{}
}

// Dial connects to rsvpd's API socket at path.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unixpacket", path)
	if err != nil {
		return nil, err
	}
	cl := &Client{
		conn:    NewConn(c.(*net.UnixConn)),
		waiting: make(map[uint32]chan *Reply),
		events:  make(chan *Event, 1024),
		done:    make(chan struct{}),
	}
	go cl.read()
	return cl, nil
}

// Events delivers the events of every API session of the client; it is
// closed when the connection ends. Read it: a client whose buffer of
// 1024 events is full stops reading replies too.
func (c *Client) Events() <-chan *Event { return c.events }

func (c *Client) read() {
	defer close(c.events)
	defer close(c.done)
	for {
		b, err := c.conn.Recv()
		if err != nil {
			c.fail(ErrClosed)
			return
		}
		m, err := decodeMessage(b)
		if err != nil {
			c.fail(err)
			c.conn.Close()
			return
		}
		if m.Event != nil {
			c.events <- m.Event
			continue
		}
		c.mu.Lock()
		ch := c.waiting[m.Reply.Reply]
		if !m.Reply.More {
			delete(c.waiting, m.Reply.Reply)
		}
		c.mu.Unlock()
		if ch != nil {
			ch <- m.Reply
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	for seq, ch := range c.waiting {
		close(ch)
		delete(c.waiting, seq)
	}
}

// call sends r and waits for its reply.
func (c *Client) call(ctx context.Context, r *Request) (*Reply, error) {
	ch := make(chan *Reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.seq++
	r.Seq = c.seq
	c.waiting[r.Seq] = ch
	err := c.conn.Send(r)
	if err != nil {
		delete(c.waiting, r.Seq)
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var chunks []byte
	for {
		select {
		case rep, ok := <-ch:
			if !ok {
				return nil, ErrClosed
			}
			if rep.Error != nil {
				return rep, rep.Error
			}
			if rep.Chunk != "" || rep.More {
				chunks = append(chunks, rep.Chunk...)
				if rep.More {
					continue
				}
				rep.Status = chunks
			}
			return rep, nil
		case <-ctx.Done():
			// The reply still comes (or the connection ends): take it
			// off the reader's hands so that it never blocks on ch.
			go func() {
				for rep := range ch {
					if !rep.More {
						return
					}
				}
			}()
			return nil, ctx.Err()
		}
	}
}

// Session opens an API session for s and returns its sid.
func (c *Client) Session(ctx context.Context, s SessionSpec) (uint32, error) {
	rep, err := c.call(ctx, &Request{Op: OpSession, Session: &s})
	if err != nil {
		return 0, err
	}
	return rep.SID, nil
}

// Sender sets the session's sender; nil withdraws it.
func (c *Client) Sender(ctx context.Context, sid uint32, s *SenderSpec) error {
	_, err := c.call(ctx, &Request{Op: OpSender, SID: sid, Sender: s})
	return err
}

// Reserve sets the session's reservation; nil (or no flowspec) removes it.
func (c *Client) Reserve(ctx context.Context, sid uint32, r *ReserveSpec) error {
	_, err := c.call(ctx, &Request{Op: OpReserve, SID: sid, Reserve: r})
	return err
}

// Release ends the API session.
func (c *Client) Release(ctx context.Context, sid uint32) error {
	_, err := c.call(ctx, &Request{Op: OpRelease, SID: sid})
	return err
}

// NoSignal installs the "no signalling" reservation s asks for (s.Install
// is set here) and returns its handle and the name of the rule used.
// Errors: RAPI_ERR_INVAL when no configured rule matches (Text says so)
// or the request is malformed; an RSVP admission control failure (Code 1)
// when the interface's pool cannot take it.
func (c *Client) NoSignal(ctx context.Context, s NoSignalSpec) (uint64, string, error) {
	s.Install, s.Handle = true, 0
	rep, err := c.call(ctx, &Request{Op: OpNoSignal, NoSignal: &s})
	if err != nil {
		return 0, "", err
	}
	return rep.Handle, rep.Rule, nil
}

// NoSignalRemove removes the no-signalling reservation handle.
func (c *Client) NoSignalRemove(ctx context.Context, handle uint64) error {
	_, err := c.call(ctx, &Request{Op: OpNoSignal, NoSignal: &NoSignalSpec{Handle: handle}})
	return err
}

// Status returns the daemon's state as JSON.
func (c *Client) Status(ctx context.Context) (json.RawMessage, error) {
	rep, err := c.call(ctx, &Request{Op: OpStatus})
	if err != nil {
		return nil, err
	}
	return rep.Status, nil
}

// Close ends the connection; rsvpd releases every session of it.
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}
