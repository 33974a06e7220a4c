/*
 * test_rapi_bad_input: every RAPI and qtoq entry point given NULL
 * pointers, closed or never-opened descriptors, unknown sids, negative,
 * zero and oversized lengths and counts, first with no daemon and then
 * with rsvpd running (so that a valid sid reaches the object
 * conversions): documented errors, never a crash, never a write past a
 * buffer's length.
 */
#include "rapitest.h"

#include "rapi.h"
#include "rapi_err.h"
#include "qtoqsapi.h"

static rapi_event_rtn_t upcall;

static void upcall(rapi_sid_t s, rapi_eventinfo_t e, rapi_styleid_t st, int ec, int ev,
                   rapi_addr_t *n, unsigned int f, int nf, rapi_filter_t *fl, int nq,
                   rapi_flowspec_t *q, int na, rapi_adspec_t *a, void *arg)
{
	(void)s; (void)e; (void)st; (void)ec; (void)ev; (void)n; (void)f; (void)nf;
	(void)fl; (void)nq; (void)q; (void)na; (void)a; (void)arg;
}

static struct sockaddr_in dest(void)
{
	struct sockaddr_in d;

	memset(&d, 0, sizeof d);
	d.sin_family = AF_INET;
	d.sin_port = htons(5000);
	d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return d;
}

/* The fmt calls: NULL objects and buffers, lengths 0, negative and short;
 * a canary after the buffer stays untouched. */
static void fmt_calls(void)
{
	char buf[8 + 1];
	rapi_flowspec_t fs;
	rapi_tspec_t ts;
	rapi_adspec_t ad;
	rapi_filter_t filt;

	memset(&fs, 0, sizeof fs);
	memset(&ts, 0, sizeof ts);
	memset(&ad, 0, sizeof ad);
	memset(&filt, 0, sizeof filt);
	ts.len = 100000; /* lies */
	ts.form = RAPI_TSPECTYPE_Intserv;
	rapi_fmt_flowspec(NULL, NULL, 10);
	rapi_fmt_flowspec(&fs, NULL, 10);
	rapi_fmt_tspec(&ts, NULL, -1);
	rapi_fmt_adspec(&ad, NULL, 0);
	rapi_fmt_filtspec(&filt, NULL, 99);
	buf[8] = 'X';
	rapi_fmt_flowspec(&fs, buf, 8);
	rapi_fmt_tspec(&ts, buf, 8);
	rapi_fmt_adspec(NULL, buf, 8);
	rapi_fmt_filtspec(NULL, buf, 8);
	CHECK_EQ(buf[8], 'X');
	CHECK(strlen(buf) < 8);
	rapi_fmt_filtspec(&filt, buf, -3);
	CHECK_EQ(buf[8], 'X');
	CHECK(rapi_strerror(-1, -1) == NULL);
	CHECK(rapi_strerror(RAPI_ERR_INVAL, 0) != NULL);
}

static void qtoq_calls(void)
{
	struct sockaddr_in d = dest();
	unsigned int qs = 0;
	int qd = 0, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(s >= 0);
	errno = 0;
	CHECK_EQ(qtoq_accept(-1, REQ_SIGNAL_RET_EVENTS, NULL, NULL, NULL, NULL, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(qtoq_accept(999, REQ_SIGNAL_RET_EVENTS, NULL, NULL, NULL, &qs, &qd), -1);
	CHECK_EQ(qtoq_connect(-1, NULL, -5, REQ_SIGNAL_RET_EVENTS, NULL, NULL, NULL), -1);
	CHECK_EQ(qtoq_connect(s, (struct sockaddr *)&d, 1 << 30, REQ_SIGNAL_RET_EVENTS, NULL, &qs, &qd), -1);
	CHECK_EQ(qtoq_connect_ex(s, (struct sockaddr *)&d, sizeof d, REQ_SIGNAL_RET_EVENTS, NULL, &qs, &qd), -1);
	CHECK_EQ(qtoq_ioctl(-1, REQ_GET_RSVP_DATA, NULL, NULL, NULL), -1);
	CHECK_EQ(qtoq_ioctl(s, 99, NULL, &qs, &qd), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(qtoq_close(-1, NULL, NULL), -1);
	CHECK_EQ(qtoq_close(999, NULL, &qs), -1);
	close(s);
}

/* With a valid sid (daemon running) or none: sender and reserve with
 * objects whose lengths lie and counts that are negative or huge. */
static void object_calls(rapi_sid_t sid, int daemon)
{
	struct sockaddr_in d = dest();
	rapi_tspec_t ts;
	rapi_filter_t filt;
	rapi_flowspec_t fs;

	memset(&ts, 0, sizeof ts);
	memset(&filt, 0, sizeof filt);
	memset(&fs, 0, sizeof fs);
	CHECK_EQ(rapi_sender(sid, 0, (rapi_addr_t *)&d, NULL, NULL, NULL, NULL, 0),
	         daemon ? RAPI_ERR_NOTSPEC : RAPI_ERR_BADSID);
	ts.len = 3;
	CHECK(rapi_sender(sid, 0, (rapi_addr_t *)&d, NULL, &ts, NULL, NULL, 0) != 0);
	ts.len = 100000;
	ts.form = 999;
	CHECK(rapi_sender(sid, 0, (rapi_addr_t *)&d, NULL, &ts, NULL, NULL, 0) != 0);
	CHECK(rapi_reserve(sid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt, 1, &fs) != 0);
	CHECK(rapi_reserve(sid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, -1, NULL, -1, NULL) != 0);
	CHECK(rapi_reserve(sid, 0, NULL, RAPI_RSTYLE_SE, NULL, NULL, 1000000, &filt, 1, &fs) != 0);
	CHECK(rapi_reserve(sid, 0, NULL, 12345, NULL, NULL, 0, NULL, 1, &fs) != 0);
	CHECK_EQ(rapi_reserve(-7, 0, NULL, RAPI_RSTYLE_WILDCARD, NULL, NULL, 0, NULL, 0, NULL), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_release(0), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_release(-1), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_getfd(12345), -1);
	CHECK_EQ(rapi_status(999, 0), RAPI_ERR_BADSID);
}

int main(void)
{
	struct sockaddr_in d = dest();
	int err = 0;
	rapi_sid_t sid;

	rapitest_prepare("refresh 30s\n"); /* no daemon yet */
	fmt_calls();
	qtoq_calls();
	CHECK_EQ(rapi_session(NULL, 0, 0, upcall, NULL, &err), RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_INVAL);
	CHECK_EQ(rapi_session(NULL, 0, 0, upcall, NULL, NULL), RAPI_NULL_SID);
	CHECK_EQ(rapi_session((rapi_addr_t *)&d, 0, 0, upcall, NULL, &err), RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_NORSVP);
	object_calls(1, 0);
	CHECK_EQ(rapi_dispatch(), 0);

	rapitest_start();
	sid = rapi_session((rapi_addr_t *)&d, -5, 0xffffffffu, upcall, NULL, &err);
	CHECK(sid == RAPI_NULL_SID && err != 0);
	sid = rapi_session((rapi_addr_t *)&d, 0, 0, upcall, NULL, &err);
	CHECK(sid != RAPI_NULL_SID);
	object_calls(sid, 1);
	fmt_calls();
	qtoq_calls();
	CHECK_EQ(rapi_release(sid), 0);
	CHECK_EQ(rapi_release(sid), RAPI_ERR_BADSID);
	puts("test_rapi_bad_input: ok");
	return 0;
}
