/*
 * echo_pe - the echo pool element of draft-ietf-rserpool-api-00 ("Example:
 * Echo PE"), as the draft writes it, with only its typos fixed:
 *   - the missing ")" of the memset call,
 *   - rsp_sendmsg(fd, buf, len, sinfo, 0) passes &sinfo (the draft passes
 *     the struct by value, which no prototype accepting NULL can take).
 *
 * What the draft leaves out and this program had to add around its code:
 *   - includes, declarations and main();
 *   - library start-up: the draft has no initialisation call, but the
 *     library needs rsp_initialize before rsp_socket (EACCES otherwise) and
 *     does not start itself on first use. So every argument is offered to
 *     rsp_initarg (-registrar=addr:port, -asapannounce=..., ...), then
 *     rsp_initialize runs. Without -registrar= the registrar is found
 *     through its multicast announces (239.0.0.50:3863), as in rsplib;
 *   - sin_len exists only on BSD-derived systems: it is set there only;
 *   - the draft binds port 7 (echo); -port=N binds port N instead (0: any
 *     port), so that unprivileged users and several elements on one host
 *     can run it;
 *   - one line on standard output once registered: "echo_pe: PE <id>
 *     registered" (rsp_getsockname), so scripts can wait for readiness.
 *
 * Usage: echo_pe [-port=N] [rsplib options, e.g. -registrar=127.0.0.1:3863]
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rserpool.h>

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
	defined(__OpenBSD__) || defined(__DragonFly__)
#define HAVE_SIN_LEN 1
#endif

int main(int argc, char **argv)
{
	struct rsp_info info;
	struct sockaddr_in server_addr;
	struct rsp_loadinfo linfo;
	struct rsp_sndrcvinfo sinfo;
	char buf[65536];
	ssize_t len;
	unsigned short port = 7;
	uint32_t id = 0;
	int fd, i;

	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "-port=", 6) == 0)
			port = (unsigned short)atoi(argv[i] + 6);
		else if (!rsp_initarg(&info, argv[i])) {
			fprintf(stderr, "usage: %s [-port=N] [rsplib options]\n", argv[0]);
			return 2;
		}
	}
	if (rsp_initialize(&info) != 0) {
		perror("rsp_initialize");
		return 1;
	}

	/* ---- the draft's code ---- */
	fd  = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family      = AF_INET;
#ifdef HAVE_SIN_LEN
	server_addr.sin_len         = sizeof(struct sockaddr_in);
#endif
	server_addr.sin_addr.s_addr = htonl(INADDR_ANY);
	server_addr.sin_port        = htons(port);
	rsp_bind(fd, (const struct sockaddr *) &server_addr,
	         sizeof(server_addr));
	memset(&linfo, 0, sizeof(struct rsp_loadinfo));
	linfo.policy = RSP_ROUND_ROBIN;
	if (rsp_register(fd, "echo", 4, &linfo) != 0) { /* (check added) */
		perror("rsp_register");
		return 1;
	}
	if (rsp_getsockname(fd, NULL, NULL, &id) == 0) /* (readiness line added) */
		printf("echo_pe: PE %u registered\n", (unsigned)id);
	fflush(stdout);
	while (1) {
		memset(&sinfo, 0, sizeof(struct rsp_sndrcvinfo));
		len = rsp_recvmsg(fd, (void *) buf, sizeof(buf), &sinfo, 0);
		rsp_sendmsg(fd, (const void *) buf, len, &sinfo, 0);
	}
	rsp_deregister(fd);
	rsp_close(fd);
	/* ---- end of the draft's code ---- */

	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}
