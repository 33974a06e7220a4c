/*
 * consumer - a SchemeStation domain and an external agent in one process,
 * built against an installed netcompat: the agent sends packets, the
 * domain echoes them, the agent checks them, both close. Exits 0 when the
 * exchange worked. Prints where the library and its core were loaded from,
 * so the caller can check they are the installed ones.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <extagent.h>
#include <ssextagent.h>

#define DEADLINE_MS 60000

static int accepted, closed, echoed;

static void on_accept(ExtagConnection *conn)
{
	accepted = 1;
	if (extag_begindelivery(conn) != EXTAG_OK)
		perror("extag_begindelivery");
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	if (size == 0) {
		closed = 1;
		return;
	}
	echoed++;
	if (extag_send(conn, size, data) != EXTAG_OK)
		perror("extag_send");
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for the server or the agent; dispatches the server when it has
 * work. Returns 1 when agent_fd is readable (or is -1), 0 otherwise. */
static int step(int agent_fd, long long end)
{
	struct pollfd p[2];
	int left = (int)(end - now_ms()), n;

	if (left <= 0) {
		fprintf(stderr, "consumer: timed out\n");
		exit(1);
	}
	p[0].fd = extag_fd();
	p[0].events = POLLIN;
	p[1].fd = agent_fd;
	p[1].events = POLLIN;
	n = poll(p, 2, left);
	if (n < 0 && errno != EINTR) {
		perror("poll");
		exit(1);
	}
	if (n > 0 && (p[0].revents & POLLIN) && extag_dispatch() != EXTAG_OK) {
		perror("extag_dispatch");
		exit(1);
	}
	return n > 0 && p[1].revents != 0;
}

static void show_loaded(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");
	int front = 0, core = 0;

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		if (!front && strstr(path, "/libnetcompat.so")) {
			printf("front: %s", path);
			front = 1;
		}
		if (!core && strstr(path, "/libnetcompat-go.so")) {
			printf("core: %s", path);
			core = 1;
		}
	}
	fclose(f);
}

int main(void)
{
	static const char *msgs[] = {"hello, domain", "a second packet", "and a third"};
	long long end = now_ms() + DEADLINE_MS;
	SsexConn *conn = NULL;
	unsigned i;

	if (extag_initialize(0, on_accept) != EXTAG_OK) {
		perror("extag_initialize");
		return 1;
	}
	extag_registerpacketcallback(on_packet);
	if (ssexact_initialize(NULL, inet_addr("127.0.0.1"), extag_port(), &conn) != EXTAG_OK) {
		perror("ssexact_initialize");
		return 1;
	}
	while (!accepted)
		step(-1, end);
	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		int len = (int)strlen(msgs[i]);
		char *data;
		int got;
		ExtagStatus st;

		if (ssexact_send(conn, len, (char *)msgs[i]) != EXTAG_OK) {
			perror("ssexact_send");
			return 1;
		}
		while ((st = ssexact_read(conn, &data, &got)) == EXTAG_UNFINISHED)
			step(ssexact_fd(conn), end);
		if (st != EXTAG_OK) {
			perror("ssexact_read");
			return 1;
		}
		if (got != len || memcmp(data, msgs[i], (size_t)len) != 0) {
			fprintf(stderr, "consumer: packet %u came back wrong\n", i);
			return 1;
		}
		free(data);
	}
	ssexact_close(conn);
	while (!closed)
		step(-1, end);
	if (echoed != 3 || extag_shutdown() != EXTAG_OK) {
		fprintf(stderr, "consumer: %d packets echoed, or shutdown failed\n", echoed);
		return 1;
	}
	show_loaded();
	printf("consumer: ok\n");
	return 0;
}
