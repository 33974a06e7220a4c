/*
 * WebTP socket options on a loopback connection, with the traffic classes
 * of the file $WEBTP_CLASSES names (tests/c/webtp.cmake writes it):
 * class by name, hierarchical names included; rate set and read back, and
 * a rate the class cannot guarantee refused with ENOSPC; RTT > 0 after
 * traffic; the dropped counter 0 (as uint64_t and as a 4-octet value);
 * SO_SNDBUF/SO_RCVBUF; SO_TYPE, SO_PROTOCOL, SO_DOMAIN; addresses.
 */
#include "webtptest.h"

#define FAILS(call, err)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		CHECK_EQ((long)(call), -1);                                    \
		CHECK_EQ(errno, err);                                          \
	} while (0)

static void get_class(int fd, const char *want)
{
	char buf[128];
	socklen_t len = sizeof buf;
	CHECK(getsockopt(fd, SOL_WEBTP, WEBTP_CLASS, buf, &len) == 0);
	CHECK_EQ(len, strlen(want) + 1);
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "class %s, want %s\n", buf, want);
		exit(1);
	}
}

int main(void)
{
	const char *classes = getenv("WEBTP_CLASSES");
	int cli, srv, l, v, flags, i;
	socklen_t len;
	float rate, rtt;
	uint64_t dropped = 1;
	uint32_t dropped32 = 1;
	unsigned char *data;
	struct sockaddr_in a, b;

	CHECK(classes != NULL);
	fprintf(stderr, "classes from %s\n", classes);
	l = wt_pair(SOCK_ADU, &cli, &srv);

	/* Classes: flat, hierarchical, unknown. */
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "bulk", 5) == 0);
	get_class(cli, "bulk");
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "realtime_stream.elastic",
	                 (socklen_t)strlen("realtime_stream.elastic")) == 0);
	get_class(cli, "realtime_stream.elastic");
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "test_video.layer.base", 22) == 0);
	get_class(cli, "test_video.layer.base");
	FAILS(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "nonexistent", 12), EINVAL);
	FAILS(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "realtime_stream.nope", 21), EINVAL);
	FAILS(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "test_video.layer", 4), EINVAL); /* "test" */
	get_class(cli, "test_video.layer.base");

	/* RTT after some round trips. */
	for (i = 0; i < 20; i++) {
		wt_send_adu(cli, WEBTP_HDR_RELIABLE, "ping", 4);
		CHECK_EQ(wt_recv_adu(srv, &flags, &data), 4);
		free(data);
		wt_send_adu(srv, WEBTP_HDR_RELIABLE, "pong", 4);
		CHECK_EQ(wt_recv_adu(cli, &flags, &data), 4);
		free(data);
	}
	len = sizeof rtt;
	CHECK(getsockopt(cli, SOL_WEBTP, WEBTP_RTT, &rtt, &len) == 0);
	fprintf(stderr, "rtt %.1f us\n", rtt);
	CHECK(rtt > 0 && rtt < 5e6f);

	/* Bulk traffic, so that the pipe knows its capacity: a reservation
	 * is admitted against the measured delivery rate. */
	{
		enum { SIZE = 1 << 20, COUNT = 16 };
		unsigned char *buf = calloc(1, SIZE);
		struct wt_sender snd;
		size_t slen = 0;
		unsigned char *stream = malloc((size_t)COUNT * (SIZE + 4));
		CHECK(buf && stream);
		for (i = 0; i < COUNT; i++)
			wt_append_adu(stream, &slen, WEBTP_HDR_RELIABLE, buf, SIZE);
		wt_sender_start(&snd, cli, stream, slen);
		for (i = 0; i < COUNT; i++) {
			CHECK_EQ(wt_recv_adu(srv, &flags, &data), SIZE);
			free(data);
		}
		wt_sender_join(&snd);
		free(stream);
		free(buf);
		len = sizeof rate;
		CHECK(getsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, &len) == 0);
		fprintf(stderr, "available rate after bulk traffic %.0f bit/s\n", rate);
	}

	/* Rate: the class test_video allows 10 Mbit/s of reservations. */
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_CLASS, "test_video", 11) == 0);
	rate = 2e6f;
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, sizeof rate) == 0);
	rate = 0;
	len = sizeof rate;
	CHECK(getsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, &len) == 0);
	CHECK_EQ(len, sizeof(float));
	fprintf(stderr, "rate %.0f\n", rate);
	CHECK(rate > 1.99e6f && rate < 2.01e6f);
	rate = 5e8f;
	FAILS(setsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, sizeof rate), ENOSPC);
	rate = 0; /* release */
	CHECK(setsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, sizeof rate) == 0);
	len = sizeof rate;
	CHECK(getsockopt(cli, SOL_WEBTP, WEBTP_RATE, &rate, &len) == 0);
	CHECK(rate >= 0);

	/* Dropped: none over loopback. */
	len = sizeof dropped;
	CHECK(getsockopt(srv, SOL_WEBTP, WEBTP_DROPPED, &dropped, &len) == 0);
	CHECK_EQ(len, 8);
	CHECK_EQ(dropped, 0);
	len = sizeof dropped32;
	CHECK(getsockopt(cli, SOL_WEBTP, WEBTP_DROPPED, &dropped32, &len) == 0);
	CHECK_EQ(len, 4);
	CHECK_EQ(dropped32, 0);

	/* Buffers. */
	v = 1 << 20;
	CHECK(setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) == 0);
	v = 0;
	len = sizeof v;
	CHECK(getsockopt(srv, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0);
	CHECK_EQ(v, 1 << 20);
	v = 2 << 20;
	CHECK(setsockopt(srv, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
	len = sizeof v;
	CHECK(getsockopt(srv, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0);
	CHECK_EQ(v, 2 << 20);

	/* Identity. */
	len = sizeof v;
	CHECK(getsockopt(cli, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	CHECK_EQ(v, SOCK_ADU);
	len = sizeof v;
	CHECK(getsockopt(srv, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0);
	CHECK_EQ(v, IPPROTO_WEBTP);
	len = sizeof v;
	CHECK(getsockopt(srv, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0);
	CHECK_EQ(v, AF_INET);
	len = sizeof v;
	CHECK(getsockopt(srv, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
	CHECK_EQ(v, 0);

	/* Addresses: each side's peer is the other's local address. */
	len = sizeof a;
	CHECK(getsockname(cli, (struct sockaddr *)&a, &len) == 0);
	len = sizeof b;
	CHECK(getpeername(srv, (struct sockaddr *)&b, &len) == 0);
	CHECK_EQ(a.sin_port, b.sin_port);
	CHECK(a.sin_port != 0);
	len = sizeof a;
	CHECK(getpeername(cli, (struct sockaddr *)&a, &len) == 0);
	len = sizeof b;
	CHECK(getsockname(l, (struct sockaddr *)&b, &len) == 0);
	CHECK_EQ(a.sin_port, b.sin_port);

	/* Options set on a listener are inherited by accepted sockets. */
	{
		unsigned short port;
		int l2 = wt_listener(SOCK_ADU, &port), c2, s2;
		v = 3 << 20;
		CHECK(setsockopt(l2, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) == 0);
		CHECK(setsockopt(l2, SOL_WEBTP, WEBTP_CLASS, "interactive", 12) == 0);
		c2 = wt_connect(SOCK_ADU, port);
		CHECK(nct_wait_readable(l2, NCT_DEADLINE_MS));
		s2 = accept4(l2, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		CHECK(s2 >= 0);
		CHECK(fcntl(s2, F_GETFL) & O_NONBLOCK);
		CHECK(fcntl(s2, F_GETFD) & FD_CLOEXEC);
		CHECK(!(fcntl(c2, F_GETFD) & FD_CLOEXEC));
		len = sizeof v;
		CHECK(getsockopt(s2, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0);
		CHECK_EQ(v, 3 << 20);
		get_class(s2, "interactive");
		CHECK(close(c2) == 0);
		CHECK(close(s2) == 0);
		CHECK(close(l2) == 0);
	}

	CHECK(close(cli) == 0);
	CHECK(close(srv) == 0);
	CHECK(close(l) == 0);
	return 0;
}
