// Package tc enforces RSVP reservations with Linux traffic control: an
// HTB root on each enforcing interface, one HTB class per installed
// reservation and one u32 filter per reserved sender, all programmed
// through rtnetlink with github.com/vishvananda/netlink. It never runs
// tc(8): a host program reaping children with waitpid(-1) would steal its
// status, and netlink reports errors precisely.
//
// Two Enforcers share one interface: Netlink does the work; Recorder
// (NewNoop, NewRecorder) only keeps the books, for daemons without
// CAP_NET_ADMIN or with enforcement off, and for the engine's unit tests.
// Reservation is defined here, independent of the wire and engine
// packages.
//
// # Life cycle
//
//	e, _ := tc.NewNetlink(nil)
//	e.Reconcile(allInterfaces)           // a crashed run's qdiscs go
//	e.Attach("eth0", tc.IfaceConfig{Rate: 12.5e6}) // 100 Mbit/s
//	h, err := e.Install("eth0", r)       // err: ErrCapacity → ResvErr
//	e.Modify(h, r2); e.Remove(h)
//	e.Close()                            // root qdiscs deleted
//
// Kernel state outlives the process, hence Reconcile at start and Close
// at stop. The layout (see layout.go) marks the root qdisc with handle
// 2205:, which is how leftovers are recognised and how other programs'
// qdiscs are left alone.
//
// # Units
//
// Reservation carries RSVP's figures: rates in bytes of IP datagrams per
// second (float64, as RFC 2210's IEEE floats), sizes in bytes.
// IfaceConfig.Rate and ClassParams are bytes per second of link-layer
// frames, which is what HTB counts; ComputeParams converts, adding the
// per-packet overhead (14 bytes on Ethernet) in proportion to the minimum
// policed unit m, so that a conforming flow is never throttled. At the
// netlink boundary (kernel.go): netlink.HtbClass Rate/Ceil are bytes per
// second (the kernel's tc_ratespec; only netlink.NewHtbClass would take
// bits per second), Buffer/Cbuffer are psched ticks made from bytes with
// netlink.Xmittime (and read back with netlink.Xmitsize). One Mbit/s is
// 125000 bytes per second.
//
// # Classes
//
// Controlled-Load runs at r, may borrow up to max(r, min(p, link rate))
// (+Inf p: the link rate) and has bucket b; Guaranteed runs at R, ceil R,
// bucket b. The best-effort class (the qdisc's default) is assured what
// reservations and the control class leave, at least 1% of the link, and
// may borrow up to the link rate, so reservations are assured their rate
// whatever best effort offers. The control class carries RSVP messages,
// ARP and neighbour discovery (IfaceConfig.ControlRate).
//
// # Filters
//
// A sender is matched on IP protocol, source address and port,
// destination address and port; a zero source address or port is a
// wildcard; ports only with UDP and TCP. Offsets assume no IPv4 options
// and no IPv6 extension headers: such packets, and non-first IPv4
// fragments, are not matched and go best effort. Each reservation owns a
// filter priority, so its filters are removed together and replaced
// without a gap.
//
// # Limits
//
// At most 2043 reservations per interface (u32 hash tables per qdisc) and
// 4095 senders per reservation (u32 node numbers). HTB has no equivalent
// of m's policing of small packets beyond the overhead scaling above.
//
// # Measuring enforcement
//
// TestEnforcement runs a reserved UDP flow against a best-effort flood
// across an HTB-limited veth and requires at least 80% of the reserved
// rate. BenchmarkReservedShare reports the exact share for `make bench`:
//
//	go test -run '^$' -bench '^BenchmarkReservedShare$' -benchtime 1x ./core/rsvp/tc/
//
// prints metrics share (received/reserved, reserved flow, with the
// reservation), control-share (the same flow without a reservation),
// reserved-Mbit/s and received-Mbit/s. It needs root and is skipped
// otherwise.
package tc
