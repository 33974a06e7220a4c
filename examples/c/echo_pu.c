/*
 * echo_pu - the echo pool user of draft-ietf-rserpool-api-00 ("An Example:
 * echo PU"), as the draft writes it, with only its typos fixed:
 *   - rsp_sendmsg sends len bytes where the draft computes n: n is sent,
 *   - Read (Stevens' error-checking wrapper) is read(2),
 *   - the stray "(fd_set *)," argument the draft's text gives rsp_select
 *     is dropped (rsp_select(fd + 1, &rset, NULL, NULL, NULL)),
 *   - printf("%s", buf) prints a buffer that is not NUL-terminated: it
 *     prints the n bytes received ("%.*s").
 *
 * What the draft leaves out and this program had to add around its code:
 *   - includes, declarations and main();
 *   - library start-up: every argument goes to rsp_initarg
 *     (-registrar=addr:port, -asapannounce=...), then rsp_initialize
 *     (the library does not start itself; without -registrar= the
 *     registrar is found through its multicast announces);
 *   - standard output is line-buffered (so a pipe sees each reply);
 *   - -dontwait: rsp_recvmsg gets MSG_DONTWAIT instead of the draft's 0.
 *     Needed to survive a failover: when the element dies, rsp_select
 *     reports the descriptor readable for the FAILOVER notification, and
 *     the draft-00 rsp_recvmsg (which has no flags out-parameter) consumes
 *     the notification and then blocks for data that never comes, so the
 *     loop no longer reads standard input. With MSG_DONTWAIT it returns -1
 *     (EAGAIN) instead, which the draft's "if (n > 0)" already ignores.
 *
 * Usage: echo_pu [-dontwait] [rsplib options]   (standard input is echoed)
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rserpool.h>

int main(int argc, char **argv)
{
	struct rsp_info info;
	fd_set rset;
	char buf[65536];
	ssize_t n;
	int fd, done, i, recv_flags = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-dontwait") == 0)
			recv_flags = MSG_DONTWAIT;
		else if (!rsp_initarg(&info, argv[i])) {
			fprintf(stderr, "usage: %s [-dontwait] [rsplib options]\n", argv[0]);
			return 2;
		}
	}
	if (rsp_initialize(&info) != 0) {
		perror("rsp_initialize");
		return 1;
	}

	/* ---- the draft's code ---- */
	fd  = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	rsp_connect(fd, "echo", 4);
	done = 0;
	FD_ZERO(&rset);
	while(!done) {
	    FD_SET(0,  &rset);
	    FD_SET(fd, &rset);
	    rsp_select(fd + 1, &rset, NULL, NULL, NULL);
	    if (FD_ISSET(0, &rset)) {
	         n = read(0, (void *) buf, sizeof(buf));
	         if (n == 0)
	             done = 1;
	         else
	             rsp_sendmsg(fd, (const void *) buf, n, NULL, 0);
	    }
	    if (FD_ISSET(fd, &rset)) {
	         n = rsp_recvmsg(fd, (void *) buf, sizeof(buf), NULL, recv_flags);
	         if(n > 0)
	             printf("%.*s", (int) n, buf);
	    }
	}
	rsp_close(fd);
	/* ---- end of the draft's code ---- */

	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}
