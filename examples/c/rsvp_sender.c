/*
 * rsvp_sender - an RSVP sender in the Open Group (C809) dialect of RAPI.
 *
 *   rsvp_sender DEST PORT [-s SRCPORT] [-r RATE] [-n COUNT]
 *
 * Opens an API session to DEST/PORT (UDP), announces itself as a sender
 * (Path) from this host's SRCPORT with a Simplified token-bucket Tspec of
 * RATE bytes/s, and prints every upcall rsvpd sends it: RESV_EVENT when a
 * receiver's reservation arrives, PATH_ERROR when the Path is refused.
 * It runs until SIGINT/SIGTERM, or until COUNT RESV_EVENT upcalls carrying
 * a flowspec have been seen; then it releases the session (rsvpd sends
 * PathTear, the receiver sees the sender go) and exits 0.
 *
 * rsvpd must be running (RSVP_API_SOCKET names its socket when it is not
 * the default). Build: cc rsvp_sender.c -lrsvp
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
static int resv_seen;

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

/* The upcall: an Open Group rapi_event_rtn_t (a function type returning
 * void). It runs only inside rapi_dispatch(), on our thread; the lists are
 * valid only until it returns. */
static rapi_event_rtn_t upcall;

static void upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style,
                   int code, int value, rapi_addr_t *node, unsigned int eflags,
                   int nfilt, rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows,
                   int nads, rapi_adspec_t *ads, void *arg)
{
	char buf[256];
	int i;

	(void)node;
	(void)nads;
	(void)ads;
	(void)arg;
	printf("sender: %s sid=%u style=%s nfilt=%d nflow=%d", event_name(type), sid,
	       (style >= 1 && style <= RAPI_RSTYLE_MAX) ? rapi_rstyle_names[style] : "-",
	       nfilt, nflow);
	if (type == RAPI_PATH_ERROR || type == RAPI_RESV_ERROR)
		printf(" code=%d value=%d flags=%u (%s)", code, value, eflags,
		       rapi_strerror(code, value) ? rapi_strerror(code, value) : "?");
	printf("\n");
	/* Lists are walked by len (they may also be indexed as arrays). */
	for (i = 0; i < nfilt; i++) {
		rapi_fmt_filtspec(filts, buf, sizeof buf);
		printf("sender:   filter %s\n", buf);
		filts = (rapi_filter_t *)(void *)After_RAPIObj(filts);
	}
	for (i = 0; i < nflow; i++) {
		/* PATH_EVENT lists the session's senders' Tspecs (ours too). */
		if (type == RAPI_PATH_EVENT)
			rapi_fmt_tspec((rapi_tspec_t *)(void *)flows, buf, sizeof buf);
		else
			rapi_fmt_flowspec(flows, buf, sizeof buf);
		printf("sender:   %s %s\n", type == RAPI_PATH_EVENT ? "tspec" : "flowspec", buf);
		flows = (rapi_flowspec_t *)(void *)After_RAPIObj(flows);
	}
	if (type == RAPI_RESV_EVENT && nflow > 0)
		resv_seen++;
	else if (type == RAPI_RESV_EVENT)
		printf("sender: reservation removed\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: rsvp_sender DEST PORT [-s SRCPORT] [-r RATE] [-n COUNT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in dest, lhost;
	rapi_tspec_t tspec;
	rapi_sid_t sid;
	unsigned short sport = 4000;
	float rate = 12500;
	int count = 0, err = 0, rc, i, fd;

	if (argc < 3)
		usage();
	memset(&dest, 0, sizeof dest);
	dest.sin_family = AF_INET;
	dest.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dest.sin_addr) != 1)
		usage();
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-s") == 0)
			sport = (unsigned short)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-r") == 0)
			rate = (float)atof(argv[i + 1]);
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

	/* One API session per RSVP session (destination, protocol). */
	sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, 0, upcall, NULL, &err);
	if (sid == RAPI_NULL_SID) {
		fprintf(stderr, "rsvp_sender: rapi_session: %s\n", rapi_strerror(RSVP_Err_API_ERROR, err));
		return 1;
	}

	/* The sender: our address (INADDR_ANY = the default local address)
	 * and port, and the traffic we will send, as a Simplified Tspec. */
	memset(&lhost, 0, sizeof lhost);
	lhost.sin_family = AF_INET;
	lhost.sin_port = htons(sport);
	memset(&tspec, 0, sizeof tspec);
	tspec.len = sizeof tspec;
	tspec.form = RAPI_TSPECTYPE_Simplified;
	tspec.tspecbody_qosx.spec_type = QOS_TSPEC;
	tspec.tspecbody_qosx.xtspec_r = rate;      /* token rate, bytes/s */
	tspec.tspecbody_qosx.xtspec_b = 2000;      /* bucket depth, bytes */
	tspec.tspecbody_qosx.xtspec_p = rate * 2;  /* peak rate */
	tspec.tspecbody_qosx.xtspec_m = 64;        /* minimum policed unit */
	tspec.tspecbody_qosx.xtspec_M = 1500;      /* maximum packet size */
	rc = rapi_sender(sid, 0, (rapi_addr_t *)&lhost, NULL, &tspec, NULL, NULL, 64);
	if (rc != 0) {
		fprintf(stderr, "rsvp_sender: rapi_sender: %s\n", rapi_strerror(RSVP_Err_API_ERROR, rc));
		return 1;
	}
	printf("sender: sending Path for %s/%s from port %u, r=%g\n", argv[1], argv[2],
	       (unsigned)sport, (double)rate);

	/* The event loop: rapi_getfd gives a real descriptor, readable exactly
	 * when rapi_dispatch has upcalls to run. */
	fd = rapi_getfd(sid);
	while (!stop && (count == 0 || resv_seen < count)) {
		struct pollfd p;
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("rsvp_sender: poll");
			return 1;
		}
		rc = rapi_dispatch();
		if (rc != 0) {
			fprintf(stderr, "rsvp_sender: rapi_dispatch: %s\n",
			        rapi_strerror(RSVP_Err_API_ERROR, rc));
			return 1;
		}
	}

	/* Releasing withdraws the sender: rsvpd sends PathTear. */
	rapi_release(sid);
	printf("sender: released\n");
	return 0;
}
