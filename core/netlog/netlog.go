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
	"os"
	"sync"
)

var (
	once sync.Once
	out  *os.File // nil when logging is off
	mu   sync.Mutex
)

func open() {
	switch v := os.Getenv("NETCOMPAT_LOG"); v {
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
	if out == nil {
		return
	}
	line := "netcompat: " + fmt.Sprintf(format, args...)
	if line[len(line)-1] != '\n' {
		line += "\n"
	}
	mu.Lock()
	out.WriteString(line)
	mu.Unlock()
}
