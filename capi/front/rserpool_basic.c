/*
 * rsplib's basic mode (include/rserpool.h, rserpool-internals.h):
 * registration of pool elements and handle resolution without sessions.
 *
 * The shims check the C arguments, unpack the packed sockaddr arrays into
 * struct nc_rsp_addr for the core, and build the rsp_addrinfo lists of
 * rsp_getaddrinfo from the core's flat answer. Lists are malloc(3) memory
 * allocated here (each struct rsp_addrinfo and each ai_addr array
 * separately), so rsp_freeaddrinfo - or a program that frees them itself,
 * as rsplib allowed - releases them with free(3).
 *
 * Return conventions are rsplib's: the rsp_pe_* calls return 0 or an
 * RSPERR_* code (rsplib's rserpoolerror.h; also errno is set), and
 * rsp_getaddrinfo the number of elements or a REAI_* code. Where rsplib
 * crashed or aborted (NULL pointers, a pool handle over 32 bytes, a
 * NULL loadinfo), these return an error instead, or, for a NULL loadinfo,
 * register with Round Robin as rserpool.h documents.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "rserpool-internals.h"

__attribute__((visibility("hidden"))) int nc_rsp_unpack(const struct sockaddr *packed, size_t n,
                                                        struct nc_rsp_addr *out, int group);
__attribute__((visibility("hidden"))) int nc_rsp_started(void);

/* rsplib's RSPERR_* codes the front itself returns. */
#define RSPERR_NOT_INITIALIZED     0x1000
#define RSPERR_INVALID_POOL_HANDLE 0xf004
#define RSPERR_INVALID_ADDRESSES   0xf005

/* Longest pool handle; most transport addresses of one pool element. */
#define NC_RSP_MAX_HANDLE   32
#define NC_RSP_MAX_PE_ADDRS 64

/*
 * rsplib's ai_addrlen: sizeof(union sockaddr_union), the largest address
 * struct it knows (struct sockaddr_in6). The addresses themselves are
 * packed, each as long as its family's struct.
 */
#define NC_RSP_AI_ADDRLEN sizeof(struct sockaddr_in6)

/* Unpacks n packed sockaddrs (sockaddr_in / sockaddr_in6 back to back). */
int nc_rsp_unpack(const struct sockaddr *packed, size_t n, struct nc_rsp_addr *out, int group)
{
	const unsigned char *p = (const unsigned char *)packed;

	if (!packed)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sa_family_t family;
		memcpy(&family, p + offsetof(struct sockaddr, sa_family), sizeof family);
		memset(&out[i], 0, sizeof out[i]);
		out[i].group = group;
		if (family == AF_INET) {
			struct sockaddr_in in;
			memcpy(&in, p, sizeof in);
			out[i].family = AF_INET;
			out[i].port = ntohs(in.sin_port);
			memcpy(out[i].addr, &in.sin_addr, 4);
			p += sizeof in;
		} else if (family == AF_INET6) {
			struct sockaddr_in6 in6;
			memcpy(&in6, p, sizeof in6);
			out[i].family = AF_INET6;
			out[i].port = ntohs(in6.sin6_port);
			memcpy(out[i].addr, &in6.sin6_addr, 16);
			out[i].scope_id = in6.sin6_scope_id;
			p += sizeof in6;
		} else {
			errno = EAFNOSUPPORT;
			return -1;
		}
	}
	return 0;
}

static int bad_handle(const unsigned char *poolHandle, size_t poolHandleSize)
{
	return !poolHandle || poolHandleSize == 0 || poolHandleSize > NC_RSP_MAX_HANDLE;
}

/* The shims' last step for RSPERR_* results. */
static unsigned int finish(unsigned int st, int err)
{
	nc_set_errno(err);
	return st;
}

unsigned int rsp_pe_registration_tags(const unsigned char *poolHandle, const size_t poolHandleSize,
                                      struct rsp_addrinfo *rspAddrInfo,
                                      const struct rsp_loadinfo *rspLoadInfo,
                                      const unsigned int registrationLife, const int flags,
                                      struct TagItem *tags)
{
	struct nc_rsp_addr addrs[NC_RSP_MAX_PE_ADDRS];
	struct nc_rsp_policy pol, *polp = NULL;
	const struct nc_core *c;
	unsigned int st, id;
	int err = 0;

	(void)tags;
	if (!nc_rsp_started())
		return finish(RSPERR_NOT_INITIALIZED, EACCES);
	if (bad_handle(poolHandle, poolHandleSize))
		return finish(RSPERR_INVALID_POOL_HANDLE, EINVAL);
	if (!rspAddrInfo || !rspAddrInfo->ai_addr || rspAddrInfo->ai_addrs == 0 ||
	    rspAddrInfo->ai_addrs > NC_RSP_MAX_PE_ADDRS)
		return finish(RSPERR_INVALID_ADDRESSES, EINVAL);
	if (nc_rsp_unpack(rspAddrInfo->ai_addr, rspAddrInfo->ai_addrs, addrs, 0) != 0)
		return finish(RSPERR_INVALID_ADDRESSES, EAFNOSUPPORT);
	if (rspLoadInfo) {
		pol.policy = rspLoadInfo->rli_policy;
		pol.weight = rspLoadInfo->rli_weight;
		pol.weight_dpf = rspLoadInfo->rli_weight_dpf;
		pol.load = rspLoadInfo->rli_load;
		pol.load_degradation = rspLoadInfo->rli_load_degradation;
		pol.load_dpf = rspLoadInfo->rli_load_dpf;
		polp = &pol;
	}
	if (!(c = nc_core()))
		return finish(RSPERR_NOT_INITIALIZED, ELIBACC);
	id = rspAddrInfo->ai_pe_id;
	st = c->nc_rsp_pe_registration((unsigned char *)poolHandle, poolHandleSize, addrs,
	                               rspAddrInfo->ai_addrs, rspAddrInfo->ai_protocol, &id, polp,
	                               registrationLife, flags, &err);
	rspAddrInfo->ai_pe_id = id;
	return finish(st, err);
}

unsigned int rsp_pe_registration(const unsigned char *poolHandle, const size_t poolHandleSize,
                                 struct rsp_addrinfo *rspAddrInfo,
                                 const struct rsp_loadinfo *rspLoadInfo,
                                 unsigned int registrationLife, const int flags)
{
	return rsp_pe_registration_tags(poolHandle, poolHandleSize, rspAddrInfo, rspLoadInfo,
	                                registrationLife, flags, NULL);
}

unsigned int rsp_pe_deregistration_tags(const unsigned char *poolHandle,
                                        const size_t poolHandleSize,
                                        const uint32_t identifier, const int flags,
                                        struct TagItem *tags)
{
	const struct nc_core *c;
	unsigned int st;
	int err = 0;

	(void)tags;
	if (!nc_rsp_started())
		return finish(RSPERR_NOT_INITIALIZED, EACCES);
	if (bad_handle(poolHandle, poolHandleSize))
		return finish(RSPERR_INVALID_POOL_HANDLE, EINVAL);
	if (!(c = nc_core()))
		return finish(RSPERR_NOT_INITIALIZED, ELIBACC);
	st = c->nc_rsp_pe_deregistration((unsigned char *)poolHandle, poolHandleSize, identifier,
	                                 flags, &err);
	return finish(st, err);
}

unsigned int rsp_pe_deregistration(const unsigned char *poolHandle, const size_t poolHandleSize,
                                   const uint32_t identifier, const int flags)
{
	return rsp_pe_deregistration_tags(poolHandle, poolHandleSize, identifier, flags, NULL);
}

unsigned int rsp_pe_failure_tags(const unsigned char *poolHandle, const size_t poolHandleSize,
                                 const uint32_t identifier, struct TagItem *tags)
{
	const struct nc_core *c;
	unsigned int st;
	int err = 0;

	(void)tags;
	if (!nc_rsp_started())
		return finish(RSPERR_NOT_INITIALIZED, EACCES);
	if (bad_handle(poolHandle, poolHandleSize))
		return finish(RSPERR_INVALID_POOL_HANDLE, EINVAL);
	if (!(c = nc_core()))
		return finish(RSPERR_NOT_INITIALIZED, ELIBACC);
	st = c->nc_rsp_pe_failure((unsigned char *)poolHandle, poolHandleSize, identifier, &err);
	return finish(st, err);
}

unsigned int rsp_pe_failure(const unsigned char *poolHandle, const size_t poolHandleSize,
                            const uint32_t identifier)
{
	return rsp_pe_failure_tags(poolHandle, poolHandleSize, identifier, NULL);
}

void rsp_freeaddrinfo(struct rsp_addrinfo *rserpoolAddrInfo)
{
	while (rserpoolAddrInfo) {
		struct rsp_addrinfo *next = rserpoolAddrInfo->ai_next;
		free(rserpoolAddrInfo->ai_addr);
		free(rserpoolAddrInfo);
		rserpoolAddrInfo = next;
	}
}

/* One element as rsplib's poolElementNodeToAddrInfo builds it. */
static struct rsp_addrinfo *make_addrinfo(const struct nc_rsp_pe *pe, const struct nc_rsp_addr *addrs)
{
	struct rsp_addrinfo *ai = calloc(1, sizeof *ai);
	unsigned char *p;

	if (!ai)
		return NULL;
	ai->ai_addr = calloc(pe->naddrs ? pe->naddrs : 1, NC_RSP_AI_ADDRLEN);
	if (!ai->ai_addr) {
		free(ai);
		return NULL;
	}
	ai->ai_pe_id = pe->id;
	ai->ai_protocol = pe->protocol;
	/* rsplib: SOCK_STREAM for SCTP and TCP, SOCK_DGRAM for the others */
	ai->ai_socktype = (pe->protocol == IPPROTO_SCTP || pe->protocol == IPPROTO_TCP)
	                      ? SOCK_STREAM : SOCK_DGRAM;
	ai->ai_addrlen = NC_RSP_AI_ADDRLEN;
	ai->ai_addrs = pe->naddrs;
	ai->ai_family = pe->naddrs ? addrs[0].family : AF_INET;
	p = (unsigned char *)ai->ai_addr;
	for (size_t i = 0; i < pe->naddrs; i++) {
		const struct nc_rsp_addr *a = &addrs[i];
		if (a->family == AF_INET6) {
			struct sockaddr_in6 in6;
			memset(&in6, 0, sizeof in6);
			in6.sin6_family = AF_INET6;
			in6.sin6_port = htons(a->port);
			memcpy(&in6.sin6_addr, a->addr, 16);
			in6.sin6_scope_id = a->scope_id;
			memcpy(p, &in6, sizeof in6);
			p += sizeof in6;
			ai->ai_family = AF_INET6; /* rsplib: IPv6 if any address is */
		} else {
			struct sockaddr_in in;
			memset(&in, 0, sizeof in);
			in.sin_family = AF_INET;
			in.sin_port = htons(a->port);
			memcpy(&in.sin_addr, a->addr, 4);
			memcpy(p, &in, sizeof in);
			p += sizeof in;
		}
	}
	return ai;
}

int rsp_getaddrinfo_tags(const unsigned char *poolHandle, const size_t poolHandleSize,
                         struct rsp_addrinfo **rserpoolAddrInfo, const size_t items,
                         const unsigned int staleCacheValue, struct TagItem *tags)
{
	const struct nc_core *c;
	struct nc_rsp_pe *pes = NULL;
	struct nc_rsp_addr *addrs = NULL;
	struct rsp_addrinfo *head = NULL, **tail = &head;
	int err = 0, n;

	(void)tags;
	if (!rserpoolAddrInfo) {
		errno = EINVAL;
		return REAI_SYSTEM;
	}
	*rserpoolAddrInfo = NULL;
	if (!nc_rsp_started()) {
		errno = EACCES;
		return REAI_SYSTEM;
	}
	if (bad_handle(poolHandle, poolHandleSize)) {
		errno = EINVAL;
		return REAI_SYSTEM;
	}
	if (!(c = nc_core()))
		return REAI_SYSTEM;
	n = c->nc_rsp_getaddrinfo((unsigned char *)poolHandle, poolHandleSize, items,
	                          staleCacheValue, &pes, &addrs, &err);
	for (int i = 0; i < n; i++) {
		struct rsp_addrinfo *ai = make_addrinfo(&pes[i], addrs + pes[i].first);
		if (!ai) {
			rsp_freeaddrinfo(head);
			head = NULL;
			n = REAI_MEMORY;
			err = ENOMEM;
			break;
		}
		*tail = ai;
		tail = &ai->ai_next;
	}
	free(pes);
	free(addrs);
	*rserpoolAddrInfo = head;
	nc_set_errno(err);
	return n;
}

int rsp_getaddrinfo(const unsigned char *poolHandle, const size_t poolHandleSize,
                    struct rsp_addrinfo **rserpoolAddrInfo, const size_t items,
                    const unsigned int staleCacheValue)
{
	return rsp_getaddrinfo_tags(poolHandle, poolHandleSize, rserpoolAddrInfo, items,
	                            staleCacheValue, NULL);
}
