package cbridge

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestErrno(t *testing.T) {
	cases := []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{syscall.EPIPE, syscall.EPIPE},
		{unix.EAGAIN, syscall.EAGAIN},
		{fmt.Errorf("wrapped: %w", syscall.ECONNRESET), syscall.ECONNRESET},
		{fmt.Errorf("twice: %w", fmt.Errorf("once: %w", syscall.EMSGSIZE)), syscall.EMSGSIZE},
		{&os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}, syscall.ECONNREFUSED},
		{Errorf(syscall.EPROTO, "bad"), syscall.EPROTO},
		{fmt.Errorf("ctx: %w", Errorf(syscall.ENOTCONN, "closed")), syscall.ENOTCONN},
		{errors.New("no errno"), syscall.EIO},
		{io.EOF, syscall.EIO},
		{syscall.Errno(0), syscall.EIO}, // a zero errno must not read as success
	}
	for _, c := range cases {
		if got := Errno(c.err); got != c.want {
			t.Errorf("Errno(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestErrorf(t *testing.T) {
	err := Errorf(syscall.EMSGSIZE, "packet too big")
	if err.Error() != "packet too big" {
		t.Fatalf("message %q", err.Error())
	}
	if !errors.Is(err, syscall.EMSGSIZE) || errors.Is(err, syscall.EINVAL) {
		t.Fatal("errors.Is does not see the errno")
	}
	var e *Error
	if !errors.As(err, &e) || e.Errno != syscall.EMSGSIZE {
		t.Fatal("errors.As does not find *Error")
	}
}

func TestHandlesNeverReused(t *testing.T) {
	h := NewHandles[string](100)
	a := h.Add("a")
	b := h.Add("b")
	if a != 100 || b != 101 {
		t.Fatalf("handles %d %d, want 100 101", a, b)
	}
	if v, ok := h.Get(a); !ok || v != "a" {
		t.Fatalf("Get(a) = %q %v", v, ok)
	}
	if v, ok := h.Remove(a); !ok || v != "a" {
		t.Fatalf("Remove(a) = %q %v", v, ok)
	}
	if _, ok := h.Get(a); ok {
		t.Fatal("removed handle still resolves")
	}
	if _, ok := h.Remove(a); ok {
		t.Fatal("removing twice succeeded")
	}
	c := h.Add("c")
	if c == a || c == b || c != 102 {
		t.Fatalf("new handle %d reuses or skips", c)
	}
	if h.Len() != 2 {
		t.Fatalf("Len %d, want 2", h.Len())
	}
	if _, ok := h.Get(0); ok {
		t.Fatal("handle 0 resolves")
	}
	if _, ok := h.Get(-1); ok {
		t.Fatal("handle -1 resolves")
	}
}

func TestHandlesConcurrent(t *testing.T) {
	h := NewHandles[int](1)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	ids := make([][]int32, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := h.Add(w*each + i)
				if v, ok := h.Get(id); !ok || v != w*each+i {
					t.Errorf("Get(%d) = %d %v", id, v, ok)
				}
				if i%2 == 0 {
					if v, ok := h.Remove(id); !ok || v != w*each+i {
						t.Errorf("Remove(%d) = %d %v", id, v, ok)
					}
				}
				ids[w] = append(ids[w], id)
				h.Len()
			}
		}()
	}
	wg.Wait()
	seen := make(map[int32]bool)
	for _, l := range ids {
		for _, id := range l {
			if seen[id] {
				t.Fatalf("handle %d handed out twice", id)
			}
			seen[id] = true
		}
	}
	if h.Len() != workers*each/2 {
		t.Fatalf("Len %d, want %d", h.Len(), workers*each/2)
	}
}

func readable(t *testing.T, fd int) bool {
	t.Helper()
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(pfd, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return n > 0 && pfd[0].Revents&unix.POLLIN != 0
	}
}

func TestNotifier(t *testing.T) {
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	fdFlags, err := unix.FcntlInt(uintptr(n.Fd()), unix.F_GETFD, 0)
	if err != nil || fdFlags&unix.FD_CLOEXEC == 0 {
		t.Fatalf("notifier is not close-on-exec: %#x %v", fdFlags, err)
	}
	if readable(t, n.Fd()) {
		t.Fatal("readable before Signal")
	}
	n.Clear() // clearing an unsignalled notifier must not block
	n.Signal()
	if !readable(t, n.Fd()) {
		t.Fatal("not readable after Signal")
	}
	n.Signal()
	n.Signal()
	if !readable(t, n.Fd()) {
		t.Fatal("not readable after repeated Signal")
	}
	n.Clear()
	if readable(t, n.Fd()) {
		t.Fatal("readable after Clear")
	}
	n.Signal()
	if !readable(t, n.Fd()) {
		t.Fatal("not readable after Signal following Clear")
	}
}

func cloexec(t *testing.T, fd int) bool {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("F_GETFD(%d): %v", fd, err)
	}
	return fl&unix.FD_CLOEXEC != 0
}

func TestMoveHigh(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur <= lowFDs {
		t.Skipf("RLIMIT_NOFILE is %d; descriptors >= %d cannot be opened", lim.Cur, lowFDs)
	}
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil { // deliberately without O_CLOEXEC
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	fd := MoveHigh(p[0])
	defer unix.Close(fd)
	if fd < lowFDs {
		t.Fatalf("MoveHigh returned %d, want >= %d", fd, lowFDs)
	}
	if !cloexec(t, fd) {
		t.Fatal("moved descriptor is not close-on-exec")
	}
	// The new descriptor is the same pipe.
	if _, err := unix.Write(p[1], []byte("x")); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, err := unix.Read(fd, b[:]); n != 1 || err != nil || b[0] != 'x' {
		t.Fatalf("read from moved fd: %d %v", n, err)
	}
	// The old number was released. (Nothing else in this test binary opens
	// descriptors concurrently, so it cannot have been taken again.)
	if _, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("old descriptor %d still open: %v", p[0], err)
	}
}

func TestMoveHighKeepsFdWhenLimitIsLow(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	if p[0] >= 512 {
		t.Skipf("pipe got descriptor %d; cannot lower the limit below it", p[0])
	}
	low := lim
	low.Cur = 512
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	fd := MoveHigh(p[0])
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if fd != p[0] {
		t.Fatalf("MoveHigh returned %d, want the original %d", fd, p[0])
	}
	if _, err := unix.Write(p[1], []byte("y")); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, err := unix.Read(fd, b[:]); n != 1 || err != nil || b[0] != 'y' {
		t.Fatalf("descriptor unusable after a failed move: %d %v", n, err)
	}
}
