/*
 * rsplib's enhanced mode, socket side (include/rserpool.h, "Enhanced
 * mode"): rsp_socket, rsp_bind, rsp_listen, rsp_register, rsp_deregister,
 * rsp_connect, rsp_accept, rsp_close, rsp_sendmsg, rsp_send_cookie,
 * rsp_send, rsp_write, rsp_forcefailover, rsp_has_cookie,
 * rsp_getsockname, rsp_getpeername and the draft-00 forms of these.
 *
 * The descriptors are the C ends of the core's socketpairs (capi/nc_abi.h);
 * the table here says which descriptors are RSerPool sockets. Receiving
 * is in rserpool_io.c. Return conventions are rsplib's: 0 / a byte count
 * or -1 with errno; bad pointers and lengths give EINVAL, unknown
 * descriptors EBADF, calls before rsp_initialize EACCES.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"
#include "rserpool_session.h"
#include "rserpool-internals.h"

#define NC_RSP_MAX_HANDLE   32
#define NC_RSP_MAX_PE_ADDRS 64
#define NC_SCTP_UNORDERED   1 /* linux/sctp.h SCTP_UNORDERED */

/* ---------------------------------------------------------------------- */
/* The table                                                              */
/* ---------------------------------------------------------------------- */

static pthread_mutex_t tab_mu = PTHREAD_MUTEX_INITIALIZER;
static struct nc_rsock **tab;
static size_t tab_cap;

void nc_rs_lock(void)
{
	pthread_mutex_lock(&tab_mu);
}

void nc_rs_unlock(void)
{
	pthread_mutex_unlock(&tab_mu);
}

struct nc_rsock *nc_rs_get(int fd)
{
	if (fd < 0 || (size_t)fd >= tab_cap)
		return NULL;
	return tab[fd];
}

int nc_rs_add(int fd, int type)
{
	struct nc_rsock *r;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		errno = ENOMEM;
		return -1;
	}
	r->type = type;
	r->params.sp_rto_initial = 2000;
	r->params.sp_rto_min = 1000;
	r->params.sp_rto_max = 5000;
	r->params.sp_assoc_max_rxt = 8;
	r->params.sp_path_max_rxt = 3;
	r->params.sp_hbinterval = 15000;
	nc_rs_lock();
	if ((size_t)fd >= tab_cap) {
		size_t cap = tab_cap ? tab_cap : 64;
		struct nc_rsock **t;
		while (cap <= (size_t)fd)
			cap *= 2;
		t = realloc(tab, cap * sizeof *t);
		if (!t) {
			nc_rs_unlock();
			free(r);
			errno = ENOMEM;
			return -1;
		}
		memset(t + tab_cap, 0, (cap - tab_cap) * sizeof *t);
		tab = t;
		tab_cap = cap;
	}
	if (tab[fd]) { /* a stale entry: the descriptor was closed behind our back */
		free(tab[fd]->rbuf);
		free(tab[fd]);
	}
	tab[fd] = r;
	nc_rs_unlock();
	return 0;
}

void nc_rs_remove(int fd)
{
	struct nc_rsock *r;

	nc_rs_lock();
	r = nc_rs_get(fd);
	if (r)
		tab[fd] = NULL;
	nc_rs_unlock();
	if (r) {
		free(r->rbuf);
		free(r);
	}
}

void nc_rs_close_all(void)
{
	for (;;) {
		int fd = -1;

		nc_rs_lock();
		for (size_t i = 0; i < tab_cap && fd < 0; i++)
			if (tab[i])
				fd = (int)i;
		nc_rs_unlock();
		if (fd < 0)
			return;
		rsp_close(fd);
	}
}

int nc_rs_is(int fd)
{
	int is;

	nc_rs_lock();
	is = nc_rs_get(fd) != NULL;
	nc_rs_unlock();
	return is;
}

int nc_rs_pending(int fd)
{
	struct nc_rsock *r;
	int p;

	nc_rs_lock();
	r = nc_rs_get(fd);
	p = r && r->pending;
	nc_rs_unlock();
	return p;
}

/* ---------------------------------------------------------------------- */

/* The common start: initialized, core loaded. NULL with errno set. */
static const struct nc_core *core_for(void)
{
	if (!nc_rsp_started()) {
		errno = EACCES;
		return NULL;
	}
	return nc_core();
}

/* An RSerPool socket of this process and the core, or NULL (errno). */
static const struct nc_core *sock_core(int sd)
{
	const struct nc_core *c = core_for();

	if (c && !nc_rs_is(sd)) {
		errno = EBADF;
		return NULL;
	}
	return c;
}

static int finish(int st, int err)
{
	nc_set_errno(err);
	return st;
}

int rsp_socket(int domain, int type, int protocol)
{
	const struct nc_core *c;
	int fd, err = 0;

	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!(c = core_for()))
		return -1;
	if (protocol != IPPROTO_SCTP)
		return finish(-1, EPROTONOSUPPORT);
	if (domain != 0 && domain != AF_INET && domain != AF_INET6)
		return finish(-1, EAFNOSUPPORT);
	if (type == SOCK_DGRAM)
		type = SOCK_SEQPACKET; /* the draft's; rserpool.h */
	if (type != SOCK_SEQPACKET && type != SOCK_STREAM)
		return finish(-1, ESOCKTNOSUPPORT);
	fd = c->nc_rsp_socket(domain, type, &err);
	if (fd < 0)
		return finish(-1, err);
	if (nc_rs_add(fd, type) != 0) {
		err = errno;
		c->nc_rsp_close(fd, &(int){0});
		close(fd);
		return finish(-1, err);
	}
	return fd;
}

/* Binds n packed addresses (n 0: the wildcard). */
static int bind_n(int sd, const struct sockaddr *addrs, size_t n)
{
	struct nc_rsp_addr list[NC_RSP_MAX_PE_ADDRS];
	const struct nc_core *c;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	if (n > NC_RSP_MAX_PE_ADDRS || (n > 0 && !addrs))
		return finish(-1, EINVAL);
	if (n > 0 && nc_rsp_unpack(addrs, n, list, 0) != 0)
		return finish(-1, EINVAL);
	st = c->nc_rsp_bind(sd, list, n, &err);
	return finish(st, err);
}

int rsp_bind(int sd, const struct sockaddr *addrs, int addrcnt)
{
	size_t n;

	if (addrcnt < 1)
		n = 0;
	else if (addrs && addrcnt == (int)sizeof(struct sockaddr_in) && addrs->sa_family == AF_INET)
		n = 1;
	else if (addrs && addrcnt == (int)sizeof(struct sockaddr_in6) && addrs->sa_family == AF_INET6)
		n = 1;
	else if (addrs && addrcnt == (int)sizeof(struct sockaddr_storage))
		n = 1;
	else
		n = (size_t)addrcnt;
	return bind_n(sd, addrs, n);
}

int rsp_bind_draft00(int sd, const struct sockaddr *addr, socklen_t addrlen)
{
	if (!addr || addrlen < sizeof(struct sockaddr_in) ||
	    (addr->sa_family == AF_INET6 && addrlen < sizeof(struct sockaddr_in6))) {
		errno = EINVAL;
		return -1;
	}
	return bind_n(sd, addr, 1);
}

int rsp_listen(int sd, int backlog)
{
	const struct nc_core *c;
	int st, err = 0;

	(void)backlog;
	if (!(c = sock_core(sd)))
		return -1;
	st = c->nc_rsp_listen(sd, &err);
	if (st == 0) {
		nc_rs_lock();
		if (nc_rs_get(sd))
			nc_rs_get(sd)->listening = 1;
		nc_rs_unlock();
	}
	return finish(st, err);
}

int rsp_register(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                 const struct rsp_loadinfo *loadinfo, unsigned int reregistrationInterval,
                 int flags)
{
	struct nc_rsp_policy pol, *polp = NULL;
	const struct nc_core *c;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	if (!poolHandle || poolHandleSize == 0)
		return finish(-1, EINVAL);
	if (poolHandleSize > NC_RSP_MAX_HANDLE)
		return finish(-1, ENAMETOOLONG);
	if (loadinfo) {
		pol.policy = loadinfo->rli_policy;
		pol.weight = loadinfo->rli_weight;
		pol.weight_dpf = loadinfo->rli_weight_dpf;
		pol.load = loadinfo->rli_load;
		pol.load_degradation = loadinfo->rli_load_degradation;
		pol.load_dpf = loadinfo->rli_load_dpf;
		polp = &pol;
	}
	st = c->nc_rsp_register(sd, (unsigned char *)poolHandle, poolHandleSize, polp,
	                        reregistrationInterval, flags, &err);
	return finish(st, err);
}

int rsp_register_draft00(int sd, const void *poolHandle, size_t poolHandleSize,
                         const struct rsp_loadinfo *loadinfo)
{
	return rsp_register(sd, poolHandle, poolHandleSize, loadinfo, 30000, 0);
}

int rsp_deregister(int sd, int flags)
{
	const struct nc_core *c;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	st = c->nc_rsp_deregister(sd, flags, &err);
	return finish(st, err);
}

int rsp_deregister_draft00(int sd)
{
	return rsp_deregister(sd, 0);
}

int rsp_connect(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                const unsigned int staleCacheValue)
{
	const struct nc_core *c;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	if (!poolHandle || poolHandleSize == 0)
		return finish(-1, EINVAL);
	if (poolHandleSize > NC_RSP_MAX_HANDLE)
		return finish(-1, ENAMETOOLONG);
	st = c->nc_rsp_connect(sd, (unsigned char *)poolHandle, poolHandleSize, staleCacheValue,
	                       &err);
	return finish(st, err);
}

int rsp_connect_draft00(int sd, const void *poolHandle, size_t poolHandleSize)
{
	return rsp_connect(sd, poolHandle, poolHandleSize, 0);
}

int rsp_accept(int sd, int timeout)
{
	int fd = -1, flags = 0;

	struct nc_rsock *r;
	int listening;

	if (!sock_core(sd))
		return -1;
	nc_rs_lock();
	r = nc_rs_get(sd);
	listening = r && r->listening;
	nc_rs_unlock();
	if (!listening) {
		errno = EINVAL; /* as accept(2) on a socket that is not listening */
		return -1;
	}
	if (nc_rs_recv(sd, NULL, 0, NULL, &flags, timeout, &fd) < 0)
		return -1;
	return fd;
}

int rsp_close(int sd)
{
	const struct nc_core *c;
	int st, err = 0;

	if (!nc_rs_is(sd))
		return close(sd);
	if (!(c = nc_core()))
		return -1;
	st = c->nc_rsp_close(sd, &err);
	nc_rs_remove(sd);
	/* sessions accepted by the core but never by rsp_accept: close them */
	for (;;) {
		struct nc_rsp_frame f;
		ssize_t n = recv(sd, &f, sizeof f, MSG_DONTWAIT | MSG_TRUNC);
		if (n < (ssize_t)sizeof f)
			break;
		if (f.kind == NC_RSPF_ACCEPT && nc_rs_add(f.session, SOCK_STREAM) == 0)
			rsp_close(f.session);
	}
	close(sd);
	return finish(st, err);
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                */
/* ---------------------------------------------------------------------- */

static ssize_t send_common(int sd, const void *data, size_t len, rserpool_session_t session,
                           uint32_t ppid_host, uint16_t stream, int unordered, uint32_t ttl_ms,
                           int timeout, int cookie)
{
	const struct nc_core *c;
	long n;
	int err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	if ((!data && len > 0) || (cookie && len == 0)) {
		errno = EINVAL;
		return -1;
	}
	if (len > NC_RSP_MAX_MESSAGE) {
		errno = EMSGSIZE;
		return -1;
	}
	n = c->nc_rsp_send(sd, (unsigned char *)data, len, session, ppid_host, stream, unordered,
	                   ttl_ms, timeout, cookie, &err);
	nc_set_errno(err);
	return (ssize_t)n;
}

ssize_t rsp_sendmsg(int sd, const void *data, size_t dataLength, unsigned int msg_flags,
                    rserpool_session_t sessionID, uint32_t sctpPPID, uint16_t sctpStreamID,
                    uint32_t sctpTimeToLive, uint16_t sctpFlags, int timeout)
{
	(void)msg_flags; /* the send waits for the transport in any case */
	/* sctpTimeToLive (ms): partial reliability, see SendInfo.TimeToLive in
	 * core/rserpool/session */
	return send_common(sd, data, dataLength, sessionID, ntohl(sctpPPID), sctpStreamID,
	                   (sctpFlags & NC_SCTP_UNORDERED) != 0, sctpTimeToLive, timeout, 0);
}

ssize_t rsp_sendmsg_draft00(int sd, const void *data, size_t dataLength,
                            const struct rsp_sndrcvinfo *sinfo, int flags)
{
	if (sinfo)
		return rsp_sendmsg(sd, data, dataLength, (unsigned int)flags, sinfo->rinfo_session,
		                   sinfo->rinfo_ppid, sinfo->rinfo_stream, sinfo->rinfo_timetolive,
		                   0, -1);
	return rsp_sendmsg(sd, data, dataLength, (unsigned int)flags, 0, 0, 0, 0, 0, -1);
}

ssize_t rsp_send_cookie(int sd, const unsigned char *cookie, const size_t cookieSize,
                        rserpool_session_t sessionID, int timeout)
{
	return send_common(sd, cookie, cookieSize, sessionID, 0, 0, 0, 0, timeout, 1);
}

ssize_t rsp_send(int sd, const void *data, size_t dataLength, int flags)
{
	if (!nc_rs_is(sd))
		return send(sd, data, dataLength, flags);
	return rsp_sendmsg(sd, data, dataLength, (unsigned int)flags, 0, 0, 0, 0, 0, -1);
}

ssize_t rsp_write(int fd, const char *data, size_t dataLength)
{
	if (!nc_rs_is(fd))
		return write(fd, data, dataLength);
	return rsp_sendmsg(fd, data, dataLength, 0, 0, 0, 0, 0, 0, -1);
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                               */
/* ---------------------------------------------------------------------- */

int rsp_forcefailover(int sd, const unsigned int flags, const unsigned int staleCacheValue)
{
	const struct nc_core *c;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	st = c->nc_rsp_forcefailover(sd, flags, staleCacheValue, &err);
	return finish(st, err);
}

int rsp_has_cookie(int sd)
{
	const struct nc_core *c;

	if (!(c = sock_core(sd)))
		return 0;
	return c->nc_rsp_has_cookie(sd);
}

static int name_of(int sd, int peer, unsigned char *poolHandle, size_t *poolHandleSize,
                   uint32_t *identifier)
{
	const struct nc_core *c;
	unsigned int id = 0;
	int st, err = 0;

	if (!(c = sock_core(sd)))
		return -1;
	if (poolHandleSize && !poolHandle)
		return finish(-1, EINVAL);
	st = c->nc_rsp_name(sd, peer, poolHandle, poolHandleSize, &id, &err);
	if (st == 0 && identifier)
		*identifier = id;
	return finish(st, err);
}

int rsp_getsockname(int sd, unsigned char *poolHandle, size_t *poolHandleSize,
                    uint32_t *identifier)
{
	return name_of(sd, 0, poolHandle, poolHandleSize, identifier);
}

int rsp_getpeername(int sd, unsigned char *poolHandle, size_t *poolHandleSize,
                    uint32_t *identifier)
{
	return name_of(sd, 1, poolHandle, poolHandleSize, identifier);
}

/* ---------------------------------------------------------------------- */
/* rserpool-internals.h: the _tags forms (tags are ignored, as in basic   */
/* mode)                                                                  */
/* ---------------------------------------------------------------------- */

int rsp_register_tags(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                      const struct rsp_loadinfo *loadinfo,
                      const unsigned int reregistrationInterval, const int flags,
                      struct TagItem *tags)
{
	(void)tags;
	return rsp_register(sd, poolHandle, poolHandleSize, loadinfo, reregistrationInterval, flags);
}

int rsp_deregister_tags(int sd, int flags, struct TagItem *tags)
{
	(void)tags;
	return rsp_deregister(sd, flags);
}

int rsp_accept_tags(int sd, int timeout, struct TagItem *tags)
{
	(void)tags;
	return rsp_accept(sd, timeout);
}

int rsp_connect_tags(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                     const unsigned int staleCacheValue, struct TagItem *tags)
{
	(void)tags;
	return rsp_connect(sd, poolHandle, poolHandleSize, staleCacheValue);
}

int rsp_forcefailover_tags(int sd, const unsigned int flags, const unsigned int staleCacheValue,
                           struct TagItem *tags)
{
	(void)tags;
	return rsp_forcefailover(sd, flags, staleCacheValue);
}
