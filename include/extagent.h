/*
 * extagent.h - SchemeStation external agents: the domain (server) side.
 *
 * The server listens on a TCP port, greets the agents that connect, and
 * hands their packets to the program through callbacks. The protocol is
 * described in extagent-protocol.h. Link with -lssextagent (or pkg-config
 * netcompat).
 *
 * EVENT LOOP.  Nothing happens behind the program's back: put extag_fd()
 * into the program's select()/poll() loop and call extag_dispatch() when
 * it is readable. Callbacks run only inside extag_dispatch, on the thread
 * that called it, one at a time. They may call extag_send,
 * extag_begindelivery, extag_closeconnection and extag_shutdown, but not
 * extag_dispatch (that fails with EDEADLK).
 *
 * CONNECTIONS.  An ExtagConnection * is valid from the accept callback
 * until the packet callback has returned from its size == 0 call, which
 * comes exactly once for every accepted connection, however it ended
 * (the agent closed, the connection broke, or extag_closeconnection).
 * After extag_shutdown no callbacks come and every connection is invalid.
 */
#ifndef NETCOMPAT_EXTAGENT_H
#define NETCOMPAT_EXTAGENT_H

#include "extagent-protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One agent's connection. Opaque. */
typedef struct ExtagConnection ExtagConnection;

/* Runs for each agent that has completed the handshake. */
typedef void (*ExtagAcceptCallback)(ExtagConnection *conn);

/*
 * Runs for each complete data packet (size >= 1; data is valid only during
 * the call), and once with size == 0 and data == NULL when the connection
 * has closed.
 */
typedef void (*ExtagPacketCallback)(ExtagConnection *conn, int size,
                                    unsigned char *data);

/*
 * Starts the server on tcpport (0: any free port; see extag_port) on every
 * local address, IPv4 and IPv6. cbk may be NULL. Fails if the port cannot
 * be bound or a server is already running.
 */
ExtagStatus extag_initialize(unsigned short tcpport, ExtagAcceptCallback cbk);

/* The port the server listens on; 0 when no server runs. */
unsigned short extag_port(void);

/*
 * Sets the packet callback (NULL: packets and closes are discarded). May be
 * called at any time; the callback in force when an event is dispatched
 * is the one that runs.
 */
ExtagStatus extag_registerpacketcallback(ExtagPacketCallback cbk);

/*
 * Lets conn's packets flow. Until then they wait in the kernel (so a slow
 * interface agent applies TCP back-pressure instead of losing packets), and
 * so does the notice of a close. Calling it again does nothing.
 */
ExtagStatus extag_begindelivery(ExtagConnection *conn);

/*
 * Queues one packet of size octets for conn and never blocks: what the
 * socket does not take now is written by later extag_dispatch calls, in
 * order. data may be reused at once. size <= 0 or over the packet limit
 * gives EXTAG_FAILED (EINVAL, EMSGSIZE) and leaves the connection usable.
 * Allowed before extag_begindelivery.
 */
ExtagStatus extag_send(ExtagConnection *conn, int size, unsigned char *data);

/*
 * Closes conn: what is queued is still written, then a CLOSE packet. The
 * size == 0 packet callback follows in a later dispatch.
 */
ExtagStatus extag_closeconnection(ExtagConnection *conn);

/*
 * Sends CLOSE(EXTAG_CLOSE_SHUTDOWN) to every agent after what was queued
 * for it (waiting at most 5 seconds for slow readers), closes every
 * connection and the listener. extag_initialize may be called again.
 */
ExtagStatus extag_shutdown(void);

/*
 * A descriptor that is readable while extag_dispatch has work: agents to
 * accept, packets or closes to deliver, queued output to write, deadlines
 * to enforce. -1 when no server runs.
 */
int extag_fd(void);

/*
 * Does the work pending now, without blocking, and runs the callbacks it
 * produces on the calling thread.
 */
ExtagStatus extag_dispatch(void);

#ifdef __cplusplus
}
#endif

#endif /* NETCOMPAT_EXTAGENT_H */
