/*
 * test_rsp_enhanced: rsplib's enhanced mode (RSerPool sockets, sessions,
 * failover) against a real registrar (build/rspregistrar, started here):
 *
 *   - two one-to-many echo pool elements (rsp_socket + rsp_bind +
 *     rsp_register, serving every session through rsp_recvmsg; each
 *     sends a cookie when a session is added and answers a cookie echo
 *     with "ECHOED:<cookie>") and one one-to-one element (rsp_listen +
 *     rsp_accept + rsp_deregister), all child processes forked before the
 *     parent's first library call;
 *   - a pool user: rsp_connect, echoes with PPID (network byte order) and
 *     stream, select() on its descriptor together with a pipe, a message
 *     read in two pieces (MSG_EOR, rsp_select seeing the rest),
 *     rsp_has_cookie, rsp_getpeername; then its element is SIGKILLed: the
 *     FAILOVER notifications come through rsp_recvmsg
 *     (MSG_RSERPOOL_NOTIFICATION), the cookie is echoed to the other
 *     element (which saw MSG_RSERPOOL_COOKIE_ECHO) and a message sent after
 *     the notification is answered; rsp_forcefailover;
 *   - the draft-00 shapes (SOCK_DGRAM, rsp_*_draft00), a one-to-one
 *     session ended by its pool user (RSERPOOL_SHUTDOWN_EVENT, then 0),
 *     a pool nobody serves (EIO), descriptor hygiene (one low, blocking,
 *     close-on-exec descriptor per socket);
 *   - bad arguments, closed and foreign descriptors, a descriptor closed
 *     behind the library's back (SIGPIPE left at its default), timeouts:
 *     errors, never crashes.
 *
 * Nothing waits by sleeping: every wait is on a descriptor with a deadline.
 */
#include "nctest.h"
#include "rsptest.h"

#include <fcntl.h>

#include <limits.h>
#include <sys/inotify.h>
#include <sys/select.h>

#include <dirent.h>

#include <rserpool.h>
#include <rserpool-internals.h>

#define POOL     "enh-echo"
#define POOL_ACC "enh-accept"

static unsigned short regport;

static void init_library(void)
{
	struct rsp_info info;
	char arg[64];

	rsp_initinfo(&info);
	snprintf(arg, sizeof arg, "-registrar=127.0.0.1:%u", regport);
	CHECK_EQ(rsp_initarg(&info, arg), 1);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=off"), 1);
	CHECK_EQ(rsp_initialize(&info), 0);
}

/* A socket bound to 127.0.0.1 (system-chosen port). */
static int loopback_socket(int type)
{
	struct sockaddr_in sin;
	int sd = rsp_socket(AF_INET, type, IPPROTO_SCTP);

	CHECK(sd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(rsp_bind(sd, (struct sockaddr *)&sin, 1), 0);
	return sd;
}

/* Children: a CHECK failure exits; _exit keeps the parent's atexit away. */
#define CHILD_CHECK(cond)                                                       \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: child CHECK(%s) failed (errno %d: %s)\n", \
			        __FILE__, __LINE__, #cond, errno, strerror(errno)); \
			_exit(1);                                               \
		}                                                               \
	} while (0)

/* A one-to-many echo element; reports its PE identifier on report. */
static void echo_element(int report)
{
	unsigned char buf[70000];
	struct rsp_sndrcvinfo ri;
	struct sockaddr_in sin;
	uint32_t id = 0;
	int sd, fl;

	init_library();
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHILD_CHECK(sd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHILD_CHECK(rsp_bind(sd, (struct sockaddr *)&sin, 1) == 0);
	CHILD_CHECK(rsp_register(sd, (const unsigned char *)POOL, strlen(POOL), NULL, 30000, 0) == 0);
	CHILD_CHECK(rsp_getsockname(sd, NULL, NULL, &id) == 0 && id != 0);
	CHILD_CHECK(write(report, &id, sizeof id) == (ssize_t)sizeof id);
	for (;;) {
		ssize_t n = rsp_recvmsg(sd, buf, sizeof buf, &ri, &fl, -1);
		CHILD_CHECK(n >= 0);
		CHILD_CHECK(fl & MSG_EOR);
		if (fl & MSG_RSERPOOL_NOTIFICATION) {
			const union rserpool_notification *no = (const void *)buf;
			if (no->rn_header.rn_type == RSERPOOL_SESSION_CHANGE &&
			    no->rn_session_change.rsc_state == RSERPOOL_SESSION_ADD) {
				char cookie[32];
				int len = snprintf(cookie, sizeof cookie, "cookie-%u", id);
				CHILD_CHECK(rsp_send_cookie(sd, (unsigned char *)cookie, (size_t)len,
				                            no->rn_session_change.rsc_session, -1) == len);
			}
		} else if (fl & MSG_RSERPOOL_COOKIE_ECHO) {
			char msg[128];
			int len = snprintf(msg, sizeof msg, "ECHOED:%.*s", (int)n, (char *)buf);
			CHILD_CHECK(rsp_sendmsg(sd, msg, (size_t)len, 0, ri.rinfo_session, htonl(99), 0, 0,
			                        0, -1) == len);
		} else if (rsp_sendmsg(sd, buf, (size_t)n, 0, ri.rinfo_session, ri.rinfo_ppid,
		                       ri.rinfo_stream, 0, 0, -1) != n) {
			/* only the "lost" message's pool user may be gone already */
			CHILD_CHECK(n == 4 && memcmp(buf, "lost", 4) == 0);
		}
	}
}

/* A one-to-one element: accepts one session, echoes until it ends. */
static void accept_element(int report)
{
	unsigned char buf[1024];
	struct rsp_sndrcvinfo ri;
	uint32_t id = 0;
	int sd, nsd, fl, shut = 0;
	fd_set rd;
	struct timeval tv = {60, 0};

	init_library();
	sd = loopback_socket(SOCK_STREAM);
	CHILD_CHECK(rsp_listen(sd, 5) == 0);
	CHILD_CHECK(rsp_register(sd, (const unsigned char *)POOL_ACC, strlen(POOL_ACC), NULL, 30000,
	                         0) == 0);
	CHILD_CHECK(rsp_getsockname(sd, NULL, NULL, &id) == 0 && id != 0);
	CHILD_CHECK(write(report, &id, sizeof id) == (ssize_t)sizeof id);
	FD_ZERO(&rd);
	FD_SET(sd, &rd);
	CHILD_CHECK(rsp_select(sd + 1, &rd, NULL, NULL, &tv) == 1); /* a session waits */
	nsd = rsp_accept_tags(sd, 60000, NULL);
	CHILD_CHECK(nsd >= 0 && nsd != sd);
	for (;;) {
		ssize_t n = rsp_recvmsg(nsd, buf, sizeof buf, &ri, &fl, 60000);
		CHILD_CHECK(n >= 0);
		if (n == 0)
			break;
		if (fl & MSG_RSERPOOL_NOTIFICATION) {
			const union rserpool_notification *no = (const void *)buf;
			if (no->rn_header.rn_type == RSERPOOL_SHUTDOWN_EVENT)
				shut = 1;
			continue;
		}
		CHILD_CHECK(rsp_sendmsg(nsd, buf, (size_t)n, 0, 0, ri.rinfo_ppid, ri.rinfo_stream, 0, 0,
		                        -1) == n);
	}
	CHILD_CHECK(shut); /* RSERPOOL_SHUTDOWN_EVENT came before the end */
	CHILD_CHECK(rsp_recvmsg(nsd, buf, sizeof buf, &ri, &fl, 0) == 0); /* and stays ended */
	CHILD_CHECK(rsp_close(nsd) == 0);
	CHILD_CHECK(rsp_deregister(sd, 0) == 0);
	CHILD_CHECK(rsp_deregister(sd, 0) == -1 && errno == EBADF);
	CHILD_CHECK(rsp_close(sd) == 0);
	rsp_cleanup();
	_exit(0);
}

/* The number of open descriptors below 1024. */
static int low_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) < 1024 && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

static pid_t spawn(void (*fn)(int), uint32_t *id)
{
	int sv[2];
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = nct_fork(300);
	if (pid == 0) {
		close(sv[0]);
		fn(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	CHECK(nct_wait_readable(sv[0], NCT_DEADLINE_MS));
	CHECK_EQ(nct_read_exact(sv[0], id, sizeof *id), 0);
	close(sv[0]);
	return pid;
}

/* Receives the next message within the deadline. */
static ssize_t recv_next(int sd, void *buf, size_t size, struct rsp_sndrcvinfo *ri, int *fl)
{
	ssize_t n = rsp_recvmsg(sd, buf, size, ri, fl, NCT_DEADLINE_MS);
	CHECK(n >= 0);
	return n;
}

/* Sends msg and waits for its echo (skipping notifications); checks it. */
static uint32_t echo(int sd, const char *msg, uint32_t ppid, uint16_t stream)
{
	char buf[2048];
	struct rsp_sndrcvinfo ri;
	int fl;
	ssize_t n;

	CHECK_EQ(rsp_sendmsg(sd, msg, strlen(msg), 0, 0, htonl(ppid), stream, 0, 0, -1),
	         (ssize_t)strlen(msg));
	for (;;) {
		n = recv_next(sd, buf, sizeof buf, &ri, &fl);
		if (fl & MSG_RSERPOOL_NOTIFICATION)
			continue;
		if (ri.rinfo_ppid == htonl(99))
			continue; /* a late answer to a cookie echo */
		break;
	}
	CHECK(fl & MSG_EOR);
	CHECK_EQ(n, (ssize_t)strlen(msg));
	CHECK(memcmp(buf, msg, (size_t)n) == 0);
	CHECK_EQ(ri.rinfo_ppid, htonl(ppid));
	CHECK_EQ(ri.rinfo_stream, stream);
	CHECK(ri.rinfo_pe_id != 0);
	return ri.rinfo_pe_id;
}

static void test_bad_input(int pu)
{
	char buf[64];
	int fl, p[2], closed;
	size_t hs;
	unsigned char h[64];
	struct rserpool_session_parameters sp;
	socklen_t ol;
	int type;
	long long t0;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	errno = 0;
	CHECK_EQ(rsp_recvmsg(pu, buf, sizeof buf, NULL, NULL, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_recvmsg(pu, NULL, 5, NULL, &fl, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_sendmsg(pu, NULL, 5, 0, 0, 0, 0, 0, 0, -1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_sendmsg(pu, buf, 70000, 0, 0, 0, 0, 0, 0, -1), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(rsp_recvmsg(p[0], buf, sizeof buf, NULL, &fl, 0), -1); /* not an RSerPool socket */
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_sendmsg(p[1], "x", 1, 0, 0, 0, 0, 0, 0, -1), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_socket(AF_INET, SOCK_SEQPACKET, 0), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(rsp_socket(AF_INET, SOCK_RAW, IPPROTO_SCTP), -1);
	CHECK_EQ(rsp_socket(12345, SOCK_STREAM, IPPROTO_SCTP), -1);
	CHECK_EQ(rsp_connect(pu, NULL, 4, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_connect(pu, (const unsigned char *)POOL, strlen(POOL), 0), -1); /* has one */
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_register(pu, (const unsigned char *)"0123456789012345678901234567890123", 33,
	                      NULL, 1000, 0), -1);
	CHECK_EQ(errno, ENAMETOOLONG);
	CHECK_EQ(rsp_getsockname(pu, NULL, NULL, NULL), -1); /* a PU has no name */
	CHECK_EQ(errno, EBADF);
	hs = 2;
	CHECK_EQ(rsp_getpeername(pu, h, &hs, NULL), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK_EQ(hs, strlen(POOL));
	CHECK_EQ(rsp_send_cookie(pu, NULL, 0, 0, -1), -1);
	CHECK_EQ(rsp_forcefailover(p[0], 0, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_has_cookie(p[0]), 0);
	CHECK_EQ(rsp_deregister(pu, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_bind(pu, NULL, 3), -1);

	/* timeouts: 0 polls, a positive one waits about that long */
	CHECK_EQ(rsp_recvmsg(pu, buf, sizeof buf, NULL, &fl, 0), -1);
	CHECK_EQ(errno, EAGAIN);
	t0 = nct_now_ms();
	CHECK_EQ(rsp_recvmsg(pu, buf, sizeof buf, NULL, &fl, 100), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(nct_now_ms() - t0 >= 90);

	/* a closed RSerPool socket */
	closed = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(closed >= 0);
	CHECK_EQ(rsp_close(closed), 0);
	CHECK_EQ(rsp_recvmsg(closed, buf, sizeof buf, NULL, &fl, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_sendmsg(closed, "x", 1, 0, 0, 0, 0, 0, 0, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_close(closed), -1);
	CHECK_EQ(errno, EBADF);

	/* helpers */
	CHECK_EQ(rsp_mapsocket(p[0], -1), p[0]);
	CHECK_EQ(rsp_mapsocket(p[0], p[0] + 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_unmapsocket(p[0]), 0);
	CHECK_EQ(rsp_mapsocket(closed, -1), -1);
	CHECK_EQ(errno, EBADF);
	memset(&sp, 0, sizeof sp);
	sp.sp_hbinterval = 1234;
	CHECK_EQ(rsp_update_session_parameters(pu, &sp), 0);
	CHECK_EQ(sp.sp_hbinterval, 1234);
	CHECK_EQ(sp.sp_rto_initial, 2000);
	CHECK_EQ(rsp_update_session_parameters(pu, NULL), -1);
	CHECK_EQ(rsp_update_session_parameters(p[0], &sp), -1);
	ol = sizeof type;
	CHECK_EQ(rsp_getsockopt(pu, SOL_SOCKET, SO_TYPE, &type, &ol), 0);
	CHECK_EQ(type, SOCK_SEQPACKET);
	CHECK_EQ(rsp_csp_setstatus(pu, 0, "fine"), 0);
	CHECK_EQ(rsp_csp_setstatus(p[0], 0, "fine"), -1);
	rsp_print_notification(NULL, stderr);

	/* rsp_read/rsp_write on plain descriptors are read/write */
	CHECK_EQ(rsp_write(p[1], "ab", 2), 2);
	CHECK_EQ(rsp_read(p[0], buf, sizeof buf), 2);
	CHECK_EQ(rsp_close(p[0]), 0);
	CHECK_EQ(rsp_close(p[1]), 0);
}

int main(void)
{
	char buf[2048], text[256];
	struct rsp_sndrcvinfo ri;
	uint32_t idA, idB, idC, peer, first, now;
	pid_t pidA, pidB, pidC, victim;
	int pu, pu2, fl, p[2], saw_nec = 0, saw_comp = 0, saw_echoed = 0, saw_post = 0;
	fd_set rd;
	struct timeval tv;
	long long end;
	ssize_t n;
	size_t hs;
	unsigned char h[64];
	FILE *mem;
	char *memtext = NULL;
	size_t memlen = 0;

	/* SIGPIPE stays at its default: the library must never raise it */
	/* before rsp_initialize: EACCES, no core loaded */
	CHECK_EQ(rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP), -1);
	CHECK_EQ(errno, EACCES);

	regport = rsptest_start_registrar(NULL);
	pidA = spawn(echo_element, &idA);
	pidB = spawn(echo_element, &idB);
	pidC = spawn(accept_element, &idC);
	CHECK(idA != idB);
	init_library();

	/* ----- descriptor hygiene: one new low descriptor per socket ----- */
	for (int tries = 0;; tries++) {
		int before = low_fds(), sd = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
		int after = low_fds(), ok;
		CHECK(sd >= 0 && sd < 1024);
		CHECK(fcntl(sd, F_GETFD) & FD_CLOEXEC);
		CHECK_EQ(fcntl(sd, F_GETFL) & O_NONBLOCK, 0);
		ok = after == before + 1;
		CHECK_EQ(rsp_close(sd), 0);
		if (ok)
			break;
		CHECK(tries < 5); /* the core opened something else meanwhile: again */
	}

	/* ----- a pool user ----- */
	pu = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(pu >= 0);
	CHECK(fcntl(pu, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(rsp_getpeername(pu, NULL, NULL, &peer), -1); /* no session yet */
	CHECK_EQ(rsp_connect(pu, (const unsigned char *)POOL, strlen(POOL), 0), 0);

	/* select() on the descriptor together with a pipe */
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(rsp_sendmsg(pu, "hello", 5, 0, 0, htonl(1234), 3, 0, 0, -1), 5);
	end = nct_now_ms() + NCT_DEADLINE_MS;
	for (int got_pipe = 0, got_pu = 0; !(got_pipe && got_pu);) {
		FD_ZERO(&rd);
		FD_SET(pu, &rd);
		FD_SET(p[0], &rd);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		CHECK(select((pu > p[0] ? pu : p[0]) + 1, &rd, NULL, NULL, &tv) >= 0);
		if (FD_ISSET(p[0], &rd)) {
			CHECK_EQ(read(p[0], buf, 1), 1);
			got_pipe = 1;
		}
		if (FD_ISSET(pu, &rd))
			got_pu = 1;
		CHECK(nct_now_ms() < end);
	}
	n = recv_next(pu, buf, sizeof buf, &ri, &fl);
	CHECK_EQ(n, 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(fl, MSG_EOR);
	CHECK_EQ(ri.rinfo_ppid, htonl(1234));
	CHECK_EQ(ri.rinfo_stream, 3);
	first = ri.rinfo_pe_id;
	CHECK(first == idA || first == idB);

	/* rsp_write / rsp_read on the RSerPool socket */
	CHECK_EQ(rsp_write(pu, "plain", 5), 5);
	CHECK_EQ(rsp_read(pu, buf, sizeof buf), 5);
	CHECK(memcmp(buf, "plain", 5) == 0);

	/* a message read in two pieces; rsp_select/rsp_poll see the rest */
	memset(text, 'z', sizeof text);
	CHECK_EQ(rsp_sendmsg(pu, text, sizeof text, 0, 0, htonl(5), 1, 0, 0, -1), (ssize_t)sizeof text);
	n = recv_next(pu, buf, 100, &ri, &fl);
	CHECK_EQ(n, 100);
	CHECK_EQ(fl & MSG_EOR, 0);
	FD_ZERO(&rd);
	FD_SET(pu, &rd);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK_EQ(rsp_select(pu + 1, &rd, NULL, NULL, &tv), 1);
	CHECK(FD_ISSET(pu, &rd));
	{
		struct pollfd pf = {.fd = pu, .events = POLLIN};
		CHECK_EQ(rsp_poll(&pf, 1, 0), 1);
		CHECK(pf.revents & POLLIN);
	}
	n = rsp_recvfullmsg(pu, buf, sizeof buf, &ri, &fl, NCT_DEADLINE_MS);
	CHECK_EQ(n, (ssize_t)sizeof text - 100);
	CHECK(fl & MSG_EOR);
	CHECK_EQ(ri.rinfo_ppid, htonl(5));

	/* the element's cookie arrives (round trips until it has) */
	end = nct_now_ms() + NCT_DEADLINE_MS;
	while (!rsp_has_cookie(pu)) {
		CHECK_EQ(echo(pu, "ping", 7, 0), first);
		CHECK(nct_now_ms() < end);
	}
	hs = sizeof h;
	CHECK_EQ(rsp_getpeername(pu, h, &hs, &peer), 0);
	CHECK_EQ(hs, strlen(POOL));
	CHECK(memcmp(h, POOL, hs) == 0);
	CHECK_EQ(peer, first);

	test_bad_input(pu);

	/* ----- kill the element mid-session ----- */
	victim = first == idA ? pidA : pidB;
	CHECK_EQ(kill(victim, SIGKILL), 0);
	(void)nct_wait_child_within(victim, NCT_DEADLINE_MS);
	if (victim == pidA)
		pidA = -1;
	else
		pidB = -1;
	mem = open_memstream(&memtext, &memlen);
	CHECK(mem != NULL);
	end = nct_now_ms() + NCT_DEADLINE_MS;
	while (!(saw_nec && saw_comp && saw_echoed && saw_post)) {
		CHECK(nct_now_ms() < end);
		n = recv_next(pu, buf, sizeof buf, &ri, &fl);
		CHECK(fl & MSG_EOR);
		if (fl & MSG_RSERPOOL_NOTIFICATION) {
			const union rserpool_notification *no = (const void *)buf;
			CHECK_EQ(no->rn_header.rn_type, RSERPOOL_FAILOVER);
			CHECK_EQ(n, (ssize_t)sizeof(struct rserpool_failover));
			CHECK_EQ(no->rn_header.rn_length, sizeof(struct rserpool_failover));
			rsp_print_notification(no, mem);
			if (no->rn_failover.rf_state == RSERPOOL_FAILOVER_NECESSARY) {
				CHECK(!saw_nec);
				saw_nec = 1;
				/* sent after the notification: must reach the new element */
				CHECK_EQ(rsp_sendmsg(pu, "post-failover", 13, 0, 0, htonl(77), 2, 0, 0, -1),
				         13);
			} else {
				CHECK_EQ(no->rn_failover.rf_state, RSERPOOL_FAILOVER_COMPLETE);
				CHECK(saw_nec);
				CHECK(no->rn_failover.rf_has_cookie);
				saw_comp = 1;
			}
			continue;
		}
		CHECK(saw_nec);
		now = first == idA ? idB : idA;
		CHECK_EQ(ri.rinfo_pe_id, now);
		if (ri.rinfo_ppid == htonl(99)) {
			snprintf(text, sizeof text, "ECHOED:cookie-%u", first);
			CHECK_EQ(n, (ssize_t)strlen(text));
			CHECK(memcmp(buf, text, (size_t)n) == 0);
			saw_echoed = 1;
		} else {
			CHECK_EQ(ri.rinfo_ppid, htonl(77));
			CHECK_EQ(ri.rinfo_stream, 2);
			CHECK_EQ(n, 13);
			CHECK(memcmp(buf, "post-failover", 13) == 0);
			saw_post = 1;
		}
	}
	fclose(mem);
	CHECK(strstr(memtext, "RSERPOOL_FAILOVER_NECESSARY") != NULL);
	CHECK(strstr(memtext, "RSERPOOL_FAILOVER_COMPLETE") != NULL);
	free(memtext);
	CHECK_EQ(rsp_getpeername(pu, NULL, NULL, &peer), 0);
	CHECK_EQ(peer, first == idA ? idB : idA);
	CHECK_EQ(echo(pu, "again", 8, 4), peer);

	/* rsp_forcefailover: the only live element again; notifications follow */
	CHECK_EQ(rsp_forcefailover(pu, FFF_UNREACHABLE, 0), 0);
	saw_nec = saw_comp = 0;
	end = nct_now_ms() + NCT_DEADLINE_MS;
	while (!(saw_nec && saw_comp)) {
		CHECK(nct_now_ms() < end);
		n = recv_next(pu, buf, sizeof buf, &ri, &fl);
		if (!(fl & MSG_RSERPOOL_NOTIFICATION))
			continue; /* the cookie's ECHOED answer */
		if (((union rserpool_notification *)buf)->rn_failover.rf_state ==
		    RSERPOOL_FAILOVER_NECESSARY)
			saw_nec = 1;
		else
			saw_comp = 1;
	}
	CHECK_EQ(echo(pu, "after-force", 9, 0), peer);

	/* ----- the draft-00 shapes (SOCK_DGRAM: the draft's type) ----- */
	{
		struct rsp_sndrcvinfo si;
		int d = rsp_socket(0, SOCK_DGRAM, IPPROTO_SCTP);
		CHECK(d >= 0);
		CHECK_EQ(rsp_accept(d, 0), -1); /* not listening */
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(rsp_connect_draft00(d, POOL, strlen(POOL)), 0);
		memset(&si, 0, sizeof si);
		si.rinfo_ppid = htonl(31);
		si.rinfo_stream = 1;
		CHECK_EQ(rsp_sendmsg_draft00(d, "draft", 5, &si, 0), 5);
		memset(&si, 0, sizeof si);
		n = rsp_recvmsg_draft00(d, buf, sizeof buf, &si, 0);
		CHECK_EQ(n, 5);
		CHECK(memcmp(buf, "draft", 5) == 0);
		CHECK_EQ(si.rinfo_ppid, htonl(31));
		CHECK_EQ(si.rinfo_stream, 1);
		CHECK_EQ(rsp_sendmsg_draft00(d, "draft2", 6, NULL, 0), 6);
		CHECK_EQ(rsp_recvmsg_draft00(d, buf, sizeof buf, &si, 0), 6);
		CHECK_EQ(si.rinfo_ppid, 0);
		CHECK_EQ(rsp_recvmsg_draft00(d, buf, sizeof buf, &si, MSG_DONTWAIT), -1);
		CHECK_EQ(errno, EAGAIN);
		CHECK_EQ(rsp_close(d), 0);
	}

	/* ----- a one-to-one element (rsp_listen / rsp_accept) ----- */
	pu2 = rsp_socket(0, SOCK_STREAM, IPPROTO_SCTP);
	CHECK(pu2 >= 0);
	CHECK_EQ(rsp_connect_tags(pu2, (const unsigned char *)POOL_ACC, strlen(POOL_ACC), 0, NULL), 0);
	CHECK_EQ(echo(pu2, "one-to-one", 42, 1), idC);
	CHECK_EQ(rsp_close(pu2), 0);
	nct_wait_child_ok(pidC);

	/* ----- a pool nobody serves: rsp_connect succeeds, sends fail ----- */
	{
		int nope = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
		CHECK(nope >= 0);
		CHECK_EQ(rsp_connect(nope, (const unsigned char *)"no-such-pool", 12, 0), 0);
		CHECK_EQ(rsp_sendmsg(nope, "x", 1, 0, 0, 0, 0, 0, 0, -1), -1);
		CHECK_EQ(errno, EIO);
		CHECK_EQ(rsp_getpeername(nope, NULL, NULL, &peer), -1);
		CHECK_EQ(rsp_close(nope), 0);
	}

	/* a descriptor closed behind the library's back: no SIGPIPE, no crash */
	{
		int raw = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
		CHECK(raw >= 0);
		CHECK_EQ(rsp_connect(raw, (const unsigned char *)POOL, strlen(POOL), 0), 0);
		CHECK_EQ(close(raw), 0);
		CHECK_EQ(rsp_sendmsg(raw, "lost", 4, 0, 0, 0, 0, 0, 0, -1), 4); /* its echo hits EPIPE */
		CHECK_EQ(echo(pu, "still-alive", 3, 0), peer);
		CHECK_EQ(rsp_close(raw), 0);
	}

	CHECK_EQ(rsp_close(pu), 0);
	CHECK_EQ(rsp_close(p[0]), 0);
	CHECK_EQ(rsp_close(p[1]), 0);
	if (pidA > 0)
		kill(pidA, SIGKILL), nct_wait_child_within(pidA, NCT_DEADLINE_MS);
	if (pidB > 0)
		kill(pidB, SIGKILL), nct_wait_child_within(pidB, NCT_DEADLINE_MS);
	{
		/* rsp_cleanup closes the sockets the program left open */
		int left = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
		CHECK(left >= 0);
		rsp_cleanup();
		errno = 0;
		CHECK_EQ(fcntl(left, F_GETFD), -1);
		CHECK_EQ(errno, EBADF);
	}
	printf("test_rsp_enhanced: ok\n");
	return 0;
}
