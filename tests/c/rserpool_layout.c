/*
 * rserpool_layout.c - the RSerPool headers' ABI against the reference
 * sheet (../shared/reference/rserpool.md, section 1; x86-64 LP64).
 *
 * Built by rserpool_headers.cmake as C11 with -Wall -Wextra -Werror
 * -pedantic and run by ctest as "rserpool_layout". It is deliberately NOT
 * linked with libnetcompat: every rsp_* and tagList* name below appears
 * only in unevaluated operands (_Generic, sizeof), so the program must link
 * and run without any of those symbols existing; a stray reference would
 * fail the link.
 *
 * At run time it checks, reporting every mismatch:
 *   - sizeof and _Alignof of every public struct and union, and offsetof
 *     and sizeof of every member (the .policy alias and the unnamed
 *     rn_header struct included);
 *   - the value of every constant: RSPLIB_*, ports, announce addresses,
 *     REGF_*, DEREGF_*, RSPGETADDRS_*, REAI_*, SESSION_SETSIZE,
 *     MSG_RSERPOOL_*, RSERPOOL_*, FFF_*, all 19 PPT_*, PPT_IS_ADAPTIVE,
 *     PPV_*, RSP_ROUND_ROBIN and friends, TAG_*, CID_*.
 * At compile time (a failure breaks the build):
 *   - the type of every struct member;
 *   - the type of every function (&name against its rsplib prototype,
 *     the draft-00 and *_tags variants, tagList*);
 *   - that each draft-00 call shape selects its *_draft00 function and
 *     each rsplib call shape the rsplib function, through the real
 *     dispatch macros of rserpool.h.
 * Exit status: 0 all good, 1 a mismatch, 77 (skipped) when not LP64.
 */
#include <rserpool.h>
#include <rserpool-internals.h>
#include <rserpool-policytypes.h>
#include <rserpool-csp.h>
#include <tagitem.h>
/* The rsplib include path works too (and the include guards hold). */
#include <rserpool/rserpool.h>
#include <rserpool/rserpool-internals.h>
#include <rserpool/rserpool-policytypes.h>
#include <rserpool/rserpool-csp.h>
#include <rserpool/tagitem.h>

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L
#error "rserpool_layout.c is C11"
#endif

/* ===================================================================== */
/* Compile time: member types                                            */
/* ===================================================================== */

#define TYPE_IS(expr, type) _Generic((expr), type: 1, default: 0)
#define MEMBER_TYPE(agg, member, type)                                         \
	_Static_assert(TYPE_IS(((agg *)0)->member, type),                      \
	               #agg "." #member " has type " #type)

MEMBER_TYPE(struct rsp_registrar_info, rri_next, struct rsp_registrar_info *);
MEMBER_TYPE(struct rsp_registrar_info, rri_addr, struct sockaddr *);
MEMBER_TYPE(struct rsp_registrar_info, rri_addrs, size_t);

MEMBER_TYPE(struct rsp_info, ri_version, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_revision, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_build_date, const char *);
MEMBER_TYPE(struct rsp_info, ri_build_time, const char *);
MEMBER_TYPE(struct rsp_info, ri_registrars, struct rsp_registrar_info *);
MEMBER_TYPE(struct rsp_info, ri_disable_autoconfig, int);
MEMBER_TYPE(struct rsp_info, ri_registrar_announce, struct sockaddr *);
MEMBER_TYPE(struct rsp_info, ri_registrar_announce_timeout, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_registrar_connect_timeout, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_registrar_connect_max_trials, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_registrar_request_timeout, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_registrar_response_timeout, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_registrar_request_max_trials, unsigned int);
MEMBER_TYPE(struct rsp_info, ri_csp_identifier, uint64_t);
MEMBER_TYPE(struct rsp_info, ri_csp_server, struct sockaddr *);
MEMBER_TYPE(struct rsp_info, ri_csp_interval, unsigned int);

MEMBER_TYPE(struct rsp_loadinfo, rli_policy, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, policy, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, rli_weight, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, rli_weight_dpf, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, rli_load, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, rli_load_degradation, uint32_t);
MEMBER_TYPE(struct rsp_loadinfo, rli_load_dpf, uint32_t);

MEMBER_TYPE(struct rsp_addrinfo, ai_family, int);
MEMBER_TYPE(struct rsp_addrinfo, ai_socktype, int);
MEMBER_TYPE(struct rsp_addrinfo, ai_protocol, int);
MEMBER_TYPE(struct rsp_addrinfo, ai_addrlen, size_t);
MEMBER_TYPE(struct rsp_addrinfo, ai_addrs, size_t);
MEMBER_TYPE(struct rsp_addrinfo, ai_addr, struct sockaddr *);
MEMBER_TYPE(struct rsp_addrinfo, ai_next, struct rsp_addrinfo *);
MEMBER_TYPE(struct rsp_addrinfo, ai_pe_id, uint32_t);

MEMBER_TYPE(struct rsp_sndrcvinfo, rinfo_session, rserpool_session_t);
MEMBER_TYPE(struct rsp_sndrcvinfo, rinfo_ppid, uint32_t);
MEMBER_TYPE(struct rsp_sndrcvinfo, rinfo_pe_id, uint32_t);
MEMBER_TYPE(struct rsp_sndrcvinfo, rinfo_timetolive, uint32_t);
MEMBER_TYPE(struct rsp_sndrcvinfo, rinfo_stream, uint16_t);

MEMBER_TYPE(struct rserpool_failover, rf_type, uint16_t);
MEMBER_TYPE(struct rserpool_failover, rf_flags, uint16_t);
MEMBER_TYPE(struct rserpool_failover, rf_length, uint32_t);
MEMBER_TYPE(struct rserpool_failover, rf_state, unsigned int);
MEMBER_TYPE(struct rserpool_failover, rf_session, rserpool_session_t);
MEMBER_TYPE(struct rserpool_failover, rf_has_cookie, unsigned char);

MEMBER_TYPE(struct rserpool_session_change, rsc_type, uint16_t);
MEMBER_TYPE(struct rserpool_session_change, rsc_flags, uint16_t);
MEMBER_TYPE(struct rserpool_session_change, rsc_length, uint32_t);
MEMBER_TYPE(struct rserpool_session_change, rsc_state, unsigned int);
MEMBER_TYPE(struct rserpool_session_change, rsc_session, rserpool_session_t);

MEMBER_TYPE(struct rserpool_shutdown_event, rse_type, uint16_t);
MEMBER_TYPE(struct rserpool_shutdown_event, rse_flags, uint16_t);
MEMBER_TYPE(struct rserpool_shutdown_event, rse_length, uint32_t);
MEMBER_TYPE(struct rserpool_shutdown_event, rse_session, rserpool_session_t);

MEMBER_TYPE(union rserpool_notification, rn_header.rn_type, uint16_t);
MEMBER_TYPE(union rserpool_notification, rn_header.rn_flags, uint16_t);
MEMBER_TYPE(union rserpool_notification, rn_header.rn_length, uint32_t);
MEMBER_TYPE(union rserpool_notification, rn_failover, struct rserpool_failover);
MEMBER_TYPE(union rserpool_notification, rn_session_change, struct rserpool_session_change);
MEMBER_TYPE(union rserpool_notification, rn_shutdown_event, struct rserpool_shutdown_event);

MEMBER_TYPE(struct rserpool_session_parameters, sp_rto_initial, unsigned int);
MEMBER_TYPE(struct rserpool_session_parameters, sp_rto_min, unsigned int);
MEMBER_TYPE(struct rserpool_session_parameters, sp_rto_max, unsigned int);
MEMBER_TYPE(struct rserpool_session_parameters, sp_assoc_max_rxt, unsigned int);
MEMBER_TYPE(struct rserpool_session_parameters, sp_path_max_rxt, unsigned int);
MEMBER_TYPE(struct rserpool_session_parameters, sp_hbinterval, unsigned int);

MEMBER_TYPE(struct TagItem, Tag, tag_t);
MEMBER_TYPE(struct TagItem, Data, tagdata_t);

_Static_assert(TYPE_IS((rserpool_session_t)0, int), "rserpool_session_t is int");
_Static_assert(TYPE_IS((tag_t)0, unsigned int), "tag_t is unsigned int");
_Static_assert(TYPE_IS((tagdata_t)0, unsigned long), "tagdata_t is unsigned long");

/* ===================================================================== */
/* Compile time: function types (unevaluated: no symbol is referenced)   */
/* ===================================================================== */

#define FUNC_TYPE(fn, type) _Static_assert(TYPE_IS(&fn, type), #fn " has the prototype " #type)

/* rserpool.h: the rsplib 3.x prototypes, which the plain names keep. */
FUNC_TYPE(rsp_initinfo, void (*)(struct rsp_info *));
FUNC_TYPE(rsp_freeinfo, void (*)(struct rsp_info *));
FUNC_TYPE(rsp_initarg, int (*)(struct rsp_info *, const char *));
FUNC_TYPE(rsp_initialize, int (*)(struct rsp_info *));
FUNC_TYPE(rsp_cleanup, void (*)(void));
FUNC_TYPE(rsp_pe_registration,
          unsigned int (*)(const unsigned char *, size_t, struct rsp_addrinfo *,
                           const struct rsp_loadinfo *, unsigned int, int));
FUNC_TYPE(rsp_pe_deregistration, unsigned int (*)(const unsigned char *, size_t, uint32_t, int));
FUNC_TYPE(rsp_pe_failure, unsigned int (*)(const unsigned char *, size_t, uint32_t));
FUNC_TYPE(rsp_getaddrinfo,
          int (*)(const unsigned char *, size_t, struct rsp_addrinfo **, size_t, unsigned int));
FUNC_TYPE(rsp_freeaddrinfo, void (*)(struct rsp_addrinfo *));
FUNC_TYPE(rsp_socket, int (*)(int, int, int));
FUNC_TYPE(rsp_update_session_parameters, int (*)(int, struct rserpool_session_parameters *));
FUNC_TYPE(rsp_bind, int (*)(int, const struct sockaddr *, int));
FUNC_TYPE(rsp_listen, int (*)(int, int));
FUNC_TYPE(rsp_getsockname, int (*)(int, unsigned char *, size_t *, uint32_t *));
FUNC_TYPE(rsp_getpeername, int (*)(int, unsigned char *, size_t *, uint32_t *));
FUNC_TYPE(rsp_close, int (*)(int));
FUNC_TYPE(rsp_poll, int (*)(struct pollfd *, unsigned int, int));
FUNC_TYPE(rsp_select, int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *));
FUNC_TYPE(rsp_getsockopt, int (*)(int, int, int, void *, socklen_t *));
FUNC_TYPE(rsp_setsockopt, int (*)(int, int, int, const void *, socklen_t));
FUNC_TYPE(rsp_register, int (*)(int, const unsigned char *, size_t, const struct rsp_loadinfo *,
                                unsigned int, int));
FUNC_TYPE(rsp_deregister, int (*)(int, int));
FUNC_TYPE(rsp_accept, int (*)(int, int));
FUNC_TYPE(rsp_connect, int (*)(int, const unsigned char *, size_t, unsigned int));
FUNC_TYPE(rsp_has_cookie, int (*)(int));
FUNC_TYPE(rsp_forcefailover, int (*)(int, unsigned int, unsigned int));
FUNC_TYPE(rsp_sendmsg, ssize_t (*)(int, const void *, size_t, unsigned int, rserpool_session_t,
                                   uint32_t, uint16_t, uint32_t, uint16_t, int));
FUNC_TYPE(rsp_send_cookie,
          ssize_t (*)(int, const unsigned char *, size_t, rserpool_session_t, int));
FUNC_TYPE(rsp_recvmsg,
          ssize_t (*)(int, void *, size_t, struct rsp_sndrcvinfo *, int *, int));
FUNC_TYPE(rsp_recvfullmsg,
          ssize_t (*)(int, void *, size_t, struct rsp_sndrcvinfo *, int *, int));
FUNC_TYPE(rsp_read, ssize_t (*)(int, void *, size_t));
FUNC_TYPE(rsp_recv, ssize_t (*)(int, void *, size_t, int));
FUNC_TYPE(rsp_write, ssize_t (*)(int, const char *, size_t));
FUNC_TYPE(rsp_send, ssize_t (*)(int, const void *, size_t, int));
FUNC_TYPE(rsp_mapsocket, int (*)(int, int));
FUNC_TYPE(rsp_unmapsocket, int (*)(int));
FUNC_TYPE(rsp_print_notification, void (*)(const union rserpool_notification *, FILE *));
FUNC_TYPE(rsp_getpolicybytype, const char *(*)(unsigned int));
FUNC_TYPE(rsp_getpolicybyname, unsigned int (*)(const char *));
FUNC_TYPE(rsp_csp_setstatus, int (*)(int, rserpool_session_t, const char *));

/* rserpool-internals.h: the *_tags variants. */
FUNC_TYPE(rsp_pe_registration_tags,
          unsigned int (*)(const unsigned char *, size_t, struct rsp_addrinfo *,
                           const struct rsp_loadinfo *, unsigned int, int, struct TagItem *));
FUNC_TYPE(rsp_pe_deregistration_tags,
          unsigned int (*)(const unsigned char *, size_t, uint32_t, int, struct TagItem *));
FUNC_TYPE(rsp_pe_failure_tags,
          unsigned int (*)(const unsigned char *, size_t, uint32_t, struct TagItem *));
FUNC_TYPE(rsp_getaddrinfo_tags, int (*)(const unsigned char *, size_t, struct rsp_addrinfo **,
                                        size_t, unsigned int, struct TagItem *));
FUNC_TYPE(rsp_register_tags, int (*)(int, const unsigned char *, size_t,
                                     const struct rsp_loadinfo *, unsigned int, int,
                                     struct TagItem *));
FUNC_TYPE(rsp_deregister_tags, int (*)(int, int, struct TagItem *));
FUNC_TYPE(rsp_accept_tags, int (*)(int, int, struct TagItem *));
FUNC_TYPE(rsp_connect_tags,
          int (*)(int, const unsigned char *, size_t, unsigned int, struct TagItem *));
FUNC_TYPE(rsp_forcefailover_tags, int (*)(int, unsigned int, unsigned int, struct TagItem *));

/* The draft-00 entry points. */
FUNC_TYPE(rsp_register_draft00, int (*)(int, const void *, size_t, const struct rsp_loadinfo *));
FUNC_TYPE(rsp_deregister_draft00, int (*)(int));
FUNC_TYPE(rsp_connect_draft00, int (*)(int, const void *, size_t));
FUNC_TYPE(rsp_sendmsg_draft00,
          ssize_t (*)(int, const void *, size_t, const struct rsp_sndrcvinfo *, int));
FUNC_TYPE(rsp_recvmsg_draft00, ssize_t (*)(int, void *, size_t, struct rsp_sndrcvinfo *, int));
FUNC_TYPE(rsp_bind_draft00, int (*)(int, const struct sockaddr *, socklen_t));

/* tagitem.h */
FUNC_TYPE(tagListAllocate, struct TagItem *(*)(size_t));
FUNC_TYPE(tagListFree, void (*)(struct TagItem *));
FUNC_TYPE(tagListGetSize, size_t (*)(struct TagItem *));
FUNC_TYPE(tagListDuplicate, struct TagItem *(*)(struct TagItem *));
FUNC_TYPE(tagListDuplicateFilter, struct TagItem *(*)(struct TagItem *, const tag_t *));
FUNC_TYPE(tagListNext, struct TagItem *(*)(struct TagItem *));
FUNC_TYPE(tagListFind, struct TagItem *(*)(struct TagItem *, tag_t));
FUNC_TYPE(tagListGetData, tagdata_t (*)(struct TagItem *, tag_t, tagdata_t));
FUNC_TYPE(tagListSetData, struct TagItem *(*)(struct TagItem *, tag_t, tagdata_t));
FUNC_TYPE(tagListPrint, void (*)(struct TagItem *, FILE *));

/* The size_t-typed constants are size_t. */
_Static_assert(TYPE_IS(RSPGETADDRS_MIN, size_t), "RSPGETADDRS_MIN is a size_t");
_Static_assert(TYPE_IS(RSPGETADDRS_MAX, size_t), "RSPGETADDRS_MAX is a size_t");
_Static_assert(TYPE_IS(RSPGETADDRS_DEFAULT, size_t), "RSPGETADDRS_DEFAULT is a size_t");

/* This build has both API generations. */
_Static_assert(RSP_ARITY_DISPATCH == 1, "C11 has argument-count dispatch");
_Static_assert(RSP_HAVE_POLICY_ALIAS == 1, "C11 has the .policy alias");

/* ===================================================================== */
/* Compile time: which function each call shape reaches                  */
/* ===================================================================== */

/*
 * Operands of the shapes. They are used only inside _Generic, which does
 * not evaluate its controlling expression, so they need no definition.
 */
extern int t_fd;
extern int t_flags;
extern char t_buf[64];
extern struct rsp_loadinfo t_linfo;
extern struct rsp_sndrcvinfo t_sinfo;
extern const unsigned char t_handle[4];

/*
 * From here on the draft-00 entry points are test markers: when the
 * header's dispatch macro expands a call to rsp_X_draft00(...), the
 * preprocessor continues into these macros and the call becomes a null
 * pointer of a type that names the function. A call the macro routes to
 * rsplib stays a real call of the rsplib function (the header's macro
 * expands to its own name, which is not expanded again), of type int or
 * ssize_t. So _Generic on the expanded call tells which function was
 * chosen, at compile time and without linking anything.
 */
struct picked_register_draft00;
struct picked_deregister_draft00;
struct picked_connect_draft00;
struct picked_sendmsg_draft00;
struct picked_recvmsg_draft00;
#define rsp_register_draft00(...)   ((struct picked_register_draft00 *)0)
#define rsp_deregister_draft00(...) ((struct picked_deregister_draft00 *)0)
#define rsp_connect_draft00(...)    ((struct picked_connect_draft00 *)0)
#define rsp_sendmsg_draft00(...)    ((struct picked_sendmsg_draft00 *)0)
#define rsp_recvmsg_draft00(...)    ((struct picked_recvmsg_draft00 *)0)

#define PICKS(call, type, what) _Static_assert(TYPE_IS(call, type), #call " calls " what)

/* The draft-00 shapes of the echo examples (section 5 of the draft). */
PICKS(rsp_register(t_fd, "echo", 4, &t_linfo), struct picked_register_draft00 *,
      "rsp_register_draft00");
PICKS(rsp_deregister(t_fd), struct picked_deregister_draft00 *, "rsp_deregister_draft00");
PICKS(rsp_connect(t_fd, "echo", 4), struct picked_connect_draft00 *, "rsp_connect_draft00");
PICKS(rsp_sendmsg(t_fd, (const void *)t_buf, sizeof(t_buf), &t_sinfo, 0),
      struct picked_sendmsg_draft00 *, "rsp_sendmsg_draft00");
PICKS(rsp_sendmsg(t_fd, (const void *)t_buf, sizeof(t_buf), NULL, 0),
      struct picked_sendmsg_draft00 *, "rsp_sendmsg_draft00");
PICKS(rsp_recvmsg(t_fd, (void *)t_buf, sizeof(t_buf), &t_sinfo, 0),
      struct picked_recvmsg_draft00 *, "rsp_recvmsg_draft00");
PICKS(rsp_recvmsg(t_fd, (void *)t_buf, sizeof(t_buf), NULL, 0),
      struct picked_recvmsg_draft00 *, "rsp_recvmsg_draft00");
/* Arguments with parenthesized commas are one argument each. */
PICKS(rsp_connect(t_fd, ((void)0, "echo"), ((void)0, 4)), struct picked_connect_draft00 *,
      "rsp_connect_draft00");

/* The rsplib shapes reach the rsplib functions. */
PICKS(rsp_register(t_fd, t_handle, 4, &t_linfo, 30000, 0), int, "rsp_register");
PICKS(rsp_register(t_fd, t_handle, 4, NULL, 30000, REGF_DONTWAIT), int, "rsp_register");
PICKS(rsp_deregister(t_fd, 0), int, "rsp_deregister");
PICKS(rsp_connect(t_fd, t_handle, 4, 0), int, "rsp_connect");
PICKS(rsp_sendmsg(t_fd, t_buf, sizeof(t_buf), 0, t_sinfo.rinfo_session, t_sinfo.rinfo_ppid,
                  t_sinfo.rinfo_stream, 0, 0, -1),
      ssize_t, "rsp_sendmsg");
PICKS(rsp_recvmsg(t_fd, t_buf, sizeof(t_buf), &t_sinfo, &t_flags, -1), ssize_t, "rsp_recvmsg");
PICKS(rsp_recvmsg(t_fd, t_buf, sizeof(t_buf), NULL, &t_flags, 0), ssize_t, "rsp_recvmsg");
/* A parenthesized name bypasses the dispatch; so does a C++-style qualification in C++. */
PICKS((rsp_register)(t_fd, t_handle, 4, &t_linfo, 30000, 0), int, "rsp_register");
PICKS((rsp_sendmsg)(t_fd, t_buf, 1, 0, 0, 0, 0, 0, 0, -1), ssize_t, "rsp_sendmsg");
/* The other names are plain functions, whatever the API. */
PICKS(rsp_bind(t_fd, (const struct sockaddr *)t_buf, 16), int, "rsp_bind");
PICKS(rsp_register_tags(t_fd, t_handle, 4, &t_linfo, 30000, 0, NULL), int, "rsp_register_tags");

/* The name as a value is the rsplib function, macros or not. */
_Static_assert(TYPE_IS(rsp_register, int (*)(int, const unsigned char *, size_t,
                                             const struct rsp_loadinfo *, unsigned int, int)),
               "rsp_register as a value is the rsplib function");
_Static_assert(TYPE_IS(&rsp_deregister, int (*)(int, int)),
               "&rsp_deregister is the rsplib function");
_Static_assert(sizeof(rsp_recvmsg(t_fd, t_buf, 1, NULL, &t_flags, 0)) == sizeof(ssize_t),
               "sizeof context works");

/* ===================================================================== */
/* Run time: layouts and constants                                       */
/* ===================================================================== */

static int failures;
static int checks;

static void check_value(const char *what, unsigned long long got, unsigned long long want)
{
	checks++;
	if (got != want) {
		failures++;
		printf("FAIL %s = %llu (0x%llx), want %llu (0x%llx)\n", what, got, got, want, want);
	}
}

static void check_signed(const char *what, long long got, long long want)
{
	checks++;
	if (got != want) {
		failures++;
		printf("FAIL %s = %lld, want %lld\n", what, got, want);
	}
}

static void check_string(const char *what, const char *got, const char *want)
{
	checks++;
	if (strcmp(got, want) != 0) {
		failures++;
		printf("FAIL %s = \"%s\", want \"%s\"\n", what, got, want);
	}
}

#define SIZE_ALIGN(agg, size, align)                                           \
	do {                                                                   \
		check_value("sizeof(" #agg ")", sizeof(agg), size);             \
		check_value("_Alignof(" #agg ")", alignof(agg), align);         \
	} while (0)
#define MEMBER(agg, member, offset, size)                                      \
	do {                                                                   \
		check_value("offsetof(" #agg ", " #member ")", offsetof(agg, member), offset); \
		check_value("sizeof(" #agg "." #member ")", sizeof(((agg *)0)->member), size); \
	} while (0)
#define VALUE(name, want) check_value(#name, (unsigned long long)(name), want)
#define SVALUE(name, want) check_signed(#name, (long long)(name), want)

static void check_layouts(void)
{
	SIZE_ALIGN(struct rsp_registrar_info, 24, 8);
	MEMBER(struct rsp_registrar_info, rri_next, 0, 8);
	MEMBER(struct rsp_registrar_info, rri_addr, 8, 8);
	MEMBER(struct rsp_registrar_info, rri_addrs, 16, 8);

	SIZE_ALIGN(struct rsp_info, 96, 8);
	MEMBER(struct rsp_info, ri_version, 0, 4);
	MEMBER(struct rsp_info, ri_revision, 4, 4);
	MEMBER(struct rsp_info, ri_build_date, 8, 8);
	MEMBER(struct rsp_info, ri_build_time, 16, 8);
	MEMBER(struct rsp_info, ri_registrars, 24, 8);
	MEMBER(struct rsp_info, ri_disable_autoconfig, 32, 4);
	MEMBER(struct rsp_info, ri_registrar_announce, 40, 8);
	MEMBER(struct rsp_info, ri_registrar_announce_timeout, 48, 4);
	MEMBER(struct rsp_info, ri_registrar_connect_timeout, 52, 4);
	MEMBER(struct rsp_info, ri_registrar_connect_max_trials, 56, 4);
	MEMBER(struct rsp_info, ri_registrar_request_timeout, 60, 4);
	MEMBER(struct rsp_info, ri_registrar_response_timeout, 64, 4);
	MEMBER(struct rsp_info, ri_registrar_request_max_trials, 68, 4);
	MEMBER(struct rsp_info, ri_csp_identifier, 72, 8);
	MEMBER(struct rsp_info, ri_csp_server, 80, 8);
	MEMBER(struct rsp_info, ri_csp_interval, 88, 4);

	SIZE_ALIGN(struct rsp_loadinfo, 24, 4);
	MEMBER(struct rsp_loadinfo, rli_policy, 0, 4);
	MEMBER(struct rsp_loadinfo, policy, 0, 4);
	MEMBER(struct rsp_loadinfo, rli_weight, 4, 4);
	MEMBER(struct rsp_loadinfo, rli_weight_dpf, 8, 4);
	MEMBER(struct rsp_loadinfo, rli_load, 12, 4);
	MEMBER(struct rsp_loadinfo, rli_load_degradation, 16, 4);
	MEMBER(struct rsp_loadinfo, rli_load_dpf, 20, 4);

	SIZE_ALIGN(struct rsp_addrinfo, 56, 8);
	MEMBER(struct rsp_addrinfo, ai_family, 0, 4);
	MEMBER(struct rsp_addrinfo, ai_socktype, 4, 4);
	MEMBER(struct rsp_addrinfo, ai_protocol, 8, 4);
	MEMBER(struct rsp_addrinfo, ai_addrlen, 16, 8);
	MEMBER(struct rsp_addrinfo, ai_addrs, 24, 8);
	MEMBER(struct rsp_addrinfo, ai_addr, 32, 8);
	MEMBER(struct rsp_addrinfo, ai_next, 40, 8);
	MEMBER(struct rsp_addrinfo, ai_pe_id, 48, 4);

	SIZE_ALIGN(struct rsp_sndrcvinfo, 20, 4);
	MEMBER(struct rsp_sndrcvinfo, rinfo_session, 0, 4);
	MEMBER(struct rsp_sndrcvinfo, rinfo_ppid, 4, 4);
	MEMBER(struct rsp_sndrcvinfo, rinfo_pe_id, 8, 4);
	MEMBER(struct rsp_sndrcvinfo, rinfo_timetolive, 12, 4);
	MEMBER(struct rsp_sndrcvinfo, rinfo_stream, 16, 2);

	SIZE_ALIGN(struct rserpool_failover, 20, 4);
	MEMBER(struct rserpool_failover, rf_type, 0, 2);
	MEMBER(struct rserpool_failover, rf_flags, 2, 2);
	MEMBER(struct rserpool_failover, rf_length, 4, 4);
	MEMBER(struct rserpool_failover, rf_state, 8, 4);
	MEMBER(struct rserpool_failover, rf_session, 12, 4);
	MEMBER(struct rserpool_failover, rf_has_cookie, 16, 1);

	SIZE_ALIGN(struct rserpool_session_change, 16, 4);
	MEMBER(struct rserpool_session_change, rsc_type, 0, 2);
	MEMBER(struct rserpool_session_change, rsc_flags, 2, 2);
	MEMBER(struct rserpool_session_change, rsc_length, 4, 4);
	MEMBER(struct rserpool_session_change, rsc_state, 8, 4);
	MEMBER(struct rserpool_session_change, rsc_session, 12, 4);

	SIZE_ALIGN(struct rserpool_shutdown_event, 12, 4);
	MEMBER(struct rserpool_shutdown_event, rse_type, 0, 2);
	MEMBER(struct rserpool_shutdown_event, rse_flags, 2, 2);
	MEMBER(struct rserpool_shutdown_event, rse_length, 4, 4);
	MEMBER(struct rserpool_shutdown_event, rse_session, 8, 4);

	SIZE_ALIGN(union rserpool_notification, 20, 4);
	MEMBER(union rserpool_notification, rn_header, 0, 8);
	MEMBER(union rserpool_notification, rn_header.rn_type, 0, 2);
	MEMBER(union rserpool_notification, rn_header.rn_flags, 2, 2);
	MEMBER(union rserpool_notification, rn_header.rn_length, 4, 4);
	MEMBER(union rserpool_notification, rn_failover, 0, 20);
	MEMBER(union rserpool_notification, rn_session_change, 0, 16);
	MEMBER(union rserpool_notification, rn_shutdown_event, 0, 12);

	SIZE_ALIGN(struct rserpool_session_parameters, 24, 4);
	MEMBER(struct rserpool_session_parameters, sp_rto_initial, 0, 4);
	MEMBER(struct rserpool_session_parameters, sp_rto_min, 4, 4);
	MEMBER(struct rserpool_session_parameters, sp_rto_max, 8, 4);
	MEMBER(struct rserpool_session_parameters, sp_assoc_max_rxt, 12, 4);
	MEMBER(struct rserpool_session_parameters, sp_path_max_rxt, 16, 4);
	MEMBER(struct rserpool_session_parameters, sp_hbinterval, 20, 4);

	SIZE_ALIGN(struct TagItem, 16, 8);
	MEMBER(struct TagItem, Tag, 0, 4);
	MEMBER(struct TagItem, Data, 8, 8);

	check_value("sizeof(rserpool_session_t)", sizeof(rserpool_session_t), 4);
	check_value("sizeof(tag_t)", sizeof(tag_t), 4);
	check_value("sizeof(tagdata_t)", sizeof(tagdata_t), 8);
}

/* .policy and .rli_policy are one object; the other members stay put. */
static void check_policy_alias(void)
{
	struct rsp_loadinfo li;
	struct rsp_loadinfo designated = { .rli_policy = PPT_LEASTUSED, .rli_load = 7 };

	memset(&li, 0, sizeof(li));
	li.policy = RSP_ROUND_ROBIN;
	check_value("linfo.policy = RSP_ROUND_ROBIN -> rli_policy", li.rli_policy, PPT_ROUNDROBIN);
	li.rli_policy = PPT_WEIGHTED_RANDOM_DPF;
	check_value("rli_policy = PPT_WEIGHTED_RANDOM_DPF -> policy", li.policy, 0xb0002001u);
	check_value("rli_weight untouched by the alias", li.rli_weight, 0);
	check_value("designated .rli_policy -> policy", designated.policy, PPT_LEASTUSED);
	check_value("designated .rli_load", designated.rli_load, 7);
}

static void check_constants(void)
{
	static const unsigned long long adaptive[] = {
		0x40000001, 0x40000002, 0x40000003, 0x40000004, 0xb0001001, 0xb0001002,
		0xb0001003, 0xb0001004, 0xb0002002, 0xb0002003, 0xb0002004, 0xb0002005,
	};
	static const unsigned long long all_ppt[] = {
		PPT_UNDEFINED,
		PPT_ROUNDROBIN,
		PPT_WEIGHTED_ROUNDROBIN,
		PPT_RANDOM,
		PPT_WEIGHTED_RANDOM,
		PPT_PRIORITY,
		PPT_LEASTUSED,
		PPT_LEASTUSED_DEGRADATION,
		PPT_PRIORITY_LEASTUSED,
		PPT_RANDOMIZED_LEASTUSED,
		PPT_RANDOMIZED_PRIORITY_LEASTUSED,
		PPT_RANDOMIZED_LEASTUSED_DEGRADATION,
		PPT_PRIORITY_LEASTUSED_DEGRADATION,
		PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION,
		PPT_WEIGHTED_RANDOM_DPF,
		PPT_LEASTUSED_DPF,
		PPT_LEASTUSED_DEGRADATION_DPF,
		PPT_PRIORITY_LEASTUSED_DPF,
		PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF,
	};
	size_t i, j;
	int n_adaptive = 0;
	uint64_t cid;

	VALUE(RSPLIB_VERSION, 2);
	VALUE(RSPLIB_REVISION, 3);
	VALUE(ASAP_PORT, 3863);
	VALUE(ENRP_PORT, 9901);
	check_string("ASAP_ANNOUNCE_MULTICAST_ADDRESS", ASAP_ANNOUNCE_MULTICAST_ADDRESS,
	             "239.0.0.50:3863");
	check_string("ENRP_ANNOUNCE_MULTICAST_ADDRESS", ENRP_ANNOUNCE_MULTICAST_ADDRESS,
	             "239.0.0.51:9901");

	VALUE(REGF_DONTWAIT, 1);
	VALUE(REGF_CONTROLCHANNEL, 2);
	VALUE(REGF_DAEMONMODE, 4);
	VALUE(DEREGF_DONTWAIT, 1);

	VALUE(RSPGETADDRS_MIN, 1);
	VALUE(RSPGETADDRS_MAX, 0xffffffffULL);
	VALUE(RSPGETADDRS_DEFAULT, 0);

	SVALUE(REAI_NONAME, -1);
	SVALUE(REAI_MEMORY, -2);
	SVALUE(REAI_SYSTEM, -3);
	SVALUE(REAI_FAMILY, -4);

	VALUE(SESSION_SETSIZE, 16384);
	VALUE(MSG_RSERPOOL_NOTIFICATION, 1);
	VALUE(MSG_RSERPOOL_COOKIE_ECHO, 2);
	VALUE(RSERPOOL_SESSION_CHANGE, 1);
	VALUE(RSERPOOL_FAILOVER, 2);
	VALUE(RSERPOOL_SHUTDOWN_EVENT, 3);
	VALUE(RSERPOOL_FAILOVER_NECESSARY, 1);
	VALUE(RSERPOOL_FAILOVER_COMPLETE, 2);
	VALUE(RSERPOOL_SESSION_ADD, 1);
	VALUE(RSERPOOL_SESSION_REMOVE, 2);
	VALUE(FFF_NONE, 0);
	VALUE(FFF_UNREACHABLE, 1);

	/* rserpool-policytypes.h: all 19 policy types. */
	VALUE(PPT_UNDEFINED, 0x00000000);
	VALUE(PPT_ROUNDROBIN, 0x00000001);
	VALUE(PPT_WEIGHTED_ROUNDROBIN, 0x00000002);
	VALUE(PPT_RANDOM, 0x00000003);
	VALUE(PPT_WEIGHTED_RANDOM, 0x00000004);
	VALUE(PPT_PRIORITY, 0x00000005);
	VALUE(PPT_LEASTUSED, 0x40000001);
	VALUE(PPT_LEASTUSED_DEGRADATION, 0x40000002);
	VALUE(PPT_PRIORITY_LEASTUSED, 0x40000003);
	VALUE(PPT_RANDOMIZED_LEASTUSED, 0x40000004);
	VALUE(PPT_RANDOMIZED_PRIORITY_LEASTUSED, 0xb0001001);
	VALUE(PPT_RANDOMIZED_LEASTUSED_DEGRADATION, 0xb0001002);
	VALUE(PPT_PRIORITY_LEASTUSED_DEGRADATION, 0xb0001003);
	VALUE(PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION, 0xb0001004);
	VALUE(PPT_WEIGHTED_RANDOM_DPF, 0xb0002001);
	VALUE(PPT_LEASTUSED_DPF, 0xb0002002);
	VALUE(PPT_LEASTUSED_DEGRADATION_DPF, 0xb0002003);
	VALUE(PPT_PRIORITY_LEASTUSED_DPF, 0xb0002004);
	VALUE(PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF, 0xb0002005);
	check_value("number of PPT_* types", sizeof(all_ppt) / sizeof(all_ppt[0]), 19);

	/* PPT_IS_ADAPTIVE: exactly the twelve LeastUsed-family types. */
	for (i = 0; i < sizeof(all_ppt) / sizeof(all_ppt[0]); i++) {
		const uint32_t p = (uint32_t)all_ppt[i];
		int want = 0;
		char what[80];

		for (j = 0; j < sizeof(adaptive) / sizeof(adaptive[0]); j++)
			if (adaptive[j] == all_ppt[i])
				want = 1;
		snprintf(what, sizeof(what), "PPT_IS_ADAPTIVE(0x%08lx)", (unsigned long)p);
		check_value(what, PPT_IS_ADAPTIVE(p) ? 1 : 0, (unsigned long long)want);
		n_adaptive += want;
	}
	check_value("adaptive PPT_* types", (unsigned long long)n_adaptive, 12);

	VALUE(PPV_MIN_WEIGHT, 0);
	VALUE(PPV_MAX_WEIGHT, 0xffffffff);
	VALUE(PPV_MIN_LOAD, 0);
	VALUE(PPV_MAX_LOAD, 0xffffffff);
	VALUE(PPV_MIN_LOAD_DEGRADATION, 0);
	VALUE(PPV_MAX_LOAD_DEGRADATION, 0xffffffff);
	VALUE(PPV_MIN_LOADDPF, 0);
	VALUE(PPV_MAX_LOADDPF, 0xffffffff);
	VALUE(PPV_MIN_WEIGHTDPF, 0);
	VALUE(PPV_MAX_WEIGHTDPF, 0xffffffff);

	/* The draft's spellings are the RFC 5356 codes. */
	VALUE(RSP_ROUND_ROBIN, PPT_ROUNDROBIN);
	VALUE(RSP_WEIGHTED_ROUND_ROBIN, PPT_WEIGHTED_ROUNDROBIN);
	VALUE(RSP_RANDOM, PPT_RANDOM);
	VALUE(RSP_WEIGHTED_RANDOM, PPT_WEIGHTED_RANDOM);
	VALUE(RSP_PRIORITY, PPT_PRIORITY);
	VALUE(RSP_LEAST_USED, PPT_LEASTUSED);
	VALUE(RSP_LEAST_USED_DEGRADATION, PPT_LEASTUSED_DEGRADATION);
	VALUE(RSP_PRIORITY_LEAST_USED, PPT_PRIORITY_LEASTUSED);
	VALUE(RSP_RANDOMIZED_LEAST_USED, PPT_RANDOMIZED_LEASTUSED);

	/* tagitem.h and rserpool-internals.h */
	VALUE(TAG_DONE, 0);
	VALUE(TAG_END, 0);
	VALUE(TAG_IGNORE, 1);
	VALUE(TAG_MORE, 2);
	VALUE(TAG_SKIP, 3);
	VALUE(TAG_USER, 1000000);
	VALUE(TAG_PoolElement_Identifier, 1000000 + 1000);
	VALUE(TAG_RspSession_ConnectTimeout, 1000000 + 2000);
	VALUE(TAG_RspSession_HandleResolutionRetryDelay, 1000000 + 2001);
	VALUE(TAG_RspLib_CacheElementTimeout, 1000000 + 4000);
	VALUE(TAG_RspLib_RegistrarAnnounceAddress, 1000000 + 4001);
	VALUE(TAG_RspLib_RegistrarAnnounceTimeout, 1000000 + 4002);
	VALUE(TAG_RspLib_RegistrarConnectMaxTrials, 1000000 + 4003);
	VALUE(TAG_RspLib_RegistrarConnectTimeout, 1000000 + 4004);
	VALUE(TAG_RspLib_RegistrarRequestMaxTrials, 1000000 + 4005);
	VALUE(TAG_RspLib_RegistrarRequestTimeout, 1000000 + 4006);
	VALUE(TAG_RspLib_RegistrarResponseTimeout, 1000000 + 4007);

	/* rserpool-csp.h */
	VALUE(CID_GROUP_REGISTRAR, 1);
	VALUE(CID_GROUP_POOLELEMENT, 2);
	VALUE(CID_GROUP_POOLUSER, 3);
	cid = CID_COMPOUND(CID_GROUP_POOLUSER, 0x123456789abcdeULL);
	check_value("CID_COMPOUND(POOLUSER, 0x123456789abcde)", cid, 0x03123456789abcdeULL);
	check_value("CID_GROUP", CID_GROUP(cid), 3);
	check_value("CID_OBJECT", CID_OBJECT(cid), 0x123456789abcdeULL);
	check_value("CID_COMPOUND drops object bits 56-63",
	            CID_COMPOUND(CID_GROUP_REGISTRAR, 0xff00000000000001ULL), 0x0100000000000001ULL);
	check_value("CID_GROUP(1 + 1 << 56) (arguments parenthesized)",
	            CID_GROUP((uint64_t)1 + ((uint64_t)1 << 56)), 1);
}

int main(void)
{
	if (sizeof(void *) != 8 || sizeof(long) != 8 || sizeof(int) != 4) {
		printf("SKIP: the reference layouts are for LP64\n");
		return 77;
	}
	check_layouts();
	check_policy_alias();
	check_constants();
	printf("rserpool_layout: %d checks, %d failed (%s)\n", checks, failures,
	       RSP_ARITY_DISPATCH ? "draft-00 dispatch on" : "draft-00 dispatch off");
	return failures == 0 ? 0 : 1;
}
