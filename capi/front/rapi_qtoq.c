/*
 * IBM i QoS sockets (include/qtoqsapi.h) on top of the RAPI calls and
 * rsvpd's no-signalling rules.
 *
 *  - qtoq_accept / qtoq_ioctl (REQ_SIGNAL_RET_EVENTS, _NORET_EVENTS): the
 *    server is the RSVP sender: rapi_session to the peer (destination),
 *    rapi_sender from the socket's own address with a Tspec made from
 *    qos_spec;
 *  - qtoq_connect(_ex): the client is the receiver: rapi_session for its
 *    own address (where the data goes), wait for the PATH event (at most
 *    QTOQ_PATH_WAIT_MS; the wait dispatches, so other sessions' upcalls of
 *    the process may run in it), then rapi_reserve of the flowspec asked
 *    for the path's sender (or qos_data->source when given);
 *  - qtoq_ioctl REQ_GET_RSVP_DATA: dispatches what is pending and reports
 *    the session's latest reservation event (event_type, ret_spec, error
 *    code and value) once; -1/EAGAIN when there is none new;
 *  - qtoq_accept / qtoq_ioctl (REQ_NOSIGNAL): rsvpd looks up the
 *    configured nosignal rule (qos_data->rule_name, or the one matching the
 *    protocol, the local port and the peer), admits it against the
 *    interface's pool (shared with RSVP reservations) and installs it
 *    where the interface enforces; no RSVP message is sent. *qos_session is
 *    then a handle of this library (never a RAPI sid: the high bit is
 *    set), *qos_descriptor -1, qos_data->no_signal 1. The rule stays until
 *    qtoq_close or the end of the process's connection to rsvpd.
 *    Errors: ENOENT no rule matches, ENOSPC admission control refused it
 *    (the pool is full), EIO traffic control failed, ECONNREFUSED no rsvpd;
 *  - qtoq_close: closes the socket and releases the session or unloads
 *    the rule.
 * *qos_session is the RAPI sid; *qos_descriptor the rapi_getfd descriptor
 * with REQ_SIGNAL_RET_EVENTS, -1 with REQ_SIGNAL_NORET_EVENTS.
 *
 * Chosen: a Guaranteed request's sender Tspec is r = p = R, b = max(R/10,
 * 1500), m = 64, M = 1500; RAPI errors become errno EINVAL (argument
 * errors), ECONNREFUSED (RAPI_ERR_NORSVP), ETIMEDOUT (no PATH in time) or
 * EIO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "rapi.h"
#include "qtoqsapi.h"

#define QTOQ_PATH_WAIT_MS 30000

struct qtoq_state {
	struct qtoq_state *next;
	unsigned int sid;
	int have_path;
	rapi_filter_t path_filter;  /* the first sender of the latest path */
	rapi_tspec_t path_tspec;
	int fresh;                  /* a reservation event not yet fetched */
	int ev_type, ecode, evalue;
	qos_spec_t ret;
	int nosig;                  /* a no-signalling rule, not a RAPI session */
	unsigned long long handle;  /* rsvpd's handle of the rule */
};

/* *qos_session of no-signalling rules: the high bit set, unlike RAPI sids. */
#define QTOQ_NOSIG_BIT 0x80000000u
static unsigned int qtoq_nosig_next;

static pthread_mutex_t qtoq_mu = PTHREAD_MUTEX_INITIALIZER;
static struct qtoq_state *qtoq_states;

static struct qtoq_state *state_find(unsigned int sid, int unlink_it)
{
	struct qtoq_state **p, *s = NULL;

	pthread_mutex_lock(&qtoq_mu);
	for (p = &qtoq_states; *p; p = &(*p)->next) {
		if ((*p)->sid == sid) {
			s = *p;
			if (unlink_it)
				*p = s->next;
			break;
		}
	}
	pthread_mutex_unlock(&qtoq_mu);
	return s;
}

static void state_add(struct qtoq_state *s)
{
	pthread_mutex_lock(&qtoq_mu);
	s->next = qtoq_states;
	qtoq_states = s;
	pthread_mutex_unlock(&qtoq_mu);
}

static void spec_from_flowspec(const rapi_flowspec_t *f, qos_spec_t *out)
{
	memset(out, 0, sizeof *out);
	if (f->form != RAPI_FLOWSTYPE_Simplified)
		return;
	if (f->specbody_qosx.spec_type == QOS_GUARANTEED) {
		out->service = GUARANTEED_SERV;
		out->spec_u.Guar_spec.Guar_R = f->specbody_qosx.xspec_R;
		out->spec_u.Guar_spec.Guar_S = f->specbody_qosx.xspec_S;
		return;
	}
	out->service = CONTROLLED_LOAD_SERV;
	out->spec_u.CL_spec.TB_Tspec_r = f->specbody_qosx.xspec_r;
	out->spec_u.CL_spec.TB_Tspec_b = f->specbody_qosx.xspec_b;
	out->spec_u.CL_spec.TB_Tspec_p = f->specbody_qosx.xspec_p;
	out->spec_u.CL_spec.TB_Tspec_m = f->specbody_qosx.xspec_m;
	out->spec_u.CL_spec.TB_Tspec_M = f->specbody_qosx.xspec_M;
}

static void qtoq_upcall(rapi_sid_t sid, rapi_eventinfo_t type, rapi_styleid_t style,
                        int code, int value, rapi_addr_t *node, unsigned int eflags,
                        int nfilt, rapi_filter_t *filts, int nflow, rapi_flowspec_t *flows,
                        int nads, rapi_adspec_t *ads, void *arg)
{
	struct qtoq_state *s = arg;

	(void)sid; (void)style; (void)node; (void)eflags; (void)nads; (void)ads;
	pthread_mutex_lock(&qtoq_mu);
	if (type == RAPI_PATH_EVENT) {
		s->have_path = nfilt > 0 && nflow > 0;
		if (s->have_path) {
			s->path_filter = filts[0];
			s->path_tspec = *(rapi_tspec_t *)(void *)flows;
		}
	} else if (type == RAPI_RESV_EVENT || type == RAPI_RESV_CONFIRM ||
	           type == RAPI_RESV_ERROR || type == RAPI_PATH_ERROR) {
		s->fresh = 1;
		s->ev_type = (int)type;
		s->ecode = code;
		s->evalue = value;
		if (nflow > 0 && type != RAPI_PATH_ERROR)
			spec_from_flowspec(&flows[0], &s->ret);
		else
			memset(&s->ret, 0, sizeof s->ret);
	}
	pthread_mutex_unlock(&qtoq_mu);
}

static int rapi_errno(int rapi_err)
{
	switch (rapi_err) {
	case RAPI_ERR_INVAL:
	case RAPI_ERR_BADSID:
	case RAPI_ERR_N_FFS:
	case RAPI_ERR_BADSTYLE:
	case RAPI_ERR_NOTSPEC:
	case RAPI_ERR_OBJTYPE:
	case RAPI_ERR_OBJLEN:
		return EINVAL;
	case RAPI_ERR_NORSVP:
		return ECONNREFUSED;
	case RAPI_ERR_MEMFULL:
		return ENOBUFS;
	}
	return EIO;
}

static int proto_of(int fd, int given)
{
	int type = 0;
	socklen_t len = sizeof type;

	if (given > 0)
		return given;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM)
		return IPPROTO_TCP;
	return IPPROTO_UDP;
}

static void tspec_from_spec(const qos_spec_t *q, rapi_tspec_t *t)
{
	memset(t, 0, sizeof *t);
	t->len = sizeof *t;
	t->form = RAPI_TSPECTYPE_Simplified;
	t->tspecbody_qosx.spec_type = QOS_TSPEC;
	if (q->service == GUARANTEED_SERV) {
		float R = q->spec_u.Guar_spec.Guar_R;
		t->tspecbody_qosx.xtspec_r = R;
		t->tspecbody_qosx.xtspec_p = R;
		t->tspecbody_qosx.xtspec_b = R / 10 > 1500 ? R / 10 : 1500;
		t->tspecbody_qosx.xtspec_m = 64;
		t->tspecbody_qosx.xtspec_M = 1500;
		return;
	}
	t->tspecbody_qosx.xtspec_r = q->spec_u.CL_spec.TB_Tspec_r;
	t->tspecbody_qosx.xtspec_b = q->spec_u.CL_spec.TB_Tspec_b;
	t->tspecbody_qosx.xtspec_p = q->spec_u.CL_spec.TB_Tspec_p;
	t->tspecbody_qosx.xtspec_m = q->spec_u.CL_spec.TB_Tspec_m;
	t->tspecbody_qosx.xtspec_M = q->spec_u.CL_spec.TB_Tspec_M;
}

/* Opens the sender side: session to dest, sender from src. 0 or errno. */
static int start_sender(int fd, int req_type, const struct sockaddr *dest, const struct sockaddr *src,
                        const qos_req *q, unsigned int *qos_session, int *qos_descriptor)
{
	struct qtoq_state *s = calloc(1, sizeof *s);
	rapi_tspec_t t;
	rapi_sid_t sid;
	int err = 0, st;

	if (!s)
		return ENOBUFS;
	sid = rapi_session((rapi_addr_t *)(uintptr_t)dest, proto_of(fd, q->protocol), 0,
	                   qtoq_upcall, s, &err);
	if (sid == RAPI_NULL_SID) {
		free(s);
		return rapi_errno(err);
	}
	tspec_from_spec(&q->qos_spec, &t);
	st = rapi_sender(sid, 0, (rapi_addr_t *)(uintptr_t)src, NULL, &t, NULL, NULL, 64);
	if (st) {
		rapi_release(sid);
		free(s);
		return rapi_errno(st);
	}
	s->sid = sid;
	state_add(s);
	*qos_session = sid;
	if (qos_descriptor)
		*qos_descriptor = req_type == REQ_SIGNAL_RET_EVENTS ? rapi_getfd(sid) : -1;
	return 0;
}

static void nc_addr_of(const struct sockaddr *sa, struct nc_rapi_addr *out)
{
	memset(out, 0, sizeof *out);
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		out->family = AF_INET;
		out->port = ntohs(s4->sin_port);
		memcpy(out->addr, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		out->family = AF_INET6;
		out->port = ntohs(s6->sin6_port);
		memcpy(out->addr, &s6->sin6_addr, 16);
	}
}

/* Loads the no-signalling rule for the flow local -> remote (remote may be
 * NULL: unknown). 0 or errno. */
static int start_nosignal(int fd, const struct sockaddr *remote, const struct sockaddr *local,
                          qos_req *q, unsigned int *qos_session, int *qos_descriptor)
{
	const struct nc_core *c = nc_core();
	struct nc_rapi_addr l, r;
	char name[QTOQ_RULE_NAME_LEN];
	unsigned long long h = 0;
	struct qtoq_state *s;
	int err = 0, st;

	if (!c)
		return EIO;
	if (!(s = calloc(1, sizeof *s)))
		return ENOBUFS;
	nc_addr_of(local, &l);
	nc_addr_of(remote, &r);
	memcpy(name, q->rule_name, sizeof name);
	name[sizeof name - 1] = '\0';
	st = c->nc_rapi_nosignal(proto_of(fd, q->protocol), &l, &r, name, &h, &err);
	if (st) {
		free(s);
		return err ? err : rapi_errno(st);
	}
	s->nosig = 1;
	s->handle = h;
	pthread_mutex_lock(&qtoq_mu);
	qtoq_nosig_next = (qtoq_nosig_next + 1) & ~QTOQ_NOSIG_BIT;
	if (qtoq_nosig_next == 0)
		qtoq_nosig_next = 1;
	s->sid = QTOQ_NOSIG_BIT | qtoq_nosig_next;
	pthread_mutex_unlock(&qtoq_mu);
	state_add(s);
	*qos_session = s->sid;
	if (qos_descriptor)
		*qos_descriptor = -1;
	q->no_signal = 1;
	return 0;
}

int qtoq_accept(int socket_descriptor, int req_type, struct sockaddr *address,
                int *address_length, qos_req *qos_data, unsigned int *qos_session,
                int *qos_descriptor)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof peer, llen = sizeof local;
	socklen_t alen;
	int nfd, e;

	if ((req_type != REQ_SIGNAL_RET_EVENTS && req_type != REQ_SIGNAL_NORET_EVENTS &&
	     req_type != REQ_NOSIGNAL) ||
	    !qos_data || !qos_session) {
		errno = EINVAL;
		return -1;
	}
	alen = address_length ? (socklen_t)*address_length : 0;
	nfd = accept4(socket_descriptor, address, address ? &alen : NULL, SOCK_CLOEXEC);
	if (nfd < 0)
		return -1;
	if (address_length)
		*address_length = (int)alen;
	if (getpeername(nfd, (struct sockaddr *)&peer, &plen) != 0 ||
	    getsockname(nfd, (struct sockaddr *)&local, &llen) != 0) {
		e = errno;
		close(nfd);
		errno = e;
		return -1;
	}
	if (req_type == REQ_NOSIGNAL)
		e = start_nosignal(nfd, (struct sockaddr *)&peer, (struct sockaddr *)&local,
		                   qos_data, qos_session, qos_descriptor);
	else
		e = start_sender(nfd, req_type, (struct sockaddr *)&peer, (struct sockaddr *)&local,
		                 qos_data, qos_session, qos_descriptor);
	if (e) {
		close(nfd);
		errno = e;
		return -1;
	}
	return nfd;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The receiver side. 0 or -1 with errno. */
static int connect_common(int fd, struct sockaddr *address, int address_length, int req_type,
                          const struct sockaddr *source, int source_len, int style,
                          const qos_spec_t *spec, int flags, int protocol,
                          unsigned int *qos_session, int *qos_descriptor)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof local;
	struct qtoq_state *s;
	rapi_filter_t filt;
	rapi_flowspec_t fs;
	rapi_sid_t sid;
	long long end;
	int err = 0, st, pfd;

	if ((req_type != REQ_SIGNAL_RET_EVENTS && req_type != REQ_SIGNAL_NORET_EVENTS) ||
	    !spec || !qos_session || !address) {
		errno = EINVAL;
		return -1;
	}
	if (spec->service != CONTROLLED_LOAD_SERV && spec->service != GUARANTEED_SERV) {
		errno = EINVAL;
		return -1;
	}
	/* A source must fit in the bytes given (qos_conn_req's is a 16-byte
	 * struct sockaddr: no room for a sockaddr_in6). */
	if (source && ((source->sa_family == AF_INET && source_len < (int)sizeof(struct sockaddr_in)) ||
	               (source->sa_family == AF_INET6 && source_len < (int)sizeof(struct sockaddr_in6)))) {
		errno = EINVAL;
		return -1;
	}
	if (connect(fd, address, (socklen_t)address_length) != 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0)
		return -1;
	if (!(s = calloc(1, sizeof *s))) {
		errno = ENOBUFS;
		return -1;
	}
	sid = rapi_session((rapi_addr_t *)&local, proto_of(fd, protocol), 0, qtoq_upcall, s, &err);
	if (sid == RAPI_NULL_SID) {
		free(s);
		errno = rapi_errno(err);
		return -1;
	}
	pfd = rapi_getfd(sid);
	end = now_ms() + QTOQ_PATH_WAIT_MS;
	for (;;) {
		struct pollfd p;
		long long left;
		int have;
		pthread_mutex_lock(&qtoq_mu);
		have = s->have_path;
		pthread_mutex_unlock(&qtoq_mu);
		if (have)
			break;
		left = end - now_ms();
		if (left <= 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		p.fd = pfd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			err = errno;
			goto fail;
		}
		if ((p.revents & POLLIN) && (st = rapi_dispatch()) != 0) {
			err = rapi_errno(st);
			goto fail;
		}
	}
	memset(&fs, 0, sizeof fs);
	fs.len = sizeof fs;
	fs.form = RAPI_FLOWSTYPE_Simplified;
	if (spec->service == GUARANTEED_SERV) {
		fs.specbody_qosx.spec_type = QOS_GUARANTEED;
		fs.specbody_qosx.xspec_Tspec = s->path_tspec.tspecbody_qosx.xtspec_Tspec;
		fs.specbody_qosx.xspec_R = spec->spec_u.Guar_spec.Guar_R;
		fs.specbody_qosx.xspec_S = spec->spec_u.Guar_spec.Guar_S;
	} else {
		fs.specbody_qosx.spec_type = QOS_CNTR_LOAD;
		fs.specbody_qosx.xspec_r = spec->spec_u.CL_spec.TB_Tspec_r;
		fs.specbody_qosx.xspec_b = spec->spec_u.CL_spec.TB_Tspec_b;
		fs.specbody_qosx.xspec_p = spec->spec_u.CL_spec.TB_Tspec_p;
		fs.specbody_qosx.xspec_m = spec->spec_u.CL_spec.TB_Tspec_m;
		fs.specbody_qosx.xspec_M = spec->spec_u.CL_spec.TB_Tspec_M;
	}
	pthread_mutex_lock(&qtoq_mu);
	filt = s->path_filter;
	pthread_mutex_unlock(&qtoq_mu);
	if (source && source->sa_family == AF_INET) {
		memset(&filt, 0, sizeof filt);
		filt.len = sizeof filt;
		filt.form = RAPI_FILTERFORM_BASE;
		memcpy(&filt.filt_u.base.sender, source, sizeof(struct sockaddr_in));
	} else if (source && source->sa_family == AF_INET6) {
		memset(&filt, 0, sizeof filt);
		filt.len = sizeof filt;
		filt.form = RAPI_FILTERFORM_BASE6;
		memcpy(&filt.filt_u.base6.sender, source, sizeof(struct sockaddr_in6));
	}
	if (style == 0)
		style = RAPI_RSTYLE_FIXED;
	st = rapi_reserve(sid, (unsigned int)flags & RAPI_REQ_CONFIRM, NULL, (rapi_styleid_t)style,
	                  NULL, NULL, style == RAPI_RSTYLE_WILDCARD ? 0 : 1, &filt, 1, &fs);
	if (st) {
		err = rapi_errno(st);
		goto fail;
	}
	s->sid = sid;
	state_add(s);
	*qos_session = sid;
	if (qos_descriptor)
		*qos_descriptor = req_type == REQ_SIGNAL_RET_EVENTS ? pfd : -1;
	return 0;
fail:
	rapi_release(sid);
	free(s);
	errno = err;
	return -1;
}

int qtoq_connect(int socket_descriptor, struct sockaddr *address, int address_length,
                 int req_type, qos_conn_req *qos_data, unsigned int *qos_session,
                 int *qos_descriptor)
{
	if (!qos_data) {
		errno = EINVAL;
		return -1;
	}
	return connect_common(socket_descriptor, address, address_length, req_type,
	                      qos_data->s_length > 0 ? &qos_data->source : NULL,
	                      qos_data->s_length < (int)sizeof qos_data->source ?
	                          qos_data->s_length : (int)sizeof qos_data->source,
	                      qos_data->style, &qos_data->qos_spec, qos_data->flags, qos_data->protocol,
	                      qos_session, qos_descriptor);
}

int qtoq_connect_ex(int socket_descriptor, struct sockaddr *address, int address_length,
                    int req_type, qos_conn_req_ex *qos_data, unsigned int *qos_session,
                    int *qos_descriptor)
{
	if (!qos_data) {
		errno = EINVAL;
		return -1;
	}
	return connect_common(socket_descriptor, address, address_length, req_type,
	                      qos_data->s_length > 0 ? (struct sockaddr *)&qos_data->source : NULL,
	                      qos_data->s_length < (int)sizeof qos_data->source ?
	                          qos_data->s_length : (int)sizeof qos_data->source,
	                      qos_data->style, &qos_data->qos_spec, qos_data->flags,
	                      qos_data->protocol, qos_session, qos_descriptor);
}

int qtoq_ioctl(int descriptor, int req_type, qos_req *qos_data,
               unsigned int *qos_session, int *qos_descriptor)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof peer, llen = sizeof local;
	const struct sockaddr *dest, *src;
	struct qtoq_state *s;
	int e;

	if (!qos_data || !qos_session) {
		errno = EINVAL;
		return -1;
	}
	switch (req_type) {
	case REQ_NOSIGNAL:
		/* Connectionless: the peer may be unknown; the rule then names
		 * its interface. */
		dest = NULL;
		if (qos_data->d_length > 0)
			dest = &qos_data->destination;
		else if (getpeername(descriptor, (struct sockaddr *)&peer, &plen) == 0)
			dest = (struct sockaddr *)&peer;
		if (qos_data->s_length > 0)
			src = &qos_data->source;
		else if (getsockname(descriptor, (struct sockaddr *)&local, &llen) == 0)
			src = (struct sockaddr *)&local;
		else
			return -1;
		e = start_nosignal(descriptor, dest, src, qos_data, qos_session, qos_descriptor);
		if (e) {
			errno = e;
			return -1;
		}
		return 0;
	case REQ_GET_RSVP_DATA:
		if (!(s = state_find(*qos_session, 0)) || s->nosig) {
			errno = EINVAL;
			return -1;
		}
		{
			int fd = rapi_getfd(*qos_session), st;
			struct pollfd p = {fd, POLLIN, 0};
			while (fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
				if ((st = rapi_dispatch()) != 0) {
					errno = rapi_errno(st);
					return -1;
				}
			}
		}
		pthread_mutex_lock(&qtoq_mu);
		e = s->fresh ? 0 : EAGAIN;
		if (s->fresh) {
			qos_data->event_type = s->ev_type;
			qos_data->ret_spec = s->ret;
			qos_data->error_code = s->ecode;
			qos_data->error_value = s->evalue;
			s->fresh = 0;
		}
		pthread_mutex_unlock(&qtoq_mu);
		if (e) {
			errno = e;
			return -1;
		}
		return 0;
	case REQ_SIGNAL_RET_EVENTS:
	case REQ_SIGNAL_NORET_EVENTS:
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (qos_data->d_length > 0)
		dest = &qos_data->destination;
	else if (getpeername(descriptor, (struct sockaddr *)&peer, &plen) == 0)
		dest = (struct sockaddr *)&peer;
	else {
		errno = EINVAL;
		return -1;
	}
	if (qos_data->s_length > 0)
		src = &qos_data->source;
	else if (getsockname(descriptor, (struct sockaddr *)&local, &llen) == 0)
		src = (struct sockaddr *)&local;
	else
		return -1;
	e = start_sender(descriptor, req_type, dest, src, qos_data, qos_session, qos_descriptor);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int qtoq_close(int socket_descriptor, int *qos_descriptor, unsigned int *qos_session)
{
	struct qtoq_state *s;
	int bad = 0, st;

	if (!qos_session) {
		errno = EINVAL;
		return -1;
	}
	if (close(socket_descriptor) != 0)
		bad = EBADF;
	s = state_find(*qos_session, 1);
	if (s && s->nosig) {
		const struct nc_core *c = nc_core();
		int err = 0;
		/* Without a connection rsvpd has dropped the rule already. */
		st = c ? c->nc_rapi_nosignal_remove(s->handle, &err) : RAPI_ERR_SYSCALL;
		if (st && st != RAPI_ERR_NORSVP && !bad)
			bad = EIO;
	} else {
		st = rapi_release(*qos_session);
		if (st && st != RAPI_ERR_BADSID && !bad)
			bad = rapi_errno(st);
	}
	free(s);
	*qos_session = 0;
	if (qos_descriptor)
		*qos_descriptor = -1;
	if (bad) {
		errno = bad;
		return -1;
	}
	return 0;
}
