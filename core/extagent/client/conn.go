// Package client is the agent side of the external-agent protocol: the
// engine behind ssexact_initialize, ssexact_send, ssexact_read and
// ssexact_close.
//
// Every call runs on its caller's thread with plain system calls on the
// connection's own socket: no goroutine sits between a C program and its
// data, and the descriptor ssexact_fd returns is that socket, so select(2)
// on it means exactly "a read can make progress".
package client

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"
	"netcompat/core/extagent"
	"netcompat/core/extagent/wire"
)

// ErrClosed is returned once the server has closed the connection.
var ErrClosed = cbridge.Errorf(syscall.ECONNRESET, "extagent: connection closed by the server")

// Conn is one agent's connection to a SchemeStation domain.
type Conn struct {
	fd     int
	cfg    extagent.Config
	alloc  Allocator
	closed atomic.Bool

	rmu     sync.Mutex // the read side
	hdr     [wire.HeaderLen]byte
	nhdr    int                  // octets of hdr received
	next    [wire.HeaderLen]byte // the following packet's length field, read ahead
	nextLen int
	ctl     [wire.ControlLen]byte
	body    []byte // the data packet being received, from alloc
	got     int    // octets of the current packet's body received
	greeted bool   // the server's greeting has been read
	rerr    error  // sticky: the read side is finished

	wmu  sync.Mutex // the write side
	werr error
}

// Dial connects to a domain's external-agent port and greets it. hostname
// may be empty, then ipaddr (sin_addr.s_addr) is used.
func Dial(hostname string, ipaddr uint32, port uint16, cfg extagent.Config, alloc Allocator) (*Conn, error) {
	if port == 0 {
		return nil, cbridge.Errorf(syscall.EINVAL, "extagent: port 0")
	}
	addrs, err := resolve(hostname, ipaddr)
	if err != nil {
		return nil, err
	}
	fd, err := connectTCP(addrs, port)
	if err != nil {
		return nil, err
	}
	c := &Conn{fd: fd, cfg: cfg, alloc: alloc}
	if err := c.write([][]byte{extagent.Greeting(wire.Version)}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return c, nil
}

// Fd is the connection's socket.
func (c *Conn) Fd() int { return c.fd }

// MaxPacket is the largest data packet the connection sends or accepts.
func (c *Conn) MaxPacket() int { return c.cfg.MaxPacket }

// Send writes one data packet, blocking until the kernel has taken all of it.
func (c *Conn) Send(data []byte) error {
	if err := c.cfg.CheckOutgoing(len(data)); err != nil {
		return err
	}
	var hdr [wire.HeaderLen]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(data)))
	return c.write([][]byte{hdr[:], data})
}

func (c *Conn) write(iov [][]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	if c.closed.Load() {
		return syscall.EBADF
	}
	for len(iov) > 0 {
		n, err := unix.SendmsgBuffers(c.fd, iov, nil, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			c.werr = err
			return err
		}
		for n > 0 && len(iov) > 0 {
			if n >= len(iov[0]) {
				n -= len(iov[0])
				iov = iov[1:]
			} else {
				iov[0] = iov[0][n:]
				n = 0
			}
		}
	}
	return nil
}
