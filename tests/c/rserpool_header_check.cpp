/*
 * rserpool_header_check.cpp - the C++ twin of rserpool_header_check.c.
 *
 * Compiled, never linked (rserpool_headers.cmake): as C++98, C++11 and
 * C++17 with -Wall -Wextra -Werror -pedantic -pedantic-errors
 * -Wold-style-cast, and as C++17 with RSP_API_DRAFT00 and with
 * RSP_API_RSPLIB. The headers must compile cleanly as C++ with C linkage;
 * from C++11 on decltype checks that every function has exactly its
 * rsplib type, and that each call shape reaches the intended function
 * through the dispatch macros (which need C++11's variadic macros).
 * rsplib itself is partly C++ (rspserver.cc, calcappclient.cc, ...), so
 * its programs' C++ habits are exercised: ::qualified calls, casts of
 * string literals to const unsigned char *, positional struct
 * initializers.
 */
#include <rserpool/rserpool.h>
#include <rserpool/rserpool-internals.h>
#include <rserpool/rserpool-policytypes.h>
#include <rserpool/rserpool-csp.h>
#include <rserpool/tagitem.h>
#include <rserpool.h>
#include <rserpool-internals.h>
#include <rserpool-policytypes.h>
#include <rserpool-csp.h>
#include <tagitem.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <arpa/inet.h>
#if __cplusplus >= 201103L
#include <type_traits>
#endif

#define STATIC_CHECK(name, cond) typedef char static_check_##name[(cond) ? 1 : -1]

#if __cplusplus >= 201103L && !defined(RSP_API_RSPLIB) && !defined(RSP_API_DRAFT00)
STATIC_CHECK(dispatch, RSP_ARITY_DISPATCH == 1);
#else
STATIC_CHECK(no_dispatch, RSP_ARITY_DISPATCH == 0);
#endif
#if defined(RSP_API_RSPLIB)
STATIC_CHECK(no_alias, RSP_HAVE_POLICY_ALIAS == 0);
#else
STATIC_CHECK(alias, RSP_HAVE_POLICY_ALIAS == 1); // anonymous unions are C++98
#endif
STATIC_CHECK(loadinfo_24, sizeof(rsp_loadinfo) == 24);
STATIC_CHECK(info_96, sizeof(rsp_info) == 96);
STATIC_CHECK(addrinfo_56, sizeof(rsp_addrinfo) == 56);
STATIC_CHECK(sndrcvinfo_20, sizeof(rsp_sndrcvinfo) == 20);
STATIC_CHECK(notification_20, sizeof(rserpool_notification) == 20);
STATIC_CHECK(tagitem_16, sizeof(TagItem) == 16);

#if __cplusplus >= 201103L
#define SAME_TYPE(fn, ...)                                                     \
	static_assert(std::is_same<decltype(&fn), __VA_ARGS__>::value, #fn " has its rsplib type")

SAME_TYPE(rsp_initinfo, void (*)(rsp_info *));
SAME_TYPE(rsp_freeinfo, void (*)(rsp_info *));
SAME_TYPE(rsp_initarg, int (*)(rsp_info *, const char *));
SAME_TYPE(rsp_initialize, int (*)(rsp_info *));
SAME_TYPE(rsp_cleanup, void (*)());
SAME_TYPE(rsp_pe_registration, unsigned int (*)(const unsigned char *, size_t, rsp_addrinfo *,
                                                const rsp_loadinfo *, unsigned int, int));
SAME_TYPE(rsp_pe_deregistration, unsigned int (*)(const unsigned char *, size_t, uint32_t, int));
SAME_TYPE(rsp_pe_failure, unsigned int (*)(const unsigned char *, size_t, uint32_t));
SAME_TYPE(rsp_getaddrinfo,
          int (*)(const unsigned char *, size_t, rsp_addrinfo **, size_t, unsigned int));
SAME_TYPE(rsp_freeaddrinfo, void (*)(rsp_addrinfo *));
SAME_TYPE(rsp_socket, int (*)(int, int, int));
SAME_TYPE(rsp_update_session_parameters, int (*)(int, rserpool_session_parameters *));
SAME_TYPE(rsp_bind, int (*)(int, const sockaddr *, int));
SAME_TYPE(rsp_listen, int (*)(int, int));
SAME_TYPE(rsp_getsockname, int (*)(int, unsigned char *, size_t *, uint32_t *));
SAME_TYPE(rsp_getpeername, int (*)(int, unsigned char *, size_t *, uint32_t *));
SAME_TYPE(rsp_close, int (*)(int));
SAME_TYPE(rsp_poll, int (*)(pollfd *, unsigned int, int));
SAME_TYPE(rsp_select, int (*)(int, fd_set *, fd_set *, fd_set *, timeval *));
SAME_TYPE(rsp_getsockopt, int (*)(int, int, int, void *, socklen_t *));
SAME_TYPE(rsp_setsockopt, int (*)(int, int, int, const void *, socklen_t));
SAME_TYPE(rsp_register,
          int (*)(int, const unsigned char *, size_t, const rsp_loadinfo *, unsigned int, int));
SAME_TYPE(rsp_deregister, int (*)(int, int));
SAME_TYPE(rsp_accept, int (*)(int, int));
SAME_TYPE(rsp_connect, int (*)(int, const unsigned char *, size_t, unsigned int));
SAME_TYPE(rsp_has_cookie, int (*)(int));
SAME_TYPE(rsp_forcefailover, int (*)(int, unsigned int, unsigned int));
SAME_TYPE(rsp_sendmsg, ssize_t (*)(int, const void *, size_t, unsigned int, rserpool_session_t,
                                   uint32_t, uint16_t, uint32_t, uint16_t, int));
SAME_TYPE(rsp_send_cookie, ssize_t (*)(int, const unsigned char *, size_t, rserpool_session_t, int));
SAME_TYPE(rsp_recvmsg, ssize_t (*)(int, void *, size_t, rsp_sndrcvinfo *, int *, int));
SAME_TYPE(rsp_recvfullmsg, ssize_t (*)(int, void *, size_t, rsp_sndrcvinfo *, int *, int));
SAME_TYPE(rsp_read, ssize_t (*)(int, void *, size_t));
SAME_TYPE(rsp_recv, ssize_t (*)(int, void *, size_t, int));
SAME_TYPE(rsp_write, ssize_t (*)(int, const char *, size_t));
SAME_TYPE(rsp_send, ssize_t (*)(int, const void *, size_t, int));
SAME_TYPE(rsp_mapsocket, int (*)(int, int));
SAME_TYPE(rsp_unmapsocket, int (*)(int));
SAME_TYPE(rsp_print_notification, void (*)(const rserpool_notification *, FILE *));
SAME_TYPE(rsp_getpolicybytype, const char *(*)(unsigned int));
SAME_TYPE(rsp_getpolicybyname, unsigned int (*)(const char *));
SAME_TYPE(rsp_csp_setstatus, int (*)(int, rserpool_session_t, const char *));

SAME_TYPE(rsp_pe_registration_tags,
          unsigned int (*)(const unsigned char *, size_t, rsp_addrinfo *, const rsp_loadinfo *,
                           unsigned int, int, TagItem *));
SAME_TYPE(rsp_pe_deregistration_tags,
          unsigned int (*)(const unsigned char *, size_t, uint32_t, int, TagItem *));
SAME_TYPE(rsp_pe_failure_tags, unsigned int (*)(const unsigned char *, size_t, uint32_t, TagItem *));
SAME_TYPE(rsp_getaddrinfo_tags, int (*)(const unsigned char *, size_t, rsp_addrinfo **, size_t,
                                        unsigned int, TagItem *));
SAME_TYPE(rsp_register_tags, int (*)(int, const unsigned char *, size_t, const rsp_loadinfo *,
                                     unsigned int, int, TagItem *));
SAME_TYPE(rsp_deregister_tags, int (*)(int, int, TagItem *));
SAME_TYPE(rsp_accept_tags, int (*)(int, int, TagItem *));
SAME_TYPE(rsp_connect_tags, int (*)(int, const unsigned char *, size_t, unsigned int, TagItem *));
SAME_TYPE(rsp_forcefailover_tags, int (*)(int, unsigned int, unsigned int, TagItem *));

SAME_TYPE(rsp_register_draft00, int (*)(int, const void *, size_t, const rsp_loadinfo *));
SAME_TYPE(rsp_deregister_draft00, int (*)(int));
SAME_TYPE(rsp_connect_draft00, int (*)(int, const void *, size_t));
SAME_TYPE(rsp_sendmsg_draft00, ssize_t (*)(int, const void *, size_t, const rsp_sndrcvinfo *, int));
SAME_TYPE(rsp_recvmsg_draft00, ssize_t (*)(int, void *, size_t, rsp_sndrcvinfo *, int));
SAME_TYPE(rsp_bind_draft00, int (*)(int, const sockaddr *, socklen_t));

SAME_TYPE(tagListAllocate, TagItem *(*)(size_t));
SAME_TYPE(tagListFree, void (*)(TagItem *));
SAME_TYPE(tagListGetSize, size_t (*)(TagItem *));
SAME_TYPE(tagListDuplicate, TagItem *(*)(TagItem *));
SAME_TYPE(tagListDuplicateFilter, TagItem *(*)(TagItem *, const tag_t *));
SAME_TYPE(tagListNext, TagItem *(*)(TagItem *));
SAME_TYPE(tagListFind, TagItem *(*)(TagItem *, tag_t));
SAME_TYPE(tagListGetData, tagdata_t (*)(TagItem *, tag_t, tagdata_t));
SAME_TYPE(tagListSetData, TagItem *(*)(TagItem *, tag_t, tagdata_t));
SAME_TYPE(tagListPrint, void (*)(TagItem *, FILE *));
#endif

/* Taking the address of the plain names gives the rsplib functions. */
int (*const p_rsp_register)(int, const unsigned char *, size_t, const rsp_loadinfo *, unsigned int,
                            int) = &rsp_register;
int (*const p_rsp_deregister)(int, int) = rsp_deregister;
int (*const p_rsp_connect)(int, const unsigned char *, size_t, unsigned int) = ::rsp_connect;
ssize_t (*const p_rsp_sendmsg)(int, const void *, size_t, unsigned int, rserpool_session_t, uint32_t,
                               uint16_t, uint32_t, uint16_t, int) = &::rsp_sendmsg;
ssize_t (*const p_rsp_recvmsg)(int, void *, size_t, rsp_sndrcvinfo *, int *, int) = rsp_recvmsg;

/* In C++ the policy alias also allows positional initializers without warnings. */
const rsp_loadinfo positional = { PPT_WEIGHTED_ROUNDROBIN, 5, 0, 0, 0, 0 };

#if !defined(RSP_API_DRAFT00)
/* rsplib style, as in rspserver.cc / calcappclient.cc. */
int rsplib_style(int sd);
int rsplib_style(int sd)
{
	rsp_loadinfo loadinfo;
	rsp_sndrcvinfo rinfo;
	TagItem tags[2];
	char buffer[256];
	int flags = 0;

	std::memset(&loadinfo, 0, sizeof(loadinfo));
	loadinfo.rli_policy = rsp_getpolicybyname("LeastUsed");
	loadinfo.rli_load = PPV_MAX_LOAD / 4;
	tags[0].Tag = TAG_PoolElement_Identifier;
	tags[0].Data = 0;
	tags[1].Tag = TAG_DONE;
	tags[1].Data = 0;
	if (rsp_register_tags(sd, reinterpret_cast<const unsigned char *>("CalcAppPool"), 11,
	                      &loadinfo, 30000, REGF_CONTROLCHANNEL, tags) < 0)
		return -1;
	if (::rsp_register(sd, reinterpret_cast<const unsigned char *>("CalcAppPool"), 11, &loadinfo,
	                   30000, REGF_DONTWAIT) < 0)
		return -1;
	const ssize_t received = rsp_recvfullmsg(sd, buffer, sizeof(buffer), &rinfo, &flags, -1);
	if (received > 0 && !(flags & MSG_RSERPOOL_NOTIFICATION))
		::rsp_sendmsg(sd, buffer, static_cast<size_t>(received), 0, rinfo.rinfo_session,
		              htonl(34), rinfo.rinfo_stream, 0, 0, -1);
	if (rsp_recvmsg(sd, buffer, sizeof(buffer), &rinfo, &flags, 1000) > 0 &&
	    (flags & MSG_RSERPOOL_NOTIFICATION)) {
		const rserpool_notification *n = reinterpret_cast<const rserpool_notification *>(buffer);
		if (n->rn_header.rn_type == RSERPOOL_FAILOVER &&
		    n->rn_failover.rf_state == RSERPOOL_FAILOVER_NECESSARY)
			rsp_forcefailover(sd, FFF_NONE, 0);
	}
	(rsp_connect)(sd, reinterpret_cast<const unsigned char *>("x"), 1, 0);
	return rsp_deregister(sd, 0);
}
#endif

#if RSP_ARITY_DISPATCH || defined(RSP_API_DRAFT00)
/* The draft-00 echo PE (section 5), sinfo typo fixed; string literals need no cast. */
int draft00_echo_pe();
int draft00_echo_pe()
{
	sockaddr_in server_addr;
	rsp_loadinfo linfo;
	rsp_sndrcvinfo sinfo;
	char buf[1024];

	int fd = rsp_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP);
	std::memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_ANY);
	server_addr.sin_port = htons(7);
	rsp_bind(fd, reinterpret_cast<const sockaddr *>(&server_addr), sizeof(server_addr));
	std::memset(&linfo, 0, sizeof(rsp_loadinfo));
	linfo.policy = RSP_ROUND_ROBIN;
	rsp_register(fd, "echo", 4, &linfo);
	for (;;) {
		std::memset(&sinfo, 0, sizeof(rsp_sndrcvinfo));
		const ssize_t len = rsp_recvmsg(fd, buf, sizeof(buf), &sinfo, 0);
		if (len <= 0)
			break;
		rsp_sendmsg(fd, buf, static_cast<size_t>(len), &sinfo, 0);
		rsp_sendmsg(fd, buf, static_cast<size_t>(len), NULL, 0);
#if __cplusplus >= 201103L
		rsp_sendmsg(fd, buf, static_cast<size_t>(len), nullptr, 0);
#endif
	}
	rsp_deregister(fd);
	::rsp_connect(fd, "echo", 4);
	return rsp_close(fd);
}
#endif

#if __cplusplus >= 201103L && (RSP_ARITY_DISPATCH || defined(RSP_API_DRAFT00))
/*
 * Which function each shape reaches: from here on the draft entry points
 * are markers (see rserpool_layout.c). decltype does not evaluate.
 */
namespace shapes {
extern int fd;
extern int flags;
extern char buf[16];
extern rsp_loadinfo linfo;
extern rsp_sndrcvinfo sinfo;
extern const unsigned char handle[4];
} // namespace shapes
struct picked_draft00;
#define rsp_register_draft00(...)   static_cast<picked_draft00 *>(nullptr)
#define rsp_deregister_draft00(...) static_cast<picked_draft00 *>(nullptr)
#define rsp_connect_draft00(...)    static_cast<picked_draft00 *>(nullptr)
#define rsp_sendmsg_draft00(...)    static_cast<picked_draft00 *>(nullptr)
#define rsp_recvmsg_draft00(...)    static_cast<picked_draft00 *>(nullptr)
#define PICKS(call, type) static_assert(std::is_same<decltype(call), type>::value, #call)

PICKS(rsp_register(shapes::fd, "echo", 4, &shapes::linfo), picked_draft00 *);
PICKS(rsp_deregister(shapes::fd), picked_draft00 *);
PICKS(rsp_connect(shapes::fd, "echo", 4), picked_draft00 *);
PICKS(rsp_sendmsg(shapes::fd, shapes::buf, 1, &shapes::sinfo, 0), picked_draft00 *);
PICKS(rsp_sendmsg(shapes::fd, shapes::buf, 1, nullptr, 0), picked_draft00 *);
PICKS(rsp_recvmsg(shapes::fd, shapes::buf, 1, &shapes::sinfo, 0), picked_draft00 *);
PICKS(rsp_recvmsg(shapes::fd, shapes::buf, 1, NULL, 0), picked_draft00 *);
#if RSP_ARITY_DISPATCH
PICKS(rsp_register(shapes::fd, shapes::handle, 4, &shapes::linfo, 30000, 0), int);
PICKS(::rsp_register(shapes::fd, shapes::handle, 4, &shapes::linfo, 30000, 0), int);
PICKS(rsp_deregister(shapes::fd, 0), int);
PICKS(rsp_connect(shapes::fd, shapes::handle, 4, 0), int);
PICKS(rsp_sendmsg(shapes::fd, shapes::buf, 1, 0, 0, 0, 0, 0, 0, -1), ssize_t);
PICKS(rsp_recvmsg(shapes::fd, shapes::buf, 1, &shapes::sinfo, &shapes::flags, -1), ssize_t);
/* A template argument list with a comma must be parenthesized. */
PICKS(rsp_connect(shapes::fd, shapes::handle, (std::is_same<int, int>::value ? 4 : 4), 0), int);
#endif
#endif
