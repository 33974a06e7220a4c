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
static __thread int dispatching; /* extag_dispatch is running on this thread */

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
	return finish(st, err);
}

ExtagStatus extag_shutdown(void)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_extag_shutdown(&err);
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
	struct nc_extag_event ev;
	unsigned char *buf = NULL; /* packet data; grown by the core */
	size_t cap = 0;
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	if (dispatching)
		return finish(EXTAG_FAILED, EDEADLK);
	st = c->nc_extag_poll(&err);
	if (st != EXTAG_OK)
		return finish(st, err);
	dispatching = 1;
	while ((st = c->nc_extag_next(&ev, &buf, &cap, &err)) == 1) {
		ExtagAcceptCallback acb = __atomic_load_n(&accept_cb, __ATOMIC_ACQUIRE);
		ExtagPacketCallback pcb = __atomic_load_n(&packet_cb, __ATOMIC_ACQUIRE);

		switch (ev.kind) {
		case NC_EXTAG_ACCEPTED:
			if (acb)
				acb((ExtagConnection *)ev.conn);
			break;
		case NC_EXTAG_PACKET:
			if (pcb)
				pcb((ExtagConnection *)ev.conn, ev.size, ev.data);
			break;
		case NC_EXTAG_CLOSED:
			if (pcb)
				pcb((ExtagConnection *)ev.conn, 0, NULL);
			break;
		}
	}
	dispatching = 0;
	free(buf);
	return finish(st < 0 ? EXTAG_FAILED : EXTAG_OK, err);
}
