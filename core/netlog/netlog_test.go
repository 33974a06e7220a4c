package netlog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"netcompat/core/cbridge"
)

// reset forgets the configuration read from the environment, so the next
// Printf reads NETCOMPAT_LOG again. Only these tests do this.
func reset(t *testing.T) {
	t.Helper()
	mu.Lock()
	if f, ok := out.(*os.File); ok && f != os.Stderr {
		f.Close()
	}
	once, out = sync.Once{}, nil
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		if f, ok := out.(*os.File); ok && f != os.Stderr {
			f.Close()
		}
		once, out = sync.Once{}, nil
		mu.Unlock()
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSetOutputCapturesLines(t *testing.T) {
	var buf syncBuffer
	restore := SetOutput(&buf)
	Printf("dropping %s: %v", "peer", "reason")
	Printf("already terminated\n")
	restore()
	Printf("not captured")
	want := "netcompat: dropping peer: reason\nnetcompat: already terminated\n"
	if got := buf.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSetOutputNilSilences(t *testing.T) {
	restore := SetOutput(nil)
	defer restore()
	Printf("nowhere") // must not panic
}

func TestSetOutputRestoresPrevious(t *testing.T) {
	var a, b syncBuffer
	ra := SetOutput(&a)
	rb := SetOutput(&b)
	Printf("to b")
	rb()
	Printf("to a")
	ra()
	if a.String() != "netcompat: to a\n" || b.String() != "netcompat: to b\n" {
		t.Fatalf("a=%q b=%q", a.String(), b.String())
	}
}

func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	var buf syncBuffer
	defer SetOutput(&buf)()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				Printf("g%d line %d %s", g, i, strings.Repeat("x", 100))
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "netcompat: g") || !strings.HasSuffix(l, strings.Repeat("x", 100)) {
			t.Fatalf("mangled line %q", l)
		}
	}
}

func TestEnvOff(t *testing.T) {
	for _, v := range []string{"off", "0", "none"} {
		reset(t)
		t.Setenv("NETCOMPAT_LOG", v)
		Printf("silenced")
		mu.Lock()
		o := out
		mu.Unlock()
		if o != nil {
			t.Fatalf("NETCOMPAT_LOG=%s: output %v, want none", v, o)
		}
	}
}

func TestEnvDefaultIsStderr(t *testing.T) {
	for _, v := range []string{"", "stderr"} {
		reset(t)
		t.Setenv("NETCOMPAT_LOG", v)
		once.Do(open)
		if out != os.Stderr {
			t.Fatalf("NETCOMPAT_LOG=%q: output %v, want stderr", v, out)
		}
	}
}

func TestEnvFileAppends(t *testing.T) {
	reset(t)
	path := filepath.Join(t.TempDir(), "net.log")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETCOMPAT_LOG", path)
	Printf("one %d", 1)
	Printf("two")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "earlier\nnetcompat: one 1\nnetcompat: two\n"; string(got) != want {
		t.Fatalf("log file holds %q, want %q", got, want)
	}
}

func TestEnvUnopenableFileFallsBackToStderr(t *testing.T) {
	reset(t)
	t.Setenv("NETCOMPAT_LOG", filepath.Join(t.TempDir(), "missing-dir", "net.log"))
	once.Do(open)
	if out != os.Stderr {
		t.Fatalf("output %v, want stderr", out)
	}
}

func TestGetenvHook(t *testing.T) {
	reset(t)
	t.Setenv("NETCOMPAT_LOG", "stderr")
	defer func(g func(string) string) { cbridge.Getenv = g }(cbridge.Getenv)
	cbridge.Getenv = func(k string) string {
		if k == "NETCOMPAT_LOG" {
			return "off"
		}
		return ""
	}
	once.Do(open)
	if out != nil {
		t.Fatalf("output %v, want none: the hook was not used", out)
	}
}
