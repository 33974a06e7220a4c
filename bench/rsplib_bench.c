/*
 * rsplib_bench - the rsplib C API (enhanced mode) measured between two
 * processes on 127.0.0.1, beside a plain TCP socket between the same two
 * processes. Run by bench/rsplib.sh:
 *
 *   rsplib_bench [-plain] [-registrar=127.0.0.1:PORT] rtt SIZE COUNT
 *   rsplib_bench [-plain] [-registrar=127.0.0.1:PORT] bulk SIZE BYTES
 *   rsplib_bench -registrar=127.0.0.1:PORT failover KILLS
 *
 * rtt: a pool element (PE) child, forked before the first library call,
 * echoes; the pool user (PU, the parent) does COUNT strict ping-pongs of
 * SIZE bytes (after COUNT/10 for warm-up) through rsp_sendmsg/rsp_recvmsg.
 * bulk: the PU sends BYTES in SIZE-byte messages, the PE counts them and
 * answers one message at the end; MB/s (10^6 bytes) from the first send to
 * that answer. -plain: the same two processes over one TCP connection on
 * 127.0.0.1 (TCP_NODELAY, one write per message) instead of RSerPool.
 * failover: three PEs in one pool (each a fork+exec of this program, the
 * first three before the PU's first library call), each echoing with its
 * PID appended; the PU echoes continuously in one session, SIGKILLs the
 * element that answered last, and measures the time from the kill to the
 * first echo answered by another element (resending its outstanding
 * request on RSERPOOL_FAILOVER_NECESSARY - resends= - and after 200 ms
 * without answer - timeout_resends=), then starts a replacement element, lets it register, and
 * repeats KILLS times.
 *
 * Output: one line of key=value pairs on standard output.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rserpool.h>

#define MAXMSG 65536
#define NPE 3

static const char *registrar_arg;
static char pool[64];
static unsigned char buf[MAXMSG];
static unsigned char rbuf[MAXMSG];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void rsp_start(struct rsp_info *info)
{
	rsp_initinfo(info);
	if (registrar_arg && !rsp_initarg(info, registrar_arg)) {
		fprintf(stderr, "rsplib_bench: bad option %s\n", registrar_arg);
		exit(2);
	}
	/* More library options, space-separated (e.g. -loglevel=5). */
	if (getenv("RSP_BENCH_OPTS")) {
		static char opts[256];
		char *o;
		snprintf(opts, sizeof opts, "%s", getenv("RSP_BENCH_OPTS"));
		for (o = strtok(opts, " "); o; o = strtok(NULL, " "))
			rsp_initarg(info, o);
	}
	if (rsp_initialize(info) != 0)
		die("rsp_initialize");
}

/* Sends the failover mode's request in buf. A send into an association
 * that just died starts the failover: rsplib reports the loss on the send
 * (the pool user then calls rsp_forcefailover), netcompat by a
 * RSERPOOL_FAILOVER_NECESSARY notification; ENOENT: no element just now.
 * The caller resends after 200 ms without an answer in any case. */
static void send_req(int sd)
{
	if (rsp_sendmsg(sd, buf, 64, 0, 0, 0, 0, 0, 0, -1) >= 0 || errno == ENOENT)
		return;
	if (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN || errno == EINPROGRESS ||
	    errno == ECONNREFUSED || errno == EIO) {
		rsp_forcefailover(sd, FFF_NONE, 0);
		return;
	}
	die("rsp_sendmsg");
}

/* A PE socket bound to 127.0.0.1 (or $RSP_BENCH_BIND: rsplib refuses
 * elements with loopback addresses only), registered in pool. */
static int pe_socket(uint32_t *id)
{
	struct sockaddr_in sin;
	struct rsp_loadinfo linfo;
	const char *bind_to = getenv("RSP_BENCH_BIND");
	int sd = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);

	if (sd < 0)
		die("rsp_socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind_to && inet_pton(AF_INET, bind_to, &sin.sin_addr) != 1)
		die("RSP_BENCH_BIND");
	if (rsp_bind(sd, (struct sockaddr *)&sin, 1) != 0)
		die("rsp_bind");
	/* rsplib accepts no association without it (netcompat listens on
	 * registration anyway). */
	if (rsp_listen(sd, 10) != 0)
		die("rsp_listen");
	memset(&linfo, 0, sizeof linfo);
	linfo.rli_policy = PPT_ROUNDROBIN;
	if (rsp_register(sd, (const unsigned char *)pool, strlen(pool), &linfo, 30000, 0) != 0)
		die("rsp_register");
	rsp_getsockname(sd, NULL, NULL, id);
	return sd;
}

/* The RSerPool PE: echo (rtt), count and acknowledge (bulk), or echo with
 * its PID appended (failover). Writes one byte to readyfd once registered.
 * Runs until killed. */
static void rsp_pe(const char *mode, unsigned long long total, int readyfd)
{
	struct rsp_info info;
	struct rsp_sndrcvinfo rinfo;
	unsigned long long got = 0;
	uint32_t id = 0;
	int sd, flags;
	int bulk = !strcmp(mode, "bulk"), fo = !strcmp(mode, "failover");
	int32_t pid = (int32_t)getpid();

	rsp_start(&info);
	sd = pe_socket(&id);
	/* rsplib's rsp_register may return before the registrar has the
	 * element: ready only once its pool resolves. */
	for (int tries = 0;; tries++) {
		struct rsp_addrinfo *ai = NULL;
		if (rsp_getaddrinfo((const unsigned char *)pool, strlen(pool), &ai, 1, 0) > 0) {
			rsp_freeaddrinfo(ai);
			break;
		}
		if (tries == 500)
			die("the element's pool never resolved");
		usleep(10000);
	}
	if (write(readyfd, "r", 1) != 1)
		die("write");
	close(readyfd);
	for (;;) {
		ssize_t n;
		flags = 0;
		n = rsp_recvmsg(sd, buf, sizeof buf, &rinfo, &flags, -1);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("rsp_recvmsg");
		}
		if (flags & (MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO))
			continue;
		if (bulk) {
			got += (unsigned long long)n;
			if (got >= total) {
				got = 0;
				if (rsp_sendmsg(sd, "done", 4, 0, rinfo.rinfo_session, 0, 0, 0, 0, -1) < 0)
					die("rsp_sendmsg");
			}
			continue;
		}
		if (fo && (size_t)n + sizeof pid <= sizeof buf) {
			memcpy(buf + n, &pid, sizeof pid);
			n += (ssize_t)sizeof pid;
		}
		if (rsp_sendmsg(sd, buf, (size_t)n, 0, rinfo.rinfo_session, rinfo.rinfo_ppid,
		                rinfo.rinfo_stream, 0, 0, -1) < 0)
			die("rsp_sendmsg");
	}
}

static void read_full(int fd, void *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, (char *)p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				fprintf(stderr, "rsplib_bench: unexpected end of stream\n");
			else
				perror("read");
			exit(1);
		}
		off += (size_t)n;
	}
}

static void write_full(int fd, const void *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, (const char *)p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		off += (size_t)n;
	}
}

static void nodelay(int fd)
{
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		die("TCP_NODELAY");
}

/* The plain TCP server side (child): echo SIZE-byte messages, or count
 * bytes and answer 4 bytes after total. */
static void plain_pe(int lfd, int bulk, size_t size, unsigned long long total)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	nodelay(fd);
	if (bulk) {
		unsigned long long got = 0;
		for (;;) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				exit(0);
			got += (unsigned long long)n;
			if (got >= total) {
				got = 0;
				write_full(fd, "done", 4);
			}
		}
	}
	for (;;) {
		ssize_t n = read(fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(0);
		if ((size_t)n < size)
			read_full(fd, buf + n, size - (size_t)n);
		write_full(fd, buf, size);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: rsplib_bench [-plain] [-registrar=ADDR:PORT] rtt SIZE COUNT\n"
	                "       rsplib_bench [-plain] [-registrar=ADDR:PORT] bulk SIZE BYTES\n"
	                "       rsplib_bench -registrar=ADDR:PORT failover KILLS\n");
	exit(2);
}

static void stop_child(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* rtt and bulk, both transports. */
static int two_process(const char *mode, int plain, size_t size, unsigned long long n)
{
	int bulk = !strcmp(mode, "bulk");
	unsigned long long total = bulk ? n : 0, count = bulk ? 0 : n;
	int ready[2], lfd = -1, fd = -1;
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	pid_t child;
	double t0, t1;
	char r;

	if (size == 0 || size > MAXMSG || n == 0)
		usage();
	if (plain) {
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
		    listen(lfd, 1) != 0 || getsockname(lfd, (struct sockaddr *)&sin, &sl) != 0)
			die("listen");
	}
	if (pipe(ready) != 0)
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(ready[0]);
		if (plain) {
			if (write(ready[1], "r", 1) != 1)
				die("write");
			close(ready[1]);
			plain_pe(lfd, bulk, size, total);
		} else {
			rsp_pe(mode, total, ready[1]);
		}
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &r, 1) != 1) {
		fprintf(stderr, "rsplib_bench: the element did not start\n");
		stop_child(child);
		return 1;
	}
	close(ready[0]);

	struct rsp_info info;
	int sd = -1;
	memset(buf, 'x', size);
	if (plain) {
		close(lfd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
			die("connect");
		nodelay(fd);
	} else {
		rsp_start(&info);
		sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
		if (sd < 0 || rsp_connect(sd, (const unsigned char *)pool, strlen(pool), 0) != 0)
			die("rsp_connect");
	}

	/* One exchange: send len bytes, then (if want) wait for one answer. */
#define SEND(p, len)                                                                       \
	do {                                                                               \
		if (plain)                                                                 \
			write_full(fd, p, len);                                            \
		else if (rsp_sendmsg(sd, p, len, 0, 0, 0, 0, 0, 0, -1) < 0)                 \
			die("rsp_sendmsg");                                                \
	} while (0)
	size_t anslen = bulk ? 4 : size;
	unsigned long long fails = 0;
#define RECV()                                                                             \
	do {                                                                               \
		if (plain)                                                                 \
			read_full(fd, rbuf, anslen);                                       \
		else {                                                                     \
			for (;;) {                                                         \
				struct rsp_sndrcvinfo ri;                                  \
				int fl = 0;                                                \
				ssize_t m = rsp_recvmsg(sd, rbuf, sizeof rbuf, &ri, &fl, -1); \
				if (m < 0 && (errno == EINTR || errno == EAGAIN || errno == EINPROGRESS))          \
					continue;                                          \
				if (m < 0)                                                 \
					die("rsp_recvmsg");                                \
				if (fl & MSG_RSERPOOL_NOTIFICATION) {                      \
					fails++;                                           \
					continue;                                          \
				}                                                          \
				if ((size_t)m != anslen) {                                 \
					fprintf(stderr, "rsplib_bench: answer of %zd bytes\n", m); \
					exit(1);                                           \
				}                                                          \
				break;                                                     \
			}                                                                  \
		}                                                                          \
	} while (0)

	if (!bulk) {
		unsigned long long warm = count / 10 + 1, i;
		for (i = 0; i < warm; i++) {
			SEND(buf, size);
			RECV();
		}
		struct rusage ru0, ru1;
		getrusage(RUSAGE_SELF, &ru0);
		t0 = now_s();
		for (i = 0; i < count; i++) {
			SEND(buf, size);
			RECV();
		}
		t1 = now_s();
		getrusage(RUSAGE_SELF, &ru1);
		/* the PU process (all threads): CPU time and context switches */
		double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
		                      ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
		             (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
		                      ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
		double csw = (double)(ru1.ru_nvcsw - ru0.ru_nvcsw + ru1.ru_nivcsw - ru0.ru_nivcsw);
		printf("impl=%s mode=rtt size=%zu count=%llu elapsed_s=%.4f rate=%.0f us_per_rtt=%.2f "
		       "pu_cpu_us_per_rtt=%.2f pu_csw_per_rtt=%.2f notifications=%llu\n",
		       plain ? "plain_tcp" : "netcompat", size, count, t1 - t0,
		       (double)count / (t1 - t0), (t1 - t0) * 1e6 / (double)count,
		       cpu / (double)count, csw / (double)count, fails);
	} else {
		unsigned long long sent = 0;
		t0 = now_s();
		while (sent < total) {
			size_t len = total - sent < size ? (size_t)(total - sent) : size;
			SEND(buf, len);
			sent += len;
		}
		RECV();
		t1 = now_s();
		printf("impl=%s mode=bulk size=%zu bytes=%llu elapsed_s=%.4f mbps=%.1f msgs=%llu "
		       "notifications=%llu\n",
		       plain ? "plain_tcp" : "netcompat", size, total, t1 - t0,
		       (double)total / 1e6 / (t1 - t0), (total + size - 1) / size, fails);
	}
	fflush(stdout);
	if (plain)
		close(fd);
	else {
		rsp_close(sd);
	}
	stop_child(child);
	if (!plain) {
		rsp_cleanup();
		rsp_freeinfo(&info);
	}
	return 0;
}

/* failover: start one PE by fork+exec of this program; returns its PID
 * once it has registered (or -1). */
static pid_t spawn_pe(const char *self)
{
	int ready[2];
	char fdarg[16], r;
	pid_t pid;
	char *argv[8];
	int a = 0;

	if (pipe(ready) != 0)
		return -1;
	snprintf(fdarg, sizeof fdarg, "%d", ready[1]);
	argv[a++] = (char *)self;
	if (registrar_arg)
		argv[a++] = (char *)registrar_arg;
	argv[a++] = (char *)"pe";
	argv[a++] = pool;
	argv[a++] = fdarg;
	argv[a] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(ready[1]);
	if (read(ready[0], &r, 1) != 1) {
		close(ready[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n]. */
static double pct(const double *v, int n, double p)
{
	int k = (int)(p / 100.0 * n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static int failover(const char *self, int kills)
{
	pid_t pes[NPE + 1];
	int npes = 0, i, k, sd;
	struct rsp_info info;
	double *ms;
	uint32_t seq = 0;
	unsigned long long resends = 0, timeouts = 0, echoes = 0;

	if (kills <= 0)
		usage();
	ms = calloc((size_t)kills, sizeof *ms);
	if (!ms)
		die("calloc");
	for (i = 0; i < NPE; i++) {
		pes[npes] = spawn_pe(self);
		if (pes[npes] < 0) {
			fprintf(stderr, "rsplib_bench: a pool element did not start\n");
			goto fail;
		}
		npes++;
	}
	rsp_start(&info);
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (sd < 0 || rsp_connect(sd, (const unsigned char *)pool, strlen(pool), 0) != 0)
		die("rsp_connect");

	for (k = 0; k < kills; k++) {
		pid_t serving = 0, victim = 0;
		double tkill = 0, tsent = 0;
		int j, warm = 0;

		for (j = 0;; j++) {
			uint32_t req = ++seq;
			double tstart = now_s();
			pid_t who = 0;

			memcpy(buf, &req, sizeof req);
			memset(buf + sizeof req, 'e', 60);
			send_req(sd);
			tsent = tstart;
			while (!who) {
				struct rsp_sndrcvinfo ri;
				int fl = 0;
				ssize_t m = rsp_recvmsg(sd, rbuf, sizeof rbuf, &ri, &fl, 200);
				uint32_t got;
				int32_t p;

				if (m < 0 && (errno == EAGAIN || errno == EINTR || errno == ETIMEDOUT ||
				              errno == EINPROGRESS)) {
					if (now_s() - tstart > 10) {
						fprintf(stderr, "rsplib_bench: no answer for 10 s\n");
						goto fail;
					}
					if (now_s() - tsent >= 0.2) { /* lost with the old association */
						send_req(sd);
						timeouts++;
						tsent = now_s();
					}
					continue;
				}
				if (m < 0) {
					if (errno == ENOENT || errno == ECONNREFUSED) { /* no element now */
						tsent = 0;
						continue;
					}
					die("rsp_recvmsg");
				}
				if (fl & MSG_RSERPOOL_NOTIFICATION) {
					const union rserpool_notification *no = (const void *)rbuf;
					if (no->rn_header.rn_type == RSERPOOL_FAILOVER &&
					    no->rn_failover.rf_state == RSERPOOL_FAILOVER_NECESSARY) {
						send_req(sd);
						resends++;
						tsent = now_s();
					}
					continue;
				}
				if (m != 64 + (ssize_t)sizeof p)
					continue;
				memcpy(&got, rbuf, sizeof got);
				if (got != req)
					continue; /* a late duplicate */
				memcpy(&p, rbuf + 64, sizeof p);
				who = (pid_t)p;
			}
			echoes++;
			if (victim) {
				if (who != victim) {
					ms[k] = (now_s() - tkill) * 1000.0;
					break;
				}
				continue;
			}
			serving = who;
			/* steady state first: 50 echoes from the same element */
			if (++warm < 50)
				continue;
			for (i = 0; i < npes && pes[i] != serving; i++)
				;
			if (i == npes) {
				fprintf(stderr, "rsplib_bench: answer from unknown PID %d\n", (int)serving);
				goto fail;
			}
			victim = serving;
			tkill = now_s();
			kill(victim, SIGKILL);
		}
		/* reap the victim, start its replacement */
		waitpid(victim, NULL, 0);
		for (i = 0; i < npes && pes[i] != victim; i++)
			;
		pes[i] = spawn_pe(self);
		if (pes[i] < 0) {
			fprintf(stderr, "rsplib_bench: a replacement element did not start\n");
			pes[i] = pes[--npes];
			goto fail;
		}
	}
	qsort(ms, (size_t)kills, sizeof *ms, cmp_double);
	printf("impl=netcompat mode=failover kills=%d p50_ms=%.2f p99_ms=%.2f min_ms=%.2f max_ms=%.2f "
	       "echoes=%llu resends=%llu timeout_resends=%llu all_ms=",
	       kills, pct(ms, kills, 50), pct(ms, kills, 99), ms[0], ms[kills - 1], echoes, resends,
	       timeouts);
	for (k = 0; k < kills; k++)
		printf("%s%.2f", k ? "," : "", ms[k]);
	printf("\n");
	fflush(stdout);
	rsp_close(sd);
	for (i = 0; i < npes; i++)
		stop_child(pes[i]);
	rsp_cleanup();
	rsp_freeinfo(&info);
	free(ms);
	return 0;
fail:
	for (i = 0; i < npes; i++)
		stop_child(pes[i]);
	free(ms);
	return 1;
}

int main(int argc, char **argv)
{
	int plain = 0, i;
	const char *args[4];
	int na = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-plain"))
			plain = 1;
		else if (!strncmp(argv[i], "-registrar=", 11))
			registrar_arg = argv[i];
		else if (argv[i][0] == '-' || na == 4)
			usage();
		else
			args[na++] = argv[i];
	}
	if (na < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(args[0], "pe") && na == 3) { /* failover element (exec'd) */
		snprintf(pool, sizeof pool, "%s", args[1]);
		rsp_pe("failover", 0, atoi(args[2]));
		return 0;
	}
	snprintf(pool, sizeof pool, "rspbench-%ld", (long)getpid());
	if ((!strcmp(args[0], "rtt") || !strcmp(args[0], "bulk")) && na == 3)
		return two_process(args[0], plain, strtoul(args[1], NULL, 10),
		                   strtoull(args[2], NULL, 10));
	if (!strcmp(args[0], "failover") && na == 2 && !plain)
		return failover(argv[0], atoi(args[1]));
	usage();
	return 2;
}
