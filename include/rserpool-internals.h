/*
 * rserpool-internals.h - rsplib 3.x's tag-list variants of the RSerPool
 * calls, for programs that need to override a default for one call
 * (rsplib's own servers use rsp_register_tags, for instance).
 *
 * Each *_tags function behaves exactly like the function without the
 * suffix (rserpool.h) and takes a trailing tag list (tagitem.h); tags may
 * be NULL, and tags a call does not know are ignored. The tags rsplib
 * defines (times in these tags are MICROSECONDS, unlike the rest of the
 * API):
 *
 *   TAG_PoolElement_Identifier          rsp_register_tags: the PE identifier
 *                                       to register with; 0 (the default)
 *                                       picks a random one
 *   TAG_RspSession_ConnectTimeout       rsp_connect_tags, rsp_accept_tags:
 *                                       time the session waits for its
 *                                       association (default 5000000)
 *   TAG_RspSession_HandleResolutionRetryDelay
 *                                       rsp_connect_tags, rsp_accept_tags:
 *                                       wait before resolving the handle
 *                                       again after "no element" (default
 *                                       250000)
 *   TAG_RspLib_*                        library settings: rsp_initialize
 *                                       turns the ri_registrar_* members of
 *                                       struct rsp_info into these tags
 *                                       (timeouts times 1000); they have no
 *                                       effect on single calls.
 *                                       TAG_RspLib_CacheElementTimeout is
 *                                       defined but unused, as in rsplib.
 *
 * Unlike rsplib's header, this one includes tagitem.h itself, so the TAG_*
 * numbers are usable with this header alone.
 */
#ifndef RSERPOOLINTERNALS_H
#define RSERPOOLINTERNALS_H

#include "rserpool.h"
#include "tagitem.h"

#ifdef __cplusplus
extern "C" {
#endif

struct TagItem;

#define TAG_PoolElement_Identifier                (TAG_USER + 1000)

#define TAG_RspSession_ConnectTimeout             (TAG_USER + 2000)
#define TAG_RspSession_HandleResolutionRetryDelay (TAG_USER + 2001)

#define TAG_RspLib_CacheElementTimeout            (TAG_USER + 4000)
#define TAG_RspLib_RegistrarAnnounceAddress       (TAG_USER + 4001)
#define TAG_RspLib_RegistrarAnnounceTimeout       (TAG_USER + 4002)
#define TAG_RspLib_RegistrarConnectMaxTrials      (TAG_USER + 4003)
#define TAG_RspLib_RegistrarConnectTimeout        (TAG_USER + 4004)
#define TAG_RspLib_RegistrarRequestMaxTrials      (TAG_USER + 4005)
#define TAG_RspLib_RegistrarRequestTimeout        (TAG_USER + 4006)
#define TAG_RspLib_RegistrarResponseTimeout       (TAG_USER + 4007)

/* Basic mode (see rsp_pe_registration ... rsp_getaddrinfo). */
unsigned int rsp_pe_registration_tags(const unsigned char *poolHandle,
                                      const size_t poolHandleSize,
                                      struct rsp_addrinfo *rspAddrInfo,
                                      const struct rsp_loadinfo *rspLoadInfo,
                                      const unsigned int registrationLife, const int flags,
                                      struct TagItem *tags);
unsigned int rsp_pe_deregistration_tags(const unsigned char *poolHandle,
                                        const size_t poolHandleSize,
                                        const uint32_t identifier, const int flags,
                                        struct TagItem *tags);
unsigned int rsp_pe_failure_tags(const unsigned char *poolHandle, const size_t poolHandleSize,
                                 const uint32_t identifier, struct TagItem *tags);
int rsp_getaddrinfo_tags(const unsigned char *poolHandle, const size_t poolHandleSize,
                         struct rsp_addrinfo **rserpoolAddrInfo, const size_t items,
                         const unsigned int staleCacheValue, struct TagItem *tags);

/*
 * Enhanced mode (see rsp_register ... rsp_forcefailover). These names are
 * never macros: they are not subject to the argument-count dispatch of
 * rserpool.h.
 */
int rsp_register_tags(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                      const struct rsp_loadinfo *loadinfo,
                      const unsigned int reregistrationInterval, const int flags,
                      struct TagItem *tags);
int rsp_deregister_tags(int sd, int flags, struct TagItem *tags);
int rsp_accept_tags(int sd, int timeout, struct TagItem *tags);
int rsp_connect_tags(int sd, const unsigned char *poolHandle, const size_t poolHandleSize,
                     const unsigned int staleCacheValue, struct TagItem *tags);
int rsp_forcefailover_tags(int sd, const unsigned int flags, const unsigned int staleCacheValue,
                           struct TagItem *tags);

#ifdef __cplusplus
}
#endif

#endif /* RSERPOOLINTERNALS_H */
