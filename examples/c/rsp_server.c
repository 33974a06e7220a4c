/*
 * rsp_server - an rsplib-style pool element host (after rsplib's
 * rspserver): one RSerPool socket registered in a pool, serving every
 * session of its pool users with one service:
 *   -echo      answers each message with the same bytes (default)
 *   -discard   swallows everything
 *   -daytime   answers each message with the local time (ctime format)
 *   -chargen   answers each message with -chargenlines= lines of the
 *              RFC 864 character pattern (default 8)
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
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rserpool.h>

enum service { ECHO, DISCARD, DAYTIME, CHARGEN };
static const char *const service_names[] = {"echo", "discard", "daytime", "chargen"};

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
			        "usage: %s [-echo|-discard|-daytime|-chargen] [-poolhandle=NAME] "
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
			if (!quiet && no->rn_header.rn_type == RSERPOOL_SESSION_CHANGE)
				printf("PE %u: session %d %s\n", (unsigned)id,
				       no->rn_session_change.rsc_session,
				       no->rn_session_change.rsc_state == RSERPOOL_SESSION_ADD
				               ? "added"
				               : "removed");
			fflush(stdout);
			continue;
		}
		if (flags & MSG_RSERPOOL_COOKIE_ECHO)
			continue; /* these services keep no state */
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
