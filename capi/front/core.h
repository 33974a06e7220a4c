/*
 * core.h - the front's view of the Go core.
 *
 * libnetcompat.so.1 is plain C. It loads the Go core, libnetcompat-go.so.1,
 * with dlopen on the first API call rather than at program start: a Go
 * runtime starts threads, and a process with threads cannot fork() and go
 * on using them. Loading late lets a legacy program fork or daemon() first
 * and then use the library in the child, as it did with the original C
 * libraries.
 */
#ifndef NETCOMPAT_FRONT_CORE_H
#define NETCOMPAT_FRONT_CORE_H

#include <errno.h>

#include "nc_abi.h"

/* The core's entry points, one member per NC_CORE_FUNCS entry. */
struct nc_core {
#define NC_MEMBER(ret, name, params) ret(*name) params;
	NC_CORE_FUNCS(NC_MEMBER)
#undef NC_MEMBER
};

/*
 * The loaded core, or NULL (errno set to ELIBACC, reason logged once) when
 * it cannot be loaded. Thread-safe; loads at most once.
 */
__attribute__((visibility("hidden"))) const struct nc_core *nc_core(void);

/* Stores err into errno when it is set; the shims' last step. */
static inline void nc_set_errno(int err)
{
	if (err)
		errno = err;
}

#endif /* NETCOMPAT_FRONT_CORE_H */
