/*
 * test_backpressure - extag_send never blocks, and what the socket does not
 * take is written later, in order.
 *
 * The agent (child process) shrinks the receive buffer of ssexact_fd() and
 * does not read. The server (parent) queues 5000 packets of varied sizes,
 * several MiB in all, with extag_send from its packet callback: every call
 * must return at once, so most of the data waits in the server's queue.
 * Only when the server says it has queued everything (over a pipe) does the
 * agent read, while the server keeps dispatching so its queue drains; every
 * packet must arrive intact and in order.
 */
#include "nctest.h"

#include <extagent.h>
#include <ssextagent.h>

#define NPACKETS 5000

static int sizes[NPACKETS];
static long long total;

static void make_sizes(void)
{
	uint64_t s = 0xbac4;
	for (int i = 0; i < NPACKETS; i++) {
		uint64_t r = nct_rand(&s) % 100;
		if (r < 60)
			sizes[i] = 1 + (int)(nct_rand(&s) % 512);
		else if (r < 90)
			sizes[i] = 1 + (int)(nct_rand(&s) % 4096);
		else if (r < 99)
			sizes[i] = 1 + (int)(nct_rand(&s) % 32768);
		else
			sizes[i] = 65536 + (int)(nct_rand(&s) % 200000);
		total += sizes[i];
	}
}

static void fill_packet(unsigned char *buf, int i)
{
	nct_fill(buf, (size_t)sizes[i], 0xb000 + (uint64_t)i);
	buf[0] = (unsigned char)i; /* neighbours differ even when tiny */
}

/* ---- the server (parent) ------------------------------------------------ */

static struct {
	ExtagConnection *conn;
	int accepts, closes, queued, donepipe;
	long long queue_ms;
} srv;

static void on_accept(ExtagConnection *conn)
{
	srv.accepts++;
	srv.conn = conn;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	static unsigned char buf[300000];
	long long t0;
	char done = 'q';

	CHECK(conn == srv.conn);
	if (size == 0) {
		srv.closes++;
		return;
	}
	/* The agent's "go": queue everything now, from the callback. */
	CHECK_EQ(size, 2);
	CHECK(memcmp(data, "go", 2) == 0);
	CHECK_EQ(srv.queued, 0);
	t0 = nct_now_ms();
	for (int i = 0; i < NPACKETS; i++) {
		fill_packet(buf, i);
		if (extag_send(conn, sizes[i], buf) != EXTAG_OK) {
			fprintf(stderr, "server: extag_send %d (%d octets): errno %d\n", i, sizes[i],
			        errno);
			exit(1);
		}
		srv.queued++;
	}
	srv.queue_ms = nct_now_ms() - t0;
	CHECK_EQ(write(srv.donepipe, &done, 1), 1);
}

static void run_server(int portpipe, int donepipe)
{
	unsigned short port;
	long long end;

	srv.donepipe = donepipe;
	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
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
	CHECK_EQ(srv.queued, NPACKETS);
	fprintf(stderr, "server: queued %d packets, %lld octets, in %lld ms\n", NPACKETS, total,
	        srv.queue_ms);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
}

/* ---- the agent (child) ------------------------------------------------- */

static void run_agent(int portpipe, int donepipe)
{
	static unsigned char expect[300000];
	unsigned short port;
	SsexConn *c = NULL;
	int fd, rcvbuf = 16384, inq = -1, nonblocking = 0;
	socklen_t optlen = sizeof rcvbuf;
	char done;
	long long t0;

	CHECK(nct_wait_readable(portpipe, NCT_DEADLINE_MS));
	CHECK_EQ(read(portpipe, &port, sizeof port), (long)sizeof port);
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	fd = ssexact_fd(c);
	CHECK(fd >= 0);
	/*
	 * Small next to the 18 MB to come. Smaller still (4 KiB) leaves the
	 * loopback connection with a window below one segment for good, even
	 * after the buffer grows again, and it crawls on the persist timer.
	 */
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) == 0);
	CHECK(rcvbuf <= 65536); /* the kernel doubles what it is asked for */
	CHECK_EQ(ssexact_send(c, 2, "go"), EXTAG_OK);

	/* The server must queue everything without waiting for us. */
	if (!nct_wait_readable(donepipe, 30000)) {
		fprintf(stderr, "agent: the server did not finish queueing within 30 s: "
		        "extag_send blocks?\n");
		exit(1);
	}
	CHECK_EQ(read(donepipe, &done, 1), 1);
	/* So far only a little of it can have reached us. */
	CHECK(ioctl(fd, SIOCINQ, &inq) == 0);
	CHECK(inq < total / 10);
	/* Read at a sensible pace now. */
	rcvbuf = 1 << 20;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);

	t0 = nct_now_ms();
	for (int i = 0; i < NPACKETS; i++) {
		char *data = NULL;
		int len = -1;
		ExtagStatus st;

		fill_packet(expect, i);
		if (i % 3 == 0) {
			st = ssexact_blockingread(c, &data, &len);
		} else {
			long long end = nct_now_ms() + NCT_DEADLINE_MS;
			while ((st = ssexact_read(c, &data, &len)) == EXTAG_UNFINISHED) {
				nonblocking++;
				CHECK(len < sizes[i]);
				if (len > 0)
					CHECK(memcmp(data, expect, (size_t)len) == 0);
				CHECK(nct_wait_readable(fd, (int)(end - nct_now_ms())));
			}
		}
		if (st != EXTAG_OK || len != sizes[i] || memcmp(data, expect, (size_t)len) != 0) {
			fprintf(stderr, "agent: packet %d: status %d, %d octets (want %d)%s\n", i,
			        (int)st, len, sizes[i],
			        st == EXTAG_OK && len == sizes[i] ? ", corrupted" : "");
			exit(1);
		}
		free(data);
	}
	fprintf(stderr, "agent: read %d packets in %lld ms (%d unfinished reads)\n", NPACKETS,
	        nct_now_ms() - t0, nonblocking);
	ssexact_close(c);
}

int main(void)
{
	int pp[2], dp[2];
	pid_t pid;

	make_sizes();
	CHECK(total > 4 * 1024 * 1024);
	CHECK(pipe(pp) == 0 && pipe(dp) == 0);
	pid = nct_fork(280); /* before any library call */
	if (pid == 0) {
		close(pp[1]);
		close(dp[1]);
		run_agent(pp[0], dp[0]);
		_exit(0);
	}
	close(pp[0]);
	close(dp[0]);
	run_server(pp[1], dp[1]);
	nct_wait_child_ok(pid);
	return 0;
}
