/*
 * nc_abi.h - the private interface between libnetcompat.so.1, the C front
 * that programs link, and libnetcompat-go.so.1, the Go core it loads on
 * first use. Never installed; the public ABI is include/.
 *
 * Conventions: every entry that can fail returns a status and stores an
 * errno value in *err (0 when there is none); the front copies it into
 * errno as its last step. Handles are the pointers the legacy API hands out.
 */
#ifndef NETCOMPAT_NC_ABI_H
#define NETCOMPAT_NC_ABI_H

#include <stddef.h>

/* An event the server core hands the front's extag_dispatch. */
enum nc_extag_event_kind {
	NC_EXTAG_ACCEPTED = 1,
	NC_EXTAG_PACKET = 2,
	NC_EXTAG_CLOSED = 3
};

struct nc_extag_event {
	int kind;
	int size;     /* NC_EXTAG_PACKET: octets of data */
	void *conn;   /* the ExtagConnection * */
	size_t off;   /* NC_EXTAG_PACKET: where the data starts in the batch buffer */
};

/*
 * rsplib basic mode (capi/front/rserpool_*.c <-> capi/rserpool_*.go).
 * Addresses cross as plain numbers: the front unpacks the packed sockaddr
 * arrays of struct rsp_info and struct rsp_addrinfo into these and builds
 * rsp_addrinfo lists from them.
 */
struct nc_rsp_addr {
	int family;             /* AF_INET or AF_INET6 */
	unsigned short port;    /* host byte order */
	unsigned char addr[16]; /* the address, network byte order (4 or 16 octets) */
	unsigned int scope_id;  /* AF_INET6 scope */
	int group;              /* nc_rsp_initialize: index of the registrar */
};

/* struct rsp_info, flattened; times in milliseconds, 0 = default. */
struct nc_rsp_config {
	unsigned int announce_timeout;
	unsigned int connect_timeout;
	unsigned int connect_max_trials;
	unsigned int request_timeout;
	unsigned int response_timeout;
	unsigned int request_max_trials;
	int disable_autoconfig;
	int has_announce;                      /* announce is set */
	struct nc_rsp_addr announce;
	const struct nc_rsp_addr *registrars;  /* in list order; group numbers them */
	size_t nregistrars;
	int has_csp;                           /* csp_server is set: report */
	struct nc_rsp_addr csp_server;
	unsigned int csp_interval;             /* ms */
	unsigned long long csp_identifier;     /* 0: derived */
};

/* struct rserpool_session_parameters, in milliseconds and counts. */
struct nc_rsp_timing {
	unsigned int rto_initial, rto_min, rto_max;
	unsigned int assoc_max_rxt, path_max_rxt, hbinterval;
};

/* struct rsp_loadinfo, flattened. */
struct nc_rsp_policy {
	unsigned int policy, weight, weight_dpf, load, load_degradation, load_dpf;
};

/* One element of a handle resolution: its addresses are
 * addrs[first .. first + naddrs - 1] of the same answer. */
struct nc_rsp_pe {
	unsigned int id;
	int protocol; /* IPPROTO_SCTP, IPPROTO_TCP, ... */
	size_t first, naddrs;
};

/*
 * rsplib enhanced mode (capi/front/rserpool_session.c <->
 * capi/rserpool_session.go). Each RSerPool socket is an AF_UNIX
 * SOCK_SEQPACKET socketpair: the C end, blocking and close-on-exec, is the
 * descriptor the program gets (and the key of the Go socket table); the Go
 * end, non-blocking, close-on-exec and numbered 1024 or above, is written
 * by the socket's Go goroutines only. Every received message, notification
 * or accepted session arrives as ONE datagram: a struct nc_rsp_frame
 * (native byte order except ppid) followed by len payload octets, so the
 * descriptor is readable exactly when rsp_recvmsg/rsp_accept would not
 * block, and the front parses frames without calling into Go. Sends and
 * every other operation call the nc_rsp_* exports (synchronous errors).
 *
 *   kind                 session         payload / other fields
 *   NC_RSPF_DATA         message's       the message; ppid, pe_id, stream
 *   NC_RSPF_COOKIE_ECHO  message's       the echoed cookie
 *   NC_RSPF_NOTIFY       notification's  none; ntype = rn_type, nstate =
 *                                        rf_state / rsc_state, extra =
 *                                        rf_has_cookie, pe_id = new PE
 *   NC_RSPF_ACCEPT       the new C fd    none (listening PE: rsp_accept)
 *   NC_RSPF_END          0               none: the session ended (recv 0)
 *   NC_RSPF_ERROR        0               none; nstate = errno (once)
 */
enum nc_rsp_frame_kind {
	NC_RSPF_DATA = 1,
	NC_RSPF_COOKIE_ECHO = 2,
	NC_RSPF_NOTIFY = 3,
	NC_RSPF_ACCEPT = 4,
	NC_RSPF_END = 5,
	NC_RSPF_ERROR = 6
};

struct nc_rsp_frame {
	unsigned int kind;
	int session;
	unsigned int ppid;      /* NETWORK byte order, as rinfo_ppid */
	unsigned int pe_id;
	unsigned short stream;
	unsigned short ntype;
	unsigned int nstate;
	unsigned int extra;
	unsigned int len;       /* payload octets after the header */
};
#define NC_RSP_FRAME_HEADER 32
/* The longest message payload (both directions). */
#define NC_RSP_MAX_MESSAGE 65536

/*
 * RSVP RAPI (capi/front/rapi*.c <-> capi/rapi*.go). The front converts the
 * C objects (rapi_filter_t, rapi_tspec_t, rapi_flowspec_t, rapi_adspec_t,
 * walked by len, network byte order) to these flat forms and back; the
 * core talks to rsvpd (core/rsvp/api). Entries return a RAPI error code
 * (0 = RAPI_ERR_OK) and store an errno in *err.
 */
struct nc_rapi_addr {
	int family;             /* AF_INET, AF_INET6; 0 = none / empty object */
	unsigned short port;    /* host byte order */
	unsigned char addr[16]; /* network byte order (4 or 16 octets) */
};

/* A Tspec (service NC_RAPI_TSPEC) or a flowspec (Controlled-Load 5,
 * Guaranteed 2); service 0 = empty object. Rates bytes/s, sizes bytes. */
#define NC_RAPI_TSPEC (-1)
struct nc_rapi_flow {
	int service;
	double r, b, p;
	unsigned int m, M;
	double R;               /* Guaranteed */
	unsigned int S;         /* Guaranteed, microseconds */
};

struct nc_rapi_ads {
	int present;            /* 0 = empty object */
	int brk;
	unsigned int hops;
	double bw;
	unsigned int latency, mtu;
	int has_gs, gs_brk;
	unsigned int Ctot, Dtot, Csum, Dsum;
	int has_cl;
};

/* One upcall: its objects are filts/flows/ads[first .. first + n - 1] of
 * the batch nc_rapi_take returns. */
struct nc_rapi_event {
	unsigned int sid;
	int type;               /* RAPI_PATH_EVENT ... RAPI_RESV_STATUS */
	int style;              /* RAPI_RSTYLE_* or 0 */
	int code, value;        /* RSVP error code and value (20: RAPI value) */
	struct nc_rapi_addr node;
	unsigned int eflags;
	int intserv;            /* the session asked for RAPI_USE_INTSERV */
	void *handler, *arg;
	size_t first_filt, nfilt;
	size_t first_flow, nflow;
	size_t first_ads, nads;
};

/*
 * WebTP (capi/front/webtp*.c <-> capi/webtp*.go, include/webtp.h). Each
 * WebTP socket is the C end of an AF_UNIX SOCK_STREAM socketpair carrying
 * the header-framed ADU stream (core/webtp/stream); the core's pump holds
 * the other end. Sockets are keyed by the C descriptor's number. Data never
 * crosses these entries: send/recv/read/write work on the descriptor. A
 * listening socket's descriptor carries one octet per connection waiting
 * for accept; the front reads that octet, then nc_webtp_accept hands over
 * the connection's descriptor. Addresses cross flattened.
 */
struct nc_webtp_addr {
	int family;             /* AF_INET or AF_INET6 */
	unsigned short port;    /* host byte order */
	unsigned char addr[16]; /* network byte order (4 or 16 octets) */
	unsigned int scope_id;  /* AF_INET6 */
};

/*
 * Every Go export the front calls: X(return type, name, parameter list).
 * The front builds its function table from this list, and the Go core
 * checks its exports against it at compile time (capi/abi_check.c).
 */
#define NC_CORE_FUNCS(X)                                                      \
	X(int, nc_ssexact_initialize,                                         \
	  (char *hostname, unsigned long ipaddr, unsigned short port,         \
	   void **conn, int *fd, int *max_packet, int *err))                  \
	X(int, nc_ssexact_read,                                               \
	  (void *conn, int block, char **data, int *len, int *err))           \
	X(void, nc_ssexact_close, (void *conn))                               \
	X(int, nc_extag_initialize, (unsigned short port, int *err))          \
	X(unsigned short, nc_extag_port, (void))                              \
	X(int, nc_extag_fd, (void))                                           \
	X(int, nc_extag_begindelivery, (void *conn, int *err))                \
	X(int, nc_extag_send,                                                 \
	  (void *conn, int size, unsigned char *data, int *err))              \
	X(int, nc_extag_closeconnection, (void *conn, int *err))              \
	X(int, nc_extag_shutdown, (int *err))                                 \
	X(int, nc_extag_take,                                                 \
	  (int first, struct nc_extag_event *evs, int max,                   \
	   unsigned char **buf, size_t *cap, int *err))                       \
	X(void, nc_extag_release, (void))                                     \
	X(int, nc_rsp_initialize, (struct nc_rsp_config *cfg, int *err))      \
	X(void, nc_rsp_cleanup, (void))                                       \
	X(unsigned int, nc_rsp_pe_registration,                               \
	  (unsigned char *handle, size_t size,                                \
	   struct nc_rsp_addr *addrs, size_t naddrs, int protocol,            \
	   unsigned int *pe_id, struct nc_rsp_policy *pol,                    \
	   unsigned int life, int flags, int *err))                           \
	X(unsigned int, nc_rsp_pe_deregistration,                             \
	  (unsigned char *handle, size_t size, unsigned int pe_id,            \
	   int flags, int *err))                                              \
	X(unsigned int, nc_rsp_pe_failure,                                    \
	  (unsigned char *handle, size_t size, unsigned int pe_id,            \
	   int *err))                                                         \
	X(int, nc_rsp_getaddrinfo,                                            \
	  (unsigned char *handle, size_t size, size_t items,                  \
	   unsigned int stale_ms, struct nc_rsp_pe **pes,                     \
	   struct nc_rsp_addr **addrs, int *err))                             \
	X(int, nc_rsp_socket, (int domain, int type, int *err))               \
	X(int, nc_rsp_bind,                                                   \
	  (int fd, struct nc_rsp_addr *addrs, size_t n, int *err))            \
	X(int, nc_rsp_listen, (int fd, int *err))                             \
	X(int, nc_rsp_register,                                               \
	  (int fd, unsigned char *handle, size_t size,                        \
	   struct nc_rsp_policy *pol, unsigned int rereg, int flags,          \
	   int *err))                                                         \
	X(int, nc_rsp_deregister, (int fd, int flags, int *err))              \
	X(int, nc_rsp_connect,                                                \
	  (int fd, unsigned char *handle, size_t size, unsigned int stale,    \
	   int *err))                                                         \
	X(long, nc_rsp_send,                                                  \
	  (int fd, unsigned char *data, size_t n, int session,                \
	   unsigned int ppid, unsigned short stream, int unordered,           \
	   unsigned int ttl_ms, int timeout, int cookie, int *err))           \
	X(int, nc_rsp_forcefailover,                                          \
	  (int fd, unsigned int flags, unsigned int stale, int *err))         \
	X(int, nc_rsp_has_cookie, (int fd))                                   \
	X(int, nc_rsp_name,                                                   \
	  (int fd, int peer, unsigned char *handle, size_t *size,             \
	   unsigned int *id, int *err))                                       \
	X(int, nc_rsp_close, (int fd, int *err))                              \
	X(int, nc_rsp_set_timing,                                             \
	  (int fd, struct nc_rsp_timing *t, int *err))                        \
	X(int, nc_rsp_csp_setstatus,                                          \
	  (int fd, int session, char *text, int *err))                       \
	X(int, nc_rapi_session,                                               \
	  (struct nc_rapi_addr *dest, int proto, unsigned int flags,          \
	   void *handler, void *arg, unsigned int *sid, int *err))            \
	X(int, nc_rapi_sender,                                                \
	  (unsigned int sid, unsigned int flags, struct nc_rapi_addr *host,   \
	   struct nc_rapi_addr *tmpl, struct nc_rapi_flow *tspec,             \
	   struct nc_rapi_ads *ads, int ttl, int *err))                       \
	X(int, nc_rapi_reserve,                                               \
	  (unsigned int sid, unsigned int flags, struct nc_rapi_addr *rhost,  \
	   int style, struct nc_rapi_addr *filts, int nfilt,                  \
	   struct nc_rapi_flow *flows, int nflow, int *err))                  \
	X(int, nc_rapi_release, (unsigned int sid, int *err))                 \
	X(int, nc_rapi_getfd, (unsigned int sid))                             \
	X(int, nc_rapi_set_timo, (int ms))                                    \
	X(int, nc_rapi_status, (unsigned int sid, int flags, int *err))       \
	X(int, nc_rapi_take,                                                  \
	  (struct nc_rapi_event **evs, size_t *nevs,                          \
	   struct nc_rapi_addr **filts, struct nc_rapi_flow **flows,          \
	   struct nc_rapi_ads **ads, int *err))                               \
	X(int, nc_rapi_nosignal,                                              \
	  (int proto, struct nc_rapi_addr *local, struct nc_rapi_addr *remote,\
	   char *rule, unsigned long long *handle, int *err))                 \
	X(int, nc_rapi_nosignal_remove, (unsigned long long handle, int *err)) \
	X(int, nc_webtp_socket,                                               \
	  (int domain, int nodup, int *sndbuf, int *err))                     \
	X(int, nc_webtp_bind, (int fd, struct nc_webtp_addr *a, int *err))    \
	X(int, nc_webtp_listen, (int fd, int backlog, int *err))              \
	X(int, nc_webtp_connect,                                              \
	  (int fd, struct nc_webtp_addr *a, int *sndbuf, int *err))           \
	X(int, nc_webtp_accept,                                               \
	  (int fd, struct nc_webtp_addr *peer, int *sndbuf, int *nodup,       \
	   int *err))                                                         \
	X(int, nc_webtp_setopt,                                               \
	  (int fd, int level, int name, void *val, int len, int *err))        \
	X(int, nc_webtp_getopt,                                               \
	  (int fd, int level, int name, void *val, int *len, int *err))       \
	X(int, nc_webtp_name,                                                 \
	  (int fd, int peer, struct nc_webtp_addr *a, int *err))              \
	X(void, nc_webtp_close, (int fd))                                     \
	X(void, nc_webtp_linger, (int timeout_ms))

#endif /* NETCOMPAT_NC_ABI_H */
