/*
 * test_rapi_qtoq: IBM i QoS sockets end to end with rsvpd, signalling
 * request types. The test starts rsvpd (RSVPD, tests/c/rapi_qtoq.cmake),
 * forks a client process before any library call, and then: the server
 * (parent) listens on the host's own address and qtoq_accept's with
 * REQ_SIGNAL_RET_EVENTS (it becomes the RSVP sender); the client
 * qtoq_connect's with a Controlled-Load request (it waits for the PATH and
 * reserves, asking for a confirmation); data flows; the server sees the
 * reservation on its QoS descriptor (qtoq_ioctl REQ_GET_RSVP_DATA), the
 * client the confirmation; the client's qtoq_close tears the reservation
 * down at the server; REQ_NOSIGNAL without a rule gives ENOENT; bad
 * requests EINVAL.
 * Waits are poll() with a deadline.
 */
#include "nctest.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/un.h>

#include "rapitest.h"

#include "rapi.h"
#include "qtoqsapi.h"

static struct in_addr host;

/* rsvpd for this test (tests/c/rapitest.h). */
static void start_daemon(void)
{
	rapitest_prepare("refresh 30s\n");
	rapitest_start();
}

/* Server and client meet on the loopback address. */
static void find_host(void)
{
	host.s_addr = htonl(INADDR_LOOPBACK);
}

/* Waits for the QoS descriptor and fetches the next reservation event of
 * type want. */
static void wait_event(int qfd, unsigned int sess, int want, qos_req *q)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;

	for (;;) {
		long long left = end - nct_now_ms();
		CHECK(left > 0);
		CHECK(nct_wait_readable(qfd, (int)left) || nct_now_ms() < end);
		memset(q, 0, sizeof *q);
		if (qtoq_ioctl(qfd, REQ_GET_RSVP_DATA, q, &sess, NULL) == 0) {
			if (q->event_type == want)
				return;
			continue;
		}
		CHECK_EQ(errno, EAGAIN);
	}
}

static void client(unsigned short port, int done_fd)
{
	struct sockaddr_in sa;
	qos_conn_req req;
	qos_req q;
	unsigned int sess = 0;
	int fd, qfd = -1;
	char buf[6];

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr = host;
	memset(&req, 0, sizeof req);
	req.style = QTOQ_STYLE_FF;
	req.qos_spec.service = CONTROLLED_LOAD_SERV;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_r = 10000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_b = 2000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_p = 20000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_m = 64;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_M = 1500;
	req.flags = RAPI_REQ_CONFIRM;
	CHECK_EQ(qtoq_connect(fd, (struct sockaddr *)&sa, sizeof sa, REQ_NOSIGNAL, &req, &sess, &qfd), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(qtoq_connect(fd, (struct sockaddr *)&sa, sizeof sa, REQ_SIGNAL_RET_EVENTS, &req, &sess, &qfd), 0);
	CHECK(sess != 0 && qfd >= 0);
	CHECK_EQ(nct_read_exact(fd, buf, 6), 0);
	CHECK(memcmp(buf, "hello", 6) == 0);
	wait_event(qfd, sess, RAPI_RESV_CONFIRM, &q);
	/* Tell the server the confirmation came, then wait for its go. */
	CHECK_EQ(write(done_fd, "c", 1), 1);
	CHECK(nct_wait_readable(done_fd, NCT_DEADLINE_MS));
	CHECK_EQ(read(done_fd, buf, 1), 1);
	CHECK_EQ(qtoq_close(fd, &qfd, &sess), 0);
	CHECK_EQ(qfd, -1);
	CHECK_EQ(sess, 0u);
	exit(0);
}

int main(void)
{
	struct sockaddr_in sa, peer;
	socklen_t len = sizeof sa;
	int plen = sizeof peer;
	int lfd, cfd, qfd = -1, sp[2];
	unsigned int sess = 0;
	pid_t child;
	qos_req q;
	char c;

	find_host();
	start_daemon();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr = host;
	CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK(listen(lfd, 4) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	child = fork(); /* before the parent's first library call */
	CHECK(child >= 0);
	if (child == 0) {
		close(sp[0]);
		client(ntohs(sa.sin_port), sp[1]);
	}
	close(sp[1]);

	memset(&q, 0, sizeof q);
	/* No nosignal rule is configured (test_rapi_nosignal has some). */
	CHECK_EQ(qtoq_ioctl(lfd, REQ_NOSIGNAL, &q, &sess, &qfd), -1);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(qtoq_accept(lfd, 9, NULL, NULL, &q, &sess, &qfd), -1);
	CHECK_EQ(errno, EINVAL);
	q.qos_spec.service = CONTROLLED_LOAD_SERV;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_r = 10000;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_b = 2000;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_p = 20000;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_m = 64;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_M = 1500;
	cfd = qtoq_accept(lfd, REQ_SIGNAL_RET_EVENTS, (struct sockaddr *)&peer, &plen, &q, &sess, &qfd);
	CHECK(cfd >= 0);
	CHECK(sess != 0 && qfd >= 0);
	CHECK_EQ(plen, (int)sizeof(struct sockaddr_in));
	nct_write_all(cfd, "hello", 6);

	/* The reservation arrives on the QoS descriptor. */
	wait_event(qfd, sess, RAPI_RESV_EVENT, &q);
	CHECK_EQ(q.ret_spec.service, CONTROLLED_LOAD_SERV);
	CHECK(q.ret_spec.spec_u.CL_spec.TB_Tspec_r == 10000);

	/* The client saw its confirmation; it closes: the reservation goes. */
	CHECK(nct_wait_readable(sp[0], NCT_DEADLINE_MS));
	CHECK_EQ(read(sp[0], &c, 1), 1);
	CHECK_EQ(write(sp[0], "g", 1), 1);
	wait_event(qfd, sess, RAPI_RESV_EVENT, &q);
	CHECK_EQ(q.ret_spec.service, 0);
	nct_wait_child_ok(child);
	CHECK_EQ(qtoq_close(cfd, &qfd, &sess), 0);
	CHECK_EQ(qtoq_close(lfd, NULL, &sess), 0); /* no session left: just the close */
	printf("test_rapi_qtoq: ok\n");
	return 0;
}
