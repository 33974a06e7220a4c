/*
 * test_partial_server - the server (extag_*) reassembles what a raw agent
 * writes in pieces.
 *
 * A raw agent (plain socket) writes its greeting, data packets and a final
 * CLOSE one octet at a time, or split at every offset. After every piece the
 * test waits until extag_fd() is readable and dispatches until the server
 * has nothing left to do: no callback may come before a packet is complete,
 * each packet must be delivered intact exactly once, and the close
 * (size == 0 callback) exactly once. The raw agent must get the server's
 * greeting 00 00 00 00 00 00 00 01.
 */
#include "nctest.h"

#include <extagent.h>

#define MAXPK 64

static struct {
	int accepts, closes, npk;
	ExtagConnection *conn;         /* the connection of the current agent */
	ExtagConnection *closed;       /* the connection of the last close */
	int sizes[MAXPK];
	unsigned char *data[MAXPK];
} srv;

static void on_accept(ExtagConnection *conn)
{
	CHECK(conn != NULL);
	srv.accepts++;
	srv.conn = conn;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	CHECK(conn == srv.conn);
	if (size == 0) {
		CHECK(data == NULL);
		srv.closes++;
		srv.closed = conn;
		return;
	}
	CHECK(data != NULL);
	CHECK(srv.npk < MAXPK);
	srv.sizes[srv.npk] = size;
	srv.data[srv.npk] = malloc((size_t)size);
	CHECK(srv.data[srv.npk] != NULL);
	memcpy(srv.data[srv.npk], data, (size_t)size);
	srv.npk++;
}

static void reset_packets(void)
{
	for (int i = 0; i < srv.npk; i++)
		free(srv.data[i]);
	srv.npk = 0;
}

/* Dispatches while the server has work now. */
static void pump_idle(void)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (nct_wait_readable(extag_fd(), 0)) {
		CHECK(nct_now_ms() < end);
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
}

/*
 * After the agent wrote something the server reads: waits until the server
 * has work, then does all of it.
 */
static void pump_after_write(void)
{
	CHECK(nct_wait_readable(extag_fd(), NCT_DEADLINE_MS));
	CHECK_EQ(extag_dispatch(), EXTAG_OK);
	pump_idle();
}

/* Dispatches until *counter reaches want; fails at the deadline. */
static void pump_until(const int *counter, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (*counter < want) {
		int left = (int)(end - nct_now_ms());
		CHECK(left > 0);
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	pump_idle();
	CHECK_EQ(*counter, want);
}

/*
 * Writes p[0..n) on the raw agent's socket, dispatching the server while
 * the socket is full (both ends live in this thread).
 */
static void raw_write(int fd, const unsigned char *p, size_t n)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		CHECK(w < 0 && (errno == EAGAIN || errno == EINTR));
		struct pollfd pf[2] = {{.fd = fd, .events = POLLOUT},
		                       {.fd = extag_fd(), .events = POLLIN}};
		int left = (int)(end - nct_now_ms());
		CHECK(left > 0);
		if (poll(pf, 2, left) > 0 && (pf[1].revents & POLLIN))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
}

/* Writes a piece and lets the server do what it can with it. */
static void write_piece(int fd, const unsigned char *p, size_t n)
{
	raw_write(fd, p, n);
	pump_after_write();
}

/* Connects a raw agent; the server takes the TCP connection, no callback. */
static int raw_connect(void)
{
	int fd = nct_connect(extag_port());
	int accepts = srv.accepts;
	pump_after_write(); /* the listener is readable */
	CHECK_EQ(srv.accepts, accepts);
	return fd;
}

/* Reads the server's greeting on the raw agent. */
static void check_server_greeting(int fd)
{
	unsigned char got[8];
	static const unsigned char want[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
	CHECK_EQ(nct_read_exact(fd, got, sizeof got), 0);
	CHECK(memcmp(got, want, sizeof want) == 0);
}

/* Greets split at offset k (0: one octet at a time). */
static void greet(int fd, int k)
{
	unsigned char g[8];
	int accepts = srv.accepts;

	nct_control(g, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	if (k == 0) {
		for (int i = 0; i < 7; i++) {
			write_piece(fd, g + i, 1);
			CHECK_EQ(srv.accepts, accepts);
		}
		nct_write_all(fd, g + 7, 1);
	} else {
		write_piece(fd, g, (size_t)k);
		CHECK_EQ(srv.accepts, accepts);
		nct_write_all(fd, g + k, (size_t)(8 - k));
	}
	pump_until(&srv.accepts, accepts + 1);
	CHECK_EQ(srv.npk, 0);
	check_server_greeting(fd);
}

/* A data packet written one octet at a time (k == 0) or split at k. */
static void packet(int fd, int size, int k, uint64_t seed)
{
	unsigned char *f = malloc((size_t)size + 4);
	int npk = srv.npk;

	CHECK(f != NULL);
	nct_put_be32(f, (uint32_t)size);
	nct_fill(f + 4, (size_t)size, seed);
	if (k == 0) {
		for (int i = 0; i < size + 3; i++) {
			write_piece(fd, f + i, 1);
			CHECK_EQ(srv.npk, npk);
		}
		nct_write_all(fd, f + size + 3, 1);
	} else {
		CHECK(k < size + 4);
		write_piece(fd, f, (size_t)k);
		CHECK_EQ(srv.npk, npk);
		raw_write(fd, f + k, (size_t)(size + 4 - k));
	}
	pump_until(&srv.npk, npk + 1);
	CHECK_EQ(srv.sizes[npk], size);
	CHECK(memcmp(srv.data[npk], f + 4, (size_t)size) == 0);
	CHECK_EQ(srv.closes, 0);
	free(f);
}

/* The final CLOSE, one octet at a time (k == 0) or split at k. */
static void bye(int fd, int k)
{
	unsigned char p[8];
	int npk = srv.npk;
	ExtagConnection *conn = srv.conn;

	nct_control(p, EXTAG_CMD_CLOSE, EXTAG_CLOSE_NORMAL);
	if (k == 0) {
		for (int i = 0; i < 7; i++) {
			write_piece(fd, p + i, 1);
			CHECK_EQ(srv.closes, 0);
		}
		nct_write_all(fd, p + 7, 1);
	} else {
		write_piece(fd, p, (size_t)k);
		CHECK_EQ(srv.closes, 0);
		nct_write_all(fd, p + k, (size_t)(8 - k));
	}
	pump_until(&srv.closes, 1);
	CHECK(srv.closed == conn);
	CHECK_EQ(srv.npk, npk);
	/* Exactly once, however long the server goes on. */
	for (int i = 0; i < 20; i++)
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	pump_idle();
	CHECK_EQ(srv.closes, 1);
	/* The server has let go of the socket: the raw agent sees the end. */
	{
		unsigned char b;
		CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
		CHECK(recv(fd, &b, 1, 0) <= 0);
	}
}

static void finish_agent(int fd)
{
	close(fd);
	reset_packets();
	srv.closes = 0;
	srv.conn = NULL;
}

int main(void)
{
	static const int bytewise_sizes[] = {1, 2, 3, 4, 5, 8, 9, 200, 1024, 3001};
	uint64_t seed = 1;
	int fd;

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	CHECK(extag_port() != 0);
	CHECK(extag_fd() >= 0);

	/* Agent 0: everything one octet at a time. */
	fd = raw_connect();
	greet(fd, 0);
	for (size_t i = 0; i < sizeof bytewise_sizes / sizeof bytewise_sizes[0]; i++)
		packet(fd, bytewise_sizes[i], 0, seed++);
	bye(fd, 0);
	CHECK_EQ(srv.accepts, 1);
	finish_agent(fd);

	/* Agents 1..7: greeting, packets and CLOSE split at offset k. */
	for (int k = 1; k < 8; k++) {
		fd = raw_connect();
		greet(fd, k);
		packet(fd, 9, k, seed++);
		packet(fd, 1, k < 5 ? k : 4, seed++);
		packet(fd, 300000, 4 + 100000 + k, seed++); /* beyond one read */
		packet(fd, 16, k + 8, seed++);
		bye(fd, k);
		CHECK_EQ(srv.accepts, 1 + k);
		finish_agent(fd);
	}

	/* Agent 8: greeting, three packets and CLOSE in a single write. */
	{
		static const int sizes[] = {1, 70000, 5};
		unsigned char buf[8 + 4 + 1 + 4 + 70000 + 4 + 5 + 8], *p = buf;
		int accepts = srv.accepts;

		fd = raw_connect();
		nct_control(p, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
		p += 8;
		for (int i = 0; i < 3; i++) {
			nct_put_be32(p, (uint32_t)sizes[i]);
			nct_fill(p + 4, (size_t)sizes[i], 1000 + (uint64_t)i);
			p += 4 + sizes[i];
		}
		nct_control(p, EXTAG_CMD_CLOSE, EXTAG_CLOSE_NORMAL);
		p += 8;
		CHECK_EQ(p - buf, (long)sizeof buf);
		raw_write(fd, buf, sizeof buf);
		pump_until(&srv.closes, 1);
		CHECK_EQ(srv.accepts, accepts + 1);
		CHECK_EQ(srv.npk, 3);
		p = buf + 8;
		for (int i = 0; i < 3; i++) {
			CHECK_EQ(srv.sizes[i], sizes[i]);
			CHECK(memcmp(srv.data[i], p + 4, (size_t)sizes[i]) == 0);
			p += 4 + sizes[i];
		}
		check_server_greeting(fd);
		finish_agent(fd);
	}

	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	return 0;
}
