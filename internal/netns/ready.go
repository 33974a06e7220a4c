package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ReadyTimeout bounds how long the helpers wait for an interface to
// become usable. It is generous because a loaded machine running several
// test binaries may take a while, and it is only reached on failure.
var ReadyTimeout = 10 * time.Second

// pollInterval is the pause between two netlink reads while polling.
const pollInterval = 2 * time.Millisecond

// WaitReady polls the interface through netlink until it is usable, or
// fails after timeout: operationally up (a veth is up once both ends are),
// carrying every address in want, none of its addresses tentative or
// failed in duplicate address detection, and, unless IPv6 is disabled on
// it, holding its IPv6 link-local address (which the kernel adds only
// when the carrier comes up).
func (ns *Namespace) WaitReady(ifname string, want []netip.Addr, timeout time.Duration) error {
	h, err := ns.Netlink()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		why, err := notReady(ns, h, ifname, want)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", ns.name, ifname, err)
		}
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not ready after %v: %s", ns.name, ifname, timeout, why)
		}
		time.Sleep(pollInterval)
	}
}

// notReady says what is still missing ("" when nothing is), or returns an
// error for states that will not resolve by waiting.
func notReady(ns *Namespace, h *netlink.Handle, ifname string, want []netip.Addr) (string, error) {
	link, err := h.LinkByName(ifname)
	if err != nil {
		return "", err
	}
	if st := link.Attrs().OperState; st != netlink.OperUp {
		return "operational state " + st.String(), nil
	}
	addrs, err := h.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return "", err
	}
	have := map[netip.Addr]bool{}
	linkLocal := false
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if a.Flags&unix.IFA_F_DADFAILED != 0 {
			return "", fmt.Errorf("address %v failed duplicate address detection", ip)
		}
		if a.Flags&unix.IFA_F_TENTATIVE != 0 {
			return fmt.Sprintf("address %v tentative", ip), nil
		}
		have[ip] = true
		if ip.Is6() && ip.IsLinkLocalUnicast() {
			linkLocal = true
		}
	}
	for _, w := range want {
		if !have[w] {
			return fmt.Sprintf("address %v missing", w), nil
		}
	}
	if !linkLocal {
		off, err := ns.ReadSysctl("/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6")
		switch {
		case errors.Is(err, unix.ENOENT): // no IPv6 in this kernel
		case err != nil:
			return "", err
		case off != "1":
			return "no IPv6 link-local address yet", nil
		}
	}
	return "", nil
}
