/*
 * test_rapi_qtoq_ex: IBM i QoS sockets with rsvpd, the calls
 * test_rapi_qtoq leaves out. The test starts rsvpd (RSVPD,
 * tests/c/rapi_qtoq_ex.cmake) and forks both client processes before any
 * library call; then:
 *
 *  A. IPv6 (::1), TCP: the server (parent) qtoq_accept's with
 *     REQ_SIGNAL_RET_EVENTS and becomes the RSVP sender; the client (child
 *     A) qtoq_connect_ex's with REQ_SIGNAL_NORET_EVENTS (qtoqsapi.h: the
 *     library consumes the events itself, so *qos_descriptor is -1; the
 *     connect still waits for the PATH and reserves). Data flows both
 *     ways; the server sees the client's Controlled-Load reservation on
 *     its QoS descriptor (REQ_GET_RSVP_DATA); the client's qtoq_close
 *     tears it down at the server; the server's qtoq_close forgets the
 *     session (REQ_GET_RSVP_DATA then says EINVAL).
 *  B. A connectionless UDP socket (127.0.0.1), the reference sheet's
 *     "ioctl, signalling" flow: the server (parent) qtoq_ioctl's with
 *     REQ_SIGNAL_RET_EVENTS and the client's address as destination (none
 *     given: EINVAL, the socket has no peer), getting a descriptor and a
 *     sid; nothing is reserved (EAGAIN) until the receiver (child B, plain
 *     RAPI) sees the PATH with the Tspec made from qos_spec and reserves
 *     FF with confirmation; the reservation then appears on the server's
 *     descriptor; a datagram flows; the server's qtoq_close withdraws the
 *     sender: the receiver sees a PATH_EVENT with no sender.
 * Waits are poll() with a deadline.
 */
#include "nctest.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/un.h>

#include "rapitest.h"

#include "rapi.h"
#include "qtoqsapi.h"

/* rsvpd for this test (tests/c/rapitest.h). */
static void start_daemon(void)
{
	rapitest_prepare("refresh 30s\n");
	rapitest_start();
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

/* One byte from the other side of the control socket, within the deadline. */
static char ctl_read(int fd)
{
	char c;

	CHECK(nct_wait_readable(fd, NCT_DEADLINE_MS));
	CHECK_EQ(read(fd, &c, 1), 1);
	return c;
}

static void ctl_write(int fd, char c)
{
	CHECK_EQ(write(fd, &c, 1), 1);
}

static void set_cl(qos_spec_t *s, float r, float b, uint32_t M)
{
	memset(s, 0, sizeof *s);
	s->service = CONTROLLED_LOAD_SERV;
	s->spec_u.CL_spec.TB_Tspec_r = r;
	s->spec_u.CL_spec.TB_Tspec_b = b;
	s->spec_u.CL_spec.TB_Tspec_p = 2 * r;
	s->spec_u.CL_spec.TB_Tspec_m = 64;
	s->spec_u.CL_spec.TB_Tspec_M = M;
}

/* ---- A: IPv6, qtoq_connect_ex with REQ_SIGNAL_NORET_EVENTS ---- */

static void client_a(unsigned short port, int ctl)
{
	struct sockaddr_in6 sa;
	qos_conn_req_ex req;
	unsigned int sess = 0;
	int fd, qfd = 12345;
	char buf[8];

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(port);
	sa.sin6_addr = in6addr_loopback;
	memset(&req, 0, sizeof req);
	req.style = QTOQ_STYLE_FF;
	set_cl(&req.qos_spec, 12000, 2000, 1500);
	/* qtoq_connect_ex takes request types 1 and 2 only. */
	CHECK_EQ(qtoq_connect_ex(fd, (struct sockaddr *)&sa, sizeof sa, REQ_NOSIGNAL, &req, &sess, &qfd), -1);
	CHECK_EQ(errno, EINVAL);
	/* A source that does not fit the bytes given is refused before any
	 * connect: qos_conn_req's 16-byte source cannot hold a sockaddr_in6,
	 * nor can a short s_length in qos_conn_req_ex. */
	{
		qos_conn_req old;
		struct sockaddr_in6 *src6 = (struct sockaddr_in6 *)(void *)&req.source;
		memset(&old, 0, sizeof old);
		old.style = QTOQ_STYLE_FF;
		set_cl(&old.qos_spec, 12000, 2000, 1500);
		old.source.sa_family = AF_INET6;
		old.s_length = (int)sizeof(struct sockaddr_in6);
		CHECK_EQ(qtoq_connect(fd, (struct sockaddr *)&sa, sizeof sa, REQ_SIGNAL_NORET_EVENTS, &old,
		                      &sess, &qfd), -1);
		CHECK_EQ(errno, EINVAL);
		src6->sin6_family = AF_INET6;
		req.s_length = (int)sizeof(struct sockaddr_in);
		CHECK_EQ(qtoq_connect_ex(fd, (struct sockaddr *)&sa, sizeof sa, REQ_SIGNAL_NORET_EVENTS,
		                         &req, &sess, &qfd), -1);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(sess, 0u);
		memset(&req.source, 0, sizeof req.source);
		req.s_length = 0;
	}
	CHECK_EQ(qtoq_connect_ex(fd, (struct sockaddr *)&sa, sizeof sa, REQ_SIGNAL_NORET_EVENTS, &req,
	                         &sess, &qfd), 0);
	CHECK(sess != 0);
	CHECK_EQ(qfd, -1); /* events are not returned */
	CHECK_EQ(nct_read_exact(fd, buf, 7), 0);
	CHECK(memcmp(buf, "hello6", 7) == 0);
	nct_write_all(fd, "reply6", 7);
	/* The server has seen the reservation: close. */
	CHECK_EQ(ctl_read(ctl), 'g');
	CHECK_EQ(qtoq_close(fd, &qfd, &sess), 0);
	CHECK_EQ(sess, 0u);
	CHECK_EQ(qfd, -1);
	exit(0);
}

static void server_a(int lfd, int ctl, pid_t child)
{
	struct sockaddr_in6 peer;
	int plen = sizeof peer, cfd, qfd = -1;
	unsigned int sess = 0, old;
	qos_req q;
	char buf[8];

	memset(&q, 0, sizeof q);
	set_cl(&q.qos_spec, 12000, 2000, 1500);
	cfd = qtoq_accept(lfd, REQ_SIGNAL_RET_EVENTS, (struct sockaddr *)&peer, &plen, &q, &sess, &qfd);
	CHECK(cfd >= 0);
	CHECK(sess != 0 && qfd >= 0);
	CHECK_EQ(plen, (int)sizeof(struct sockaddr_in6));
	CHECK_EQ(peer.sin6_family, AF_INET6);
	CHECK(IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
	nct_write_all(cfd, "hello6", 7);
	CHECK_EQ(nct_read_exact(cfd, buf, 7), 0);
	CHECK(memcmp(buf, "reply6", 7) == 0);

	/* The client's reservation arrives on the QoS descriptor. */
	wait_event(qfd, sess, RAPI_RESV_EVENT, &q);
	CHECK_EQ(q.ret_spec.service, CONTROLLED_LOAD_SERV);
	CHECK(q.ret_spec.spec_u.CL_spec.TB_Tspec_r == 12000);
	CHECK(q.ret_spec.spec_u.CL_spec.TB_Tspec_b == 2000);
	CHECK_EQ(q.error_code, 0);

	/* The client closes: its reservation goes. */
	ctl_write(ctl, 'g');
	wait_event(qfd, sess, RAPI_RESV_EVENT, &q);
	CHECK_EQ(q.ret_spec.service, 0);
	nct_wait_child_ok(child);

	old = sess;
	CHECK_EQ(qtoq_close(cfd, &qfd, &sess), 0);
	CHECK_EQ(sess, 0u);
	CHECK_EQ(qfd, -1);
	CHECK_EQ(qtoq_ioctl(lfd, REQ_GET_RSVP_DATA, &q, &old, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rapi_getfd(old), -1); /* the RAPI session is gone too */
	CHECK_EQ(close(lfd), 0);
}

/* ---- B: qtoq_ioctl, signalling, on a connectionless UDP socket ---- */

struct rseen {
	int path, confirm, nfilt, nflow;
	unsigned short port;
	double r, b, p;
	unsigned int M;
};

static void rupcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style, int code,
                    int value, rapi_addr_t *node, unsigned int eflags, int nfilt,
                    rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows, int nads,
                    rapi_adspec_t *ads, void *arg)
{
	struct rseen *s = arg;

	(void)sid; (void)style; (void)code; (void)value; (void)node; (void)eflags;
	(void)nads; (void)ads;
	if (type == RAPI_PATH_EVENT) {
		s->path++;
		s->nfilt = nfilt;
		s->nflow = nflow;
		if (nfilt > 0 && nflow > 0) {
			const rapi_tspec_t *t = (const rapi_tspec_t *)(const void *)flows;
			CHECK_EQ(filts[0].form, RAPI_FILTERFORM_BASE);
			s->port = ntohs(filts[0].filt_u.base.sender.sin_port);
			CHECK_EQ(t->form, RAPI_TSPECTYPE_Simplified);
			s->r = t->tspecbody_qosx.xtspec_r;
			s->b = t->tspecbody_qosx.xtspec_b;
			s->p = t->tspecbody_qosx.xtspec_p;
			s->M = t->tspecbody_qosx.xtspec_M;
		}
	} else if (type == RAPI_RESV_CONFIRM) {
		s->confirm++;
	}
}

static void dispatch_until(rapi_sid_t sid, const int *count, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	int fd = rapi_getfd(sid);

	CHECK(fd >= 0);
	while (*count < want) {
		long long left = end - nct_now_ms();
		CHECK(left > 0);
		if (nct_wait_readable(fd, (int)left))
			CHECK_EQ(rapi_dispatch(), 0);
	}
}

static void client_b(int ufd, unsigned short sport, int ctl)
{
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	struct rseen s;
	rapi_flowspec_t f;
	rapi_filter_t filt;
	rapi_sid_t sid;
	char buf[8];
	int err = 0;

	memset(&s, 0, sizeof s);
	CHECK_EQ(ctl_read(ctl), 's'); /* the server's qtoq_ioctl is done */
	CHECK(getsockname(ufd, (struct sockaddr *)&me, &len) == 0);
	sid = rapi_session((rapi_addr_t *)&me, IPPROTO_UDP, 0, rupcall, &s, &err);
	CHECK(sid != RAPI_NULL_SID);
	dispatch_until(sid, &s.path, 1);
	if (s.nfilt == 0) /* a first, empty state: wait for the sender */
		dispatch_until(sid, &s.path, s.path + 1);
	CHECK_EQ(s.nfilt, 1);
	CHECK_EQ(s.port, sport);
	/* The Tspec qtoq_ioctl built from its Controlled-Load qos_spec. */
	CHECK(s.r == 8000 && s.b == 1500 && s.p == 16000);
	CHECK_EQ(s.M, 1400u);

	memset(&f, 0, sizeof f);
	f.len = sizeof f;
	f.form = RAPI_FLOWSTYPE_Simplified;
	f.specbody_qosx.spec_type = QOS_CNTR_LOAD;
	f.specbody_qosx.xspec_r = 8000;
	f.specbody_qosx.xspec_b = 1500;
	f.specbody_qosx.xspec_p = 16000;
	f.specbody_qosx.xspec_m = 64;
	f.specbody_qosx.xspec_M = 1400;
	memset(&filt, 0, sizeof filt);
	filt.len = sizeof filt;
	filt.form = RAPI_FILTERFORM_BASE;
	filt.filt_u.base.sender.sin_family = AF_INET;
	filt.filt_u.base.sender.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	filt.filt_u.base.sender.sin_port = htons(sport);
	CHECK_EQ(rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1, &f), 0);
	dispatch_until(sid, &s.confirm, 1);
	ctl_write(ctl, 'r');

	/* The server's datagram. */
	CHECK_EQ(ctl_read(ctl), 'd');
	CHECK(nct_wait_readable(ufd, NCT_DEADLINE_MS));
	CHECK_EQ(recv(ufd, buf, sizeof buf, 0), 6);
	CHECK(memcmp(buf, "dgram", 6) == 0);
	ctl_write(ctl, 'k');

	/* The server's qtoq_close withdraws the sender. */
	CHECK_EQ(ctl_read(ctl), 'c');
	{
		int before = s.path;
		while (s.nfilt != 0)
			dispatch_until(sid, &s.path, ++before);
	}
	CHECK_EQ(s.nflow, 0);
	CHECK_EQ(s.confirm, 1);
	CHECK_EQ(rapi_release(sid), 0);
	exit(0);
}

static void server_b(int ufd, const struct sockaddr_in *client, int ctl, pid_t child)
{
	unsigned int sess = 0, old;
	int qfd = -1;
	qos_req q;

	memset(&q, 0, sizeof q);
	set_cl(&q.qos_spec, 8000, 1500, 1400);
	/* Connectionless and no destination given: nothing to signal to. */
	CHECK_EQ(qtoq_ioctl(ufd, REQ_SIGNAL_RET_EVENTS, &q, &sess, &qfd), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(sess, 0u);
	memcpy(&q.destination, client, sizeof *client);
	q.d_length = sizeof *client;
	CHECK_EQ(qtoq_ioctl(ufd, REQ_SIGNAL_RET_EVENTS, &q, &sess, &qfd), 0);
	CHECK(sess != 0 && qfd >= 0);
	CHECK_EQ(qfd, rapi_getfd(sess));
	/* No reservation until the receiver reserves. */
	CHECK_EQ(qtoq_ioctl(qfd, REQ_GET_RSVP_DATA, &q, &sess, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	ctl_write(ctl, 's');

	/* The receiver reserved (and has its confirmation). */
	CHECK_EQ(ctl_read(ctl), 'r');
	wait_event(qfd, sess, RAPI_RESV_EVENT, &q);
	CHECK_EQ(q.ret_spec.service, CONTROLLED_LOAD_SERV);
	CHECK(q.ret_spec.spec_u.CL_spec.TB_Tspec_r == 8000);
	CHECK_EQ(q.ret_spec.spec_u.CL_spec.TB_Tspec_M, 1400u);
	CHECK_EQ(sendto(ufd, "dgram", 6, 0, (const struct sockaddr *)client, sizeof *client), 6);
	ctl_write(ctl, 'd');
	CHECK_EQ(ctl_read(ctl), 'k');

	old = sess;
	CHECK_EQ(qtoq_close(ufd, &qfd, &sess), 0);
	CHECK_EQ(sess, 0u);
	CHECK_EQ(qfd, -1);
	CHECK_EQ(rapi_getfd(old), -1);
	ctl_write(ctl, 'c');
	nct_wait_child_ok(child);
}

int main(void)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in us, uc;
	socklen_t len;
	int lfd, ufd_s, ufd_c, spa[2], spb[2];
	pid_t ca, cb;

	start_daemon();

	/* A: the IPv6 listener. */
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	memset(&sa6, 0, sizeof sa6);
	sa6.sin6_family = AF_INET6;
	sa6.sin6_addr = in6addr_loopback;
	if (bind(lfd, (struct sockaddr *)&sa6, sizeof sa6) != 0) {
		printf("test_rapi_qtoq_ex: no IPv6 loopback (%s): skipped\n", strerror(errno));
		return 77;
	}
	CHECK(listen(lfd, 4) == 0);
	len = sizeof sa6;
	CHECK(getsockname(lfd, (struct sockaddr *)&sa6, &len) == 0);

	/* B: the server's and the client's UDP sockets on 127.0.0.1. */
	ufd_s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ufd_c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(ufd_s >= 0 && ufd_c >= 0);
	memset(&us, 0, sizeof us);
	us.sin_family = AF_INET;
	us.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	uc = us;
	CHECK(bind(ufd_s, (struct sockaddr *)&us, sizeof us) == 0);
	CHECK(bind(ufd_c, (struct sockaddr *)&uc, sizeof uc) == 0);
	len = sizeof us;
	CHECK(getsockname(ufd_s, (struct sockaddr *)&us, &len) == 0);
	len = sizeof uc;
	CHECK(getsockname(ufd_c, (struct sockaddr *)&uc, &len) == 0);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spa) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spb) == 0);
	/* Both clients before the parent's first library call. */
	ca = fork();
	CHECK(ca >= 0);
	if (ca == 0) {
		close(spa[0]);
		close(spb[0]);
		close(spb[1]);
		close(lfd);
		close(ufd_s);
		close(ufd_c);
		client_a(ntohs(sa6.sin6_port), spa[1]);
	}
	cb = fork();
	CHECK(cb >= 0);
	if (cb == 0) {
		close(spb[0]);
		close(spa[0]);
		close(spa[1]);
		close(lfd);
		close(ufd_s);
		client_b(ufd_c, ntohs(us.sin_port), spb[1]);
	}
	close(spa[1]);
	close(spb[1]);
	close(ufd_c);

	server_a(lfd, spa[0], ca);
	printf("test_rapi_qtoq_ex: A (IPv6, connect_ex NORET) ok\n");
	server_b(ufd_s, &uc, spb[0], cb);
	printf("test_rapi_qtoq_ex: B (ioctl signalling on UDP) ok\n");
	printf("test_rapi_qtoq_ex: ok\n");
	return 0;
}
