package impair

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"netcompat/internal/netns"
)

// Config describes a Path. The zero value is a perfect path.
type Config struct {
	// Prefix starts the namespace names, which then carry one random
	// suffix shared by both ("impair-3fa2b1c0-cli"). Default "impair".
	Prefix string
	// MTU of both TUN devices; default 1500.
	MTU int
	// Forward impairs cli→srv, Reverse srv→cli.
	Forward, Reverse LinkConfig
}

// Addresses of the two ends. Each TUN device carries its own address
// (/32, /128) and a default route through itself (IPv4 and IPv6), so the
// peer and anything else not local is reached across the path.
var (
	CliAddr4 = netip.MustParseAddr("10.0.1.1")
	SrvAddr4 = netip.MustParseAddr("10.0.2.1")
	CliAddr6 = netip.MustParseAddr("fd00:1::1")
	SrvAddr6 = netip.MustParseAddr("fd00:2::1")
)

// TunName is the TUN interface's name in both namespaces.
const TunName = "imp0"

// Path is two namespaces, Cli and Srv, joined by a TUN device in each and
// this process copying packets between the two devices through the
// impairment Links Forward (cli→srv) and Reverse (srv→cli). Four
// goroutines run it: a reader and a writer per direction.
type Path struct {
	Cli, Srv           *netns.Namespace
	CliAddr4, SrvAddr4 netip.Addr
	CliAddr6, SrvAddr6 netip.Addr
	Forward, Reverse   *Link

	closeOnce sync.Once
	wg        sync.WaitGroup
	files     []*os.File
}

// NewPath builds a Path for a test and closes it with tb.Cleanup. It
// skips the test when namespaces or TUN devices are unavailable (fails
// it with NETCOMPAT_NETNS_REQUIRED=1, see package netns).
func NewPath(tb testing.TB, cfg Config) *Path {
	tb.Helper()
	netns.Require(tb)
	if err := TunAvailable(); err != nil {
		if os.Getenv(netns.RequiredEnv) == "1" {
			tb.Fatalf("impair: %v (and %s=1)", err, netns.RequiredEnv)
		}
		tb.Skipf("impair: skipped: %v", err)
	}
	p, err := Build(cfg)
	if err != nil {
		tb.Fatalf("impair: %v", err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("impair: close: %v", err)
		}
	})
	return p
}

var (
	tunOnce sync.Once
	tunErr  error
)

// TunAvailable reports why TUN devices cannot be made here, or nil.
func TunAvailable() error {
	tunOnce.Do(func() {
		ns, err := netns.Create(netns.UniqueName("tunprobe"))
		if err != nil {
			tunErr = err
			return
		}
		defer ns.Close()
		f, err := openTun(ns, TunName)
		if err != nil {
			tunErr = err
			return
		}
		f.Close()
	})
	return tunErr
}

// Build makes a Path outside a test (benchmark programs); the caller
// must Close it.
func Build(cfg Config) (_ *Path, err error) {
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = "impair"
	}
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = 1500
	}
	base := netns.UniqueName(prefix)
	p := &Path{CliAddr4: CliAddr4, SrvAddr4: SrvAddr4, CliAddr6: CliAddr6, SrvAddr6: SrvAddr6}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if p.Cli, err = netns.Create(base + "-cli"); err != nil {
		return nil, err
	}
	if p.Srv, err = netns.Create(base + "-srv"); err != nil {
		return nil, err
	}
	cliTun, err := setupEnd(p.Cli, mtu, CliAddr4, CliAddr6)
	if err != nil {
		return nil, err
	}
	p.files = append(p.files, cliTun)
	srvTun, err := setupEnd(p.Srv, mtu, SrvAddr4, SrvAddr6)
	if err != nil {
		return nil, err
	}
	p.files = append(p.files, srvTun)

	start := time.Now()
	if p.Forward, err = newLink("forward", cliTun, srvTun, mtu, start, 1, cfg.Forward); err != nil {
		return nil, err
	}
	if p.Reverse, err = newLink("reverse", srvTun, cliTun, mtu, start, 2, cfg.Reverse); err != nil {
		return nil, err
	}
	p.Forward.sh.peerDelay = func() time.Duration { return time.Duration(p.Reverse.delay.Load()) }
	p.Reverse.sh.peerDelay = func() time.Duration { return time.Duration(p.Forward.delay.Load()) }
	for _, l := range []*Link{p.Forward, p.Reverse} {
		p.wg.Add(2)
		go l.reader(&p.wg)
		go l.writer(&p.wg)
	}
	return p, nil
}

// Close stops the goroutines (it returns after they ended), closes the
// TUN devices and the namespaces. Sockets the caller opened inside the
// namespaces keep them alive until closed. Close is idempotent.
func (p *Path) Close() error {
	var errs []error
	p.closeOnce.Do(func() {
		for _, l := range []*Link{p.Forward, p.Reverse} {
			if l != nil {
				close(l.done)
			}
		}
		for _, f := range p.files {
			if err := f.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		p.wg.Wait()
		for _, l := range []*Link{p.Forward, p.Reverse} {
			if l != nil {
				l.drain()
			}
		}
		for _, ns := range []*netns.Namespace{p.Cli, p.Srv} {
			if ns != nil {
				if err := ns.Close(); err != nil {
					errs = append(errs, err)
				}
			}
		}
	})
	return errors.Join(errs...)
}

type ifreqFlags struct {
	name  [unix.IFNAMSIZ]byte
	flags uint16
	_     [22]byte
}

// openTun creates a TUN device (IFF_TUN|IFF_NO_PI) inside ns: the device
// belongs to the namespace of the thread that opens /dev/net/tun. The
// descriptor is non-blocking and registered with Go's poller, and may be
// used from any thread; it keeps the namespace alive while open.
func openTun(ns *netns.Namespace, name string) (*os.File, error) {
	var f *os.File
	err := ns.Do(func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		var req ifreqFlags
		copy(req.name[:], name)
		req.flags = unix.IFF_TUN | unix.IFF_NO_PI
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req))); errno != 0 {
			unix.Close(fd)
			return fmt.Errorf("TUNSETIFF %s: %w", name, errno)
		}
		f = os.NewFile(uintptr(fd), "tun:"+name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ns, err)
	}
	return f, nil
}

// setupEnd creates the TUN device in ns, configures and waits for it.
func setupEnd(ns *netns.Namespace, mtu int, a4, a6 netip.Addr) (*os.File, error) {
	f, err := openTun(ns, TunName)
	if err != nil {
		return nil, err
	}
	if err := configureTun(ns, mtu, a4, a6); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %s: %w", ns, TunName, err)
	}
	return f, nil
}

func configureTun(ns *netns.Namespace, mtu int, a4, a6 netip.Addr) error {
	h, err := ns.Netlink()
	if err != nil {
		return err
	}
	link, err := h.LinkByName(TunName)
	if err != nil {
		return err
	}
	if err := h.LinkSetMTU(link, mtu); err != nil {
		return fmt.Errorf("mtu %d: %w", mtu, err)
	}
	if err := h.LinkSetTxQLen(link, 1000); err != nil {
		return fmt.Errorf("txqueuelen: %w", err)
	}
	for _, a := range []netip.Addr{a4, a6} {
		addr := &netlink.Addr{IPNet: hostNet(a)}
		if a.Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := h.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("address %v: %w", a, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	for _, dst := range []*net.IPNet{
		{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)},
		{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)},
	} {
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: dst, Scope: netlink.SCOPE_LINK}
		if dst.IP.To4() == nil {
			r.Scope = netlink.SCOPE_UNIVERSE
		}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("default route %v: %w", dst, err)
		}
	}
	return waitTun(h, link.Attrs().Index, []netip.Addr{a4, a6}, netns.ReadyTimeout)
}

// waitTun polls through netlink until the device is up and running
// (a TUN device's operational state stays "unknown", so netns.WaitReady
// does not fit) and carries the addresses, none tentative.
func waitTun(h *netlink.Handle, index int, want []netip.Addr, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		why, err := tunNotReady(h, index, want)
		if err != nil {
			return err
		}
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %s", timeout, why)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func tunNotReady(h *netlink.Handle, index int, want []netip.Addr) (string, error) {
	link, err := h.LinkByIndex(index)
	if err != nil {
		return "", err
	}
	if link.Attrs().RawFlags&unix.IFF_RUNNING == 0 || link.Attrs().RawFlags&unix.IFF_UP == 0 {
		return "not running", nil
	}
	addrs, err := h.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return "", err
	}
	have := map[netip.Addr]bool{}
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		if a.Flags&(unix.IFA_F_TENTATIVE|unix.IFA_F_DADFAILED) != 0 {
			return fmt.Sprintf("address %v tentative", ip), nil
		}
		have[ip.Unmap()] = true
	}
	for _, w := range want {
		if !have[w] {
			return fmt.Sprintf("address %v missing", w), nil
		}
	}
	return "", nil
}

func hostNet(a netip.Addr) *net.IPNet {
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(a.BitLen(), a.BitLen())}
}
