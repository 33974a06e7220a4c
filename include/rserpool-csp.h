/*
 * rserpool-csp.h - component identifiers of rsplib's Component Status
 * Protocol (CSP), as rsplib 3.x defines them.
 *
 * CSP is rsplib-private monitoring: registrars, pool elements and pool
 * users report their status over UDP (port 2960) to a monitor
 * (struct rsp_info's ri_csp_* members, rsp_csp_setstatus()). Each component
 * has a 64-bit identifier: its group in the top 8 bits, an object number
 * in the low 56 bits.
 *
 * Only macros; included by rserpool.h.
 */
#ifndef RSERPOOL_CSP_H
#define RSERPOOL_CSP_H

#include <stdint.h>

/* The group of identifier id: one of CID_GROUP_*. */
#define CID_GROUP(id)  ((((uint64_t)(id)) >> 56) & (uint64_t)0xffff)
/* The object number of identifier id (its low 56 bits). */
#define CID_OBJECT(id) (((uint64_t)(id)) & ((((uint64_t)1) << 56) - 1))

#define CID_GROUP_REGISTRAR   0x0001
#define CID_GROUP_POOLELEMENT 0x0002
#define CID_GROUP_POOLUSER    0x0003

/* The identifier of object number object in group group. */
#define CID_COMPOUND(group, object) \
	((((uint64_t)((group) & 0xffff)) << 56) | CID_OBJECT(object))

#endif /* RSERPOOL_CSP_H */
