/*
 * test_select: a legacy program's event loop. One single-threaded program
 * plays both the domain (extag_*) and the external agent (ssexact_*) and
 * drives both through select(2) on extag_fd() and ssexact_fd():
 *
 *   - extag_fd() is readable exactly while extag_dispatch has work: an
 *     agent connecting, a packet arriving, output to flush, a close to
 *     report; after a dispatch that consumed everything it is not;
 *   - ssexact_fd() is readable when the server has sent something, and a
 *     read it announces makes progress; ssextact_fd() is the same fd.
 */
#include "nctest.h"

#include <sys/select.h>

/* How long "nothing is pending" is watched for: a check, not a wait. */
#define QUIET_MS 20

static int accepted, packets, closed;
static ExtagConnection *conn;
static unsigned char got[4096];
static int gotlen;

static void on_accept(ExtagConnection *c)
{
	accepted++;
	conn = c;
	CHECK_EQ(extag_begindelivery(c), EXTAG_OK);
}

static void on_packet(ExtagConnection *c, int size, unsigned char *data)
{
	CHECK(c == conn);
	if (size == 0) {
		CHECK(data == NULL);
		closed++;
		return;
	}
	CHECK(size <= (int)sizeof got);
	packets++;
	memcpy(got, data, (size_t)size);
	gotlen = size;
}

/*
 * select(2) on up to two descriptors for reading (b may be -1). Returns a
 * bit mask: 1 when a is readable, 2 when b is; 0 when neither became
 * readable within timeout_ms.
 */
static int sel2(int a, int b, int timeout_ms)
{
	long long end = nct_now_ms() + timeout_ms;
	for (;;) {
		fd_set r;
		struct timeval tv;
		long long left = end - nct_now_ms();
		int n, mask = 0;

		if (left < 0)
			left = 0;
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		FD_ZERO(&r);
		CHECK(a >= 0 && a < FD_SETSIZE);
		FD_SET(a, &r);
		if (b >= 0) {
			CHECK(b < FD_SETSIZE);
			FD_SET(b, &r);
		}
		n = select((a > b ? a : b) + 1, &r, NULL, NULL, &tv);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		if (FD_ISSET(a, &r))
			mask |= 1;
		if (b >= 0 && FD_ISSET(b, &r))
			mask |= 2;
		return mask;
	}
}

static int sel(int fd, int timeout_ms) { return sel2(fd, -1, timeout_ms) != 0; }

/* Dispatches, each time select() says so, until *flag reaches want. */
static void dispatch_until(int efd, const int *flag, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (*flag < want) {
		CHECK(nct_now_ms() < end);
		CHECK(sel(efd, (int)(end - nct_now_ms())));
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
	CHECK_EQ(*flag, want);
}

int main(void)
{
	SsexConn *c = NULL, *c2 = NULL;
	unsigned short port;
	int efd, afd, len, i;
	char *data;
	static unsigned char big[8 << 20];

	/* No greeting deadline can fire (and wake extag_fd) during the test. */
	CHECK(setenv("NETCOMPAT_EXTAG_HANDSHAKE_MS", "600000", 1) == 0);

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	port = extag_port();
	CHECK(port != 0);
	efd = extag_fd();
	CHECK(efd >= 0 && efd < FD_SETSIZE);
	CHECK_EQ(extag_fd(), efd); /* stable */

	/* An idle server has nothing to do. */
	CHECK(!sel(efd, QUIET_MS));
	CHECK_EQ(extag_dispatch(), EXTAG_OK); /* a dispatch with no work is fine */
	CHECK(!sel(efd, QUIET_MS));

	/* An agent connects: extag_fd becomes readable before any dispatch. */
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c), EXTAG_OK);
	CHECK(c != NULL);
	afd = ssexact_fd(c);
	CHECK(afd >= 0 && afd < FD_SETSIZE);
	CHECK(afd != efd);
	CHECK_EQ(ssextact_fd(c), afd); /* the misspelt twin */
	CHECK_EQ(ssexact_fd(c), afd);  /* stable */
	CHECK(sel(efd, NCT_DEADLINE_MS));
	dispatch_until(efd, &accepted, 1);
	/* The dispatch that ran the accept callback consumed everything. */
	CHECK(!sel(efd, QUIET_MS));

	/* The server's greeting makes ssexact_fd readable; reading it yields no
	 * packet, and then nothing is pending. */
	CHECK(sel(afd, NCT_DEADLINE_MS));
	data = (char *)1;
	len = -1;
	CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_UNFINISHED);
	CHECK(data == NULL);
	CHECK_EQ(len, 0);
	CHECK(!sel(afd, QUIET_MS));

	/* The agent sends: extag_fd becomes readable; a dispatch delivers the
	 * packet and leaves nothing pending. */
	CHECK_EQ(ssexact_send(c, 5, "hello"), EXTAG_OK);
	CHECK(sel(efd, NCT_DEADLINE_MS));
	dispatch_until(efd, &packets, 1);
	CHECK_EQ(gotlen, 5);
	CHECK(memcmp(got, "hello", 5) == 0);
	CHECK(!sel(efd, QUIET_MS));
	CHECK(!sel(afd, QUIET_MS)); /* the server has sent nothing */

	/* The server sends: ssexact_fd becomes readable; one read returns the
	 * packet; then neither descriptor is readable. */
	CHECK_EQ(extag_send(conn, 5, (unsigned char *)"world"), EXTAG_OK);
	CHECK(sel(afd, NCT_DEADLINE_MS));
	CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_OK);
	CHECK_EQ(len, 5);
	CHECK(memcmp(data, "world", 5) == 0);
	free(data);
	CHECK(!sel(afd, QUIET_MS));
	CHECK(!sel(efd, QUIET_MS));
	CHECK_EQ(ssexact_read(c, &data, &len), EXTAG_UNFINISHED);
	CHECK(data == NULL);
	CHECK_EQ(len, 0);

	/* Both directions at once, in one select() on both descriptors. */
	for (i = 0; i < 20; i++) {
		unsigned char out[64], in[64];
		int got_agent = 0, want = packets + 1;
		long long end = nct_now_ms() + NCT_DEADLINE_MS;

		nct_fill(out, sizeof out, 100 + (uint64_t)i);
		nct_fill(in, sizeof in, 200 + (uint64_t)i);
		CHECK_EQ(ssexact_send(c, (int)sizeof out, (char *)out), EXTAG_OK);
		CHECK_EQ(extag_send(conn, (int)sizeof in, in), EXTAG_OK);
		while (!got_agent || packets < want) {
			int m;
			CHECK(nct_now_ms() < end);
			m = sel2(efd, afd, (int)(end - nct_now_ms()));
			CHECK(m != 0);
			if (m & 1)
				CHECK_EQ(extag_dispatch(), EXTAG_OK);
			if (m & 2) {
				ExtagStatus st = ssexact_read(c, &data, &len);
				CHECK(!got_agent);
				if (st == EXTAG_OK) {
					CHECK_EQ(len, (int)sizeof in);
					CHECK(memcmp(data, in, sizeof in) == 0);
					free(data);
					got_agent = 1;
				} else {
					CHECK_EQ(st, EXTAG_UNFINISHED);
				}
			}
		}
		CHECK_EQ(packets, want);
		CHECK_EQ(gotlen, (int)sizeof out);
		CHECK(memcmp(got, out, sizeof out) == 0);
		CHECK_EQ(sel2(efd, afd, QUIET_MS), 0);
	}

	/*
	 * A packet larger than the socket buffers: extag_send queues what the
	 * socket does not take, extag_fd announces the chance to write more,
	 * and every read that select() announces on ssexact_fd makes progress
	 * on the packet, whose partial contents are right all along.
	 */
	{
		int prev = 0, reads = 0, idle_reads = 0, done = 0;
		long long end = nct_now_ms() + NCT_DEADLINE_MS;

		nct_fill(big, sizeof big, 42);
		CHECK_EQ(extag_send(conn, (int)sizeof big, big), EXTAG_OK);
		while (!done) {
			int m;
			CHECK(nct_now_ms() < end);
			m = sel2(efd, afd, (int)(end - nct_now_ms()));
			CHECK(m != 0);
			if (m & 1)
				CHECK_EQ(extag_dispatch(), EXTAG_OK);
			if (m & 2) {
				ExtagStatus st = ssexact_read(c, &data, &len);
				reads++;
				if (st == EXTAG_OK) {
					CHECK_EQ(len, (int)sizeof big);
					CHECK(memcmp(data, big, sizeof big) == 0);
					free(data);
					done = 1;
				} else {
					CHECK_EQ(st, EXTAG_UNFINISHED);
					CHECK(len >= prev);
					CHECK(len < (int)sizeof big);
					if (len > 0)
						CHECK(memcmp(data, big, (size_t)len) == 0);
					if (len == prev)
						idle_reads++; /* only the length field came */
					prev = len;
				}
			}
		}
		/* At most the first read may bring only the length field. */
		CHECK(idle_reads <= 1);
		fprintf(stderr, "8 MiB packet read in %d reads\n", reads);
		CHECK_EQ(sel2(efd, afd, QUIET_MS), 0);
	}

	/* The server closes the connection: the agent's descriptor says so, the
	 * read reports the close, and the close callback comes through
	 * extag_fd. */
	CHECK_EQ(extag_closeconnection(conn), EXTAG_OK);
	CHECK(sel(afd, NCT_DEADLINE_MS));
	errno = 0;
	CHECK_EQ(ssexact_blockingread(c, &data, &len), EXTAG_FAILED);
	CHECK_EQ(errno, ECONNRESET);
	dispatch_until(efd, &closed, 1);
	CHECK(!sel(efd, QUIET_MS));
	ssexact_close(c);

	/* A second agent that closes: extag_fd announces the close. */
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), port, &c2), EXTAG_OK);
	CHECK(sel(efd, NCT_DEADLINE_MS));
	dispatch_until(efd, &accepted, 2);
	CHECK(!sel(efd, QUIET_MS));
	afd = ssexact_fd(c2);
	CHECK(afd >= 0 && afd < FD_SETSIZE);
	CHECK_EQ(ssextact_fd(c2), afd);
	ssexact_close(c2);
	CHECK(sel(efd, NCT_DEADLINE_MS));
	dispatch_until(efd, &closed, 2);
	CHECK(!sel(efd, QUIET_MS));

	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	CHECK_EQ(extag_fd(), -1);
	fprintf(stderr, "test_select: ok\n");
	return 0;
}
