/*
 * test_close_in_callback - a program that closes a connection, or shuts the
 * whole server down, from inside a packet callback hears nothing more of
 * what it closed, even when more packets of it had already been read.
 *
 * extag_dispatch runs callbacks for events the core read in one go, so the
 * packets after the one that triggered the close are already in hand:
 * they must be dropped, and the single size == 0 callback must still come.
 * A raw agent writes everything in one write(), and the test waits until
 * the server's kernel holds all of it, so all packets are read together.
 */
#include "nctest.h"

#include <extagent.h>

enum { NPACKETS = 20 };

static int accepted, packets, closes, shutdown_mode;
static ExtagConnection *the_conn;

static void on_accept(ExtagConnection *conn)
{
	accepted++;
	the_conn = conn;
	CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	CHECK(conn == the_conn);
	if (size == 0) {
		CHECK(data == NULL);
		CHECK(!shutdown_mode);
		closes++;
		return;
	}
	CHECK_EQ(closes, 0);
	packets++;
	CHECK_EQ(packets, 1); /* the first packet closes; no other may follow */
	CHECK_EQ(data[0], 0);
	if (shutdown_mode) {
		CHECK_EQ(extag_shutdown(), EXTAG_OK);
	} else {
		CHECK_EQ(extag_closeconnection(conn), EXTAG_OK);
		/* Closing twice is an error: the connection is closing. */
		CHECK_EQ(extag_closeconnection(conn), EXTAG_FAILED);
	}
}

/* A raw agent that sends its greeting and NPACKETS packets in one write. */
static int raw_agent_flood(unsigned short port)
{
	unsigned char out[8 + NPACKETS * 8], *p = out;
	int fd = nct_connect(port);

	nct_control(p, EXTAG_CMD_OPEN, EXTAG_PROTOCOL_VERSION);
	p += 8;
	for (int i = 0; i < NPACKETS; i++, p += 8) {
		nct_put_be32(p, 4);
		nct_put_be32(p + 4, (uint32_t)i << 24);
	}
	nct_write_all(fd, out, sizeof out);
	CHECK(nct_wait_acked(fd, NCT_DEADLINE_MS));
	return fd;
}

static void run(int shutdown)
{
	unsigned char got[8];
	int fd;

	accepted = packets = closes = 0;
	the_conn = NULL;
	shutdown_mode = shutdown;
	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	fd = raw_agent_flood(extag_port());

	CHECK(nct_dispatch_until(&packets, NCT_DEADLINE_MS));
	CHECK_EQ(accepted, 1);
	if (shutdown) {
		CHECK_EQ(extag_fd(), -1);
		CHECK_EQ(extag_dispatch(), EXTAG_FAILED);
	} else {
		CHECK(nct_dispatch_until(&closes, NCT_DEADLINE_MS));
		/* More rounds: still one packet and one close. */
		for (int i = 0; i < 5; i++)
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
		CHECK_EQ(packets, 1);
		CHECK_EQ(closes, 1);
	}

	/* The agent hears the server's greeting, then CLOSE with the reason. */
	CHECK_EQ(nct_read_exact(fd, got, 8), 0);
	CHECK(memcmp(got, "\0\0\0\0\0\0\0\1", 8) == 0);
	CHECK_EQ(nct_read_exact(fd, got, 8), 0);
	CHECK_EQ(got[0] | got[1] | got[2] | got[3], 0);
	CHECK_EQ(got[5], EXTAG_CMD_CLOSE);
	CHECK_EQ(got[7], shutdown ? EXTAG_CLOSE_SHUTDOWN : EXTAG_CLOSE_NORMAL);
	close(fd);
	if (!shutdown)
		CHECK_EQ(extag_shutdown(), EXTAG_OK);
}

int main(void)
{
	run(0);
	run(1);
	printf("close from a callback: ok\n");
	return 0;
}
