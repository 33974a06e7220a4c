/*
 * test_bad_input: every entry point fed what a buggy or hostile program or
 * peer hands it. Each case must give the documented status and errno (or be
 * ignored where the header says so) and never crash:
 *
 *   - NULL pointers and foreign pointers for every handle and out-pointer;
 *   - packet sizes 0, -1, INT_MIN, one over the maximum and INT_MAX
 *     (NETCOMPAT_EXTAG_MAX_PACKET=4096 makes the maximum small), with the
 *     maximum itself still accepted and nothing sent for the refused ones;
 *   - a connection used after ssexact_close, an ExtagConnection used after
 *     its size == 0 callback, extag_* before extag_initialize,
 *     extag_initialize twice, extag_dispatch from inside a callback;
 *   - raw TCP peers breaking the protocol: garbage or silence instead of a
 *     greeting, a packet over the maximum, an unknown control command, and
 *     a raw server sending garbage to an agent. Dropped peers are explained
 *     by a line in the log file (NETCOMPAT_LOG).
 */
#include "nctest.h"

#include <limits.h>

#define MAXP 4096

/* errno is cleared first, so a stale value cannot pass. */
#define EXPECT_FAIL(call, err)                                                 \
	do {                                                                   \
		errno = 0;                                                     \
		CHECK_EQ((call), EXTAG_FAILED);                                \
		CHECK_EQ(errno, (err));                                        \
	} while (0)

static const char *logpath;
static unsigned short port; /* the server's */
static char junk[64];       /* a pointer the library never handed out */
static char junk_copy[64];

/* ------------------------------------------------------------------------
 * The server's callbacks record everything they see.
 * ------------------------------------------------------------------------ */
static int accepts, closes, npackets;
static ExtagConnection *last_conn, *closed_conn;
static struct {
	ExtagConnection *conn;
	int size;
	unsigned char data[MAXP];
} pk[64];

/* What calls made from inside the callbacks returned (status, errno). */
static int acc_dispatch[2] = {-1, -1}, pkt_dispatch[2] = {-1, -1},
           cls_dispatch[2] = {-1, -1}, cls_send[2] = {-1, -1},
           cls_begin[2] = {-1, -1}, cls_close[2] = {-1, -1};
static int shutdown_in_packet, shutdown_st = -1;

#define RECORD(where, call)                                                    \
	do {                                                                   \
		errno = 0;                                                     \
		(where)[0] = (int)(call);                                      \
		(where)[1] = errno;                                            \
	} while (0)

static void on_accept(ExtagConnection *c)
{
	accepts++;
	last_conn = c;
	RECORD(acc_dispatch, extag_dispatch());
	CHECK_EQ(extag_begindelivery(c), EXTAG_OK);
	CHECK_EQ(extag_begindelivery(c), EXTAG_OK); /* again: does nothing */
}

static void on_packet(ExtagConnection *c, int size, unsigned char *data)
{
	if (size == 0) {
		CHECK(data == NULL);
		closes++;
		closed_conn = c;
		/* Still a valid handle here, of a closed connection. */
		RECORD(cls_dispatch, extag_dispatch());
		RECORD(cls_send, extag_send(c, 1, (unsigned char *)"x"));
		RECORD(cls_begin, extag_begindelivery(c));
		RECORD(cls_close, extag_closeconnection(c));
		return;
	}
	CHECK(size > 0 && size <= MAXP);
	CHECK(data != NULL);
	CHECK(npackets < (int)(sizeof pk / sizeof pk[0]));
	pk[npackets].conn = c;
	pk[npackets].size = size;
	memcpy(pk[npackets].data, data, (size_t)size);
	npackets++;
	RECORD(pkt_dispatch, extag_dispatch());
	if (shutdown_in_packet)
		shutdown_st = extag_shutdown();
}

/* Dispatches until *v reaches want. */
static void dispatch_until_count(const int *v, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (*v < want) {
		int fd = extag_fd();
		CHECK(nct_now_ms() < end);
		CHECK(fd >= 0);
		if (nct_wait_readable(fd, (int)(end - nct_now_ms())))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	CHECK_EQ(*v, want);
}

/* ------------------------------------------------------------------------
 * Raw peers.
 * ------------------------------------------------------------------------ */

/*
 * Receives up to n octets from a raw socket while dispatching the server.
 * Returns the number received before end of stream, or -1 when the
 * connection was reset.
 */
static int raw_recv(int fd, unsigned char *buf, int n)
{
	int got = 0;
	long long end = nct_now_ms() + NCT_DEADLINE_MS;

	while (got < n) {
		ssize_t r;
		CHECK(nct_now_ms() < end);
		if (!nct_pump_until_readable(fd, (int)(end - nct_now_ms())))
			continue;
		r = recv(fd, buf + got, (size_t)(n - got), MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0 && errno == ECONNRESET)
			return -1;
		CHECK(r >= 0);
		if (r == 0)
			break;
		got += (int)r;
	}
	return got;
}

/* Expects the control packet cmd(arg) next. */
static void raw_expect_control(int fd, int cmd, int arg)
{
	unsigned char got[8], want[8];
	nct_control(want, cmd, arg);
	CHECK_EQ(raw_recv(fd, got, 8), 8);
	if (memcmp(got, want, 8) != 0) {
		fprintf(stderr, "got %02x%02x%02x%02x %02x%02x %02x%02x, want control %d(%d)\n",
		        got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], cmd, arg);
		exit(1);
	}
}

/* Expects the end of the stream. */
static void raw_expect_eof(int fd)
{
	unsigned char b;
	CHECK_EQ(raw_recv(fd, &b, 1), 0);
}

/* The "127.0.0.1:port" the server names a raw peer by. */
static void peer_name(int fd, char *out, size_t size)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	snprintf(out, size, "127.0.0.1:%u", ntohs(a.sin_port));
}

/* A raw agent that greets properly and is accepted; returns its socket. */
static int raw_agent(ExtagConnection **conn)
{
	unsigned char g[8];
	int fd = nct_connect(port), a0 = accepts;

	nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	nct_write_all(fd, g, 8);
	dispatch_until_count(&accepts, a0 + 1);
	*conn = last_conn;
	raw_expect_control(fd, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	return fd;
}

static size_t put_data(unsigned char *out, const unsigned char *data, int n)
{
	nct_put_be32(out, (uint32_t)n);
	memcpy(out + 4, data, (size_t)n);
	return 4 + (size_t)n;
}

/* ------------------------------------------------------------------------
 * The cases.
 * ------------------------------------------------------------------------ */

/*
 * A peer that never greets is dropped when the greeting deadline passes.
 * Run in a child forked before the library's first use, so its short
 * deadline cannot touch the other cases.
 */
static void silent_peer(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char peer[64];
		unsigned char got[8], want[8];
		long from = nct_file_size(logpath);
		long long t0, took;
		int fd, r;

		CHECK(setenv("NETCOMPAT_EXTAG_HANDSHAKE_MS", "200", 1) == 0);
		CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
		CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
		port = extag_port();
		t0 = nct_now_ms();
		fd = nct_connect(port);
		peer_name(fd, peer, sizeof peer);
		r = raw_recv(fd, got, 8);
		took = nct_now_ms() - t0;
		nct_control(want, EXTAG_CMD_CLOSE, EXTAG_CLOSE_HANDSHAKE);
		/* 200 ms, not the default 10 s: the setenv() before first use
		 * is in force. */
		if (took >= 9000)
			fprintf(stderr, "silent peer dropped after %lld ms: the greeting deadline "
			        "NETCOMPAT_EXTAG_HANDSHAKE_MS=200 set with setenv() before the "
			        "first library call is not in force\n", took);
		if (r != 8 || memcmp(got, want, 8) != 0)
			fprintf(stderr, "silent peer: dropped without being sent "
			        "CLOSE(EXTAG_CLOSE_HANDSHAKE) (received %d octets)\n", r);
		CHECK(took < 9000);
		CHECK(r == 8 && memcmp(got, want, 8) == 0);
		raw_expect_eof(fd);
		CHECK_EQ(accepts, 0);
		CHECK(nct_file_has_line(logpath, from, "netcompat:", peer, NULL));
		close(fd);
		CHECK_EQ(extag_shutdown(), EXTAG_OK);
		exit(0);
	}
	nct_wait_child_ok(pid);
	fprintf(stderr, "silent peer: ok\n");
}

static void before_initialize(void)
{
	CHECK_EQ(extag_port(), 0);
	CHECK_EQ(extag_fd(), -1);
	EXPECT_FAIL(extag_dispatch(), EBADF);
	EXPECT_FAIL(extag_send(NULL, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_send((ExtagConnection *)junk, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_begindelivery(NULL), EBADF);
	EXPECT_FAIL(extag_begindelivery((ExtagConnection *)junk), EBADF);
	EXPECT_FAIL(extag_closeconnection(NULL), EBADF);
	EXPECT_FAIL(extag_closeconnection((ExtagConnection *)junk), EBADF);
	CHECK_EQ(extag_shutdown(), EXTAG_OK); /* nothing to shut down */
	CHECK_EQ(extag_registerpacketcallback(NULL), EXTAG_OK);
	CHECK_EQ(extag_port(), 0);
	CHECK_EQ(extag_fd(), -1);
	fprintf(stderr, "extag_* before extag_initialize: ok\n");
}

static void bad_initialize(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	SsexConn *c;
	unsigned short closed;
	/* A port that is bound but not listening stays closed for the test. */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(s >= 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0);
	closed = ntohs(a.sin_port);

	/* NULL hostname and ipaddr 0 (0.0.0.0: this host) to a closed port. */
	c = (SsexConn *)junk;
	EXPECT_FAIL(ssexact_initialize(NULL, 0, closed, &c), ECONNREFUSED);
	CHECK(c == NULL);
	c = (SsexConn *)junk;
	EXPECT_FAIL(ssexact_initialize(NULL, inet_addr("127.0.0.1"), closed, &c), ECONNREFUSED);
	CHECK(c == NULL);
	c = (SsexConn *)junk;
	EXPECT_FAIL(ssexact_initialize("127.0.0.1", 0, closed, &c), ECONNREFUSED);
	CHECK(c == NULL);
	/* No place for the connection. */
	EXPECT_FAIL(ssexact_initialize(NULL, inet_addr("127.0.0.1"), closed, NULL), EINVAL);
	EXPECT_FAIL(ssexact_initialize(NULL, 0, 0, NULL), EINVAL);
	/* Port 0 is nobody's. */
	c = (SsexConn *)junk;
	EXPECT_FAIL(ssexact_initialize(NULL, inet_addr("127.0.0.1"), 0, &c), EINVAL);
	CHECK(c == NULL);
	close(s);
	fprintf(stderr, "ssexact_initialize: ok\n");
}

/* ssexact_* with a NULL or foreign connection. */
static void agent_null_handles(void)
{
	SsexConn *handles[2] = {NULL, (SsexConn *)junk};
	int i;

	for (i = 0; i < 2; i++) {
		SsexConn *c = handles[i];
		char *data;
		int len;

		EXPECT_FAIL(ssexact_send(c, 1, "x"), EBADF);
		data = junk;
		len = -1;
		EXPECT_FAIL(ssexact_read(c, &data, &len), EBADF);
		CHECK(data == NULL);
		CHECK_EQ(len, 0);
		data = junk;
		len = -1;
		EXPECT_FAIL(ssexact_blockingread(c, &data, &len), EBADF);
		CHECK(data == NULL);
		CHECK_EQ(len, 0);
		/* Both a NULL connection and NULL out-pointers: either is the
		 * reason. */
		errno = 0;
		CHECK_EQ(ssexact_read(c, NULL, NULL), EXTAG_FAILED);
		CHECK(errno == EINVAL || errno == EBADF);
		errno = 0;
		CHECK_EQ(ssexact_blockingread(c, NULL, NULL), EXTAG_FAILED);
		CHECK(errno == EINVAL || errno == EBADF);
		errno = 0;
		CHECK_EQ(ssexact_fd(c), -1);
		CHECK_EQ(errno, EBADF);
		errno = 0;
		CHECK_EQ(ssextact_fd(c), -1);
		CHECK_EQ(errno, EBADF);
		ssexact_close(c); /* ignored */
	}
	CHECK(memcmp(junk, junk_copy, sizeof junk) == 0); /* never written */
	fprintf(stderr, "ssexact_* with NULL/foreign handles: ok\n");
}

static void start_server(void)
{
	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
	CHECK(port != 0);
	/* A second server: EBUSY, and the first one is untouched. */
	EXPECT_FAIL(extag_initialize(0, on_accept), EBUSY);
	EXPECT_FAIL(extag_initialize(port, NULL), EBUSY);
	EXPECT_FAIL(extag_initialize((unsigned short)(port + 1), NULL), EBUSY);
	CHECK_EQ(extag_port(), port);
	CHECK(extag_fd() >= 0);
	CHECK_EQ(extag_dispatch(), EXTAG_OK);
	/* extag_* with NULL or foreign connections while a server runs. */
	EXPECT_FAIL(extag_send(NULL, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_send((ExtagConnection *)junk, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_begindelivery(NULL), EBADF);
	EXPECT_FAIL(extag_begindelivery((ExtagConnection *)junk), EBADF);
	EXPECT_FAIL(extag_closeconnection(NULL), EBADF);
	EXPECT_FAIL(extag_closeconnection((ExtagConnection *)junk), EBADF);
	CHECK(memcmp(junk, junk_copy, sizeof junk) == 0);
	fprintf(stderr, "extag_initialize twice, extag_* with NULL handles: ok\n");
}

/*
 * A real connection: bad pointers and sizes on it leave it usable and send
 * nothing; nested dispatch fails; the handles go stale on close.
 */
static void live_connection(void)
{
	static unsigned char buf[MAXP + 1], sbuf[MAXP + 1];
	SsexConn *c = NULL;
	ExtagConnection *conn;
	char *data;
	int len, p0 = npackets, a0 = accepts, c0 = closes;

	nct_fill(buf, sizeof buf, 7);
	nct_fill(sbuf, sizeof sbuf, 8);
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	CHECK(c != NULL);
	dispatch_until_count(&accepts, a0 + 1);
	conn = last_conn;
	CHECK(conn != NULL);
	/* extag_dispatch from inside the accept callback. */
	CHECK_EQ(acc_dispatch[0], EXTAG_FAILED);
	CHECK_EQ(acc_dispatch[1], EDEADLK);

	/* Each side's handle is not the other side's. */
	EXPECT_FAIL(ssexact_send((SsexConn *)conn, 1, "x"), EBADF);
	errno = 0;
	CHECK_EQ(ssexact_fd((SsexConn *)conn), -1);
	CHECK_EQ(errno, EBADF);
	EXPECT_FAIL(extag_send((ExtagConnection *)c, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_begindelivery((ExtagConnection *)c), EBADF);
	EXPECT_FAIL(extag_closeconnection((ExtagConnection *)c), EBADF);

	/* NULL out-pointers and data on a live connection. */
	EXPECT_FAIL(ssexact_read(c, NULL, &len), EINVAL);
	EXPECT_FAIL(ssexact_read(c, &data, NULL), EINVAL);
	EXPECT_FAIL(ssexact_read(c, NULL, NULL), EINVAL);
	EXPECT_FAIL(ssexact_blockingread(c, NULL, &len), EINVAL); /* must not block */
	EXPECT_FAIL(ssexact_blockingread(c, &data, NULL), EINVAL);
	EXPECT_FAIL(ssexact_send(c, 1, NULL), EINVAL);
	EXPECT_FAIL(ssexact_send(c, 0, NULL), EINVAL);
	EXPECT_FAIL(extag_send(conn, 1, NULL), EINVAL);
	EXPECT_FAIL(extag_send(conn, 0, NULL), EINVAL);

	/* Sizes: <= 0 is EINVAL, over the maximum EMSGSIZE. */
	EXPECT_FAIL(ssexact_send(c, 0, (char *)buf), EINVAL);
	EXPECT_FAIL(ssexact_send(c, -1, (char *)buf), EINVAL);
	EXPECT_FAIL(ssexact_send(c, INT_MIN, (char *)buf), EINVAL);
	EXPECT_FAIL(ssexact_send(c, MAXP + 1, (char *)buf), EMSGSIZE);
	EXPECT_FAIL(ssexact_send(c, INT_MAX, (char *)buf), EMSGSIZE);
	EXPECT_FAIL(extag_send(conn, 0, sbuf), EINVAL);
	EXPECT_FAIL(extag_send(conn, -1, sbuf), EINVAL);
	EXPECT_FAIL(extag_send(conn, INT_MIN, sbuf), EINVAL);
	EXPECT_FAIL(extag_send(conn, MAXP + 1, sbuf), EMSGSIZE);
	EXPECT_FAIL(extag_send(conn, INT_MAX, sbuf), EMSGSIZE);

	/* The limit was set with setenv() before the library's first use. */
	errno = 0;
	if (ssexact_send(c, MAXP + 1, (char *)buf) != EXTAG_FAILED || errno != EMSGSIZE) {
		fprintf(stderr, "NETCOMPAT_EXTAG_MAX_PACKET=%d, set with setenv() before the "
		        "first library call, is not in force: a %d-octet ssexact_send gave "
		        "errno %d, want EMSGSIZE\n", MAXP, MAXP + 1, errno);
		exit(1);
	}

	/* The maximum itself goes through, and is the first thing each side
	 * receives: the refused calls sent nothing. */
	CHECK_EQ(ssexact_send(c, MAXP, (char *)buf), EXTAG_OK);
	CHECK_EQ(extag_send(conn, MAXP, sbuf), EXTAG_OK);
	dispatch_until_count(&npackets, p0 + 1);
	CHECK(pk[p0].conn == conn);
	CHECK_EQ(pk[p0].size, MAXP);
	CHECK(memcmp(pk[p0].data, buf, MAXP) == 0);
	/* extag_dispatch from inside the packet callback. */
	CHECK_EQ(pkt_dispatch[0], EXTAG_FAILED);
	CHECK_EQ(pkt_dispatch[1], EDEADLK);
	nct_agent_read(c, &data, &len);
	CHECK_EQ(len, MAXP);
	CHECK(memcmp(data, sbuf, MAXP) == 0);
	free(data);
	/* Still usable both ways. */
	CHECK_EQ(ssexact_send(c, 3, "abc"), EXTAG_OK);
	CHECK_EQ(extag_send(conn, 3, (unsigned char *)"def"), EXTAG_OK);
	dispatch_until_count(&npackets, p0 + 2);
	CHECK_EQ(pk[p0 + 1].size, 3);
	CHECK(memcmp(pk[p0 + 1].data, "abc", 3) == 0);
	nct_agent_read(c, &data, &len);
	CHECK_EQ(len, 3);
	CHECK(memcmp(data, "def", 3) == 0);
	free(data);
	fprintf(stderr, "NULL pointers, bad sizes, nested dispatch on a live connection: ok\n");

	/* After ssexact_close the pointer is stale. No connection is made
	 * between the close and the checks (its handle could take the same
	 * address). */
	ssexact_close(c);
	EXPECT_FAIL(ssexact_send(c, 1, "x"), EBADF);
	data = junk;
	len = -1;
	EXPECT_FAIL(ssexact_read(c, &data, &len), EBADF);
	CHECK(data == NULL);
	CHECK_EQ(len, 0);
	data = junk;
	len = -1;
	EXPECT_FAIL(ssexact_blockingread(c, &data, &len), EBADF);
	CHECK(data == NULL);
	CHECK_EQ(len, 0);
	errno = 0;
	CHECK_EQ(ssexact_fd(c), -1);
	CHECK_EQ(errno, EBADF);
	errno = 0;
	CHECK_EQ(ssextact_fd(c), -1);
	CHECK_EQ(errno, EBADF);
	ssexact_close(c); /* a second close is ignored */
	fprintf(stderr, "SsexConn after ssexact_close: ok\n");

	/* The server hears of the close; during the size == 0 callback the
	 * handle names a closed connection, afterwards nothing. */
	dispatch_until_count(&closes, c0 + 1);
	CHECK(closed_conn == conn);
	CHECK_EQ(npackets, p0 + 2);
	CHECK_EQ(cls_dispatch[0], EXTAG_FAILED);
	CHECK_EQ(cls_dispatch[1], EDEADLK);
	CHECK_EQ(cls_send[0], EXTAG_FAILED);
	CHECK_EQ(cls_send[1], ENOTCONN);
	CHECK_EQ(cls_begin[0], EXTAG_FAILED);
	CHECK_EQ(cls_begin[1], ENOTCONN);
	CHECK_EQ(cls_close[0], EXTAG_FAILED);
	CHECK_EQ(cls_close[1], ENOTCONN);
	EXPECT_FAIL(extag_send(conn, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_begindelivery(conn), EBADF);
	EXPECT_FAIL(extag_closeconnection(conn), EBADF);
	CHECK_EQ(extag_dispatch(), EXTAG_OK);
	CHECK_EQ(closes, c0 + 1); /* exactly once */
	fprintf(stderr, "ExtagConnection after its size-0 callback: ok\n");
}

/* A connection the server closes: closed until its callback, then stale. */
static void server_closed_connection(void)
{
	SsexConn *c = NULL;
	ExtagConnection *conn;
	char *data;
	int len, a0 = accepts, c0 = closes;

	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	dispatch_until_count(&accepts, a0 + 1);
	conn = last_conn;
	CHECK_EQ(extag_closeconnection(conn), EXTAG_OK);
	/* Closed but not yet reported: usable no more. */
	EXPECT_FAIL(extag_send(conn, 1, (unsigned char *)"x"), ENOTCONN);
	EXPECT_FAIL(extag_closeconnection(conn), ENOTCONN);
	dispatch_until_count(&closes, c0 + 1);
	CHECK(closed_conn == conn);
	EXPECT_FAIL(extag_send(conn, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_closeconnection(conn), EBADF);
	EXPECT_FAIL(extag_begindelivery(conn), EBADF);
	/* The agent reads the close. */
	EXPECT_FAIL(ssexact_blockingread(c, &data, &len), ECONNRESET);
	EXPECT_FAIL(ssexact_read(c, &data, &len), ECONNRESET); /* stays failed */
	errno = 0;
	CHECK_EQ(ssexact_send(c, 1, "x"), EXTAG_FAILED);
	CHECK(errno != 0);
	ssexact_close(c);
	fprintf(stderr, "ExtagConnection closed by the server: ok\n");
}

/*
 * A raw peer sends greeting bytes that are not a greeting: no accept
 * callback, the peer is sent CLOSE(EXTAG_CLOSE_HANDSHAKE) and dropped, and
 * the log names it. With exact, the peer sent exactly the 8 octets of a
 * greeting, so the drop is an orderly one; otherwise unread octets may
 * turn it into a reset.
 */
static void bad_greeting(const char *what, const unsigned char *g, size_t n, int exact)
{
	char peer[64];
	long from = nct_file_size(logpath);
	int a0 = accepts, c0 = closes;
	int fd = nct_connect(port);

	peer_name(fd, peer, sizeof peer);
	nct_write_all(fd, g, n);
	if (exact) {
		raw_expect_control(fd, EXTAG_CMD_CLOSE, EXTAG_CLOSE_HANDSHAKE);
		raw_expect_eof(fd);
	} else {
		unsigned char got[64];
		unsigned char want[8];
		int r = raw_recv(fd, got, sizeof got);
		nct_control(want, EXTAG_CMD_CLOSE, EXTAG_CLOSE_HANDSHAKE);
		/* Either the close packet and the end, or a reset. */
		CHECK(r == -1 || (r == 8 && memcmp(got, want, 8) == 0));
	}
	CHECK_EQ(accepts, a0);
	CHECK_EQ(closes, c0);
	if (!nct_file_has_line(logpath, from, "netcompat:", peer, NULL)) {
		fprintf(stderr, "no log line in %s names the dropped peer %s\n", logpath, peer);
		exit(1);
	}
	close(fd);
	fprintf(stderr, "garbage greeting (%s): ok\n", what);
}

static void garbage_greetings(void)
{
	unsigned char g[64], ok[8];
	uint64_t seed = 1234;

	/* 8 random octets (not by chance a valid greeting). */
	nct_control(ok, EXTAG_CMD_OPEN, 0);
	do {
		nct_fill(g, 8, seed++);
	} while (memcmp(g, ok, 6) == 0);
	bad_greeting("8 random octets", g, 8, 1);
	/* Random, with a huge length field. */
	g[0] |= 0x80;
	bad_greeting("8 random octets, huge length", g, 8, 1);
	/* Random, with the length field of a packet longer than 4 octets. */
	g[0] = 0;
	g[1] = 0;
	g[2] = 0x01;
	bad_greeting("8 random octets, length 256..511", g, 8, 1);
	/* A greeting with version 0. */
	nct_control(g, EXTAG_CMD_OPEN, 0);
	bad_greeting("version 0", g, 8, 1);
	/* CLOSE instead of OPEN. */
	nct_control(g, EXTAG_CMD_CLOSE, 0);
	bad_greeting("close", g, 8, 1);
	/* An unknown command. */
	nct_control(g, 9, 1);
	bad_greeting("unknown command", g, 8, 1);
	/* A data packet. */
	put_data(g, (const unsigned char *)"abcd", 4);
	bad_greeting("data packet", g, 8, 1);
	/* 64 random octets. */
	nct_fill(g, sizeof g, 99);
	g[0] |= 0x01;
	bad_greeting("64 random octets", g, sizeof g, 0);
}

/*
 * A raw agent sends packets, then one over the maximum: those before it are
 * delivered, then the close callback comes, and the peer is told
 * CLOSE(EXTAG_CLOSE_TOO_LARGE).
 */
static void too_large_from_agent(void)
{
	static unsigned char a[10], b[MAXP], out[3 * 4 + 10 + MAXP];
	ExtagConnection *conn;
	char peer[64];
	long from = nct_file_size(logpath);
	size_t n = 0;
	int fd, p0, c0 = closes;

	fd = raw_agent(&conn);
	peer_name(fd, peer, sizeof peer);
	p0 = npackets;
	nct_fill(a, sizeof a, 11);
	nct_fill(b, sizeof b, 12);
	n += put_data(out + n, a, sizeof a);
	n += put_data(out + n, b, sizeof b);
	nct_put_be32(out + n, MAXP + 1); /* only the length field */
	n += 4;
	nct_write_all(fd, out, n);

	dispatch_until_count(&closes, c0 + 1);
	CHECK(closed_conn == conn);
	CHECK_EQ(npackets, p0 + 2);
	CHECK(pk[p0].conn == conn);
	CHECK_EQ(pk[p0].size, (int)sizeof a);
	CHECK(memcmp(pk[p0].data, a, sizeof a) == 0);
	CHECK(pk[p0 + 1].conn == conn);
	CHECK_EQ(pk[p0 + 1].size, MAXP);
	CHECK(memcmp(pk[p0 + 1].data, b, MAXP) == 0);
	raw_expect_control(fd, EXTAG_CMD_CLOSE, EXTAG_CLOSE_TOO_LARGE);
	raw_expect_eof(fd);
	CHECK(nct_file_has_line(logpath, from, "netcompat:", peer, NULL));
	EXPECT_FAIL(extag_send(conn, 1, (unsigned char *)"x"), EBADF);
	close(fd);
	fprintf(stderr, "packet over the maximum from a raw agent: ok\n");
}

/* A raw agent sends an unknown control command after a data packet. */
static void unknown_control_from_agent(int cmd)
{
	unsigned char out[4 + 5 + 8];
	ExtagConnection *conn;
	char peer[64];
	long from = nct_file_size(logpath);
	size_t n;
	int fd, p0, c0 = closes;

	fd = raw_agent(&conn);
	peer_name(fd, peer, sizeof peer);
	p0 = npackets;
	n = put_data(out, (const unsigned char *)"hello", 5);
	nct_control(out + n, cmd, 0);
	n += 8;
	nct_write_all(fd, out, n);

	dispatch_until_count(&closes, c0 + 1);
	CHECK(closed_conn == conn);
	CHECK_EQ(npackets, p0 + 1);
	CHECK_EQ(pk[p0].size, 5);
	CHECK(memcmp(pk[p0].data, "hello", 5) == 0);
	raw_expect_control(fd, EXTAG_CMD_CLOSE, EXTAG_CLOSE_PROTOCOL_ERROR);
	raw_expect_eof(fd);
	CHECK(nct_file_has_line(logpath, from, "netcompat:", peer, NULL));
	close(fd);
	fprintf(stderr, "unknown control command %d from a raw agent: ok\n", cmd);
}

/*
 * A raw server: the agent's greeting arrives as specified, then the server
 * sends what it likes. The first read fails with want (or one of want and
 * want2), and the connection stays failed.
 */
static void raw_server_case(const char *what, const unsigned char *send1, size_t n1,
                            int close_after, int blocking, int want, int want2)
{
	unsigned short rp;
	int ls = nct_listen(&rp), s, err;
	unsigned char greet[8], ok[8];
	SsexConn *c = NULL;
	char *data;
	int len;
	ExtagStatus st;

	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), rp, &c), EXTAG_OK);
	CHECK(c != NULL);
	s = accept(ls, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(nct_read_exact(s, greet, 8), 0);
	nct_control(ok, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	CHECK(memcmp(greet, ok, 8) == 0);
	if (n1)
		nct_write_all(s, send1, n1);
	if (close_after)
		close(s);

	data = junk;
	len = -1;
	if (blocking) {
		errno = 0;
		st = ssexact_blockingread(c, &data, &len);
	} else {
		CHECK(nct_wait_readable(ssexact_fd(c), NCT_DEADLINE_MS));
		errno = 0;
		st = ssexact_read(c, &data, &len);
	}
	err = errno;
	if (st != EXTAG_FAILED || (err != want && err != want2)) {
		fprintf(stderr, "%s: first read gave status %d errno %d (%s), want EXTAG_FAILED errno %d or %d\n",
		        what, (int)st, err, strerror(err), want, want2);
		exit(1);
	}
	CHECK(data == NULL);
	CHECK_EQ(len, 0);
	/* Failed for good. */
	errno = 0;
	CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_FAILED);
	CHECK_EQ(errno, err);
	errno = 0;
	CHECK_EQ(ssexact_blockingread(c, &data, &len), EXTAG_FAILED);
	CHECK_EQ(errno, err);
	errno = 0;
	CHECK_EQ(ssexact_send(c, 1, "x"), EXTAG_FAILED);
	CHECK(errno != 0);
	ssexact_close(c);
	if (!close_after)
		close(s);
	close(ls);
	fprintf(stderr, "raw server, %s: ok (errno %d %s)\n", what, err, strerror(err));
}

static void garbage_from_server(void)
{
	unsigned char g[64];
	size_t n;

	/* Random octets instead of a greeting (length field over any limit). */
	nct_fill(g, 16, 4321);
	g[0] |= 0x80;
	raw_server_case("random octets", g, 16, 0, 0, EPROTO, EMSGSIZE);
	/* Random octets with a small length field: a data packet before the
	 * greeting. */
	nct_fill(g, 16, 4322);
	nct_put_be32(g, 12);
	raw_server_case("data before the greeting", g, 16, 0, 1, EPROTO, EPROTO);
	/* A proper greeting, then an unknown control command. */
	nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	nct_control(g + 8, 7, 0);
	raw_server_case("unknown control command", g, 16, 0, 1, EPROTO, EPROTO);
	/* A proper greeting, then a packet over the maximum. */
	nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	nct_put_be32(g + 8, MAXP + 1);
	raw_server_case("packet over the maximum", g, 12, 0, 1, EMSGSIZE, EMSGSIZE);
	/* A proper greeting, half a packet, and the socket closed. */
	nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	n = put_data(g + 8, (const unsigned char *)"abcdefgh", 8) - 4;
	raw_server_case("connection lost mid-packet", g, 8 + n, 1, 1, ECONNRESET, ECONNRESET);
	/* Nothing at all, and the socket closed. */
	raw_server_case("connection closed at once", g, 0, 1, 1, ECONNRESET, ECONNRESET);
}

/* extag_shutdown from a callback; then the server is gone. */
static void shutdown_cases(void)
{
	SsexConn *c = NULL;
	ExtagConnection *conn;
	char *data;
	int len, a0 = accepts, c0 = closes, p0 = npackets;
	unsigned short busy;
	int ls;

	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	dispatch_until_count(&accepts, a0 + 1);
	conn = last_conn;
	shutdown_in_packet = 1;
	CHECK_EQ(ssexact_send(c, 4, "stop"), EXTAG_OK);
	dispatch_until_count(&npackets, p0 + 1);
	shutdown_in_packet = 0;
	CHECK_EQ(shutdown_st, EXTAG_OK);
	CHECK_EQ(closes, c0); /* no callbacks after the shutdown */
	CHECK_EQ(extag_port(), 0);
	CHECK_EQ(extag_fd(), -1);
	EXPECT_FAIL(extag_dispatch(), EBADF);
	EXPECT_FAIL(extag_send(conn, 1, (unsigned char *)"x"), EBADF);
	EXPECT_FAIL(extag_begindelivery(conn), EBADF);
	EXPECT_FAIL(extag_closeconnection(conn), EBADF);
	CHECK_EQ(extag_shutdown(), EXTAG_OK); /* again: nothing to do */
	/* The agent was told. */
	EXPECT_FAIL(ssexact_blockingread(c, &data, &len), ECONNRESET);
	ssexact_close(c);

	/* A port someone else listens on. */
	ls = nct_listen(&busy);
	EXPECT_FAIL(extag_initialize(busy, on_accept), EADDRINUSE);
	CHECK_EQ(extag_port(), 0);
	CHECK_EQ(extag_fd(), -1);
	close(ls);
	/* And a new server works. */
	nct_roundtrip(2, 100);
	fprintf(stderr, "shutdown from a callback, busy port: ok\n");
}

int main(void)
{
	memset(junk, 0x5a, sizeof junk);
	memcpy(junk_copy, junk, sizeof junk);
	/* Before the library's first use: the limits it reads, and the log. */
	CHECK(setenv("NETCOMPAT_EXTAG_MAX_PACKET", "4096", 1) == 0);
	logpath = nct_log_file();
	fprintf(stderr, "log file: %s\n", logpath);

	silent_peer(); /* forks first */
	before_initialize();
	bad_initialize();
	agent_null_handles();
	start_server();
	live_connection();
	server_closed_connection();
	garbage_greetings();
	too_large_from_agent();
	unknown_control_from_agent(7);
	unknown_control_from_agent(0xffff);
	garbage_from_server();
	shutdown_cases();
	fprintf(stderr, "test_bad_input: ok\n");
	return 0;
}
