package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"netcompat/core/webtp"
)

// webtpOpen dials n connections from one client endpoint to one
// listener: all n share one pipe, one congestion controller.
func webtpOpen(e *env, n int) (*group, error) {
	g := &group{}
	var ln *webtp.Listener
	var err error
	for try := 0; try < 20; try++ {
		addr := fmt.Sprintf("%s:%d", e.srvIP, freshPort())
		err = e.srvDo(func() (err error) { ln, err = webtp.Listen("udp4", addr, nil); return })
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("webtp.Listen: %w", err)
	}
	g.closers = append(g.closers, func() { ln.Close() })
	local := &net.UDPAddr{IP: net.ParseIP(e.cliIP), Port: freshPort()}
	for range n {
		var c *webtp.Conn
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := e.cliDo(func() (err error) {
			c, err = webtp.Dial(ctx, "udp4", ln.Addr().String(), &webtp.DialOptions{LocalAddr: local})
			return
		})
		if err != nil {
			cancel()
			g.close()
			return nil, fmt.Errorf("webtp.Dial: %w", err)
		}
		s, err := ln.Accept(ctx)
		cancel()
		if err != nil {
			c.Close()
			g.close()
			return nil, fmt.Errorf("webtp Accept: %w", err)
		}
		c.SetSendBuffer(sendBuffer)
		closed := false
		g.closers = append(g.closers, func() {
			if !closed {
				c.Close()
			}
			s.Close()
		})
		g.flows = append(g.flows, &flow{
			stack: "webtp",
			send:  func(b []byte, flags byte) error { return c.Send(b, flags) },
			recv: func(ctx context.Context) ([]byte, bool, error) {
				a, err := s.Receive(ctx)
				return a.Data, a.Lost, err
			},
			finish: func() { closed = true; c.Close() },
		})
	}
	return g, nil
}
