/*
 * extagent_echo_server - a SchemeStation domain whose interface agent
 * echoes every packet back to the external agent that sent it.
 *
 *   extagent_echo_server [-p port] [-n agents]
 *
 * -p 0 (the default) takes any free port; the port is printed first.
 * -n makes the server shut down after that many agents have come and gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <extagent.h>

static int remaining = -1; /* agents still to serve with -n; -1: forever */

static void on_accept(ExtagConnection *conn)
{
	printf("agent %p connected\n", (void *)conn);
	fflush(stdout);
	extag_begindelivery(conn);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	if (size == 0) {
		printf("agent %p closed\n", (void *)conn);
		fflush(stdout);
		if (remaining > 0)
			remaining--;
		return;
	}
	if (extag_send(conn, size, data) != EXTAG_OK)
		perror("extag_send");
}

int main(int argc, char **argv)
{
	unsigned short port = 0;
	int opt;

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		switch (opt) {
		case 'p':
			port = (unsigned short)atoi(optarg);
			break;
		case 'n':
			remaining = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-p port] [-n agents]\n", argv[0]);
			return 2;
		}
	}
	if (extag_initialize(port, on_accept) != EXTAG_OK) {
		perror("extag_initialize");
		return 1;
	}
	extag_registerpacketcallback(on_packet);
	printf("listening on port %u\n", extag_port());
	fflush(stdout);

	while (remaining != 0) {
		fd_set rfds;
		int fd = extag_fd();

		FD_ZERO(&rfds);
		FD_SET(fd, &rfds);
		if (select(fd + 1, &rfds, NULL, NULL, NULL) < 0) {
			perror("select");
			break;
		}
		if (extag_dispatch() != EXTAG_OK) {
			perror("extag_dispatch");
			break;
		}
	}
	extag_shutdown();
	return 0;
}
