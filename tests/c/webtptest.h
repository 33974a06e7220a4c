/*
 * webtptest.h - helpers of the WebTP C tests (test_webtp_*.c): a
 * connected pair of WebTP sockets over loopback, framed sends and an
 * incremental ADU reader. Everything goes through webtp.h's redirected
 * calls, as a program's would.
 */
#ifndef WEBTPTEST_H
#define WEBTPTEST_H

#include "nctest.h"

#include <pthread.h>
#include <webtp.h>

/* A listening WebTP socket on 127.0.0.1, kernel-chosen port. */
static inline int wt_listener(int type, unsigned short *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, type, 0);

	CHECK(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(fd, 16) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	CHECK_EQ(len, sizeof a);
	CHECK_EQ(a.sin_family, AF_INET);
	*port = ntohs(a.sin_port);
	CHECK(*port != 0);
	return fd;
}

static inline int wt_connect(int type, unsigned short port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, type, IPPROTO_WEBTP);

	CHECK(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	return fd;
}

/* A connected pair: *cli dialled, *srv accepted. Returns the listener. */
static inline int wt_pair(int type, int *cli, int *srv)
{
	unsigned short port;
	int l = wt_listener(type, &port);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;

	*cli = wt_connect(type, port);
	CHECK(nct_wait_readable(l, NCT_DEADLINE_MS));
	*srv = accept(l, (struct sockaddr *)&peer, &len);
	CHECK(*srv >= 0);
	CHECK_EQ(len, sizeof peer);
	CHECK_EQ(peer.sin_family, AF_INET);
	CHECK_EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
	return l;
}

static inline void wt_send_all(int fd, const void *buf, size_t n)
{
	const char *p = (const char *)buf;
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Sends one whole ADU (header then data, one call each). */
static inline void wt_send_adu(int fd, int flags, const void *data, size_t n)
{
	unsigned char h[WEBTP_HDR_SIZE];
	WEBTP_HDR_SET_ADU(h, flags, n);
	wt_send_all(fd, h, sizeof h);
	if (n > 0)
		wt_send_all(fd, data, n);
}

/* Reads exactly n octets (recv is not redirected: the socket is a real
 * stream socket); fails the test at end of stream or the deadline. */
static inline void wt_recv_exact(int fd, void *buf, size_t n)
{
	char *p = (char *)buf;
	while (n > 0) {
		ssize_t r;
		CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
		r = recv(fd, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		CHECK(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

/* Reads the next ADU or loss notice: *flags is the header's flag octet,
 * *data a malloc'd copy (NULL for empty ADUs), the length is returned;
 * -1 for a loss notice. */
static inline long wt_recv_adu(int fd, int *flags, unsigned char **data)
{
	unsigned char h[WEBTP_HDR_SIZE];
	unsigned long n;

	wt_recv_exact(fd, h, sizeof h);
	*flags = WEBTP_HDR_FLAGS(h);
	*data = NULL;
	if (WEBTP_IS_LOSS_NOTICE(h))
		return -1;
	CHECK_EQ(*flags & (WEBTP_HDR_START | WEBTP_HDR_END), WEBTP_HDR_START | WEBTP_HDR_END);
	CHECK_EQ(*flags & WEBTP_HDR_RESERVED, 0);
	n = WEBTP_HDR_LEN(h);
	if (n > 0) {
		*data = (unsigned char *)malloc(n);
		CHECK(*data != NULL);
		wt_recv_exact(fd, *data, n);
	}
	return (long)n;
}

/* A thread that sends a prepared byte stream (for transfers larger than
 * what the transport buffers while nobody reads). */
struct wt_sender {
	pthread_t th;
	int fd;
	const unsigned char *buf;
	size_t n;
};

static inline void *wt_sender_main(void *arg)
{
	struct wt_sender *s = (struct wt_sender *)arg;
	wt_send_all(s->fd, s->buf, s->n);
	return NULL;
}

static inline void wt_sender_start(struct wt_sender *s, int fd, const void *buf, size_t n)
{
	s->fd = fd;
	s->buf = (const unsigned char *)buf;
	s->n = n;
	CHECK(pthread_create(&s->th, NULL, wt_sender_main, s) == 0);
}

static inline void wt_sender_join(struct wt_sender *s)
{
	CHECK(pthread_join(s->th, NULL) == 0);
}

/* Appends one whole ADU to a stream being built in *buf (*len used). */
static inline void wt_append_adu(unsigned char *buf, size_t *len, int flags,
                                 const unsigned char *data, size_t n)
{
	WEBTP_HDR_SET_ADU(buf + *len, flags, n);
	*len += WEBTP_HDR_SIZE;
	if (n > 0)
		memcpy(buf + *len, data, n);
	*len += n;
}

#endif /* WEBTPTEST_H */
