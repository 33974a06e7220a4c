package daemon

import (
	"bufio"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/internal/netns"
)

// markerPort is where the readiness probes go (UDP discard).
const markerPort = 9

// decoder runs tshark live on iface inside ns, decoding RSVP (UDP
// 1698/1699 too) and printing one line per message as it is captured:
// the message type, then any malformed or expert mark. It returns once
// tshark shows a probe that from (a namespace on the far side) sends to
// to across iface: only then is the capture known to be running.
func decoder(t *testing.T, ns *netns.Namespace, iface string, from *netns.Namespace, to netip.Addr) <-chan []string {
	t.Helper()
	cmd := exec.Command("tshark", "-i", iface, "-l", "-n",
		"-f", fmt.Sprintf("ip proto 46 or ip6 proto 46 or udp port 1698 or udp port 1699 or udp dst port %d", markerPort),
		"-d", "udp.port==1698,rsvp", "-d", "udp.port==1699,rsvp",
		"-T", "fields", "-e", "udp.dstport", "-e", "rsvp.msg", "-e", "_ws.malformed", "-e", "_ws.expert.severity")
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	ns.StartT(t, cmd)
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Capturing on") {
				close(started)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	lines := make(chan []string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- strings.Split(sc.Text(), "\t")
		}
		close(lines)
	}()
	select {
	case <-started:
	case <-time.After(waitLimit):
		t.Fatal("tshark did not start capturing")
	}
	probe, err := from.Dial("udp", netip.AddrPortFrom(to, markerPort).String())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(waitLimit)
	for {
		probe.Write([]byte("probe"))
		select {
		case f := <-lines:
			if len(f) > 0 && f[0] == fmt.Sprint(markerPort) {
				return filtered(lines)
			}
		case <-tick.C:
		case <-timeout:
			t.Fatal("tshark never showed a probe")
		}
	}
}

// filtered drops the probes' lines and the port column.
func filtered(in <-chan []string) <-chan []string {
	out := make(chan []string, 1024)
	go func() {
		defer close(out)
		for f := range in {
			if len(f) > 0 && f[0] == fmt.Sprint(markerPort) {
				continue
			}
			if len(f) > 0 {
				f = f[1:]
			}
			out <- f
		}
	}()
	return out
}

// What rsvpd sends, as tshark sees it on R1's link to R2: every message
// type of a session's life decodes as RSVP, none malformed, over raw IP
// and over UDP encapsulation.
func TestTsharkDecodes(t *testing.T) {
	for _, tool := range []string{"tshark", "dumpcap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/deps.sh installs it)", tool)
		}
	}
	for _, encap := range []string{"raw", "udp"} {
		t.Run(encap, func(t *testing.T) {
			l, nodes := chain(t, encap)
			lines := decoder(t, l.R1, "to-r2", l.H1, l.H2Addr4())
			ctx := testCtx(t)
			sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: 5000}
			rx, tx := nodes["H2"].client(), nodes["H1"].client()
			ts := api.TokenBucket{Rate: 125000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
			rsid, tsid := openPath(t, ctx, rx, tx, sess, l.H1Addr4(), 4000, ts)
			if err := rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleSE, Confirm: true,
				Filters:   []api.Filter{{Addr: l.H1Addr4(), Port: 4000}},
				Flowspecs: []api.Flowspec{{Service: api.ServiceGuaranteed, TokenBucket: ts, Rate: 130000, Slack: 0}}}); err != nil {
				t.Fatal(err)
			}
			nextEvent(t, rx, rsid, api.EventResvConfirm)
			if err := rx.Reserve(ctx, rsid, nil); err != nil {
				t.Fatal(err)
			}
			// The ResvTear must cross the link before the PathTear removes
			// the state it would tear: wait until the sender hears it.
			for ev := nextEvent(t, tx, tsid, api.EventResv); len(ev.Flowspecs) != 0; ev = nextEvent(t, tx, tsid, api.EventResv) {
			}
			if err := tx.Sender(ctx, tsid, nil); err != nil {
				t.Fatal(err)
			}
			for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) != 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
			}
			// Path 1, Resv 2, PathTear 5, ResvTear 6 and ResvConf 7 all
			// crossed this link: wait until tshark has shown each.
			want := map[string]bool{"1": true, "2": true, "5": true, "6": true, "7": true}
			timeout := time.After(waitLimit)
			for len(want) > 0 {
				select {
				case f, ok := <-lines:
					if !ok {
						t.Fatalf("tshark stopped; still missing message types %v", want)
					}
					if len(f) < 1 || f[0] == "" {
						t.Errorf("frame not decoded as RSVP: %q", f)
						continue
					}
					if strings.TrimSpace(strings.Join(f[1:], "")) != "" {
						t.Errorf("malformed or expert info: %q", f)
					}
					delete(want, f[0])
				case <-timeout:
					t.Fatalf("tshark never showed message types %v", want)
				}
			}
		})
	}
}
