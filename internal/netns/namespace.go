package netns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ErrClosed is returned by the methods of a Namespace after Close.
var ErrClosed = errors.New("netns: namespace closed")

// Namespace is one anonymous network namespace, alive while it is open
// (or while a process is still inside it). Its methods are safe for
// concurrent use.
type Namespace struct {
	name string

	mu     sync.Mutex
	fd     int // -1 once closed
	handle *netlink.Handle
}

// New creates a namespace for the test and registers its removal with
// tb.Cleanup, which runs whether the test passes or fails. The name is
// prefix plus a random suffix. New skips the test (or fails it, see the
// package documentation) when namespaces cannot be created here.
func New(tb testing.TB, prefix string) *Namespace {
	tb.Helper()
	Require(tb)
	ns, err := Create(UniqueName(prefix))
	if err != nil {
		tb.Fatalf("netns: %v", err)
	}
	tb.Cleanup(func() {
		if err := ns.Close(); err != nil {
			tb.Errorf("netns: close %s: %v", ns.name, err)
		}
	})
	return ns
}

// UniqueName returns prefix, a dash and 8 random hex digits.
func UniqueName(prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	if prefix == "" {
		prefix = "ns"
	}
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Create makes a new network namespace with its loopback interface up and
// IPv6 duplicate address detection off. The caller must Close it.
func Create(name string) (*Namespace, error) {
	fd := -1
	err := onFreshThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
		}
		var err error
		fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open new namespace: %w", err)
		}
		return nil
	})
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	ns := &Namespace{name: name, fd: fd}
	if err := ns.setup(); err != nil {
		ns.Close()
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return ns, nil
}

// setup prepares what every test namespace needs before any interface is
// added: DAD off for interfaces created later (the default entry is
// copied into each new interface) and loopback up.
func (ns *Namespace) setup() error {
	for _, kv := range [][2]string{
		{"net.ipv6.conf.all.accept_dad", "0"},
		{"net.ipv6.conf.default.accept_dad", "0"},
	} {
		if err := ns.Sysctl(kv[0], kv[1]); err != nil {
			return err
		}
	}
	h, err := ns.Netlink()
	if err != nil {
		return err
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	return nil
}

// Name is the namespace's unique name, for messages.
func (ns *Namespace) Name() string { return ns.name }

func (ns *Namespace) String() string { return ns.name }

// Fd is the descriptor holding the namespace, e.g. for
// netlink.NsFd(ns.Fd()) or vishvananda/netns.NsHandle(ns.Fd()). It stays
// valid until Close.
func (ns *Namespace) Fd() int {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.fd
}

// Path names the namespace for other programs while the test process
// lives: /proc/PID/fd/N (e.g. `nsenter --net=PATH`).
func (ns *Namespace) Path() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ns.Fd())
}

// Netlink returns a netlink handle whose sockets live in the namespace,
// created on first use and closed by Close. It is safe for concurrent use.
// Do not use it after Close: vishvananda/netlink then silently falls back
// to fresh sockets in the calling thread's namespace, the test's own.
// (Cleanups run last-in first-out, so objects built on the handle after
// the namespace was created are cleaned up before it closes.)
func (ns *Namespace) Netlink() (*netlink.Handle, error) {
	ns.mu.Lock()
	if ns.fd < 0 {
		ns.mu.Unlock()
		return nil, ErrClosed
	}
	if h := ns.handle; h != nil {
		ns.mu.Unlock()
		return h, nil
	}
	ns.mu.Unlock()

	// The sockets are opened on a thread inside the namespace, so they
	// belong to it for good; Do (not netlink's own setns helper) makes sure
	// that thread never returns to the scheduler in the wrong namespace.
	var h *netlink.Handle
	err := ns.Do(func() error {
		var err error
		h, err = netlink.NewHandle()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: netlink handle: %w", ns.name, err)
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	switch {
	case ns.fd < 0:
		h.Close()
		return nil, ErrClosed
	case ns.handle != nil: // lost a race with another caller
		h.Close()
	default:
		ns.handle = h
	}
	return ns.handle, nil
}

// Close releases the namespace. The kernel removes it (asynchronously)
// once no process is left inside; processes started with Start must be
// stopped by the caller. Close is idempotent.
func (ns *Namespace) Close() error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.fd < 0 {
		return nil
	}
	if ns.handle != nil {
		ns.handle.Close()
		ns.handle = nil
	}
	err := unix.Close(ns.fd)
	ns.fd = -1
	return err
}

// Inode identifies the namespace: it equals the inode of
// /proc/PID/ns/net of every process inside it.
func (ns *Namespace) Inode() (uint64, error) {
	fd := ns.Fd()
	if fd < 0 {
		return 0, ErrClosed
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// onFreshThread runs f on an OS thread of its own and gives the thread
// back to the scheduler only if it is still in the namespace it started
// in; otherwise the goroutine ends locked and Go discards the thread.
// A panic in f is re-raised in the caller.
func onFreshThread(f func() error) error {
	type result struct {
		err      error
		panicked bool
		value    any
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var res result
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("open current namespace: %w", err)}
			return
		}
		defer func() { done <- res }()
		defer unix.Close(orig)
		func() {
			defer func() {
				if v := recover(); v != nil {
					res.panicked, res.value = true, v
				}
			}()
			res.err = f()
		}()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			if res.err == nil {
				res.err = fmt.Errorf("restore namespace: %w", err)
			}
			return // still locked: the thread dies with this goroutine
		}
		runtime.UnlockOSThread()
	}()
	res := <-done
	if res.panicked {
		panic(res.value)
	}
	return res.err
}
