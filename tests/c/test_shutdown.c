/*
 * test_shutdown - extag_shutdown delivers what was queued, then
 * CLOSE(EXTAG_CLOSE_SHUTDOWN), to every agent, and leaves the library ready
 * for a new server.
 *
 * The process forks before its first library call: the parent runs the
 * server, the child 50 agents and one raw agent (plain socket). Each agent
 * identifies itself with a packet; the server then queues several hundred
 * KiB for each agent - more than the sockets hold - and only then tells
 * the agents (over a pipe) to start reading, and shuts down; half the agents
 * send one more packet meanwhile, which the server never reads. Every agent
 * must read all its packets and then get EXTAG_FAILED (errno ECONNRESET)
 * from ssexact_blockingread; the raw agent must see its packets, then the
 * CLOSE control packet with argument EXTAG_CLOSE_SHUTDOWN, then the end of
 * the stream. After the shutdown extag_fd() is -1, extag_port() 0, and
 * extag_initialize starts a working server again.
 */
#include "nctest.h"

#include <extagent.h>
#include <ssextagent.h>

#define NAGENTS 50         /* library agents; the raw agent is index NAGENTS */
#define NCONNS (NAGENTS + 1)
#define NQUEUED 16         /* packets queued for each library agent */
#define NQUEUED_RAW 3      /* ... and for the raw agent */
#define MAXSIZE 50000

static int nqueued(int agent)
{
	return agent == NAGENTS ? NQUEUED_RAW : NQUEUED;
}

static int packet_size(int agent, int j)
{
	if (agent == NAGENTS)
		return 10 + j;
	return 1 + (int)((uint64_t)(agent * 7919 + j * 104729) % MAXSIZE);
}

static void make_packet(unsigned char *buf, int agent, int j)
{
	nct_fill(buf, (size_t)packet_size(agent, j), (uint64_t)(agent * 100 + j + 1));
}

/* ---- the server (parent) ------------------------------------------------ */

static struct {
	ExtagConnection *conn[NCONNS]; /* by agent index */
	int accepts, identified, closes, bad;
} srv;

static void on_accept(ExtagConnection *conn)
{
	srv.accepts++;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	uint32_t i;

	if (size == 0) {
		srv.closes++;
		return;
	}
	CHECK_EQ(size, 4);
	i = ((uint32_t)data[0] << 24) | ((uint32_t)data[1] << 16) | ((uint32_t)data[2] << 8) | data[3];
	CHECK(i < NCONNS);
	CHECK(srv.conn[i] == NULL);
	srv.conn[i] = conn;
	srv.identified++;
}

/* The second server, after the shutdown: an echo. */
static int echo_accepts, echo_closes;

static void echo_accept(ExtagConnection *conn)
{
	echo_accepts++;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void echo_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	if (size == 0) {
		echo_closes++;
		return;
	}
	CHECK_EQ(extag_send(conn, size, data), EXTAG_OK);
}

static void run_server(int portpipe, int gopipe)
{
	static unsigned char buf[MAXSIZE];
	unsigned short port;
	long long end, t0;
	char go = 'g';

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
	CHECK_EQ(write(portpipe, &port, sizeof port), (long)sizeof port);

	end = nct_now_ms() + NCT_DEADLINE_MS;
	while (srv.identified < NCONNS) {
		int left = (int)(end - nct_now_ms());
		CHECK(left > 0);
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	CHECK_EQ(srv.accepts, NCONNS);

	/* A second server cannot start while this one runs. */
	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_FAILED);
	CHECK_EQ(extag_port(), port);

	for (int i = 0; i < NCONNS; i++) {
		for (int j = 0; j < nqueued(i); j++) {
			make_packet(buf, i, j);
			CHECK_EQ(extag_send(srv.conn[i], packet_size(i, j), buf), EXTAG_OK);
		}
	}
	CHECK_EQ(write(gopipe, &go, 1), 1);
	t0 = nct_now_ms();
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	fprintf(stderr, "server: extag_shutdown took %lld ms\n", nct_now_ms() - t0);
	CHECK_EQ(srv.closes, 0); /* no callbacks after the shutdown either */
	CHECK_EQ(extag_fd(), -1);
	CHECK_EQ(extag_port(), 0);

	/* A new server works. */
	{
		SsexConn *c = NULL;
		char *data;
		int len;

		CHECK_EQ(extag_initialize(0, echo_accept), EXTAG_OK);
		CHECK_EQ(extag_registerpacketcallback(echo_packet), EXTAG_OK);
		CHECK(extag_port() != 0);
		CHECK(extag_fd() >= 0);
		CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), extag_port(), &c), EXTAG_OK);
		CHECK_EQ(ssexact_send(c, 5, "again"), EXTAG_OK);
		nct_agent_read(c, &data, &len);
		CHECK_EQ(len, 5);
		CHECK(memcmp(data, "again", 5) == 0);
		free(data);
		ssexact_close(c);
		CHECK(nct_dispatch_until(&echo_closes, NCT_DEADLINE_MS));
		CHECK_EQ(echo_accepts, 1);
		CHECK_EQ(extag_shutdown(), EXTAG_OK);
		CHECK_EQ(extag_fd(), -1);
		CHECK_EQ(extag_port(), 0);
	}
}

/* ---- the agents (child) ------------------------------------------------ */

static void run_raw_agent_reads(int fd)
{
	unsigned char buf[64], want[64], close_want[8];
	static const unsigned char greeting[8] = {0, 0, 0, 0, 0, 0, 0, 1};

	CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
	CHECK_EQ(nct_read_exact(fd, buf, 8), 0);
	CHECK(memcmp(buf, greeting, 8) == 0);
	for (int j = 0; j < NQUEUED_RAW; j++) {
		int n = packet_size(NAGENTS, j);
		CHECK_EQ(nct_read_exact(fd, buf, 4), 0);
		CHECK_EQ(((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3],
		         n);
		CHECK_EQ(nct_read_exact(fd, buf, (size_t)n), 0);
		make_packet(want, NAGENTS, j);
		CHECK(memcmp(buf, want, (size_t)n) == 0);
	}
	CHECK_EQ(nct_read_exact(fd, buf, 8), 0);
	nct_control(close_want, EXTAG_CMD_CLOSE, EXTAG_CLOSE_SHUTDOWN);
	if (memcmp(buf, close_want, 8) != 0) {
		fprintf(stderr, "raw agent: got %02x %02x %02x %02x %02x %02x %02x %02x, want "
		        "CLOSE(EXTAG_CLOSE_SHUTDOWN)\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
		        buf[6], buf[7]);
		exit(1);
	}
	/* Then the end of the stream. */
	CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
	CHECK(recv(fd, buf, 1, 0) <= 0);
	close(fd);
}

static void run_agents(int portpipe, int gopipe)
{
	static unsigned char want[MAXSIZE];
	static SsexConn *agents[NAGENTS];
	static struct pollfd pfds[NAGENTS];
	static int got[NAGENTS];
	unsigned short port;
	unsigned char id[4];
	int raw, pending = NAGENTS;
	char go;
	long long end;

	CHECK(nct_wait_readable(portpipe, NCT_DEADLINE_MS));
	CHECK_EQ(read(portpipe, &port, sizeof port), (long)sizeof port);
	for (int i = 0; i < NAGENTS; i++) {
		CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &agents[i]), EXTAG_OK);
		nct_put_be32(id, (uint32_t)i);
		CHECK_EQ(ssexact_send(agents[i], 4, (char *)id), EXTAG_OK);
		pfds[i].fd = ssexact_fd(agents[i]);
		pfds[i].events = POLLIN;
	}
	{
		unsigned char hello[16];
		raw = nct_connect(port);
		nct_control(hello, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
		nct_put_be32(hello + 8, 4);
		nct_put_be32(hello + 12, NAGENTS);
		nct_write_all(raw, hello, sizeof hello);
	}

	/* Reading starts once everything is queued and the shutdown begins. */
	CHECK(nct_wait_readable(gopipe, NCT_DEADLINE_MS));
	CHECK_EQ(read(gopipe, &go, 1), 1);
	/*
	 * Half the agents (and the raw one) still send while the server shuts
	 * down; it reads no more, but that must not cost them what was queued
	 * for them (a socket closed with unread input resets the connection,
	 * dropping what the kernel has not transmitted yet). Whether the send
	 * itself succeeds depends on timing.
	 */
	for (int i = 1; i < NAGENTS; i += 2)
		(void)ssexact_send(agents[i], 4, "late");
	(void)send(raw, "\0\0\0\4late", 8, MSG_NOSIGNAL);

	end = nct_now_ms() + NCT_DEADLINE_MS;
	while (pending > 0) {
		int left = (int)(end - nct_now_ms()), n;
		CHECK(left > 0);
		n = poll(pfds, NAGENTS, left);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		for (int i = 0; i < NAGENTS; i++) {
			char *data = NULL;
			int len = -1;
			ExtagStatus st;

			if (!pfds[i].revents)
				continue;
			st = ssexact_read(agents[i], &data, &len);
			if (st == EXTAG_UNFINISHED)
				continue;
			if (st != EXTAG_OK) {
				fprintf(stderr, "agent %d: status %d (errno %d) after %d of %d packets\n",
				        i, (int)st, errno, got[i], NQUEUED);
				exit(1);
			}
			make_packet(want, i, got[i]);
			if (len != packet_size(i, got[i]) || memcmp(data, want, (size_t)len) != 0) {
				fprintf(stderr, "agent %d: packet %d wrong (%d octets)\n", i, got[i],
				        len);
				exit(1);
			}
			free(data);
			if (++got[i] == NQUEUED) {
				/* Then the server's goodbye. */
				errno = 0;
				st = ssexact_blockingread(agents[i], &data, &len);
				if (st != EXTAG_FAILED || errno != ECONNRESET) {
					fprintf(stderr, "agent %d: after its packets: status %d errno %d, "
					        "want EXTAG_FAILED/ECONNRESET\n", i, (int)st, errno);
					exit(1);
				}
				errno = 0;
				CHECK_EQ(ssexact_read(agents[i], &data, &len), EXTAG_FAILED);
				CHECK_EQ(errno, ECONNRESET);
				pfds[i].fd = -1;
				pending--;
			}
		}
	}
	run_raw_agent_reads(raw);
	for (int i = 0; i < NAGENTS; i++)
		ssexact_close(agents[i]);
}

int main(void)
{
	int pp[2], gp[2];
	pid_t pid;

	CHECK(pipe(pp) == 0 && pipe(gp) == 0);
	pid = nct_fork(280); /* before any library call */
	if (pid == 0) {
		close(pp[1]);
		close(gp[1]);
		run_agents(pp[0], gp[0]);
		_exit(0);
	}
	close(pp[0]);
	close(gp[0]);
	run_server(pp[1], gp[1]);
	nct_wait_child_ok(pid);
	return 0;
}
