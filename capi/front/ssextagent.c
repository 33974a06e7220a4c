/*
 * ssexact_*: the agent side of include/ssextagent.h.
 *
 * Connecting, reading and closing go to the Go core. Sending is done here:
 * a packet is one sendmsg(2) of its length field and its data on the
 * connection's socket (agents.h keeps the socket per SsexConn *), because a
 * trip into Go would cost more than the system call itself.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "agents.h"
#include "core.h"
#include "ssextagent.h"

ExtagStatus ssexact_initialize(char *hostname, unsigned long ipaddr,
                               unsigned short tcpport, SsexConn **conn)
{
	const struct nc_core *c = nc_core();
	int err = 0, fd = -1, max_packet = 0, st;

	if (!c)
		return EXTAG_FAILED;
	st = c->nc_ssexact_initialize(hostname, ipaddr, tcpport, (void **)conn,
	                              &fd, &max_packet, &err);
	if (st == EXTAG_OK && !agents_add(*conn, fd, max_packet)) {
		c->nc_ssexact_close(*conn);
		*conn = NULL;
		st = EXTAG_FAILED;
		err = ENOMEM;
	}
	nc_set_errno(err);
	return (ExtagStatus)st;
}

/* Writes all of iov, whatever the kernel takes per call. */
static int send_all(int fd, struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};

	while (msg.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Packets up to this size are copied behind their length field and sent
 * as one buffer, which the kernel handles faster than two. */
#define SMALL_PACKET 2048

ExtagStatus ssexact_send(SsexConn *conn, int size, char *data)
{
	struct agent *a = agents_find(conn);
	unsigned char hdr[4 + SMALL_PACKET];
	struct iovec iov[2];
	int err;

	if (!a) {
		errno = EBADF;
		return EXTAG_FAILED;
	}
	if (size <= 0 || !data) {
		errno = EINVAL;
		return EXTAG_FAILED;
	}
	pthread_mutex_lock(&a->wlock);
	if (a->handle != conn) { /* closed meanwhile */
		err = EBADF;
	} else if (size > a->max_packet) {
		err = EMSGSIZE; /* the connection stays usable */
	} else if ((err = a->send_errno) == 0) {
		hdr[0] = (unsigned char)((uint32_t)size >> 24);
		hdr[1] = (unsigned char)((uint32_t)size >> 16);
		hdr[2] = (unsigned char)((uint32_t)size >> 8);
		hdr[3] = (unsigned char)size;
		if (size <= SMALL_PACKET) {
			memcpy(hdr + 4, data, (size_t)size);
			iov[0] = (struct iovec){.iov_base = hdr, .iov_len = 4 + (size_t)size};
			a->send_errno = err = send_all(a->fd, iov, 1);
		} else {
			iov[0] = (struct iovec){.iov_base = hdr, .iov_len = 4};
			iov[1] = (struct iovec){.iov_base = data, .iov_len = (size_t)size};
			a->send_errno = err = send_all(a->fd, iov, 2);
		}
	}
	pthread_mutex_unlock(&a->wlock);
	if (err) {
		errno = err;
		return EXTAG_FAILED;
	}
	return EXTAG_OK;
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

/*
 * Says goodbye (CLOSE, EXTAG_CLOSE_NORMAL) when no send is in progress and
 * the connection has not failed, then has the core close it. A send
 * blocked on another thread is woken by shutting the socket down, and the
 * descriptor is only closed once that send has left it.
 */
void ssexact_close(SsexConn *conn)
{
	static const unsigned char bye[8] = {0, 0, 0, 0, 0, EXTAG_CMD_CLOSE, 0, EXTAG_CLOSE_NORMAL};
	const struct nc_core *c;
	struct agent *a = agents_remove(conn);

	if (!a)
		return; /* NULL, closed already, or never ours */
	if (pthread_mutex_trylock(&a->wlock) == 0) {
		if (!a->send_errno)
			send(a->fd, bye, sizeof bye, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		shutdown(a->fd, SHUT_RDWR);
		pthread_mutex_lock(&a->wlock);
	}
	c = nc_core();
	if (c)
		c->nc_ssexact_close(conn);
	agents_recycle(a);
	pthread_mutex_unlock(&a->wlock);
}

int ssexact_fd(SsexConn *conn)
{
	struct agent *a = agents_find(conn);

	if (!a) {
		errno = EBADF;
		return -1;
	}
	return a->fd;
}

int ssextact_fd(SsexConn *conn)
{
	return ssexact_fd(conn);
}
