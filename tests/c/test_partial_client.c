/*
 * test_partial_client - the agent (ssexact_*) reassembles packets that reach
 * it in pieces.
 *
 * A raw TCP server (plain sockets) plays the domain: it checks the agent's
 * greeting, then writes its own greeting, data packets and control packets
 * one octet at a time or split at every offset, and after each piece the
 * test waits until ssexact_fd() is readable and calls ssexact_read:
 * EXTAG_UNFINISHED with the octets of the data received so far, until
 * EXTAG_OK with the whole packet. A final CLOSE ends with EXTAG_FAILED
 * (ECONNRESET). ssexact_blockingread is checked on packets written in pieces
 * by another thread while it waits.
 */
#include "nctest.h"

#include <pthread.h>

#include <ssextagent.h>

static int lfd;             /* the raw server's listener */
static unsigned short port; /* its port */

/* A framed data packet: header + body. */
struct frame {
	unsigned char *bytes; /* 4 + size octets */
	unsigned char *body;  /* bytes + 4 */
	int size;
};

static struct frame make_frame(int size, uint64_t seed)
{
	struct frame f;
	f.size = size;
	f.bytes = malloc((size_t)size + 4);
	CHECK(f.bytes != NULL);
	nct_put_be32(f.bytes, (uint32_t)size);
	f.body = f.bytes + 4;
	nct_fill(f.body, (size_t)size, seed);
	return f;
}

/* Connects an agent and accepts it on the raw server; checks its greeting. */
static SsexConn *agent_connect(int *sfd, int by_name)
{
	SsexConn *c = (SsexConn *)&c; /* must be overwritten */
	unsigned char got[8], want[8];
	int one = 1;

	if (by_name)
		CHECK_EQ(ssexact_initialize("127.0.0.1", 0, port, &c), EXTAG_OK);
	else
		CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	CHECK(c != NULL && c != (SsexConn *)&c);
	CHECK(ssexact_fd(c) >= 0);
	CHECK_EQ(ssextact_fd(c), ssexact_fd(c));
	CHECK(nct_wait_readable(lfd, NCT_DEADLINE_MS));
	*sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(*sfd >= 0);
	CHECK(setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
	CHECK_EQ(nct_read_exact(*sfd, got, sizeof got), 0);
	nct_control(want, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	CHECK(memcmp(got, want, sizeof want) == 0);
	return c;
}

/*
 * Writes n octets on the raw side, waits until the agent's descriptor is
 * readable and calls ssexact_read once.
 */
static ExtagStatus feed(SsexConn *c, int sfd, const void *p, size_t n, char **data, int *len)
{
	if (n > 0)
		nct_write_all(sfd, p, n);
	CHECK(nct_wait_readable(ssexact_fd(c), NCT_DEADLINE_MS));
	*data = (char *)&data; /* must be overwritten */
	*len = -1;
	return ssexact_read(c, data, len);
}

/* Checks an EXTAG_UNFINISHED result holding the first want octets of body. */
static void check_partial(ExtagStatus st, char *data, int len, const unsigned char *body, int want,
                          int line)
{
	if (st != EXTAG_UNFINISHED || len != want || (want == 0) != (data == NULL) ||
	    (want > 0 && memcmp(data, body, (size_t)want) != 0)) {
		fprintf(stderr, "line %d: ssexact_read gave status %d len %d data %p, want "
		        "EXTAG_UNFINISHED with %d octets (errno %d)\n",
		        line, (int)st, len, (void *)data, want, errno);
		exit(1);
	}
}
/* The status is evaluated first: it is what fills data and len. */
#define CHECK_PARTIAL(st, data, len, body, want)                               \
	do {                                                                   \
		ExtagStatus st_ = (st);                                        \
		check_partial(st_, data, len, body, want, __LINE__);           \
	} while (0)

/*
 * Writes the first octets of a packet and reads until the agent holds want
 * octets of its data (a large piece may arrive in parts); checks them.
 */
static void feed_part(SsexConn *c, int sfd, const void *p, size_t n, const unsigned char *body,
                      int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	char *data;
	int len;
	ExtagStatus st = feed(c, sfd, p, n, &data, &len);

	while (st == EXTAG_UNFINISHED && len < want) {
		CHECK(nct_now_ms() < end);
		st = feed(c, sfd, NULL, 0, &data, &len);
	}
	CHECK_PARTIAL(st, data, len, body, want);
}

/* Reads once more with nothing new sent: still unfinished with no data. */
static void check_idle(SsexConn *c)
{
	char *data = (char *)&data;
	int len = -1;
	CHECK_PARTIAL(ssexact_read(c, &data, &len), data, len, NULL, 0);
}

/*
 * Completes a read whose last piece has been written: reads while
 * EXTAG_UNFINISHED (the piece may arrive in parts) until another status.
 */
static ExtagStatus finish(SsexConn *c, ExtagStatus st, char **data, int *len)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (st == EXTAG_UNFINISHED) {
		CHECK(nct_now_ms() < end);
		st = feed(c, -1, NULL, 0, data, len);
	}
	return st;
}

static void check_packet_(ExtagStatus st, char *data, int len, const struct frame *f, int line)
{
	if (st != EXTAG_OK)
		fprintf(stderr, "line %d: status %d, want EXTAG_OK\n", line, (int)st);
	CHECK_EQ(st, EXTAG_OK);
	CHECK_EQ(len, f->size);
	CHECK(data != NULL);
	CHECK(memcmp(data, f->body, (size_t)f->size) == 0);
	free(data);
}

/* Sends a data packet one octet at a time, checking every step. */
#define check_packet(st, data, len, f)                                         \
	do {                                                                   \
		ExtagStatus stp_ = (st);                                       \
		check_packet_(stp_, data, len, f, __LINE__);                   \
	} while (0)

static void packet_bytewise(SsexConn *c, int sfd, int size, uint64_t seed)
{
	struct frame f = make_frame(size, seed);
	int total = size + 4;
	char *data;
	int len;

	for (int i = 0; i < total; i++) {
		ExtagStatus st = feed(c, sfd, f.bytes + i, 1, &data, &len);
		if (i < total - 1)
			CHECK_PARTIAL(st, data, len, f.body, i + 1 > 4 ? i + 1 - 4 : 0);
		else
			check_packet(st, data, len, &f);
	}
	check_idle(c);
	free(f.bytes);
}

/* Sends a data packet in two pieces split at offset k of its frame. */
static void packet_split(SsexConn *c, int sfd, int size, int k, uint64_t seed)
{
	struct frame f = make_frame(size, seed);
	char *data;
	int len;
	ExtagStatus st;

	CHECK(k > 0 && k < size + 4);
	feed_part(c, sfd, f.bytes, (size_t)k, f.body, k > 4 ? k - 4 : 0);
	st = feed(c, sfd, f.bytes + k, (size_t)(size + 4 - k), &data, &len);
	check_packet(finish(c, st, &data, &len), data, len, &f);
	check_idle(c);
	free(f.bytes);
}

/* Sends a control packet split at offset k (8: whole); expects no data. */
static void control_split(SsexConn *c, int sfd, int cmd, int arg, int k)
{
	unsigned char p[8];
	char *data;
	int len;

	nct_control(p, cmd, arg);
	CHECK_PARTIAL(feed(c, sfd, p, (size_t)k, &data, &len), data, len, NULL, 0);
	/* A small write arrives whole, so one read takes the rest of it. */
	if (k < 8)
		CHECK_PARTIAL(feed(c, sfd, p + k, (size_t)(8 - k), &data, &len), data, len, NULL, 0);
}

/* Sends CLOSE split at offset k (8: whole) and expects the end. */
static void close_split(SsexConn *c, int sfd, int arg, int k)
{
	unsigned char p[8];
	char *data;
	int len;
	ExtagStatus st;

	nct_control(p, EXTAG_CMD_CLOSE, arg);
	if (k < 8)
		CHECK_PARTIAL(feed(c, sfd, p, (size_t)k, &data, &len), data, len, NULL, 0);
	errno = 0;
	if (k < 8)
		st = finish(c, feed(c, sfd, p + k, (size_t)(8 - k), &data, &len), &data, &len);
	else
		st = finish(c, feed(c, sfd, p, 8, &data, &len), &data, &len);
	CHECK_EQ(st, EXTAG_FAILED);
	CHECK_EQ(errno, ECONNRESET);
	/* Failed for good, blocking or not. */
	errno = 0;
	CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_FAILED);
	CHECK_EQ(errno, ECONNRESET);
	errno = 0;
	CHECK_EQ(ssexact_blockingread(c, &data, &len), EXTAG_FAILED);
	CHECK_EQ(errno, ECONNRESET);
}

/* The writer thread for the blocking reads: writes pieces, each after the
 * agent has taken everything before it. */
struct pieces {
	int sfd, afd;
	const unsigned char *bytes;
	const size_t *cuts; /* piece boundaries, ascending, last == total */
	int ncuts;
	size_t from;
};

static void *write_pieces(void *arg)
{
	struct pieces *w = arg;
	size_t at = w->from;

	for (int i = 0; i < w->ncuts; i++) {
		nct_write_all(w->sfd, w->bytes + at, w->cuts[i] - at);
		at = w->cuts[i];
		if (i < w->ncuts - 1) {
			/* The piece reached the agent's kernel and the agent,
			 * blocked in ssexact_blockingread, took it. */
			CHECK(nct_wait_acked(w->sfd, NCT_DEADLINE_MS));
			CHECK(nct_wait_consumed(w->afd, NCT_DEADLINE_MS));
		}
	}
	return NULL;
}

static void blocking_pieces(SsexConn *c, int sfd, int size, uint64_t seed, int start_nonblocking)
{
	struct frame f = make_frame(size, seed);
	size_t cuts[] = {2, 4, 5, 1000, 1001, 70000, 140000, (size_t)size + 4};
	struct pieces w = {.sfd = sfd, .afd = ssexact_fd(c), .bytes = f.bytes, .cuts = cuts,
	                   .ncuts = (int)(sizeof cuts / sizeof cuts[0])};
	pthread_t th;
	char *data;
	int len;

	CHECK(size + 4 > 140000);
	if (start_nonblocking) {
		/* A first part read with ssexact_read; blockingread continues it. */
		feed_part(c, sfd, f.bytes, 1001, f.body, 997);
		w.from = 1001;
		w.cuts += 5;
		w.ncuts -= 5;
	}
	CHECK(pthread_create(&th, NULL, write_pieces, &w) == 0);
	data = NULL;
	len = -1;
	check_packet(ssexact_blockingread(c, &data, &len), data, len, &f);
	CHECK(pthread_join(th, NULL) == 0);
	check_idle(c);
	free(f.bytes);
}

int main(void)
{
	static const int bytewise_sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 100, 255, 256, 1000, 3001};
	SsexConn *c;
	int sfd;
	char *data;
	int len;
	uint64_t seed = 1;

	lfd = nct_listen(&port);

	/* Connection 0: everything one octet at a time. */
	c = agent_connect(&sfd, 0);
	check_idle(c); /* nothing has come yet */
	{
		unsigned char g[8];
		nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
		for (int i = 0; i < 8; i++)
			CHECK_PARTIAL(feed(c, sfd, g + i, 1, &data, &len), data, len, NULL, 0);
	}
	for (size_t i = 0; i < sizeof bytewise_sizes / sizeof bytewise_sizes[0]; i++)
		packet_bytewise(c, sfd, bytewise_sizes[i], seed++);

	/*
	 * Two packets in one write: the first is complete, and the descriptor
	 * must stay readable while the second waits in the kernel.
	 */
	{
		struct frame a = make_frame(50, seed++), b = make_frame(1, seed++);
		unsigned char both[59];
		memcpy(both, a.bytes, 54);
		memcpy(both + 54, b.bytes, 5);
		check_packet(feed(c, sfd, both, sizeof both, &data, &len), data, len, &a);
		CHECK(nct_wait_readable(ssexact_fd(c), 10000));
		check_packet(ssexact_read(c, &data, &len), data, len, &b);
		check_idle(c);
		free(a.bytes);
		free(b.bytes);
	}

	/* ssexact_blockingread while the packet arrives in pieces. */
	blocking_pieces(c, sfd, 200000, seed++, 0);
	blocking_pieces(c, sfd, 150000, seed++, 1);

	/* A final CLOSE one octet at a time: unfinished until its last octet. */
	{
		unsigned char p[8];
		nct_control(p, EXTAG_CMD_CLOSE, EXTAG_CLOSE_NORMAL);
		for (int i = 0; i < 7; i++)
			CHECK_PARTIAL(feed(c, sfd, p + i, 1, &data, &len), data, len, NULL, 0);
		errno = 0;
		CHECK_EQ(feed(c, sfd, p + 7, 1, &data, &len), EXTAG_FAILED);
		CHECK_EQ(errno, ECONNRESET);
		errno = 0;
		CHECK_EQ(ssexact_blockingread(c, &data, &len), EXTAG_FAILED);
		CHECK_EQ(errno, ECONNRESET);
	}
	ssexact_close(c);
	close(sfd);

	/*
	 * Connections 1..7: control packets (the greeting and the final CLOSE)
	 * and data packets split at every offset k.
	 */
	for (int k = 1; k < 8; k++) {
		c = agent_connect(&sfd, k % 2);
		control_split(c, sfd, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION, k);
		packet_split(c, sfd, 9, k, seed++);     /* header and body */
		packet_split(c, sfd, 1, k < 5 ? k : 4, seed++);
		packet_split(c, sfd, 70000, 4 + 65536 + k, seed++);
		close_split(c, sfd, k % 2 ? EXTAG_CLOSE_NORMAL : EXTAG_CLOSE_SHUTDOWN, k);
		ssexact_close(c);
		close(sfd);
	}

	/* A greeting plus packets and CLOSE all in one write. */
	{
		struct frame a = make_frame(3, seed++), b = make_frame(64 * 1024, seed++);
		size_t n = 8 + 7 + (size_t)b.size + 4 + 8;
		unsigned char *all = malloc(n);
		CHECK(all != NULL);
		c = agent_connect(&sfd, 0);
		nct_control(all, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
		memcpy(all + 8, a.bytes, 7);
		memcpy(all + 15, b.bytes, (size_t)b.size + 4);
		nct_control(all + n - 8, EXTAG_CMD_CLOSE, EXTAG_CLOSE_NORMAL);
		nct_write_all(sfd, all, n);
		check_packet(finish(c, feed(c, sfd, NULL, 0, &data, &len), &data, &len), data, len, &a);
		check_packet(finish(c, feed(c, sfd, NULL, 0, &data, &len), &data, &len), data, len, &b);
		errno = 0;
		CHECK_EQ(finish(c, feed(c, sfd, NULL, 0, &data, &len), &data, &len), EXTAG_FAILED);
		CHECK_EQ(errno, ECONNRESET);
		ssexact_close(c);
		close(sfd);
		free(all);
		free(a.bytes);
		free(b.bytes);
	}

	/* Data before the server's greeting breaks the protocol (EPROTO). */
	{
		struct frame a = make_frame(5, seed++);
		c = agent_connect(&sfd, 0);
		nct_write_all(sfd, a.bytes, 9);
		errno = 0;
		CHECK_EQ(finish(c, feed(c, sfd, NULL, 0, &data, &len), &data, &len), EXTAG_FAILED);
		CHECK_EQ(errno, EPROTO);
		ssexact_close(c);
		close(sfd);
		free(a.bytes);
	}

	close(lfd);
	return 0;
}
