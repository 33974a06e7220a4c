/*
 * extag_*: the server side of include/extagent.h. The core does the I/O and
 * queues events; extag_dispatch runs the program's callbacks here, on the
 * calling thread, so Go never calls into program code.
 */
#include <errno.h>
#include <stdlib.h>

#include "core.h"
#include "extagent.h"

static ExtagAcceptCallback accept_cb;
static ExtagPacketCallback packet_cb;

/*
 * What extag_dispatch on this thread must know while it runs the callbacks
 * of a batch the core prepared before any of them ran: connections the
 * program has closed since (their remaining packets are not delivered; the
 * size == 0 callback still comes, in a later batch) and whether it shut the
 * server down (every handle of the batch is then invalid).
 */
/* Events come from the core in batches of up to this many. */
#define NC_BATCH 64

static __thread struct {
	int active;
	int shut_down;
	int had_close; /* a size == 0 callback ran */
	const struct nc_extag_event *batch; /* the batch being delivered */
	int next, n;                        /* its next event, its length */
	int nclosed;
	ExtagConnection *closed[NC_BATCH];
} in_dispatch;

/* Remembers a connection closed during dispatch if the batch still holds
 * events of it; at most NC_BATCH connections can. */
static void note_closed(ExtagConnection *conn)
{
	for (int i = in_dispatch.next; i < in_dispatch.n; i++) {
		if (in_dispatch.batch[i].conn == conn) {
			in_dispatch.closed[in_dispatch.nclosed++] = conn;
			return;
		}
	}
}

static int closed_in_batch(ExtagConnection *conn)
{
	for (int i = 0; i < in_dispatch.nclosed; i++)
		if (in_dispatch.closed[i] == conn)
			return 1;
	return 0;
}

static void deliver(const struct nc_extag_event *ev, unsigned char *buf)
{
	ExtagConnection *conn = ev->conn;
	ExtagAcceptCallback acb = __atomic_load_n(&accept_cb, __ATOMIC_ACQUIRE);
	ExtagPacketCallback pcb = __atomic_load_n(&packet_cb, __ATOMIC_ACQUIRE);

	switch (ev->kind) {
	case NC_EXTAG_ACCEPTED:
		if (acb)
			acb(conn);
		break;
	case NC_EXTAG_PACKET:
		if (pcb && !closed_in_batch(conn))
			pcb(conn, ev->size, buf + ev->off);
		break;
	case NC_EXTAG_CLOSED:
		in_dispatch.had_close = 1;
		if (pcb)
			pcb(conn, 0, NULL);
		break;
	}
}

/* The shims' last step. The status is computed into a variable first: as
 * arguments of one call, "nc_x(..., &err)" and "err" may be evaluated in
 * either order. */
static ExtagStatus finish(int st, int err)
{
	nc_set_errno(err);
	return (ExtagStatus)st;
}

ExtagStatus extag_initialize(unsigned short tcpport, ExtagAcceptCallback cbk)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_initialize(tcpport, &err);
	if (st == EXTAG_OK)
		__atomic_store_n(&accept_cb, cbk, __ATOMIC_RELEASE);
	return finish(st, err);
}

unsigned short extag_port(void)
{
	const struct nc_core *c = nc_core();

	return c ? c->nc_extag_port() : 0;
}

ExtagStatus extag_registerpacketcallback(ExtagPacketCallback cbk)
{
	__atomic_store_n(&packet_cb, cbk, __ATOMIC_RELEASE);
	return EXTAG_OK;
}

ExtagStatus extag_begindelivery(ExtagConnection *conn)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_begindelivery(conn, &err);
	return finish(st, err);
}

ExtagStatus extag_send(ExtagConnection *conn, int size, unsigned char *data)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_send(conn, size, data, &err);
	return finish(st, err);
}

ExtagStatus extag_closeconnection(ExtagConnection *conn)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_closeconnection(conn, &err);
	if (st == EXTAG_OK && in_dispatch.active)
		note_closed(conn);
	return finish(st, err);
}

ExtagStatus extag_shutdown(void)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_shutdown(&err);
	if (in_dispatch.active)
		in_dispatch.shut_down = 1;
	return finish(st, err);
}

int extag_fd(void)
{
	const struct nc_core *c = nc_core();

	return c ? c->nc_extag_fd() : -1;
}

ExtagStatus extag_dispatch(void)
{
	const struct nc_core *c = nc_core();
	struct nc_extag_event evs[NC_BATCH];
	unsigned char *buf = NULL; /* the batch's packet data; grown by the core */
	size_t cap = 0;
	int err = 0, n, first = 1;

	if (!c)
		return EXTAG_FAILED;
	if (in_dispatch.active)
		return finish(EXTAG_FAILED, EDEADLK);
	in_dispatch.active = 1;
	in_dispatch.shut_down = 0;
	in_dispatch.had_close = 0;
	/* A batch shorter than NC_BATCH ends the round: what callbacks cause
	 * meanwhile (a close's size == 0 event) makes extag_fd readable again
	 * and is delivered by the next call, saving a trip into Go per call. */
	do {
		n = c->nc_extag_take(first, evs, NC_BATCH, &buf, &cap, &err);
		first = 0;
		in_dispatch.batch = evs;
		in_dispatch.n = n;
		in_dispatch.nclosed = 0;
		for (in_dispatch.next = 0; in_dispatch.next < n && !in_dispatch.shut_down;)
			deliver(&evs[in_dispatch.next++], buf);
	} while (n == NC_BATCH && !in_dispatch.shut_down);
	if (in_dispatch.had_close && !in_dispatch.shut_down)
		c->nc_extag_release(); /* their handles end with their callbacks */
	in_dispatch.n = 0;
	in_dispatch.active = 0;
	free(buf);
	return finish(n < 0 ? EXTAG_FAILED : EXTAG_OK, err);
}
