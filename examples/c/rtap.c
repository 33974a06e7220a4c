/*
 * rtap - an interactive RAPI test tool in the manner of ISI's rtap, written
 * in the ISI dialect (rapi_lib.h). It reads one command a line from stdin
 * and prints each result and each upcall on one line, so that a script can
 * drive it and grep its output.
 *
 * Commands (HOST is an IPv4 or IPv6 address; # starts a comment):
 *   dest udp|tcp|PROTO HOST/PORT      open the API session (releases any old one)
 *   sender HOST/PORT [t r b p m M]    define the sender (Path) with a Tspec
 *   sender                            withdraw the sender
 *   reserve wf|ff|se [cl r b p m M | g r b p m M R S] [HOST/PORT ...]
 *                                     reserve (FF: the flowspec for each
 *                                     sender); without a flowspec: remove it
 *   confirm                           ask for a RESV_CONFIRM on the next reserve
 *   release                           release the session
 *   status                            ask for PATH_STATUS/RESV_STATUS upcalls
 *   dispatch [MS [EVENT]]             run upcalls for up to MS ms (default 0:
 *                                     only those pending); with EVENT (e.g.
 *                                     RESV_CONFIRM) return as soon as an
 *                                     upcall of that type has come that no
 *                                     earlier "dispatch MS EVENT" waited for
 *                                     (it may have come during an earlier
 *                                     dispatch), so scripts do not race
 *   quit                              release and exit (so does end of input)
 *
 * Output lines (fields separated by single spaces):
 *   OK CMD [key=value ...]
 *   ERR CMD [N] text                  (N: the RAPI error number, when one)
 *   UPCALL EVENT sid=N style=WF|FF|SE|- code=C value=V flags=F node=ADDR|-
 *          nfilt=N nflow=N nads=N [filter=ADDR/PORT ...]
 *          [tspec=r/b/p/m/M ...] [flowspec=CL:r/b/p/m/M | GS:r/b/p/m/M/R/S ...]
 * (one line; rates in bytes/s, %g format). Commands are echoed as "> CMD"
 * when stdin is not a terminal, and a prompt is shown when it is.
 *
 * rsvpd must be running (RSVP_API_SOCKET names its socket when it is not
 * the default). Build: cc rtap.c -lrsvp
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rapi_lib.h"
#include "rapi_err.h"

#define MAXF 16

static rapi_sid_t sid = NULL_SID;
static int confirm_next;
static int unclaimed[11]; /* upcalls per type no "dispatch MS EVENT" claimed */
static int n_upcalls;

static const char *event_names[] = {
	"?", "PATH_EVENT", "RESV_EVENT", "PATH_ERROR", "RESV_ERROR", "RESV_CONFIRM",
	"?", "?", "?", "PATH_STATUS", "RESV_STATUS"
};

static const char *event_name(int t)
{
	return (t >= 1 && t <= 10) ? event_names[t] : "?";
}

static int event_by_name(const char *s)
{
	int i;

	for (i = 1; i <= 10; i++)
		if (strcmp(s, event_names[i]) == 0)
			return i;
	return 0;
}

static const char *style_name(int style)
{
	return (style >= 1 && style <= RAPI_RSTYLE_MAX) ? rapi_rstyle_names[style] : "-";
}

/* Formats ADDR/PORT (port in network order). */
static void fmt_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s/%u", a, port);
}

/* Parses HOST/PORT into a sockaddr_in or sockaddr_in6. */
static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strrchr(s, '/');
	size_t n;
	char *end;
	long port;

	if (!slash || (n = (size_t)(slash - s)) == 0 || n >= sizeof host)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	port = strtol(slash + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)port);
		return 0;
	}
	return -1;
}

/* ---- the upcall: ISI's int-returning handler; the value is ignored ---- */

static int upcall(rapi_sid_t usid, rapi_eventinfo_t event, int style, int code, int value,
                  struct sockaddr *node, u_char flags, int nfilt, rapi_filter_t *filts,
                  int nflow, rapi_flowspec_t *flows, int nads, rapi_adspec_t *ads, void *arg)
{
	char a[INET6_ADDRSTRLEN + 8];
	char *p;
	int i;

	(void)ads;
	(void)arg;
	n_upcalls++;
	if ((int)event >= 1 && (int)event <= 10)
		unclaimed[event]++;
	if (node && (node->sa_family == AF_INET || node->sa_family == AF_INET6)) {
		fmt_addr(node, a, sizeof a);
		if ((p = strrchr(a, '/')) != NULL)
			*p = '\0';
	} else {
		strcpy(a, "-");
	}
	printf("UPCALL %s sid=%u style=%s code=%d value=%d flags=%u node=%s nfilt=%d nflow=%d nads=%d",
	       event_name(event), usid, style_name(style), code, value, (unsigned)flags, a,
	       nfilt, nflow, nads);
	/* Object lists are walked by len. */
	for (i = 0; i < nfilt; i++, filts = (rapi_filter_t *)(void *)After_RAPIObj(filts)) {
		if (filts->form == RAPI_FILTERFORM_BASE)
			fmt_addr((struct sockaddr *)&filts->rapi_filt4, a, sizeof a);
		else if (filts->form == RAPI_FILTERFORM_BASE6)
			fmt_addr((struct sockaddr *)&filts->rapi_filt6, a, sizeof a);
		else
			snprintf(a, sizeof a, "form%d", filts->form);
		printf(" filter=%s", a);
	}
	for (i = 0; i < nflow; i++, flows = (rapi_flowspec_t *)(void *)After_RAPIObj(flows)) {
		if (event == RAPI_PATH_EVENT || event == RAPI_PATH_STATUS) {
			/* Path state: the list holds the senders' Tspecs. */
			rapi_tspec_t *t = (rapi_tspec_t *)(void *)flows;
			if (t->form == RAPI_TSPECTYPE_Simplified)
				printf(" tspec=%g/%g/%g/%g/%g", (double)t->tspecbody_qosx.xtspec_r,
				       (double)t->tspecbody_qosx.xtspec_b, (double)t->tspecbody_qosx.xtspec_p,
				       (double)t->tspecbody_qosx.xtspec_m, (double)t->tspecbody_qosx.xtspec_M);
			else
				printf(" tspec=form%d", t->form);
		} else if (flows->form == RAPI_FLOWSTYPE_Simplified) {
			qos_flowspecx_t *q = &flows->specbody_qosx;
			if (q->spec_type == QOS_GUARANTEEDX)
				printf(" flowspec=GS:%g/%g/%g/%g/%g/%g/%g", (double)q->xspec_r,
				       (double)q->xspec_b, (double)q->xspec_p, (double)q->xspec_m,
				       (double)q->xspec_M, (double)q->xspec_R, (double)q->xspec_S);
			else
				printf(" flowspec=CL:%g/%g/%g/%g/%g", (double)q->xspec_r,
				       (double)q->xspec_b, (double)q->xspec_p, (double)q->xspec_m,
				       (double)q->xspec_M);
		} else {
			printf(" flowspec=form%d", flows->form);
		}
	}
	printf("\n");
	return 0;
}

/* ---- commands ---- */

static void err_rapi(const char *cmd, int rc)
{
	const char *t = rapi_strerror(RSVP_Err_API_ERROR, rc);
	printf("ERR %s %d %s\n", cmd, rc, t ? t : "?");
}

static void cmd_dest(char **av, int ac)
{
	struct sockaddr_storage d;
	int proto, err = 0;

	if (ac != 3 || parse_addr(av[2], &d) != 0) {
		printf("ERR dest usage: dest udp|tcp|PROTO HOST/PORT\n");
		return;
	}
	if (strcmp(av[1], "udp") == 0)
		proto = IPPROTO_UDP;
	else if (strcmp(av[1], "tcp") == 0)
		proto = IPPROTO_TCP;
	else if ((proto = atoi(av[1])) <= 0 || proto > 255) {
		printf("ERR dest bad protocol %s\n", av[1]);
		return;
	}
	if (sid != NULL_SID)
		rapi_release(sid);
	sid = rapi_session((struct sockaddr *)&d, proto, 0, upcall, NULL, &err);
	if (sid == NULL_SID)
		err_rapi("dest", err);
	else
		printf("OK dest sid=%u fd=%d\n", sid, rapi_getfd(sid));
}

/* Reads up to n numbers from av into v; returns how many were read. */
static int numbers(char **av, int ac, float *v, int n)
{
	int i;
	char *end;

	for (i = 0; i < n && i < ac; i++) {
		v[i] = strtof(av[i], &end);
		if (*end)
			break;
	}
	return i;
}

static void cmd_sender(char **av, int ac)
{
	struct sockaddr_storage lhost;
	rapi_tspec_t t;
	float v[5] = {12500, 2000, 25000, 64, 1500};
	int rc;

	if (sid == NULL_SID) {
		printf("ERR sender no session: use dest first\n");
		return;
	}
	if (ac == 1) {  /* no LHost: withdraw the sender */
		rc = rapi_sender(sid, 0, NULL, NULL, NULL, NULL, NULL, 0);
		if (rc)
			err_rapi("sender", rc);
		else
			printf("OK sender withdrawn\n");
		return;
	}
	if (parse_addr(av[1], &lhost) != 0 ||
	    (ac > 2 && (strcmp(av[2], "t") != 0 || numbers(av + 3, ac - 3, v, 5) != ac - 3))) {
		printf("ERR sender usage: sender HOST/PORT [t r b p m M]\n");
		return;
	}
	/* A tight Simplified Tspec (len = header + body), as ISI code builds it. */
	memset(&t, 0, sizeof t);
	t.form = RAPI_TSPECTYPE_Simplified;
	t.len = sizeof(rapi_hdr_t) + sizeof(qos_tspecx_t);
	t.tspecbody_qosx.spec_type = QOS_TSPEC;
	t.tspecbody_qosx.xtspec_r = v[0];
	t.tspecbody_qosx.xtspec_b = v[1];
	t.tspecbody_qosx.xtspec_p = v[2];
	t.tspecbody_qosx.xtspec_m = v[3];
	t.tspecbody_qosx.xtspec_M = v[4];
	rc = rapi_sender(sid, 0, (struct sockaddr *)&lhost, NULL, &t, NULL, NULL, 64);
	if (rc)
		err_rapi("sender", rc);
	else
		printf("OK sender tspec=%g/%g/%g/%g/%g\n", (double)v[0], (double)v[1], (double)v[2],
		       (double)v[3], (double)v[4]);
}

static void cmd_reserve(char **av, int ac)
{
	rapi_filter_t f[MAXF];
	rapi_flowspec_t fs[MAXF], spec;
	struct sockaddr_storage ss;
	float v[7] = {12500, 2000, 25000, 64, 1500, 0, 0};
	int style, i = 2, nspec = 0, nfilt = 0, nflow, flags, rc;

	if (sid == NULL_SID) {
		printf("ERR reserve no session: use dest first\n");
		return;
	}
	if (ac < 2)
		style = 0;
	else if (strcmp(av[1], "wf") == 0)
		style = RAPI_RSTYLE_WILDCARD;
	else if (strcmp(av[1], "ff") == 0)
		style = RAPI_RSTYLE_FIXED;
	else if (strcmp(av[1], "se") == 0)
		style = RAPI_RSTYLE_SE;
	else
		style = 0;
	if (!style) {
		printf("ERR reserve usage: reserve wf|ff|se [cl r b p m M | g r b p m M R S] [HOST/PORT ...]\n");
		return;
	}
	memset(&spec, 0, sizeof spec);
	spec.form = RAPI_FLOWSTYPE_Simplified;
	spec.len = sizeof(rapi_hdr_t) + sizeof(qos_flowspecx_t);
	if (i < ac && (strcmp(av[i], "cl") == 0 || strcmp(av[i], "g") == 0)) {
		int g = av[i][0] == 'g';
		i++;
		nspec = numbers(av + i, ac - i, v, g ? 7 : 5);
		i += nspec;
		spec.specbody_qosx.spec_type = g ? QOS_GUARANTEEDX : QOS_CNTR_LOAD;
		spec.specbody_qosx.xspec_r = v[0];
		spec.specbody_qosx.xspec_b = v[1];
		spec.specbody_qosx.xspec_p = v[2];
		spec.specbody_qosx.xspec_m = v[3];
		spec.specbody_qosx.xspec_M = v[4];
		spec.specbody_qosx.xspec_R = v[5];
		spec.specbody_qosx.xspec_S = v[6];
		nspec = 1;
	}
	for (; i < ac; i++) {
		if (nfilt == MAXF || parse_addr(av[i], &ss) != 0) {
			printf("ERR reserve bad or too many senders at %s\n", av[i]);
			return;
		}
		memset(&f[nfilt], 0, sizeof f[nfilt]);
		if (ss.ss_family == AF_INET) {
			f[nfilt].form = RAPI_FILTERFORM_BASE;
			f[nfilt].len = sizeof(rapi_hdr_t) + sizeof(rapi_filter_base_t);
			memcpy(&f[nfilt].rapi_filt4, &ss, sizeof(struct sockaddr_in));
		} else {
			f[nfilt].form = RAPI_FILTERFORM_BASE6;
			f[nfilt].len = sizeof(rapi_hdr_t) + sizeof(rapi_filter_base6_t);
			memcpy(&f[nfilt].rapi_filt6, &ss, sizeof(struct sockaddr_in6));
		}
		nfilt++;
	}
	/* FF pairs one flowspec with each filter; WF and SE take one. The
	 * lists are arrays of full-size objects, walked by len. */
	nflow = (style == RAPI_RSTYLE_FIXED && nspec) ? nfilt : nspec;
	for (i = 0; i < nflow; i++)
		fs[i] = spec;
	if (!nspec)
		nfilt = 0;  /* no flowspec: remove the reservation */
	flags = confirm_next ? RAPI_REQ_CONFIRM : 0;
	rc = rapi_reserve(sid, flags, NULL, (rapi_styleid_t)style, NULL, NULL,
	                  nfilt, nfilt ? f : NULL, nflow, nflow ? fs : NULL);
	if (rc) {
		err_rapi("reserve", rc);
		return;
	}
	confirm_next = 0;
	printf("OK reserve style=%s nfilt=%d nflow=%d confirm=%d\n", style_name(style), nfilt,
	       nflow, flags ? 1 : 0);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void cmd_dispatch(char **av, int ac)
{
	long long end;
	int ms = ac > 1 ? atoi(av[1]) : 0, fd, rc, before = n_upcalls, want = 0;

	if (sid == NULL_SID) {
		printf("ERR dispatch no session: use dest first\n");
		return;
	}
	if (ac > 2 && !(want = event_by_name(av[2]))) {
		printf("ERR dispatch unknown event %s\n", av[2]);
		return;
	}
	fd = rapi_getfd(sid);
	end = now_ms() + (ms > 0 ? ms : 0);
	/* Wait on the descriptor (readable exactly when there is work) and
	 * run the upcalls; stop at the deadline or when EVENT is there. */
	while (!(want && unclaimed[want] > 0)) {
		struct pollfd p;
		long long left = end - now_ms();
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, left > 0 ? (int)left : 0) < 0 && errno != EINTR) {
			printf("ERR dispatch poll: %s\n", strerror(errno));
			return;
		}
		if (p.revents) {
			rc = rapi_dispatch();
			if (rc) {
				err_rapi("dispatch", rc);
				return;
			}
		}
		if (left <= 0)
			break;
	}
	if (want && unclaimed[want] == 0) {
		printf("ERR dispatch timeout waiting for %s\n", av[2]);
		return;
	}
	if (want)
		unclaimed[want]--;
	printf("OK dispatch upcalls=%d\n", n_upcalls - before);
}

int main(void)
{
	char line[1024], *av[64], *tok;
	int ac, tty = isatty(0), rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		if (tty) {
			printf("rtap> ");
			fflush(stdout);
		}
		if (!fgets(line, sizeof line, stdin))
			break;
		line[strcspn(line, "#\r\n")] = '\0';
		ac = 0;
		for (tok = strtok(line, " \t"); tok && ac < 64; tok = strtok(NULL, " \t"))
			av[ac++] = tok;
		if (ac == 0)
			continue;
		if (!tty) {
			int i;
			printf(">");
			for (i = 0; i < ac; i++)
				printf(" %s", av[i]);
			printf("\n");
		}
		if (strcmp(av[0], "dest") == 0) {
			cmd_dest(av, ac);
		} else if (strcmp(av[0], "sender") == 0) {
			cmd_sender(av, ac);
		} else if (strcmp(av[0], "reserve") == 0) {
			cmd_reserve(av, ac);
		} else if (strcmp(av[0], "confirm") == 0) {
			confirm_next = 1;
			printf("OK confirm\n");
		} else if (strcmp(av[0], "release") == 0) {
			rc = sid == NULL_SID ? RAPI_ERR_BADSID : rapi_release(sid);
			sid = NULL_SID;
			if (rc)
				err_rapi("release", rc);
			else
				printf("OK release\n");
		} else if (strcmp(av[0], "status") == 0) {
			rc = rapi_status(sid, RAPI_STAT_PATH | RAPI_STAT_RESV);
			if (rc)
				err_rapi("status", rc);
			else
				printf("OK status\n");
		} else if (strcmp(av[0], "dispatch") == 0) {
			cmd_dispatch(av, ac);
		} else if (strcmp(av[0], "quit") == 0) {
			break;
		} else {
			printf("ERR %s unknown command\n", av[0]);
		}
	}
	if (sid != NULL_SID)
		rapi_release(sid);
	printf("OK quit\n");
	return 0;
}
