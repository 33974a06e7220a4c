/*
 * test_fork_before_use: legacy programs fork() or daemon() before they
 * first touch the library, and expect it to work in the child. The Go core
 * is loaded only on the first call, so:
 *
 *   1. fork() before any library call: the child does a server+agent round
 *      trip and exits 0; the parent waits, then does its own round trip;
 *   2. daemon(1, 1) in a child (whose parent exits at once, as daemon()
 *      does): the daemonized grandchild does a round trip and reports
 *      through a pipe that the top process reads;
 *   3. after first use, fork+exec of a program (/bin/true) works, a forked
 *      child that does not call the library exits normally, and the library
 *      still works in the parent.
 *
 * Every wait has a deadline: a child that hangs (what happens when a Go
 * runtime is forked) is killed and the test fails.
 */
#include "nctest.h"

/* The round trip every process here does. */
static void roundtrip(void)
{
	nct_roundtrip(10, 1000);
	nct_roundtrip(3, 16 * 1024);
}

/* Whether the Go core is mapped into this process. */
static int core_loaded(void)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "libnetcompat-go"))
			found = 1;
	fclose(f);
	return found;
}

/* Reads everything from fd until end of file or the deadline. */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	long long end = nct_now_ms() + NCT_DEADLINE_MS;

	for (;;) {
		ssize_t r;
		int left = (int)(end - nct_now_ms());
		if (left <= 0 || !nct_wait_readable(fd, left)) {
			fprintf(stderr, "no end of file from the daemon within the deadline\n");
			return n;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		CHECK(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
		CHECK(n < cap - 1);
	}
	buf[n] = '\0';
	return n;
}

static void fork_then_use(void)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(!core_loaded());
		roundtrip();
		CHECK(core_loaded());
		exit(0);
	}
	nct_wait_child_ok(pid);
	CHECK(!core_loaded()); /* the child's use did not touch the parent */
	fprintf(stderr, "fork before use: child round trip ok\n");
}

static void daemon_then_use(void)
{
	int p[2];
	pid_t pid, gpid = 0;
	char buf[256];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0); /* nct_write_all uses send() */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char msg[64];
		close(p[0]);
		/* nochdir, noclose: the test's stderr stays visible. The
		 * intermediate process exits inside daemon(). */
		CHECK(daemon(1, 1) == 0);
		snprintf(msg, sizeof msg, "pid %d\n", (int)getpid());
		nct_write_all(p[1], msg, strlen(msg));
		CHECK(!core_loaded());
		roundtrip();
		nct_write_all(p[1], "ok\n", 3);
		exit(0);
	}
	close(p[1]);
	/* daemon()'s parent exits 0 at once. */
	nct_wait_child_ok(pid);
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	sscanf(buf, "pid %d", (int *)&gpid);
	if (!strstr(buf, "ok\n")) {
		fprintf(stderr, "the daemon reported \"%s\", want a pid and ok\n", buf);
		if (gpid > 0)
			kill(gpid, SIGKILL);
		exit(1);
	}
	CHECK(gpid > 0 && gpid != pid);
	CHECK(!core_loaded());
	fprintf(stderr, "daemon before use: daemon %d round trip ok\n", (int)gpid);
}

static void fork_exec_after_use(void)
{
	pid_t pid;
	int st;

	CHECK(core_loaded());
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	st = nct_wait_child_within(pid, NCT_DEADLINE_MS);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);

	/* A program that fails is reported as failing (the exec really ran). */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/false", "false", (char *)NULL);
		_exit(127);
	}
	st = nct_wait_child_within(pid, NCT_DEADLINE_MS);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 1);

	/* A child that does not call the library may simply exit. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(7);
	st = nct_wait_child_within(pid, NCT_DEADLINE_MS);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 7);
	fprintf(stderr, "fork+exec after use: ok\n");
}

int main(void)
{
	/* No library call may come before the forks below. */
	CHECK(!core_loaded());
	fork_then_use();
	daemon_then_use();

	/* The parent's own first use, after its children's. */
	roundtrip();
	CHECK(core_loaded());

	fork_exec_after_use();
	/* The library still works here after the forks. */
	roundtrip();
	fprintf(stderr, "test_fork_before_use: ok\n");
	return 0;
}
