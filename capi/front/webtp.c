/*
 * webtp_*: the functions behind include/webtp.h's redirected socket calls.
 *
 * A table here says which descriptors are WebTP sockets. Calls on any
 * other descriptor (and socket() of any other type) go straight to the C
 * library, without loading the Go core, so programs that fork before using
 * WebTP keep working. WebTP sockets are the C ends of the core's
 * socketpairs (capi/nc_abi.h): data never crosses into Go here; send and
 * write only check the ADU headers of the stream before the C library
 * writes it (include/webtp.h, "Sending").
 *
 * This file sees the plain names: it does not include the redirections.
 */
#define _GNU_SOURCE
#define WEBTP_NO_REDIRECT
#define NC_WEBTP_IMPLEMENTATION
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"
#include "webtp.h"

/* ---------------------------------------------------------------------- */
/* The table: two levels of lazily allocated pages, read without locks.    */
/* ---------------------------------------------------------------------- */

/* What send() and write() know of the stream written so far. */
struct nc_track {
	unsigned char hdr[WEBTP_HDR_SIZE];
	int nhdr;              /* octets of hdr seen (4: in the chunk's data) */
	unsigned long left;    /* data octets of the current chunk still to come */
	int in_adu, end;
	unsigned char ru;      /* R|U of the open ADU */
	unsigned long total;   /* octets of the open ADU, this chunk included */
};

struct nc_wsock {
	pthread_mutex_t mu;    /* serialises send/write (the tracker) */
	int active;            /* a WebTP socket (atomic) */
	int domain, nodup;
	int listening, connected; /* atomic */
	long sndbuf;           /* the connection's send buffer (atomic) */
	struct nc_track tr;
};

#define NC_PAGE_BITS 12
#define NC_PAGE_SIZE (1 << NC_PAGE_BITS)
#define NC_PAGES     1024 /* descriptors below 4 Mi */

static struct nc_wsock **pages[NC_PAGES];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * Set in a child forked after the first WebTP socket: the core (Go) must
 * not be called there. Every call then goes to the C library, which still
 * moves the stream of inherited WebTP descriptors through the socketpair
 * to the parent's transport (fork-per-connection servers keep working;
 * options and new WebTP sockets do not exist in the child).
 */
static int forked;

static void note_fork(void)
{
	forked = 1;
}

static struct nc_wsock *wsock(int fd)
{
	struct nc_wsock **page, *w;

	if (__atomic_load_n(&forked, __ATOMIC_RELAXED))
		return NULL;
	if (fd < 0 || (fd >> NC_PAGE_BITS) >= NC_PAGES)
		return NULL;
	page = __atomic_load_n(&pages[fd >> NC_PAGE_BITS], __ATOMIC_ACQUIRE);
	if (!page)
		return NULL;
	w = __atomic_load_n(&page[fd & (NC_PAGE_SIZE - 1)], __ATOMIC_ACQUIRE);
	if (!w || !__atomic_load_n(&w->active, __ATOMIC_ACQUIRE))
		return NULL;
	return w;
}

/* Enters fd as a WebTP socket. Entries are never freed: a descriptor
 * number's entry is reused by the next socket with that number. */
static int wsock_add(int fd, int domain, int nodup, int connected, long sndbuf)
{
	struct nc_wsock **page, *w;

	if (fd < 0 || (fd >> NC_PAGE_BITS) >= NC_PAGES) {
		errno = EMFILE;
		return -1;
	}
	pthread_mutex_lock(&table_mu);
	page = pages[fd >> NC_PAGE_BITS];
	if (!page) {
		page = calloc(NC_PAGE_SIZE, sizeof *page);
		if (!page) {
			pthread_mutex_unlock(&table_mu);
			errno = ENOMEM;
			return -1;
		}
		__atomic_store_n(&pages[fd >> NC_PAGE_BITS], page, __ATOMIC_RELEASE);
	}
	w = page[fd & (NC_PAGE_SIZE - 1)];
	if (!w) {
		w = calloc(1, sizeof *w);
		if (!w) {
			pthread_mutex_unlock(&table_mu);
			errno = ENOMEM;
			return -1;
		}
		pthread_mutex_init(&w->mu, NULL);
		__atomic_store_n(&page[fd & (NC_PAGE_SIZE - 1)], w, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&table_mu);
	pthread_mutex_lock(&w->mu);
	w->domain = domain;
	w->nodup = nodup;
	memset(&w->tr, 0, sizeof w->tr);
	__atomic_store_n(&w->listening, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->connected, connected, __ATOMIC_RELAXED);
	__atomic_store_n(&w->sndbuf, sndbuf, __ATOMIC_RELAXED);
	__atomic_store_n(&w->active, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Forgets fd (closed, or reused by a descriptor that is not ours). */
static void wsock_forget(int fd)
{
	struct nc_wsock **page;
	struct nc_wsock *w;

	if (fd < 0 || (fd >> NC_PAGE_BITS) >= NC_PAGES)
		return;
	page = __atomic_load_n(&pages[fd >> NC_PAGE_BITS], __ATOMIC_ACQUIRE);
	if (!page)
		return;
	w = __atomic_load_n(&page[fd & (NC_PAGE_SIZE - 1)], __ATOMIC_ACQUIRE);
	if (w)
		__atomic_store_n(&w->active, 0, __ATOMIC_RELEASE);
}

/* The shims' last step. */
static int fail(int err)
{
	errno = err;
	return -1;
}

static int finish(int rc, int err)
{
	if (rc < 0) {
		errno = err ? err : EIO;
		return -1;
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                               */
/* ---------------------------------------------------------------------- */

static int addr_in(const struct sockaddr *sa, socklen_t len, int domain,
                   struct nc_webtp_addr *a)
{
	memset(a, 0, sizeof *a);
	if (!sa)
		return EFAULT;
	if ((int)len < (int)sizeof(sa_family_t))
		return EINVAL;
	if (sa->sa_family != domain)
		return EAFNOSUPPORT;
	if (domain == AF_INET) {
		struct sockaddr_in sin;
		if (len < sizeof sin)
			return EINVAL;
		memcpy(&sin, sa, sizeof sin);
		a->family = AF_INET;
		a->port = ntohs(sin.sin_port);
		memcpy(a->addr, &sin.sin_addr, 4);
	} else {
		struct sockaddr_in6 sin6;
		if (len < sizeof sin6)
			return EINVAL;
		memcpy(&sin6, sa, sizeof sin6);
		a->family = AF_INET6;
		a->port = ntohs(sin6.sin6_port);
		memcpy(a->addr, &sin6.sin6_addr, 16);
		a->scope_id = sin6.sin6_scope_id;
	}
	return 0;
}

/* Stores a as a sockaddr the way the C library does: truncated to *len,
 * *len set to the full size. */
static void addr_out(const struct nc_webtp_addr *a, struct sockaddr *sa, socklen_t *len)
{
	union {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u;
	socklen_t n;

	memset(&u, 0, sizeof u);
	if (a->family == AF_INET6) {
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(a->port);
		memcpy(&u.sin6.sin6_addr, a->addr, 16);
		u.sin6.sin6_scope_id = a->scope_id;
		n = sizeof u.sin6;
	} else {
		u.sin.sin_family = AF_INET;
		u.sin.sin_port = htons(a->port);
		memcpy(&u.sin.sin_addr, a->addr, 4);
		n = sizeof u.sin;
	}
	memcpy(sa, &u, *len < n ? *len : n);
	*len = n;
}

/* ---------------------------------------------------------------------- */
/* Calls                                                                   */
/* ---------------------------------------------------------------------- */

/* Applies SOCK_NONBLOCK/SOCK_CLOEXEC to a descriptor the core made
 * (blocking, close-on-exec). */
static int apply_flags(int fd, int flags)
{
	if (!(flags & SOCK_CLOEXEC) && fcntl(fd, F_SETFD, 0) != 0)
		return -1;
	if (flags & SOCK_NONBLOCK) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
			return -1;
	}
	return 0;
}

/*
 * At exit, queued ADUs still go out (the kernel does this for TCP; the
 * transport lives in this process): nc_webtp_linger closes what is open
 * and waits for closing connections, at most NC_WEBTP_LINGER_MS. Only in
 * the process that used WebTP: a child forked after first use must not
 * call into the core.
 */
#define NC_WEBTP_LINGER_MS 10000
static pid_t linger_pid;
static pthread_once_t linger_once = PTHREAD_ONCE_INIT;

static void linger_at_exit(void)
{
	const struct nc_core *c;

	if (getpid() != linger_pid)
		return;
	c = nc_core();
	if (c)
		c->nc_webtp_linger(NC_WEBTP_LINGER_MS);
}

static void linger_register(void)
{
	linger_pid = getpid();
	atexit(linger_at_exit);
	pthread_atfork(NULL, NULL, note_fork);
}

int webtp_socket(int domain, int type, int protocol)
{
	const struct nc_core *c;
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fd, err = 0, sndbuf = 0;

	if (base != SOCK_ADU && base != SOCK_ADU_NO_DUP) {
		fd = socket(domain, type, protocol);
		if (fd >= 0)
			wsock_forget(fd);
		return fd;
	}
	if (domain != AF_INET && domain != AF_INET6)
		return fail(EAFNOSUPPORT);
	if (__atomic_load_n(&forked, __ATOMIC_RELAXED))
		return fail(ENOSYS); /* the core lives in the parent */
	if (protocol != 0 && protocol != IPPROTO_WEBTP)
		return fail(EPROTONOSUPPORT);
	c = nc_core();
	if (!c)
		return -1;
	pthread_once(&linger_once, linger_register);
	fd = c->nc_webtp_socket(domain, base == SOCK_ADU_NO_DUP, &sndbuf, &err);
	if (fd < 0)
		return finish(-1, err);
	if (apply_flags(fd, type) != 0 ||
	    wsock_add(fd, domain, base == SOCK_ADU_NO_DUP, 0, sndbuf) != 0) {
		err = errno;
		c->nc_webtp_close(fd);
		close(fd);
		return fail(err);
	}
	return fd;
}

int webtp_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct nc_wsock *w = wsock(fd);
	struct nc_webtp_addr a;
	int err = 0, rc;

	if (!w)
		return bind(fd, addr, len);
	if ((rc = addr_in(addr, len, w->domain, &a)) != 0)
		return fail(rc);
	rc = nc_core()->nc_webtp_bind(fd, &a, &err);
	return finish(rc, err);
}

int webtp_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct nc_wsock *w = wsock(fd);
	struct nc_webtp_addr a;
	int err = 0, rc, sndbuf = 0;

	if (!w)
		return connect(fd, addr, len);
	if ((rc = addr_in(addr, len, w->domain, &a)) != 0)
		return fail(rc);
	rc = nc_core()->nc_webtp_connect(fd, &a, &sndbuf, &err);
	if (rc == 0) {
		__atomic_store_n(&w->sndbuf, (long)sndbuf, __ATOMIC_RELAXED);
		__atomic_store_n(&w->connected, 1, __ATOMIC_RELEASE);
	}
	return finish(rc, err);
}

int webtp_listen(int fd, int backlog)
{
	struct nc_wsock *w = wsock(fd);
	int err = 0, rc;

	if (!w)
		return listen(fd, backlog);
	rc = nc_core()->nc_webtp_listen(fd, backlog, &err);
	if (rc == 0)
		__atomic_store_n(&w->listening, 1, __ATOMIC_RELEASE);
	return finish(rc, err);
}

int webtp_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct nc_wsock *w = wsock(fd);
	const struct nc_core *c;
	struct nc_webtp_addr a;
	unsigned char one;
	int err = 0, nfd, sndbuf = 0, nodup = 0;
	ssize_t r;

	if (!w)
		return accept4(fd, addr, len, flags);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return fail(EINVAL);
	if ((addr && !len) || (len && !addr))
		return fail(EFAULT);
	if (len && (int)*len < 0)
		return fail(EINVAL);
	if (!__atomic_load_n(&w->listening, __ATOMIC_ACQUIRE))
		return fail(EINVAL);
	/* One octet per waiting connection; blocks, or EAGAIN, per the
	 * descriptor's mode (and SO_RCVTIMEO). */
	do
		r = read(fd, &one, 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0)
		return fail(EINVAL); /* the listener stopped */
	c = nc_core();
	nfd = c->nc_webtp_accept(fd, &a, &sndbuf, &nodup, &err);
	if (nfd < 0)
		return finish(-1, err);
	if (apply_flags(nfd, flags) != 0 ||
	    wsock_add(nfd, a.family == AF_INET6 ? AF_INET6 : AF_INET, nodup, 1, sndbuf) != 0) {
		err = errno;
		c->nc_webtp_close(nfd);
		close(nfd);
		return fail(err);
	}
	if (addr)
		addr_out(&a, addr, len);
	return nfd;
}

int webtp_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!wsock(fd))
		return accept(fd, addr, len);
	return webtp_accept4(fd, addr, len, 0);
}

static int name(int fd, int peer, struct sockaddr *addr, socklen_t *len)
{
	struct nc_webtp_addr a;
	int err = 0, rc;

	if (!addr || !len)
		return fail(EFAULT);
	if ((int)*len < 0)
		return fail(EINVAL);
	rc = nc_core()->nc_webtp_name(fd, peer, &a, &err);
	if (rc == 0)
		addr_out(&a, addr, len);
	return finish(rc, err);
}

int webtp_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!wsock(fd))
		return getsockname(fd, addr, len);
	return name(fd, 0, addr, len);
}

int webtp_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!wsock(fd))
		return getpeername(fd, addr, len);
	return name(fd, 1, addr, len);
}

/* Whether the core answers (level, name) of a WebTP socket. */
static int core_option(int level, int name)
{
	if (level == SOL_WEBTP)
		return 1;
	return level == SOL_SOCKET &&
	       (name == SO_SNDBUF || name == SO_RCVBUF || name == SO_ERROR);
}

int webtp_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct nc_wsock *w = wsock(fd);
	int err = 0, rc;

	if (!w)
		return setsockopt(fd, level, name, val, len);
	if ((int)len < 0)
		return fail(EINVAL);
	if (!val && len > 0)
		return fail(EFAULT);
	if (level == SOL_SOCKET && (name == SO_TYPE || name == SO_PROTOCOL ||
	                            name == SO_DOMAIN || name == SO_ERROR ||
	                            name == SO_ACCEPTCONN))
		return fail(ENOPROTOOPT);
	if (level != SOL_SOCKET && level != SOL_WEBTP)
		return fail(ENOPROTOOPT);
	if (!core_option(level, name))
		return setsockopt(fd, level, name, val, len);
	rc = nc_core()->nc_webtp_setopt(fd, level, name, (void *)val, (int)len, &err);
	if (rc == 0 && level == SOL_SOCKET && name == SO_SNDBUF) {
		int v = 0, n = sizeof v, e2 = 0;
		if (nc_core()->nc_webtp_getopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &n, &e2) == 0)
			__atomic_store_n(&w->sndbuf, (long)v, __ATOMIC_RELAXED);
	}
	return finish(rc, err);
}

static int int_option(int v, void *val, socklen_t *len)
{
	if (*len < sizeof(int))
		return fail(EINVAL);
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

int webtp_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct nc_wsock *w = wsock(fd);
	int err = 0, rc, n;

	if (!w)
		return getsockopt(fd, level, name, val, len);
	if (!len || !val)
		return fail(EFAULT);
	if ((int)*len < 0)
		return fail(EINVAL);
	if (level != SOL_SOCKET && level != SOL_WEBTP)
		return fail(ENOPROTOOPT);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			return int_option(w->nodup ? SOCK_ADU_NO_DUP : SOCK_ADU, val, len);
		case SO_PROTOCOL:
			return int_option(IPPROTO_WEBTP, val, len);
		case SO_DOMAIN:
			return int_option(w->domain, val, len);
		case SO_ACCEPTCONN:
			return int_option(__atomic_load_n(&w->listening, __ATOMIC_ACQUIRE), val, len);
		}
	}
	if (!core_option(level, name))
		return getsockopt(fd, level, name, val, len);
	n = (int)*len;
	rc = nc_core()->nc_webtp_getopt(fd, level, name, val, &n, &err);
	if (rc == 0)
		*len = (socklen_t)n;
	return finish(rc, err);
}

/* ---------------------------------------------------------------------- */
/* send and write: the header checks                                       */
/* ---------------------------------------------------------------------- */

/* Follows n octets of the stream from tracker state t; returns 0, or the
 * errno of the first header that breaks a rule (t then stops at it). */
static int track(struct nc_track *t, const unsigned char *p, size_t n, unsigned long sndbuf)
{
	while (n > 0) {
		if (t->nhdr == WEBTP_HDR_SIZE) {
			size_t k = t->left < n ? t->left : n;
			t->left -= k;
			p += k;
			n -= k;
		} else {
			t->hdr[t->nhdr++] = *p++;
			n--;
			if (t->nhdr == WEBTP_HDR_SIZE) {
				unsigned flags = WEBTP_HDR_FLAGS(t->hdr);
				unsigned long clen = WEBTP_HDR_LEN(t->hdr);
				unsigned char ru = flags & (WEBTP_HDR_RELIABLE | WEBTP_HDR_URGENT);

				if (flags & WEBTP_HDR_RESERVED)
					return EINVAL;
				if (flags & WEBTP_HDR_START) {
					if (t->in_adu)
						return EINVAL;
					t->total = 0;
				} else if (!t->in_adu || ru != t->ru) {
					return EINVAL;
				}
				if (t->total + clen > WEBTP_MAX_ADU)
					return EMSGSIZE;
				if (t->total + clen > sndbuf)
					return ENOBUFS;
				if (flags & WEBTP_HDR_START) {
					t->in_adu = 1;
					t->ru = ru;
				}
				t->total += clen;
				t->end = (flags & WEBTP_HDR_END) != 0;
				t->left = clen;
			}
		}
		if (t->nhdr == WEBTP_HDR_SIZE && t->left == 0) {
			t->nhdr = 0; /* chunk done */
			if (t->end)
				t->in_adu = 0;
		}
	}
	return 0;
}

static ssize_t checked_write(int fd, struct nc_wsock *w, const void *buf, size_t n,
                             int flags, int is_send)
{
	struct nc_track probe;
	ssize_t r;
	int err;
	unsigned long sndbuf;

	if (n > 0 && !buf)
		return fail(EFAULT);
	if (n > SSIZE_MAX)
		return fail(EINVAL);
	if (!__atomic_load_n(&w->connected, __ATOMIC_ACQUIRE))
		return fail(ENOTCONN);
	sndbuf = (unsigned long)__atomic_load_n(&w->sndbuf, __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->mu);
	probe = w->tr;
	err = track(&probe, buf, n, sndbuf);
	if (err) {
		pthread_mutex_unlock(&w->mu);
		return fail(err);
	}
	r = is_send ? send(fd, buf, n, flags) : write(fd, buf, n);
	err = errno;
	if (r > 0)
		track(&w->tr, buf, (size_t)r, ULONG_MAX);
	pthread_mutex_unlock(&w->mu);
	errno = err;
	return r;
}

ssize_t webtp_send(int fd, const void *buf, size_t n, int flags)
{
	struct nc_wsock *w = wsock(fd);

	if (!w)
		return send(fd, buf, n, flags);
	return checked_write(fd, w, buf, n, flags, 1);
}

ssize_t webtp_write(int fd, const void *buf, size_t n)
{
	struct nc_wsock *w = wsock(fd);

	if (!w)
		return write(fd, buf, n);
	return checked_write(fd, w, buf, n, 0, 0);
}

int webtp_close(int fd)
{
	struct nc_wsock *w = wsock(fd);

	if (!w)
		return close(fd);
	wsock_forget(fd);
	nc_core()->nc_webtp_close(fd);
	return close(fd);
}
