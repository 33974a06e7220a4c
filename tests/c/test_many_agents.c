/*
 * test_many_agents - 1000 agents connected at once to one echo server.
 *
 * The process forks before its first library call: the parent runs the
 * server, the child the 1000 agents. Every agent sends a packet carrying its
 * index and must get exactly that packet back; then all close, and the
 * server must have seen exactly 1000 accept callbacks and 1000 size == 0
 * callbacks, one for each connection, each after its packet.
 */
#include "nctest.h"

#include <extagent.h>
#include <ssextagent.h>

#define NAGENTS 1000

/* Agent i's packet: its index, then filler derived from it. */
static int packet_size(int i)
{
	return 4 + (i * 37) % 600;
}

static void make_packet(unsigned char *buf, int i)
{
	nct_fill(buf, (size_t)packet_size(i), 0xa000 + (uint64_t)i);
	nct_put_be32(buf, (uint32_t)i);
}

/* ---- the server (parent) ------------------------------------------------ */

static struct {
	ExtagConnection *conns[NAGENTS];
	int packets[NAGENTS]; /* per accepted connection */
	int closed[NAGENTS];
	int accepts, closes, npackets;
} srv;

static int conn_index(ExtagConnection *conn)
{
	for (int i = 0; i < srv.accepts; i++)
		if (srv.conns[i] == conn)
			return i;
	fprintf(stderr, "server: callback for unknown connection %p\n", (void *)conn);
	exit(1);
}

static void on_accept(ExtagConnection *conn)
{
	CHECK(conn != NULL);
	CHECK(srv.accepts < NAGENTS);
	/* All are connected at once: no handle may be handed out twice. */
	for (int i = 0; i < srv.accepts; i++)
		CHECK(srv.conns[i] != conn);
	srv.conns[srv.accepts++] = conn;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	int i = conn_index(conn);

	CHECK(!srv.closed[i]);
	if (size == 0) {
		CHECK(data == NULL);
		CHECK_EQ(srv.packets[i], 1);
		srv.closed[i] = 1;
		srv.closes++;
		return;
	}
	srv.packets[i]++;
	srv.npackets++;
	CHECK(size >= 4);
	CHECK_EQ(extag_send(conn, size, data), EXTAG_OK);
}

static void run_server(int portpipe)
{
	unsigned short port;
	long long end;

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
	CHECK_EQ(write(portpipe, &port, sizeof port), (long)sizeof port);
	close(portpipe);

	end = nct_now_ms() + 2 * NCT_DEADLINE_MS;
	while (srv.closes < NAGENTS) {
		int left = (int)(end - nct_now_ms());
		if (left <= 0) {
			fprintf(stderr, "server: %d accepts, %d packets, %d closes at the deadline\n",
			        srv.accepts, srv.npackets, srv.closes);
			exit(1);
		}
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	/* Nothing more comes. */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	while (nct_wait_readable(extag_fd(), 0))
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	CHECK_EQ(srv.accepts, NAGENTS);
	CHECK_EQ(srv.closes, NAGENTS);
	CHECK_EQ(srv.npackets, NAGENTS);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
}

/* ---- the agents (child) ------------------------------------------------ */

static SsexConn *agents[NAGENTS];
static struct pollfd pfds[NAGENTS];

static void run_agents(int portpipe)
{
	unsigned char buf[700];
	unsigned short port;
	int pending = NAGENTS;
	long long end;

	CHECK(nct_wait_readable(portpipe, NCT_DEADLINE_MS));
	CHECK_EQ(read(portpipe, &port, sizeof port), (long)sizeof port);
	for (int i = 0; i < NAGENTS; i++) {
		if (ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &agents[i]) != EXTAG_OK) {
			fprintf(stderr, "agent %d: ssexact_initialize: errno %d\n", i, errno);
			exit(1);
		}
		pfds[i].fd = ssexact_fd(agents[i]);
		pfds[i].events = POLLIN;
		CHECK(pfds[i].fd >= 0);
	}
	for (int i = 0; i < NAGENTS; i++) {
		make_packet(buf, i);
		CHECK_EQ(ssexact_send(agents[i], packet_size(i), (char *)buf), EXTAG_OK);
	}
	end = nct_now_ms() + 2 * NCT_DEADLINE_MS;
	while (pending > 0) {
		int left = (int)(end - nct_now_ms()), n;
		CHECK(left > 0);
		n = poll(pfds, NAGENTS, left);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		for (int i = 0; i < NAGENTS && n > 0; i++) {
			char *data = NULL;
			int len = -1;
			ExtagStatus st;

			if (!pfds[i].revents)
				continue;
			n--;
			st = ssexact_read(agents[i], &data, &len);
			if (st == EXTAG_UNFINISHED)
				continue;
			if (st != EXTAG_OK) {
				fprintf(stderr, "agent %d: ssexact_read: status %d errno %d\n", i,
				        (int)st, errno);
				exit(1);
			}
			make_packet(buf, i);
			if (len != packet_size(i) || memcmp(data, buf, (size_t)len) != 0) {
				fprintf(stderr, "agent %d: got a packet of %d octets for agent %u\n", i,
				        len, len >= 4 ? (unsigned)ntohl(*(uint32_t *)data) : 0u);
				exit(1);
			}
			free(data);
			pfds[i].fd = -1; /* done: poll ignores it */
			pending--;
		}
	}
	for (int i = 0; i < NAGENTS; i++)
		ssexact_close(agents[i]);
}

int main(void)
{
	int pp[2];
	pid_t pid;
	long nofile = nct_raise_nofile();

	/* The server needs a descriptor per agent (moved above 1024), the
	 * agents one each. */
	if (nofile < 1024 + NAGENTS + 64) {
		fprintf(stderr, "RLIMIT_NOFILE hard limit %ld is too low for %d agents\n", nofile,
		        NAGENTS);
		return 1;
	}
	CHECK(pipe(pp) == 0);
	pid = nct_fork(280); /* before any library call */
	if (pid == 0) {
		close(pp[1]);
		run_agents(pp[0]);
		_exit(0);
	}
	close(pp[0]);
	run_server(pp[1]);
	nct_wait_child_ok(pid);
	return 0;
}
