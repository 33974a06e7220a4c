package daemon

import (
	"errors"
	"testing"

	"netcompat/core/rsvp/api"
	"netcompat/internal/netns"
)

// A no-signalling rule is admitted against the interface's pool and
// installed; a second one that does not fit is refused with an admission
// control failure; removal and the client's going free the pool and the
// kernel class.
func TestNoSignalAdmission(t *testing.T) {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "rsvp"})
	n := startNode(t, l.H1, "refresh 300ms\n"+
		"interface to-r1 bandwidth 1Mbit enforce on\n"+
		"nosignal video proto udp local-port 5004 rate 600Kbit burst 3000B interface to-r1\n"+
		"nosignal ctl proto tcp local-port 7000 rate 600Kbit burst 3000B\n")
	ctx := testCtx(t)
	src, dst := l.H1Addr4(), l.H2Addr4()
	classes := func(want int) {
		t.Helper()
		if got := n.reservedClasses("to-r1"); len(got) != want {
			t.Fatalf("classes on to-r1: %v, want %d", got, want)
		}
	}
	c1 := n.client()
	if _, _, err := c1.NoSignal(ctx, api.NoSignalSpec{Proto: 17, LocalPort: 5005, Remote: dst}); !isReason(err, api.ReasonNoRule) {
		t.Fatalf("unknown port: %v, want no rule", err)
	}
	h, rule, err := c1.NoSignal(ctx, api.NoSignalSpec{Proto: 17, Local: src, LocalPort: 5004, Remote: dst, RemotePort: 6000})
	if err != nil || rule != "video" || h == 0 {
		t.Fatalf("video: handle %d rule %q err %v", h, rule, err)
	}
	classes(1)
	// The second rule's interface is the route's towards H2: to-r1, whose
	// pool the first one holds most of.
	c2 := n.client()
	_, _, err = c2.NoSignal(ctx, api.NoSignalSpec{Proto: 6, Local: src, LocalPort: 7000, Remote: dst})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != 1 || ae.Value != 2 {
		t.Fatalf("ctl with the pool taken: %v, want admission control failure (1, 2)", err)
	}
	classes(1)
	if err := c1.NoSignalRemove(ctx, h); err != nil {
		t.Fatal(err)
	}
	classes(0)
	if err := c1.NoSignalRemove(ctx, h); !isReason(err, api.ReasonNoHandle) {
		t.Fatalf("removing twice: %v", err)
	}
	h2, rule, err := c2.NoSignal(ctx, api.NoSignalSpec{Proto: 6, Local: src, LocalPort: 7000, Remote: dst})
	if err != nil || rule != "ctl" {
		t.Fatalf("ctl after the release: handle %d rule %q err %v", h2, rule, err)
	}
	classes(1)
	// Another client cannot remove it; its connection's end does.
	if err := c1.NoSignalRemove(ctx, h2); !isReason(err, api.ReasonNoHandle) {
		t.Fatalf("removing another client's: %v", err)
	}
	c2.Close()
	waitFor(t, "the class gone with its client", func() bool { return len(n.reservedClasses("to-r1")) == 0 })
	if _, _, err := c1.NoSignal(ctx, api.NoSignalSpec{Proto: 17, Local: src, LocalPort: 5004, Remote: dst}); err != nil {
		t.Fatalf("video after the client left: %v", err)
	}
	classes(1)
}

func isReason(err error, reason string) bool {
	var ae *api.Error
	return errors.As(err, &ae) && ae.Reason == reason
}
