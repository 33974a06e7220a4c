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

/* ------------------------------------------------------------------------
 * Added for the boundary tests (select, fork, bad input, hygiene): driving
 * the library's server and agent from one thread, waiting for children with
 * a deadline, and reading the per-test log file.
 * ------------------------------------------------------------------------ */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include <extagent.h>
#include <ssextagent.h>

/*
 * Runs extag_dispatch whenever extag_fd() is readable until *flag becomes
 * non-zero (a callback sets it). 1 when it did, 0 at the deadline.
 */
static inline int nct_dispatch_until(const int *flag, int timeout_ms)
{
	long long end = nct_now_ms() + timeout_ms;
	while (!*flag) {
		int left = (int)(end - nct_now_ms());
		int fd = extag_fd();
		if (left <= 0)
			return 0;
		CHECK(fd >= 0);
		if (nct_wait_readable(fd, left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	return 1;
}

/*
 * Waits until fd is readable, running extag_dispatch whenever the server
 * (if one runs) has work meanwhile. 1 when fd became readable, 0 at the
 * deadline.
 */
static inline int nct_pump_until_readable(int fd, int timeout_ms)
{
	long long end = nct_now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
		                      {.fd = extag_fd(), .events = POLLIN}};
		int left = (int)(end - nct_now_ms());
		int n;
		if (left < 0)
			left = 0;
		n = poll(p, 2, left);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		if (p[0].revents)
			return 1;
		if (p[1].revents & POLLIN)
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
		if (n == 0 && left == 0)
			return 0;
	}
}

/*
 * Reads the next whole packet on an agent connection without blocking the
 * thread's server: ssexact_read while the server (if one runs) is
 * dispatched. Fails the test on EXTAG_FAILED or at the deadline.
 */
static inline void nct_agent_read(SsexConn *c, char **data, int *len)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	for (;;) {
		ExtagStatus st = ssexact_read(c, data, len);
		if (st == EXTAG_OK)
			return;
		CHECK_EQ(st, EXTAG_UNFINISHED);
		CHECK(nct_now_ms() < end);
		nct_pump_until_readable(ssexact_fd(c), (int)(end - nct_now_ms()));
	}
}

/* The state of nct_roundtrip's echo server. */
static struct {
	int accepted, closed, packets;
	ExtagConnection *conn;
} nct_rt __attribute__((unused));

static inline void nct_rt_accept(ExtagConnection *conn)
{
	nct_rt.accepted++;
	nct_rt.conn = conn;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static inline void nct_rt_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	CHECK(conn == nct_rt.conn);
	if (size == 0) {
		CHECK(data == NULL);
		nct_rt.closed++;
		return;
	}
	nct_rt.packets++;
	CHECK_EQ(extag_send(conn, size, data), EXTAG_OK); /* echo */
}

/*
 * A whole in-process exchange: starts a server on a free port, connects an
 * agent, sends npackets packets of size octets (<= 16 KiB), checks that
 * each comes back echoed intact, closes the agent, waits for the server's
 * close callback and shuts the server down. Fails the test on any error.
 */
static inline void nct_roundtrip(int npackets, int size)
{
	SsexConn *c = NULL;
	unsigned char *buf = malloc((size_t)size);
	unsigned short port;
	int i;

	CHECK(buf != NULL);
	memset(&nct_rt, 0, sizeof nct_rt);
	CHECK_EQ(extag_initialize(0, nct_rt_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(nct_rt_packet), EXTAG_OK);
	port = extag_port();
	CHECK(port != 0);
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	CHECK(c != NULL);
	CHECK(nct_dispatch_until(&nct_rt.accepted, NCT_DEADLINE_MS));
	for (i = 0; i < npackets; i++) {
		char *data;
		int len;
		nct_fill(buf, (size_t)size, (uint64_t)i + 1);
		CHECK_EQ(ssexact_send(c, size, (char *)buf), EXTAG_OK);
		nct_agent_read(c, &data, &len);
		CHECK_EQ(len, size);
		CHECK(memcmp(data, buf, (size_t)size) == 0);
		free(data);
	}
	CHECK_EQ(nct_rt.packets, npackets);
	ssexact_close(c);
	CHECK(nct_dispatch_until(&nct_rt.closed, NCT_DEADLINE_MS));
	CHECK_EQ(nct_rt.accepted, 1);
	CHECK_EQ(nct_rt.closed, 1);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	CHECK_EQ(extag_port(), 0);
	CHECK_EQ(extag_fd(), -1);
	free(buf);
}

/*
 * Waits at most timeout_ms for child pid to end and returns its wait
 * status; a child still running then is killed and the test fails.
 */
static inline int nct_wait_child_within(pid_t pid, int timeout_ms)
{
	int st;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		int done = nct_wait_readable(pfd, timeout_ms);
		close(pfd);
		if (!done) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "child %d still running after %d ms: killed\n",
			        (int)pid, timeout_ms);
			exit(1);
		}
	}
	while (waitpid(pid, &st, 0) < 0)
		CHECK(errno == EINTR);
	return st;
}

/* Like nct_wait_child, with a deadline. */
static inline void nct_wait_child_ok(pid_t pid)
{
	int st = nct_wait_child_within(pid, NCT_DEADLINE_MS);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "child %d failed (status 0x%x)\n", (int)pid, st);
		exit(1);
	}
}

static char nct_log_tmp[64];
static pid_t nct_log_owner;

static inline void nct_log_remove(void)
{
	if (getpid() == nct_log_owner) /* not in forked children */
		unlink(nct_log_tmp);
}

/*
 * The library's log file. ctest names one per test in NETCOMPAT_LOG; run by
 * hand, the test makes its own (removed at exit). Call before the first
 * library call.
 */
static inline const char *nct_log_file(void)
{
	const char *p = getenv("NETCOMPAT_LOG");
	if (p && *p && strcmp(p, "off") && strcmp(p, "stderr") && strcmp(p, "none") &&
	    strcmp(p, "0"))
		return p;
	if (!nct_log_owner) {
		snprintf(nct_log_tmp, sizeof nct_log_tmp, "/tmp/nctest-%d.log", (int)getpid());
		CHECK(setenv("NETCOMPAT_LOG", nct_log_tmp, 1) == 0);
		nct_log_owner = getpid();
		atexit(nct_log_remove);
	}
	return nct_log_tmp;
}

/* The size of a file, 0 when it does not exist. */
static inline long nct_file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long n;
	if (!f)
		return 0;
	CHECK(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	fclose(f);
	return n;
}

/*
 * Whether the file holds, past offset from, a line containing every one of
 * the given strings (NULL-terminated list). Prints the line it found.
 */
static inline int nct_file_has_line(const char *path, long from, const char *s1, ...)
{
	char line[4096];
	const char *want[8];
	int nwant = 0, found = 0;
	va_list ap;
	FILE *f = fopen(path, "r");

	want[nwant++] = s1;
	va_start(ap, s1);
	while (nwant < 8 && (want[nwant] = va_arg(ap, const char *)) != NULL)
		nwant++;
	va_end(ap);
	if (!f)
		return 0;
	CHECK(fseek(f, from, SEEK_SET) == 0);
	while (!found && fgets(line, sizeof line, f)) {
		int i;
		found = 1;
		for (i = 0; i < nwant; i++)
			if (!strstr(line, want[i]))
				found = 0;
		if (found)
			fprintf(stderr, "log: %s", line);
	}
	fclose(f);
	return found;
}

/*
 * Waiting for socket queues to empty, where no descriptor becomes readable:
 * the condition is polled (with a short pause) until it holds or the
 * deadline passes. 1 when it held, 0 on timeout or error.
 *
 * nct_wait_acked: everything written on fd has been acknowledged by the
 * peer, so it lies in the peer's kernel buffer (SIOCOUTQ == 0).
 * nct_wait_consumed: the program owning fd has read everything that had
 * arrived (SIOCINQ == 0).
 */
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

static inline int nct_wait_ioctl_zero(int fd, unsigned long req, int timeout_ms)
{
	long long end = nct_now_ms() + timeout_ms;
	for (;;) {
		int n = -1;
		if (ioctl(fd, req, &n) != 0)
			return 0;
		if (n == 0)
			return 1;
		if (nct_now_ms() > end)
			return 0;
		struct timespec pz = {.tv_sec = 0, .tv_nsec = 100000};
		nanosleep(&pz, NULL);
	}
}

static inline int nct_wait_acked(int fd, int timeout_ms)
{
	return nct_wait_ioctl_zero(fd, SIOCOUTQ, timeout_ms);
}

static inline int nct_wait_consumed(int fd, int timeout_ms)
{
	return nct_wait_ioctl_zero(fd, SIOCINQ, timeout_ms);
}

/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the new limit. */
static inline long nct_raise_nofile(void)
{
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = rl.rlim_max;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	return (long)rl.rlim_cur;
}

/*
 * fork() for a test whose processes talk to each other: the child is
 * killed when the parent dies (a failed check), so no orphan is left
 * holding ctest's output pipes, and in any case ends after timeout_s
 * seconds. Returns what fork() returns.
 */
#include <sys/prctl.h>

static inline pid_t nct_fork(unsigned timeout_s)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL) == 0);
		if (getppid() != parent)
			_exit(1); /* the parent is already gone */
		alarm(timeout_s);
	}
	return pid;
}

#endif /* NCTEST_H */
