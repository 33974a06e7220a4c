/*
 * ADUs over a loopback WebTP connection:
 *  - reliable ADUs of sizes 0, 1, 1451, 1452, 1453, 64 KiB, 1 MiB and
 *    16 MiB - 1 arrive intact, exactly once;
 *  - mixed reliable and unreliable ADUs all arrive (loopback loses
 *    nothing), with no loss notice and WEBTP_DROPPED 0;
 *  - an ADU sent in many tiny send() calls (header split too, and as
 *    several chunks) and read with tiny recv() buffers arrives intact;
 *  - an urgent ADU queued behind many large normal ones arrives before
 *    the last of them.
 * ADU order is not guaranteed: each ADU is recognised by its size or by an
 * identifier in its data.
 */
#include "webtptest.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

static void sizes(int cli, int srv)
{
	static const size_t sz[] = {0, 1, 1451, 1452, 1453, 65536, 1 << 20, (1 << 24) - 1};
	enum { N = sizeof sz / sizeof sz[0] };
	size_t total = 0, len = 0;
	unsigned char *stream, *want;
	int seen[N] = {0};
	struct wt_sender snd;
	int i;

	for (i = 0; i < N; i++)
		total += WEBTP_HDR_SIZE + sz[i];
	stream = malloc(total);
	want = malloc(1 << 24);
	CHECK(stream && want);
	for (i = 0; i < N; i++) {
		nct_fill(want, sz[i], 1000 + sz[i]);
		wt_append_adu(stream, &len, WEBTP_HDR_RELIABLE, want, sz[i]);
	}
	wt_sender_start(&snd, cli, stream, len);
	for (i = 0; i < N; i++) {
		unsigned char *data;
		int flags, k;
		long n = wt_recv_adu(srv, &flags, &data);
		CHECK(n >= 0);
		CHECK_EQ(flags, WEBTP_HDR_START | WEBTP_HDR_END | WEBTP_HDR_RELIABLE);
		for (k = 0; k < N && sz[k] != (size_t)n; k++)
			;
		CHECK(k < N);
		CHECK_EQ(seen[k], 0);
		seen[k] = 1;
		nct_fill(want, (size_t)n, 1000 + (size_t)n);
		CHECK(n == 0 || memcmp(data, want, (size_t)n) == 0);
		free(data);
	}
	wt_sender_join(&snd);
	free(stream);
	free(want);
	fprintf(stderr, "sizes: ok\n");
}

static void mixed(int cli, int srv)
{
	enum { N = 400 };
	unsigned char buf[4000];
	int seen[N] = {0};
	uint64_t s = 7, dropped = 1;
	socklen_t len;
	int i;

	for (i = 0; i < N; i++) {
		size_t n = 4 + nct_rand(&s) % 3000;
		nct_fill(buf, n, (uint64_t)i + 1);
		nct_put_be32(buf, (uint32_t)i);
		wt_send_adu(cli, (i % 2) ? WEBTP_HDR_RELIABLE : 0, buf, n);
	}
	for (i = 0; i < N; i++) {
		unsigned char *data, chk[4000];
		int flags, id;
		long n = wt_recv_adu(srv, &flags, &data);
		CHECK(n >= 4); /* not a loss notice */
		id = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
		CHECK(id >= 0 && id < N);
		CHECK_EQ(seen[id], 0);
		seen[id] = 1;
		CHECK_EQ(flags & WEBTP_HDR_RELIABLE, (id % 2) ? WEBTP_HDR_RELIABLE : 0);
		CHECK_EQ(flags & WEBTP_HDR_URGENT, 0);
		nct_fill(chk, (size_t)n, (uint64_t)id + 1);
		CHECK(memcmp(data + 4, chk + 4, (size_t)n - 4) == 0);
		free(data);
	}
	len = sizeof dropped;
	CHECK(getsockopt(srv, SOL_WEBTP, WEBTP_DROPPED, &dropped, &len) == 0);
	CHECK_EQ(dropped, 0);
	fprintf(stderr, "mixed: ok\n");
}

static void partial(int cli, int srv)
{
	enum { N = 10000 };
	unsigned char *data = malloc(N), *got = malloc(2 * N + 64), h[4];
	size_t i, off, step, k;
	int flags;
	long n;

	CHECK(data && got);
	nct_fill(data, N, 99);
	/* One whole ADU, header and data in pieces of 1..7 octets. */
	WEBTP_HDR_SET_ADU(h, WEBTP_HDR_RELIABLE | WEBTP_HDR_URGENT, N);
	for (i = 0; i < 4; i++)
		CHECK_EQ(send(cli, h + i, 1, 0), 1);
	for (off = 0, step = 1; off < N; off += k, step = step % 7 + 1) {
		k = N - off < step ? N - off : step;
		CHECK_EQ(write(cli, data + off, k), (ssize_t)k);
	}
	/* The same data as three chunks: S, middle (with an empty one), E. */
	{
		unsigned char s[4 * 4 + N];
		size_t len = 0;
		WEBTP_HDR_SET(s, WEBTP_HDR_START | WEBTP_HDR_RELIABLE, 3000);
		memcpy(s + 4, data, 3000);
		len = 3004;
		WEBTP_HDR_SET(s + len, WEBTP_HDR_RELIABLE, 0);
		len += 4;
		WEBTP_HDR_SET(s + len, WEBTP_HDR_RELIABLE, 5000);
		memcpy(s + len + 4, data + 3000, 5000);
		len += 5004;
		WEBTP_HDR_SET(s + len, WEBTP_HDR_END | WEBTP_HDR_RELIABLE, 2000);
		memcpy(s + len + 4, data + 8000, 2000);
		len += 2004;
		for (off = 0, step = 3; off < len; off += k, step = step * 2 % 1001 + 1) {
			k = len - off < step ? len - off : step;
			CHECK_EQ(send(cli, s + off, k, 0), (ssize_t)k);
		}
	}
	/* Both arrive whole, read 3 octets at a time. */
	for (off = 0; off < 2 * (N + 4);) {
		ssize_t r;
		CHECK(nct_wait_readable(srv, NCT_DEADLINE_MS));
		r = recv(srv, got + off, 3, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN)
			continue;
		CHECK(r > 0);
		off += (size_t)r;
	}
	for (i = 0; i < 2; i++) {
		unsigned char *p = got + i * (N + 4);
		flags = WEBTP_HDR_FLAGS(p);
		n = (long)WEBTP_HDR_LEN(p);
		CHECK_EQ(n, N);
		CHECK_EQ(flags & WEBTP_HDR_RELIABLE, WEBTP_HDR_RELIABLE);
		CHECK(memcmp(p + 4, data, N) == 0);
	}
	free(data);
	free(got);
	fprintf(stderr, "partial: ok\n");
}

static void urgent(int cli, int srv)
{
	enum { NORMAL = 24, SIZE = 1 << 20 };
	size_t len = 0, total = (size_t)NORMAL * (SIZE + 4) + 8 + 64;
	unsigned char *stream = malloc(total), *buf = malloc(SIZE);
	struct wt_sender snd;
	int i, urgent_at = -1;

	CHECK(stream && buf);
	for (i = 0; i < NORMAL; i++) {
		nct_fill(buf, SIZE, (uint64_t)i + 50);
		nct_put_be32(buf, (uint32_t)i);
		wt_append_adu(stream, &len, WEBTP_HDR_RELIABLE, buf, SIZE);
	}
	memcpy(buf, "URGENT", 6);
	wt_append_adu(stream, &len, WEBTP_HDR_RELIABLE | WEBTP_HDR_URGENT, buf, 6);
	wt_sender_start(&snd, cli, stream, len);
	wt_sender_join(&snd);
	/* The transport has taken everything (the socketpair is empty), and
	 * the receiver, which has read nothing, holds at most its window. */
	CHECK(nct_wait_acked(cli, NCT_DEADLINE_MS));
	for (i = 0; i < NORMAL + 1; i++) {
		unsigned char *data;
		int flags;
		long n = wt_recv_adu(srv, &flags, &data);
		if (n == 6) {
			CHECK(memcmp(data, "URGENT", 6) == 0);
			CHECK(flags & WEBTP_HDR_URGENT);
			urgent_at = i;
		} else {
			CHECK_EQ(n, SIZE);
			CHECK_EQ(flags & WEBTP_HDR_URGENT, 0);
		}
		free(data);
	}
	fprintf(stderr, "urgent: arrived as ADU %d of %d\n", urgent_at, NORMAL + 1);
	CHECK(urgent_at >= 0 && urgent_at < NORMAL);
	free(stream);
	free(buf);
}

int main(void)
{
	int cli, srv, l;

	l = wt_pair(SOCK_ADU, &cli, &srv);
	sizes(cli, srv);
	mixed(cli, srv);
	partial(cli, srv);
	urgent(cli, srv);
	/* The peer's close ends the stream: recv returns 0. */
	CHECK(close(cli) == 0);
	{
		char c;
		CHECK(nct_wait_readable(srv, NCT_DEADLINE_MS));
		CHECK_EQ(recv(srv, &c, 1, 0), 0);
	}
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);

	/* The same over SOCK_ADU_NO_DUP. */
	l = wt_pair(SOCK_ADU_NO_DUP, &cli, &srv);
	{
		int v = 0;
		socklen_t len = sizeof v;
		CHECK(getsockopt(srv, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
		CHECK_EQ(v, SOCK_ADU_NO_DUP);
	}
	mixed(cli, srv);
	CHECK(close(cli) == 0);
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);
	return 0;
}
