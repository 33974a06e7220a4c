/*
 * Bad input on every redirected entry point, for WebTP sockets: NULL
 * pointers (EFAULT), closed descriptors (EBADF), negative or oversized
 * lengths (EINVAL), wrong levels and options (ENOPROTOOPT), calls in the
 * wrong state (ENOTCONN, EINVAL), and malformed ADU headers (EINVAL,
 * nothing written). None of it may crash. Needs no peer.
 */
#include "webtptest.h"

#define FAILS(call, err)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		CHECK_EQ((long)(call), -1);                                    \
		CHECK_EQ(errno, err);                                          \
	} while (0)

int main(void)
{
	struct sockaddr_in a, b;
	socklen_t len;
	int fd, l, v, closed;
	char buf[16];

	/* socket */
	FAILS(socket(AF_INET, SOCK_ADU | 0x40000000, 0), EINVAL);
	FAILS(socket(AF_UNIX, SOCK_ADU, 0), EAFNOSUPPORT);
	FAILS(socket(AF_INET6, SOCK_ADU, 17), EPROTONOSUPPORT);

	fd = socket(AF_INET, SOCK_ADU, 0);
	CHECK(fd >= 0);
	closed = socket(AF_INET, SOCK_ADU, 0);
	CHECK(closed >= 0);
	CHECK(close(closed) == 0);

	/* SO_TYPE and SO_PROTOCOL answer for a fresh socket. */
	len = sizeof v;
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	CHECK_EQ(v, SOCK_ADU);
	len = sizeof v;
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0);
	CHECK_EQ(v, IPPROTO_WEBTP);

	/* bind */
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FAILS(bind(fd, NULL, sizeof a), EFAULT);
	FAILS(bind(fd, (struct sockaddr *)&a, 3), EINVAL);
	FAILS(bind(fd, (struct sockaddr *)&a, (socklen_t)-1), EINVAL);
	b = a;
	b.sin_family = AF_INET6;
	FAILS(bind(fd, (struct sockaddr *)&b, sizeof b), EAFNOSUPPORT);
	FAILS(bind(closed, (struct sockaddr *)&a, sizeof a), EBADF);

	/* connect */
	FAILS(connect(fd, NULL, sizeof a), EFAULT);
	FAILS(connect(fd, (struct sockaddr *)&a, 2), EINVAL);
	FAILS(connect(closed, (struct sockaddr *)&a, sizeof a), EBADF);

	/* send/write before connect, and on closed descriptors */
	FAILS(send(fd, "\xc0\0\0\0", 4, 0), ENOTCONN);
	FAILS(write(fd, "\xc0\0\0\0", 4), ENOTCONN);
	FAILS(send(closed, "\xc0\0\0\0", 4, 0), EBADF);
	FAILS(write(closed, "\xc0\0\0\0", 4), EBADF);

	/* getsockname / getpeername */
	len = sizeof a;
	FAILS(getsockname(fd, NULL, &len), EFAULT);
	FAILS(getsockname(fd, (struct sockaddr *)&a, NULL), EFAULT);
	len = (socklen_t)-5;
	FAILS(getsockname(fd, (struct sockaddr *)&a, &len), EINVAL);
	len = sizeof a;
	FAILS(getpeername(fd, (struct sockaddr *)&a, &len), ENOTCONN);
	FAILS(getsockname(closed, (struct sockaddr *)&a, &len), EBADF);
	FAILS(getpeername(closed, (struct sockaddr *)&a, &len), EBADF);
	/* A short buffer is filled partly; len says the full size. */
	len = 2;
	memset(&b, 0x55, sizeof b);
	CHECK(getsockname(fd, (struct sockaddr *)&b, &len) == 0);
	CHECK_EQ(len, sizeof b);
	CHECK_EQ(b.sin_port, 0x5555);

	/* setsockopt / getsockopt */
	v = 1000;
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, NULL, 5), EFAULT);
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, "bulk", (socklen_t)-1), EINVAL);
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, "no-such-class", 14), EINVAL);
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, "", 1), EINVAL);
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_RTT, &v, sizeof v), ENOPROTOOPT);
	FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_DROPPED, &v, sizeof v), ENOPROTOOPT);
	FAILS(setsockopt(fd, SOL_WEBTP, 99, &v, sizeof v), ENOPROTOOPT);
	FAILS(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), ENOPROTOOPT);
	FAILS(setsockopt(fd, 12345, 1, &v, sizeof v), ENOPROTOOPT);
	FAILS(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
	v = -1;
	FAILS(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), EINVAL);
	FAILS(setsockopt(fd, SOL_SOCKET, SO_TYPE, &v, sizeof v), ENOPROTOOPT);
	{
		float r = -5.0f;
		FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_RATE, &r, sizeof r), EINVAL);
		FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_RATE, &r, 2), EINVAL);
		r = 1e6f;
		FAILS(setsockopt(fd, SOL_WEBTP, WEBTP_RATE, &r, sizeof r), ENOTCONN);
	}
	FAILS(setsockopt(closed, SOL_WEBTP, WEBTP_CLASS, "bulk", 5), EBADF);
	len = sizeof v;
	FAILS(getsockopt(fd, SOL_WEBTP, WEBTP_RTT, NULL, &len), EFAULT);
	FAILS(getsockopt(fd, SOL_WEBTP, WEBTP_RTT, &v, NULL), EFAULT);
	len = (socklen_t)-1;
	FAILS(getsockopt(fd, SOL_WEBTP, WEBTP_RTT, &v, &len), EINVAL);
	len = 2;
	FAILS(getsockopt(fd, SOL_WEBTP, WEBTP_RTT, &v, &len), EINVAL);
	len = 2;
	FAILS(getsockopt(fd, SOL_WEBTP, WEBTP_DROPPED, &v, &len), EINVAL);
	len = sizeof v;
	FAILS(getsockopt(fd, SOL_WEBTP, 99, &v, &len), ENOPROTOOPT);
	FAILS(getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len), ENOPROTOOPT);
	FAILS(getsockopt(closed, SOL_WEBTP, WEBTP_RTT, &v, &len), EBADF);
	/* Before connect: rate, RTT, dropped read 0. */
	{
		float r = 1;
		uint64_t d = 1;
		len = sizeof r;
		CHECK(getsockopt(fd, SOL_WEBTP, WEBTP_RTT, &r, &len) == 0);
		CHECK(r == 0.0f);
		len = sizeof d;
		CHECK(getsockopt(fd, SOL_WEBTP, WEBTP_DROPPED, &d, &len) == 0);
		CHECK_EQ(len, 8);
		CHECK_EQ(d, 0);
	}
	/* Class: a short buffer gets a prefix. */
	CHECK(setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, "bulk", 4) == 0);
	len = 3;
	memset(buf, 0, sizeof buf);
	CHECK(getsockopt(fd, SOL_WEBTP, WEBTP_CLASS, buf, &len) == 0);
	CHECK_EQ(len, 3);
	CHECK(memcmp(buf, "bul", 3) == 0);
	len = sizeof buf;
	CHECK(getsockopt(fd, SOL_WEBTP, WEBTP_CLASS, buf, &len) == 0);
	CHECK_EQ(len, 5);
	CHECK(strcmp(buf, "bulk") == 0);

	/* accept / listen */
	len = sizeof a;
	FAILS(accept(fd, (struct sockaddr *)&a, &len), EINVAL); /* not listening */
	FAILS(accept(closed, (struct sockaddr *)&a, &len), EBADF);
	FAILS(listen(closed, 1), EBADF);
	{
		unsigned short port;
		l = wt_listener(SOCK_ADU | SOCK_NONBLOCK, &port);
		FAILS(accept(l, (struct sockaddr *)&a, NULL), EFAULT);
		len = (socklen_t)-1;
		FAILS(accept(l, (struct sockaddr *)&a, &len), EINVAL);
		FAILS(accept4(l, NULL, NULL, 0x1234), EINVAL);
		FAILS(accept(l, NULL, NULL), EAGAIN); /* nobody waits */
		FAILS(send(l, "\xc0\0\0\0", 4, 0), ENOTCONN);
		len = sizeof v;
		CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0);
		CHECK_EQ(v, 1);
		FAILS(connect(l, (struct sockaddr *)&a, sizeof a), EINVAL);
		CHECK(close(l) == 0);
	}

	/* close */
	CHECK(close(fd) == 0);
	FAILS(close(fd), EBADF);
	FAILS(close(-1), EBADF);
	FAILS(send(-1, "x", 1, 0), EBADF);
	return 0;
}
