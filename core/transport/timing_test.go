package transport

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The TCP mapping turns a Timing into keep-alive and TCP_USER_TIMEOUT on
// both ends of an association; zero fields are rsplib's defaults.
func TestTimingOnTCP(t *testing.T) {
	timing := &Timing{RTOMax: 700 * time.Millisecond, AssocMaxRxt: 3, HeartbeatInterval: 2 * time.Second}
	client, server := pair(t, &Options{Backend: BackendTCP, Timing: timing})
	for name, a := range map[string]Assoc{"client": client, "server": server} {
		tcp := a.(*tcpAssoc)
		rc, err := tcp.conn.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		rc.Control(func(fd uintptr) {
			for opt, o := range map[string][2]int{
				"SO_KEEPALIVE":     {unix.SOL_SOCKET, unix.SO_KEEPALIVE},
				"TCP_KEEPIDLE":     {unix.IPPROTO_TCP, unix.TCP_KEEPIDLE},
				"TCP_KEEPINTVL":    {unix.IPPROTO_TCP, unix.TCP_KEEPINTVL},
				"TCP_KEEPCNT":      {unix.IPPROTO_TCP, unix.TCP_KEEPCNT},
				"TCP_USER_TIMEOUT": {unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT},
			} {
				v, err := unix.GetsockoptInt(int(fd), o[0], o[1])
				if err != nil {
					t.Errorf("%s: getsockopt %s: %v", name, opt, err)
				}
				got[opt] = v
			}
		})
		// Idle 2 s, probes RTOMax apart (rounded up to whole seconds by the
		// kernel's unit), AssocMaxRxt of them, user timeout 3 x 700 ms.
		want := map[string]int{"SO_KEEPALIVE": 1, "TCP_KEEPIDLE": 2, "TCP_KEEPINTVL": 1, "TCP_KEEPCNT": 3, "TCP_USER_TIMEOUT": 2100}
		for opt, w := range want {
			if got[opt] != w {
				t.Errorf("%s: %s = %d, want %d", name, opt, got[opt], w)
			}
		}
	}
}

func TestTimingDefaults(t *testing.T) {
	got := Timing{AssocMaxRxt: 2}.withDefaults()
	want := Timing{RTOInitial: 2 * time.Second, RTOMin: time.Second, RTOMax: 5 * time.Second,
		AssocMaxRxt: 2, PathMaxRxt: 3, HeartbeatInterval: 15 * time.Second}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestTTLMillis(t *testing.T) {
	for d, want := range map[time.Duration]uint32{0: 0, -1: 0, time.Nanosecond: 1, 1500 * time.Microsecond: 2, time.Second: 1000, 1 << 62: 1<<32 - 1} {
		if got := ttlMillis(d); got != want {
			t.Errorf("ttlMillis(%v) = %d, want %d", d, got, want)
		}
	}
}
