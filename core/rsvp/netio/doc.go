// Package netio is rsvpd's thin I/O layer: it sends and receives RSVP
// messages as raw IP (protocol 46) with Router Alert, and as UDP
// encapsulation (RFC 2205 Appendix C), for IPv4 and IPv6. It knows
// nothing of RSVP beyond that; core/rsvp/wire encodes and decodes,
// core/rsvp/engine decides.
//
// Raw IP. A router must see the Path messages that pass through it, not
// only those addressed to it: Path, PathTear and ResvConf carry the IP
// Router Alert option (RFC 2113, IPv4 option 148; RFC 2711, IPv6
// hop-by-hop option value 1 = RSVP), and the raw sockets ask for every
// to-be-forwarded packet carrying it (IP_ROUTER_ALERT,
// IPV6_ROUTER_ALERT). The kernel then hands such a packet to rsvpd
// instead of forwarding it, and rsvpd sends the message on itself. Raw
// sockets need CAP_NET_RAW.
//
// UDP encapsulation. Ports 1698 (Pu) and 1699 (Pu'), IPv4 group
// 224.0.0.14. UDP cannot be intercepted in transit, so a node using UDP
// sends every message hop by hop: to the next RSVP hop's address (the
// route's gateway, or the destination itself when it is on-link), which
// the engine gets from the kernel's routing table. No privilege needed.
//
// Received packets carry their incoming interface, IP source and
// destination and the IP TTL (RSVP compares it with Send_TTL to find
// non-RSVP hops).
package netio
