/*
 * rapitest.h - the rsvpd fixture of the RAPI and qtoq C tests: a private
 * directory with a configuration file, rsvpd started from RSVPD (set by
 * the tests' .cmake files) with UDP encapsulation and its API socket
 * there, RSVP_API_SOCKET pointing the library at it, and everything
 * removed at exit by the process that made it (not by forked children).
 * Waiting for the daemon is inotify on the directory plus a connect
 * check, with a deadline; nothing sleeps.
 */
#ifndef NETCOMPAT_RAPITEST_H
#define NETCOMPAT_RAPITEST_H

#include "nctest.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/un.h>

static char rapitest_dir[64], rapitest_sock[96], rapitest_conf[96];
static pid_t rapitest_pid = -1, rapitest_owner;

/* Stops the daemon as a crash would (SIGKILL) and reaps it. */
static inline void rapitest_kill(void)
{
	if (rapitest_pid > 0) {
		kill(rapitest_pid, SIGKILL);
		waitpid(rapitest_pid, NULL, 0);
		rapitest_pid = -1;
	}
}

static inline void rapitest_cleanup(void)
{
	if (getpid() != rapitest_owner)
		return;
	rapitest_kill();
	unlink(rapitest_sock);
	unlink(rapitest_conf);
	rmdir(rapitest_dir);
}

/*
 * Makes the directory, writes config (rsvpd's file syntax) and sets
 * RSVP_API_SOCKET; the daemon is not started yet, so the library sees
 * "no daemon" until rapitest_start.
 */
static inline void rapitest_prepare(const char *config)
{
	FILE *cf;

	snprintf(rapitest_dir, sizeof rapitest_dir, "/tmp/rapitest.XXXXXX");
	CHECK(mkdtemp(rapitest_dir) != NULL);
	snprintf(rapitest_sock, sizeof rapitest_sock, "%s/rsvpd.sock", rapitest_dir);
	snprintf(rapitest_conf, sizeof rapitest_conf, "%s/rsvpd.conf", rapitest_dir);
	CHECK((cf = fopen(rapitest_conf, "w")) != NULL);
	fputs(config, cf);
	CHECK(fclose(cf) == 0);
	rapitest_owner = getpid();
	atexit(rapitest_cleanup);
	CHECK(setenv("RSVP_API_SOCKET", rapitest_sock, 1) == 0);
}

/* Can a SOCK_SEQPACKET client connect to the API socket yet? */
static inline int rapitest_ready(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), ok;

	CHECK(fd >= 0);
	CHECK(strlen(rapitest_sock) < sizeof sa.sun_path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, rapitest_sock, strlen(rapitest_sock) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

/* Starts rsvpd (after rapitest_prepare) and returns once it answers. */
static inline void rapitest_start(void)
{
	const char *rsvpd = getenv("RSVPD");
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int in;

	if (!rsvpd || !*rsvpd) {
		fprintf(stderr, "RSVPD is not set: run through ctest\n");
		exit(1);
	}
	in = inotify_init1(IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, rapitest_dir, IN_CREATE | IN_MOVED_TO) >= 0);
	rapitest_pid = fork();
	CHECK(rapitest_pid >= 0);
	if (rapitest_pid == 0) {
		/* The daemon dies with the test, however the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(rsvpd, rsvpd, "-encap", "udp", "-api", rapitest_sock, "-config", rapitest_conf,
		      "-log", "warn", (char *)NULL);
		_exit(127);
	}
	/* The socket appears (inotify), then accepts; between bind and
	 * listen a connect may be refused, so retry on each inotify wake-up
	 * or after a short poll timeout, never past the deadline. */
	while (!rapitest_ready()) {
		char buf[4096];
		CHECK(nct_now_ms() < end);
		CHECK(waitpid(rapitest_pid, NULL, WNOHANG) == 0);
		if (nct_wait_readable(in, 20))
			CHECK(read(in, buf, sizeof buf) > 0);
	}
	close(in);
}

#endif
