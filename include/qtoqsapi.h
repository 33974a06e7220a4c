/*
 * qtoqsapi.h - IBM i QoS sockets API (service program QTOQSAPI), on Linux.
 *
 * Link with -lqtoqsapi. Calls wrap ordinary sockets with RSVP signalling
 * through rsvpd (the RAPI library) or with locally installed "no
 * signalling" rules from rsvpd's configuration:
 *  - the accepting (server) side is the RSVP sender: qtoq_accept or
 *    qtoq_ioctl open a RAPI session and call rapi_sender; the rule is
 *    loaded when the reservation (RESV) arrives;
 *  - the connecting (client) side is the receiver: qtoq_connect(_ex) opens
 *    a RAPI session, waits for the PATH event and reserves the flowspec
 *    given in the request;
 *  - *qos_session is the RAPI session id, *qos_descriptor the RAPI event
 *    descriptor (readable when events are pending). With
 *    REQ_SIGNAL_NORET_EVENTS the library consumes the events itself;
 *  - qtoq_close replaces close(): it closes the socket, releases the RAPI
 *    session and unloads the rule.
 *  - REQ_NOSIGNAL: rsvpd's nosignal rule (rule_name, or the one matching
 *    the protocol, the local port and the peer) is admitted against the
 *    interface's pool, shared with RSVP reservations, and installed
 *    locally without signalling; *qos_session is then a library handle
 *    (high bit set), *qos_descriptor -1. errno ENOENT: no rule matches;
 *    ENOSPC: admission control refused it (the pool is full); EIO: traffic
 *    control failed. qtoq_close unloads it.
 * Calls return 0 (qtoq_accept: the new socket) or -1 with errno set. IBM i's
 * EUNKNOWN is reported as EIO.
 *
 * IBM documents the prototypes and request types; the structures only in
 * part. Fields marked "chosen:" are this implementation's choice. IBM i's
 * unsigned long is 4 bytes: it is uint32_t here.
 *
 * Clean as C89, C99, C11 and C++.
 */
#ifndef NC_QTOQSAPI_H
#define NC_QTOQSAPI_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- request types (req_type) ---- */
#define REQ_SIGNAL_RET_EVENTS    1  /* RSVP signalling, events returned */
#define REQ_SIGNAL_NORET_EVENTS  2  /* RSVP signalling, events not returned */
#define REQ_NOSIGNAL             3  /* accept: load a "no signalling" rule;
                                       ioctl: load the policy if admitted */
#define REQ_GET_RSVP_DATA        4  /* ioctl only: fetch the flowspec of an
                                       RSVP event (after a type 1 request) */

/* ---- services of qos_spec_t (IntServ numbers, as in rapi.h) ---- */
#define GUARANTEED_SERV        2
#define CONTROLLED_LOAD_SERV   5

/* ---- reservation styles of the request structures (as in rapi.h) ---- */
#define QTOQ_STYLE_WF  1   /* chosen names; values = RAPI_RSTYLE_* */
#define QTOQ_STYLE_FF  2
#define QTOQ_STYLE_SE  3

/* Chosen: capacity of the rule/policy name fields, NUL included. */
#define QTOQ_RULE_NAME_LEN  64

/*
 * A flowspec as IBM documents it: the service and its parameters.
 * Controlled-Load uses the token bucket (rates bytes/s, sizes bytes);
 * Guaranteed uses R (bytes/s) and S (microseconds). A Guaranteed request
 * takes its token bucket from the sender's Tspec.
 */
typedef struct qos_spec_t {
  int service;                      /* GUARANTEED_SERV or CONTROLLED_LOAD_SERV */
  union {
    struct CL_spec {
      float    TB_Tspec_r;          /* rate */
      float    TB_Tspec_b;          /* bucket depth */
      float    TB_Tspec_p;          /* peak rate */
      uint32_t TB_Tspec_m;          /* IBM: unsigned long (4 bytes) */
      uint32_t TB_Tspec_M;          /* IBM: unsigned long (4 bytes) */
    } CL_spec;
    struct Guar_spec {
      float    Guar_R;
      uint32_t Guar_S;              /* IBM: unsigned long (4 bytes) */
    } Guar_spec;
  } spec_u;
} qos_spec_t;

/*
 * Request of qtoq_accept and qtoq_ioctl (server side, the RSVP sender).
 * IBM documents that it carries the service type and the source and
 * destination addresses; the layout and the remaining fields are chosen.
 */
typedef struct qos_req {
  qos_spec_t      qos_spec;         /* service + Tspec the sender offers
                                       (chosen: a qos_spec_t rather than a
                                       bare service number) */
  struct sockaddr source;           /* this host's address and port (data
                                       source; chosen: IPv4, 16 bytes as
                                       V5R2; zero = the socket's) */
  int             s_length;         /* bytes used in source */
  struct sockaddr destination;      /* the peer (RSVP session destination);
                                       chosen: ignored by qtoq_accept, which
                                       uses the accepted peer */
  int             d_length;         /* bytes used in destination */
  int             style;            /* chosen: expected style, QTOQ_STYLE_*;
                                       0 = any */
  int             protocol;         /* chosen: IP protocol, 0 = 17 (UDP) or
                                       the socket's (6 for TCP) */
  char            rule_name[QTOQ_RULE_NAME_LEN]; /* chosen: REQ_NOSIGNAL
                                       rule/policy name from rsvpd's
                                       configuration; "" = match by address */
  int             no_signal;        /* chosen: out, non-zero when the rule
                                       used is marked "no signalling" */
  int             event_type;       /* chosen: out for REQ_GET_RSVP_DATA,
                                       the RAPI event (RAPI_RESV_EVENT ...) */
  qos_spec_t      ret_spec;         /* chosen: out for REQ_GET_RSVP_DATA,
                                       the flowspec of that event */
  int             error_code;       /* chosen: out, RSVP error code of an
                                       error event, else 0 */
  int             error_value;      /* chosen: out, RSVP error value */
} qos_req;

/*
 * Request of qtoq_connect (client side, the receiver that reserves).
 * IBM documents the first three fields; the rest is chosen.
 */
typedef struct qos_conn_req {
  struct sockaddr source;           /* the sender (server) to reserve for;
                                       zero = the connected peer */
  int             s_length;         /* bytes used in source */
  int             style;            /* QTOQ_STYLE_* (RAPI_RSTYLE_*) */
  qos_spec_t      qos_spec;         /* chosen: the flowspec to reserve */
  int             flags;            /* chosen: 0 or 0x20 (RAPI_REQ_CONFIRM) */
  int             protocol;         /* chosen: IP protocol, 0 = the socket's */
} qos_conn_req;

/*
 * Request of qtoq_connect_ex (IBM i 7.x): as qos_conn_req, for IPv4 or
 * IPv6 (chosen: struct sockaddr_storage for the source).
 */
typedef struct qos_conn_req_ex {
  struct sockaddr_storage source;   /* sockaddr_in or sockaddr_in6 */
  int             s_length;
  int             style;
  qos_spec_t      qos_spec;
  int             flags;
  int             protocol;
} qos_conn_req_ex;

/*
 * Accepts a connection on the listening socket (as accept()) and starts
 * QoS for it per req_type (REQ_SIGNAL_RET_EVENTS, REQ_SIGNAL_NORET_EVENTS:
 * this side becomes the RSVP sender; REQ_NOSIGNAL: the matching "no
 * signalling" rule is admitted and installed). Returns the new socket, or
 * -1 with errno; *qos_session and *qos_descriptor as above.
 */
int qtoq_accept(int socket_descriptor, int req_type, struct sockaddr *address,
                int *address_length, qos_req *qos_data,
                unsigned int *qos_session, int *qos_descriptor);

/* Connects (as connect()) and reserves as the RSVP receiver; req_type 1 or
 * 2 only (else EINVAL). Returns 0 or -1 with errno. */
int qtoq_connect(int socket_descriptor, struct sockaddr *address,
                 int address_length, int req_type, qos_conn_req *qos_data,
                 unsigned int *qos_session, int *qos_descriptor);

/* As qtoq_connect, IPv4 or IPv6. */
int qtoq_connect_ex(int socket_descriptor, struct sockaddr *address,
                    int address_length, int req_type,
                    qos_conn_req_ex *qos_data, unsigned int *qos_session,
                    int *qos_descriptor);

/* QoS for a connectionless or already connected socket: REQ_NOSIGNAL
 * (admission, then load the policy), REQ_SIGNAL_RET_EVENTS /
 * REQ_SIGNAL_NORET_EVENTS (rapi_session + rapi_sender), REQ_GET_RSVP_DATA
 * (descriptor = *qos_descriptor: fills event_type and ret_spec from the
 * next RSVP event). Returns 0 or -1 with errno. */
int qtoq_ioctl(int descriptor, int req_type, qos_req *qos_data,
               unsigned int *qos_session, int *qos_descriptor);

/* Closes the socket, releases the QoS session and unloads the rule.
 * qos_descriptor may be NULL; qos_session is required. 0 or -1 with errno
 * EBADF, EIO, ENOBUFS. */
int qtoq_close(int socket_descriptor, int *qos_descriptor,
               unsigned int *qos_session);

#ifdef __cplusplus
}
#endif

#endif /* NC_QTOQSAPI_H */
