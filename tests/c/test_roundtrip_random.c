/*
 * test_roundtrip_random - hundreds of packets of random sizes, from 1 octet
 * to EXTAG_MAX_PACKET_DEFAULT, sent by an agent to an echo server and back,
 * checked octet for octet on both sides.
 *
 * The process forks before its first library call: the parent runs the
 * server, the child the agent. Both derive the same list of packets from
 * one seed, so the server checks what it receives as well.
 */
#include "nctest.h"

#include <extagent.h>
#include <ssextagent.h>

#define NRANDOM 400
#define WINDOW 6 /* packets the agent sends ahead of the echoes */

static const int boundaries[] = {
	1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17,
	4095, 4096, 4097, 8191, 8192, 8193,
	65535, 65536, 65537, 131071, 131072, 131073,
	262143, 262144, 262145, /* the server's read buffer */
	1048575, 1048576, 1048577,
	EXTAG_MAX_PACKET_DEFAULT - 1, EXTAG_MAX_PACKET_DEFAULT,
};
#define NBOUND ((int)(sizeof boundaries / sizeof boundaries[0]))
#define NPACKETS (NRANDOM + NBOUND)

static int sizes[NPACKETS];
static int maxsize;

/* The packet list both processes build: random sizes, roughly log-uniform up
 * to 4 MiB, with the boundary sizes shuffled in. */
static void make_sizes(void)
{
	uint64_t s = 0x5eed1234;
	int i;

	for (i = 0; i < NRANDOM; i++) {
		int bits = (int)(nct_rand(&s) % 23); /* up to 4 MiB */
		sizes[i] = 1 + (int)(nct_rand(&s) % (1ULL << bits));
	}
	for (i = 0; i < NBOUND; i++)
		sizes[NRANDOM + i] = boundaries[i];
	for (i = NPACKETS - 1; i > 0; i--) {
		int j = (int)(nct_rand(&s) % (uint64_t)(i + 1)), t = sizes[i];
		sizes[i] = sizes[j];
		sizes[j] = t;
	}
	for (i = 0; i < NPACKETS; i++)
		if (sizes[i] > maxsize)
			maxsize = sizes[i];
}

/* The contents of packet i. */
static void fill_packet(unsigned char *buf, int i)
{
	nct_fill(buf, (size_t)sizes[i], 0x1000 + (uint64_t)i);
}

/* ---- the server (parent) ------------------------------------------------ */

static struct {
	ExtagConnection *conn;
	int accepts, closes, next;
	unsigned char *expect;
} srv;

static void on_accept(ExtagConnection *conn)
{
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
		return;
	}
	CHECK(srv.next < NPACKETS);
	if (size != sizes[srv.next]) {
		fprintf(stderr, "server: packet %d has %d octets, want %d\n", srv.next, size,
		        sizes[srv.next]);
		exit(1);
	}
	fill_packet(srv.expect, srv.next);
	if (memcmp(data, srv.expect, (size_t)size) != 0) {
		fprintf(stderr, "server: packet %d (%d octets) corrupted\n", srv.next, size);
		exit(1);
	}
	srv.next++;
	CHECK_EQ(extag_send(conn, size, data), EXTAG_OK);
}

static void run_server(int portpipe)
{
	unsigned short port;
	long long end;

	srv.expect = malloc((size_t)maxsize);
	CHECK(srv.expect != NULL);
	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
	CHECK(port != 0);
	CHECK_EQ(write(portpipe, &port, sizeof port), (long)sizeof port);
	close(portpipe);

	end = nct_now_ms() + 4 * NCT_DEADLINE_MS;
	while (srv.closes == 0) {
		int left = (int)(end - nct_now_ms());
		CHECK(left > 0);
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	CHECK_EQ(srv.accepts, 1);
	CHECK_EQ(srv.closes, 1);
	CHECK_EQ(srv.next, NPACKETS);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	free(srv.expect);
}

/* ---- the agent (child) ------------------------------------------------- */

/* Reads the echo of packet i, without blocking or blocking as i says. */
static void read_echo(SsexConn *c, int i, unsigned char *expect)
{
	char *data = NULL;
	int len = -1, prev = 0;
	ExtagStatus st;
	long long end = nct_now_ms() + NCT_DEADLINE_MS;

	fill_packet(expect, i);
	if (i % 2 == 0) {
		st = ssexact_blockingread(c, &data, &len);
	} else {
		for (;;) {
			st = ssexact_read(c, &data, &len);
			if (st != EXTAG_UNFINISHED)
				break;
			/* What has come so far is a prefix of the packet, growing. */
			CHECK(len >= prev && len < sizes[i]);
			CHECK((len == 0) == (data == NULL));
			if (len > 0)
				CHECK(memcmp(data, expect, (size_t)len) == 0);
			prev = len;
			CHECK(nct_wait_readable(ssexact_fd(c), (int)(end - nct_now_ms())));
		}
	}
	if (st != EXTAG_OK) {
		fprintf(stderr, "agent: reading echo %d: status %d (errno %d)\n", i, (int)st, errno);
		exit(1);
	}
	if (len != sizes[i]) {
		fprintf(stderr, "agent: echo %d has %d octets, want %d\n", i, len, sizes[i]);
		exit(1);
	}
	if (memcmp(data, expect, (size_t)len) != 0) {
		fprintf(stderr, "agent: echo %d (%d octets) corrupted\n", i, len);
		exit(1);
	}
	free(data);
}

static void run_agent(int portpipe)
{
	unsigned short port;
	unsigned char *out = malloc((size_t)maxsize + 1), *expect = malloc((size_t)maxsize);
	SsexConn *c = NULL;
	int sent = 0, got = 0;

	CHECK(out != NULL && expect != NULL);
	CHECK(nct_wait_readable(portpipe, NCT_DEADLINE_MS));
	CHECK_EQ(read(portpipe, &port, sizeof port), (long)sizeof port);
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);

	/* Over the limit: refused, and the connection stays usable. */
	errno = 0;
	CHECK_EQ(ssexact_send(c, EXTAG_MAX_PACKET_DEFAULT + 1, (char *)out), EXTAG_FAILED);
	CHECK_EQ(errno, EMSGSIZE);

	while (got < NPACKETS) {
		if (sent < NPACKETS && sent - got < WINDOW) {
			fill_packet(out, sent);
			if (ssexact_send(c, sizes[sent], (char *)out) != EXTAG_OK) {
				fprintf(stderr, "agent: sending packet %d (%d octets): errno %d\n", sent,
				        sizes[sent], errno);
				exit(1);
			}
			sent++;
			continue;
		}
		read_echo(c, got++, expect);
	}
	/* Nothing more comes. */
	{
		char *data = NULL;
		int len = -1;
		CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_UNFINISHED);
		CHECK(data == NULL && len == 0);
	}
	ssexact_close(c);
	free(out);
	free(expect);
}

int main(void)
{
	int pp[2];
	pid_t pid;

	make_sizes();
	CHECK(pipe(pp) == 0);
	pid = nct_fork(280); /* before any library call */
	if (pid == 0) {
		close(pp[1]);
		run_agent(pp[0]);
		_exit(0);
	}
	close(pp[0]);
	run_server(pp[1]);
	nct_wait_child_ok(pid);
	return 0;
}
