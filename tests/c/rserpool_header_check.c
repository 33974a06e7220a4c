/*
 * rserpool_header_check.c - the RSerPool headers as C programs see them.
 *
 * Compiled, never linked or run (rserpool_headers.cmake builds it as object
 * libraries): as C89, C99 and C11 with -Wall -Wextra -Werror -pedantic
 * -pedantic-errors, and as C99/C11 with each compile-time switch of
 * rserpool.h. A header that is not clean in one of them fails the build.
 *
 *  - Every header is included, through both include paths (<rserpool.h>
 *    and rsplib's <rserpool/rserpool.h>), twice: the guards hold.
 *  - Every function of rserpool.h, rserpool-internals.h and tagitem.h is
 *    assigned to a pointer of its exact rsplib prototype (a changed
 *    parameter or return type is a constraint violation, an error here).
 *  - The draft-00 echo PE and PU of draft-ietf-rserpool-api-00 section 5
 *    (with the draft's typos fixed: a missing ")", sinfo passed by value,
 *    "(fd_set *), NULL", the undeclared len, Stevens' Read(), BSD's
 *    sin_len) and rsplib-style code compile against the same header,
 *    where the switches allow.
 *  - With variadic macros, the dispatch is checked again with GCC's
 *    __builtin_types_compatible_p (the C11 _Generic twin is in
 *    rserpool_layout.c).
 *
 * Written so that the C89 build can compile it: no // comments,
 * declarations first; C99-only parts are under #if.
 */
#if defined(NC_INCLUDE_RSPLIB_PATH_FIRST)
#include <rserpool/rserpool.h>
#include <rserpool/rserpool-internals.h>
#include <rserpool/tagitem.h>
#endif
#include <rserpool.h>
#include <rserpool-internals.h>
#include <rserpool-policytypes.h>
#include <rserpool-csp.h>
#include <tagitem.h>
#include <rserpool/rserpool.h>
#include <rserpool/rserpool-internals.h>
#include <rserpool/rserpool-policytypes.h>
#include <rserpool/rserpool-csp.h>
#include <rserpool/tagitem.h>
#include <rserpool.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <unistd.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define NC_C99 1
#else
#define NC_C99 0
#endif

/* A compile-time check usable in C89 at file scope. */
#define STATIC_CHECK(name, cond) typedef char static_check_##name[(cond) ? 1 : -1]

/* What each switch must give. */
#if defined(RSP_API_RSPLIB) || defined(RSP_NO_ARITY_DISPATCH) || defined(RSP_API_DRAFT00) || !NC_C99
STATIC_CHECK(no_dispatch, RSP_ARITY_DISPATCH == 0);
#else
STATIC_CHECK(dispatch, RSP_ARITY_DISPATCH == 1);
#endif
#if defined(RSP_API_RSPLIB) || defined(RSP_NO_POLICY_ALIAS)
STATIC_CHECK(no_alias, RSP_HAVE_POLICY_ALIAS == 0);
#else
/* GCC: standard in C11, __extension__ before it. */
STATIC_CHECK(alias, RSP_HAVE_POLICY_ALIAS == 1);
#endif
STATIC_CHECK(loadinfo_24, sizeof(struct rsp_loadinfo) == 24);
STATIC_CHECK(policy_first, offsetof(struct rsp_loadinfo, rli_policy) == 0);
STATIC_CHECK(weight_4, offsetof(struct rsp_loadinfo, rli_weight) == 4);
STATIC_CHECK(round_robin, RSP_ROUND_ROBIN == PPT_ROUNDROBIN);

/*
 * rserpool.h: the rsplib prototypes. In every mode the names used as
 * values (no "(" after them) are the rsplib functions.
 */
void (*const p_rsp_initinfo)(struct rsp_info *) = rsp_initinfo;
void (*const p_rsp_freeinfo)(struct rsp_info *) = rsp_freeinfo;
int (*const p_rsp_initarg)(struct rsp_info *, const char *) = rsp_initarg;
int (*const p_rsp_initialize)(struct rsp_info *) = rsp_initialize;
void (*const p_rsp_cleanup)(void) = rsp_cleanup;
unsigned int (*const p_rsp_pe_registration)(const unsigned char *, const size_t,
                                            struct rsp_addrinfo *, const struct rsp_loadinfo *,
                                            unsigned int, const int) = rsp_pe_registration;
unsigned int (*const p_rsp_pe_deregistration)(const unsigned char *, const size_t,
                                              const uint32_t, const int) = rsp_pe_deregistration;
unsigned int (*const p_rsp_pe_failure)(const unsigned char *, const size_t, const uint32_t) =
	rsp_pe_failure;
int (*const p_rsp_getaddrinfo)(const unsigned char *, const size_t, struct rsp_addrinfo **,
                               const size_t, const unsigned int) = rsp_getaddrinfo;
void (*const p_rsp_freeaddrinfo)(struct rsp_addrinfo *) = rsp_freeaddrinfo;
int (*const p_rsp_socket)(int, int, int) = rsp_socket;
int (*const p_rsp_update_session_parameters)(int, struct rserpool_session_parameters *) =
	rsp_update_session_parameters;
int (*const p_rsp_bind)(int, const struct sockaddr *, int) = rsp_bind;
int (*const p_rsp_listen)(int, int) = rsp_listen;
int (*const p_rsp_getsockname)(int, unsigned char *, size_t *, uint32_t *) = rsp_getsockname;
int (*const p_rsp_getpeername)(int, unsigned char *, size_t *, uint32_t *) = rsp_getpeername;
int (*const p_rsp_close)(int) = rsp_close;
int (*const p_rsp_poll)(struct pollfd *, unsigned int, int) = rsp_poll;
int (*const p_rsp_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *) = rsp_select;
int (*const p_rsp_getsockopt)(int, int, int, void *, socklen_t *) = rsp_getsockopt;
int (*const p_rsp_setsockopt)(int, int, int, const void *, socklen_t) = rsp_setsockopt;
int (*const p_rsp_register)(int, const unsigned char *, const size_t,
                            const struct rsp_loadinfo *, unsigned int, int) = rsp_register;
int (*const p_rsp_deregister)(int, int) = rsp_deregister;
int (*const p_rsp_accept)(int, int) = rsp_accept;
int (*const p_rsp_connect)(int, const unsigned char *, const size_t, const unsigned int) =
	rsp_connect;
int (*const p_rsp_has_cookie)(int) = rsp_has_cookie;
int (*const p_rsp_forcefailover)(int, const unsigned int, const unsigned int) = rsp_forcefailover;
ssize_t (*const p_rsp_sendmsg)(int, const void *, size_t, unsigned int, rserpool_session_t,
                               uint32_t, uint16_t, uint32_t, uint16_t, int) = rsp_sendmsg;
ssize_t (*const p_rsp_send_cookie)(int, const unsigned char *, const size_t, rserpool_session_t,
                                   int) = rsp_send_cookie;
ssize_t (*const p_rsp_recvmsg)(int, void *, size_t, struct rsp_sndrcvinfo *, int *, int) =
	rsp_recvmsg;
ssize_t (*const p_rsp_recvfullmsg)(int, void *, size_t, struct rsp_sndrcvinfo *, int *, int) =
	rsp_recvfullmsg;
ssize_t (*const p_rsp_read)(int, void *, size_t) = rsp_read;
ssize_t (*const p_rsp_recv)(int, void *, size_t, int) = rsp_recv;
ssize_t (*const p_rsp_write)(int, const char *, size_t) = rsp_write;
ssize_t (*const p_rsp_send)(int, const void *, size_t, int) = rsp_send;
int (*const p_rsp_mapsocket)(int, int) = rsp_mapsocket;
int (*const p_rsp_unmapsocket)(int) = rsp_unmapsocket;
void (*const p_rsp_print_notification)(const union rserpool_notification *, FILE *) =
	rsp_print_notification;
const char *(*const p_rsp_getpolicybytype)(unsigned int) = rsp_getpolicybytype;
unsigned int (*const p_rsp_getpolicybyname)(const char *) = rsp_getpolicybyname;
int (*const p_rsp_csp_setstatus)(int, rserpool_session_t, const char *) = rsp_csp_setstatus;

/* rserpool-internals.h */
unsigned int (*const p_rsp_pe_registration_tags)(const unsigned char *, const size_t,
                                                 struct rsp_addrinfo *,
                                                 const struct rsp_loadinfo *,
                                                 const unsigned int, const int,
                                                 struct TagItem *) = rsp_pe_registration_tags;
unsigned int (*const p_rsp_pe_deregistration_tags)(const unsigned char *, const size_t,
                                                   const uint32_t, const int, struct TagItem *) =
	rsp_pe_deregistration_tags;
unsigned int (*const p_rsp_pe_failure_tags)(const unsigned char *, const size_t, const uint32_t,
                                            struct TagItem *) = rsp_pe_failure_tags;
int (*const p_rsp_getaddrinfo_tags)(const unsigned char *, const size_t, struct rsp_addrinfo **,
                                    const size_t, const unsigned int, struct TagItem *) =
	rsp_getaddrinfo_tags;
int (*const p_rsp_register_tags)(int, const unsigned char *, const size_t,
                                 const struct rsp_loadinfo *, const unsigned int, const int,
                                 struct TagItem *) = rsp_register_tags;
int (*const p_rsp_deregister_tags)(int, int, struct TagItem *) = rsp_deregister_tags;
int (*const p_rsp_accept_tags)(int, int, struct TagItem *) = rsp_accept_tags;
int (*const p_rsp_connect_tags)(int, const unsigned char *, const size_t, const unsigned int,
                                struct TagItem *) = rsp_connect_tags;
int (*const p_rsp_forcefailover_tags)(int, const unsigned int, const unsigned int,
                                      struct TagItem *) = rsp_forcefailover_tags;

/* The draft-00 entry points, by their own names. */
int (*const p_rsp_register_draft00)(int, const void *, size_t, const struct rsp_loadinfo *) =
	rsp_register_draft00;
int (*const p_rsp_deregister_draft00)(int) = rsp_deregister_draft00;
int (*const p_rsp_connect_draft00)(int, const void *, size_t) = rsp_connect_draft00;
ssize_t (*const p_rsp_sendmsg_draft00)(int, const void *, size_t, const struct rsp_sndrcvinfo *,
                                       int) = rsp_sendmsg_draft00;
ssize_t (*const p_rsp_recvmsg_draft00)(int, void *, size_t, struct rsp_sndrcvinfo *, int) =
	rsp_recvmsg_draft00;
int (*const p_rsp_bind_draft00)(int, const struct sockaddr *, socklen_t) = rsp_bind_draft00;

/* tagitem.h */
struct TagItem *(*const p_tagListAllocate)(const size_t) = tagListAllocate;
void (*const p_tagListFree)(struct TagItem *) = tagListFree;
size_t (*const p_tagListGetSize)(struct TagItem *) = tagListGetSize;
struct TagItem *(*const p_tagListDuplicate)(struct TagItem *) = tagListDuplicate;
struct TagItem *(*const p_tagListDuplicateFilter)(struct TagItem *, const tag_t *) =
	tagListDuplicateFilter;
struct TagItem *(*const p_tagListNext)(struct TagItem *) = tagListNext;
struct TagItem *(*const p_tagListFind)(struct TagItem *, const tag_t) = tagListFind;
tagdata_t (*const p_tagListGetData)(struct TagItem *, const tag_t, const tagdata_t) =
	tagListGetData;
struct TagItem *(*const p_tagListSetData)(struct TagItem *, const tag_t, const tagdata_t) =
	tagListSetData;
void (*const p_tagListPrint)(struct TagItem *, FILE *) = tagListPrint;

/* A tag list as rsplib's servers build it. */
int register_with_tags(int sd, const struct rsp_loadinfo *loadinfo);
int register_with_tags(int sd, const struct rsp_loadinfo *loadinfo)
{
	struct TagItem tags[2];

	tags[0].Tag = TAG_PoolElement_Identifier;
	tags[0].Data = 0x12345678;
	tags[1].Tag = TAG_DONE;
	tags[1].Data = 0;
	return rsp_register_tags(sd, (const unsigned char *)"EchoPool", 8, loadinfo, 30000,
	                         REGF_CONTROLCHANNEL, tags);
}

#if !defined(RSP_API_DRAFT00)
/*
 * rsplib 3.x style: rsplib's own echo PE example and its rspterminal-like
 * PU, as they would be written against an installed rsplib.
 */
int rsplib_echo_pe(int argc, char **argv);
int rsplib_echo_pe(int argc, char **argv)
{
	const char *poolHandle = "EchoPool";
	struct rsp_info info;
	struct rsp_loadinfo loadInfo;
	struct rsp_sndrcvinfo rinfo;
	char buffer[65536];
	ssize_t received;
	int flags;
	int fd;
	int i;

	rsp_initinfo(&info);
	for (i = 1; i < argc; i++) {
		if (rsp_initarg(&info, argv[i]))
			continue;
		if (strncmp(argv[i], "-poolhandle=", 12) == 0)
			poolHandle = &argv[i][12];
	}
	if (rsp_initialize(&info) < 0)
		return 1;
	memset(&loadInfo, 0, sizeof(loadInfo));
	loadInfo.rli_policy = PPT_LEASTUSED;
	loadInfo.rli_load = PPV_MAX_LOAD / 2;
	fd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (fd >= 0 && rsp_listen(fd, 10) == 0 &&
	    rsp_register(fd, (const unsigned char *)poolHandle, strlen(poolHandle), &loadInfo,
	                 30000, 0) == 0) {
		for (;;) {
			flags = 0;
			received = rsp_recvfullmsg(fd, buffer, sizeof(buffer), &rinfo, &flags, -1);
			if (received <= 0)
				break;
			if (flags & MSG_RSERPOOL_NOTIFICATION) {
				rsp_print_notification((const union rserpool_notification *)buffer,
				                       stdout);
				puts("");
			} else if (!(flags & MSG_RSERPOOL_COOKIE_ECHO)) {
				rsp_sendmsg(fd, buffer, (size_t)received, 0, rinfo.rinfo_session,
				            rinfo.rinfo_ppid, rinfo.rinfo_stream, 0, 0, 0);
			}
		}
		rsp_deregister(fd, 0);
	}
	if (fd >= 0)
		rsp_close(fd);
	rsp_cleanup();
	rsp_freeinfo(&info);
	return 0;
}

int rsplib_pu(void);
int rsplib_pu(void)
{
	struct rsp_sndrcvinfo rinfo;
	struct pollfd ufds[2];
	struct rsp_addrinfo *ai = NULL;
	char buffer[1024];
	ssize_t n;
	int flags;
	int sd;

	if (rsp_initialize(NULL) < 0)
		return 1;
	if (rsp_getaddrinfo((const unsigned char *)"EchoPool", 8, &ai, RSPGETADDRS_MIN, 0) > 0)
		rsp_freeaddrinfo(ai);
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (sd < 0 || rsp_connect(sd, (const unsigned char *)"EchoPool", 8, 0) < 0)
		return 1;
	ufds[0].fd = STDIN_FILENO;
	ufds[0].events = POLLIN;
	ufds[1].fd = sd;
	ufds[1].events = POLLIN;
	while (rsp_poll(ufds, 2, -1) > 0) {
		if (ufds[0].revents & POLLIN) {
			n = rsp_read(STDIN_FILENO, buffer, sizeof(buffer));
			if (n <= 0)
				break;
			if (rsp_sendmsg(sd, buffer, (size_t)n, 0, 0, htonl(7), 0, 0, 0, -1) < 0)
				rsp_forcefailover(sd, FFF_UNREACHABLE, 0);
		}
		if (ufds[1].revents & POLLIN) {
			flags = 0;
			n = rsp_recvmsg(sd, buffer, sizeof(buffer), &rinfo, &flags, 0);
			if (n > 0 && !(flags & MSG_RSERPOOL_NOTIFICATION))
				rsp_write(STDOUT_FILENO, buffer, (size_t)n);
		}
	}
	rsp_close(sd);
	rsp_cleanup();
	return 0;
}
#endif /* !RSP_API_DRAFT00 */

#if RSP_ARITY_DISPATCH || defined(RSP_API_DRAFT00)
/*
 * draft-ietf-rserpool-api-00 section 5: the echo PE. The draft passes
 * sinfo by value to rsp_sendmsg; that typo is fixed (&sinfo).
 */
int draft00_echo_pe(void);
int draft00_echo_pe(void)
{
	struct rsp_info info;
	struct sockaddr_in server_addr;
	struct rsp_loadinfo linfo;
	struct rsp_sndrcvinfo sinfo;
	char buf[1024];
	ssize_t len;
	int fd;

	memset(&info, 0, sizeof(info));
	rsp_initialize(&info);
	fd = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_ANY);
	server_addr.sin_port = htons(7);
	rsp_bind(fd, (const struct sockaddr *)&server_addr, sizeof(server_addr));
	memset(&linfo, 0, sizeof(struct rsp_loadinfo));
#if RSP_HAVE_POLICY_ALIAS
	linfo.policy = RSP_ROUND_ROBIN;
#else
	linfo.rli_policy = RSP_ROUND_ROBIN;
#endif
	rsp_register(fd, "echo", 4, &linfo);
	while (1) {
		memset(&sinfo, 0, sizeof(struct rsp_sndrcvinfo));
		len = rsp_recvmsg(fd, (void *)buf, sizeof(buf), &sinfo, 0);
		if (len <= 0)
			break;
		rsp_sendmsg(fd, (const void *)buf, (size_t)len, &sinfo, 0);
	}
	rsp_deregister(fd);
	rsp_close(fd);
	rsp_cleanup();
	return 0;
}

/* draft-ietf-rserpool-api-00 section 5: the echo PU. */
int draft00_echo_pu(void);
int draft00_echo_pu(void)
{
	fd_set rset;
	char buf[1024];
	ssize_t n;
	int done;
	int fd;

	rsp_initialize(NULL);
	fd = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	rsp_connect(fd, "echo", 4);
	done = 0;
	FD_ZERO(&rset);
	while (!done) {
		FD_SET(0, &rset);
		FD_SET(fd, &rset);
		rsp_select(fd + 1, &rset, NULL, NULL, NULL);
		if (FD_ISSET(0, &rset)) {
			n = read(0, (void *)buf, sizeof(buf));
			if (n == 0)
				done = 1;
			else
				rsp_sendmsg(fd, (const void *)buf, (size_t)n, NULL, 0);
		}
		if (FD_ISSET(fd, &rset)) {
			n = rsp_recvmsg(fd, (void *)buf, sizeof(buf) - 1, NULL, 0);
			if (n > 0) {
				buf[n] = '\0';
				printf("%s", buf);
			}
		}
	}
	rsp_close(fd);
	return 0;
}
#endif /* draft shapes */

#if NC_C99 && RSP_HAVE_POLICY_ALIAS
/* Designated initializers reach members of the anonymous union. */
const struct rsp_loadinfo designated_loadinfo = { .policy = RSP_LEAST_USED, .rli_load = 1 };
const struct rsp_loadinfo designated_loadinfo2 = { .rli_policy = PPT_ROUNDROBIN };
#endif

#if NC_C99 && !RSP_HAVE_POLICY_ALIAS
/* Without the alias the struct is rsplib's: positional initializers are warning-free. */
const struct rsp_loadinfo positional_loadinfo = { PPT_WEIGHTED_ROUNDROBIN, 3, 0, 0, 0, 0 };
#endif

#if !RSP_ARITY_DISPATCH && !defined(RSP_API_DRAFT00)
/* Without dispatch the rsplib names are plain functions, not macros. */
#if defined(rsp_register) || defined(rsp_deregister) || defined(rsp_connect) || \
	defined(rsp_sendmsg) || defined(rsp_recvmsg)
#error "rsp_* names are macros although dispatch is off"
#endif
#endif
#if !defined(RSP_DRAFT00_BIND) && !defined(RSP_API_DRAFT00) && defined(rsp_bind)
#error "rsp_bind is a macro although RSP_DRAFT00_BIND is not defined"
#endif

#if NC_C99 && (RSP_ARITY_DISPATCH || defined(RSP_API_DRAFT00) || defined(RSP_DRAFT00_BIND))
/*
 * Which function each call shape reaches, seen through GCC's
 * __builtin_types_compatible_p: from here on the draft entry points are
 * markers (see rserpool_layout.c for the idea). Nothing below is
 * evaluated or linked.
 */
extern int c_fd;
extern int c_flags;
extern char c_buf[16];
extern struct rsp_loadinfo c_linfo;
extern struct rsp_sndrcvinfo c_sinfo;
struct picked_draft00;
#define rsp_register_draft00(...)   ((struct picked_draft00 *)0)
#define rsp_deregister_draft00(...) ((struct picked_draft00 *)0)
#define rsp_connect_draft00(...)    ((struct picked_draft00 *)0)
#define rsp_sendmsg_draft00(...)    ((struct picked_draft00 *)0)
#define rsp_recvmsg_draft00(...)    ((struct picked_draft00 *)0)
#define rsp_bind_draft00(...)       ((struct picked_draft00 *)0)
#define IS_DRAFT(call) __builtin_types_compatible_p(__typeof__(call), struct picked_draft00 *)
#define IS_TYPE(call, type) __builtin_types_compatible_p(__typeof__(call), type)

#if RSP_ARITY_DISPATCH || defined(RSP_API_DRAFT00)
STATIC_CHECK(register_4, IS_DRAFT(rsp_register(c_fd, "echo", 4, &c_linfo)));
STATIC_CHECK(deregister_1, IS_DRAFT(rsp_deregister(c_fd)));
STATIC_CHECK(connect_3, IS_DRAFT(rsp_connect(c_fd, "echo", 4)));
STATIC_CHECK(sendmsg_5, IS_DRAFT(rsp_sendmsg(c_fd, c_buf, 1, NULL, 0)));
STATIC_CHECK(sendmsg_5s, IS_DRAFT(rsp_sendmsg(c_fd, c_buf, 1, &c_sinfo, 0)));
STATIC_CHECK(recvmsg_5, IS_DRAFT(rsp_recvmsg(c_fd, c_buf, 1, &c_sinfo, 0)));
STATIC_CHECK(recvmsg_5n, IS_DRAFT(rsp_recvmsg(c_fd, c_buf, 1, NULL, 0)));
#endif
#if RSP_ARITY_DISPATCH
STATIC_CHECK(register_6, IS_TYPE(rsp_register(c_fd, (const unsigned char *)"echo", 4, &c_linfo,
                                              30000, 0),
                                 int));
STATIC_CHECK(deregister_2, IS_TYPE(rsp_deregister(c_fd, 0), int));
STATIC_CHECK(connect_4, IS_TYPE(rsp_connect(c_fd, (const unsigned char *)"echo", 4, 0), int));
STATIC_CHECK(sendmsg_10, IS_TYPE(rsp_sendmsg(c_fd, c_buf, 1, 0, 0, 0, 0, 0, 0, -1), ssize_t));
STATIC_CHECK(recvmsg_6, IS_TYPE(rsp_recvmsg(c_fd, c_buf, 1, &c_sinfo, &c_flags, -1), ssize_t));
#endif
#if defined(RSP_DRAFT00_BIND) || defined(RSP_API_DRAFT00)
STATIC_CHECK(bind_draft00, IS_DRAFT(rsp_bind(c_fd, (const struct sockaddr *)c_buf, 16)));
#else
STATIC_CHECK(bind_rsplib, IS_TYPE(rsp_bind(c_fd, (const struct sockaddr *)c_buf, 16), int));
#endif
#endif
