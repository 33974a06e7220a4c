/*
 * test_rapi_dialects: ONE program, compiled twice (tests/c/rapi_dialects.cmake):
 * test_rapi_dialects in the Open Group dialect (the handler is a
 * rapi_event_rtn_t function, passed as `handler`) and test_rapi_dialects_isi
 * with -DRAPI_ISI_COMPAT (an int-returning handler passed as
 * `(rapi_event_rtn_t) handler`). Against an rsvpd it starts itself (UDP
 * encapsulation, API socket in a private directory): a receiver and a
 * sender session of one RSVP session on 127.0.0.1; PATH_EVENT at the
 * receiver with the sender's Tspec and a non-empty Adspec list (the
 * sender passes no Adspec: rsvpd's local delivery gives its default one,
 * whose fields are checked); an FF reservation with RAPI_REQ_CONFIRM gives
 * RESV_EVENT at the sender and exactly one RESV_CONFIRM at the receiver;
 * releasing the receiver tears the reservation down at the sender, and
 * releasing the sender gives the receiver a PATH_EVENT with no senders.
 * Waits are poll() on rapi_getfd with a deadline; nothing sleeps.
 */
#include "nctest.h"

#include <math.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/un.h>

#include "rapitest.h"

#include "rapi.h"

#ifdef RAPI_ISI_COMPAT
#define DIALECT "isi"
#define HANDLER_RET int
#define HANDLER_RETURN return 0
#define STYLE_T int
#define NODE_T struct sockaddr
#define EFLAGS_T u_char
#define HANDLER_ARG (rapi_event_rtn_t) handler
#else
#define DIALECT "open group"
#define HANDLER_RET void
#define HANDLER_RETURN return
#define STYLE_T rapi_styleid_t
#define NODE_T rapi_addr_t
#define EFLAGS_T unsigned int
#define HANDLER_ARG handler
/* The handler IS a rapi_event_rtn_t: the declaration uses the function type. */
static rapi_event_rtn_t handler;
#endif

/* rsvpd for this test (tests/c/rapitest.h). */
static void start_daemon(void)
{
	rapitest_prepare("refresh 30s\n");
	rapitest_start();
}

/* ---- upcall recording ---- */

struct seen {
	int count[11];
	int last_style, last_nfilt, last_nflow, last_nads, last_code;
	unsigned short port;       /* PATH_EVENT: the sender's port */
	double tspec_r, tspec_b;   /* PATH_EVENT: the sender's Tspec */
	int ads_form;              /* PATH_EVENT: the first Adspec */
	int ads_len;
	qos_adspecx_t ads;
	double flow_r;             /* RESV_EVENT / RESV_CONFIRM: flowspec r */
};

static struct seen seen_rcv, seen_snd;

static HANDLER_RET handler(rapi_sid_t sid, rapi_eventinfo_t type, STYLE_T style, int code,
                           int value, NODE_T *node, EFLAGS_T eflags, int nfilt,
                           rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows, int nads,
                           rapi_adspec_t *ads, void *arg)
{
	struct seen *s = arg;
	char buf[256];

	(void)sid; (void)value; (void)node; (void)eflags;
	CHECK(type >= 1 && type <= 10);
	s->count[type]++;
	s->last_style = (int)style;
	s->last_nfilt = nfilt;
	s->last_nflow = nflow;
	s->last_nads = nads;
	s->last_code = code;
	CHECK((nfilt == 0) == (filts == NULL));
	CHECK((nflow == 0) == (flows == NULL));
	CHECK((nads == 0) == (ads == NULL));
	if (type == RAPI_PATH_EVENT && nflow > 0) {
		const rapi_tspec_t *t = (const rapi_tspec_t *)(const void *)flows;
		CHECK_EQ(nfilt, 1);
		CHECK_EQ(t->form, RAPI_TSPECTYPE_Simplified);
		s->tspec_r = t->tspecbody_qosx.xtspec_r;
		s->tspec_b = t->tspecbody_qosx.xtspec_b;
		CHECK_EQ(filts[0].form, RAPI_FILTERFORM_BASE);
		s->port = ntohs(filts[0].filt_u.base.sender.sin_port);
		if (nads > 0) {
			s->ads_form = (int)ads[0].form;
			s->ads_len = (int)ads[0].len;
			s->ads = ads[0].adspecbody_qosx;
			rapi_fmt_adspec(&ads[0], buf, sizeof buf);
			CHECK(strlen(buf) > 0);
			printf("test_rapi_dialects (%s): adspec: %s\n", DIALECT, buf);
		}
	}
	if ((type == RAPI_RESV_EVENT || type == RAPI_RESV_CONFIRM) && nflow > 0 &&
	    flows[0].form == RAPI_FLOWSTYPE_Simplified)
		s->flow_r = flows[0].specbody_qosx.xspec_r;
	HANDLER_RETURN;
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
		struct pollfd p;
		if (left <= 0) {
			fprintf(stderr, "line %d: no upcall after %d ms (%d of %d)\n", line,
			        NCT_DEADLINE_MS, *count, want);
			exit(1);
		}
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		CHECK(poll(&p, 1, (int)left) >= 0);
		if (p.revents & POLLIN)
			CHECK_EQ(rapi_dispatch(), 0);
	}
}

/* Dispatches whatever is pending for up to ms milliseconds (no sleep: a
 * poll with a deadline), to see that no extra upcall comes. */
static void drain(rapi_sid_t sid, int ms)
{
	long long end = nct_now_ms() + ms;
	int fd = rapi_getfd(sid);

	for (;;) {
		long long left = end - nct_now_ms();
		if (left <= 0 || !nct_wait_readable(fd, (int)left))
			return;
		CHECK_EQ(rapi_dispatch(), 0);
	}
}

static void set_in(struct sockaddr_in *sa, unsigned short port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int main(void)
{
	struct sockaddr_in dest, lhost;
	rapi_sid_t rsid, ssid;
	rapi_tspec_t tspec;
	rapi_flowspec_t flow;
	rapi_filter_t filt;
	int err = 0;

	start_daemon();
	set_in(&dest, 5200);
	set_in(&lhost, 4200);

	rsid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, HANDLER_ARG, &seen_rcv, &err);
	CHECK(rsid != RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_OK);
	ssid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, HANDLER_ARG, &seen_snd, &err);
	CHECK(ssid != RAPI_NULL_SID && ssid != rsid);

	/* The sender: a Simplified Tspec, no Adspec (rsvpd supplies one). */
	memset(&tspec, 0, sizeof tspec);
	tspec.len = sizeof tspec;
	tspec.form = RAPI_TSPECTYPE_Simplified;
	tspec.tspecbody_qosx.spec_type = QOS_TSPEC;
	tspec.tspecbody_qosx.xtspec_r = 15000;
	tspec.tspecbody_qosx.xtspec_b = 2500;
	tspec.tspecbody_qosx.xtspec_p = 30000;
	tspec.tspecbody_qosx.xtspec_m = 64;
	tspec.tspecbody_qosx.xtspec_M = 1500;
	CHECK_EQ(rapi_sender(ssid, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64), 0);

	/* PATH_EVENT with the Tspec and an Adspec. */
	wait_count(rsid, &seen_rcv.count[RAPI_PATH_EVENT], 1);
	CHECK_EQ(seen_rcv.last_nfilt, 1);
	CHECK_EQ(seen_rcv.last_nflow, 1);
	CHECK_EQ(seen_rcv.port, 4200);
	CHECK(seen_rcv.tspec_r == 15000 && seen_rcv.tspec_b == 2500);
	CHECK(seen_rcv.last_nads >= 1);
	CHECK_EQ(seen_rcv.ads_form, RAPI_ADSTYPE_Simplified);
	CHECK_EQ(seen_rcv.ads_len, (int)sizeof(rapi_adspec_t));
	/* The default Adspec of a local sender, delivered on this host: no
	 * break, a small hop count, a positive (possibly infinite) path
	 * bandwidth, a composed MTU at least the sender's M; both services. */
	printf("test_rapi_dialects (%s): adspec flags %#x hops %u bw %g latency %u mtu %u "
	       "G flags %#x CL flags %#x\n", DIALECT, (unsigned)seen_rcv.ads.xaspec_flags,
	       (unsigned)seen_rcv.ads.xaspec_hopcnt, (double)seen_rcv.ads.xaspec_path_bw,
	       (unsigned)seen_rcv.ads.xaspec_min_latency,
	       (unsigned)seen_rcv.ads.xaspec_composed_MTU, (unsigned)seen_rcv.ads.xGaspec_flags,
	       (unsigned)seen_rcv.ads.xClaspec_flags);
	CHECK(!(seen_rcv.ads.xaspec_flags & XASPEC_FLG_BRK));
	CHECK(seen_rcv.ads.xaspec_hopcnt <= 1);
	CHECK(seen_rcv.ads.xaspec_path_bw > 0);
	CHECK(seen_rcv.ads.xaspec_composed_MTU >= 1500);
	CHECK(!(seen_rcv.ads.xGaspec_flags & XASPEC_FLG_IGN));
	CHECK(!(seen_rcv.ads.xClaspec_flags & XASPEC_FLG_IGN));

	/* FF with confirmation. */
	memset(&flow, 0, sizeof flow);
	flow.len = sizeof flow;
	flow.form = RAPI_FLOWSTYPE_Simplified;
	flow.specbody_qosx.spec_type = QOS_CNTR_LOAD;
	flow.specbody_qosx.xspec_r = 15000;
	flow.specbody_qosx.xspec_b = 2500;
	flow.specbody_qosx.xspec_p = 30000;
	flow.specbody_qosx.xspec_m = 64;
	flow.specbody_qosx.xspec_M = 1500;
	memset(&filt, 0, sizeof filt);
	filt.len = sizeof filt;
	filt.form = RAPI_FILTERFORM_BASE;
	set_in(&filt.filt_u.base.sender, 4200);
	CHECK_EQ(rapi_reserve(rsid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, &filt,
	                      1, &flow), 0);
	wait_count(ssid, &seen_snd.count[RAPI_RESV_EVENT], 1);
	CHECK_EQ(seen_snd.last_style, RAPI_RSTYLE_FIXED);
	CHECK_EQ(seen_snd.last_nflow, 1);
	CHECK(seen_snd.flow_r == 15000);
	wait_count(rsid, &seen_rcv.count[RAPI_RESV_CONFIRM], 1);
	CHECK_EQ(seen_rcv.last_code, RSVP_Err_NONE);
	CHECK(seen_rcv.flow_r == 15000);

	/* Release of the receiver: the sender sees the reservation go. */
	CHECK_EQ(rapi_release(rsid), 0);
	CHECK_EQ(rapi_getfd(rsid), -1);
	wait_count(ssid, &seen_snd.count[RAPI_RESV_EVENT], 2);
	CHECK_EQ(seen_snd.last_nflow, 0);
	CHECK_EQ(seen_snd.count[RAPI_RESV_ERROR], 0);

	/* Release of the sender, watched by a new receiver session: it first
	 * sees the sender, then a PATH_EVENT with none. */
	memset(&seen_rcv, 0, sizeof seen_rcv);
	rsid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, HANDLER_ARG, &seen_rcv, &err);
	CHECK(rsid != RAPI_NULL_SID);
	wait_count(rsid, &seen_rcv.count[RAPI_PATH_EVENT], 1);
	CHECK_EQ(seen_rcv.last_nfilt, 1);
	CHECK_EQ(rapi_release(ssid), 0);
	wait_count(rsid, &seen_rcv.count[RAPI_PATH_EVENT], 2);
	CHECK_EQ(seen_rcv.last_nfilt, 0);
	CHECK_EQ(seen_rcv.last_nflow, 0);
	CHECK_EQ(seen_rcv.last_nads, 0);
	drain(rsid, 200);
	CHECK_EQ(seen_rcv.count[RAPI_RESV_CONFIRM], 0);
	CHECK_EQ(seen_snd.count[RAPI_RESV_CONFIRM], 0);
	CHECK_EQ(rapi_release(rsid), 0);
	printf("test_rapi_dialects (%s): ok\n", DIALECT);
	return 0;
}
