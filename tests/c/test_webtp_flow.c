/*
 * Flow and readiness on WebTP sockets over loopback:
 *  - a non-blocking send eventually fails with EAGAIN while the receiver
 *    does not read, and the data sent until then arrives once it does;
 *  - an ADU larger than SO_SNDBUF fails with ENOBUFS and writes nothing;
 *    malformed headers fail with EINVAL and write nothing;
 *  - poll and select see listening and connected sockets become readable;
 *  - O_ASYNC delivers SIGIO when an ADU arrives;
 *  - SO_RCVTIMEO applies (other SOL_SOCKET options reach the descriptor);
 *  - connect to a port nobody listens on fails with ECONNREFUSED.
 */
#include "webtptest.h"

#include <sys/select.h>
#include <sys/uio.h>

#define FAILS(call, err)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		CHECK_EQ((long)(call), -1);                                    \
		CHECK_EQ(errno, err);                                          \
	} while (0)

/*
 * With SO_SNDBUF and the receiver's SO_RCVBUF at 1 MiB, a non-blocking
 * sender whose peer does not read is stopped: send fails with EAGAIN, and
 * the descriptor stays unwritable (the transport takes nothing more) once
 * the send buffer, the receive window and the socketpairs are full. Then
 * the receiver reads, and every ADU arrives.
 */
static void eagain(void)
{
	enum { SIZE = 65536 };
	unsigned char *buf = calloc(1, SIZE + 4);
	unsigned short port;
	int l = wt_listener(SOCK_ADU, &port), cli, srv, v = 1 << 20, adus = 0, got = 0, flags;
	size_t total = 0, off = 0;
	struct pollfd p;
	unsigned char *data;

	CHECK(buf);
	CHECK(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0);
	cli = wt_connect(SOCK_ADU | SOCK_NONBLOCK, port);
	CHECK(fcntl(cli, F_GETFL) & O_NONBLOCK);
	CHECK(setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
	CHECK(nct_wait_readable(l, NCT_DEADLINE_MS));
	srv = accept(l, NULL, NULL);
	CHECK(srv >= 0);
	WEBTP_HDR_SET_ADU(buf, WEBTP_HDR_RELIABLE, SIZE);
	for (;;) {
		ssize_t w = send(cli, buf + off, SIZE + 4 - off, 0);
		if (w > 0) {
			total += (size_t)w;
			off += (size_t)w;
			if (off == SIZE + 4) {
				off = 0;
				adus++;
			}
			CHECK(total < (size_t)256 << 20); /* it must stop long before */
			continue;
		}
		CHECK_EQ(w, -1);
		CHECK_EQ(errno, EAGAIN);
		/* Full for now; full for good when no room comes within 2 s. */
		p.fd = cli;
		p.events = POLLOUT;
		if (poll(&p, 1, 2000) == 0)
			break;
	}
	fprintf(stderr, "eagain: %zu octets (%d whole ADUs) taken, then EAGAIN for good\n",
	        total, adus);
	CHECK(total > (size_t)1 << 20);
	/* The receiver reads; room comes back; the partial ADU is completed. */
	while (off > 0) {
		ssize_t w;
		p.fd = cli;
		p.events = POLLOUT;
		if (got < adus) {
			CHECK_EQ(wt_recv_adu(srv, &flags, &data), SIZE);
			free(data);
			got++;
		} else {
			CHECK_EQ(poll(&p, 1, NCT_DEADLINE_MS), 1);
		}
		w = send(cli, buf + off, SIZE + 4 - off, 0);
		if (w > 0) {
			off += (size_t)w;
			if (off == SIZE + 4) {
				off = 0;
				adus++;
			}
		} else {
			CHECK_EQ(errno, EAGAIN);
		}
	}
	CHECK(close(cli) == 0);
	while (got < adus) {
		CHECK_EQ(wt_recv_adu(srv, &flags, &data), SIZE);
		free(data);
		got++;
	}
	{
		char c;
		CHECK(nct_wait_readable(srv, NCT_DEADLINE_MS));
		CHECK_EQ(recv(srv, &c, 1, 0), 0); /* then the end: nothing extra */
	}
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);
	free(buf);
	fprintf(stderr, "eagain: ok\n");
}

static void checks(int cli, int srv)
{
	int v = 65536, flags;
	socklen_t len = sizeof v;
	unsigned char h[8], *data;
	long n;

	CHECK(setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
	v = 0;
	CHECK(getsockopt(cli, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0);
	CHECK_EQ(v, 65536);
	WEBTP_HDR_SET_ADU(h, WEBTP_HDR_RELIABLE, 65537);
	FAILS(send(cli, h, 4, 0), ENOBUFS);
	FAILS(write(cli, h, 4), ENOBUFS);
	/* A chunked ADU whose chunks add up to more than the buffer. */
	WEBTP_HDR_SET(h, WEBTP_HDR_START, 40000);
	WEBTP_HDR_SET(h + 4, WEBTP_HDR_END, 40000);
	{
		unsigned char *s = calloc(1, 80008);
		CHECK(s);
		memcpy(s, h, 4);
		memcpy(s + 40004, h + 4, 4);
		FAILS(send(cli, s, 80008, 0), ENOBUFS);
		free(s);
	}
	/* Framing errors. */
	WEBTP_HDR_SET_ADU(h, 0, 0);
	h[0] |= 0x01;
	FAILS(send(cli, h, 4, 0), EINVAL);           /* reserved bit */
	FAILS(send(cli, "\0\0\0\0", 4, 0), EINVAL);  /* no S outside an ADU */
	FAILS(send(cli, "\x40\0\0\0", 4, 0), EINVAL);
	FAILS(send(cli, "\x80\0\0\0\x80\0\0\0", 8, 0), EINVAL); /* S inside an ADU */
	FAILS(send(cli, "\xa0\0\0\0\x40\0\0\0", 8, 0), EINVAL); /* R changed */
	/* A valid ADU after all that arrives first and alone: nothing of the
	 * refused calls was written. */
	WEBTP_HDR_SET_ADU(h, WEBTP_HDR_RELIABLE, 4);
	memcpy(h + 4, "okay", 4);
	CHECK_EQ(send(cli, h, 8, 0), 8);
	n = wt_recv_adu(srv, &flags, &data);
	CHECK_EQ(n, 4);
	CHECK(memcmp(data, "okay", 4) == 0);
	free(data);
	/* The largest ADU the buffer allows goes. */
	data = calloc(1, 65536 + 4);
	CHECK(data);
	WEBTP_HDR_SET_ADU(data, WEBTP_HDR_RELIABLE, 65536);
	wt_send_all(cli, data, 65536 + 4);
	free(data);
	n = wt_recv_adu(srv, &flags, &data);
	CHECK_EQ(n, 65536);
	free(data);
	fprintf(stderr, "checks: ok\n");
}

static void readiness(void)
{
	unsigned short port;
	int l = wt_listener(SOCK_ADU, &port), cli, srv, flags;
	struct pollfd p;
	fd_set rd;
	struct timeval tv;
	unsigned char *data;

	p.fd = l;
	p.events = POLLIN;
	CHECK_EQ(poll(&p, 1, 0), 0);
	cli = wt_connect(SOCK_ADU, port);
	CHECK_EQ(poll(&p, 1, NCT_DEADLINE_MS), 1);
	CHECK(p.revents & POLLIN);
	srv = accept(l, NULL, NULL);
	CHECK(srv >= 0);
	CHECK_EQ(poll(&p, 1, 0), 0); /* the one waiting was taken */

	FD_ZERO(&rd);
	FD_SET(srv, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK_EQ(select(srv + 1, &rd, NULL, NULL, &tv), 0);
	wt_send_adu(cli, WEBTP_HDR_RELIABLE, "ping", 4);
	FD_ZERO(&rd);
	FD_SET(srv, &rd);
	tv.tv_sec = NCT_DEADLINE_MS / 1000;
	tv.tv_usec = 0;
	CHECK_EQ(select(srv + 1, &rd, NULL, NULL, &tv), 1);
	CHECK(FD_ISSET(srv, &rd));
	CHECK_EQ(wt_recv_adu(srv, &flags, &data), 4);
	free(data);

	/* Writable while the transport takes data. */
	p.fd = cli;
	p.events = POLLOUT;
	CHECK_EQ(poll(&p, 1, NCT_DEADLINE_MS), 1);

	/* SO_RCVTIMEO reaches the descriptor. */
	{
		struct timeval to = {0, 50000};
		char c;
		long long t0;
		CHECK(setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &to, sizeof to) == 0);
		t0 = nct_now_ms();
		FAILS(recv(srv, &c, 1, 0), EAGAIN);
		CHECK(nct_now_ms() - t0 >= 40);
	}

	/* SIGIO on arrival, to this thread. */
	{
		sigset_t set;
		siginfo_t si;
		struct timespec ts = {NCT_DEADLINE_MS / 1000, 0};
		struct f_owner_ex own;
		sigemptyset(&set);
		sigaddset(&set, SIGIO);
		CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);
		own.type = F_OWNER_TID;
		own.pid = (pid_t)syscall(SYS_gettid);
		CHECK(fcntl(srv, F_SETOWN_EX, &own) == 0);
		CHECK(fcntl(srv, F_SETFL, fcntl(srv, F_GETFL) | O_ASYNC) == 0);
		wt_send_adu(cli, 0, "sigio", 5);
		CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGIO);
		CHECK_EQ(wt_recv_adu(srv, &flags, &data), 5);
		CHECK(memcmp(data, "sigio", 5) == 0);
		free(data);
		CHECK(fcntl(srv, F_SETFL, fcntl(srv, F_GETFL) & ~O_ASYNC) == 0);
	}

	checks(cli, srv);
	CHECK(close(cli) == 0);
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);
	fprintf(stderr, "readiness: ok\n");
}

static void refused(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	unsigned short port;
	int l = wt_listener(SOCK_ADU, &port), cli, fd, u, e;

	/* A WebTP endpoint that does not listen (a connected socket's own)
	 * refuses. */
	cli = wt_connect(SOCK_ADU, port);
	CHECK(getsockname(cli, (struct sockaddr *)&a, &len) == 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_ADU, 0);
	CHECK(fd >= 0);
	FAILS(connect(fd, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	CHECK(close(fd) == 0);
	CHECK(close(cli) == 0);
	CHECK(close(l) == 0);

	/* A UDP port nobody uses: refused at once (the ICMP port unreachable
	 * reaches the transport through IP_RECVERR). */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof a) == 0);
	len = sizeof a;
	CHECK(getsockname(u, (struct sockaddr *)&a, &len) == 0);
	CHECK(close(u) == 0);
	fd = socket(AF_INET, SOCK_ADU, 0);
	CHECK(fd >= 0);
	errno = 0;
	CHECK_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), -1);
	e = errno;
	CHECK_EQ(e, ECONNREFUSED);
	CHECK(close(fd) == 0);
	fprintf(stderr, "refused: ok\n");
}

/*
 * Processes: a child that sends ADUs and exits right after close() still
 * delivers them all (the transport lingers at exit, as the kernel does for
 * TCP); a child forked after first use serves an inherited connection with
 * plain send/recv and closes it, without calling into the core.
 */
static void processes(void)
{
	enum { N = 64, SIZE = 65536 };
	unsigned short port;
	int l, srv, cli, i, flags, pp[2];
	unsigned char *data;
	pid_t pid;

	/* The child is forked before this process's first WebTP call (so it
	 * may use WebTP itself); it learns the port through a pipe. */
	CHECK(pipe(pp) == 0);
	pid = nct_fork(120);
	if (pid == 0) {
		unsigned char *buf = calloc(1, SIZE);
		int fd;
		CHECK(close(pp[1]) == 0);
		CHECK_EQ(read(pp[0], &port, sizeof port), sizeof port);
		fd = wt_connect(SOCK_ADU, port);
		for (i = 0; i < N; i++) {
			nct_put_be32(buf, (uint32_t)i);
			wt_send_adu(fd, WEBTP_HDR_RELIABLE, buf, SIZE);
		}
		CHECK(close(fd) == 0);
		exit(0); /* at once */
	}
	CHECK(close(pp[0]) == 0);
	l = wt_listener(SOCK_ADU, &port);
	CHECK_EQ(write(pp[1], &port, sizeof port), sizeof port);
	CHECK(close(pp[1]) == 0);
	CHECK(nct_wait_readable(l, NCT_DEADLINE_MS));
	srv = accept(l, NULL, NULL);
	CHECK(srv >= 0);
	nct_wait_child_ok(pid); /* the child is gone before most data is read */
	for (i = 0; i < N; i++) {
		CHECK_EQ(wt_recv_adu(srv, &flags, &data), SIZE);
		free(data);
	}
	{
		char c;
		CHECK(nct_wait_readable(srv, NCT_DEADLINE_MS));
		CHECK_EQ(recv(srv, &c, 1, 0), 0);
	}
	CHECK(close(srv) == 0);

	/* Fork after first use: the child uses an inherited connection. */
	cli = wt_connect(SOCK_ADU, port);
	CHECK(nct_wait_readable(l, NCT_DEADLINE_MS));
	srv = accept(l, NULL, NULL);
	CHECK(srv >= 0);
	pid = nct_fork(120);
	if (pid == 0) {
		int f2;
		CHECK(close(l) == 0);   /* plain close: no core call here */
		CHECK(close(cli) == 0);
		CHECK_EQ(wt_recv_adu(srv, &flags, &data), 4);
		CHECK(memcmp(data, "ping", 4) == 0);
		wt_send_adu(srv, WEBTP_HDR_RELIABLE, "pong", 4);
		errno = 0;
		f2 = socket(AF_INET, SOCK_ADU, 0);
		CHECK_EQ(f2, -1);
		CHECK_EQ(errno, ENOSYS);
		CHECK(close(srv) == 0);
		_exit(0);
	}
	CHECK(close(srv) == 0); /* the child still holds it */
	wt_send_adu(cli, WEBTP_HDR_RELIABLE, "ping", 4);
	CHECK_EQ(wt_recv_adu(cli, &flags, &data), 4);
	CHECK(memcmp(data, "pong", 4) == 0);
	free(data);
	nct_wait_child_ok(pid);
	{
		char c;
		CHECK(nct_wait_readable(cli, NCT_DEADLINE_MS));
		CHECK_EQ(recv(cli, &c, 1, 0), 0); /* the child's close ended it */
	}
	CHECK(close(cli) == 0);
	CHECK(close(l) == 0);
	fprintf(stderr, "processes: ok\n");
}

/*
 * A stream that breaks the framing behind send()'s back (writev is not
 * checked) resets the connection: the program reads end of file, its
 * sends fail with EPIPE, SO_ERROR says ECONNRESET once, and the peer's
 * stream ends.
 */
static void broken_stream(void)
{
	int cli, srv, l = wt_pair(SOCK_ADU, &cli, &srv), v = -1;
	struct iovec iov = {(void *)"\xc8\0\0\0", 4};
	socklen_t len = sizeof v;
	char c;

	CHECK_EQ(writev(cli, &iov, 1), 4);
	CHECK(nct_wait_readable(cli, NCT_DEADLINE_MS));
	CHECK_EQ(recv(cli, &c, 1, 0), 0);
	FAILS(send(cli, "\xc0\0\0\0", 4, MSG_NOSIGNAL), EPIPE);
	CHECK(getsockopt(cli, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
	CHECK_EQ(v, ECONNRESET);
	len = sizeof v;
	CHECK(getsockopt(cli, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
	CHECK_EQ(v, 0);
	CHECK(nct_wait_readable(srv, NCT_DEADLINE_MS));
	CHECK_EQ(recv(srv, &c, 1, 0), 0);
	CHECK(close(cli) == 0);
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);
	fprintf(stderr, "broken stream: ok\n");
}

int main(void)
{
	processes();
	broken_stream();
	readiness();
	eagain();
	refused();
	return 0;
}
