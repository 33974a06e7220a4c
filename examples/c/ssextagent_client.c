/*
 * ssextagent_client - an external agent that sends each line of standard
 * input to a SchemeStation domain and prints the reply.
 *
 *   ssextagent_client host port < lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ssextagent.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	SsexConn *conn;
	char line[4096];

	if (argc != 3) {
		fprintf(stderr, "usage: %s host port < lines\n", argv[0]);
		return 2;
	}
	if (ssexact_initialize(argv[1], 0, (unsigned short)atoi(argv[2]), &conn) != EXTAG_OK) {
		perror("ssexact_initialize");
		return 1;
	}
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\n");
		char *reply;
		int len;
		double t0;

		if (n == 0)
			continue;
		t0 = now_us();
		if (ssexact_send(conn, (int)n, line) != EXTAG_OK) {
			perror("ssexact_send");
			return 1;
		}
		if (ssexact_blockingread(conn, &reply, &len) != EXTAG_OK) {
			perror("ssexact_blockingread");
			return 1;
		}
		printf("reply (%d octets, %.0f us): %.*s\n", len, now_us() - t0, len, reply);
		free(reply);
	}
	ssexact_close(conn);
	return 0;
}
