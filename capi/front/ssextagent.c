/* ssexact_*: the agent side of include/ssextagent.h, forwarded to the core. */
#include <errno.h>
#include <stddef.h>

#include "core.h"
#include "ssextagent.h"

ExtagStatus ssexact_initialize(char *hostname, unsigned long ipaddr,
                               unsigned short tcpport, SsexConn **conn)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_ssexact_initialize(hostname, ipaddr, tcpport, (void **)conn, &err);
	nc_set_errno(err);
	return (ExtagStatus)st;
}

ExtagStatus ssexact_send(SsexConn *conn, int size, char *data)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_ssexact_send(conn, size, data, &err);
	nc_set_errno(err);
	return (ExtagStatus)st;
}

static ExtagStatus read_packet(SsexConn *conn, int block, char **data, int *len)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_ssexact_read(conn, block, data, len, &err);
	nc_set_errno(err);
	return (ExtagStatus)st;
}

ExtagStatus ssexact_read(SsexConn *conn, char **data, int *len)
{
	return read_packet(conn, 0, data, len);
}

ExtagStatus ssexact_blockingread(SsexConn *conn, char **data, int *len)
{
	return read_packet(conn, 1, data, len);
}

void ssexact_close(SsexConn *conn)
{
	const struct nc_core *c;

	if (!conn)
		return;
	c = nc_core();
	if (c)
		c->nc_ssexact_close(conn);
}

int ssexact_fd(SsexConn *conn)
{
	const struct nc_core *c = nc_core();
	int err = 0, fd;

	if (!c)
		return -1;
	fd = c->nc_ssexact_fd(conn, &err);
	nc_set_errno(err);
	return fd;
}

int ssextact_fd(SsexConn *conn)
{
	return ssexact_fd(conn);
}
