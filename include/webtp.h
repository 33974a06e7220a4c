/*
 * webtp.h - WebTP, the Berkeley ADU transport, through the BSD socket calls.
 *
 * A program opens a WebTP socket with socket(PF_INET or PF_INET6,
 * SOCK_ADU or SOCK_ADU_NO_DUP, 0 or IPPROTO_WEBTP) and then uses bind,
 * connect, listen, accept, setsockopt, getsockopt, send/recv, read/write,
 * select/poll/epoll, fcntl(O_NONBLOCK, O_ASYNC) and close as with any
 * socket. The transport runs over UDP in user space (libnetcompat). Link
 * with -lwebtp (or pkg-config netcompat).
 *
 * RECONSTRUCTED: the original definitions of this header were not
 * recoverable. The names come from the WebTP API page; every numeric value
 * marked "chosen" below is this implementation's choice, and the protocol
 * number 100 and the option numbers 0, 1, 2 are the API page's.
 *
 * ----------------------------------------------------------------------
 * How the socket calls reach WebTP
 * ----------------------------------------------------------------------
 * Including this header redirects socket, bind, connect, listen, accept,
 * accept4, setsockopt, getsockopt, getsockname, getpeername, close, send
 * and write to the webtp_* functions below through FUNCTION-LIKE macros:
 * only calls are redirected, so &socket, or a function pointer set to
 * send, still means the C library's function. Each webtp_* function passes
 * any descriptor that is not a WebTP socket (and socket() any type that is
 * not SOCK_ADU*) to the C library unchanged; for those, the library does
 * not even start its transport. Define WEBTP_NO_REDIRECT before including
 * this header to keep the plain names and call webtp_* explicitly.
 * (C++: the macros also rewrite member calls such as stream.close(); include
 * such headers before this one, or define WEBTP_NO_REDIRECT.)
 *
 * A WebTP socket IS a kernel descriptor: one end of an AF_UNIX SOCK_STREAM
 * socketpair whose other end belongs to the transport. So recv, read,
 * readv, select, poll, epoll, shutdown, SO_RCVTIMEO and SIGIO need no
 * redirection and work as on any stream socket. send and write are
 * redirected only to check ADU headers before anything is written (see
 * "Sending"): they track the stream position per descriptor, so a program
 * that mixes them with sendmsg, sendto or writev on the same socket (which
 * reach the descriptor directly, unchecked) must keep whole chunks in each
 * call. The transport checks the stream again in any case.
 *
 * ----------------------------------------------------------------------
 * The byte stream: ADU framing
 * ----------------------------------------------------------------------
 * Data goes both ways as chunks: a 4-octet header, then the chunk's data.
 *
 *     +--------+--------+--------+--------+
 *     |SERU0000|   chunk length (24 bits, |  big-endian)
 *     +--------+--------+--------+--------+
 *     |         chunk data ...            |
 *
 *   S (0x80)  start: the chunk holds the first octet of the ADU
 *   E (0x40)  end: the chunk holds the last octet of the ADU
 *   R (0x20)  reliable ADU (clear: unreliable; a lost packet drops it)
 *   U (0x10)  urgent (high priority) ADU
 *   bits 3-0  reserved, must be 0
 *
 * Sending (program to transport):
 *  - An ADU is one chunk with S and E set, or a start chunk (S), any
 *    number of middle chunks (neither S nor E) and an end chunk (E); the
 *    chunk lengths add up to the ADU's length, at most WEBTP_MAX_ADU
 *    (2^24 - 1) octets. Empty chunks and empty ADUs are allowed.
 *  - R and U are taken from the start chunk; the other chunks must repeat
 *    them. A chunk without S outside an ADU, or with S inside one, is an
 *    error; so is a reserved bit.
 *  - Headers and data may be split across send()/write() calls in any way:
 *    the stream is a byte stream (the API page's "partial ADUs").
 *  - send()/write() check every header that is complete within the call
 *    and, when one breaks a rule, write NOTHING and fail: EINVAL (framing
 *    rule), ENOBUFS (the ADU is longer than the socket's send buffer,
 *    SO_SNDBUF; send smaller ADUs or raise it), EMSGSIZE (longer than
 *    WEBTP_MAX_ADU), ENOTCONN (not connected). A header split across calls
 *    is checked in the call that completes it, when its first octets have
 *    already been written: the stream is then broken, and only close()
 *    remains. A stream that breaks a rule anyway (e.g. through writev)
 *    resets the connection: the program reads end of file and sends fail
 *    with EPIPE.
 *  - The ADU goes to the transport once its last chunk is written. A
 *    blocking send waits while the connection's send buffer is full; a
 *    non-blocking one then fails with EAGAIN (congestion or flow control
 *    limits the transport) after writing what fitted, as on TCP.
 *
 * Receiving (transport to program): every ADU arrives whole, as ONE chunk
 * with S and E set, R and U as the sender set them; ADUs are never
 * interleaved, but need not arrive in the order they were sent (urgent
 * ones overtake). recv() may return any part of the stream: parse it
 * incrementally. A dropped unreliable ADU is reported by a LOSS NOTICE: the
 * header 00 00 00 00 (S = E = 0 and length 0, a form that never carries
 * data in this direction) with no data; test with WEBTP_IS_LOSS_NOTICE.
 * WEBTP_DROPPED counts them. recv() returns 0 after the peer closed and
 * every ADU was read.
 *
 * ----------------------------------------------------------------------
 * Calls
 * ----------------------------------------------------------------------
 * socket   PF_INET/PF_INET6 only (EAFNOSUPPORT); protocol 0 or
 *          IPPROTO_WEBTP (else EPROTONOSUPPORT); SOCK_NONBLOCK and
 *          SOCK_CLOEXEC may be or'ed into the type and are honoured.
 * bind     the local UDP address (port 0: the kernel chooses). Unbound
 *          connecting sockets share the process's UDP endpoint, and so
 *          one pipe (congestion state) per remote host.
 * connect  performs the handshake and returns when the peer accepted
 *          (also on a non-blocking socket: it never gives EINPROGRESS).
 *          ECONNREFUSED (nobody listens), ETIMEDOUT (no answer in 10 s),
 *          EISCONN, EINVAL (listening socket, bad address).
 * listen   starts accepting on the bound address (any address and a
 *          chosen port if unbound); backlog bounds connections waiting for
 *          accept. The descriptor is readable while one waits.
 * accept   blocks unless the listening socket is non-blocking (then
 *          EAGAIN). accept4 honours SOCK_NONBLOCK and SOCK_CLOEXEC. The
 *          new socket inherits SO_SNDBUF, SO_RCVBUF and WEBTP_CLASS set on
 *          the listening socket.
 * close    like TCP's default linger: returns at once; queued ADUs are
 *          still delivered (reliable ones until acknowledged) in the
 *          background, then the connection closes. The transport lives in
 *          the program's process, so at exit() (not _exit) the library
 *          closes what is still open and waits up to 10 s for queued ADUs
 *          to be delivered, as the kernel would for TCP.
 * fork     a program may fork before its first WebTP call and use WebTP in
 *          the child. In a child forked AFTER the first WebTP call, the
 *          descriptors it inherited still carry the stream (send, recv,
 *          poll and close work; the parent's transport serves them), but
 *          nothing else reaches WebTP there: the other calls act as the C
 *          library's on the socketpair, and socket(SOCK_ADU*) fails with
 *          ENOSYS. After exec, WebTP starts afresh.
 * getsockname, getpeername  the UDP addresses (ENOTCONN: no peer yet).
 * Bad descriptors give EBADF, NULL pointers EFAULT, negative or
 * oversized lengths EINVAL, as the C library does.
 *
 * ----------------------------------------------------------------------
 * Options
 * ----------------------------------------------------------------------
 * Level SOL_WEBTP (= IPPROTO_WEBTP = 100):
 *   WEBTP_CLASS (0)    char[]: traffic class name, NUL-terminated or
 *                      optlen octets; hierarchical names such as
 *                      "realtime_stream.elastic". Classes come from
 *                      /etc/webtp_classes, or the file named by
 *                      $WEBTP_CLASSES, or else the API page's four:
 *                      interactive, bulk, realtime_stream,
 *                      buffered_stream. Unknown name: EINVAL. getsockopt
 *                      copies at most *optlen octets (NUL included when it
 *                      fits) and sets *optlen to the octets copied.
 *   WEBTP_RATE (1)     float, bits per second. getsockopt: the reserved
 *                      rate if one is set, else the rate currently
 *                      available. setsockopt: reserve a constant rate
 *                      (0 releases it); fails with ENOSPC (chosen) when
 *                      the scheduler cannot guarantee it (class limit or
 *                      path capacity), EINVAL when negative or not finite,
 *                      ENOTCONN before connect.
 *   WEBTP_RTT (2)      float, smoothed round-trip time in microseconds
 *                      (0 before the first measurement); read-only.
 *   WEBTP_DROPPED (3)  uint64_t (chosen), unreliable ADUs from the peer
 *                      dropped (loss notices delivered); read-only. An
 *                      optlen of 4 gets a uint32_t (saturating).
 *   Read-only options give ENOPROTOOPT on setsockopt, as do unknown names.
 *   Before connect, getsockopt returns 0 for rate, RTT and dropped.
 * Level SOL_SOCKET on a WebTP socket:
 *   SO_SNDBUF          int: the connection's send buffer in octets (the
 *                      most ADU octets queued in the transport; ENOBUFS
 *                      for larger ADUs). Default 32 MiB.
 *   SO_RCVBUF          int: the receive window granted to the peer beyond
 *                      what the program has read. Default 16 MiB + 64 KiB.
 *   SO_TYPE            SOCK_ADU or SOCK_ADU_NO_DUP (read-only).
 *   SO_PROTOCOL        IPPROTO_WEBTP; SO_DOMAIN the socket's family.
 *   SO_ERROR           why the connection failed (ECONNRESET,
 *                      ETIMEDOUT), once; else 0.
 *   any other option   applies to the descriptor itself (SO_RCVTIMEO,
 *                      SO_SNDTIMEO, SO_RCVLOWAT, ...).
 */
#ifndef NETCOMPAT_WEBTP_H
#define NETCOMPAT_WEBTP_H

#include <sys/types.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Socket types (chosen: values Linux does not use for socket types). */
#define SOCK_ADU        8 /* WebTP: ADUs, no ordering across ADUs */
#define SOCK_ADU_NO_DUP 9 /* WebTPFast per the API page's text: plus at-most-once
                             delivery, by a three-way handshake */

/* Protocol number and option level (the API page's 100). */
#define IPPROTO_WEBTP 100
#define SOL_WEBTP     IPPROTO_WEBTP

/* Options at level SOL_WEBTP (0-2 the API page's, 3 chosen). */
#define WEBTP_CLASS   0 /* char[]: traffic class name */
#define WEBTP_RATE    1 /* float: bits per second */
#define WEBTP_RTT     2 /* float: microseconds, read-only */
#define WEBTP_DROPPED 3 /* uint64_t: dropped unreliable ADUs, read-only */

/* The ADU chunk header. p points to 4 octets (char or unsigned char). */
#define WEBTP_HDR_SIZE     4
#define WEBTP_HDR_START    0x80 /* S */
#define WEBTP_HDR_END      0x40 /* E */
#define WEBTP_HDR_RELIABLE 0x20 /* R */
#define WEBTP_HDR_URGENT   0x10 /* U */
#define WEBTP_HDR_RESERVED 0x0F /* must be 0 */
#define WEBTP_MAX_ADU      0xFFFFFFUL /* 2^24 - 1 octets */

#define WEBTP_HDR_FLAGS(p) ((p)[0] & 0xFF)
#define WEBTP_HDR_LEN(p)                                                      \
	((((p)[1] & 0xFFUL) << 16) | (((p)[2] & 0xFFUL) << 8) | ((p)[3] & 0xFFUL))
#ifdef __cplusplus
#define WEBTP_UCP_(p) (reinterpret_cast<unsigned char *>(p))
#else
#define WEBTP_UCP_(p) ((unsigned char *)(p))
#endif
#define WEBTP_HDR_SET(p, flags, len)                                          \
	(WEBTP_UCP_(p)[0] = (flags) & 0xF0,                                   \
	 WEBTP_UCP_(p)[1] = ((len) >> 16) & 0xFF,                             \
	 WEBTP_UCP_(p)[2] = ((len) >> 8) & 0xFF,                              \
	 WEBTP_UCP_(p)[3] = (len) & 0xFF)
/* A whole-ADU header: S and E set, plus R and/or U from flags. */
#define WEBTP_HDR_SET_ADU(p, flags, len)                                      \
	WEBTP_HDR_SET(p, WEBTP_HDR_START | WEBTP_HDR_END | ((flags) & 0x30), len)
/* A received loss notice: S = E = 0 and length 0. */
#define WEBTP_IS_LOSS_NOTICE(p)                                               \
	(((p)[0] & 0xCF) == 0 && WEBTP_HDR_LEN(p) == 0)

/*
 * The functions behind the redirected names. Their types are the C
 * library's (with glibc's transparent sockaddr arguments where glibc uses
 * them), so every call that compiles against the C library compiles here.
 */
#if defined(__SOCKADDR_ARG) && !defined(NC_WEBTP_IMPLEMENTATION)
#define WEBTP_SOCKADDR_ARG       __SOCKADDR_ARG
#define WEBTP_CONST_SOCKADDR_ARG __CONST_SOCKADDR_ARG
#else
#define WEBTP_SOCKADDR_ARG       struct sockaddr *
#define WEBTP_CONST_SOCKADDR_ARG const struct sockaddr *
#endif

int webtp_socket(int domain, int type, int protocol);
int webtp_bind(int fd, WEBTP_CONST_SOCKADDR_ARG addr, socklen_t len);
int webtp_connect(int fd, WEBTP_CONST_SOCKADDR_ARG addr, socklen_t len);
int webtp_listen(int fd, int backlog);
int webtp_accept(int fd, WEBTP_SOCKADDR_ARG addr, socklen_t *len);
int webtp_accept4(int fd, WEBTP_SOCKADDR_ARG addr, socklen_t *len, int flags);
int webtp_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int webtp_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int webtp_getsockname(int fd, WEBTP_SOCKADDR_ARG addr, socklen_t *len);
int webtp_getpeername(int fd, WEBTP_SOCKADDR_ARG addr, socklen_t *len);
ssize_t webtp_send(int fd, const void *buf, size_t n, int flags);
ssize_t webtp_write(int fd, const void *buf, size_t n);
int webtp_close(int fd);

#ifdef __cplusplus
}
#endif

#ifndef WEBTP_NO_REDIRECT
#define socket(d, t, p)             webtp_socket(d, t, p)
#define bind(s, a, l)               webtp_bind(s, a, l)
#define connect(s, a, l)            webtp_connect(s, a, l)
#define listen(s, b)                webtp_listen(s, b)
#define accept(s, a, l)             webtp_accept(s, a, l)
#define accept4(s, a, l, f)         webtp_accept4(s, a, l, f)
#define setsockopt(s, lv, n, v, l)  webtp_setsockopt(s, lv, n, v, l)
#define getsockopt(s, lv, n, v, l)  webtp_getsockopt(s, lv, n, v, l)
#define getsockname(s, a, l)        webtp_getsockname(s, a, l)
#define getpeername(s, a, l)        webtp_getpeername(s, a, l)
#define send(s, b, n, f)            webtp_send(s, b, n, f)
#define write(s, b, n)              webtp_write(s, b, n)
#define close(s)                    webtp_close(s)
#endif

#endif /* NETCOMPAT_WEBTP_H */
