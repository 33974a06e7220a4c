/*
 * nctest.h - the little the C tests share: checks that say what failed,
 * raw sockets for playing a misbehaving peer, and a dispatch pump.
 *
 * A test is a program that exits 0 when every check held. Waiting is always
 * for a condition (select/poll on a real descriptor) with a generous
 * deadline, never a sleep standing in for synchronisation.
 */
#ifndef NCTEST_H
#define NCTEST_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Deadline for anything a test waits for; far beyond a loaded machine's needs. */
#define NCT_DEADLINE_MS 60000

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", \
			        __FILE__, __LINE__, #cond, errno, strerror(errno)); \
			exit(1);                                               \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_) {                                                \
			fprintf(stderr, "%s:%d: %s == %lld, want %s == %lld (errno %d: %s)\n", \
			        __FILE__, __LINE__, #a, a_, #b, b_, errno, strerror(errno)); \
			exit(1);                                               \
		}                                                              \
	} while (0)

static inline long long nct_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable (1) or the deadline passes (0). */
static inline int nct_wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	long long end = nct_now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(end - nct_now_ms());
		int n;
		if (left < 0)
			left = 0;
		n = poll(&p, 1, left);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

/* A deterministic pseudo-random generator (xorshift64*), seeded per test. */
static inline uint64_t nct_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static inline void nct_fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t s = seed ? seed : 1;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(nct_rand(&s) >> 56);
}

/* A TCP listener on 127.0.0.1, any port; *port gets the port. */
static inline int nct_listen(unsigned short *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(fd, 1024) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A plain TCP connection to 127.0.0.1:port. */
static inline int nct_connect(unsigned short port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	CHECK(fd >= 0);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static inline void nct_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Reads exactly n octets; returns 0 on success, -1 on end of stream. */
static inline int nct_read_exact(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Encodes a data packet header / a control packet (extagent-protocol.h). */
static inline void nct_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline void nct_control(unsigned char out[8], int cmd, int arg)
{
	nct_put_be32(out, 0);
	out[4] = (unsigned char)(cmd >> 8);
	out[5] = (unsigned char)cmd;
	out[6] = (unsigned char)(arg >> 8);
	out[7] = (unsigned char)arg;
}

/* Waits for a child and checks that it exited 0. */
static inline void nct_wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "child %d failed (status 0x%x)\n", (int)pid, st);
		exit(1);
	}
}

#endif /* NCTEST_H */
