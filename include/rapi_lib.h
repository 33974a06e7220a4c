/*
 * rapi_lib.h - the RSVP API in ISI rsvpd's dialect.
 *
 * ISI rsvpd 4.x programs (and SGI, AIX, z/OS, IBM i code) write
 *     #include "rapi_lib.h"
 *     #include "rapi_err.h"
 * This header selects the ISI dialect of rapi.h: rapi_event_rtn_t is an
 * int-returning function pointer, handlers take u_char error flags, flags
 * parameters are int, rapi_policy_t has ISI's flags word. See rapi.h for
 * the types, constants and what each call does. Link with -lrsvp.
 *
 * Equivalent to compiling with -DRAPI_ISI_COMPAT and including rapi.h.
 * Including rapi.h in the Open Group dialect first and rapi_lib.h after it
 * in the same translation unit is an error: the two cannot be mixed.
 */
#ifndef NC_RAPI_LIB_H
#define NC_RAPI_LIB_H

#if defined(NC_RAPI_H) && !NC_RAPI_DIALECT_ISI
#error "rapi_lib.h (ISI dialect) included after rapi.h in the Open Group dialect; include rapi_lib.h first or define RAPI_ISI_COMPAT"
#endif

#ifndef RAPI_ISI_COMPAT
#define RAPI_ISI_COMPAT 1
#endif

#include "rapi.h"

#endif /* NC_RAPI_LIB_H */
