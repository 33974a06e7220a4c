/*
 * extagent-protocol.h - what the SchemeStation external-agent client
 * (ssextagent.h) and server (extagent.h) share: the status type and the
 * wire protocol.
 *
 * netcompat re-creates the interface of the SchemeStation project
 * (Helsinki University of Technology, 1997-98). The original's "Hand-shake"
 * and "Packet format" sections are lost; the protocol below is netcompat's
 * reconstruction, built on the one rule the surviving texts state (a zero
 * length marks a control packet with a 2-octet command and a 2-octet
 * argument, 0 open and 1 close).
 *
 * PACKETS.  Every packet starts with a 4-octet length in network byte order.
 *
 *   data packet     | length L >= 1 (4) | L octets of data                  |
 *   control packet  | 0 (4)             | command (2) | argument (2)        |
 *
 *   Commands: EXTAG_CMD_OPEN (0) and EXTAG_CMD_CLOSE (1); any other command
 *   is a protocol error. The argument of CLOSE is one of EXTAG_CLOSE_*.
 *   There are no acknowledgements: TCP is trusted to deliver.
 *
 * HANDSHAKE.
 *   1. The agent connects and sends OPEN with its protocol version
 *      (EXTAG_PROTOCOL_VERSION, 1): 00 00 00 00 00 00 00 01.
 *   2. The server reads exactly those 8 octets. A peer that sends anything
 *      else, version 0, or nothing within 10 seconds
 *      (NETCOMPAT_EXTAG_HANDSHAKE_MS) is sent CLOSE(EXTAG_CLOSE_HANDSHAKE)
 *      and dropped, and the reason is logged. Otherwise the server answers
 *      OPEN with the version both speak (the lower one) and the program's
 *      accept callback runs.
 *   3. The agent checks the answer when it first reads: OPEN with a version
 *      from 1 to its own. Neither side waits for the other's greeting before
 *      sending data, so one single-threaded program may be both agent and
 *      server.
 *
 * CLOSING.  Either side sends CLOSE and closes the socket. A server that
 * shuts down sends CLOSE(EXTAG_CLOSE_SHUTDOWN) to every agent after what it
 * had queued.
 *
 * SIZE LIMIT.  A data packet holds at most EXTAG_MAX_PACKET_DEFAULT octets
 * (16 MiB), or what NETCOMPAT_EXTAG_MAX_PACKET says. Sending a larger one
 * fails with EXTAG_FAILED (errno EMSGSIZE) and the connection stays up;
 * receiving one closes the connection (CLOSE(EXTAG_CLOSE_TOO_LARGE)), after
 * every packet before it has been delivered.
 *
 * DIAGNOSTICS.  The library writes one-line reasons (a dropped peer, a
 * refused packet) to standard error; NETCOMPAT_LOG=off silences them and
 * NETCOMPAT_LOG=<file> appends them to a file. Calls that fail also set
 * errno.
 */
#ifndef NETCOMPAT_EXTAGENT_PROTOCOL_H
#define NETCOMPAT_EXTAGENT_PROTOCOL_H

typedef enum ExtagStatus {
	EXTAG_OK = 0,         /* done */
	EXTAG_FAILED = 1,     /* failed; errno says why */
	EXTAG_UNFINISHED = 2  /* ssexact_read: a packet is only partly received */
} ExtagStatus;

#define EXTAG_PROTOCOL_VERSION 1
#define EXTAG_MAX_PACKET_DEFAULT (16 * 1024 * 1024)

#define EXTAG_CMD_OPEN  0
#define EXTAG_CMD_CLOSE 1

#define EXTAG_CLOSE_NORMAL         0 /* the sender closed the connection */
#define EXTAG_CLOSE_SHUTDOWN       1 /* the server is shutting down */
#define EXTAG_CLOSE_PROTOCOL_ERROR 2 /* the peer broke the framing rules */
#define EXTAG_CLOSE_TOO_LARGE      3 /* the peer sent a packet over the limit */
#define EXTAG_CLOSE_HANDSHAKE      4 /* bad greeting or unsupported version */

#endif /* NETCOMPAT_EXTAGENT_PROTOCOL_H */
