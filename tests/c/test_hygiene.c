/*
 * test_hygiene: the library is a good guest in someone else's process.
 *
 *   (a) The Go core is not loaded (and no thread started) before the first
 *       API call, and is loaded after it.
 *   (b) It installs no handlers for the host's signals (SIGINT, SIGTERM,
 *       SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM) and leaves the calling
 *       thread's signal mask alone, through heavy use.
 *   (c) Every descriptor it opens is close-on-exec, and none outlives the
 *       server and connections it belongs to.
 *   (d) The server's sockets for accepted agents are numbered 1024 or above
 *       (when RLIMIT_NOFILE allows), keeping low numbers for the program's
 *       select(); ssexact_fd() and extag_fd() are below 1024 so that
 *       select() can watch them.
 */
#include "nctest.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>

#define NAGENTS 6 /* agents per cycle: 4 by address, 1 by name, 1 on a thread */

static const int host_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};
#define NSIG_HOST ((int)(sizeof host_signals / sizeof host_signals[0]))

/* ------------------------------------------------------------------------
 * /proc helpers
 * ------------------------------------------------------------------------ */

static int maps_has(const char *what)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f))
		if (strstr(line, what))
			found = 1;
	fclose(f);
	return found;
}

static int thread_count(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

struct fdset {
	int n;
	int fd[4096];
};

/* The open descriptors, without the one used to list them. */
static void list_fds(struct fdset *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self;

	CHECK(d != NULL);
	self = dirfd(d);
	s->n = 0;
	while ((e = readdir(d)) != NULL) {
		int fd;
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		CHECK(s->n < (int)(sizeof s->fd / sizeof s->fd[0]));
		s->fd[s->n++] = fd;
	}
	closedir(d);
}

static int fdset_has(const struct fdset *s, int fd)
{
	int i;
	for (i = 0; i < s->n; i++)
		if (s->fd[i] == fd)
			return 1;
	return 0;
}

/* The descriptors in b that are not in a. */
static void fdset_diff(const struct fdset *b, const struct fdset *a, struct fdset *out)
{
	int i;
	out->n = 0;
	for (i = 0; i < b->n; i++)
		if (!fdset_has(a, b->fd[i]))
			out->fd[out->n++] = b->fd[i];
}

static void describe_fd(int fd, char *out, size_t size)
{
	char path[64];
	ssize_t n;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, out, size - 1);
	out[n > 0 ? n : 0] = '\0';
}

static int is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The local port of a TCP socket (0 for anything else). */
static unsigned short local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static int connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	return getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

/* ------------------------------------------------------------------------
 * The server: echoes every packet.
 * ------------------------------------------------------------------------ */
static int accepts, closes, packets;

static void on_accept(ExtagConnection *c)
{
	accepts++;
	CHECK_EQ(extag_begindelivery(c), EXTAG_OK);
}

static void on_packet(ExtagConnection *c, int size, unsigned char *data)
{
	if (size == 0) {
		closes++;
		return;
	}
	packets++;
	CHECK_EQ(extag_send(c, size, data), EXTAG_OK);
}

/* An agent on its own thread: connects, exchanges packets, stays open
 * until told to close. The main thread dispatches the server meanwhile. */
static struct {
	unsigned short port;
	SsexConn *conn;
	int fd;
	int done_fd[2]; /* the thread says it is done by writing here */
	int go_fd[2];   /* ...and waits for the word to close here */
} th;

static void *agent_thread(void *arg)
{
	unsigned char out[512];
	char b;
	int i;

	(void)arg;
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), th.port, &th.conn), EXTAG_OK);
	th.fd = ssexact_fd(th.conn);
	for (i = 0; i < 20; i++) {
		char *data;
		int len;
		nct_fill(out, sizeof out, 500 + (uint64_t)i);
		CHECK_EQ(ssexact_send(th.conn, (int)sizeof out, (char *)out), EXTAG_OK);
		CHECK_EQ(ssexact_blockingread(th.conn, &data, &len), EXTAG_OK);
		CHECK_EQ(len, (int)sizeof out);
		CHECK(memcmp(data, out, sizeof out) == 0);
		free(data);
	}
	CHECK(write(th.done_fd[1], "d", 1) == 1);
	CHECK(nct_wait_readable(th.go_fd[0], NCT_DEADLINE_MS));
	CHECK(read(th.go_fd[0], &b, 1) == 1);
	ssexact_close(th.conn);
	return NULL;
}

/*
 * One cycle of heavy use: a server, agents by address, by name and on a
 * thread, a peer with a bad greeting, packets both ways. check_open runs
 * while everything is open; then all of it is closed again.
 */
static void cycle(void (*check_open)(SsexConn **agents, int n))
{
	SsexConn *a[NAGENTS];
	unsigned char out[2000];
	pthread_t t;
	int i, k, raw, a0 = accepts, c0 = closes;
	unsigned char junk[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	th.port = extag_port();
	CHECK(th.port != 0);

	for (i = 0; i < 4; i++)
		CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), th.port, &a[i]), EXTAG_OK);
	/* By name: the resolver runs too. */
	CHECK_EQ(ssexact_initialize("localhost", 0, th.port, &a[4]), EXTAG_OK);
	CHECK(pthread_create(&t, NULL, agent_thread, NULL) == 0);

	/* A peer that greets wrongly is dropped (and logged). */
	raw = nct_connect(th.port);
	nct_write_all(raw, junk, sizeof junk);
	{
		unsigned char buf[16];
		long long end = nct_now_ms() + NCT_DEADLINE_MS;
		for (;;) {
			ssize_t r;
			CHECK(nct_now_ms() < end);
			if (!nct_pump_until_readable(raw, (int)(end - nct_now_ms())))
				continue;
			r = recv(raw, buf, sizeof buf, MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0)
				break;
		}
		close(raw);
	}

	/* Packets from every agent, echoed, while the thread does its own. */
	for (k = 0; k < 25; k++)
		for (i = 0; i < 5; i++) {
			char *data;
			int len;
			nct_fill(out, sizeof out, (uint64_t)(k * 10 + i + 1));
			CHECK_EQ(ssexact_send(a[i], (int)sizeof out, (char *)out), EXTAG_OK);
			nct_agent_read(a[i], &data, &len);
			CHECK_EQ(len, (int)sizeof out);
			CHECK(memcmp(data, out, sizeof out) == 0);
			free(data);
		}
	/* Serve the thread until it is done. */
	CHECK(nct_pump_until_readable(th.done_fd[0], NCT_DEADLINE_MS));
	CHECK_EQ(accepts, a0 + NAGENTS);

	a[5] = th.conn;
	check_open(a, NAGENTS);

	CHECK(write(th.go_fd[1], "g", 1) == 1);
	CHECK(pthread_join(t, NULL) == 0);
	for (i = 0; i < 5; i++)
		ssexact_close(a[i]);
	{
		char b;
		CHECK(read(th.done_fd[0], &b, 1) == 1);
	}
	while (closes < c0 + NAGENTS)
		CHECK(nct_wait_readable(extag_fd(), NCT_DEADLINE_MS) && extag_dispatch() == EXTAG_OK);
	CHECK_EQ(closes, c0 + NAGENTS);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
}

/* ------------------------------------------------------------------------
 * The checks made while a cycle has everything open.
 * ------------------------------------------------------------------------ */
static struct fdset before, during, opened;
static int high_ok; /* descriptors >= 1024 may be opened */

static void check_fds(SsexConn **agents, int n)
{
	unsigned short port = extag_port();
	int i, accepted = 0, bad = 0;
	int efd = extag_fd();

	list_fds(&during);
	fdset_diff(&during, &before, &opened);
	/* (c) close-on-exec, every one. */
	for (i = 0; i < opened.n; i++) {
		int fd = opened.fd[i];
		int flags = fcntl(fd, F_GETFD);
		char what[256];

		describe_fd(fd, what, sizeof what);
		CHECK(flags >= 0);
		if (!(flags & FD_CLOEXEC)) {
			fprintf(stderr, "descriptor %d (%s) lacks FD_CLOEXEC\n", fd, what);
			bad++;
		}
		/* (d) the server's side of each accepted agent. */
		if (is_socket(fd) && local_port(fd) == port && connected(fd)) {
			accepted++;
			if (high_ok && fd < 1024) {
				fprintf(stderr, "accepted agent's server socket is descriptor %d (< 1024)\n", fd);
				bad++;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(accepted, n);
	/* What the program selects on is within FD_SETSIZE. */
	CHECK(efd >= 0 && efd < 1024 && efd < FD_SETSIZE);
	CHECK(fdset_has(&opened, efd));
	for (i = 0; i < n; i++) {
		int fd = ssexact_fd(agents[i]);
		CHECK(fd >= 0 && fd < 1024 && fd < FD_SETSIZE);
		CHECK(fdset_has(&opened, fd));
		CHECK_EQ(ssextact_fd(agents[i]), fd);
	}
	fprintf(stderr, "%d descriptors opened by the library, all close-on-exec; "
	        "%d accepted agents' sockets%s\n", opened.n, accepted,
	        high_ok ? ", all >= 1024" : "");
}

static void check_nothing(SsexConn **agents, int n)
{
	(void)agents;
	(void)n;
}

int main(void)
{
	struct sigaction dfl;
	sigset_t mask_before, mask_after;
	struct rlimit rl;
	struct fdset after1, after2, left;
	int i;

	/* Room for descriptors at 1024 and above, if the hard limit allows. */
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur < 4096 && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	}
	high_ok = rl.rlim_cur > 1100;
	if (!high_ok)
		fprintf(stderr, "RLIMIT_NOFILE %ld: the >= 1024 check is skipped\n", (long)rl.rlim_cur);

	/* The host's signals start at their defaults. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < NSIG_HOST; i++)
		CHECK(sigaction(host_signals[i], &dfl, NULL) == 0);
	CHECK(pthread_sigmask(SIG_SETMASK, NULL, &mask_before) == 0);

	/* The test's own descriptors exist before the snapshot. */
	CHECK(pipe2(th.done_fd, O_CLOEXEC) == 0);
	CHECK(pipe2(th.go_fd, O_CLOEXEC) == 0);

	/* (a) Nothing of the core before the first call. */
	list_fds(&before);
	CHECK(maps_has("libnetcompat.so.1"));
	CHECK(!maps_has("libnetcompat-go"));
	CHECK_EQ(thread_count(), 1);
	CHECK_EQ(extag_port(), 0); /* the first call */
	CHECK(maps_has("libnetcompat-go"));
	fprintf(stderr, "core loaded on first call; %d threads now\n", thread_count());

	/* Heavy use, twice; (c) and (d) checked while the first is open. */
	cycle(check_fds);
	list_fds(&after1);
	cycle(check_nothing);
	nct_roundtrip(50, 1000);
	list_fds(&after2);

	/* (c) Nothing the cycles opened is left but what the runtime keeps,
	 * and a second cycle leaves no more than the first. */
	fdset_diff(&after2, &before, &left);
	for (i = 0; i < left.n; i++) {
		char what[256];
		describe_fd(left.fd[i], what, sizeof what);
		fprintf(stderr, "still open after shutdown: %d (%s)\n", left.fd[i], what);
		CHECK(!is_socket(left.fd[i]));
		CHECK(fcntl(left.fd[i], F_GETFD) & FD_CLOEXEC);
	}
	CHECK(after2.n <= after1.n);

	/* (b) The host's signals are untouched. */
	CHECK(pthread_sigmask(SIG_SETMASK, NULL, &mask_after) == 0);
	for (i = 0; i < NSIG_HOST; i++) {
		struct sigaction sa;
		int sig = host_signals[i];

		CHECK(sigaction(sig, NULL, &sa) == 0);
		if (sa.sa_handler != SIG_DFL || (sa.sa_flags & SA_SIGINFO)) {
			fprintf(stderr, "signal %d (%s) has a handler now\n", sig, strsignal(sig));
			exit(1);
		}
		if (sigismember(&mask_before, sig) != sigismember(&mask_after, sig)) {
			fprintf(stderr, "signal %d (%s) blocked state changed\n", sig, strsignal(sig));
			exit(1);
		}
	}
	fprintf(stderr, "test_hygiene: ok\n");
	return 0;
}
