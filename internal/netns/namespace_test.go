package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary act as a child process for TestStart.
const helperEnv = "NETNS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "inode":
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(st.Ino)
		os.Exit(0)
	case "block":
		var b [1]byte
		os.Stdin.Read(b[:]) // until the parent kills us
		os.Exit(0)
	}
	os.Exit(2)
}

func selfInode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// threadsInNamespace checks that every thread of the process is still in
// the namespace the test started in: Do must never leak a thread.
func threadsInNamespace(t *testing.T, want uint64) {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tasks {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // thread exited meanwhile
			}
			t.Fatal(err)
		}
		if st.Ino != want {
			t.Errorf("%s is in namespace %d, want %d", p, st.Ino, want)
		}
	}
}

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestCreateClose(t *testing.T) {
	Require(t)
	root := selfInode(t, "/proc/self/ns/net")
	before := openFds(t)
	// Twenty at once: all distinct while open. (Once closed, the kernel
	// may hand an inode number out again.)
	seen := map[uint64]bool{root: true}
	var all []*Namespace
	for i := 0; i < 20; i++ {
		ns, err := Create(UniqueName("cc"))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ns)
		ino, err := ns.Inode()
		if err != nil {
			t.Fatal(err)
		}
		if seen[ino] {
			t.Fatalf("namespace %d handed out twice", ino)
		}
		seen[ino] = true
		h, err := ns.Netlink()
		if err != nil {
			t.Fatal(err)
		}
		links, err := h.LinkList()
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].Attrs().Name != "lo" || links[0].Attrs().Flags&net.FlagUp == 0 {
			t.Fatalf("a new namespace should hold only lo, up; got %d links", len(links))
		}
		if v, err := ns.ReadSysctl("net.ipv6.conf.default.accept_dad"); err != nil || v != "0" {
			t.Fatalf("accept_dad = %q, %v; want 0", v, err)
		}
	}
	for _, ns := range all {
		if err := ns.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ns.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := ns.Do(func() error { return nil }); !errors.Is(err, ErrClosed) {
			t.Fatalf("Do after Close: %v, want ErrClosed", err)
		}
		if _, err := ns.Netlink(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Netlink after Close: %v, want ErrClosed", err)
		}
		if _, err := ns.Inode(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Inode after Close: %v, want ErrClosed", err)
		}
	}
	if after := openFds(t); after != before {
		t.Errorf("open descriptors: %d before, %d after 20 namespaces", before, after)
	}
	threadsInNamespace(t, root)
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("x"), UniqueName("x")
	if a == b || !strings.HasPrefix(a, "x-") || len(a) != len("x-")+8 {
		t.Fatalf("UniqueName gave %q and %q", a, b)
	}
}

func TestDoRunsInside(t *testing.T) {
	ns := New(t, "do")
	root := selfInode(t, "/proc/self/ns/net")
	want, err := ns.Inode()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		var got uint64
		err := ns.Do(func() error {
			var st unix.Stat_t
			if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
				return err
			}
			got = st.Ino
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("inside Do: namespace %d, want %d", got, want)
		}
	}
	sentinel := errors.New("sentinel")
	if err := ns.Do(func() error { return sentinel }); !errors.Is(err, sentinel) {
		t.Fatalf("Do returned %v, want f's error", err)
	}
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Fatalf("recovered %v, want the panic from f", v)
			}
		}()
		ns.Do(func() error { panic("boom") })
	}()
	threadsInNamespace(t, root)
}

func TestSysctlIsPerNamespace(t *testing.T) {
	a, b := New(t, "sa"), New(t, "sb")
	if err := a.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	if v, err := a.ReadSysctl("net.ipv4.ip_forward"); err != nil || v != "1" {
		t.Fatalf("a: ip_forward = %q, %v", v, err)
	}
	if v, err := b.ReadSysctl("net.ipv4.ip_forward"); err != nil || v != "0" {
		t.Fatalf("b: ip_forward = %q, %v; a's setting leaked", v, err)
	}
}

func TestStart(t *testing.T) {
	ns := New(t, "start")
	want, err := ns.Inode()
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	// GORACE: a race-enabled child would otherwise linger 1 s at exit.
	cmd.Env = append(os.Environ(), helperEnv+"=inode", "GORACE=atexit_sleep_ms=0")
	var out strings.Builder
	cmd.Stdout = &out
	if err := ns.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	got, err := strconv.ParseUint(strings.TrimSpace(out.String()), 10, 64)
	if err != nil {
		t.Fatalf("child said %q: %v", out.String(), err)
	}
	if got != want {
		t.Fatalf("child in namespace %d, want %d", got, want)
	}

	// StartT's cleanup must stop a child that is still running.
	var blocked *exec.Cmd
	t.Run("cleanup", func(t *testing.T) {
		blocked = exec.Command(self)
		blocked.Env = append(os.Environ(), helperEnv+"=block")
		stdin, err := blocked.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close() })
		ns.StartT(t, blocked)
	})
	if blocked.ProcessState == nil {
		t.Fatal("StartT's cleanup left the child running")
	}
}

func TestNamespaceGoesAwayOnClose(t *testing.T) {
	Require(t)
	a := New(t, "keep")
	b, err := Create(UniqueName("gone"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	v := NewVeth(t, VethConfig{A: a, B: b, AName: "va", BName: "vb"})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// The kernel dismantles a namespace asynchronously; a veth whose peer
	// namespace is destroyed is destroyed with it.
	h, err := a.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ReadyTimeout)
	for {
		_, err := h.LinkByIndex(v.A.Index)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("veth end %s still present %v after closing the peer namespace", v.A.Name, ReadyTimeout)
		}
		time.Sleep(pollInterval)
	}
}
