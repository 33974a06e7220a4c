package daemon

import (
	"net/netip"
	"testing"

	"netcompat/core/rsvp/api"
	"netcompat/internal/netns"
)

// A sender and a receiver on one host, even one with nothing but its
// loopback interface: the Path is delivered locally, the reservation
// confirmed, the sender told.
func TestLocalSenderAndReceiver(t *testing.T) {
	ns := netns.New(t, "local")
	n := startNode(t, ns, "refresh 300ms\n")
	ctx := testCtx(t)
	for _, a := range []string{"127.0.0.1", "::1"} {
		addr := netip.MustParseAddr(a)
		sess := api.SessionSpec{Dest: addr, Proto: 17, Port: 5000}
		rx, tx := n.client(), n.client()
		ts := api.TokenBucket{Rate: 1000, Bucket: 1000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
		rsid, tsid := openPath(t, ctx, rx, tx, sess, addr, 4000, ts)
		if err := rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleWF, Confirm: true,
			Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: ts}}}); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, rx, rsid, api.EventResvConfirm)
		nextEvent(t, tx, tsid, api.EventResv)
	}
}
