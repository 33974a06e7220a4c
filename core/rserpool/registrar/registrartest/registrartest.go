// Package registrartest runs real rspregistrar processes for the tests of
// the packages that talk to one (cmd/rspregistrar, core/rserpool/session).
package registrartest

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Build compiles cmd/rspregistrar into a temporary directory and returns
// the binary and a function that removes it. Call it from TestMain.
func Build() (path string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "rspregistrar-test-")
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "rspregistrar")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if out, err := exec.Command(goTool, "build", "-o", path, "netcompat/cmd/rspregistrar").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building rspregistrar: %v\n%s", err, out)
	}
	return path, func() { os.RemoveAll(dir) }, nil
}

// SyncBuffer is a bytes.Buffer safe for a process's writes and a test's
// reads.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Daemon is one running rspregistrar.
type Daemon struct {
	Cmd    *exec.Cmd
	Addr   netip.AddrPort // its ASAP address
	Stderr *SyncBuffer
	Exited chan struct{} // closed when the process has exited
	Err    error         // Wait's result, once Exited is closed
}

// Start runs the binary at path on 127.0.0.1 with a free port and no
// announces, plus args, and returns once it has written its port file
// (waiting at most limit). The process is killed when the test ends.
func Start(t testing.TB, path string, limit time.Duration, args ...string) *Daemon {
	t.Helper()
	d := &Daemon{Stderr: &SyncBuffer{}, Exited: make(chan struct{})}
	portFile := filepath.Join(t.TempDir(), "port")
	args = append([]string{"-asap=127.0.0.1:0", "-asapannounce=off", "-portfile=" + portFile}, args...)
	d.Cmd = exec.Command(path, args...)
	d.Cmd.Stderr = d.Stderr
	if err := d.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.Err = d.Cmd.Wait()
		close(d.Exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.Exited:
		default:
			d.Cmd.Process.Kill()
			<-d.Exited
		}
		if t.Failed() {
			t.Logf("rspregistrar %v log:\n%s", args, d.Stderr.String())
		}
	})
	deadline := time.Now().Add(limit)
	for {
		// The registrar writes the file whole, newline-terminated.
		if b, err := os.ReadFile(portFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			port, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("port file %q", b)
			}
			d.Addr = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
			return d
		}
		select {
		case <-d.Exited:
			t.Fatalf("rspregistrar exited (%v):\n%s", d.Err, d.Stderr.String())
		case <-time.After(10 * time.Millisecond): // polling for the file
		}
		if time.Now().After(deadline) {
			t.Fatalf("no port file:\n%s", d.Stderr.String())
		}
	}
}
