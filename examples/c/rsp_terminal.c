/*
 * rsp_terminal - an rsplib-style terminal pool user (after rsplib's
 * rspterminal): each line read from standard input goes as one message to
 * the pool -poolhandle=NAME (default "echo"); whatever the pool element
 * answers is written to standard output. rsp_poll waits on standard input
 * and the RSerPool socket together. Failovers are reported on standard
 * error (rsp_print_notification), with the new element's identifier.
 *
 * Options: -poolhandle=NAME, -quiet (no notifications on standard error),
 * and rsplib's options (rsp_initarg: -registrar=addr:port, ...).
 * At end of input it waits up to -linger=ms (default 0) for further
 * answers, then exits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rserpool.h>

int main(int argc, char **argv)
{
	struct rsp_info info;
	const char *pool = "echo";
	static char line[65536];
	static unsigned char buf[65536];
	size_t have = 0;
	int quiet = 0, linger = 0, eof = 0, sd, i;

	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-poolhandle=", 12))
			pool = argv[i] + 12;
		else if (!strncmp(argv[i], "-linger=", 8))
			linger = atoi(argv[i] + 8);
		else if (!strcmp(argv[i], "-quiet"))
			quiet = 1;
		else if (!rsp_initarg(&info, argv[i])) {
			fprintf(stderr, "usage: %s [-poolhandle=NAME] [-linger=ms] [-quiet] "
			                "[rsplib options]\n", argv[0]);
			return 2;
		}
	}
	if (rsp_initialize(&info) != 0) {
		perror("rsp_initialize");
		return 1;
	}
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (sd < 0 || rsp_connect(sd, (const unsigned char *)pool, strlen(pool), 0) != 0) {
		perror("rsp_connect");
		return 1;
	}

	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
		                      {.fd = sd, .events = POLLIN}};
		unsigned int np = eof ? 1 : 2;
		struct pollfd *pp = eof ? &p[1] : p;
		int r = rsp_poll(pp, np, eof ? linger : -1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("rsp_poll");
			break;
		}
		if (r == 0)
			break; /* lingered long enough after end of input */
		if (!eof && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = rsp_read(STDIN_FILENO, line + have, sizeof line - have);
			if (n <= 0) {
				if (have > 0 && rsp_sendmsg(sd, line, have, 0, 0, 0, 0, 0, 0, -1) < 0)
					perror("rsp_sendmsg");
				have = 0;
				eof = 1;
				if (linger <= 0)
					break;
			} else {
				char *nl;
				have += (size_t)n;
				/* Each complete line is one message. */
				while ((nl = memchr(line, '\n', have)) != NULL) {
					size_t len = (size_t)(nl - line) + 1;
					if (rsp_sendmsg(sd, line, len, 0, 0, 0, 0, 0, 0, -1) < 0)
						perror("rsp_sendmsg");
					memmove(line, line + len, have - len);
					have -= len;
				}
				if (have == sizeof line) {
					if (rsp_sendmsg(sd, line, have, 0, 0, 0, 0, 0, 0, -1) < 0)
						perror("rsp_sendmsg");
					have = 0;
				}
			}
		}
		if (pp[np - 1].revents & (POLLIN | POLLHUP | POLLERR)) {
			struct rsp_sndrcvinfo rinfo;
			int flags = 0;
			ssize_t n = rsp_recvmsg(sd, buf, sizeof buf, &rinfo, &flags, 0);
			if (n < 0) {
				if (errno == EAGAIN)
					continue;
				perror("rsp_recvmsg");
				break;
			}
			if (n == 0)
				break;
			if (flags & MSG_RSERPOOL_NOTIFICATION) {
				if (!quiet) {
					uint32_t id = 0;
					fprintf(stderr, "rsp_terminal: ");
					rsp_print_notification((const void *)buf, stderr);
					if (rsp_getpeername(sd, NULL, NULL, &id) == 0)
						fprintf(stderr, " (now PE %u)", (unsigned)id);
					fprintf(stderr, "\n");
				}
				continue;
			}
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				break;
			fflush(stdout);
		}
	}
	rsp_close(sd);
	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}
