package udpio

import (
	"errors"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Unreachable is one ICMP error the kernel queued on the socket: the
// destination a datagram of ours could not reach, and why.
type Unreachable struct {
	Addr  netip.AddrPort
	Errno syscall.Errno // ECONNREFUSED for a closed port, EHOSTUNREACH, ...
}

// IsICMPError reports whether a ReadBatch error only announces queued
// ICMP errors (read them with ReadErrors); the socket is fine.
func IsICMPError(err error) bool {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return false
	}
	switch en {
	case unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EHOSTDOWN, unix.EMSGSIZE, unix.EPROTO:
		return true
	}
	return false
}

// ReadErrors drains the socket's error queue (MSG_ERRQUEUE) and calls f
// for each ICMP error with the destination it concerns. It never blocks.
// It must not run concurrently with ReadBatch.
func (c *Conn) ReadErrors(f func(Unreachable)) error {
	var name [unix.SizeofSockaddrInet6]byte
	var ctl [512]byte
	var data [64]byte
	var err error
	rerr := c.raw.Read(func(fd uintptr) bool {
		for {
			iov := unix.Iovec{Base: &data[0]}
			iov.SetLen(len(data))
			h := unix.Msghdr{Name: &name[0], Namelen: uint32(len(name)), Iov: &iov, Iovlen: 1, Control: &ctl[0]}
			h.SetControllen(len(ctl))
			_, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&h)), unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				if e != unix.EAGAIN {
					err = e
				}
				return true // done: nothing more queued
			}
			addr, ok := sockaddrAddrPort(name[:h.Namelen])
			if !ok {
				continue
			}
			cmsgs, perr := unix.ParseSocketControlMessage(ctl[:h.Controllen])
			if perr != nil {
				continue
			}
			for _, m := range cmsgs {
				if (m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR) ||
					(m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_RECVERR) {
					if len(m.Data) >= int(unsafe.Sizeof(unix.SockExtendedErr{})) {
						ee := (*unix.SockExtendedErr)(unsafe.Pointer(&m.Data[0]))
						f(Unreachable{Addr: addr, Errno: syscall.Errno(ee.Errno)})
					}
				}
			}
		}
	})
	if rerr != nil {
		return c.mapErr(rerr)
	}
	return err
}

// sockaddrAddrPort decodes a raw sockaddr_in or sockaddr_in6.
func sockaddrAddrPort(b []byte) (netip.AddrPort, bool) {
	if len(b) < 2 {
		return netip.AddrPort{}, false
	}
	switch *(*uint16)(unsafe.Pointer(&b[0])) {
	case unix.AF_INET:
		if len(b) < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&b[0]))
		port := uint16(sa.Port>>8) | uint16(sa.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port), true
	case unix.AF_INET6:
		if len(b) < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&b[0]))
		port := uint16(sa.Port>>8) | uint16(sa.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}
