/*
 * rsvp_receiver - an RSVP receiver in the Open Group (C809) dialect of RAPI.
 *
 *   rsvp_receiver DEST PORT [-s ff|wf] [-n COUNT]
 *
 * Opens an API session to DEST/PORT (UDP) and waits for senders. When a
 * PATH_EVENT names a sender, it reserves what the sender's Tspec asks for
 * (Controlled Load, Simplified format) in the chosen style (FF: one filter
 * per sender, paired with a flowspec; WF: one flowspec, no filter) with
 * RAPI_REQ_CONFIRM, so one RESV_CONFIRM upcall reports the reservation
 * installed. Every upcall is printed. When the last sender goes (a
 * PATH_EVENT with no senders) the reservation is removed.
 * It runs until SIGINT/SIGTERM or until COUNT upcalls have been seen, then
 * releases the session and exits 0.
 *
 * rsvpd must be running (RSVP_API_SOCKET names its socket when it is not
 * the default). Build: cc rsvp_receiver.c -lrsvp
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rapi.h"

static volatile sig_atomic_t stop;
static rapi_styleid_t style = RAPI_RSTYLE_FIXED;
static int upcalls, reserved;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *event_name(rapi_eventinfo_t t)
{
	switch (t) {
	case RAPI_PATH_EVENT: return "PATH_EVENT";
	case RAPI_RESV_EVENT: return "RESV_EVENT";
	case RAPI_PATH_ERROR: return "PATH_ERROR";
	case RAPI_RESV_ERROR: return "RESV_ERROR";
	case RAPI_RESV_CONFIRM: return "RESV_CONFIRM";
	default: return "OTHER";
	}
}

/* Reserves for the senders of a PATH_EVENT. The upcall's lists are valid
 * only during the upcall: the filters and flowspecs built here are copies. */
static void reserve(rapi_sid_t sid, int nfilt, rapi_filter_t *filts, rapi_flowspec_t *tspecs)
{
	rapi_filter_t f[8];
	rapi_flowspec_t fs[8];
	int i, n = nfilt < 8 ? nfilt : 8, rc;

	for (i = 0; i < n; i++) {
		rapi_tspec_t *t = (rapi_tspec_t *)(void *)tspecs;
		memcpy(&f[i], filts, sizeof f[i]);  /* objects passed are padded */
		memset(&fs[i], 0, sizeof fs[i]);
		fs[i].len = sizeof fs[i];
		fs[i].form = RAPI_FLOWSTYPE_Simplified;
		fs[i].specbody_qosx.spec_type = QOS_CNTR_LOAD;
		if (t->form == RAPI_TSPECTYPE_Simplified) {
			fs[i].specbody_qosx.xspec_r = t->tspecbody_qosx.xtspec_r;
			fs[i].specbody_qosx.xspec_b = t->tspecbody_qosx.xtspec_b;
			fs[i].specbody_qosx.xspec_p = t->tspecbody_qosx.xtspec_p;
			fs[i].specbody_qosx.xspec_m = t->tspecbody_qosx.xtspec_m;
			fs[i].specbody_qosx.xspec_M = t->tspecbody_qosx.xtspec_M;
		}
		filts = (rapi_filter_t *)(void *)After_RAPIObj(filts);
		tspecs = (rapi_flowspec_t *)(void *)After_RAPIObj(tspecs);
	}
	if (style == RAPI_RSTYLE_WILDCARD)  /* WF: the first sender's rate, no filter */
		rc = rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, style, NULL, NULL, 0, NULL, 1, fs);
	else                                /* FF: filter/flowspec pairs */
		rc = rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, style, NULL, NULL, n, f, n, fs);
	if (rc != 0)
		printf("receiver: rapi_reserve: %s\n", rapi_strerror(RSVP_Err_API_ERROR, rc));
	else
		printf("receiver: reserving %s for %d sender(s), confirmation requested\n",
		       rapi_rstyle_names[style], n);
	reserved = rc == 0;
}

static rapi_event_rtn_t upcall;

static void upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t st,
                   int code, int value, rapi_addr_t *node, unsigned int eflags,
                   int nfilt, rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows,
                   int nads, rapi_adspec_t *ads, void *arg)
{
	rapi_filter_t *f = filts;
	rapi_flowspec_t *fl = flows;
	char buf[256];
	int i;

	(void)node;
	(void)arg;
	upcalls++;
	printf("receiver: %s sid=%u style=%s nfilt=%d nflow=%d nads=%d", event_name(type), sid,
	       (st >= 1 && st <= RAPI_RSTYLE_MAX) ? rapi_rstyle_names[st] : "-", nfilt, nflow, nads);
	if (type == RAPI_PATH_ERROR || type == RAPI_RESV_ERROR)
		printf(" code=%d value=%d flags=%u (%s)", code, value, eflags,
		       rapi_strerror(code, value) ? rapi_strerror(code, value) : "?");
	printf("\n");
	for (i = 0; i < nfilt; i++) {
		rapi_fmt_filtspec(f, buf, sizeof buf);
		printf("receiver:   filter %s\n", buf);
		f = (rapi_filter_t *)(void *)After_RAPIObj(f);
	}
	for (i = 0; i < nflow; i++) {
		/* PATH_EVENT: the senders' Tspecs; otherwise flowspecs. */
		if (type == RAPI_PATH_EVENT)
			rapi_fmt_tspec((rapi_tspec_t *)(void *)fl, buf, sizeof buf);
		else
			rapi_fmt_flowspec(fl, buf, sizeof buf);
		printf("receiver:   %s %s\n", type == RAPI_PATH_EVENT ? "tspec" : "flowspec", buf);
		fl = (rapi_flowspec_t *)(void *)After_RAPIObj(fl);
	}
	if (nads > 0 && ads->form != RAPI_EMPTY_OTYPE) {
		rapi_fmt_adspec(ads, buf, sizeof buf);
		printf("receiver:   adspec %s\n", buf);
	}

	if (type == RAPI_PATH_EVENT && nfilt > 0 && nflow > 0 && !reserved) {
		reserve(sid, nfilt, filts, flows);
	} else if (type == RAPI_PATH_EVENT && nfilt == 0 && reserved) {
		/* The senders left: remove the reservation (no flowspec). */
		rapi_reserve(sid, 0, NULL, style, NULL, NULL, 0, NULL, 0, NULL);
		reserved = 0;
		printf("receiver: senders gone, reservation removed\n");
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: rsvp_receiver DEST PORT [-s ff|wf] [-n COUNT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in dest;
	rapi_sid_t sid;
	int count = 0, err = 0, rc, i, fd;

	if (argc < 3)
		usage();
	memset(&dest, 0, sizeof dest);
	dest.sin_family = AF_INET;
	dest.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dest.sin_addr) != 1)
		usage();
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-s") == 0 && strcmp(argv[i + 1], "ff") == 0)
			style = RAPI_RSTYLE_FIXED;
		else if (strcmp(argv[i], "-s") == 0 && strcmp(argv[i + 1], "wf") == 0)
			style = RAPI_RSTYLE_WILDCARD;
		else if (strcmp(argv[i], "-n") == 0)
			count = atoi(argv[i + 1]);
		else
			usage();
	}
	if (i != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, NULL, &err);
	if (sid == RAPI_NULL_SID) {
		fprintf(stderr, "rsvp_receiver: rapi_session: %s\n",
		        rapi_strerror(RSVP_Err_API_ERROR, err));
		return 1;
	}
	printf("receiver: waiting for senders to %s/%s (%s)\n", argv[1], argv[2],
	       rapi_rstyle_names[style]);

	/* Upcalls run only inside rapi_dispatch, when the descriptor is ready. */
	fd = rapi_getfd(sid);
	while (!stop && (count == 0 || upcalls < count)) {
		struct pollfd p;
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("rsvp_receiver: poll");
			return 1;
		}
		rc = rapi_dispatch();
		if (rc != 0) {
			fprintf(stderr, "rsvp_receiver: rapi_dispatch: %s\n",
			        rapi_strerror(RSVP_Err_API_ERROR, rc));
			return 1;
		}
	}
	rapi_release(sid);
	printf("receiver: released\n");
	return 0;
}
