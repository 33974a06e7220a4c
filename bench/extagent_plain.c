/*
 * extagent_plain - the extagent benchmark in plain C: the same framing and
 * handshake as include/extagent-protocol.h over a TCP socket, no library.
 *
 * It is meant as an honest, competent baseline, not a strawman:
 *   agent:  blocking socket, TCP_NODELAY; each packet's length field and
 *           data are assembled in one buffer and go out in ONE write();
 *           replies are read through a 64 KiB buffer, parsing every
 *           complete frame a read brings.
 *   server: non-blocking sockets in a poll() loop, TCP_NODELAY; each
 *           readable connection gets one read() into a 64 KiB buffer and
 *           every complete frame in it is handed to the packet handler; a
 *           reply is assembled and sent with ONE write(), queued (and
 *           POLLOUT requested) only when the socket does not take it all.
 * See extagent_common.h for the measurement protocol.
 */
#define BENCH_IMPL "plain_c"
#include "extagent_common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#define HDR 4
#define CTL_LEN 8 /* a whole control packet */
#define CMD_OPEN 0
#define CMD_CLOSE 1
#define VERSION 1
#define RBUF (64 * 1024)
#define MAX_PACKET (16 * 1024 * 1024)
#define MAX_CONNS 64

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void control(unsigned char *p, unsigned cmd, unsigned arg)
{
	put32(p, 0);
	p[4] = (unsigned char)(cmd >> 8);
	p[5] = (unsigned char)cmd;
	p[6] = (unsigned char)(arg >> 8);
	p[7] = (unsigned char)arg;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ------------------------------------------------------------------ */
/* Server                                                              */
/* ------------------------------------------------------------------ */

struct pconn {
	int fd;
	int greeted;
	unsigned char *rbuf; /* RBUF octets, or more for a larger packet */
	size_t rcap, rlen;
	unsigned char *out; /* output the socket has not taken yet */
	size_t ocap, olen, ooff;
};

static struct server_state srv;
static struct pconn conns[MAX_CONNS];
static int nconns;

typedef void (*packet_cb)(struct pconn *c, int size, unsigned char *data);

static void queue_out(struct pconn *c, const unsigned char *p, size_t n)
{
	if (c->olen + n > c->ocap) {
		size_t cap = c->ocap ? c->ocap : 4096;

		while (cap < c->olen + n)
			cap *= 2;
		c->out = realloc(c->out, cap);
		if (!c->out)
			die("realloc");
		c->ocap = cap;
	}
	memcpy(c->out + c->olen, p, n);
	c->olen += n;
}

/* Sends one whole frame: one write() when nothing is queued. 0, or -1. */
static int send_frame(struct pconn *c, const unsigned char *frame, size_t n)
{
	ssize_t w = 0;

	if (c->olen == c->ooff) {
		c->olen = c->ooff = 0;
		do
			w = write(c->fd, frame, n);
		while (w < 0 && errno == EINTR);
		if (w < 0) {
			if (errno != EAGAIN)
				return -1;
			w = 0;
		}
	}
	if ((size_t)w < n)
		queue_out(c, frame + w, n - (size_t)w);
	return 0;
}

static int flush_out(struct pconn *c)
{
	while (c->ooff < c->olen) {
		ssize_t w = write(c->fd, c->out + c->ooff, c->olen - c->ooff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->ooff += (size_t)w;
	}
	c->olen = c->ooff = 0;
	return 0;
}

/* Sends one data packet: length field and data in one buffer, one write. */
static int send_packet(struct pconn *c, int size, const unsigned char *data)
{
	unsigned char stackbuf[HDR + 2048], *frame = stackbuf;
	int r;

	if ((size_t)size > sizeof stackbuf - HDR && !(frame = malloc(HDR + (size_t)size)))
		return -1;
	put32(frame, (uint32_t)size);
	memcpy(frame + HDR, data, (size_t)size);
	r = send_frame(c, frame, HDR + (size_t)size);
	if (frame != stackbuf)
		free(frame);
	return r;
}

static void on_packet(struct pconn *c, int size, unsigned char *data)
{
	static const unsigned char ack[ACK_SIZE] = { 'A', 'C', 'K', '!' };

	if (size == 0) {
		srv.done = 1;
		return;
	}
	switch (bench_server_packet(&srv, size, data)) {
	case 1:
		if (send_packet(c, size, data) != 0)
			die("server: write");
		break;
	case 2:
		if (send_packet(c, ACK_SIZE, ack) != 0)
			die("server: write");
		break;
	}
}

static void drop(int i, packet_cb cb)
{
	struct pconn *c = &conns[i];

	if (c->greeted)
		cb(c, 0, NULL);
	close(c->fd);
	free(c->rbuf);
	free(c->out);
	conns[i] = conns[--nconns];
}

/*
 * Hands every complete frame in c->rbuf to cb and keeps the incomplete
 * rest. Returns -1 when the connection is to be dropped.
 */
static int parse_frames(struct pconn *c, packet_cb cb)
{
	size_t off = 0;

	while (c->rlen - off >= HDR) {
		unsigned char *p = c->rbuf + off;
		uint32_t len = get32(p);
		size_t need = len == 0 ? CTL_LEN : HDR + (size_t)len;

		if (len > MAX_PACKET)
			return -1;
		if (c->rlen - off < need) {
			if (need > c->rcap) { /* a packet larger than the buffer */
				memmove(c->rbuf, p, c->rlen - off);
				c->rlen -= off;
				off = 0;
				c->rbuf = realloc(c->rbuf, need);
				if (!c->rbuf)
					die("realloc");
				c->rcap = need;
			}
			break;
		}
		off += need;
		if (len == 0) {
			unsigned cmd = (unsigned)p[4] << 8 | p[5];
			unsigned arg = (unsigned)p[6] << 8 | p[7];

			if (!c->greeted) {
				unsigned char reply[CTL_LEN];

				if (cmd != CMD_OPEN || arg == 0)
					return -1;
				control(reply, CMD_OPEN, arg < VERSION ? arg : VERSION);
				if (send_frame(c, reply, sizeof reply) != 0)
					return -1;
				c->greeted = 1;
				continue;
			}
			return -1; /* CLOSE, or a protocol error: either way, done */
		}
		if (!c->greeted)
			return -1;
		cb(c, (int)len, p + HDR);
	}
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return 0;
}

static void accept_all(int ln)
{
	for (;;) {
		int fd = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct pconn *c;

		if (fd < 0)
			return;
		if (nconns == MAX_CONNS) {
			close(fd);
			continue;
		}
		nodelay(fd);
		c = &conns[nconns++];
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->rcap = RBUF;
		c->rbuf = malloc(RBUF);
		if (!c->rbuf)
			die("malloc");
	}
}

static void run_server(const struct bench_args *a, int pipefd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof sin;
	struct pollfd pfd[MAX_CONNS + 1];
	unsigned short port;
	int ln, one = 1;

	srv.a = a;
	ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ln < 0)
		die("socket");
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ln, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(ln, SOMAXCONN) != 0 ||
	    getsockname(ln, (struct sockaddr *)&sin, &sl) != 0)
		die("listen");
	port = ntohs(sin.sin_port);
	pin_from_env("BENCH_SERVER_CPU");
	write_all_fd(pipefd, &port, sizeof port);

	while (!srv.done) {
		int n = nconns;

		pfd[0].fd = ln;
		pfd[0].events = POLLIN;
		for (int i = 0; i < n; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN | (conns[i].olen > conns[i].ooff ? POLLOUT : 0);
		}
		if (poll(pfd, (nfds_t)n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		/* Walk backwards: drop() moves the last connection into slot i. */
		for (int i = n - 1; i >= 0; i--) {
			struct pconn *c = &conns[i];
			short re = pfd[i + 1].revents;

			if (re & POLLOUT && flush_out(c) != 0) {
				drop(i, on_packet);
				continue;
			}
			if (re & (POLLIN | POLLERR | POLLHUP)) {
				ssize_t r = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);

				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (r <= 0) {
					drop(i, on_packet);
					continue;
				}
				c->rlen += (size_t)r;
				if (parse_frames(c, on_packet) != 0)
					drop(i, on_packet);
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_all(ln);
	}
	while (nconns > 0)
		drop(nconns - 1, on_packet);
	close(ln);
	write_all_fd(pipefd, &srv.used, sizeof srv.used);
	if (srv.failed || srv.seen != a->count + (a->mode == MODE_RATE ? 1 : a->warmup))
		fail("server: wrong packets received");
}

/* ------------------------------------------------------------------ */
/* Agent                                                               */
/* ------------------------------------------------------------------ */

struct agent {
	int fd;
	int greeted;
	unsigned char *wbuf; /* header + data of the packet being sent */
	size_t wcap;
	unsigned char rbuf[RBUF];
	size_t roff, rlen; /* unparsed octets: rbuf[roff..rlen) */
};

static void agent_write(struct agent *g, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(g->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("agent: write");
		p += w;
		n -= (size_t)w;
	}
}

/* Sends one packet with one write(). */
static void agent_send(struct agent *g, int size, const char *data)
{
	put32(g->wbuf, (uint32_t)size);
	memcpy(g->wbuf + HDR, data, (size_t)size);
	agent_write(g, g->wbuf, HDR + (size_t)size);
}

/*
 * Blocks until a data packet is complete; *data points into the read
 * buffer and stays valid until the next call. Packets here are small
 * (<= RBUF); a general agent would grow the buffer as the server does.
 */
static int agent_read(struct agent *g, unsigned char **data)
{
	for (;;) {
		size_t avail = g->rlen - g->roff, need = HDR;
		ssize_t r;

		if (avail >= HDR) {
			unsigned char *p = g->rbuf + g->roff;
			uint32_t len = get32(p);

			need = len == 0 ? CTL_LEN : HDR + (size_t)len;
			if (need > RBUF)
				fail("agent: packet too large for this benchmark");
			if (avail >= need) {
				g->roff += need;
				if (len == 0) {
					unsigned cmd = (unsigned)p[4] << 8 | p[5];
					unsigned arg = (unsigned)p[6] << 8 | p[7];

					if (g->greeted || cmd != CMD_OPEN || arg < 1 || arg > VERSION)
						fail("agent: unexpected control packet");
					g->greeted = 1;
					continue;
				}
				if (!g->greeted)
					fail("agent: data before the greeting");
				*data = p + HDR;
				return (int)len;
			}
		}
		/* Make room for the whole packet in progress. */
		if (avail == 0) {
			g->roff = g->rlen = 0;
		} else if (g->roff + need > RBUF) {
			memmove(g->rbuf, g->rbuf + g->roff, avail);
			g->roff = 0;
			g->rlen = avail;
		}
		do
			r = read(g->fd, g->rbuf + g->rlen, RBUF - g->rlen);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			fail("agent: connection lost");
		g->rlen += (size_t)r;
	}
}

static void run_agent(const struct bench_args *a, unsigned short port,
                      double *secs, double *rtt, struct bench_cpu *cpu)
{
	static struct agent g;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned char greeting[CTL_LEN], bye[CTL_LEN], *reply;
	struct bench_cpu c0;
	char *buf;
	int len;

	buf = malloc((size_t)a->size);
	g.wcap = HDR + (size_t)a->size;
	g.wbuf = malloc(g.wcap);
	if (!buf || !g.wbuf)
		die("malloc");
	for (int i = 0; i < a->size; i++)
		buf[i] = (char)('a' + i % 26);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g.fd < 0)
		die("socket");
	if (connect(g.fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		die("connect");
	nodelay(g.fd);
	pin_from_env("BENCH_AGENT_CPU");
	control(greeting, CMD_OPEN, VERSION);
	agent_write(&g, greeting, sizeof greeting);

	if (a->mode == MODE_RATE) {
		char sync = SYNC_BYTE;
		double t0;

		agent_send(&g, 1, &sync);
		if (agent_read(&g, &reply) != 1)
			fail("agent: bad sync reply");

		c0 = cpu_now();
		t0 = now_s();
		for (long i = 0; i < a->count; i++)
			agent_send(&g, a->size, buf);
		len = agent_read(&g, &reply);
		*secs = now_s() - t0;
		*cpu = cpu_since(c0);
		if (len != ACK_SIZE)
			fail("agent: bad ack");
	} else {
		for (long i = 0; i < a->warmup + a->count; i++) {
			double t0, t1;

			if (i == a->warmup)
				c0 = cpu_now();
			t0 = now_s();
			agent_send(&g, a->size, buf);
			len = agent_read(&g, &reply);
			t1 = now_s();
			if (len != a->size || reply[0] != (unsigned char)buf[0])
				fail("agent: bad echo");
			if (i >= a->warmup)
				rtt[i - a->warmup] = t1 - t0;
		}
		*cpu = cpu_since(c0);
	}
	control(bye, CMD_CLOSE, 0);
	agent_write(&g, bye, sizeof bye);
	close(g.fd);
	free(g.wbuf);
	free(buf);
}
