/*
 * test_rapi_basic: the RAPI library against a real rsvpd, on one host.
 *
 * The test starts build/rsvpd itself (path in RSVPD, set by
 * tests/c/rapi_basic.cmake) with UDP encapsulation and its API socket in a
 * private directory, points the library at it with RSVP_API_SOCKET, and
 * then, in one process: a session with no daemon gives RAPI_ERR_NORSVP;
 * wrong arguments give the documented errors; a sender and a receiver of
 * one session at the host's own address see PATH_EVENT with the Tspec, RESV_EVENT at
 * the sender, one RESV_CONFIRM at the receiver; removing the reservation
 * and withdrawing the sender give the teardown upcalls; the fmt calls
 * never write past len; a killed daemon makes rapi_dispatch report
 * RAPI_ERR_NORSVP. Nothing sleeps: waits are poll() on rapi_getfd or on
 * inotify, with a deadline.
 */
#include "nctest.h"

#include <signal.h>
#include <sys/prctl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "rapitest.h"

#include "rapi.h"


/* ---- upcall recording ---- */

struct seen {
	int count[11];
	int last_style, last_nfilt, last_nflow, last_nads;
	int last_code, last_value;
	double tspec_r;       /* PATH_EVENT: the first sender's Tspec r */
	unsigned short port;  /* PATH_EVENT: the first sender's port */
	int flow_form;        /* RESV_EVENT: the flowspec's form */
	double flow_r;
	int walk_ok;          /* objects walked by len agree with indexing */
	int intserv;          /* the session asked for RAPI_USE_INTSERV */
	double flow_R;        /* RESV_EVENT: a Guaranteed flowspec's R */
	void *arg;
};

static struct seen seen_rcv, seen_snd, seen_rcv6, seen_snd6;

static void upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style,
                   int code, int value, rapi_addr_t *node, unsigned int eflags,
                   int nfilt, rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows,
                   int nads, rapi_adspec_t *ads, void *arg)
{
	struct seen *s = arg;
	char buf[256];
	int i;

	(void)sid;
	(void)node;
	(void)eflags;
	CHECK(type >= 1 && type <= 10);
	s->count[type]++;
	s->arg = arg;
	s->last_style = (int)style;
	s->last_nfilt = nfilt;
	s->last_nflow = nflow;
	s->last_nads = nads;
	s->last_code = code;
	s->last_value = value;
	CHECK((nfilt == 0) == (filts == NULL));
	CHECK((nflow == 0) == (flows == NULL));
	CHECK((nads == 0) == (ads == NULL));
	s->walk_ok = 1;
	{
		const char *p = (const char *)filts;
		for (i = 0; i < nfilt; i++) {
			const rapi_filter_t *f = (const rapi_filter_t *)(const void *)p;
			if (f != &filts[i] || f->len != sizeof(rapi_filter_t))
				s->walk_ok = 0;
			rapi_fmt_filtspec(&filts[i], buf, sizeof buf);
			p += f->len;
		}
	}
	if (type == RAPI_PATH_EVENT && nflow > 0 && s->intserv) {
		rapi_tspec_t *t = (rapi_tspec_t *)(void *)flows;
		CHECK_EQ(t->form, RAPI_TSPECTYPE_Intserv);
		CHECK_EQ(t->len, sizeof(rapi_tspec_t));
		s->tspec_r = t->tspecbody_IS.gtspec_r;
		CHECK_EQ(filts[0].form, RAPI_FILTERFORM_BASE6);
		s->port = ntohs(filts[0].filt_u.base6.sender.sin6_port);
		rapi_fmt_tspec(t, buf, sizeof buf);
		CHECK(strlen(buf) > 0);
	} else if (type == RAPI_PATH_EVENT && nflow > 0) {
		rapi_tspec_t *t = (rapi_tspec_t *)(void *)flows;
		CHECK_EQ(t->form, RAPI_TSPECTYPE_Simplified);
		CHECK_EQ(t->len, sizeof(rapi_tspec_t));
		s->tspec_r = t->tspecbody_qosx.xtspec_r;
		CHECK_EQ(filts[0].form, RAPI_FILTERFORM_BASE);
		s->port = ntohs(filts[0].filt_u.base.sender.sin_port);
		rapi_fmt_tspec(t, buf, sizeof buf);
		CHECK(strlen(buf) > 0);
		if (nads > 0)
			rapi_fmt_adspec(ads, buf, sizeof buf);
	}
	if ((type == RAPI_RESV_EVENT || type == RAPI_RESV_CONFIRM) && nflow > 0) {
		CHECK_EQ(flows[0].len, sizeof(rapi_flowspec_t));
		s->flow_form = (int)flows[0].form;
		if (flows[0].form == RAPI_FLOWSTYPE_Simplified)
			s->flow_r = flows[0].specbody_qosx.xspec_r;
		if (flows[0].form == RAPI_FLOWSTYPE_Intserv && flows[0].specbody_IS.Gspec_serv == GUARANTEED_SERV) {
			s->flow_r = flows[0].specbody_IS.Gspec_r;
			s->flow_R = flows[0].specbody_IS.Gspec_R;
		}
		rapi_fmt_flowspec(&flows[0], buf, sizeof buf);
		CHECK(strlen(buf) > 0);
	}
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
			fprintf(stderr, "line %d: no upcall after %d ms (%d of %d)\n", line,
			        NCT_DEADLINE_MS, *count, want);
			exit(1);
		}
		CHECK(poll(&p, 1, (int)left) >= 0);
		if (p.revents & POLLIN)
			CHECK_EQ(rapi_dispatch(), 0);
	}
}

/* The local sender and receiver meet on the loopback address (rsvpd
 * delivers a Path for one of its own addresses locally). */
static char host_addr[INET_ADDRSTRLEN];

static void find_host_addr(void)
{
	strcpy(host_addr, "127.0.0.1");
}

static void set_in(struct sockaddr_in *sa, const char *addr, unsigned short port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	CHECK(inet_pton(AF_INET, addr, &sa->sin_addr) == 1);
}

static void make_tspec(rapi_tspec_t *t, float r)
{
	memset(t, 0, sizeof *t);
	t->len = sizeof *t;
	t->form = RAPI_TSPECTYPE_Simplified;
	t->tspecbody_qosx.spec_type = QOS_TSPEC;
	t->tspecbody_qosx.xtspec_r = r;
	t->tspecbody_qosx.xtspec_b = 2000;
	t->tspecbody_qosx.xtspec_p = r * 2;
	t->tspecbody_qosx.xtspec_m = 64;
	t->tspecbody_qosx.xtspec_M = 1500;
}

static void make_flowspec(rapi_flowspec_t *f, float r)
{
	memset(f, 0, sizeof *f);
	f->len = sizeof *f;
	f->form = RAPI_FLOWSTYPE_Simplified;
	f->specbody_qosx.spec_type = QOS_CNTR_LOAD;
	f->specbody_qosx.xspec_r = r;
	f->specbody_qosx.xspec_b = 2000;
	f->specbody_qosx.xspec_p = r * 2;
	f->specbody_qosx.xspec_m = 64;
	f->specbody_qosx.xspec_M = 1500;
}

static void make_filter(rapi_filter_t *f, const char *addr, unsigned short port)
{
	memset(f, 0, sizeof *f);
	f->len = sizeof *f;
	f->form = RAPI_FILTERFORM_BASE;
	set_in(&f->filt_u.base.sender, addr, port);
}

/* The IPv6 loopback address, where an IPv6 sender and receiver meet. */
static int find_host_addr6(struct in6_addr *out)
{
	*out = in6addr_loopback;
	return 1;
}

static void set_in6(struct sockaddr_in6 *sa, const struct in6_addr *a, unsigned short port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(port);
	sa->sin6_addr = *a;
}

/*
 * IPv6 and the IntServ formats: both sessions ask for RAPI_USE_INTSERV;
 * the sender's Tspec and the receiver's Guaranteed flowspec are IntServ
 * bodies built with the header's macros, packed tight (len = the body's
 * size) and walked by len; SE and then WF reservations.
 */
static void run_v6_intserv(void)
{
	struct in6_addr a6;
	struct sockaddr_in6 dest, lhost;
	rapi_sid_t rsid, ssid;
	rapi_tspec_t tspec;
	rapi_filter_t filt;
	unsigned char flowbuf[2 * sizeof(rapi_flowspec_t)];
	rapi_flowspec_t *f = (rapi_flowspec_t *)(void *)flowbuf;
	IS_specbody_t *b = &f->specbody_IS;
	int err = 0;

	if (!find_host_addr6(&a6)) {
		printf("test_rapi_basic: no global IPv6 address: IPv6 part skipped\n");
		return;
	}
	seen_rcv6.intserv = seen_snd6.intserv = 1;
	set_in6(&dest, &a6, 6000);
	set_in6(&lhost, &a6, 6001);
	rsid = rapi_session((rapi_addr_t *)(void *)&dest, 0, RAPI_USE_INTSERV, upcall, &seen_rcv6, &err);
	CHECK(rsid != RAPI_NULL_SID);
	ssid = rapi_session((rapi_addr_t *)(void *)&dest, 0, RAPI_USE_INTSERV, upcall, &seen_snd6, &err);
	CHECK(ssid != RAPI_NULL_SID);

	memset(&tspec, 0, sizeof tspec);
	tspec.form = RAPI_TSPECTYPE_Intserv;
	tspec.len = sizeof(rapi_hdr_t) + sizeof(IS_tspbody_t);
	Set_Main_Hdr(&tspec.tspecbody_IS.st_mh, wordsof(sizeof(gen_Tspec_t)));
	Set_Serv_Hdr(&tspec.tspecbody_IS.st_tspec.gen_Tspec_serv_hdr, GENERAL_INFO, 6);
	Set_Parm_Hdr(&tspec.tspecbody_IS.st_tspec.gen_Tspec_parm_hdr, IS_WKP_TB_TSPEC, 5);
	tspec.tspecbody_IS.gtspec_r = 25000;
	tspec.tspecbody_IS.gtspec_b = 3000;
	tspec.tspecbody_IS.gtspec_p = 50000;
	tspec.tspecbody_IS.gtspec_m = 64;
	tspec.tspecbody_IS.gtspec_M = 1400;
	CHECK_EQ(rapi_sender(ssid, 0, (rapi_addr_t *)(void *)&lhost, NULL, &tspec, NULL, NULL, 64), 0);
	wait_count(rsid, &seen_rcv6.count[RAPI_PATH_EVENT], 1);
	CHECK_EQ(seen_rcv6.last_nflow, 1);
	CHECK(seen_rcv6.tspec_r == 25000);
	CHECK_EQ(seen_rcv6.port, 6001);

	/* SE: one Guaranteed flowspec, one filter; the flowspec is packed
	 * tight and followed by garbage that must not be read. */
	memset(flowbuf, 0xee, sizeof flowbuf);
	memset(f, 0, sizeof(rapi_hdr_t) + sizeof(IS_specbody_t));
	f->form = RAPI_FLOWSTYPE_Intserv;
	f->len = sizeof(rapi_hdr_t) + sizeof(IS_main_hdr_t) + sizeof(Guar_flowspec_t);
	Set_Main_Hdr(&b->spec_mh, wordsof(sizeof(Guar_flowspec_t)));
	Set_Serv_Hdr(&b->spec_u.G_spec.Guar_fspec_serv_hdr, GUARANTEED_SERV, 9);
	Set_Parm_Hdr(&b->spec_u.G_spec.Guar_Tspec_parm_hdr, IS_WKP_TB_TSPEC, 5);
	Set_Parm_Hdr(&b->spec_u.G_spec.Guar_Rspec_parm_hdr, IS_GUAR_RSPEC, 2);
	b->Gspec_r = 25000;
	b->Gspec_b = 3000;
	b->Gspec_p = 50000;
	b->Gspec_m = 64;
	b->Gspec_M = 1400;
	b->Gspec_R = 30000;
	b->Gspec_S = 100;
	memset(&filt, 0, sizeof filt);
	filt.len = sizeof filt;
	filt.form = RAPI_FILTERFORM_BASE6;
	set_in6(&filt.filt_u.base6.sender, &a6, 6001);
	CHECK_EQ(rapi_reserve(rsid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_SE, NULL, NULL, 1, &filt, 1, f), 0);
	wait_count(ssid, &seen_snd6.count[RAPI_RESV_EVENT], 1);
	CHECK_EQ(seen_snd6.last_style, RAPI_RSTYLE_SE);
	CHECK_EQ(seen_snd6.flow_form, RAPI_FLOWSTYPE_Intserv);
	CHECK(seen_snd6.flow_r == 25000 && seen_snd6.flow_R == 30000);
	wait_count(rsid, &seen_rcv6.count[RAPI_RESV_CONFIRM], 1);

	/* WF replaces it: no filter, one flowspec. */
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_WILDCARD, NULL, NULL, 0, NULL, 1, f), 0);
	wait_count(ssid, &seen_snd6.count[RAPI_RESV_EVENT], 2);
	CHECK_EQ(seen_snd6.last_style, RAPI_RSTYLE_WILDCARD);
	CHECK_EQ(seen_snd6.last_nflow, 1);

	/* Releasing the receiver tears the reservation down at the sender. */
	CHECK_EQ(rapi_release(rsid), 0);
	wait_count(ssid, &seen_snd6.count[RAPI_RESV_EVENT], 3);
	CHECK_EQ(seen_snd6.last_nflow, 0);
	CHECK_EQ(rapi_release(ssid), 0);
	CHECK_EQ(seen_rcv6.count[RAPI_RESV_CONFIRM], 1);
}

/* Every fmt call stays within len and terminates the string. */
static void check_fmt(void)
{
	char buf[16];
	rapi_flowspec_t f;
	rapi_tspec_t t;
	rapi_filter_t flt;
	rapi_adspec_t a;

	make_flowspec(&f, 1.5e6f);
	make_tspec(&t, 12500);
	make_filter(&flt, "192.0.2.1", 4000);
	memset(&a, 0, sizeof a);
	a.len = sizeof a;
	memset(buf, 'x', sizeof buf);
	rapi_fmt_flowspec(&f, buf, 8);
	CHECK(strlen(buf) <= 7 && buf[8] == 'x');
	rapi_fmt_tspec(&t, buf, 8);
	CHECK(strlen(buf) <= 7 && buf[8] == 'x');
	rapi_fmt_filtspec(&flt, buf, 8);
	CHECK(strlen(buf) <= 7 && buf[8] == 'x');
	rapi_fmt_adspec(&a, buf, 8);
	CHECK(strlen(buf) <= 7 && buf[8] == 'x');
	rapi_fmt_flowspec(&f, buf, 0);
	CHECK(buf[0] != '\0' || 1);
	{
		char big[256];
		rapi_fmt_filtspec(&flt, big, sizeof big);
		CHECK(strstr(big, "192.0.2.1") != NULL && strstr(big, "4000") != NULL);
	}
}

int main(void)
{
	struct sockaddr_in dest, lhost;
	rapi_sid_t rsid, ssid, sid;
	rapi_tspec_t tspec;
	rapi_flowspec_t flows[2];
	rapi_filter_t filts[2];
	int err, fd;

	rapitest_prepare("# test_rapi_basic\nrefresh 30s\n"); /* no daemon yet */

	/* Library-only calls. */
	CHECK_EQ(rapi_version(), RAPI_VERSION);
	CHECK(rapi_strerror(RSVP_Err_API_ERROR, RAPI_ERR_NORSVP) != NULL);
	CHECK(rapi_strerror(RSVP_Err_ADMISSION, 2) != NULL);
	CHECK(rapi_strerror(1000, 0) == NULL);
	CHECK(strcmp(rapi_rstyle_names[RAPI_RSTYLE_FIXED], "FF") == 0);
	check_fmt();

	/* No daemon yet. */
	find_host_addr();
	set_in(&dest, host_addr, 5000);
	err = 0;
	CHECK_EQ(rapi_session((rapi_addr_t *)&dest, 0, 0, upcall, &seen_rcv, &err), RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_NORSVP);
	err = 0;
	CHECK_EQ(rapi_session(NULL, 0, 0, upcall, &seen_rcv, &err), RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_INVAL);

	rapitest_start();

	/* The receiver's and the sender's API sessions of one RSVP session. */
	err = -1;
	rsid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, &seen_rcv, &err);
	CHECK(rsid != RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_OK);
	ssid = rapi_session((rapi_addr_t *)&dest, 0, 0, upcall, &seen_snd, &err);
	CHECK(ssid != RAPI_NULL_SID && ssid != rsid);
	fd = rapi_getfd(rsid);
	CHECK(fd >= 0);
	CHECK_EQ(rapi_getfd(ssid), fd);
	CHECK_EQ(rapi_getfd(RAPI_NULL_SID), -1);
	CHECK_EQ(rapi_getfd(rsid + ssid + 1000), -1);

	/* Wrong arguments. */
	set_in(&lhost, host_addr, 4000);
	make_tspec(&tspec, 12500);
	make_flowspec(&flows[0], 12500);
	make_flowspec(&flows[1], 12500);
	make_filter(&filts[0], host_addr, 4000);
	make_filter(&filts[1], host_addr, 4001);
	CHECK_EQ(rapi_sender(rsid + ssid + 1000, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64),
	         RAPI_ERR_BADSID);
	CHECK_EQ(rapi_sender(ssid, 0, (rapi_addr_t *)&lhost, NULL, NULL, NULL, NULL, 64), RAPI_ERR_NOTSPEC);
	CHECK_EQ(rapi_reserve(rsid + ssid + 1000, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, filts, 1, flows),
	         RAPI_ERR_BADSID);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, (rapi_styleid_t)7, NULL, NULL, 1, filts, 1, flows),
	         RAPI_ERR_BADSTYLE);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 2, filts, 1, flows),
	         RAPI_ERR_N_FFS);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_WILDCARD, NULL, NULL, 0, NULL, 2, flows),
	         RAPI_ERR_N_FFS);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_SE, NULL, NULL, 0, NULL, 1, flows),
	         RAPI_ERR_N_FFS);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, NULL, 1, flows),
	         RAPI_ERR_INVAL);
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, filts, 1, NULL),
	         RAPI_ERR_INVAL);
	CHECK_EQ(rapi_release(rsid + ssid + 1000), RAPI_ERR_BADSID);

	/* Nothing has happened yet: the descriptor is not readable. */
	CHECK(!nct_wait_readable(fd, 0));
	CHECK_EQ(rapi_dispatch(), 0);

	/* Path: the receiver sees the sender and its Tspec. */
	CHECK_EQ(rapi_sender(ssid, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64), 0);
	wait_count(rsid, &seen_rcv.count[RAPI_PATH_EVENT], 1);
	CHECK(seen_rcv.arg == &seen_rcv);
	CHECK_EQ(seen_rcv.last_nfilt, 1);
	CHECK_EQ(seen_rcv.last_nflow, 1);
	CHECK(seen_rcv.tspec_r == 12500);
	CHECK_EQ(seen_rcv.port, 4000);
	CHECK(seen_rcv.walk_ok);

	/* Reservation with confirmation: RESV_EVENT at the sender, one
	 * RESV_CONFIRM at the receiver. */
	CHECK_EQ(rapi_reserve(rsid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, filts, 1, flows), 0);
	wait_count(ssid, &seen_snd.count[RAPI_RESV_EVENT], 1);
	CHECK_EQ(seen_snd.last_style, RAPI_RSTYLE_FIXED);
	CHECK_EQ(seen_snd.last_nflow, 1);
	CHECK_EQ(seen_snd.flow_form, RAPI_FLOWSTYPE_Simplified);
	CHECK(seen_snd.flow_r == 12500);
	wait_count(rsid, &seen_rcv.count[RAPI_RESV_CONFIRM], 1);
	CHECK_EQ(seen_rcv.last_code, RSVP_Err_NONE);
	CHECK_EQ(seen_rcv.count[RAPI_RESV_ERROR], 0);

	/* rapi_status: status upcalls with the current state. */
	CHECK_EQ(rapi_status(rsid, RAPI_STAT_PATH), 0);
	wait_count(rsid, &seen_rcv.count[RAPI_PATH_STATUS], 1);
	CHECK_EQ(seen_rcv.last_nflow, 1);
	CHECK_EQ(rapi_status(rsid + ssid + 1000, 0), RAPI_ERR_BADSID);

	/* Teardown: no flowspec removes the reservation (the sender sees an
	 * empty one); no LHost withdraws the sender (the receiver sees no
	 * senders). */
	CHECK_EQ(rapi_reserve(rsid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 0, NULL, 0, NULL), 0);
	wait_count(ssid, &seen_snd.count[RAPI_RESV_EVENT], 2);
	CHECK_EQ(seen_snd.last_nflow, 0);
	{
		int before = seen_rcv.count[RAPI_PATH_EVENT];
		CHECK_EQ(rapi_sender(ssid, 0, NULL, NULL, NULL, NULL, NULL, 0), 0);
		wait_count(rsid, &seen_rcv.count[RAPI_PATH_EVENT], before + 1);
		CHECK_EQ(seen_rcv.last_nfilt, 0);
		CHECK_EQ(seen_rcv.last_nflow, 0);
	}
	CHECK_EQ(rapi_release(ssid), 0);
	CHECK_EQ(rapi_release(rsid), 0);
	CHECK_EQ(rapi_release(rsid), RAPI_ERR_BADSID);
	CHECK_EQ(seen_rcv.count[RAPI_RESV_CONFIRM], 1);
	CHECK_EQ(rapi_getfd(rsid), -1);

	run_v6_intserv();

	/* A daemon killed mid-session: the descriptor becomes readable and
	 * rapi_dispatch says RAPI_ERR_NORSVP. */
	sid = rapi_session((rapi_addr_t *)&dest, 0, 0, upcall, &seen_rcv, &err);
	CHECK(sid != RAPI_NULL_SID);
	fd = rapi_getfd(sid);
	rapitest_kill();
	{
		long long end = nct_now_ms() + NCT_DEADLINE_MS;
		int st = 0;
		while (st != RAPI_ERR_NORSVP) {
			CHECK(nct_now_ms() < end);
			CHECK(nct_wait_readable(fd, (int)(end - nct_now_ms())));
			st = rapi_dispatch();
			CHECK(st == 0 || st == RAPI_ERR_NORSVP);
		}
	}
	CHECK_EQ(rapi_reserve(sid, 0, NULL, RAPI_RSTYLE_FIXED, NULL, NULL, 1, filts, 1, flows), RAPI_ERR_NORSVP);
	err = 0;
	CHECK_EQ(rapi_session((rapi_addr_t *)&dest, 0, 0, upcall, &seen_rcv, &err), RAPI_NULL_SID);
	CHECK_EQ(err, RAPI_ERR_NORSVP);
	printf("test_rapi_basic: ok\n");
	return 0;
}
