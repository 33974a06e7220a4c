package netns

import (
	"fmt"
	"net"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Do runs f on an OS thread that is inside the namespace and returns f's
// error. Only that thread is inside: goroutines f starts are not. What f
// creates there (sockets, netlink handles) keeps belonging to the
// namespace afterwards and may be used from anywhere. f must not call
// t.FailNow and friends, since it does not run on the test's goroutine;
// return an error instead. A panic in f is re-raised in the caller.
func (ns *Namespace) Do(f func() error) error {
	ns.mu.Lock()
	if ns.fd < 0 {
		ns.mu.Unlock()
		return ErrClosed
	}
	// A duplicate keeps the namespace reachable even if Close runs while
	// f does.
	fd, err := unix.FcntlInt(uintptr(ns.fd), unix.F_DUPFD_CLOEXEC, 0)
	ns.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: dup: %w", ns.name, err)
	}
	defer unix.Close(fd)
	return onFreshThread(func() error {
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("%s: setns: %w", ns.name, err)
		}
		return f()
	})
}

// Sysctl writes a network sysctl inside the namespace, with the key in
// dotted form ("net.ipv4.ip_forward") or as a path under /proc/sys.
// /proc/sys/net resolves against the calling thread's namespace, which
// inside Do is this one.
func (ns *Namespace) Sysctl(key, value string) error {
	p := key
	if !strings.HasPrefix(p, "/") {
		p = path.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	}
	return ns.Do(func() error {
		if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
			return fmt.Errorf("%s: sysctl %s=%s: %w", ns.name, key, value, err)
		}
		return nil
	})
}

// ReadSysctl reads a network sysctl inside the namespace (see Sysctl).
func (ns *Namespace) ReadSysctl(key string) (string, error) {
	p := key
	if !strings.HasPrefix(p, "/") {
		p = path.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	}
	var v string
	err := ns.Do(func() error {
		b, err := os.ReadFile(p)
		v = strings.TrimSpace(string(b))
		return err
	})
	return v, err
}

// ListenPacket is net.ListenPacket inside the namespace.
func (ns *Namespace) ListenPacket(network, address string) (net.PacketConn, error) {
	var c net.PacketConn
	err := ns.Do(func() error {
		var err error
		c, err = net.ListenPacket(network, address)
		return err
	})
	return c, err
}

// Listen is net.Listen inside the namespace.
func (ns *Namespace) Listen(network, address string) (net.Listener, error) {
	var l net.Listener
	err := ns.Do(func() error {
		var err error
		l, err = net.Listen(network, address)
		return err
	})
	return l, err
}

// Dial is net.Dial inside the namespace (the socket is created, bound
// and connected there).
func (ns *Namespace) Dial(network, address string) (net.Conn, error) {
	var c net.Conn
	err := ns.Do(func() error {
		var err error
		c, err = net.Dial(network, address)
		return err
	})
	return c, err
}
