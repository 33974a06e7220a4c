/*
 * extagent_netcompat - the extagent benchmark over libnetcompat.so.1.
 *
 * Agent: ssexact_initialize, ssexact_send per packet, ssexact_blockingread.
 * Server: extag_initialize(0), a poll() loop on extag_fd() calling
 * extag_dispatch(); the packet callback counts, echoes or acknowledges.
 * See extagent_common.h for the measurement protocol.
 */
#define BENCH_IMPL "netcompat"
#include "extagent_common.h"

#include <poll.h>

#include <extagent.h>
#include <ssextagent.h>

static struct server_state srv;
static ExtagConnection *the_conn;

static void on_accept(ExtagConnection *conn)
{
	if (the_conn)
		fail("server: a second agent connected");
	the_conn = conn;
	if (extag_begindelivery(conn) != EXTAG_OK)
		die("extag_begindelivery");
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	static unsigned char ack[ACK_SIZE] = { 'A', 'C', 'K', '!' };

	if (size == 0) {
		srv.done = 1;
		return;
	}
	switch (bench_server_packet(&srv, size, data)) {
	case 1:
		if (extag_send(conn, size, data) != EXTAG_OK)
			die("extag_send");
		break;
	case 2:
		if (extag_send(conn, ACK_SIZE, ack) != EXTAG_OK)
			die("extag_send");
		break;
	}
}

static void run_server(const struct bench_args *a, int pipefd)
{
	struct pollfd pfd;
	unsigned short port;

	srv.a = a;
	if (extag_initialize(0, on_accept) != EXTAG_OK)
		die("extag_initialize");
	extag_registerpacketcallback(on_packet);
	pin_from_env("BENCH_SERVER_CPU");
	port = extag_port();
	write_all_fd(pipefd, &port, sizeof port);

	pfd.fd = extag_fd();
	pfd.events = POLLIN;
	while (!srv.done) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (extag_dispatch() != EXTAG_OK)
			die("extag_dispatch");
	}
	extag_shutdown();
	write_all_fd(pipefd, &srv.used, sizeof srv.used);
	if (srv.failed || srv.seen != a->count + (a->mode == MODE_RATE ? 1 : a->warmup))
		fail("server: wrong packets received");
}

static void run_agent(const struct bench_args *a, unsigned short port,
                      double *secs, double *rtt, struct bench_cpu *cpu)
{
	SsexConn *conn;
	struct bench_cpu c0;
	char *buf, *reply;
	int len;

	buf = malloc((size_t)a->size);
	if (!buf)
		die("malloc");
	for (int i = 0; i < a->size; i++)
		buf[i] = (char)('a' + i % 26);
	if (ssexact_initialize("127.0.0.1", 0, port, &conn) != EXTAG_OK)
		die("ssexact_initialize");
	pin_from_env("BENCH_AGENT_CPU");

	if (a->mode == MODE_RATE) {
		char sync = SYNC_BYTE;
		double t0;

		/* One round trip first: connected, greeted, delivering. */
		if (ssexact_send(conn, 1, &sync) != EXTAG_OK)
			die("ssexact_send");
		if (ssexact_blockingread(conn, &reply, &len) != EXTAG_OK)
			die("ssexact_blockingread");
		if (len != 1)
			fail("agent: bad sync reply");
		free(reply);

		c0 = cpu_now();
		t0 = now_s();
		for (long i = 0; i < a->count; i++)
			if (ssexact_send(conn, a->size, buf) != EXTAG_OK)
				die("ssexact_send");
		if (ssexact_blockingread(conn, &reply, &len) != EXTAG_OK)
			die("ssexact_blockingread");
		*secs = now_s() - t0;
		*cpu = cpu_since(c0);
		if (len != ACK_SIZE)
			fail("agent: bad ack");
		free(reply);
	} else {
		for (long i = 0; i < a->warmup + a->count; i++) {
			double t0, t1;

			if (i == a->warmup)
				c0 = cpu_now();
			t0 = now_s();
			if (ssexact_send(conn, a->size, buf) != EXTAG_OK)
				die("ssexact_send");
			if (ssexact_blockingread(conn, &reply, &len) != EXTAG_OK)
				die("ssexact_blockingread");
			t1 = now_s();
			if (len != a->size || reply[0] != buf[0])
				fail("agent: bad echo");
			free(reply);
			if (i >= a->warmup)
				rtt[i - a->warmup] = t1 - t0;
		}
		*cpu = cpu_since(c0);
	}
	ssexact_close(conn);
	free(buf);
}
