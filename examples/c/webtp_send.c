/*
 * webtp_send - sends each line of standard input as one WebTP ADU, in the
 * style of the WebTP API page: socket(SOCK_ADU), connect, setsockopt for
 * the traffic class, send() of header-framed ADUs, close.
 *
 *   webtp_send host port [class] [-u] < lines
 *
 * -u sends the lines as unreliable ADUs (reliable by default). Lines that
 * start with '!' are sent urgent. Pairs with webtp_recv.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <webtp.h>

/* send() may take part of a buffer: send the rest. */
static int send_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, 0);
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo hints, *ai;
	unsigned char buf[4 + 65536];
	int fd, reliable = 1, i, rc;
	const char *class = NULL;
	float rtt;
	socklen_t len;

	if (argc < 3) {
		fprintf(stderr, "usage: %s host port [class] [-u] < lines\n", argv[0]);
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "-u") == 0)
			reliable = 0;
		else
			class = argv[i];
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM; /* WebTP runs over UDP */
	if ((rc = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], gai_strerror(rc));
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_ADU, IPPROTO_WEBTP);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (class && setsockopt(fd, SOL_WEBTP, WEBTP_CLASS, class, strlen(class) + 1) < 0) {
		perror("setsockopt WEBTP_CLASS");
		return 1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("connect");
		return 1;
	}
	freeaddrinfo(ai);
	while (fgets((char *)buf + 4, (int)sizeof buf - 4, stdin)) {
		size_t n = strcspn((char *)buf + 4, "\n");
		int flags = reliable ? WEBTP_HDR_RELIABLE : 0;
		if (buf[4] == '!')
			flags |= WEBTP_HDR_URGENT;
		WEBTP_HDR_SET_ADU(buf, flags, n);
		if (send_all(fd, buf, 4 + n) < 0) {
			perror("send");
			return 1;
		}
	}
	len = sizeof rtt;
	if (getsockopt(fd, SOL_WEBTP, WEBTP_RTT, &rtt, &len) == 0)
		fprintf(stderr, "smoothed RTT %.0f us\n", rtt);
	/* Like TCP: close returns at once; queued ADUs are still delivered. */
	close(fd);
	return 0;
}
