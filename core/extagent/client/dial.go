package client

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// resolve turns the legacy (hostname, ipaddr) pair into addresses to try.
// hostname wins when present; otherwise ipaddr holds sin_addr.s_addr, that
// is the address octets in network order as they lie in memory.
func resolve(hostname string, ipaddr uint32) ([]netip.Addr, error) {
	if hostname == "" {
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], ipaddr)
		return []netip.Addr{netip.AddrFrom4(b)}, nil
	}
	if a, err := netip.ParseAddr(hostname); err == nil {
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", hostname)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("extagent: cannot resolve %q: %w", hostname, syscall.EHOSTUNREACH)
	}
	return ips, nil
}

// connectTCP returns a connected, blocking, close-on-exec TCP socket.
func connectTCP(addrs []netip.Addr, port uint16) (int, error) {
	var lastErr error = syscall.EHOSTUNREACH
	for _, a := range addrs {
		a = a.Unmap()
		// Build only the sockaddr of the address's own family: As4 panics
		// on an IPv6 address.
		family, sa := unix.AF_INET6, unix.Sockaddr(&unix.SockaddrInet6{Port: int(port), Addr: a.As16()})
		if a.Is4() {
			family, sa = unix.AF_INET, &unix.SockaddrInet4{Port: int(port), Addr: a.As4()}
		}
		fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
		if err != nil {
			lastErr = err
			continue
		}
		if err = connect(fd, sa); err != nil {
			unix.Close(fd)
			lastErr = err
			continue
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		return fd, nil
	}
	return -1, lastErr
}

// connect is a blocking connect(2) that survives EINTR: an interrupted
// connect goes on in the kernel, so wait for it instead of starting over.
func connect(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	if err != unix.EINTR {
		return err
	}
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
			return err
		}
		if pfd[0].Revents != 0 {
			break
		}
	}
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soerr != 0 {
		return syscall.Errno(soerr)
	}
	return nil
}
