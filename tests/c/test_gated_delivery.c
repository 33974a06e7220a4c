/*
 * test_gated_delivery - packets of a connection whose accept callback did
 * not call extag_begindelivery are held (in the kernel) until it is called,
 * and so is the notice of its close.
 *
 * One process plays server and agents:
 *   A  held; sends packets, which must not be delivered while a second,
 *      delivering agent B gets its marker through - although A's data is
 *      surely in the server's kernel buffer (A's SIOCOUTQ is 0) - and must
 *      all arrive, in order, after extag_begindelivery(A).
 *   C  held; reads the server's greeting, sends packets and closes.
 *   D  held; sends packets and closes without reading anything (its close
 *      resets the connection, as it leaves the greeting unread).
 * C and D must get all their packets delivered and then exactly one close
 * callback, after extag_begindelivery.
 */
#include "nctest.h"

#include <extagent.h>
#include <ssextagent.h>

enum { A, B, C, D, NROLES };
static const char *const names[NROLES] = {"A", "B", "C", "D"};
static const int npackets[NROLES] = {30, 1, 12, 12};

static struct {
	ExtagConnection *conn;
	int gated;
	int packets;           /* delivered so far */
	int closes;            /* size == 0 callbacks */
	int packets_at_close;  /* packets delivered when the close came */
} role[NROLES];

static int accepts;
static int next_role; /* the role of the next connection to be accepted */

static int packet_size(int r, int j)
{
	return r == B ? 6 : 1 + (j * 53 + r * 7) % 900;
}

static void make_packet(unsigned char *buf, int r, int j)
{
	if (r == B) {
		memcpy(buf, "marker", 6);
		return;
	}
	nct_fill(buf, (size_t)packet_size(r, j), (uint64_t)(r * 1000 + j + 1));
}

static int role_of(ExtagConnection *conn)
{
	for (int r = 0; r < NROLES; r++)
		if (role[r].conn == conn)
			return r;
	fprintf(stderr, "callback for unknown connection %p\n", (void *)conn);
	exit(1);
}

static void on_accept(ExtagConnection *conn)
{
	int r = next_role;
	CHECK(conn != NULL);
	CHECK(role[r].conn == NULL);
	role[r].conn = conn;
	accepts++;
	if (r == B)
		CHECK_EQ(extag_begindelivery(conn), EXTAG_OK);
	else
		role[r].gated = 1; /* not now */
}

static void on_packet(ExtagConnection *conn, int size, unsigned char *data)
{
	unsigned char want[1000];
	int r = role_of(conn);

	CHECK_EQ(role[r].closes, 0); /* nothing after the close */
	if (size == 0) {
		CHECK(data == NULL);
		role[r].closes++;
		role[r].packets_at_close = role[r].packets;
		return;
	}
	if (role[r].gated) {
		fprintf(stderr, "packet %d of held connection %s delivered before "
		        "extag_begindelivery\n", role[r].packets, names[r]);
		exit(1);
	}
	CHECK(role[r].packets < npackets[r]);
	make_packet(want, r, role[r].packets);
	if (size != packet_size(r, role[r].packets) || memcmp(data, want, (size_t)size) != 0) {
		fprintf(stderr, "%s: packet %d wrong (%d octets) or out of order\n", names[r],
		        role[r].packets, size);
		exit(1);
	}
	role[r].packets++;
}

/* Dispatches while the server has work now. */
static void pump_idle(void)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (nct_wait_readable(extag_fd(), 0)) {
		CHECK(nct_now_ms() < end);
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
}

/* Dispatches until *counter reaches want. */
static void pump_until(const int *counter, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	while (*counter < want) {
		int left = (int)(end - nct_now_ms());
		CHECK(left > 0);
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
	}
}

/* Dispatches whatever comes for a while (the test does not rely on it). */
static void pump_for(int ms)
{
	long long end = nct_now_ms() + ms;
	for (int left = ms; left > 0; left = (int)(end - nct_now_ms()))
		if (nct_wait_readable(extag_fd(), left))
			CHECK_EQ(extag_dispatch(), EXTAG_OK);
}

static SsexConn *connect_as(int r)
{
	SsexConn *c = NULL;
	next_role = r;
	CHECK_EQ(ssexact_initialize(NULL, inet_addr("127.0.0.1"), extag_port(), &c), EXTAG_OK);
	pump_until(&accepts, r + 1);
	CHECK(role[r].conn != NULL);
	return c;
}

static void send_all(SsexConn *c, int r)
{
	unsigned char buf[1000];
	for (int j = 0; j < npackets[r]; j++) {
		make_packet(buf, r, j);
		CHECK_EQ(ssexact_send(c, packet_size(r, j), (char *)buf), EXTAG_OK);
	}
	/* Everything is in the server's kernel buffer: acknowledged. */
	CHECK(nct_wait_acked(ssexact_fd(c), NCT_DEADLINE_MS));
}

static void check_held(void)
{
	for (int r = 0; r < NROLES; r++) {
		if (r == B)
			continue;
		if (role[r].packets != 0 || role[r].closes != 0) {
			fprintf(stderr, "held connection %s: %d packets and %d closes delivered "
			        "before extag_begindelivery\n", names[r], role[r].packets,
			        role[r].closes);
			exit(1);
		}
	}
}

int main(void)
{
	SsexConn *agent[NROLES];
	unsigned char buf[8];
	char *data;
	int len;

	CHECK_EQ(extag_initialize(0, on_accept), EXTAG_OK);
	CHECK_EQ(extag_registerpacketcallback(on_packet), EXTAG_OK);
	for (int r = 0; r < NROLES; r++)
		agent[r] = connect_as(r);

	/* A sends; C reads the greeting, sends and closes; D sends and closes. */
	send_all(agent[A], A);
	CHECK(nct_wait_readable(ssexact_fd(agent[C]), NCT_DEADLINE_MS));
	CHECK_EQ(ssexact_read(agent[C], &data, &len), EXTAG_UNFINISHED);
	CHECK(data == NULL && len == 0);
	send_all(agent[C], C);
	ssexact_close(agent[C]);
	send_all(agent[D], D);
	ssexact_close(agent[D]);

	/* The marker comes through B; then more rounds: A, C, D stay held. */
	make_packet(buf, B, 0);
	CHECK_EQ(ssexact_send(agent[B], 6, (char *)buf), EXTAG_OK);
	pump_until(&role[B].packets, 1);
	check_held();
	for (int i = 0; i < 50; i++)
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	pump_for(200); /* lets the server see C's and D's ends, if it looks */
	check_held();

	/* Let A's packets flow: all of them, in order, and no close. */
	role[A].gated = 0;
	CHECK_EQ(extag_begindelivery(role[A].conn), EXTAG_OK);
	CHECK_EQ(extag_begindelivery(role[A].conn), EXTAG_OK); /* again: nothing */
	pump_until(&role[A].packets, npackets[A]);
	pump_idle();
	CHECK_EQ(role[A].packets, npackets[A]);
	CHECK_EQ(role[A].closes, 0);

	/* C and D: their packets, then one close each. */
	role[C].gated = 0;
	role[D].gated = 0;
	CHECK_EQ(extag_begindelivery(role[C].conn), EXTAG_OK);
	CHECK_EQ(extag_begindelivery(role[D].conn), EXTAG_OK);
	pump_until(&role[C].closes, 1);
	pump_until(&role[D].closes, 1);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(extag_dispatch(), EXTAG_OK);
	pump_idle();
	for (int r = C; r <= D; r++) {
		if (role[r].packets_at_close != npackets[r] || role[r].closes != 1) {
			fprintf(stderr, "%s (sent %d packets, then closed before "
			        "extag_begindelivery): %d packets delivered before its close, "
			        "%d packets in all, %d closes\n", names[r], npackets[r],
			        role[r].packets_at_close, role[r].packets, role[r].closes);
			exit(1);
		}
	}

	/* The agents still connected go; one close each. */
	ssexact_close(agent[A]);
	ssexact_close(agent[B]);
	pump_until(&role[A].closes, 1);
	pump_until(&role[B].closes, 1);
	pump_idle();
	for (int r = 0; r < NROLES; r++)
		CHECK_EQ(role[r].closes, 1);
	CHECK_EQ(accepts, NROLES);
	CHECK_EQ(extag_shutdown(), EXTAG_OK);
	return 0;
}
