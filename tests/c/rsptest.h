/*
 * rsptest.h - what the RSerPool C tests share: a registrar of their own.
 *
 * The registrar is build/rspregistrar, named by the RSPREGISTRAR
 * environment variable that ctest sets (tests/c/rserpool_*.cmake). It runs
 * on 127.0.0.1 on a free port, which it writes to a port file; the test
 * waits for that file with inotify, not with sleeps, and stops the
 * registrar at exit. Call it before the first library call: it forks.
 */
#ifndef RSPTEST_H
#define RSPTEST_H

#include "nctest.h"

#include <limits.h>
#include <sys/inotify.h>

static pid_t rsptest_registrar_pid = -1;
static char rsptest_dir[64];
static char rsptest_portfile[128];

static inline void rsptest_stop_registrar(void)
{
	if (rsptest_registrar_pid > 0) {
		kill(rsptest_registrar_pid, SIGTERM);
		nct_wait_child_within(rsptest_registrar_pid, NCT_DEADLINE_MS);
		rsptest_registrar_pid = -1;
	}
	if (rsptest_portfile[0])
		unlink(rsptest_portfile);
	if (rsptest_dir[0])
		rmdir(rsptest_dir);
}

/* Reads the port file; 0 while it is missing or incomplete. */
static inline unsigned short rsptest_read_port(void)
{
	char buf[32];
	FILE *f = fopen(rsptest_portfile, "r");
	unsigned long p;
	char *end;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof buf, f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	if (!strchr(buf, '\n'))
		return 0;
	p = strtoul(buf, &end, 10);
	if (end == buf || p == 0 || p > 65535)
		return 0;
	return (unsigned short)p;
}

/*
 * Starts the registrar with -asap=127.0.0.1:0 -asapannounce=off and the
 * extra option extra (or none when NULL); returns its port.
 */
static inline unsigned short rsptest_start_registrar(const char *extra)
{
	const char *path = getenv("RSPREGISTRAR");
	char opt_portfile[200];
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	unsigned short port;
	int in;

	if (!path || !*path) {
		fprintf(stderr, "RSPREGISTRAR is not set: run through ctest\n");
		exit(1);
	}
	snprintf(rsptest_dir, sizeof rsptest_dir, "/tmp/rsptest.XXXXXX");
	CHECK(mkdtemp(rsptest_dir) != NULL);
	snprintf(rsptest_portfile, sizeof rsptest_portfile, "%s/port", rsptest_dir);
	snprintf(opt_portfile, sizeof opt_portfile, "-portfile=%s", rsptest_portfile);
	in = inotify_init1(IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, rsptest_dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) >= 0);

	rsptest_registrar_pid = nct_fork(300);
	if (rsptest_registrar_pid == 0) {
		execl(path, path, "-asap=127.0.0.1:0", "-asapannounce=off", opt_portfile,
		      extra ? extra : (char *)NULL, (char *)NULL);
		perror(path);
		_exit(127);
	}
	atexit(rsptest_stop_registrar);
	while ((port = rsptest_read_port()) == 0) {
		char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
		int left = (int)(end - nct_now_ms());
		int status;
		CHECK(left > 0);
		CHECK(waitpid(rsptest_registrar_pid, &status, WNOHANG) == 0); /* still running */
		if (nct_wait_readable(in, left < 1000 ? left : 1000))
			CHECK(read(in, ev, sizeof ev) > 0);
	}
	close(in);
	return port;
}

#endif /* RSPTEST_H */
