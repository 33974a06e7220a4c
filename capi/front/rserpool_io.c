/*
 * rsplib's enhanced mode, receive side and helpers (include/rserpool.h):
 * rsp_recvmsg, rsp_recvfullmsg, rsp_recv, rsp_read, rsp_recvmsg_draft00,
 * rsp_poll, rsp_select, rsp_mapsocket, rsp_unmapsocket,
 * rsp_print_notification, rsp_getsockopt, rsp_setsockopt,
 * rsp_update_session_parameters and rsp_csp_setstatus.
 *
 * Receiving never calls into Go: the core has written each message,
 * notification or accepted session as one datagram (struct nc_rsp_frame
 * and payload, capi/nc_abi.h) to the socketpair whose C end is the
 * descriptor; this file reads and parses it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stddef.h>

#include "core.h"
#include "rserpool_session.h"

_Static_assert(sizeof(struct nc_rsp_frame) == NC_RSP_FRAME_HEADER, "nc_rsp_frame size");
_Static_assert(offsetof(struct nc_rsp_frame, stream) == 16 &&
               offsetof(struct nc_rsp_frame, len) == 28, "nc_rsp_frame layout (capi/rserpool_session.go)");

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands out the next piece of r's pending message. Table locked. */
static ssize_t hand_out(struct nc_rsock *r, void *buffer, size_t len,
                        struct rsp_sndrcvinfo *rinfo, int *msg_flags)
{
	size_t n = r->len - r->off;

	if (n > len)
		n = len;
	if (n)
		memcpy(buffer, r->rbuf + NC_RSP_FRAME_HEADER + r->off, n);
	r->off += n;
	*msg_flags = r->base_flags;
	if (r->off >= r->len) {
		*msg_flags |= MSG_EOR;
		r->pending = 0;
	}
	if (rinfo) {
		memset(rinfo, 0, sizeof *rinfo);
		rinfo->rinfo_session = r->hdr.session;
		rinfo->rinfo_ppid = r->hdr.ppid;
		rinfo->rinfo_pe_id = r->hdr.pe_id;
		rinfo->rinfo_stream = r->hdr.stream;
	}
	return (ssize_t)n;
}

/* Builds the notification of a NOTIFY frame as r's payload. */
static void make_notification(struct nc_rsock *r)
{
	union rserpool_notification n;

	memset(&n, 0, sizeof n);
	n.rn_header.rn_type = r->hdr.ntype;
	switch (r->hdr.ntype) {
	case RSERPOOL_FAILOVER:
		n.rn_failover.rf_length = sizeof n.rn_failover;
		n.rn_failover.rf_state = r->hdr.nstate;
		n.rn_failover.rf_session = r->hdr.session;
		n.rn_failover.rf_has_cookie = r->hdr.extra != 0;
		r->len = sizeof n.rn_failover;
		break;
	case RSERPOOL_SESSION_CHANGE:
		n.rn_session_change.rsc_length = sizeof n.rn_session_change;
		n.rn_session_change.rsc_state = r->hdr.nstate;
		n.rn_session_change.rsc_session = r->hdr.session;
		r->len = sizeof n.rn_session_change;
		break;
	default:
		n.rn_shutdown_event.rse_length = sizeof n.rn_shutdown_event;
		n.rn_shutdown_event.rse_session = r->hdr.session;
		r->len = sizeof n.rn_shutdown_event;
		break;
	}
	memcpy(r->rbuf + NC_RSP_FRAME_HEADER, &n, r->len);
}

ssize_t nc_rs_recv(int sd, void *buffer, size_t len, struct rsp_sndrcvinfo *rinfo,
                   int *msg_flags, int timeout, int *accepted)
{
	long long deadline = timeout < 0 ? -1 : now_ms() + timeout;

	for (;;) {
		struct nc_rsock *r;
		ssize_t n;
		int drop = -1;

		nc_rs_lock();
		r = nc_rs_get(sd);
		if (!r) {
			nc_rs_unlock();
			errno = EBADF;
			return -1;
		}
		if (r->pending && !accepted) {
			n = hand_out(r, buffer, len, rinfo, msg_flags);
			nc_rs_unlock();
			return n;
		}
		if (!r->rbuf && !(r->rbuf = malloc(NC_RSP_FRAME_HEADER + NC_RSP_MAX_MESSAGE))) {
			nc_rs_unlock();
			errno = ENOMEM;
			return -1;
		}
		n = recv(sd, r->rbuf, NC_RSP_FRAME_HEADER + NC_RSP_MAX_MESSAGE, MSG_DONTWAIT);
		if (n < 0) {
			int e = errno;
			nc_rs_unlock();
			if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) {
				struct pollfd p = {.fd = sd, .events = POLLIN};
				int left = -1;
				if (deadline >= 0) {
					long long l = deadline - now_ms();
					if (l <= 0) {
						errno = EAGAIN;
						return -1;
					}
					left = l > 0x7fffffff ? 0x7fffffff : (int)l;
				}
				if (poll(&p, 1, left) < 0 && errno != EINTR)
					return -1;
				continue;
			}
			errno = e;
			return -1;
		}
		if (n == 0) { /* the session has ended */
			nc_rs_unlock();
			*msg_flags = 0;
			return 0;
		}
		memcpy(&r->hdr, r->rbuf, sizeof r->hdr);
		if ((size_t)n < NC_RSP_FRAME_HEADER || r->hdr.len != (size_t)n - NC_RSP_FRAME_HEADER) {
			nc_rs_unlock();
			errno = EIO;
			return -1;
		}
		r->off = 0;
		r->len = r->hdr.len;
		switch (r->hdr.kind) {
		case NC_RSPF_ACCEPT:
			if (accepted) {
				int fd = r->hdr.session;
				nc_rs_unlock();
				if (nc_rs_add(fd, SOCK_STREAM) != 0)
					return -1;
				*accepted = fd;
				return 0;
			}
			drop = r->hdr.session;
			break;
		case NC_RSPF_END:
			/* later reads return 0 at once and select() sees it */
			shutdown(sd, SHUT_RD);
			nc_rs_unlock();
			*msg_flags = 0;
			return 0;
		case NC_RSPF_ERROR:
			nc_rs_unlock();
			errno = r->hdr.nstate ? (int)r->hdr.nstate : EIO;
			return -1;
		case NC_RSPF_NOTIFY:
			make_notification(r);
			r->base_flags = MSG_RSERPOOL_NOTIFICATION;
			r->pending = 1;
			break;
		case NC_RSPF_COOKIE_ECHO:
			r->base_flags = MSG_RSERPOOL_COOKIE_ECHO;
			r->pending = 1;
			break;
		default:
			r->base_flags = 0;
			r->pending = 1;
			break;
		}
		nc_rs_unlock();
		if (drop >= 0) { /* a session of a listening socket nobody accepts here */
			nc_rs_add(drop, SOCK_STREAM);
			rsp_close(drop);
		}
	}
}

ssize_t rsp_recvmsg(int sd, void *buffer, size_t bufferLength, struct rsp_sndrcvinfo *rinfo,
                    int *msg_flags, int timeout)
{
	if (!nc_rsp_started()) {
		errno = EACCES;
		return -1;
	}
	if (!msg_flags || (!buffer && bufferLength > 0)) {
		errno = EINVAL;
		return -1;
	}
	*msg_flags = 0;
	return nc_rs_recv(sd, buffer, bufferLength, rinfo, msg_flags, timeout, NULL);
}

ssize_t rsp_recvfullmsg(int sd, void *buffer, size_t bufferLength,
                        struct rsp_sndrcvinfo *rinfo, int *msg_flags, int timeout)
{
	size_t got = 0;
	ssize_t n;

	n = rsp_recvmsg(sd, buffer, bufferLength, rinfo, msg_flags, timeout);
	if (n <= 0)
		return n;
	got = (size_t)n;
	while (!(*msg_flags & MSG_EOR) && got < bufferLength) {
		int fl = 0;
		n = rsp_recvmsg(sd, (char *)buffer + got, bufferLength - got, NULL, &fl, timeout);
		if (n <= 0)
			break;
		got += (size_t)n;
		*msg_flags |= fl & MSG_EOR;
	}
	return (ssize_t)got;
}

ssize_t rsp_recv(int sd, void *buffer, size_t bufferLength, int flags)
{
	int fl = 0;

	if (!nc_rs_is(sd))
		return recv(sd, buffer, bufferLength, flags);
	return rsp_recvmsg(sd, buffer, bufferLength, NULL, &fl, -1);
}

ssize_t rsp_read(int fd, void *buffer, size_t bufferLength)
{
	int fl = 0;

	if (!nc_rs_is(fd))
		return read(fd, buffer, bufferLength);
	return rsp_recvmsg(fd, buffer, bufferLength, NULL, &fl, -1);
}

ssize_t rsp_recvmsg_draft00(int sd, void *buffer, size_t bufferLength,
                            struct rsp_sndrcvinfo *sinfo, int flags)
{
	int timeout = (flags & MSG_DONTWAIT) ? 0 : -1;
	int consumed = 0; /* a failover notification was taken */

	for (;;) {
		struct rsp_sndrcvinfo ri;
		int fl = 0;
		/* Once a failover notification has made the descriptor readable
		 * and been consumed, do not block: the draft's pool user waits in
		 * select() for stdin too and must get back to it (-1, EAGAIN).
		 * Other notifications (a pool element's session changes) are
		 * followed by data, which a blocking call waits for. */
		ssize_t n = rsp_recvmsg(sd, buffer, bufferLength, &ri, &fl, consumed ? 0 : timeout);
		if (n < 0 && consumed)
			errno = EAGAIN;
		if (n <= 0)
			return n;
		/* discard the rest of a longer message */
		while (!(fl & MSG_EOR)) {
			char skip[512];
			int f2 = 0;
			if (rsp_recvmsg(sd, skip, sizeof skip, NULL, &f2, -1) <= 0)
				break;
			fl |= f2 & MSG_EOR;
		}
		if (fl & (MSG_RSERPOOL_NOTIFICATION | MSG_RSERPOOL_COOKIE_ECHO)) {
			union rserpool_notification note;
			if ((fl & MSG_RSERPOOL_NOTIFICATION) && (size_t)n >= sizeof note.rn_header) {
				memcpy(&note.rn_header, buffer, sizeof note.rn_header); /* buffer may be unaligned */
				if (note.rn_header.rn_type == RSERPOOL_FAILOVER)
					consumed = 1;
			}
			continue;
		}
		if (sinfo)
			*sinfo = ri;
		return n;
	}
}

/* ---------------------------------------------------------------------- */
/* Waiting                                                                */
/* ---------------------------------------------------------------------- */

int rsp_poll(struct pollfd *ufds, unsigned int nfds, int timeout)
{
	int ready = 0, n;

	if (nfds > FD_SETSIZE || (!ufds && nfds > 0)) {
		errno = EINVAL;
		return -1;
	}
	/* a partly read message is readable although its descriptor is not */
	for (unsigned int i = 0; i < nfds; i++)
		if ((ufds[i].events & POLLIN) && nc_rs_pending(ufds[i].fd))
			ready = 1;
	n = poll(ufds, nfds, ready ? 0 : timeout);
	if (n < 0 || !ready)
		return n;
	n = 0;
	for (unsigned int i = 0; i < nfds; i++) {
		if ((ufds[i].events & POLLIN) && nc_rs_pending(ufds[i].fd))
			ufds[i].revents |= POLLIN;
		if (ufds[i].revents)
			n++;
	}
	return n;
}

int rsp_select(int n, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               struct timeval *timeout)
{
	fd_set pend;
	struct timeval zero = {0, 0};
	int ready = 0, r;

	if (n < 0 || n > FD_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	FD_ZERO(&pend);
	if (readfds)
		for (int fd = 0; fd < n; fd++)
			if (FD_ISSET(fd, readfds) && nc_rs_pending(fd)) {
				FD_SET(fd, &pend);
				ready = 1;
			}
	r = select(n, readfds, writefds, exceptfds, ready ? &zero : timeout);
	if (r < 0 || !ready)
		return r;
	for (int fd = 0; fd < n; fd++)
		if (FD_ISSET(fd, &pend) && !FD_ISSET(fd, readfds)) {
			FD_SET(fd, readfds);
			r++;
		}
	return r;
}

/* ---------------------------------------------------------------------- */
/* Miscellaneous                                                          */
/* ---------------------------------------------------------------------- */

int rsp_mapsocket(int sd, int toSD)
{
	if (sd < 0 || fcntl(sd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	if (toSD != -1 && toSD != sd) {
		errno = EINVAL;
		return -1;
	}
	return sd;
}

int rsp_unmapsocket(int sd)
{
	if (sd < 0 || fcntl(sd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

void rsp_print_notification(const union rserpool_notification *notification, FILE *fd)
{
	const union rserpool_notification *n = notification;

	if (!n || !fd)
		return;
	switch (n->rn_header.rn_type) {
	case RSERPOOL_FAILOVER:
		fprintf(fd, "RSERPOOL_FAILOVER for session %d: %s%s", n->rn_failover.rf_session,
		        n->rn_failover.rf_state == RSERPOOL_FAILOVER_NECESSARY   ? "RSERPOOL_FAILOVER_NECESSARY"
		        : n->rn_failover.rf_state == RSERPOOL_FAILOVER_COMPLETE ? "RSERPOOL_FAILOVER_COMPLETE"
		                                                                 : "unknown state",
		        n->rn_failover.rf_has_cookie ? ", has cookie" : "");
		break;
	case RSERPOOL_SESSION_CHANGE:
		fprintf(fd, "RSERPOOL_SESSION_CHANGE for session %d: %s",
		        n->rn_session_change.rsc_session,
		        n->rn_session_change.rsc_state == RSERPOOL_SESSION_ADD      ? "RSERPOOL_SESSION_ADD"
		        : n->rn_session_change.rsc_state == RSERPOOL_SESSION_REMOVE ? "RSERPOOL_SESSION_REMOVE"
		                                                                    : "unknown state");
		break;
	case RSERPOOL_SHUTDOWN_EVENT:
		fprintf(fd, "RSERPOOL_SHUTDOWN_EVENT for session %d", n->rn_shutdown_event.rse_session);
		break;
	default:
		fprintf(fd, "unknown notification type %u", (unsigned)n->rn_header.rn_type);
		break;
	}
}

/*
 * RSerPool sockets answer SOL_SOCKET/SO_TYPE (their type); other options
 * are ENOPROTOOPT (the transport sockets are the core's). Other
 * descriptors: getsockopt(2)/setsockopt(2).
 */
int rsp_getsockopt(int sd, int level, int optname, void *optval, socklen_t *optlen)
{
	int type = -1;

	nc_rs_lock();
	if (nc_rs_get(sd))
		type = nc_rs_get(sd)->type;
	nc_rs_unlock();
	if (type < 0)
		return getsockopt(sd, level, optname, optval, optlen);
	if (level == SOL_SOCKET && optname == SO_TYPE) {
		if (!optval || !optlen || *optlen < sizeof(int)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(optval, &type, sizeof type);
		*optlen = sizeof type;
		return 0;
	}
	errno = ENOPROTOOPT;
	return -1;
}

int rsp_setsockopt(int sd, int level, int optname, const void *optval, socklen_t optlen)
{
	if (!nc_rs_is(sd))
		return setsockopt(sd, level, optname, optval, optlen);
	errno = ENOPROTOOPT;
	return -1;
}

/*
 * Zero members keep their value; the merged set is written back and
 * handed to the core, which applies it to the associations the socket
 * makes from now on (kernel SCTP: RTO, retransmission and heartbeat
 * options; TCP mapping: keep-alive and TCP_USER_TIMEOUT, see
 * core/transport/timing.go).
 */
int rsp_update_session_parameters(int sd, struct rserpool_session_parameters *params)
{
	const struct nc_core *c;
	struct nc_rsock *r;
	struct nc_rsp_timing t;
	int err = 0, st;

	if (!nc_rsp_started()) {
		errno = EACCES;
		return -1;
	}
	if (!params) {
		errno = EINVAL;
		return -1;
	}
	if (!(c = nc_core()))
		return -1;
	nc_rs_lock();
	r = nc_rs_get(sd);
	if (!r) {
		nc_rs_unlock();
		errno = EBADF;
		return -1;
	}
#define NC_UPD(m) do { if (params->m) r->params.m = params->m; } while (0)
	NC_UPD(sp_rto_initial);
	NC_UPD(sp_rto_min);
	NC_UPD(sp_rto_max);
	NC_UPD(sp_assoc_max_rxt);
	NC_UPD(sp_path_max_rxt);
	NC_UPD(sp_hbinterval);
#undef NC_UPD
	*params = r->params;
	t.rto_initial = r->params.sp_rto_initial;
	t.rto_min = r->params.sp_rto_min;
	t.rto_max = r->params.sp_rto_max;
	t.assoc_max_rxt = r->params.sp_assoc_max_rxt;
	t.path_max_rxt = r->params.sp_path_max_rxt;
	t.hbinterval = r->params.sp_hbinterval;
	nc_rs_unlock();
	st = c->nc_rsp_set_timing(sd, &t, &err);
	nc_set_errno(err);
	return st;
}

/*
 * The text is reported for the session in the process's CSP reports
 * (rsp_info's ri_csp_server); as in rsplib, an unknown session is EINVAL.
 */
int rsp_csp_setstatus(int sd, rserpool_session_t sessionID, const char *statusText)
{
	const struct nc_core *c;
	int err = 0, st;

	if (!nc_rsp_started()) {
		errno = EACCES;
		return -1;
	}
	if (!nc_rs_is(sd)) {
		errno = EBADF;
		return -1;
	}
	if (!(c = nc_core()))
		return -1;
	st = c->nc_rsp_csp_setstatus(sd, sessionID, (char *)statusText, &err);
	nc_set_errno(err);
	return st;
}
