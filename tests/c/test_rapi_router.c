/*
 * test_rapi_router: the RAPI library across routers.
 *
 * Four network namespaces H1 - R1 - R2 - H2 joined by veth (made with
 * ip(8), names unique to this process, deleted at exit however the test
 * ends), rsvpd (path in RSVPD, set by tests/c/rapi_router.cmake) in each
 * with its API socket in a private directory and a 10 Mbit/s enforced
 * pool on the egress interfaces towards H2 (H1 to-r1, R1 to-r2, R2
 * to-h2). A sender process in H1 and a receiver process in H2 (forked,
 * setns(2) into their namespace before the first library call, each with
 * its own RSVP_API_SOCKET) use the library:
 *   - the receiver sees PATH_EVENT with the sender's Tspec and address;
 *   - an FF reservation with RAPI_REQ_CONFIRM gives RESV_EVENT at the
 *     sender and RESV_CONFIRM at the receiver;
 *   - the reservation is an HTB class (2205:N, N >= 0x10) on the egress
 *     interfaces of H1, R1 and R2 (read with tc(8); the library never
 *     runs it) and is gone after rapi_release;
 *   - a reservation bigger than the pool gives RESV_ERROR with RSVP
 *     error code 1 (admission control failure) at the receiver, and no
 *     class.
 * Root only (namespaces, raw IP, traffic control): exits 77 (skipped)
 * without root, ip(8) or tc(8). Nothing sleeps: upcalls are waited for
 * with poll() on rapi_getfd, processes with poll() on pipes, kernel
 * state is polled with a deadline.
 */
#include "nctest.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "rapi.h"

#define NNS 4
static const char *const role[NNS] = {"h1", "r1", "r2", "h2"};
enum { H1, R1, R2, H2 };

static pid_t main_pid;
static char ns[NNS][32];
static int ns_made[NNS];
static char dir[64];
static char sock[NNS][128], conf[NNS][128];
static pid_t daemons[NNS];
static pid_t kids[2];

/* ---- running ip(8) and tc(8) (only the test does; never the library) ---- */

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == 0 ? 0 : -1;
}

#define RUN(...)                                                               \
	do {                                                                   \
		if (run(__VA_ARGS__) != 0) {                                   \
			fprintf(stderr, "%s:%d: command failed\n", __FILE__, __LINE__); \
			exit(1);                                               \
		}                                                              \
	} while (0)

static void cleanup(void)
{
	int i;

	if (getpid() != main_pid)
		return; /* a forked child's exit */
	for (i = 0; i < 2; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	for (i = 0; i < NNS; i++)
		if (daemons[i] > 0) {
			kill(daemons[i], SIGKILL);
			waitpid(daemons[i], NULL, 0);
			daemons[i] = 0;
		}
	for (i = 0; i < NNS; i++)
		if (ns_made[i]) {
			run("ip netns del %s 2>/dev/null", ns[i]);
			ns_made[i] = 0;
		}
	for (i = 0; i < NNS; i++) {
		unlink(sock[i]);
		unlink(conf[i]);
	}
	if (dir[0])
		rmdir(dir);
}

static int have_tool(const char *name)
{
	return run("command -v %s >/dev/null 2>&1", name) == 0;
}

/* Reservation classes (htb 2205:N, N in 0x10..0xffef) on dev in netns n;
 * -1 when tc fails. */
static int res_classes(int n, const char *dev)
{
	char cmd[256], line[512];
	FILE *p;
	int count = 0, st;

	snprintf(cmd, sizeof cmd, "tc -n %s class show dev %s 2>/dev/null", ns[n], dev);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof line, p)) {
		unsigned long minor;
		char *end;
		if (strncmp(line, "class htb 2205:", 15) != 0)
			continue;
		minor = strtoul(line + 15, &end, 16);
		if (end != line + 15 && *end == ' ' && minor >= 0x10 && minor <= 0xffef)
			count++;
	}
	st = pclose(p);
	return st == 0 ? count : -1;
}

/* Waits (with the deadline) until dev in netns n has want classes. */
#define wait_classes(n, dev, want) wait_classes_at(__LINE__, n, dev, want)
static void wait_classes_at(int line, int n, const char *dev, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int got;

	while ((got = res_classes(n, dev)) != want) {
		if (nct_now_ms() > end) {
			fprintf(stderr, "line %d: %s %s has %d reservation classes, want %d\n", line,
			        role[n], dev, got, want);
			exit(1);
		}
		nct_wait_readable(-1, 20); /* polling kernel state, with the deadline */
	}
}

/* ---- topology and daemons ---- */

static void build_topology(void)
{
	int i;

	for (i = 0; i < NNS; i++) {
		snprintf(ns[i], sizeof ns[i], "rrt%d-%s", (int)main_pid, role[i]);
		RUN("ip netns add %s", ns[i]);
		ns_made[i] = 1;
		RUN("ip -n %s link set lo up", ns[i]);
	}
	RUN("ip link add to-r1 netns %s type veth peer name to-h1 netns %s", ns[H1], ns[R1]);
	RUN("ip link add to-r2 netns %s type veth peer name to-r1 netns %s", ns[R1], ns[R2]);
	RUN("ip link add to-h2 netns %s type veth peer name to-r2 netns %s", ns[R2], ns[H2]);
	RUN("ip -n %s addr add 10.0.1.1/24 dev to-r1", ns[H1]);
	RUN("ip -n %s addr add 10.0.1.2/24 dev to-h1", ns[R1]);
	RUN("ip -n %s addr add 10.0.2.1/24 dev to-r2", ns[R1]);
	RUN("ip -n %s addr add 10.0.2.2/24 dev to-r1", ns[R2]);
	RUN("ip -n %s addr add 10.0.3.1/24 dev to-h2", ns[R2]);
	RUN("ip -n %s addr add 10.0.3.2/24 dev to-r2", ns[H2]);
	RUN("ip -n %s link set to-r1 up", ns[H1]);
	RUN("ip -n %s link set to-h1 up && ip -n %s link set to-r2 up", ns[R1], ns[R1]);
	RUN("ip -n %s link set to-r1 up && ip -n %s link set to-h2 up", ns[R2], ns[R2]);
	RUN("ip -n %s link set to-r2 up", ns[H2]);
	RUN("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", ns[R1]);
	RUN("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", ns[R2]);
	RUN("ip -n %s route add default via 10.0.1.2", ns[H1]);
	RUN("ip -n %s route add default via 10.0.3.1", ns[H2]);
	RUN("ip -n %s route add 10.0.3.0/24 via 10.0.2.2", ns[R1]);
	RUN("ip -n %s route add 10.0.1.0/24 via 10.0.2.1", ns[R2]);
}

static int api_ready(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), ok;

	CHECK(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	CHECK(strlen(path) < sizeof sa.sun_path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static void start_daemons(void)
{
	/* The egress interface towards H2 of each hop on the data path. */
	static const char *const egress[NNS] = {"to-r1", "to-r2", "to-h2", NULL};
	const char *rsvpd = getenv("RSVPD");
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int in, i;

	if (!rsvpd || !*rsvpd) {
		fprintf(stderr, "RSVPD is not set: run through ctest\n");
		exit(1);
	}
	in = inotify_init1(IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) >= 0);
	for (i = 0; i < NNS; i++) {
		FILE *cf;
		snprintf(sock[i], sizeof sock[i], "%s/%s.sock", dir, role[i]);
		snprintf(conf[i], sizeof conf[i], "%s/%s.conf", dir, role[i]);
		CHECK((cf = fopen(conf[i], "w")) != NULL);
		fprintf(cf, "# test_rapi_router %s\n", role[i]);
		if (egress[i])
			fprintf(cf, "interface %s bandwidth 10Mbit enforce on\n", egress[i]);
		CHECK(fclose(cf) == 0);
		daemons[i] = fork();
		CHECK(daemons[i] >= 0);
		if (daemons[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execlp("ip", "ip", "netns", "exec", ns[i], rsvpd, "-api", sock[i], "-config",
			       conf[i], "-log", "warn", (char *)NULL);
			_exit(127);
		}
	}
	for (i = 0; i < NNS; i++) {
		while (!api_ready(sock[i])) {
			char buf[4096];
			int j;
			CHECK(nct_now_ms() < end);
			for (j = 0; j < NNS; j++)
				if (waitpid(daemons[j], NULL, WNOHANG) != 0) {
					fprintf(stderr, "rsvpd in %s exited\n", role[j]);
					daemons[j] = 0;
					exit(1);
				}
			if (nct_wait_readable(in, 20))
				CHECK(read(in, buf, sizeof buf) > 0);
		}
	}
	close(in);
}

/* ---- the RAPI processes ---- */

struct seen {
	int count[11];
	int last_nfilt, last_nflow, last_style, last_code, last_value;
	double tspec_r, flow_r;
	char sender[INET_ADDRSTRLEN];
	unsigned short port;
};

static struct seen seen;

static void upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style, int code,
                   int value, rapi_addr_t *node, unsigned int eflags, int nfilt,
                   rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows, int nads,
                   rapi_adspec_t *ads, void *arg)
{
	struct seen *s = arg;

	(void)sid;
	(void)node;
	(void)eflags;
	(void)ads;
	(void)nads;
	CHECK(s == &seen);
	CHECK(type >= 1 && type <= 10);
	s->count[type]++;
	s->last_nfilt = nfilt;
	s->last_nflow = nflow;
	s->last_style = (int)style;
	s->last_code = code;
	s->last_value = value;
	if (type == RAPI_PATH_EVENT && nflow > 0 && nfilt > 0) {
		rapi_tspec_t *t = (rapi_tspec_t *)(void *)flows;
		CHECK_EQ(t->form, RAPI_TSPECTYPE_Simplified);
		s->tspec_r = t->tspecbody_qosx.xtspec_r;
		CHECK_EQ(filts[0].form, RAPI_FILTERFORM_BASE);
		inet_ntop(AF_INET, &filts[0].filt_u.base.sender.sin_addr, s->sender, sizeof s->sender);
		s->port = ntohs(filts[0].filt_u.base.sender.sin_port);
	}
	if (type == RAPI_RESV_EVENT && nflow > 0 && flows[0].form == RAPI_FLOWSTYPE_Simplified)
		s->flow_r = flows[0].specbody_qosx.xspec_r;
}

/* Dispatches until *count reaches want; fails at the deadline. */
#define wait_count(sid, count, want) wait_count_at(__LINE__, sid, count, want)
static void wait_count_at(int line, rapi_sid_t sid, const int *count, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int fd = rapi_getfd(sid);

	CHECK(fd >= 0);
	while (*count < want) {
		long long left = end - nct_now_ms();
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0) {
			fprintf(stderr, "%s line %d: no upcall after %d ms (%d of %d)\n",
			        getenv("RSVP_API_SOCKET"), line, NCT_DEADLINE_MS, *count, want);
			exit(1);
		}
		CHECK(poll(&p, 1, (int)left) >= 0 || errno == EINTR);
		if (p.revents & POLLIN)
			CHECK_EQ(rapi_dispatch(), 0);
	}
}

/* Child <-> parent steps: one byte each way over pipes, with the deadline. */
static void say(int fd, char c)
{
	CHECK(write(fd, &c, 1) == 1);
}

static char hear(int fd)
{
	char c = 0;
	CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
	CHECK(read(fd, &c, 1) == 1); /* 0: the other side died */
	return c;
}

/* Waits for byte want on fd; with a sid, dispatches upcalls meanwhile. */
static void hear_dispatching(int fd, rapi_sid_t sid, char want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	struct pollfd p[2] = {{fd, POLLIN, 0}, {rapi_getfd(sid), POLLIN, 0}};

	CHECK(p[1].fd >= 0);
	for (;;) {
		long long left = end - nct_now_ms();
		CHECK(left > 0);
		CHECK(poll(p, 2, (int)left) >= 0 || errno == EINTR);
		if (p[1].revents & POLLIN)
			CHECK_EQ(rapi_dispatch(), 0);
		if (p[0].revents & (POLLIN | POLLHUP)) {
			CHECK_EQ(hear(fd), want);
			return;
		}
	}
}

static void set_in(struct sockaddr_in *sa, const char *addr, unsigned short port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	CHECK(inet_pton(AF_INET, addr, &sa->sin_addr) == 1);
}

static void make_flowspec(rapi_flowspec_t *f, float r)
{
	memset(f, 0, sizeof *f);
	f->len = sizeof *f;
	f->form = RAPI_FLOWSTYPE_Simplified;
	f->specbody_qosx.spec_type = QOS_CNTR_LOAD;
	f->specbody_qosx.xspec_r = r;
	f->specbody_qosx.xspec_b = 4000;
	f->specbody_qosx.xspec_p = r * 2;
	f->specbody_qosx.xspec_m = 64;
	f->specbody_qosx.xspec_M = 1500;
}

#define DEST "10.0.3.2"
#define DPORT 5000
#define SRC "10.0.1.1"
#define SPORT 4000
#define TSPEC_R 3.0e6f   /* bytes/s: 24 Mbit/s, above the pool */
#define SMALL_R 125000.0f /* bytes/s: 1 Mbit/s, admitted */
#define BIG_R 2.5e6f     /* bytes/s: 20 Mbit/s, above the 10 Mbit/s pool */

/* Enter netns n and point the library at its daemon; before any rapi_*. */
static void enter(int n)
{
	char path[128];
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	snprintf(path, sizeof path, "/run/netns/%s", ns[n]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(setns(fd, CLONE_NEWNET) == 0);
	close(fd);
	CHECK(setenv("RSVP_API_SOCKET", sock[n], 1) == 0);
}

/* H1: the sender. */
static void sender_main(int cmd, int rep)
{
	struct sockaddr_in dest, lhost;
	rapi_tspec_t t;
	rapi_sid_t sid;
	int err = 0;

	enter(H1);
	set_in(&dest, DEST, DPORT);
	set_in(&lhost, SRC, SPORT);
	sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &seen, &err);
	CHECK(sid != RAPI_NULL_SID);
	memset(&t, 0, sizeof t);
	t.len = sizeof t;
	t.form = RAPI_TSPECTYPE_Simplified;
	t.tspecbody_qosx.spec_type = QOS_TSPEC;
	t.tspecbody_qosx.xtspec_r = TSPEC_R;
	t.tspecbody_qosx.xtspec_b = 4000;
	t.tspecbody_qosx.xtspec_p = TSPEC_R * 2;
	t.tspecbody_qosx.xtspec_m = 64;
	t.tspecbody_qosx.xtspec_M = 1500;
	CHECK_EQ(rapi_sender(sid, 0, (rapi_addr_t *)&lhost, NULL, &t, NULL, NULL, 64), 0);

	/* The receiver's FF reservation reaches the sender. */
	wait_count(sid, &seen.count[RAPI_RESV_EVENT], 1);
	CHECK_EQ(seen.last_style, RAPI_RSTYLE_FIXED);
	CHECK_EQ(seen.last_nflow, 1);
	CHECK(seen.flow_r == SMALL_R);
	say(rep, 'R');

	/* Stay a sender until the parent says quit. */
	hear_dispatching(cmd, sid, 'q');
	CHECK_EQ(seen.count[RAPI_RESV_ERROR], 0);
	CHECK_EQ(rapi_release(sid), 0);
	exit(0);
}

/* H2: the receiver. */
static void receiver_main(int cmd, int rep)
{
	struct sockaddr_in dest;
	rapi_filter_t filt;
	rapi_flowspec_t flow;
	rapi_sid_t sid;
	int err = 0;

	enter(H2);
	set_in(&dest, DEST, DPORT);
	sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &seen, &err);
	CHECK(sid != RAPI_NULL_SID);

	/* Path across R1 and R2: the sender and its Tspec. */
	wait_count(sid, &seen.count[RAPI_PATH_EVENT], 1);
	CHECK_EQ(seen.last_nfilt, 1);
	CHECK_EQ(seen.last_nflow, 1);
	CHECK(seen.tspec_r == TSPEC_R);
	CHECK(strcmp(seen.sender, SRC) == 0);
	CHECK_EQ(seen.port, SPORT);
	say(rep, 'P');

	/* FF with confirmation. */
	memset(&filt, 0, sizeof filt);
	filt.len = sizeof filt;
	filt.form = RAPI_FILTERFORM_BASE;
	set_in(&filt.filt_u.base.sender, SRC, SPORT);
	make_flowspec(&flow, SMALL_R);
	CHECK_EQ(rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1,
	                      &flow),
	         0);
	wait_count(sid, &seen.count[RAPI_RESV_CONFIRM], 1);
	CHECK_EQ(seen.last_code, RSVP_Err_NONE);
	CHECK_EQ(seen.count[RAPI_RESV_ERROR], 0);
	say(rep, 'C');

	/* The parent has seen the classes: release. */
	hear_dispatching(cmd, sid, 'r');
	CHECK_EQ(rapi_release(sid), 0);
	say(rep, 'L');

	/* The parent has seen them go: a reservation bigger than the pool. */
	CHECK_EQ(hear(cmd), 'a');
	memset(&seen, 0, sizeof seen);
	sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &seen, &err);
	CHECK(sid != RAPI_NULL_SID);
	wait_count(sid, &seen.count[RAPI_PATH_EVENT], 1);
	CHECK_EQ(seen.last_nfilt, 1);
	make_flowspec(&flow, BIG_R);
	CHECK_EQ(rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1,
	                      &flow),
	         0);
	wait_count(sid, &seen.count[RAPI_RESV_ERROR], 1);
	CHECK_EQ(seen.last_code, RSVP_Err_ADMISSION);
	CHECK_EQ(seen.count[RAPI_RESV_CONFIRM], 0);
	say(rep, 'E');
	hear_dispatching(cmd, sid, 'q');
	CHECK_EQ(rapi_release(sid), 0);
	exit(0);
}

static pid_t spawn(void (*fn)(int, int), int *cmd_w, int *rep_r)
{
	int c[2], r[2];
	pid_t pid;

	CHECK(pipe2(c, O_CLOEXEC) == 0);
	CHECK(pipe2(r, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(c[1]);
		close(r[0]);
		fn(c[0], r[1]);
		_exit(1);
	}
	close(c[0]);
	close(r[1]);
	*cmd_w = c[1];
	*rep_r = r[0];
	return pid;
}

static void reap(int i, int rep, const char *who)
{
	char c;
	int st = 0;

	/* The child's exit closes its report pipe: wait for that EOF with
	 * the deadline, then collect the status. */
	CHECK(nct_wait_readable(rep, NCT_DEADLINE_MS));
	CHECK_EQ(read(rep, &c, 1), 0);
	CHECK(waitpid(kids[i], &st, 0) == kids[i]);
	kids[i] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s process failed (status %#x)\n", who, st);
		exit(1);
	}
}

int main(void)
{
	int s_cmd, s_rep, r_cmd, r_rep;

	setvbuf(stdout, NULL, _IONBF, 0);
	main_pid = getpid();
	if (geteuid() != 0) {
		printf("test_rapi_router: needs root (namespaces, raw IP, traffic control): skipped\n");
		return 77;
	}
	if (!have_tool("ip") || !have_tool("tc")) {
		printf("test_rapi_router: ip(8) or tc(8) missing: skipped\n");
		return 77;
	}
	atexit(cleanup);
	snprintf(dir, sizeof dir, "/tmp/rapirt.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	build_topology();
	start_daemons();

	/* Nothing reserved yet; the enforcing interfaces carry no class. */
	CHECK_EQ(res_classes(H1, "to-r1"), 0);
	CHECK_EQ(res_classes(R1, "to-r2"), 0);
	CHECK_EQ(res_classes(R2, "to-h2"), 0);

	kids[1] = spawn(receiver_main, &r_cmd, &r_rep);
	kids[0] = spawn(sender_main, &s_cmd, &s_rep);

	CHECK_EQ(hear(r_rep), 'P');
	printf("test_rapi_router: PATH_EVENT at H2 with the sender's Tspec\n");
	CHECK_EQ(hear(r_rep), 'C');
	CHECK_EQ(hear(s_rep), 'R');
	printf("test_rapi_router: FF: RESV_EVENT at H1, RESV_CONFIRM at H2\n");

	/* One HTB class on the way: H1, R1 and R2 egress towards H2. */
	wait_classes(H1, "to-r1", 1);
	wait_classes(R1, "to-r2", 1);
	wait_classes(R2, "to-h2", 1);
	printf("test_rapi_router: HTB class on H1 to-r1, R1 to-r2, R2 to-h2\n");

	say(r_cmd, 'r');
	CHECK_EQ(hear(r_rep), 'L');
	wait_classes(H1, "to-r1", 0);
	wait_classes(R1, "to-r2", 0);
	wait_classes(R2, "to-h2", 0);
	printf("test_rapi_router: classes gone after rapi_release\n");

	say(r_cmd, 'a');
	CHECK_EQ(hear(r_rep), 'E');
	CHECK_EQ(res_classes(H1, "to-r1"), 0);
	CHECK_EQ(res_classes(R1, "to-r2"), 0);
	CHECK_EQ(res_classes(R2, "to-h2"), 0);
	printf("test_rapi_router: 20 Mbit/s against a 10 Mbit/s pool: RESV_ERROR code 1\n");

	say(r_cmd, 'q');
	reap(1, r_rep, "receiver");
	say(s_cmd, 'q');
	reap(0, s_rep, "sender");
	printf("test_rapi_router: ok\n");
	return 0;
}
