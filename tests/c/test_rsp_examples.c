/*
 * test_rsp_examples: the RSerPool example programs (examples/c) and the
 * API from one program, against a real registrar (build/rspregistrar),
 * all through the real path (processes, sockets, registrar):
 *
 *   - the draft-00 echo pair: three build/echo_pe elements in pool "echo";
 *     several draft-style pool-user sessions (rsp_connect/rsp_sendmsg/
 *     rsp_recvmsg with the draft's argument counts) land on different
 *     elements (Round Robin, told apart with rsp_getpeername), and the
 *     build/echo_pu program echoes standard input;
 *   - the rsplib-style pair: build/rsp_server (-echo, -daytime, -chargen,
 *     -discard) and build/rsp_terminal;
 *   - rsplib's PingPong service (rsp_server -pingpong, what rsplib's
 *     pingpongclient expects): Pongs carry the session's reply counter,
 *     and after the serving element is killed the next one continues the
 *     count from the cookie the pool user echoes;
 *   - registrar restart: the registrar is killed and a new one started on
 *     the same port; an rsp_server element with a short re-registration
 *     interval registers again, an open session keeps working, and the
 *     pool user resolves the pool again (rsp_getaddrinfo, rsp_connect);
 *   - rsp_select on an RSerPool descriptor together with standard input
 *     (a pipe dup'd onto descriptor 0);
 *   - both API generations in one program: draft and rsplib registrations,
 *     sessions, sends and receives mixed.
 *
 * Paths come from the environment (tests/c/rserpool_examples.cmake):
 * RSPREGISTRAR, RSP_ECHO_PE, RSP_ECHO_PU, RSP_SERVER, RSP_TERMINAL.
 * Every child is forked and exec'd (a fresh process image: the library is
 * never used between fork and exec). Nothing waits by sleeping: every wait
 * is on a descriptor (pipe, inotify) with a deadline; the only timeout is
 * the discard check's "nothing comes back within 200 ms".
 */
#include "nctest.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/select.h>

#include <rserpool.h>

static char tmpdir[64];
static char portfile[128];
static char reglog[128];
static unsigned short regport;
static pid_t registrar_pid = -1;

#define MAXCHILD 16
static pid_t children[MAXCHILD];
static int nchildren;

static void stop_all(void)
{
	int i;
	for (i = 0; i < nchildren; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
		}
	if (registrar_pid > 0) {
		kill(registrar_pid, SIGKILL);
		waitpid(registrar_pid, NULL, 0);
	}
	if (portfile[0])
		unlink(portfile);
	if (reglog[0])
		unlink(reglog);
	if (tmpdir[0])
		rmdir(tmpdir);
}

static const char *need_env(const char *name)
{
	const char *p = getenv(name);
	if (!p || !*p) {
		fprintf(stderr, "%s is not set: run through ctest\n", name);
		exit(1);
	}
	return p;
}

/* Waits (inotify on tmpdir) until check() holds. */
static void wait_dir_until(int (*check)(void), pid_t must_live)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int in = inotify_init1(IN_CLOEXEC);

	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, tmpdir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) >=
	      0);
	while (!check()) {
		char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
		int left = (int)(end - nct_now_ms());
		int status;
		CHECK(left > 0);
		if (must_live > 0)
			CHECK(waitpid(must_live, &status, WNOHANG) == 0);
		if (nct_wait_readable(in, left < 1000 ? left : 1000))
			CHECK(read(in, ev, sizeof ev) > 0);
	}
	close(in);
}

static int port_written(void)
{
	char buf[32];
	FILE *f = fopen(portfile, "r");
	unsigned long p;
	if (!f)
		return 0;
	if (!fgets(buf, sizeof buf, f) || !strchr(buf, '\n')) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strtoul(buf, NULL, 10);
	if (p == 0 || p > 65535)
		return 0;
	regport = (unsigned short)p;
	return 1;
}

/* Starts the registrar on 127.0.0.1:port (0: any); its log goes to reglog. */
static void start_registrar(unsigned short port)
{
	const char *path = need_env("RSPREGISTRAR");
	char asap[64], pf[200];

	unlink(portfile);
	snprintf(asap, sizeof asap, "-asap=127.0.0.1:%u", port);
	snprintf(pf, sizeof pf, "-portfile=%s", portfile);
	registrar_pid = nct_fork(300);
	if (registrar_pid == 0) {
		int fd = open(reglog, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		execl(path, path, asap, "-asapannounce=off", "-loglevel=debug", pf, (char *)NULL);
		perror(path);
		_exit(127);
	}
	wait_dir_until(port_written, registrar_pid);
	if (port)
		CHECK_EQ(regport, port);
}

/*
 * Starts program with the arguments (NULL-terminated; the registrar
 * options are added); its standard input and output are pipes (*in, *out;
 * NULL: /dev/null and inherited). Returns its pid.
 */
static pid_t spawn(const char *program, int *in, int *out, ...)
{
	char *argv[24];
	char reg[64];
	int argc = 0, pin[2], pout[2];
	va_list ap;
	pid_t pid;

	snprintf(reg, sizeof reg, "-registrar=127.0.0.1:%u", regport);
	argv[argc++] = (char *)program;
	va_start(ap, out);
	while (argc < 20 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc++] = reg;
	argv[argc++] = (char *)"-asapannounce=off";
	argv[argc] = NULL;
	CHECK(pipe2(pin, O_CLOEXEC) == 0);
	CHECK(pipe2(pout, O_CLOEXEC) == 0);
	CHECK(nchildren < MAXCHILD);
	pid = nct_fork(300);
	if (pid == 0) {
		if (in)
			dup2(pin[0], 0);
		else {
			int z = open("/dev/null", O_RDONLY);
			dup2(z, 0);
		}
		if (out)
			dup2(pout[1], 1);
		execv(program, argv);
		perror(program);
		_exit(127);
	}
	children[nchildren++] = pid;
	close(pin[0]);
	close(pout[1]);
	if (in)
		*in = pin[1];
	else
		close(pin[1]);
	if (out)
		*out = pout[0];
	else
		close(pout[0]);
	return pid;
}

/* write(2) all of it (nct_write_all is for sockets). */
static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		CHECK(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Reads one line (at most size-1 bytes) from fd, waiting with the deadline. */
static void read_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r;
		CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
		r = read(fd, line + n, 1);
		CHECK(r == 1);
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
}

/* An element's "... PE <id> registered ..." line: the identifier. */
static uint32_t registered_id(int out)
{
	char line[256], *p;
	read_line(out, line, sizeof line);
	fprintf(stderr, "element: %s", line);
	p = strstr(line, "PE ");
	CHECK(p != NULL && strstr(line, "registered") != NULL);
	return (uint32_t)strtoul(p + 3, NULL, 10);
}

static void init_library(void)
{
	struct rsp_info info;
	char arg[64];

	rsp_initinfo(&info);
	snprintf(arg, sizeof arg, "-registrar=127.0.0.1:%u", regport);
	CHECK_EQ(rsp_initarg(&info, arg), 1);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=off"), 1);
	CHECK_EQ(rsp_initialize(&info), 0);
	rsp_freeinfo(&info);
}

/* rsp_recvmsg (rsplib) skipping notifications; returns the data length. */
static ssize_t recv_data(int sd, void *buf, size_t size, struct rsp_sndrcvinfo *ri)
{
	for (;;) {
		int fl = 0;
		ssize_t n = rsp_recvmsg(sd, buf, size, ri, &fl, NCT_DEADLINE_MS);
		CHECK(n > 0);
		if (!(fl & (MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO)))
			return n;
	}
}

/* ------------------------------------------------------------------------ */

static uint32_t echo_ids[3];

/* Part 1: the draft echo pair. */
static void draft_echo_pair(void)
{
	uint32_t seen[6];
	int distinct = 0, k, j, in, out;
	char line[256];

	/* Draft-style sessions from this program, one after the other. */
	for (k = 0; k < 6; k++) {
		struct rsp_sndrcvinfo sinfo;
		char msg[32], buf[64];
		int fd = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
		ssize_t n;
		CHECK(fd >= 0);
		CHECK_EQ(rsp_connect(fd, "echo", 4), 0);
		n = snprintf(msg, sizeof msg, "draft session %d\n", k);
		CHECK_EQ(rsp_sendmsg(fd, (const void *)msg, (size_t)n, NULL, 0), n);
		memset(&sinfo, 0, sizeof sinfo);
		CHECK_EQ(rsp_recvmsg(fd, (void *)buf, sizeof buf, &sinfo, 0), n);
		CHECK(memcmp(buf, msg, (size_t)n) == 0);
		seen[k] = 0;
		CHECK_EQ(rsp_getpeername(fd, NULL, NULL, &seen[k]), 0);
		CHECK(seen[k] == echo_ids[0] || seen[k] == echo_ids[1] || seen[k] == echo_ids[2]);
		CHECK_EQ(rsp_close(fd), 0);
	}
	for (k = 0; k < 6; k++) {
		for (j = 0; j < k; j++)
			if (seen[j] == seen[k])
				break;
		distinct += j == k;
		/* Round Robin: consecutive sessions never land on the same element. */
		if (k > 0)
			CHECK(seen[k] != seen[k - 1]);
	}
	fprintf(stderr, "round robin: 6 sessions over %d elements\n", distinct);
	CHECK_EQ(distinct, 3);

	/* The draft echo pool user program. */
	spawn(need_env("RSP_ECHO_PU"), &in, &out, (char *)NULL);
	for (k = 0; k < 3; k++) {
		char msg[64];
		int n = snprintf(msg, sizeof msg, "echo_pu line %d\n", k);
		write_all(in, msg, (size_t)n);
		read_line(out, line, sizeof line);
		CHECK(strcmp(line, msg) == 0);
	}
	close(in); /* end of input: the draft's loop ends */
	CHECK(nct_wait_readable(out, NCT_DEADLINE_MS));
	CHECK_EQ(read(out, line, sizeof line), 0);
	close(out);
	nct_wait_child_ok(children[--nchildren]);
}

/* Part 2: the rsplib-style pair. */
static void rsplib_pair(void)
{
	char line[256], buf[8192];
	struct rsp_sndrcvinfo ri;
	int in, out, o, sd, k;
	ssize_t n;
	pid_t term;

	spawn(need_env("RSP_SERVER"), NULL, &o, "-echo", "-poolhandle=rsx-echo", (char *)NULL);
	registered_id(o);
	spawn(need_env("RSP_SERVER"), NULL, &o, "-daytime", "-quiet", "-poolhandle=rsx-daytime",
	      (char *)NULL);
	registered_id(o);
	spawn(need_env("RSP_SERVER"), NULL, &o, "-chargen", "-quiet", "-chargenlines=3",
	      "-poolhandle=rsx-chargen", (char *)NULL);
	registered_id(o);
	spawn(need_env("RSP_SERVER"), NULL, &o, "-discard", "-quiet", "-poolhandle=rsx-discard",
	      (char *)NULL);
	registered_id(o);

	/* rsp_terminal against the echo service. */
	term = spawn(need_env("RSP_TERMINAL"), &in, &out, "-poolhandle=rsx-echo", (char *)NULL);
	for (k = 0; k < 3; k++) {
		char msg[64];
		int len = snprintf(msg, sizeof msg, "terminal line %d\n", k);
		write_all(in, msg, (size_t)len);
		read_line(out, line, sizeof line);
		CHECK(strcmp(line, msg) == 0);
	}
	close(in);
	CHECK(nct_wait_readable(out, NCT_DEADLINE_MS));
	CHECK_EQ(read(out, line, sizeof line), 0);
	close(out);
	nct_wait_child_ok(term);
	nchildren--;

	/* daytime: a ctime line; chargen: 3 lines of 72 pattern characters. */
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK_EQ(rsp_connect(sd, (const unsigned char *)"rsx-daytime", 11, 0), 0);
	CHECK_EQ(rsp_sendmsg(sd, "x", 1, 0, 0, 0, 0, 0, 0, -1), 1);
	n = recv_data(sd, buf, sizeof buf, &ri);
	CHECK(n >= 24 && buf[n - 1] == '\n');
	CHECK_EQ(rsp_close(sd), 0);

	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK_EQ(rsp_connect(sd, (const unsigned char *)"rsx-chargen", 11, 0), 0);
	CHECK_EQ(rsp_sendmsg(sd, "x", 1, 0, 0, 0, 0, 0, 0, -1), 1);
	n = recv_data(sd, buf, sizeof buf, &ri);
	CHECK_EQ(n, 3 * 73);
	CHECK(buf[0] == '!' && buf[72] == '\n' && buf[73] == '"');
	CHECK_EQ(rsp_close(sd), 0);

	/* discard: nothing comes back. */
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK_EQ(rsp_connect(sd, (const unsigned char *)"rsx-discard", 11, 0), 0);
	CHECK_EQ(rsp_sendmsg(sd, "gone", 4, 0, 0, 0, 0, 0, 0, -1), 4);
	{
		int fl = 0;
		ssize_t r;
		do
			r = rsp_recvmsg(sd, buf, sizeof buf, &ri, &fl, 200);
		while (r > 0 && (fl & MSG_RSERPOOL_NOTIFICATION));
		CHECK(r == -1 && errno == EAGAIN);
	}
	CHECK_EQ(rsp_close(sd), 0);
}

/* A Ping of rsplib's PingPong protocol: type 1, flags, length, message
 * number, data. */
static size_t make_ping(unsigned char *p, uint64_t no, const char *data)
{
	size_t n = 12 + strlen(data);
	int i;
	p[0] = 1;
	p[1] = 0;
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	for (i = 0; i < 8; i++)
		p[4 + i] = (unsigned char)(no >> (56 - 8 * i));
	memcpy(p + 12, data, strlen(data));
	return n;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Sends Ping no and checks the Pong: same number and data, reply counter
 * want. */
static void ping_pong(int sd, uint64_t no, uint64_t want)
{
	unsigned char ping[64], pong[256];
	struct rsp_sndrcvinfo ri;
	size_t n = make_ping(ping, no, "ping data");
	ssize_t r;

	CHECK_EQ(rsp_sendmsg(sd, ping, n, 0, 0, htonl(33), 0, 0, 0, -1), (ssize_t)n);
	r = recv_data(sd, pong, sizeof pong, &ri);
	CHECK_EQ(r, (ssize_t)(n + 8));
	CHECK_EQ(ntohl(ri.rinfo_ppid), 33u);
	CHECK(pong[0] == 2 && (size_t)(pong[2] << 8 | pong[3]) == n + 8);
	CHECK_EQ(be64(pong + 4), no);
	CHECK_EQ(be64(pong + 12), want);
	CHECK(memcmp(pong + 20, "ping data", 9) == 0);
}

static void pingpong_failover(void)
{
	uint32_t ids[2], serving;
	pid_t pids[2];
	int o, k, sd;

	for (k = 0; k < 2; k++) {
		pids[k] = spawn(need_env("RSP_SERVER"), NULL, &o, "-pingpong", "-quiet",
		                "-poolhandle=rsx-pingpong", (char *)NULL);
		ids[k] = registered_id(o);
	}
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK_EQ(rsp_connect(sd, (const unsigned char *)"rsx-pingpong", 12, 0), 0);
	for (k = 1; k <= 3; k++)
		ping_pong(sd, (uint64_t)k, (uint64_t)k);
	CHECK_EQ(rsp_has_cookie(sd), 1);
	CHECK_EQ(rsp_getpeername(sd, NULL, NULL, &serving), 0);
	CHECK(serving == ids[0] || serving == ids[1]);
	k = serving == ids[0] ? 0 : 1;
	kill(pids[k], SIGKILL);
	waitpid(pids[k], NULL, 0);
	for (o = 0; o < nchildren; o++)
		if (children[o] == pids[k])
			children[o] = 0; /* reaped: stop_all must not signal it */
	/* The next Ping goes to the other element, after the cookie echo:
	 * the count goes on. A Ping written before the library noticed the
	 * dead association is lost with it (as in rsplib, whose
	 * pingpongclient just pings again): send again until a Pong comes. */
	for (int tries = 0;; tries++) {
		unsigned char ping[64], pong[256];
		struct rsp_sndrcvinfo ri;
		size_t n = make_ping(ping, 4, "ping data");
		int fl = 0;
		ssize_t r;
		CHECK(tries < 20);
		CHECK_EQ(rsp_sendmsg(sd, ping, n, 0, 0, htonl(33), 0, 0, 0, -1), (ssize_t)n);
		do
			r = rsp_recvmsg(sd, pong, sizeof pong, &ri, &fl, 3000);
		while (r > 0 && (fl & (MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO)));
		if (r < 0 && errno == EAGAIN)
			continue;
		CHECK_EQ(r, (ssize_t)(n + 8));
		CHECK(pong[0] == 2 && be64(pong + 4) == 4);
		/* The first Pong after failover continues from the cookie the
		 * pool user holds: the one sent after the third Pong (4), or
		 * the one before it (3) when the kill overtook the last. */
		CHECK(be64(pong + 12) == 4 || be64(pong + 12) == 3);
		break;
	}
	CHECK_EQ(rsp_getpeername(sd, NULL, NULL, &serving), 0);
	CHECK_EQ(serving, ids[1 - k]);
	CHECK_EQ(rsp_close(sd), 0);
}

static int restart_registered(void)
{
	return nct_file_has_line(reglog, 0, "rsx-restart", "registered", (char *)NULL);
}

/* Part 3: registrar restart. */
static void registrar_restart(void)
{
	struct rsp_addrinfo *ai = NULL;
	unsigned short port = regport;
	char buf[64];
	uint32_t id;
	int o, sd, sd2, r;

	spawn(need_env("RSP_SERVER"), NULL, &o, "-echo", "-quiet", "-poolhandle=rsx-restart",
	      "-reregistration=250", (char *)NULL);
	id = registered_id(o);

	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK_EQ(rsp_connect(sd, (const unsigned char *)"rsx-restart", 11, 0), 0);
	CHECK_EQ(rsp_sendmsg(sd, "before", 6, 0, 0, 0, 0, 0, 0, -1), 6);
	CHECK_EQ(recv_data(sd, buf, sizeof buf, NULL), 6);

	/* The registrar dies; a new one comes up on the same port. */
	CHECK_EQ(kill(registrar_pid, SIGKILL), 0);
	CHECK(waitpid(registrar_pid, NULL, 0) == registrar_pid);
	registrar_pid = -1;
	CHECK(truncate(reglog, 0) == 0);
	start_registrar(port);

	/* The element registers again (within its 250 ms interval). */
	wait_dir_until(restart_registered, registrar_pid);

	/* The open session never needed the registrar. */
	CHECK_EQ(rsp_sendmsg(sd, "during", 6, 0, 0, 0, 0, 0, 0, -1), 6);
	CHECK_EQ(recv_data(sd, buf, sizeof buf, NULL), 6);
	CHECK(memcmp(buf, "during", 6) == 0);

	/* The pool user resolves through the new registrar. */
	r = rsp_getaddrinfo((const unsigned char *)"rsx-restart", 11, &ai, 1, 0);
	CHECK_EQ(r, 1);
	CHECK_EQ(ai->ai_pe_id, id);
	rsp_freeaddrinfo(ai);
	sd2 = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd2 >= 0);
	CHECK_EQ(rsp_connect(sd2, (const unsigned char *)"rsx-restart", 11, 0), 0);
	CHECK_EQ(rsp_sendmsg(sd2, "after", 5, 0, 0, 0, 0, 0, 0, -1), 5);
	CHECK_EQ(recv_data(sd2, buf, sizeof buf, NULL), 5);
	CHECK(memcmp(buf, "after", 5) == 0);
	/* (The echo_pe elements are not checked here: the draft's
	   rsp_register re-registers every 30 s, a fixed interval.) */
	CHECK_EQ(rsp_close(sd2), 0);
	CHECK_EQ(rsp_close(sd), 0);
}

/* Part 4: rsp_select on an RSerPool descriptor and standard input. */
static void select_with_stdin(void)
{
	int p[2], sd, n;
	fd_set r;
	struct timeval tv;
	char buf[64];

	CHECK(pipe(p) == 0);
	CHECK(dup2(p[0], 0) == 0);
	close(p[0]);
	sd = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	CHECK(sd > 0);
	CHECK_EQ(rsp_connect(sd, "echo", 4), 0);

	/* Nothing yet: a zero timeout finds nothing. */
	FD_ZERO(&r);
	FD_SET(0, &r);
	FD_SET(sd, &r);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK_EQ(rsp_select(sd + 1, &r, NULL, NULL, &tv), 0);

	/* The echo arrives: only the RSerPool descriptor. */
	CHECK_EQ(rsp_sendmsg(sd, "sel", 3, NULL, 0), 3);
	FD_ZERO(&r);
	FD_SET(0, &r);
	FD_SET(sd, &r);
	CHECK_EQ(rsp_select(sd + 1, &r, NULL, NULL, NULL), 1);
	CHECK(FD_ISSET(sd, &r) && !FD_ISSET(0, &r));
	CHECK_EQ(rsp_recvmsg(sd, buf, sizeof buf, NULL, 0), 3);

	/* A line on standard input: only descriptor 0. */
	write_all(p[1], "typed\n", 6);
	FD_ZERO(&r);
	FD_SET(0, &r);
	FD_SET(sd, &r);
	CHECK_EQ(rsp_select(sd + 1, &r, NULL, NULL, NULL), 1);
	CHECK(FD_ISSET(0, &r) && !FD_ISSET(sd, &r));
	n = (int)rsp_read(0, buf, sizeof buf);
	CHECK_EQ(n, 6);

	/* Both: the echo of what was typed, and more typing. */
	CHECK_EQ(rsp_sendmsg(sd, buf, (size_t)n, NULL, 0), n);
	write_all(p[1], "more\n", 5);
	{
		long long end = nct_now_ms() + NCT_DEADLINE_MS;
		int both = 0;
		while (!both) {
			CHECK(nct_now_ms() < end);
			FD_ZERO(&r);
			FD_SET(0, &r);
			FD_SET(sd, &r);
			n = rsp_select(sd + 1, &r, NULL, NULL, NULL);
			CHECK(n >= 1);
			CHECK(FD_ISSET(0, &r)); /* stdin stays readable until read */
			both = FD_ISSET(sd, &r);
		}
		CHECK_EQ(n, 2);
	}
	CHECK_EQ(rsp_recvmsg(sd, buf, sizeof buf, NULL, 0), 6);
	CHECK(memcmp(buf, "typed\n", 6) == 0);
	CHECK_EQ(rsp_read(0, buf, sizeof buf), 5);
	close(p[1]);
	CHECK_EQ(rsp_close(sd), 0);
}

/* Part 5: both API generations in one program. */
static void both_generations(void)
{
	struct rsp_loadinfo linfo;
	struct rsp_sndrcvinfo sinfo, ri;
	struct sockaddr_in sin;
	char buf[128];
	int pe_a, pe_b, pu_a, pu_b;
	ssize_t n;

	/* Element A: the draft's calls (bind with a byte length, 4-arg register). */
	pe_a = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	CHECK(pe_a >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(rsp_bind(pe_a, (const struct sockaddr *)&sin, sizeof(sin)), 0);
	memset(&linfo, 0, sizeof linfo);
	linfo.policy = RSP_ROUND_ROBIN;
	CHECK_EQ(rsp_register(pe_a, "gen-a", 5, &linfo), 0);

	/* Element B: rsplib's calls (address count, 6-arg register). */
	pe_b = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(pe_b >= 0);
	CHECK_EQ(rsp_bind(pe_b, (const struct sockaddr *)&sin, 1), 0);
	memset(&linfo, 0, sizeof linfo);
	linfo.rli_policy = PPT_ROUNDROBIN;
	CHECK_EQ(rsp_register(pe_b, (const unsigned char *)"gen-b", 5, &linfo, 30000, 0), 0);

	/* rsplib user -> draft element. */
	pu_a = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(pu_a >= 0);
	CHECK_EQ(rsp_connect(pu_a, (const unsigned char *)"gen-a", 5, 0), 0);
	CHECK_EQ(rsp_sendmsg(pu_a, "to-a", 4, 0, 0, htonl(7), 0, 0, 0, -1), 4);
	memset(&sinfo, 0, sizeof sinfo);
	CHECK_EQ(rsp_recvmsg(pe_a, buf, sizeof buf, &sinfo, 0), 4); /* notifications skipped */
	CHECK(memcmp(buf, "to-a", 4) == 0);
	CHECK_EQ(sinfo.rinfo_ppid, htonl(7));
	CHECK_EQ(rsp_sendmsg(pe_a, "from-a", 6, &sinfo, 0), 6);
	CHECK_EQ(recv_data(pu_a, buf, sizeof buf, &ri), 6);
	CHECK(memcmp(buf, "from-a", 6) == 0);
	CHECK_EQ(ri.rinfo_ppid, htonl(7));

	/* draft user -> rsplib element. */
	pu_b = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	CHECK(pu_b >= 0);
	CHECK_EQ(rsp_connect(pu_b, "gen-b", 5), 0);
	CHECK_EQ(rsp_sendmsg(pu_b, "to-b", 4, NULL, 0), 4);
	n = recv_data(pe_b, buf, sizeof buf, &ri);
	CHECK_EQ(n, 4);
	CHECK(memcmp(buf, "to-b", 4) == 0);
	CHECK_EQ(rsp_sendmsg(pe_b, "from-b", 6, 0, ri.rinfo_session, ri.rinfo_ppid,
	                     ri.rinfo_stream, 0, 0, -1), 6);
	CHECK_EQ(rsp_recvmsg(pu_b, buf, sizeof buf, NULL, 0), 6);
	CHECK(memcmp(buf, "from-b", 6) == 0);

	/* Deregistration in both shapes. */
	CHECK_EQ(rsp_deregister(pe_a), 0);
	CHECK_EQ(rsp_deregister(pe_b, 0), 0);
	CHECK_EQ(rsp_close(pu_a), 0);
	CHECK_EQ(rsp_close(pu_b), 0);
	CHECK_EQ(rsp_close(pe_a), 0);
	CHECK_EQ(rsp_close(pe_b), 0);
}

int main(void)
{
	int k, o;

	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rsp_ex.XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
	snprintf(reglog, sizeof reglog, "%s/registrar.log", tmpdir);
	atexit(stop_all);
	start_registrar(0);

	/* Three draft echo elements (exec'd: no library use before the fork). */
	for (k = 0; k < 3; k++) {
		spawn(need_env("RSP_ECHO_PE"), NULL, &o, "-port=0", (char *)NULL);
		echo_ids[k] = registered_id(o);
	}
	CHECK(echo_ids[0] != echo_ids[1] && echo_ids[1] != echo_ids[2] &&
	      echo_ids[0] != echo_ids[2]);

	init_library();
	fprintf(stderr, "== draft echo pair\n");
	draft_echo_pair();
	fprintf(stderr, "== rsplib-style pair\n");
	rsplib_pair();
	fprintf(stderr, "== PingPong with failover\n");
	pingpong_failover();
	fprintf(stderr, "== rsp_select with standard input\n");
	select_with_stdin();
	fprintf(stderr, "== both API generations\n");
	both_generations();
	fprintf(stderr, "== registrar restart\n");
	registrar_restart();
	rsp_cleanup();
	fprintf(stderr, "ok\n");
	return 0;
}
