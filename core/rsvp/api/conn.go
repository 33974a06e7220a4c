package api

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"
)

// MaxMessage is the longest datagram either side sends.
const MaxMessage = 1 << 20

// SocketEnv names the environment variable with the API socket's path.
const SocketEnv = "RSVP_API_SOCKET"

// SocketPath is where the API socket is: RSVP_API_SOCKET when set, else
// configured when not empty, else def.
func SocketPath(configured, def string) string {
	if p := os.Getenv(SocketEnv); p != "" {
		return p
	}
	if configured != "" {
		return configured
	}
	return def
}

// Conn is one API connection: datagrams of JSON over SOCK_SEQPACKET.
type Conn struct {
	c   *net.UnixConn
	buf []byte
}

// NewConn wraps an accepted or dialled unixpacket connection.
func NewConn(c *net.UnixConn) *Conn { return &Conn{c: c} }

// Send writes v as one datagram.
func (c *Conn) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxMessage {
		return fmt.Errorf("api: a message of %d bytes, at most %d", len(b), MaxMessage)
	}
	_, err = c.c.Write(b)
	return err
}

// Recv reads one datagram; the slice is valid until the next Recv.
func (c *Conn) Recv() ([]byte, error) {
	if c.buf == nil {
		c.buf = make([]byte, MaxMessage)
	}
	n, err := c.c.Read(c.buf)
	if err != nil {
		return nil, err
	}
	return c.buf[:n], nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// SetWriteDeadline bounds Send (a daemon must not wait for a client that
// does not read).
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.c.SetWriteDeadline(t) }
