/*
 * rsp_server - an rsplib-style pool element host (after rsplib's
 * rspserver): one RSerPool socket registered in a pool, serving every
 * session of its pool users with one service:
 *   -echo      answers each message with the same bytes (default)
 *   -discard   swallows everything
 *   -daytime   answers each message with the local time (ctime format)
 *   -chargen   answers each message with -chargenlines= lines of the
 *              RFC 864 character pattern (default 8)
 *   -pingpong  rsplib's PingPong service (pool "pingpong", what rsplib's
 *              pingpongclient talks to): each Ping is answered by a Pong
 *              carrying the session's reply counter, then a cookie with
 *              the counter goes to the pool user, so that after a failover
 *              the next element continues the count from the cookie echo
 * Options: -poolhandle=NAME (default: the service's name), -port=N (binds
 * the wildcard address, port N; default any port),
 * -reregistration=ms (re-registration interval, default 30000), -quiet,
 * and rsplib's options (rsp_initarg: -registrar=addr:port, ...).
 *
 * Standard output: "rsp_server: <service> PE <id> registered in <pool>"
 * once registered, then (unless -quiet) one line per session event and
 * message: "PE <id>: session <s> added|removed", "PE <id>: session <s>:
 * <n> bytes". Runs until SIGINT/SIGTERM, then deregisters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rserpool.h>

enum service { ECHO, DISCARD, DAYTIME, CHARGEN, PINGPONG };
static const char *const service_names[] = {"echo", "discard", "daytime", "chargen", "pingpong"};

/*
 * rsplib's PingPong protocol (its src/pingpongpackets.h): PPID 33; every
 * message starts with type (1 Ping, 2 Pong), flags, a 16-bit length of the
 * whole message; a Ping then carries a 64-bit message number and data, a
 * Pong the message number, the element's 64-bit reply number and the same
 * data. The cookie is "<PP-TD1>" and the next reply number. All numbers
 * are big-endian.
 */
#define PPID_PINGPONG 33
#define PP_PING 1
#define PP_PONG 2
#define PP_PING_HDR 12 /* type, flags, length, message number */
#define PP_PONG_HDR 20 /* ... and the reply number */
#define PP_COOKIE_ID "<PP-TD1>"
#define PP_COOKIE_SIZE 16

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The reply counter of each session (a pool element serves few at once). */
struct pp_session {
	int session;
	uint64_t reply_no;
};
static struct pp_session pp_sessions[256];

static struct pp_session *pp_find(int session)
{
	struct pp_session *free_slot = NULL;
	for (size_t i = 0; i < sizeof pp_sessions / sizeof pp_sessions[0]; i++) {
		if (pp_sessions[i].session == session)
			return &pp_sessions[i];
		if (!free_slot && pp_sessions[i].session == 0)
			free_slot = &pp_sessions[i];
	}
	if (free_slot) {
		free_slot->session = session;
		free_slot->reply_no = 1;
	}
	return free_slot;
}

static void pp_forget(int session)
{
	for (size_t i = 0; i < sizeof pp_sessions / sizeof pp_sessions[0]; i++)
		if (pp_sessions[i].session == session)
			pp_sessions[i].session = 0;
}

/* Answers one Ping; returns the Pong's length, or 0 when the message is no
 * valid Ping (rsplib then aborts the session; this element ignores it). */
static size_t pp_pong(struct pp_session *st, const unsigned char *ping, size_t n, unsigned char *pong,
                      size_t cap)
{
	size_t len, data;
	if (n < PP_PING_HDR || ping[0] != PP_PING)
		return 0;
	len = (size_t)ping[2] << 8 | ping[3];
	if (len < PP_PING_HDR || len > n)
		return 0;
	data = len - PP_PING_HDR;
	if (PP_PONG_HDR + data > cap || PP_PONG_HDR + data > 0xffff)
		return 0;
	pong[0] = PP_PONG;
	pong[1] = 0;
	pong[2] = (unsigned char)((PP_PONG_HDR + data) >> 8);
	pong[3] = (unsigned char)(PP_PONG_HDR + data);
	memcpy(pong + 4, ping + 4, 8); /* message number, as received */
	put64(pong + 12, st->reply_no);
	memcpy(pong + PP_PONG_HDR, ping + PP_PING_HDR, data);
	return PP_PONG_HDR + data;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct rsp_info info;
	struct rsp_loadinfo linfo;
	struct rsp_sndrcvinfo rinfo;
	struct sockaddr_in sin;
	struct sigaction sa;
	enum service service = ECHO;
	const char *pool = NULL;
	unsigned int rereg = 30000, chargen_lines = 8, port = 0;
	static unsigned char buf[65536];
	unsigned int chargen_pos = 0;
	uint32_t id = 0;
	int quiet = 0, sd, i, flags;

	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-echo"))
			service = ECHO;
		else if (!strcmp(a, "-discard"))
			service = DISCARD;
		else if (!strcmp(a, "-daytime"))
			service = DAYTIME;
		else if (!strcmp(a, "-pingpong"))
			service = PINGPONG;
		else if (!strcmp(a, "-chargen"))
			service = CHARGEN;
		else if (!strncmp(a, "-poolhandle=", 12))
			pool = a + 12;
		else if (!strncmp(a, "-port=", 6))
			port = (unsigned int)strtoul(a + 6, NULL, 10);
		else if (!strncmp(a, "-reregistration=", 16))
			rereg = (unsigned int)strtoul(a + 16, NULL, 10);
		else if (!strncmp(a, "-chargenlines=", 14))
			chargen_lines = (unsigned int)strtoul(a + 14, NULL, 10);
		else if (!strcmp(a, "-quiet"))
			quiet = 1;
		else if (!rsp_initarg(&info, a)) {
			fprintf(stderr,
			        "usage: %s [-echo|-discard|-daytime|-chargen|-pingpong] [-poolhandle=NAME] "
			        "[-port=N] [-reregistration=ms] [-chargenlines=N] [-quiet] "
			        "[rsplib options]\n",
			        argv[0]);
			return 2;
		}
	}
	if (!pool)
		pool = service_names[service];
	if (chargen_lines > 800)
		chargen_lines = 800;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (rsp_initialize(&info) != 0) {
		perror("rsp_initialize");
		return 1;
	}
	sd = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (sd < 0) {
		perror("rsp_socket");
		return 1;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons((unsigned short)port);
	if (rsp_bind(sd, (struct sockaddr *)&sin, 1) != 0) {
		perror("rsp_bind");
		return 1;
	}
	/* rsplib accepts no association without it (netcompat would listen
	 * on registration anyway): keep this program portable to rsplib. */
	if (rsp_listen(sd, 10) != 0) {
		perror("rsp_listen");
		return 1;
	}
	memset(&linfo, 0, sizeof linfo);
	linfo.rli_policy = PPT_ROUNDROBIN;
	if (rsp_register(sd, (const unsigned char *)pool, strlen(pool), &linfo, rereg, 0) != 0) {
		perror("rsp_register");
		return 1;
	}
	rsp_getsockname(sd, NULL, NULL, &id);
	printf("rsp_server: %s PE %u registered in %s\n", service_names[service], (unsigned)id,
	       pool);
	fflush(stdout);

	while (!stop) {
		ssize_t n = rsp_recvmsg(sd, buf, sizeof buf, &rinfo, &flags, 500);
		char reply[81 * 800 + 1];
		size_t len = 0;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("rsp_recvmsg");
			break;
		}
		if (flags & MSG_RSERPOOL_NOTIFICATION) {
			const union rserpool_notification *no = (const void *)buf;
			if (no->rn_header.rn_type == RSERPOOL_SESSION_CHANGE &&
			    no->rn_session_change.rsc_state != RSERPOOL_SESSION_ADD)
				pp_forget(no->rn_session_change.rsc_session);
			if (!quiet && no->rn_header.rn_type == RSERPOOL_SESSION_CHANGE)
				printf("PE %u: session %d %s\n", (unsigned)id,
				       no->rn_session_change.rsc_session,
				       no->rn_session_change.rsc_state == RSERPOOL_SESSION_ADD
				               ? "added"
				               : "removed");
			fflush(stdout);
			continue;
		}
		if (flags & MSG_RSERPOOL_COOKIE_ECHO) {
			/* Only PingPong keeps state: the reply counter it left in
			 * the pool user's cookie at the element that failed. */
			struct pp_session *st;
			if (service == PINGPONG && n == PP_COOKIE_SIZE &&
			    !memcmp(buf, PP_COOKIE_ID, 8) && (st = pp_find(rinfo.rinfo_session)) != NULL)
				st->reply_no = get64(buf + 8);
			continue;
		}
		if (!quiet) {
			printf("PE %u: session %d: %zd bytes\n", (unsigned)id, rinfo.rinfo_session, n);
			fflush(stdout);
		}
		switch (service) {
		case ECHO:
			memcpy(reply, buf, (size_t)n < sizeof reply ? (size_t)n : sizeof reply);
			len = (size_t)n < sizeof reply ? (size_t)n : sizeof reply;
			break;
		case DISCARD:
			continue;
		case DAYTIME: {
			time_t now = time(NULL);
			len = (size_t)snprintf(reply, sizeof reply, "%s", ctime(&now));
			break;
		}
		case PINGPONG: {
			struct pp_session *st = pp_find(rinfo.rinfo_session);
			unsigned char cookie[PP_COOKIE_SIZE];
			if (!st || !(len = pp_pong(st, buf, (size_t)n, (unsigned char *)reply, sizeof reply)))
				continue;
			if (rsp_sendmsg(sd, reply, len, 0, rinfo.rinfo_session, htonl(PPID_PINGPONG), 0, 0, 0,
			                5000) < 0) {
				perror("rsp_sendmsg");
				continue;
			}
			st->reply_no++;
			memcpy(cookie, PP_COOKIE_ID, 8);
			put64(cookie + 8, st->reply_no);
			if (rsp_send_cookie(sd, cookie, sizeof cookie, rinfo.rinfo_session, 5000) < 0)
				perror("rsp_send_cookie");
			continue;
		}
		case CHARGEN:
			for (unsigned int l = 0; l < chargen_lines; l++) {
				for (unsigned int c = 0; c < 72; c++)
					reply[len++] = (char)(' ' + 1 + (chargen_pos + c) % 94);
				reply[len++] = '\n';
				chargen_pos = (chargen_pos + 1) % 94;
			}
			break;
		}
		if (rsp_sendmsg(sd, reply, len, 0, rinfo.rinfo_session, rinfo.rinfo_ppid,
		                rinfo.rinfo_stream, 0, 0, 5000) < 0)
			perror("rsp_sendmsg");
	}
	rsp_deregister(sd, 0);
	rsp_close(sd);
	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}
