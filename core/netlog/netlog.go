// Package netlog is the library's one diagnostic channel.
//
// A library inside someone else's program must not litter its output, yet a
// dropped peer or a refused packet has to be explained somewhere. Lines go to
// standard error by default, one write(2) per line so that they never
// interleave; NETCOMPAT_LOG=off silences them and NETCOMPAT_LOG=/some/file
// appends them to that file instead.
package netlog

import (
	"fmt"
	"io"
	"os"
	"sync"

	"netcompat/core/cbridge"
)

var (
	once sync.Once
	mu   sync.Mutex
	out  io.Writer // nil when logging is off; guarded by mu once opened
)

func open() {
	switch v := cbridge.Getenv("NETCOMPAT_LOG"); v {
	case "off", "0", "none":
	case "", "stderr":
		out = os.Stderr
	default:
		f, err := os.OpenFile(v, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			out = os.Stderr
			return
		}
		out = f // opened with O_CLOEXEC by package os
	}
}

// Printf writes one line, prefixed "netcompat: ".
func Printf(format string, args ...any) {
	once.Do(open)
	line := "netcompat: " + fmt.Sprintf(format, args...)
	if line[len(line)-1] != '\n' {
		line += "\n"
	}
	mu.Lock()
	if out != nil {
		io.WriteString(out, line)
	}
	mu.Unlock()
}

// SetOutput sends the lines to w (nil: nowhere) instead of where
// NETCOMPAT_LOG says, until restore is called. It lets tests see what the
// library reports; the library itself never calls it.
func SetOutput(w io.Writer) (restore func()) {
	once.Do(open)
	mu.Lock()
	old := out
	out = w
	mu.Unlock()
	return func() {
		mu.Lock()
		out = old
		mu.Unlock()
	}
}
