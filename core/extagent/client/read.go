package client

import (
	"encoding/binary"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"
	"netcompat/core/extagent"
	"netcompat/core/extagent/wire"
)

// Read returns the next data packet. Without block it never waits: when the
// packet is not complete yet it returns complete == false and the octets of
// the packet received so far (nil before any), which stay owned by the
// connection and valid until the next call. A complete packet's buffer
// comes from the Allocator and belongs to the caller.
//
// Read never takes from the kernel more than the rest of the current packet
// and the next packet's length field, so a complete packet is never left
// waiting in user space while select(2) on Fd says there is nothing to read.
func (c *Conn) Read(block bool) (data []byte, complete bool, err error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rerr != nil {
		return nil, false, c.rerr
	}
	if c.closed.Load() {
		return nil, false, syscall.EBADF
	}
	flags := unix.MSG_DONTWAIT
	if block {
		flags = 0
	}
	for {
		if c.nhdr < wire.HeaderLen {
			n, err := c.recv([][]byte{c.hdr[c.nhdr:]}, flags)
			if err != nil {
				return c.unfinished(err)
			}
			c.nhdr += n
			continue
		}
		if err := c.oversize(); err != nil {
			return nil, false, c.fail(err)
		}
		var dst []byte // where the rest of the current packet goes
		if l := binary.BigEndian.Uint32(c.hdr[:]); l == 0 {
			dst = c.ctl[c.got:]
		} else {
			if !c.greeted {
				// Refuse on the length field: waiting for (and allocating)
				// the body of a packet that cannot be delivered would only
				// hand out partial octets of it first.
				return nil, false, c.fail(cbridge.Errorf(syscall.EPROTO, "extagent: server sent data before its greeting"))
			}
			if c.body == nil {
				c.body = c.alloc.Alloc(int(l))
			}
			dst = c.body[c.got:]
		}
		if len(dst) > 0 {
			n, err := c.recv([][]byte{dst, c.next[:]}, flags)
			if err != nil {
				return c.unfinished(err)
			}
			if n <= len(dst) {
				c.got += n
				continue
			}
			c.got += len(dst)
			c.nextLen = n - len(dst)
		}
		data, err := c.packetDone()
		if err != nil {
			return nil, false, c.fail(err)
		}
		if data != nil {
			// The next packet's length field may have come with this packet.
			// If it is over the limit, fail now rather than on the next
			// call: no more octets need arrive, so select() would not wake
			// the program for that call. Failing shuts the socket down,
			// which makes it readable.
			if err := c.oversize(); err != nil {
				c.fail(err)
			}
			return data, true, nil
		}
	}
}

// oversize checks the length field of the packet in progress, once it is
// complete, against the limit.
func (c *Conn) oversize() error {
	if c.nhdr < wire.HeaderLen {
		return nil
	}
	if l := binary.BigEndian.Uint32(c.hdr[:]); l > uint32(c.cfg.MaxPacket) {
		return cbridge.Errorf(syscall.EMSGSIZE,
			fmt.Sprintf("extagent: server sent a packet of %d octets, over the maximum %d", l, c.cfg.MaxPacket))
	}
	return nil
}

// recv reads into iov, mapping end of stream to ErrClosed.
func (c *Conn) recv(iov [][]byte, flags int) (int, error) {
	for {
		n, _, _, _, err := unix.RecvmsgBuffers(c.fd, iov, nil, flags)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, ErrClosed
		}
		return n, nil
	}
}

// unfinished turns a read error into Read's result: EAGAIN means "not yet",
// anything else ends the read side.
func (c *Conn) unfinished(err error) ([]byte, bool, error) {
	if err == unix.EAGAIN {
		var partial []byte
		if c.body != nil {
			partial = c.body[:c.got]
		}
		return partial, false, nil
	}
	return nil, false, c.fail(err)
}

// packetDone consumes the packet just completed. It returns the data of a
// data packet, or nil after a control packet that Read should read past.
func (c *Conn) packetDone() ([]byte, error) {
	data := c.body
	isControl := data == nil
	c.body, c.got = nil, 0
	c.hdr, c.nhdr, c.nextLen = c.next, c.nextLen, 0

	if isControl {
		f := wire.Frame{Kind: wire.KindControl}
		f.Command, f.Arg = wire.ParseControl(c.ctl[:])
		if !c.greeted {
			if err := extagent.CheckServerGreeting(f); err != nil {
				return nil, cbridge.Errorf(syscall.ECONNREFUSED, err.Error())
			}
			c.greeted = true
			return nil, nil
		}
		if f.Command == wire.CmdClose {
			return nil, ErrClosed
		}
		return nil, cbridge.Errorf(syscall.EPROTO, fmt.Sprintf("extagent: unexpected control packet %s(%d)", f.Command, f.Arg))
	}
	return data, nil
}

// fail ends the read side for good and stops the write side too: after a
// close, a protocol error or a broken socket the connection is finished.
func (c *Conn) fail(err error) error {
	c.rerr = err
	if c.body != nil {
		c.alloc.Free(c.body)
		c.body, c.got = nil, 0
	}
	unix.Shutdown(c.fd, unix.SHUT_RDWR)
	return err
}

// Close says goodbye to the server, when it still can without blocking, and
// releases the socket. Calls blocked in Read or Send on other threads return.
func (c *Conn) Close() error { return c.close(true) }

// CloseSilently closes like Close but sends no goodbye: for a caller that
// writes packets to Fd itself (the C layer's send path) and so owns the
// write side, goodbye included.
func (c *Conn) CloseSilently() error { return c.close(false) }

func (c *Conn) close(goodbye bool) error {
	if c.closed.Swap(true) {
		return syscall.EBADF
	}
	if goodbye && c.wmu.TryLock() {
		if c.werr == nil {
			bye := wire.AppendControl(nil, wire.CmdClose, wire.CloseNormal)
			unix.SendmsgBuffers(c.fd, [][]byte{bye}, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		}
		c.wmu.Unlock()
	}
	unix.Shutdown(c.fd, unix.SHUT_RDWR) // wakes blocked readers and writers
	c.rmu.Lock()
	c.wmu.Lock()
	if c.body != nil {
		c.alloc.Free(c.body)
		c.body = nil
	}
	err := unix.Close(c.fd)
	c.wmu.Unlock()
	c.rmu.Unlock()
	return err
}
