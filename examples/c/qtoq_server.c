/*
 * qtoq_server - the server side of IBM i's QoS sockets flow (qtoqsapi.h).
 *
 *   qtoq_server [PORT]
 *
 * Listens on 127.0.0.1:PORT (0 or none: a free port, printed), accepts one
 * connection with qtoq_accept(REQ_SIGNAL_RET_EVENTS): the library opens an
 * RSVP session to the client and makes this side its sender (Path with the
 * Controlled-Load Tspec given here). It waits on the QoS descriptor
 * (qtoq_ioctl REQ_GET_RSVP_DATA) for the client's reservation, then greets
 * the client, echoes every line it sends, and prints the RSVP events that
 * arrive: the reservation's removal when the client closes. (An event
 * reports the current state: one read late may only show the latest.)
 * When the client has closed and the reservation is gone, qtoq_close closes the socket and releases the
 * session; the server exits 0.
 *
 * rsvpd must be running (RSVP_API_SOCKET names its socket when it is not
 * the default). Build: cc qtoq_server.c -lqtoqsapi
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rapi.h"
#include "qtoqsapi.h"

/* Prints every pending RSVP event; returns the last reservation state
 * seen: 1 reserved, 0 torn down, -1 no reservation event. */
static int drain_events(int qfd, unsigned int sess)
{
	qos_req q;
	int state = -1;

	for (;;) {
		memset(&q, 0, sizeof q);
		if (qtoq_ioctl(qfd, REQ_GET_RSVP_DATA, &q, &sess, NULL) != 0) {
			if (errno != EAGAIN)
				perror("qtoq_server: qtoq_ioctl");
			return state;
		}
		if (q.event_type == RAPI_RESV_EVENT && q.ret_spec.service != 0) {
			printf("qtoq_server: event RESV_EVENT: reserved service=%d r=%g b=%g\n",
			       q.ret_spec.service, (double)q.ret_spec.spec_u.CL_spec.TB_Tspec_r,
			       (double)q.ret_spec.spec_u.CL_spec.TB_Tspec_b);
			state = 1;
		} else if (q.event_type == RAPI_RESV_EVENT) {
			printf("qtoq_server: event RESV_EVENT: reservation removed\n");
			state = 0;
		} else {
			printf("qtoq_server: event type=%d code=%d value=%d\n", q.event_type,
			       q.error_code, q.error_value);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa, peer;
	socklen_t len = sizeof sa;
	int plen = sizeof peer, lfd, cfd, qfd = -1, eof = 0, resv = -1, n;
	struct pollfd p[2];
	unsigned int sess = 0;
	char buf[512], addr[INET_ADDRSTRLEN];
	qos_req q;
	static const char hello[] = "hello from qtoq_server\n";

	setvbuf(stdout, NULL, _IOLBF, 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
		perror("qtoq_server: listen");
		return 1;
	}
	printf("qtoq_server: listening on 127.0.0.1 %u\n", (unsigned)ntohs(sa.sin_port));

	/* The traffic this server will send: a Controlled-Load token bucket. */
	memset(&q, 0, sizeof q);
	q.qos_spec.service = CONTROLLED_LOAD_SERV;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_r = 10000;   /* bytes/s */
	q.qos_spec.spec_u.CL_spec.TB_Tspec_b = 2000;    /* bytes */
	q.qos_spec.spec_u.CL_spec.TB_Tspec_p = 20000;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_m = 64;
	q.qos_spec.spec_u.CL_spec.TB_Tspec_M = 1500;
	cfd = qtoq_accept(lfd, REQ_SIGNAL_RET_EVENTS, (struct sockaddr *)&peer, &plen, &q, &sess, &qfd);
	if (cfd < 0) {
		perror("qtoq_server: qtoq_accept");
		return 1;
	}
	inet_ntop(AF_INET, &peer.sin_addr, addr, sizeof addr);
	printf("qtoq_server: accepted %s %u, QoS session %u, sending Path\n", addr,
	       (unsigned)ntohs(peer.sin_port), sess);

	/* As on IBM i, the server sends once the reservation is in place. */
	p[1].fd = qfd;
	p[1].events = POLLIN;
	while (resv != 1) {
		if (poll(&p[1], 1, -1) < 0 && errno != EINTR) {
			perror("qtoq_server: poll");
			return 1;
		}
		n = drain_events(qfd, sess);
		if (n >= 0)
			resv = n;
	}
	if (write(cfd, hello, sizeof hello - 1) != (ssize_t)(sizeof hello - 1)) {
		perror("qtoq_server: write");
		return 1;
	}

	/* Data on the connection, RSVP events on the QoS descriptor. Done
	 * when the client has closed and its reservation is gone. */
	while (!eof || resv != 0) {
		p[0].fd = eof ? -1 : cfd;
		p[0].events = POLLIN;
		p[1].fd = qfd;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("qtoq_server: poll");
			return 1;
		}
		if (p[1].revents) {
			int s = drain_events(qfd, sess);
			if (s >= 0)
				resv = s;
		}
		if (p[0].revents) {
			n = (int)read(cfd, buf, sizeof buf - 1);
			if (n <= 0) {
				printf("qtoq_server: client closed\n");
				eof = 1;
			} else {
				buf[n] = '\0';
				printf("qtoq_server: data: %s", buf);
				if (buf[n - 1] != '\n')
					printf("\n");
				if (write(cfd, buf, (size_t)n) != n)
					eof = 1;
			}
		}
	}
	/* qtoq_close: closes the socket, releases the RSVP session. */
	if (qtoq_close(cfd, &qfd, &sess) != 0) {
		perror("qtoq_server: qtoq_close");
		return 1;
	}
	close(lfd);
	printf("qtoq_server: closed\n");
	return 0;
}
