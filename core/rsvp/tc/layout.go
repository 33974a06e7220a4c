package tc

// The traffic control this package builds on an attached interface:
//
//	qdisc htb 2205: root default 2
//	├── class 2205:1      rate = ceil = link rate             (root)
//	│   ├── class 2205:2  best effort, the default class:
//	│   │                 rate = link - control - reservations, ceil = link
//	│   ├── class 2205:3  control: RSVP, ARP, ICMPv6; ceil = link
//	│   └── class 2205:N  one per reservation, N in 0x10..0xffef
//	filters on 2205: (all u32):
//	  prio 1 ARP, prio 2 IPv4 control, prio 3 IPv6 control → 2205:3
//	  prio P, one per reservation (P in 0x100..0xfeff), ETH_P_IP or
//	    ETH_P_IPV6, nodes 1..n one per sender → 2205:N
//
// The major number 0x2205 (after RFC 2205) marks the root qdisc as this
// package's: Reconcile and Attach recognise a leftover by it (an HTB root
// with that handle and default class 2) and never touch other qdiscs.
// Each reservation owns a whole filter priority so that its filters can be
// removed together in one request and swapped for a new set without a
// gap (Modify installs the new set under a fresh priority first). The
// kernel numbers the u32 hash table of each priority itself; filters are
// given node numbers only and the kernel completes the handles.
const (
	QdiscMajor = 0x2205

	rootMinor    = 1
	bestMinor    = 2
	controlMinor = 3

	firstResMinor = 0x10
	lastResMinor  = 0xffef

	prioARP      = 1
	prioControl4 = 2
	prioControl6 = 3

	firstResPrio = 0x100
	lastResPrio  = 0xfeff
)

// The u32 classifier gives each (interface, priority) its own hash table
// with an identifier from 0x800 to 0xffe, so at most 2047 priorities with
// u32 filters exist per interface. Three are control, and Modify needs one
// spare while it swaps filter sets.
const maxReservations = 0x7ff - 3 - 1

func classID(minor uint16) uint32 { return QdiscMajor<<16 | uint32(minor) }

func qdiscHandle() uint32 { return QdiscMajor << 16 }
