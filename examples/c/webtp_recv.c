/*
 * webtp_recv - accepts WebTP connections one after another and prints
 * every ADU received, one per line, with its flags; loss notices (dropped
 * unreliable ADUs) are reported too.
 *
 *   webtp_recv port [count]
 *
 * Exits after count connections (default: runs forever). Pairs with
 * webtp_send. recv() is a plain stream read: the ADU headers are parsed
 * incrementally from whatever each call returns.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <webtp.h>

/* Reads exactly n octets; 0 at end of stream, -1 on error. */
static int recv_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r <= 0)
			return r == 0 ? 0 : -1;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static void serve(int fd)
{
	unsigned char h[WEBTP_HDR_SIZE];
	unsigned char *data = malloc(WEBTP_MAX_ADU);
	unsigned long long dropped = 0;
	socklen_t len;

	if (!data)
		return;
	while (recv_all(fd, h, sizeof h) > 0) {
		unsigned long n = WEBTP_HDR_LEN(h);
		int flags = WEBTP_HDR_FLAGS(h);
		if (WEBTP_IS_LOSS_NOTICE(h)) {
			printf("[an unreliable ADU was lost]\n");
			continue;
		}
		if (recv_all(fd, data, n) <= 0)
			break;
		printf("%s%s %.*s\n", flags & WEBTP_HDR_RELIABLE ? "R" : "-",
		       flags & WEBTP_HDR_URGENT ? "U" : "-", (int)n, (char *)data);
		fflush(stdout);
	}
	len = sizeof dropped;
	if (getsockopt(fd, SOL_WEBTP, WEBTP_DROPPED, &dropped, &len) == 0 && dropped)
		fprintf(stderr, "%llu unreliable ADUs dropped\n", dropped);
	free(data);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int l, fd, count = -1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s port [count]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		count = atoi(argv[2]);
	l = socket(PF_INET, SOCK_ADU, IPPROTO_WEBTP);
	if (l < 0) {
		perror("socket");
		return 1;
	}
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 5) < 0) {
		perror("bind/listen");
		return 1;
	}
	if (getsockname(l, (struct sockaddr *)&a, &len) == 0)
		fprintf(stderr, "listening on UDP port %u\n", ntohs(a.sin_port));
	while (count != 0) {
		fd = accept(l, (struct sockaddr *)&a, &len);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		fprintf(stderr, "connection from %s:%u\n", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		serve(fd);
		close(fd);
		len = sizeof a;
		if (count > 0)
			count--;
	}
	close(l);
	return 0;
}
