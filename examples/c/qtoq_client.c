/*
 * qtoq_client - the client side of IBM i's QoS sockets flow (qtoqsapi.h).
 *
 *   qtoq_client HOST PORT [LINE ...]
 *
 * Connects with qtoq_connect(REQ_SIGNAL_RET_EVENTS) and a Controlled-Load
 * request: the library opens an RSVP session, waits for the server's Path
 * and reserves (FF, confirmation requested). The client reads the
 * server's greeting, waits on the QoS descriptor for the RESV_CONFIRM,
 * sends each LINE and reads its echo, then qtoq_close closes the socket and
 * releases the session (the reservation is torn down). Exits 0.
 *
 * rsvpd must be running (RSVP_API_SOCKET names its socket when it is not
 * the default). Build: cc qtoq_client.c -lqtoqsapi
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

/* Reads one line (up to '\n') from fd; returns its length or -1. */
static int read_line(int fd, char *buf, int size)
{
	int n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	qos_conn_req req;
	qos_req q;
	unsigned int sess = 0;
	int fd, qfd = -1, i, confirmed = 0;
	char buf[512];

	if (argc < 3) {
		fprintf(stderr, "usage: qtoq_client HOST PORT [LINE ...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "qtoq_client: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);

	/* What to reserve: Controlled Load, fixed filter, with confirmation. */
	memset(&req, 0, sizeof req);
	req.style = QTOQ_STYLE_FF;
	req.qos_spec.service = CONTROLLED_LOAD_SERV;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_r = 10000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_b = 2000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_p = 20000;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_m = 64;
	req.qos_spec.spec_u.CL_spec.TB_Tspec_M = 1500;
	req.flags = RAPI_REQ_CONFIRM;
	if (fd < 0 || qtoq_connect(fd, (struct sockaddr *)&sa, sizeof sa, REQ_SIGNAL_RET_EVENTS,
	                           &req, &sess, &qfd) != 0) {
		perror("qtoq_client: qtoq_connect");
		return 1;
	}
	printf("qtoq_client: connected, QoS session %u, reserving\n", sess);
	if (read_line(fd, buf, sizeof buf) < 0) {
		fprintf(stderr, "qtoq_client: no greeting\n");
		return 1;
	}
	printf("qtoq_client: server says: %s", buf);

	/* Wait on the QoS descriptor for the confirmation. */
	while (!confirmed) {
		struct pollfd p;
		p.fd = qfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, -1) < 0 && errno != EINTR) {
			perror("qtoq_client: poll");
			return 1;
		}
		for (;;) {
			memset(&q, 0, sizeof q);
			if (qtoq_ioctl(qfd, REQ_GET_RSVP_DATA, &q, &sess, NULL) != 0) {
				if (errno != EAGAIN) {
					perror("qtoq_client: qtoq_ioctl");
					return 1;
				}
				break;
			}
			if (q.event_type == RAPI_RESV_CONFIRM) {
				printf("qtoq_client: event RESV_CONFIRM: reservation installed\n");
				confirmed = 1;
			} else if (q.event_type == RAPI_RESV_ERROR) {
				printf("qtoq_client: event RESV_ERROR code=%d value=%d\n", q.error_code,
				       q.error_value);
				return 1;
			} else {
				printf("qtoq_client: event type=%d\n", q.event_type);
			}
		}
	}

	/* Data flows over the reserved path. */
	for (i = 3; i < argc; i++) {
		snprintf(buf, sizeof buf, "%s\n", argv[i]);
		if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) ||
		    read_line(fd, buf, sizeof buf) < 0) {
			fprintf(stderr, "qtoq_client: echo failed\n");
			return 1;
		}
		printf("qtoq_client: echo: %s", buf);
	}

	/* qtoq_close: closes the socket and releases the session; the
	 * reservation is torn down. */
	if (qtoq_close(fd, &qfd, &sess) != 0) {
		perror("qtoq_client: qtoq_close");
		return 1;
	}
	printf("qtoq_client: closed\n");
	return 0;
}
