/*
 * rserpool.h - Reliable Server Pooling (RSerPool, RFC 5351-5356) for C.
 *
 * STATUS (netcompat issue 4, in progress): the library provides the
 * set-up calls (rsp_initinfo, rsp_initarg, rsp_initialize, rsp_cleanup,
 * rsp_freeinfo, rsp_getpolicybytype, rsp_getpolicybyname), basic mode
 * (rsp_pe_registration, rsp_pe_deregistration, rsp_pe_failure,
 * rsp_getaddrinfo, rsp_freeaddrinfo and their _tags variants), and
 * enhanced mode: rsp_socket (SOCK_SEQPACKET, SOCK_STREAM, SOCK_DGRAM as
 * SOCK_SEQPACKET), rsp_bind, rsp_listen, rsp_accept, rsp_register (with
 * periodic re-registration), rsp_deregister, rsp_connect, rsp_sendmsg,
 * rsp_send_cookie, rsp_recvmsg (notifications and cookie echoes in band),
 * rsp_recvfullmsg, rsp_send, rsp_recv, rsp_read, rsp_write, rsp_close,
 * rsp_forcefailover, rsp_has_cookie, rsp_getsockname, rsp_getpeername,
 * rsp_poll, rsp_select, rsp_mapsocket, rsp_unmapsocket,
 * rsp_print_notification, rsp_update_session_parameters, rsp_csp_setstatus,
 * rsp_getsockopt, rsp_setsockopt, the six draft-00 functions and the
 * enhanced-mode _tags variants of rserpool-internals.h, and rsplib's
 * Component Status Protocol reports (ri_csp_server and ri_csp_interval, or
 * -cspserver= and -cspinterval=; rsp_csp_setstatus sets a session's
 * text). Limits: rsp_sendmsg ignores msg_flags, and timeout 0 waits like
 * -1 (a positive timeout bounds the send); sctpTimeToLive drops a message
 * still queued during a failover when it expires and is passed to kernel
 * SCTP (PR-SCTP), while the TCP mapping delivers every message it has
 * taken; messages are at most 65536 bytes (EMSGSIZE);
 * rsp_update_session_parameters applies to the associations a socket
 * makes afterwards (a pool user's next failover; an element's when called
 * before rsp_register/rsp_listen), on the TCP mapping as keep-alive after
 * sp_hbinterval, sp_assoc_max_rxt probes sp_rto_max apart and
 * TCP_USER_TIMEOUT = sp_assoc_max_rxt x sp_rto_max; on an RSerPool socket
 * rsp_getsockopt answers only SOL_SOCKET/SO_TYPE and rsp_setsockopt
 * nothing (ENOPROTOOPT; other descriptors pass through). With
 * -cspserver= but no identifier a process reports as its first pool
 * element (rsplib would send nothing) or as a pool user with a random
 * identifier.
 *
 * Two generations of the RSerPool C API are accepted by this one header:
 *
 *  - rsplib 3.x, the RSerPool reference implementation: every function,
 *    struct, constant and flag of its rserpool.h, with the same prototypes
 *    and byte-identical struct layouts, so that programs written for rsplib
 *    compile unchanged and objects built against rsplib link unchanged
 *    (link with -lrsplib; librsplib.so.3 is provided too). The plain names
 *    (rsp_register, rsp_connect, ...) ARE the rsplib functions.
 *
 *  - draft-ietf-rserpool-api-00 (2005), which gives call shapes only in its
 *    echo examples. Where those clash with rsplib (rsp_register,
 *    rsp_deregister, rsp_connect, rsp_sendmsg, rsp_recvmsg), they differ in
 *    argument count, and function-like macros route each call by its number
 *    of arguments to the rsplib function or to a *_draft00 function (see
 *    "Two APIs, one set of names" below). struct rsp_loadinfo also answers
 *    to the draft's member name .policy, and RSP_ROUND_ROBIN and friends
 *    are defined (rserpool-policytypes.h).
 *
 * A pool is a set of pool elements (PEs, servers) named by a pool handle,
 * an opaque byte string of at most 32 bytes (not NUL-terminated: sizes are
 * always passed). PEs register with a registrar (ENRP server); pool users
 * (PUs, clients) ask a registrar for the pool's elements ("handle
 * resolution") and talk to one of them, failing over to another when it
 * dies. Registrars are found through static configuration (-registrar=,
 * see rsp_initarg) or multicast announces (239.0.0.50:3863).
 *
 * Descriptors. The descriptors returned by rsp_socket and rsp_accept are
 * real kernel descriptors (a superset of rsplib, whose descriptors were
 * library-private numbers): select(), poll() and epoll report them
 * readable when rsp_recvmsg has something to return, and close-on-exec is
 * set. Read and write them only through this API (rsp_recvmsg, rsp_read,
 * ...), and close them with rsp_close. rsp_select and rsp_poll accept these
 * descriptors and any other kernel descriptor (standard input, plain
 * sockets), so rsp_mapsocket is accepted but never needed.
 *
 * Errors. Unless said otherwise, calls return -1 (or a negative REAI_*
 * code) and set errno on failure. Every call except rsp_initinfo,
 * rsp_initarg, rsp_freeinfo, the policy-name helpers and
 * rsp_print_notification needs a successful rsp_initialize first; before
 * it, socket calls fail with EACCES. A descriptor that is not an
 * RSerPool socket gives EBADF. Times in this API are milliseconds; a
 * timeout of -1 waits forever, 0 does not wait.
 *
 * Threads: calls on different descriptors may run concurrently; calls on
 * one descriptor are serialized. No callback ever runs behind the
 * program's back; notifications arrive in band (rsp_recvmsg).
 *
 * Compile-time switches (define before including):
 *   RSP_NO_ARITY_DISPATCH  no macros: plain names are only the rsplib
 *                          functions; call the draft ones by their
 *                          *_draft00 names.
 *   RSP_API_RSPLIB         rsplib only: RSP_NO_ARITY_DISPATCH plus
 *                          RSP_NO_POLICY_ALIAS.
 *   RSP_API_DRAFT00        draft only: rsp_register, rsp_deregister,
 *                          rsp_connect, rsp_sendmsg, rsp_recvmsg AND
 *                          rsp_bind called with "(" always mean the
 *                          *_draft00 functions (the rsplib counts are then
 *                          compile errors).
 *   RSP_DRAFT00_BIND       rsp_bind(...) means rsp_bind_draft00 (third
 *                          argument a byte length); see rsp_bind.
 *   RSP_NO_POLICY_ALIAS    struct rsp_loadinfo exactly as rsplib spells it,
 *                          without the .policy alias (same layout).
 * Code that includes this header into cgo (Go) uses RSP_API_RSPLIB: the
 * macros would rename its exports, and cgo cannot name the members of an
 * anonymous union.
 */
#ifndef RSERPOOL_H
#define RSERPOOL_H

/* This rserpool.h is netcompat's. */
#define NETCOMPAT_RSERPOOL_H 1

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netdb.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include "rserpool-policytypes.h"
#include "rserpool-csp.h"

#if defined(RSP_API_RSPLIB) && defined(RSP_API_DRAFT00)
#error "rserpool.h: define at most one of RSP_API_RSPLIB and RSP_API_DRAFT00"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The API version rsplib 3.x reports in struct rsp_info (2.3). */
#define RSPLIB_VERSION  2
#define RSPLIB_REVISION 3

/* ===================================================================== */
/* Protocol constants                                                    */
/* ===================================================================== */

#define ASAP_PORT 3863 /* ASAP: PE/PU <-> registrar                      */
#define ENRP_PORT 9901 /* ENRP: registrar <-> registrar                  */

/* Default multicast groups of the registrars' announces ("addr:port"). */
#define ASAP_ANNOUNCE_MULTICAST_ADDRESS "239.0.0.50:3863"
#define ENRP_ANNOUNCE_MULTICAST_ADDRESS "239.0.0.51:9901"

/* ===================================================================== */
/* Library initialisation                                                */
/* ===================================================================== */

/*
 * One statically configured registrar: rri_addrs addresses (a multi-homed
 * registrar) packed back to back at rri_addr, each as long as its family's
 * struct (sockaddr_in or sockaddr_in6). Built by rsp_initarg; a list
 * linked through rri_next. 24 bytes on LP64.
 */
struct rsp_registrar_info {
	struct rsp_registrar_info *rri_next;
	struct sockaddr           *rri_addr;
	size_t                     rri_addrs;
};

/*
 * Library parameters for rsp_initialize; 96 bytes on LP64. Zero in a
 * member means "the default", so a zeroed struct (memset, or
 * rsp_initinfo) is a valid configuration. All times are milliseconds.
 */
struct rsp_info {
	unsigned int ri_version;    /* set by rsp_initialize: RSPLIB_VERSION   */
	unsigned int ri_revision;   /* set by rsp_initialize: RSPLIB_REVISION  */
	const char  *ri_build_date; /* deprecated; rsp_initialize sets NULL    */
	const char  *ri_build_time; /* deprecated; rsp_initialize sets NULL    */

	/* Static registrars (from -registrar=...), tried in list order. */
	struct rsp_registrar_info *ri_registrars;
	/* Non-zero: do not listen for registrar announces. */
	int                        ri_disable_autoconfig;
	/* Announce group to listen to; NULL = ASAP_ANNOUNCE_MULTICAST_ADDRESS. */
	struct sockaddr           *ri_registrar_announce;

	unsigned int ri_registrar_announce_timeout;   /* default 5000  */
	unsigned int ri_registrar_connect_timeout;    /* default 7500  */
	unsigned int ri_registrar_connect_max_trials; /* default 1     */
	unsigned int ri_registrar_request_timeout;    /* default 3000  */
	unsigned int ri_registrar_response_timeout;   /* default 3000  */
	unsigned int ri_registrar_request_max_trials; /* default 1     */

	/* Component Status Protocol reporting (rserpool-csp.h); 0/NULL = off. */
	uint64_t         ri_csp_identifier;
	struct sockaddr *ri_csp_server;
	unsigned int     ri_csp_interval; /* at least 250 */
};

/*
 * Policy and policy parameters of a registering pool element; 24 bytes.
 * rli_policy is a PPT_* code (rserpool-policytypes.h); which other members
 * count depends on it (weights: 32-bit integers; loads, degradations and
 * DPFs: fractions, 0xffffffff = 100 %). Zero the struct, then set what the
 * policy needs. A NULL struct rsp_loadinfo pointer means Round Robin.
 *
 * The first member also answers to the draft-00 name .policy:
 *     linfo.policy = RSP_ROUND_ROBIN;   is   linfo.rli_policy = PPT_ROUNDROBIN;
 * It is an anonymous union of two uint32_t names, so the size and every
 * offset stay rsplib's. This is standard C11 and C++; in C89/C99 mode GCC
 * and Clang accept it as an extension (marked __extension__, so -pedantic
 * stays quiet); other pre-C11 compilers get the plain rsplib struct and
 * must write .rli_policy. RSP_HAVE_POLICY_ALIAS tells which.
 * One difference a C (not C++) program can notice: with -Wall, a positional
 * initializer such as { PPT_ROUNDROBIN, 1, 0, 0, 0, 0 } draws a
 * -Wmissing-braces warning (the union is a subobject). Zero-initialize
 * with { 0 } or memset, or use designated initializers
 * { .rli_policy = PPT_ROUNDROBIN, .rli_weight = 1 } instead, or define
 * RSP_NO_POLICY_ALIAS.
 */
#if defined(RSP_NO_POLICY_ALIAS) || defined(RSP_API_RSPLIB)
#define RSP_HAVE_POLICY_ALIAS 0
#elif defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
#define RSP_HAVE_POLICY_ALIAS 1
#define RSP__ANON_UNION union
#elif defined(__GNUC__)
#define RSP_HAVE_POLICY_ALIAS 1
#define RSP__ANON_UNION __extension__ union
#else
#define RSP_HAVE_POLICY_ALIAS 0
#endif

struct rsp_loadinfo {
#if RSP_HAVE_POLICY_ALIAS
	RSP__ANON_UNION {
		uint32_t rli_policy; /* PPT_* code                          */
		uint32_t policy;     /* draft-00 name of the same member    */
	};
#else
	uint32_t rli_policy;         /* PPT_* code                          */
#endif
	uint32_t rli_weight;           /* weight; the priority for PPT_PRIORITY */
	uint32_t rli_weight_dpf;       /* weight DPF                          */
	uint32_t rli_load;             /* current load                        */
	uint32_t rli_load_degradation; /* load increment per new session      */
	uint32_t rli_load_dpf;         /* load DPF                            */
};

/* rsp_register / rsp_pe_registration flags. */
#define REGF_DONTWAIT       (1 << 0) /* return before the registrar answers      */
#define REGF_CONTROLCHANNEL (1 << 1) /* PE has a control channel (ASAP on the
                                        data association: cookies, failover) */
#define REGF_DAEMONMODE     (1 << 2) /* keep re-registering after errors        */

/* rsp_deregister / rsp_pe_deregistration flags. */
#define DEREGF_DONTWAIT     (1 << 0) /* return before the registrar answers      */

/*
 * Fills *info with the defaults (all zero; builds with CSP also read the
 * environment variables CSP_SERVER and CSP_INTERVAL). Call it before
 * rsp_initarg.
 */
void rsp_initinfo(struct rsp_info *info);

/*
 * Frees what rsp_initarg allocated in *info (registrar lists, announce and
 * CSP addresses) and zeroes those members. Call it after rsp_cleanup, as
 * rsplib programs do.
 */
void rsp_freeinfo(struct rsp_info *info);

/*
 * Interprets one command-line argument if it is an rsplib option, storing
 * the result in *info. Returns 1 if arg was an rsplib option (consumed),
 * 0 if not (the program handles it). Options:
 *   -registrar=addr:port[,addr:port...]   add a static (multi-homed)
 *                                         registrar; repeatable; IPv6 as
 *                                         [addr]:port
 *   -asapannounce=auto|off|addr[:port]    announce group, or none
 *   -registrarannouncetimeout=ms  -registrarconnecttimeout=ms
 *   -registrarconnectmaxtrials=n  -registrarrequesttimeout=ms
 *   -registrarresponsetimeout=ms  -registrarrequestmaxtrials=n
 *   -log...                               logging options
 *   -cspserver=addr:port -cspinterval=ms -cspidentifier=id   CSP reporting
 * Allocations belong to *info; release them with rsp_freeinfo.
 */
int rsp_initarg(struct rsp_info *info, const char *arg);

/*
 * Starts the library; call it once before any other call below. info may
 * be NULL (all defaults) or a zeroed / rsp_initinfo-filled /
 * rsp_initarg-edited struct, which is copied. On success returns 0 and,
 * if info is not NULL, sets ri_version = RSPLIB_VERSION, ri_revision =
 * RSPLIB_REVISION and the deprecated build strings to NULL. A second call
 * returns 0 and changes nothing. Returns -1 (errno set) on failure.
 */
int rsp_initialize(struct rsp_info *info);

/*
 * Stops the library: closes every RSerPool socket (deregistering its pool
 * element) and frees the library's state. rsp_initialize may be called
 * again afterwards. (rsplib declares it with an empty parameter list.)
 */
void rsp_cleanup(void);

/* ===================================================================== */
/* Basic mode: handle resolution and registration without sessions       */
/* ===================================================================== */

/*
 * A pool element as handle resolution returns it, or the transport
 * description of a pool element to register; 56 bytes on LP64.
 */
struct rsp_addrinfo {
	int                  ai_family;   /* AF_INET or AF_INET6               */
	int                  ai_socktype; /* SOCK_STREAM, SOCK_SEQPACKET, ...  */
	int                  ai_protocol; /* IPPROTO_SCTP, IPPROTO_TCP, ...    */
	size_t               ai_addrlen;  /* length of ONE address struct      */
	size_t               ai_addrs;    /* number of addresses at ai_addr    */
	struct sockaddr     *ai_addr;     /* ai_addrs addresses, packed        */
	struct rsp_addrinfo *ai_next;     /* next element, or NULL             */
	uint32_t             ai_pe_id;    /* pool element identifier           */
};

/*
 * Registers (or re-registers, same ai_pe_id) the pool element described by
 * *rspAddrInfo in pool poolHandle (poolHandleSize bytes) with policy
 * *rspLoadInfo, for registrationLife ms. ai_pe_id 0 picks a random
 * identifier and stores it in rspAddrInfo->ai_pe_id. flags: REGF_*. The
 * program owns the element's sockets; this only tells the registrar.
 * Returns 0 on success, otherwise a non-zero rsplib error code (an RFC 5352
 * operation-error cause, or a library error).
 */
unsigned int rsp_pe_registration(const unsigned char *poolHandle, const size_t poolHandleSize,
                                 struct rsp_addrinfo *rspAddrInfo,
                                 const struct rsp_loadinfo *rspLoadInfo,
                                 unsigned int registrationLife, const int flags);

/* Deregisters element identifier of the pool. flags: DEREGF_*. 0 or an error code. */
unsigned int rsp_pe_deregistration(const unsigned char *poolHandle, const size_t poolHandleSize,
                                   const uint32_t identifier, const int flags);

/*
 * Reports element identifier of the pool as unreachable (ASAP Endpoint
 * Unreachable) and drops it from the local cache. 0 or an error code.
 */
unsigned int rsp_pe_failure(const unsigned char *poolHandle, const size_t poolHandleSize,
                            const uint32_t identifier);

/* Item counts for rsp_getaddrinfo. */
#define RSPGETADDRS_MIN     (size_t)1          /* one element           */
#define RSPGETADDRS_MAX     (size_t)0xffffffff /* as many as allowed (128) */
#define RSPGETADDRS_DEFAULT (size_t)0          /* the default (one)      */

/*
 * Handle resolution: asks for up to items elements of pool poolHandle
 * (chosen by the pool's policy; at most 128 per call) and stores a list of
 * them in *rserpoolAddrInfo. Cached answers younger than staleCacheValue
 * ms are used without asking the registrar (0: always ask).
 * Returns the number of elements (>= 1); the list belongs to the caller,
 * who frees it with rsp_freeaddrinfo. On failure *rserpoolAddrInfo is
 * NULL and the result is a negative REAI_* code.
 */
int rsp_getaddrinfo(const unsigned char *poolHandle, const size_t poolHandleSize,
                    struct rsp_addrinfo **rserpoolAddrInfo, const size_t items,
                    const unsigned int staleCacheValue);

/* rsp_getaddrinfo errors. */
#define REAI_NONAME -1 /* the pool handle is unknown (no elements)  */
#define REAI_MEMORY -2 /* out of memory                             */
#define REAI_SYSTEM -3 /* other error (not initialized, no registrar); see errno */
#define REAI_FAMILY -4 /* address family not supported              */

/* Frees a list from rsp_getaddrinfo, addresses included. NULL is ignored. */
void rsp_freeaddrinfo(struct rsp_addrinfo *rserpoolAddrInfo);

/* ===================================================================== */
/* Enhanced mode: RSerPool sockets and sessions                          */
/* ===================================================================== */

/*
 * A session identifier: which PU session of a one-to-many PE socket a
 * message belongs to (0 on one-to-one sockets).
 */
typedef int rserpool_session_t;

/* Sessions per socket. */
#define SESSION_SETSIZE 16384

/* Bits rsp_recvmsg stores in *msg_flags (besides MSG_EOR). */
#define MSG_RSERPOOL_NOTIFICATION (1 << 0) /* the data is a union rserpool_notification */
#define MSG_RSERPOOL_COOKIE_ECHO  (1 << 1) /* the data is a cookie from a failed-over PU */

/*
 * Per-message information (20 bytes). Filled by rsp_recvmsg; the draft-00
 * rsp_sendmsg reads it back to answer the same session.
 */
struct rsp_sndrcvinfo {
	rserpool_session_t rinfo_session;    /* session of the message            */
	uint32_t           rinfo_ppid;       /* SCTP PPID, NETWORK byte order     */
	uint32_t           rinfo_pe_id;      /* the PE's identifier (PU side)     */
	uint32_t           rinfo_timetolive; /* PR-SCTP lifetime, ms (0 = none)   */
	uint16_t           rinfo_stream;     /* SCTP stream                       */
};

/*
 * Notifications, read by rsp_recvmsg with MSG_RSERPOOL_NOTIFICATION set.
 * Each begins with type (RSERPOOL_SESSION_CHANGE, RSERPOOL_FAILOVER or
 * RSERPOOL_SHUTDOWN_EVENT), flags (0) and length (of the whole struct).
 */
struct rserpool_failover { /* 20 bytes */
	uint16_t           rf_type; /* RSERPOOL_FAILOVER */
	uint16_t           rf_flags;
	uint32_t           rf_length;
	unsigned int       rf_state;   /* RSERPOOL_FAILOVER_NECESSARY / _COMPLETE */
	rserpool_session_t rf_session;
	unsigned char      rf_has_cookie; /* a cookie will be echoed to the new PE */
};

/* rf_state: the PE was lost (call rsp_forcefailover or just send again, which
   fails over), or the session now runs on a new PE. */
#define RSERPOOL_FAILOVER_NECESSARY 1
#define RSERPOOL_FAILOVER_COMPLETE  2

struct rserpool_session_change { /* 16 bytes */
	uint16_t           rsc_type; /* RSERPOOL_SESSION_CHANGE */
	uint16_t           rsc_flags;
	uint32_t           rsc_length;
	unsigned int       rsc_state; /* RSERPOOL_SESSION_ADD / _REMOVE */
	rserpool_session_t rsc_session;
};

/* rsc_state: a PU session was added to / removed from a PE socket. */
#define RSERPOOL_SESSION_ADD    1
#define RSERPOOL_SESSION_REMOVE 2

struct rserpool_shutdown_event { /* 12 bytes */
	uint16_t           rse_type; /* RSERPOOL_SHUTDOWN_EVENT */
	uint16_t           rse_flags;
	uint32_t           rse_length;
	rserpool_session_t rse_session; /* the session that ended */
};

/* Any notification: look at rn_header.rn_type first. 20 bytes. */
union rserpool_notification {
	struct {
		uint16_t rn_type;
		uint16_t rn_flags;
		uint32_t rn_length;
	} rn_header;
	struct rserpool_failover       rn_failover;
	struct rserpool_session_change rn_session_change;
	struct rserpool_shutdown_event rn_shutdown_event;
};

/* rn_type values. */
#define RSERPOOL_SESSION_CHANGE 1
#define RSERPOOL_FAILOVER       2
#define RSERPOOL_SHUTDOWN_EVENT 3

/*
 * SCTP parameters of a socket's sessions (24 bytes), in ms or counts.
 * Defaults: RTO initial 2000, min 1000, max 5000; association max
 * retransmissions 8; path max retransmissions 3; heartbeat interval 15000.
 */
struct rserpool_session_parameters {
	unsigned int sp_rto_initial;
	unsigned int sp_rto_min;
	unsigned int sp_rto_max;
	unsigned int sp_assoc_max_rxt;
	unsigned int sp_path_max_rxt;
	unsigned int sp_hbinterval;
};

/* ---------------------------------------------------------------------- */
/* Sockets                                                                */
/* ---------------------------------------------------------------------- */

/*
 * Creates an RSerPool socket. domain: AF_INET, AF_INET6, or 0 / AF_UNSPEC
 * (IPv6 if available, else IPv4). type: SOCK_SEQPACKET (one-to-many: a PE
 * serving many sessions, or a PU), SOCK_STREAM (one-to-one), or SOCK_DGRAM
 * (the draft's choice; treated as SOCK_SEQPACKET). protocol must be
 * IPPROTO_SCTP (else EPROTONOSUPPORT); the transport is kernel SCTP when
 * the kernel has it, otherwise netcompat's TCP mapping.
 * Returns the descriptor, or -1 (EACCES before rsp_initialize, EMFILE, ...).
 */
int rsp_socket(int domain, int type, int protocol);

/*
 * Sets the socket's session parameters: members that are 0 stay as they
 * are. On return *params holds the values now in force. They apply to the
 * associations the socket makes afterwards (see the top of this file).
 * 0, or -1 (EBADF, EINVAL for NULL, EACCES before rsp_initialize).
 */
int rsp_update_session_parameters(int sd, struct rserpool_session_parameters *params);

/*
 * Binds the socket (before rsp_register) to local addresses.
 *
 * rsplib: addrs points to addrcnt addresses packed back to back (each as
 * long as its family's struct, as for sctp_bindx); addrcnt < 1 binds the
 * wildcard address with a system-chosen port.
 *
 * The draft passes ONE address and its length in bytes instead:
 *     rsp_bind(fd, (const struct sockaddr *)&sin, sizeof(sin));
 * rsp_bind tells the two apart at run time by this rule, applied in order:
 *   1. addrcnt < 1                                  -> wildcard (rsplib);
 *   2. addrcnt == 16 (sizeof(struct sockaddr_in))
 *      and addrs->sa_family == AF_INET              -> one IPv4 address;
 *   3. addrcnt == 28 (sizeof(struct sockaddr_in6))
 *      and addrs->sa_family == AF_INET6             -> one IPv6 address;
 *   4. addrcnt == 128 (sizeof(struct sockaddr_storage))
 *                                                   -> one address of
 *                                                      family sa_family;
 *   5. otherwise                                    -> addrcnt addresses
 *                                                      (rsplib).
 * So the only rsplib calls read as draft calls would bind exactly 16 IPv4,
 * 28 IPv6 or 128 addresses at once; a pool element has at most 64
 * transport addresses, and no known rsplib program binds that many. A
 * program that does, or that wants no guessing, calls rsp_bind_draft00
 * (or defines RSP_DRAFT00_BIND) for byte lengths.
 * Returns 0, or -1 (EINVAL for a bad address, EADDRINUSE, ...).
 */
int rsp_bind(int sd, const struct sockaddr *addrs, int addrcnt);

/* Lets a pool element's socket accept sessions (as listen(2)). 0 or -1. */
int rsp_listen(int sd, int backlog);

/*
 * The pool handle and PE identifier the socket is registered under.
 * *poolHandleSize: in, the size of the poolHandle buffer; out, the handle's
 * length. poolHandleSize (then the handle is not returned) or identifier
 * may be NULL. 0, or -1 (EBADF if the socket is not a registered PE,
 * ENOBUFS if the buffer is too small).
 */
int rsp_getsockname(int sd, unsigned char *poolHandle, size_t *poolHandleSize,
                    uint32_t *identifier);

/* The same for the PE a PU socket's session is talking to (-1/EBADF if none). */
int rsp_getpeername(int sd, unsigned char *poolHandle, size_t *poolHandleSize,
                    uint32_t *identifier);

/*
 * Closes the socket: deregisters its pool element, ends its sessions and
 * releases the descriptor. 0 or -1 (EBADF). Non-RSerPool descriptors are
 * passed to close(2).
 */
int rsp_close(int sd);

/*
 * poll(2) for RSerPool sockets and any other descriptors; timeout in ms,
 * -1 forever. An RSerPool socket is readable when rsp_recvmsg (or
 * rsp_accept on a listening PE) will not block. Returns the number of
 * entries with events, 0 on timeout, -1 (EINVAL if nfds > FD_SETSIZE,
 * EINTR).
 */
int rsp_poll(struct pollfd *ufds, unsigned int nfds, int timeout);

/* select(2) in the same way (n <= FD_SETSIZE; timeout NULL = forever). */
int rsp_select(int n, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               struct timeval *timeout);

/* getsockopt(2)/setsockopt(2) on the socket's transport socket. 0 or -1. */
int rsp_getsockopt(int sd, int level, int optname, void *optval, socklen_t *optlen);
int rsp_setsockopt(int sd, int level, int optname, const void *optval, socklen_t optlen);

/* ---------------------------------------------------------------------- */
/* Pool elements                                                          */
/* ---------------------------------------------------------------------- */

/*
 * Registers the socket as a pool element of pool poolHandle
 * (poolHandleSize <= 32 bytes, else ENAMETOOLONG) with the policy in
 * *loadinfo (NULL: Round Robin), and re-registers it every
 * reregistrationInterval ms (registration life: three intervals) until
 * rsp_deregister or rsp_close. An unbound socket is bound to the wildcard
 * address first. Calling it again on a registered socket updates the
 * policy (same pool handle, else EBADF). flags: REGF_*. Without
 * REGF_DONTWAIT it waits for the registrar's answer.
 * Returns 0, or -1 (errno: EIO registrar error or none reachable, ...).
 * Draft-00 callers write rsp_register(fd, "echo", 4, &linfo): see
 * rsp_register_draft00.
 */
int rsp_register(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                 const struct rsp_loadinfo *loadinfo, unsigned int reregistrationInterval,
                 int flags);

/*
 * Deregisters the socket's pool element (the socket stays open, its
 * sessions too). flags: DEREGF_*. 0, or -1 (EBADF if not registered).
 */
int rsp_deregister(int sd, int flags);

/*
 * Waits up to timeout ms (-1 forever) for a new session on a listening PE
 * socket and returns a new one-to-one RSerPool socket for it (close it
 * with rsp_close), or -1 on timeout or error.
 */
int rsp_accept(int sd, int timeout);

/* ---------------------------------------------------------------------- */
/* Pool users                                                             */
/* ---------------------------------------------------------------------- */

/*
 * Makes the socket a session with pool poolHandle (poolHandleSize bytes):
 * resolves the handle (answers younger than staleCacheValue ms may come
 * from the cache) and connects to the element the policy picks. Returns 0
 * also when no element is reachable yet: the session then connects on the
 * next send or rsp_forcefailover. -1 (EBADF) if the socket already has a
 * session. Draft-00 callers write rsp_connect(fd, "echo", 4).
 */
int rsp_connect(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                const unsigned int staleCacheValue);

/* 1 if the session's PE has sent a cookie (kept for failover), else 0. */
int rsp_has_cookie(int sd);

/* rsp_forcefailover flags. */
#define FFF_NONE        0        /* just move to another element         */
#define FFF_UNREACHABLE (1 << 0) /* also report the current one as dead  */

/*
 * Moves the session to another element of the pool now (handle
 * resolution with staleCacheValue as for rsp_connect); the latest cookie,
 * if any, is echoed to the new element. 0, or -1 (EBADF no session,
 * EIO/ENOENT no element found).
 */
int rsp_forcefailover(int sd, const unsigned int flags, const unsigned int staleCacheValue);

/* ---------------------------------------------------------------------- */
/* Session I/O                                                            */
/* ---------------------------------------------------------------------- */

/*
 * Sends one message of dataLength bytes. sessionID selects the session on
 * a one-to-many PE socket (rinfo_session of a received message; ignored
 * on one-to-one sockets). sctpPPID is in NETWORK byte order
 * (htonl(ppid)); sctpStreamID, sctpTimeToLive (ms, PR-SCTP; 0 = reliable)
 * and sctpFlags (SCTP_UNORDERED, ...) go to the transport. msg_flags: 0 or
 * MSG_* send flags. timeout: ms to wait for the transport, -1 forever.
 * A PU whose element has died fails over first (a FAILOVER notification
 * follows). Returns the bytes sent, or -1 (EIO, EAGAIN on timeout,
 * EBADF ...). Draft-00 callers write rsp_sendmsg(fd, buf, len, &sinfo or
 * NULL, 0): see rsp_sendmsg_draft00.
 */
ssize_t rsp_sendmsg(int sd, const void *data, size_t dataLength, unsigned int msg_flags,
                    rserpool_session_t sessionID, uint32_t sctpPPID, uint16_t sctpStreamID,
                    uint32_t sctpTimeToLive, uint16_t sctpFlags, int timeout);

/*
 * A PE sends cookie (cookieSize bytes) to the PU of session sessionID; the
 * PU keeps the latest one and echoes it to the next element after a
 * failover. Returns cookieSize, or -1.
 */
ssize_t rsp_send_cookie(int sd, const unsigned char *cookie, const size_t cookieSize,
                        rserpool_session_t sessionID, int timeout);

/*
 * Receives data, waiting up to timeout ms (-1 forever). msg_flags must not
 * be NULL: it is set to MSG_EOR when the message ends with this piece
 * (a message larger than bufferLength comes in several pieces), plus
 * MSG_RSERPOOL_NOTIFICATION when the buffer holds a union
 * rserpool_notification, or MSG_RSERPOOL_COOKIE_ECHO when it holds a
 * cookie a failed-over PU echoes. rinfo (may be NULL) receives the
 * session, PPID (network order), PE identifier and stream. Returns the
 * byte count, 0 when the session ended, or -1 (EAGAIN on timeout, ...).
 * Draft-00 callers write rsp_recvmsg(fd, buf, size, &sinfo or NULL, 0).
 */
ssize_t rsp_recvmsg(int sd, void *buffer, size_t bufferLength, struct rsp_sndrcvinfo *rinfo,
                    int *msg_flags, int timeout);

/*
 * Like rsp_recvmsg, but keeps reading until the message is complete
 * (MSG_EOR) or the buffer is full.
 */
ssize_t rsp_recvfullmsg(int sd, void *buffer, size_t bufferLength,
                        struct rsp_sndrcvinfo *rinfo, int *msg_flags, int timeout);

/*
 * Simple forms, blocking (timeout -1). On an RSerPool socket, rsp_read and
 * rsp_recv are rsp_recvmsg with rinfo NULL and its flags dropped (so a
 * notification's bytes come back like data; rsp_recv's flags argument is
 * ignored), and rsp_write and rsp_send are rsp_sendmsg with session 0,
 * PPID 0, stream 0 (rsp_send's flags are the msg_flags, MSG_NOSIGNAL
 * added). On any other descriptor they are read(2), recv(2), write(2) and
 * send(2) - which is how rsplib programs read standard input.
 */
ssize_t rsp_read(int fd, void *buffer, size_t bufferLength);
ssize_t rsp_recv(int sd, void *buffer, size_t bufferLength, int flags);
ssize_t rsp_write(int fd, const char *data, size_t dataLength);
ssize_t rsp_send(int sd, const void *data, size_t dataLength, int flags);

/* ---------------------------------------------------------------------- */
/* Miscellaneous                                                          */
/* ---------------------------------------------------------------------- */

/*
 * rsplib needed every plain descriptor used with rsp_select/rsp_poll/
 * rsp_read to be mapped into its descriptor space first. Here they are
 * accepted directly: rsp_mapsocket(sd, toSD) returns sd (toSD must be -1
 * or sd, else EINVAL) and rsp_unmapsocket returns 0; both check that sd is
 * an open descriptor (EBADF).
 */
int rsp_mapsocket(int sd, int toSD);
int rsp_unmapsocket(int sd);

/* Prints a one-line description of *notification to fd (no newline). */
void rsp_print_notification(const union rserpool_notification *notification, FILE *fd);

/*
 * The name of policy type policyType ("RoundRobin", "LeastUsed", ... as in
 * rserpool-policytypes.h), or NULL if unknown. A static string.
 */
const char *rsp_getpolicybytype(unsigned int policyType);

/* The PPT_* code of a policy name (exact spelling), or PPT_UNDEFINED. */
unsigned int rsp_getpolicybyname(const char *policyName);

/*
 * Sets the status text the socket (session sessionID) reports through the
 * Component Status Protocol (at most 127 bytes are reported). sessionID
 * is 0 (or the session's own) on a pool user's or an accepted socket, one
 * of the element's sessions on a one-to-many element socket. 0, or -1
 * (EBADF; EINVAL for an unknown session; EACCES before rsp_initialize).
 */
int rsp_csp_setstatus(int sd, rserpool_session_t sessionID, const char *statusText);

/* ===================================================================== */
/* draft-ietf-rserpool-api-00 functions                                   */
/* ===================================================================== */

/*
 * The draft's calls, with the shapes of its echo examples. Normally they
 * are reached through the plain names (see below); they can always be
 * called by these names. The pool handle may be any bytes (char or
 * unsigned char). Same descriptors, structs and errors as above.
 *
 *   rsp_register_draft00(fd, "echo", 4, &linfo)
 *       rsp_register(fd, handle, size, linfo, 30000, 0): waits for the
 *       registrar; re-registration every 30 s. linfo may be NULL (Round
 *       Robin).
 *   rsp_deregister_draft00(fd)
 *       rsp_deregister(fd, 0).
 *   rsp_connect_draft00(fd, "echo", 4)
 *       rsp_connect(fd, handle, size, 0).
 *   rsp_sendmsg_draft00(fd, buf, len, &sinfo or NULL, flags)
 *       sends one message. With sinfo, its rinfo_session, rinfo_ppid
 *       (network order), rinfo_stream and rinfo_timetolive are used - pass
 *       the sinfo rsp_recvmsg filled to answer that session; NULL means
 *       session 0 (the PU's session), PPID 0, stream 0. flags: 0 or MSG_*
 *       send flags (the draft's FAILOVER_ALLOWED / FAILOVER_NOT_ALLOWED
 *       have no values in the draft and are not defined). Blocks.
 *   rsp_recvmsg_draft00(fd, buf, size, &sinfo or NULL, flags)
 *       receives one whole message, blocking (the part of a message
 *       longer than size is discarded). There is no flags out-parameter,
 *       so notifications and cookie echoes are not returned: they are
 *       consumed, and failover happens by itself. flags: 0, or
 *       MSG_DONTWAIT (-1 with EAGAIN instead of blocking). A call that
 *       consumed a failover notification does not block afterwards: with
 *       no message behind it, it returns -1 with EAGAIN, so a select()
 *       loop (the draft's pool user) gets back to its other descriptors.
 *       Returns the length, 0 when the session ended, or -1.
 *   rsp_bind_draft00(fd, addr, addrlen)
 *       binds to the one address addr of addrlen bytes (as bind(2)).
 *
 * The draft's echo PE passes sinfo BY VALUE to rsp_sendmsg
 * ("rsp_sendmsg(fd, buf, len, sinfo, 0)"); no C prototype can accept both
 * that and NULL, so it is treated as the draft's typo it is: write &sinfo.
 */
int rsp_register_draft00(int sd, const void *poolHandle, size_t poolHandleSize,
                         const struct rsp_loadinfo *loadinfo);
int rsp_deregister_draft00(int sd);
int rsp_connect_draft00(int sd, const void *poolHandle, size_t poolHandleSize);
ssize_t rsp_sendmsg_draft00(int sd, const void *data, size_t dataLength,
                            const struct rsp_sndrcvinfo *sinfo, int flags);
ssize_t rsp_recvmsg_draft00(int sd, void *buffer, size_t bufferLength,
                            struct rsp_sndrcvinfo *sinfo, int flags);
int rsp_bind_draft00(int sd, const struct sockaddr *addr, socklen_t addrlen);

#ifdef __cplusplus
}
#endif

/* ===================================================================== */
/* Two APIs, one set of names                                             */
/* ===================================================================== */

/*
 * rsp_register, rsp_deregister, rsp_connect, rsp_sendmsg and rsp_recvmsg
 * are function-like macros that count their arguments:
 *
 *   call                       arguments   calls
 *   rsp_register(...)          4 / 6       rsp_register_draft00 / rsp_register
 *   rsp_deregister(...)        1 / 2       rsp_deregister_draft00 / rsp_deregister
 *   rsp_connect(...)           3 / 4       rsp_connect_draft00 / rsp_connect
 *   rsp_sendmsg(...)           5 / 10      rsp_sendmsg_draft00 / rsp_sendmsg
 *   rsp_recvmsg(...)           5 / 6       rsp_recvmsg_draft00 / rsp_recvmsg
 *
 * The rsplib call reaches the real rsplib function (the macro expands to
 * its own name, which the preprocessor does not expand again), so objects
 * link against the rsplib symbols exactly as with rsplib's header. Any
 * other count is a compile error naming RSP__<function>_<count>, e.g.
 * "implicit declaration of RSP__register_5".
 *
 * What still works as with a plain function:
 *  - the name without a following "(" is not a macro use: &rsp_register,
 *    fp = rsp_connect, decltype(rsp_sendmsg) all mean the rsplib
 *    function;
 *  - (rsp_register)(...) calls the rsplib function without dispatch;
 *  - C++ qualified calls ::rsp_connect(fd, ph, n, 0) work;
 *  - #undef rsp_register gives back the plain rsplib name.
 * Limits:
 *  - arguments are counted at commas outside parentheses: a comma inside a
 *    compound literal or braced list ((struct rsp_loadinfo){a, b}) or a C++
 *    template argument list (f<a, b>(x)) splits an argument. Put such an
 *    argument in parentheses.
 *  - any other use of these five names followed by "(" is dispatched too,
 *    e.g. a C++ member function obj.rsp_connect(a, b, c) or a local
 *    function pointer with the same name; define RSP_NO_ARITY_DISPATCH (or
 *    #undef the name) in such code.
 *  - dispatch needs variadic macros: C99 or later, C++11 or later. In C89
 *    and C++98 only the rsplib shapes and the *_draft00 names exist.
 * rsp_bind is not a macro (both APIs pass three arguments); see rsp_bind.
 *
 * RSP_API_DRAFT00 maps the six names to the draft functions regardless of
 * the count (fixed-arity macros: a wrong count is a "macro requires N
 * arguments" error); RSP_DRAFT00_BIND does so for rsp_bind alone.
 */
#if defined(RSP_API_DRAFT00)

#define RSP_ARITY_DISPATCH 0
#define rsp_register(sd, ph, phsize, loadinfo) rsp_register_draft00(sd, ph, phsize, loadinfo)
#define rsp_deregister(sd)                     rsp_deregister_draft00(sd)
#define rsp_connect(sd, ph, phsize)            rsp_connect_draft00(sd, ph, phsize)
#define rsp_sendmsg(sd, data, len, sinfo, flags) rsp_sendmsg_draft00(sd, data, len, sinfo, flags)
#define rsp_recvmsg(sd, buf, len, sinfo, flags)  rsp_recvmsg_draft00(sd, buf, len, sinfo, flags)
#define rsp_bind(sd, addr, addrlen)            rsp_bind_draft00(sd, addr, addrlen)

#elif !defined(RSP_NO_ARITY_DISPATCH) && !defined(RSP_API_RSPLIB) && \
	((defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L) || \
	 (defined(__cplusplus) && __cplusplus >= 201103L))

#define RSP_ARITY_DISPATCH 1

/* The number of arguments (1 to 16). */
#define RSP__NARG(...) \
	RSP__NARG_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define RSP__NARG_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, n, ...) n
#define RSP__PASTE(a, b)  RSP__PASTE_(a, b)
#define RSP__PASTE_(a, b) a##b
/* stem##count, e.g. RSP__register_4 */
#define RSP__PICK(stem, ...) RSP__PASTE(stem, RSP__NARG(__VA_ARGS__))

#define rsp_register(...)   RSP__PICK(RSP__register_, __VA_ARGS__)(__VA_ARGS__)
#define RSP__register_4     rsp_register_draft00
#define RSP__register_6     rsp_register

#define rsp_deregister(...) RSP__PICK(RSP__deregister_, __VA_ARGS__)(__VA_ARGS__)
#define RSP__deregister_1   rsp_deregister_draft00
#define RSP__deregister_2   rsp_deregister

#define rsp_connect(...)    RSP__PICK(RSP__connect_, __VA_ARGS__)(__VA_ARGS__)
#define RSP__connect_3      rsp_connect_draft00
#define RSP__connect_4      rsp_connect

#define rsp_sendmsg(...)    RSP__PICK(RSP__sendmsg_, __VA_ARGS__)(__VA_ARGS__)
#define RSP__sendmsg_5      rsp_sendmsg_draft00
#define RSP__sendmsg_10     rsp_sendmsg

#define rsp_recvmsg(...)    RSP__PICK(RSP__recvmsg_, __VA_ARGS__)(__VA_ARGS__)
#define RSP__recvmsg_5      rsp_recvmsg_draft00
#define RSP__recvmsg_6      rsp_recvmsg

#if defined(RSP_DRAFT00_BIND)
#define rsp_bind(sd, addr, addrlen) rsp_bind_draft00(sd, addr, addrlen)
#endif

#else /* no dispatch */

#define RSP_ARITY_DISPATCH 0
#if defined(RSP_DRAFT00_BIND)
#define rsp_bind(sd, addr, addrlen) rsp_bind_draft00(sd, addr, addrlen)
#endif

#endif

#endif /* RSERPOOL_H */
