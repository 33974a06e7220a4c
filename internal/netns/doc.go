// Package netns gives tests their own Linux network namespaces: creating
// and removing them without leaks, running Go code and subprocesses inside
// them, joining them with veth pairs that carry IPv4 and IPv6 addresses,
// and a ready-made routed chain of hosts and routers:
//
//	H1 ---- R1 ---- R2 ---- H2
//	  10.0.1.0/24     10.0.2.0/24     10.0.3.0/24
//	  fd00:0:0:1::/64 fd00:0:0:2::/64 fd00:0:0:3::/64
//
// # Namespaces are anonymous
//
// A Namespace is held by one open file descriptor and by nothing else: it
// is never bind-mounted under /run/netns. The kernel destroys it, with
// every interface, route and qdisc in it, as soon as the descriptor is
// closed and no process is left inside. A test that crashes, times out
// (testing's timeout panic runs no Cleanup functions) or is killed
// therefore cannot leave a namespace behind, and tests running in
// parallel, in one package or in many, cannot collide on names. Each
// Namespace still has a unique name (a prefix and a random suffix) for
// logs and error messages. To look inside one while a test is stopped,
// use its Path: `nsenter --net=$(path) ip addr`.
//
// Interfaces are created directly inside the namespaces (the peer end of
// a veth is placed with IFLA_NET_NS_FD), never in the namespace the test
// runs in, so interface names only have to be unique within a namespace.
//
// # Running code inside
//
// Linux binds a network namespace to a thread, not to a process. Do runs
// a function on a dedicated OS thread (runtime.LockOSThread plus
// setns(2)) and moves the thread back afterwards; if that ever fails the
// thread is discarded rather than returned to the Go scheduler. Sockets
// opened inside Do stay in the namespace and may be used from any
// goroutine afterwards; goroutines started inside Do do not run in the
// namespace. Start forks a subprocess from such a thread, so the child
// starts in the namespace without any helper program (`ip netns exec`
// would need a named namespace and a mount namespace).
//
// # Readiness without sleeps
//
// New namespaces get IPv6 duplicate address detection switched off
// (net.ipv6.conf.{all,default}.accept_dad=0) before any interface exists,
// addresses are added with IFA_F_NODAD, and the helpers that bring
// interfaces up poll, through netlink and with a deadline, until the link
// is operationally up and no address is tentative. Nothing here waits by
// sleeping a fixed time.
//
// # Privileges
//
// Everything needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root, or root in a
// user namespace such as `unshare -rn`). New and the other helpers taking
// a testing.TB skip the test with the reason when namespaces cannot be
// made; with NETCOMPAT_NETNS_REQUIRED=1 in the environment they fail it
// instead, so that a privileged CI run cannot pass by skipping.
package netns
