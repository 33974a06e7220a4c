/*
 * extagent_common.h - what the two extagent benchmark programs share:
 * argument parsing, the fork/pipe set-up, clocks, CPU accounting and the
 * result line. Each program supplies run_server() and run_agent().
 *
 *   bench_extagent_<impl> rate     SIZE COUNT
 *   bench_extagent_<impl> pingpong SIZE COUNT WARMUP
 *
 * The process forks first of all, before either half touches a socket or
 * the library: the child is the server, the parent the agent. The server
 * writes its port into a pipe; when it exits it writes the CPU time it
 * spent in the measured window into the same pipe.
 *
 * Protocol of the benchmark on top of extagent packets:
 *   rate:     the agent sends one SYNC packet, the server echoes it; then
 *             COUNT packets of SIZE octets; after the last of them the server
 *             sends a 4-octet ACK. The agent times from the first of the
 *             COUNT sends to the ACK.
 *   pingpong: the server echoes every packet; the agent times each of the
 *             COUNT round trips that follow WARMUP untimed ones.
 * Then the agent closes, the server sees the close and exits.
 *
 * The result is one line on standard output, "key=value" pairs.
 */
#ifndef NETCOMPAT_BENCH_EXTAGENT_COMMON_H
#define NETCOMPAT_BENCH_EXTAGENT_COMMON_H

#ifndef BENCH_IMPL
#error "define BENCH_IMPL (the implementation name) first"
#endif

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum bench_mode { MODE_RATE, MODE_PINGPONG };

struct bench_args {
	enum bench_mode mode;
	int size;   /* octets per measured packet */
	long count; /* measured packets (rate) or round trips (pingpong) */
	long warmup;
};

/*
 * CPU seconds (user + system) and context switches (voluntary: the
 * process slept; involuntary: it was preempted), all threads, in a window.
 */
struct bench_cpu {
	double user, sys;
	double vcsw, ivcsw;
};

#define SYNC_BYTE 'S'
#define ACK_SIZE 4

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct bench_cpu cpu_now(void)
{
	struct rusage ru;
	struct bench_cpu c;

	getrusage(RUSAGE_SELF, &ru);
	c.user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	c.sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	c.vcsw = (double)ru.ru_nvcsw;
	c.ivcsw = (double)ru.ru_nivcsw;
	return c;
}

static struct bench_cpu cpu_since(struct bench_cpu start)
{
	struct bench_cpu c = cpu_now();

	c.user -= start.user;
	c.sys -= start.sys;
	c.vcsw -= start.vcsw;
	c.ivcsw -= start.ivcsw;
	return c;
}

static void write_all_fd(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write to pipe");
		b += w;
		n -= (size_t)w;
	}
}

static int read_all_fd(int fd, void *p, size_t n)
{
	char *b = p;

	while (n > 0) {
		ssize_t r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* What the server half records while it runs (see bench_server_packet). */
struct server_state {
	const struct bench_args *a;
	long seen;   /* data packets received */
	int failed;  /* a packet had the wrong size */
	int done;    /* the connection has closed */
	struct bench_cpu start, used;
};

/*
 * The server's reaction to one data packet, the same for both
 * implementations: returns 1 when the packet should be echoed, 2 when the
 * ACK should be sent, 0 for nothing.
 */
static int bench_server_packet(struct server_state *s, int size, const unsigned char *data)
{
	const struct bench_args *a = s->a;
	long i = s->seen++;

	if (a->mode == MODE_RATE) {
		if (i == 0) {
			if (size != 1 || data[0] != SYNC_BYTE)
				s->failed = 1;
			s->start = cpu_now();
			return 1;
		}
		if (size != a->size)
			s->failed = 1;
		if (i == a->count) {
			s->used = cpu_since(s->start);
			return 2;
		}
		return 0;
	}
	if (size != a->size)
		s->failed = 1;
	if (i == a->warmup)
		s->start = cpu_now();
	if (i == a->warmup + a->count - 1)
		s->used = cpu_since(s->start);
	return 1;
}

/*
 * Pins the calling THREAD (sched_setaffinity(0) acts on the caller only) to
 * the CPU named by environment variable var (BENCH_AGENT_CPU,
 * BENCH_SERVER_CPU), when it is set. Each half calls it once its
 * connection or listener is set up, i.e. after the netcompat library has
 * started: the thread doing the I/O is placed, while threads the library
 * runtime started stay free, and the runtime sized itself (GOMAXPROCS) for
 * the whole machine as it would in an unpinned program.
 */
static void pin_from_env(const char *var)
{
	const char *v = getenv(var);
	cpu_set_t set;

	if (!v || !*v)
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(v), &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		die("sched_setaffinity");
}

static void usage(const char *prog)
{
	fprintf(stderr,
	        "usage: %s rate SIZE COUNT\n"
	        "       %s pingpong SIZE COUNT WARMUP\n",
	        prog, prog);
	exit(2);
}

static struct bench_args parse_args(int argc, char **argv)
{
	struct bench_args a = { 0 };

	if (argc < 4)
		usage(argv[0]);
	if (strcmp(argv[1], "rate") == 0 && argc == 4)
		a.mode = MODE_RATE;
	else if (strcmp(argv[1], "pingpong") == 0 && argc == 5)
		a.mode = MODE_PINGPONG;
	else
		usage(argv[0]);
	a.size = atoi(argv[2]);
	a.count = atol(argv[3]);
	a.warmup = a.mode == MODE_PINGPONG ? atol(argv[4]) : 0;
	if (a.size < 1 || a.size > (1 << 20) || a.count < 1 || a.warmup < 0)
		usage(argv[0]);
	return a;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* The q-quantile of sorted v[0..n-1], nearest rank. */
static double quantile(const double *v, long n, double q)
{
	long k = (long)ceil(q * (double)n);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Supplied by each implementation. */
static void run_server(const struct bench_args *a, int pipefd);
/*
 * Runs the agent's side against 127.0.0.1:port. rate: stores the elapsed
 * seconds in *secs. pingpong: fills rtt[0..count-1] (seconds). Both: the
 * agent's CPU in the measured window in *cpu.
 */
static void run_agent(const struct bench_args *a, unsigned short port,
                      double *secs, double *rtt, struct bench_cpu *cpu);

int main(int argc, char **argv)
{
	struct bench_args a = parse_args(argc, argv);
	struct bench_cpu agent_cpu = { 0, 0, 0, 0 }, server_cpu;
	double secs = 0, *rtt = NULL;
	unsigned short port;
	int p[2], status;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) != 0)
		die("pipe");
	/* Fork first: neither half has used sockets or the library yet. */
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		run_server(&a, p[1]);
		_exit(0);
	}
	close(p[1]);
	if (read_all_fd(p[0], &port, sizeof port) != 0 || port == 0) {
		kill(pid, SIGKILL);
		fail("the server did not start");
	}
	if (a.mode == MODE_PINGPONG) {
		rtt = malloc(sizeof *rtt * (size_t)a.count);
		if (!rtt)
			die("malloc");
	}
	run_agent(&a, port, &secs, rtt, &agent_cpu);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the server failed");
	if (read_all_fd(p[0], &server_cpu, sizeof server_cpu) != 0)
		fail("the server did not report its CPU time");

	printf("impl=%s mode=%s size=%d count=%ld", BENCH_IMPL,
	       a.mode == MODE_RATE ? "rate" : "pingpong", a.size, a.count);
	if (a.mode == MODE_RATE) {
		printf(" secs=%.6f rate=%.0f mbit_s=%.1f", secs, (double)a.count / secs,
		       (double)a.count * a.size * 8 / secs / 1e6);
	} else {
		double sum = 0;

		for (long i = 0; i < a.count; i++)
			sum += rtt[i];
		qsort(rtt, (size_t)a.count, sizeof *rtt, cmp_double);
		printf(" warmup=%ld min_us=%.2f p50_us=%.2f p90_us=%.2f p99_us=%.2f"
		       " max_us=%.2f mean_us=%.2f",
		       a.warmup, rtt[0] * 1e6, quantile(rtt, a.count, 0.50) * 1e6,
		       quantile(rtt, a.count, 0.90) * 1e6,
		       quantile(rtt, a.count, 0.99) * 1e6, rtt[a.count - 1] * 1e6,
		       sum / (double)a.count * 1e6);
	}
	/*
	 * Per measured message (rate) or round trip (pingpong): CPU in us and
	 * context switches, of each process.
	 */
	printf(" agent_cpu_us=%.3f server_cpu_us=%.3f agent_sys_frac=%.2f server_sys_frac=%.2f"
	       " agent_vcsw=%.3f agent_ivcsw=%.3f server_vcsw=%.3f server_ivcsw=%.3f\n",
	       (agent_cpu.user + agent_cpu.sys) / (double)a.count * 1e6,
	       (server_cpu.user + server_cpu.sys) / (double)a.count * 1e6,
	       agent_cpu.sys / (agent_cpu.user + agent_cpu.sys + 1e-12),
	       server_cpu.sys / (server_cpu.user + server_cpu.sys + 1e-12),
	       agent_cpu.vcsw / (double)a.count, agent_cpu.ivcsw / (double)a.count,
	       server_cpu.vcsw / (double)a.count, server_cpu.ivcsw / (double)a.count);
	free(rtt);
	return 0;
}

#endif /* NETCOMPAT_BENCH_EXTAGENT_COMMON_H */
