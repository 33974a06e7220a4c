/*
 * rapi_bench: the RAPI library (librsvp over libnetcompat.so.1) against a
 * real rsvpd on loopback; run by bench/rapi.sh.
 *
 *   bench_rapi RSVPD [CYCLES] [SAMPLES]
 *
 * Starts RSVPD with -encap udp and its API socket in a private directory
 * (RSVP_API_SOCKET points the library at it), then measures in one
 * process:
 *   cycles   CYCLES cycles of rapi_session (receiver), rapi_session
 *            (sender), rapi_sender, rapi_reserve (FF), rapi_release,
 *            rapi_release, each on a fresh destination port; upcalls that
 *            become due are dispatched as they come, nothing waits for
 *            the network; cycles per second and RAPI calls per second
 *   latency  SAMPLES times: a sender and a receiver whose Path has
 *            arrived; the time from rapi_reserve at the receiver to the
 *            RESV_EVENT upcall at the sender (the daemon's event through
 *            the API socket, the descriptor waking, rapi_dispatch);
 *            p50 and p99
 * Prints one line: cycles_per_s=... calls_per_s=... latency_p50_ms=...
 * latency_p99_ms=...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rapi.h"

#define DEADLINE_MS 30000

static char dir[64], sock_path[96], conf_path[96];
static pid_t daemon_pid = -1;

static void die(const char *what)
{
	fprintf(stderr, "bench_rapi: %s (errno %d: %s)\n", what, errno, strerror(errno));
	exit(1);
}

static void stop_daemon(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = -1;
	}
	unlink(sock_path);
	unlink(conf_path);
	rmdir(dir);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int api_ready(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		die("socket");
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static void start_daemon(const char *rsvpd)
{
	double end = now_s() + DEADLINE_MS / 1000.0;
	FILE *cf;
	int in;

	snprintf(dir, sizeof dir, "/tmp/rapibench.XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(sock_path, sizeof sock_path, "%s/rsvpd.sock", dir);
	snprintf(conf_path, sizeof conf_path, "%s/rsvpd.conf", dir);
	if (!(cf = fopen(conf_path, "w")))
		die("config");
	fprintf(cf, "# bench_rapi\nrefresh 30s\n");
	fclose(cf);
	atexit(stop_daemon);
	if ((in = inotify_init1(IN_CLOEXEC)) < 0 || inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) < 0)
		die("inotify");
	daemon_pid = fork();
	if (daemon_pid < 0)
		die("fork");
	if (daemon_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(rsvpd, rsvpd, "-encap", "udp", "-api", sock_path, "-config", conf_path, "-log",
		      "warn", (char *)NULL);
		_exit(127);
	}
	while (!api_ready()) {
		struct pollfd p = {in, POLLIN, 0};
		char buf[4096];
		if (now_s() > end || waitpid(daemon_pid, NULL, WNOHANG) != 0) {
			daemon_pid = -1;
			die("rsvpd did not start");
		}
		if (poll(&p, 1, 20) > 0 && read(in, buf, sizeof buf) < 0)
			die("inotify read");
	}
	close(in);
	if (setenv("RSVP_API_SOCKET", sock_path, 1) != 0)
		die("setenv");
}

/* ---- upcalls ---- */

struct side {
	rapi_sid_t sid;
	int path, resv; /* PATH_EVENT with a sender, RESV_EVENT with a flowspec */
	double resv_at;
};

static void upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style, int code,
                   int value, rapi_addr_t *node, unsigned int eflags, int nfilt,
                   rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows, int nads,
                   rapi_adspec_t *ads, void *arg)
{
	struct side *s = arg;

	(void)style, (void)code, (void)value, (void)node, (void)eflags;
	(void)filts, (void)flows, (void)nads, (void)ads;
	if (!s || s->sid != sid)
		return;
	if (type == RAPI_PATH_EVENT && nfilt > 0)
		s->path++;
	if (type == RAPI_RESV_EVENT && nflow > 0) {
		if (!s->resv)
			s->resv_at = now_s();
		s->resv++;
	}
}

static void dispatch_ready(int fd, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int n = poll(&p, 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		die("poll");
	if (n > 0 && (p.revents & POLLIN) && rapi_dispatch() != 0)
		die("rapi_dispatch");
}

static void wait_for(int fd, const int *count)
{
	double end = now_s() + DEADLINE_MS / 1000.0;
	while (!*count) {
		int left = (int)((end - now_s()) * 1000);
		if (left <= 0)
			die("no upcall before the deadline");
		dispatch_ready(fd, left);
	}
}

static void set_in(struct sockaddr_in *sa, unsigned short port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static rapi_tspec_t tspec;
static rapi_flowspec_t flow;
static rapi_filter_t filt;
static struct sockaddr_in lhost;

static void init_specs(void)
{
	memset(&tspec, 0, sizeof tspec);
	tspec.len = sizeof tspec;
	tspec.form = RAPI_TSPECTYPE_Simplified;
	tspec.tspecbody_qosx.spec_type = QOS_TSPEC;
	tspec.tspecbody_qosx.xtspec_r = 12500;
	tspec.tspecbody_qosx.xtspec_b = 2000;
	tspec.tspecbody_qosx.xtspec_p = 25000;
	tspec.tspecbody_qosx.xtspec_m = 64;
	tspec.tspecbody_qosx.xtspec_M = 1500;
	memset(&flow, 0, sizeof flow);
	flow.len = sizeof flow;
	flow.form = RAPI_FLOWSTYPE_Simplified;
	flow.specbody_qosx.spec_type = QOS_CNTR_LOAD;
	flow.specbody_qosx.xspec_r = 12500;
	flow.specbody_qosx.xspec_b = 2000;
	flow.specbody_qosx.xspec_p = 25000;
	flow.specbody_qosx.xspec_m = 64;
	flow.specbody_qosx.xspec_M = 1500;
	set_in(&lhost, 4000);
	memset(&filt, 0, sizeof filt);
	filt.len = sizeof filt;
	filt.form = RAPI_FILTERFORM_BASE;
	set_in(&filt.filt_u.base.sender, 4000);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int cycles = argc > 2 ? atoi(argv[2]) : 2000;
	int samples = argc > 3 ? atoi(argv[3]) : 500;
	struct side rcv, snd;
	struct sockaddr_in dest;
	double t0, elapsed, *lat;
	int err = 0, fd, i;

	if (argc < 2 || cycles <= 0 || samples <= 0) {
		fprintf(stderr, "usage: bench_rapi RSVPD [CYCLES] [SAMPLES]\n");
		return 2;
	}
	start_daemon(argv[1]);
	init_specs();

	/* cycles: the calls themselves; due upcalls are dispatched. */
	t0 = now_s();
	for (i = 0; i < cycles; i++) {
		set_in(&dest, (unsigned short)(10000 + i % 40000));
		memset(&rcv, 0, sizeof rcv);
		memset(&snd, 0, sizeof snd);
		rcv.sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &rcv, &err);
		snd.sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &snd, &err);
		if (rcv.sid == RAPI_NULL_SID || snd.sid == RAPI_NULL_SID)
			die("rapi_session");
		if (rapi_sender(snd.sid, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64) != 0)
			die("rapi_sender");
		if (rapi_reserve(rcv.sid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1, &flow) != 0)
			die("rapi_reserve");
		fd = rapi_getfd(rcv.sid);
		dispatch_ready(fd, 0);
		if (rapi_release(rcv.sid) != 0 || rapi_release(snd.sid) != 0)
			die("rapi_release");
	}
	elapsed = now_s() - t0;
	printf("cycles_per_s=%.1f calls_per_s=%.1f ", cycles / elapsed, 6.0 * cycles / elapsed);

	/* latency: rapi_reserve at the receiver to RESV_EVENT at the sender. */
	lat = calloc((size_t)samples, sizeof *lat);
	if (!lat)
		die("calloc");
	for (i = 0; i < samples; i++) {
		set_in(&dest, (unsigned short)(50000 + i % 10000));
		memset(&rcv, 0, sizeof rcv);
		memset(&snd, 0, sizeof snd);
		rcv.sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &rcv, &err);
		snd.sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &snd, &err);
		if (rcv.sid == RAPI_NULL_SID || snd.sid == RAPI_NULL_SID)
			die("rapi_session");
		fd = rapi_getfd(rcv.sid);
		if (rapi_sender(snd.sid, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64) != 0)
			die("rapi_sender");
		wait_for(fd, &rcv.path);
		t0 = now_s();
		if (rapi_reserve(rcv.sid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1, &flow) != 0)
			die("rapi_reserve");
		wait_for(fd, &snd.resv);
		lat[i] = (snd.resv_at - t0) * 1000.0;
		if (rapi_release(rcv.sid) != 0 || rapi_release(snd.sid) != 0)
			die("rapi_release");
	}
	qsort(lat, (size_t)samples, sizeof *lat, cmp_double);
	printf("latency_p50_ms=%.3f latency_p99_ms=%.3f\n", lat[(samples - 1) / 2],
	       lat[(int)((samples - 1) * 0.99 + 0.5)]);
	free(lat);
	return 0;
}
