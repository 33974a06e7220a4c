/*
 * ssextagent.h - SchemeStation external agents: the agent (client) side.
 *
 * An external agent is a program outside a SchemeStation domain that
 * exchanges packets with it over TCP. The protocol is described in
 * extagent-protocol.h. Link with -lssextagent (or pkg-config netcompat).
 *
 * Threads: a connection may be used from several threads; a read and a
 * send may run at the same time. ssexact_close wakes calls blocked on the
 * same connection in other threads.
 */
#ifndef NETCOMPAT_SSEXTAGENT_H
#define NETCOMPAT_SSEXTAGENT_H

#include "extagent-protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One connection to a domain. Opaque. */
typedef struct SsexConn SsexConn;

/*
 * Connects to the domain's external-agent port and greets it. hostname (a
 * name or a numeric IPv4/IPv6 address) is used when not NULL; otherwise
 * ipaddr, an IPv4 address in network byte order as in sin_addr.s_addr
 * (for instance inet_addr("127.0.0.1")). tcpport is in host byte order.
 * On EXTAG_OK *conn is the new connection. Blocks while connecting.
 */
ExtagStatus ssexact_initialize(char *hostname, unsigned long ipaddr,
                               unsigned short tcpport, SsexConn **conn);

/*
 * Sends one packet of size octets. Blocks until the kernel has taken all of
 * it; data may be reused as soon as it returns. size <= 0, or over the
 * packet limit, gives EXTAG_FAILED (EINVAL, EMSGSIZE) and leaves the
 * connection usable; a broken connection gives EXTAG_FAILED.
 */
ExtagStatus ssexact_send(SsexConn *conn, int size, char *data);

/*
 * Reads one packet without blocking.
 *
 *   EXTAG_OK          *data is a complete packet of *len octets, allocated
 *                     with malloc(); the caller frees it with free().
 *   EXTAG_UNFINISHED  the packet is not complete yet. *data points to the
 *                     octets of it received so far and *len is their number
 *                     (*data == NULL and *len == 0 while none have come).
 *                     That partial buffer BELONGS TO THE LIBRARY: do not free
 *                     or keep it; it is valid until the next call on conn.
 *                     The next call continues where this one stopped.
 *   EXTAG_FAILED      the server closed the connection (errno ECONNRESET),
 *                     it broke the protocol (EPROTO, EMSGSIZE), or the
 *                     connection failed; it stays failed.
 *
 * The library never reads past the packet in progress (and the next
 * packet's length field), so select() on ssexact_fd() is a reliable
 * signal that ssexact_read has something to do.
 */
ExtagStatus ssexact_read(SsexConn *conn, char **data, int *len);

/* Like ssexact_read, but waits until a whole packet has arrived. */
ExtagStatus ssexact_blockingread(SsexConn *conn, char **data, int *len);

/* Says goodbye to the server and frees conn. conn == NULL is ignored. */
void ssexact_close(SsexConn *conn);

/*
 * The connection's socket, for select()/poll(); -1 (errno EBADF) for an
 * invalid conn. Read and write it only through this API.
 */
int ssexact_fd(SsexConn *conn);

/* The original library's misspelt twin of ssexact_fd; same behaviour. */
int ssextact_fd(SsexConn *conn);

#ifdef __cplusplus
}
#endif

#endif /* NETCOMPAT_SSEXTAGENT_H */
