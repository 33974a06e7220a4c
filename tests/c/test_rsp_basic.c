/*
 * test_rsp_basic: rsplib's library set-up and basic mode against a real
 * registrar (build/rspregistrar, started here as a child process):
 *
 *   - rsp_initinfo / rsp_initarg for every option (return values, effect
 *     on struct rsp_info), rsp_freeinfo, the policy-name helpers for all
 *     19 codes, and calls before rsp_initialize - none of which loads the
 *     Go core;
 *   - rsp_initialize (version fields, a second call), three pool elements
 *     registered with rsp_pe_registration (chosen and given PE identifiers,
 *     IPv4 and IPv6 addresses, several policies), rsp_getaddrinfo's lists
 *     (packed sockaddrs, ports, identifiers, family/socktype/protocol),
 *     re-registration, REGF_DONTWAIT, rsp_pe_failure three times,
 *     rsp_pe_deregistration (also DEREGF_DONTWAIT), REAI_NONAME, a policy
 *     clash, bad arguments, rsp_cleanup and a second rsp_initialize.
 *
 * The registrar reports its port through -portfile, watched with inotify;
 * nothing waits by sleeping.
 */
#include "nctest.h"
#include "rsptest.h"

#include <limits.h>
#include <sys/inotify.h>

#include <rserpool.h>
#include <rserpool-internals.h>

#define RSPERR_INCOMPATIBLE_POOL_POLICY 0x0005
#define RSPERR_INCONSISTENT_TRANSPORT   0x0007
#define RSPERR_WRONG_CONTROLCHANNEL_HANDLING 0x0008
#define RSPERR_NOT_FOUND                0x0009
#define RSPERR_NOT_INITIALIZED          0x1000
#define RSPERR_INVALID_POOL_HANDLE      0xf004
#define RSPERR_INVALID_ADDRESSES        0xf005


/* ---------------------------------------------------------------------- */

static void test_policy_names(void)
{
	static const struct {
		unsigned int type;
		const char *name;
	} want[] = {
		{PPT_ROUNDROBIN, "RoundRobin"},
		{PPT_WEIGHTED_ROUNDROBIN, "WeightedRoundRobin"},
		{PPT_RANDOM, "Random"},
		{PPT_WEIGHTED_RANDOM, "WeightedRandom"},
		{PPT_PRIORITY, "Priority"},
		{PPT_LEASTUSED, "LeastUsed"},
		{PPT_LEASTUSED_DEGRADATION, "LeastUsedDegradation"},
		{PPT_PRIORITY_LEASTUSED, "PriorityLeastUsed"},
		{PPT_RANDOMIZED_LEASTUSED, "RandomizedLeastUsed"},
		{PPT_RANDOMIZED_PRIORITY_LEASTUSED, "RandomizedPriorityLeastUsed"},
		{PPT_RANDOMIZED_LEASTUSED_DEGRADATION, "RandomizedLeastUsedDegradation"},
		{PPT_PRIORITY_LEASTUSED_DEGRADATION, "PriorityLeastUsedDegradation"},
		{PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION, "RandomizedPriorityLeastUsedDegradation"},
		{PPT_WEIGHTED_RANDOM_DPF, "WeightedRandomDPF"},
		{PPT_LEASTUSED_DPF, "LeastUsedDPF"},
		{PPT_LEASTUSED_DEGRADATION_DPF, "LeastUsedDegradationDPF"},
		{PPT_PRIORITY_LEASTUSED_DPF, "PriorityLeastUsedDPF"},
		{PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF, "PriorityLeastUsedDegradationDPF"},
	};
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *n = rsp_getpolicybytype(want[i].type);
		CHECK(n != NULL);
		CHECK(strcmp(n, want[i].name) == 0);
		CHECK(rsp_getpolicybytype(want[i].type) == n); /* a static string */
		CHECK_EQ(rsp_getpolicybyname(want[i].name), want[i].type);
	}
	/* the 19th code: PPT_UNDEFINED has no name */
	CHECK(rsp_getpolicybytype(PPT_UNDEFINED) == NULL);
	CHECK(rsp_getpolicybytype(0x40000005) == NULL);
	CHECK(rsp_getpolicybytype(0xffffffff) == NULL);
	CHECK_EQ(rsp_getpolicybyname("roundrobin"), PPT_UNDEFINED); /* exact spelling */
	CHECK_EQ(rsp_getpolicybyname(""), PPT_UNDEFINED);
	CHECK_EQ(rsp_getpolicybyname("Undefined"), PPT_UNDEFINED);
	CHECK_EQ(rsp_getpolicybyname(NULL), PPT_UNDEFINED);
}

/* Address number i of a registrar entry (packed). */
static const struct sockaddr *packed_at(const struct sockaddr *a, size_t i)
{
	const char *p = (const char *)a;
	while (i-- > 0)
		p += ((const struct sockaddr *)p)->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                                      : sizeof(struct sockaddr_in);
	return (const struct sockaddr *)p;
}

static void check_in4(const struct sockaddr *sa, const char *addr, unsigned short port)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
	char buf[INET_ADDRSTRLEN];
	CHECK_EQ(in->sin_family, AF_INET);
	CHECK_EQ(ntohs(in->sin_port), port);
	CHECK(inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != NULL);
	CHECK(strcmp(buf, addr) == 0);
}

static void check_in6(const struct sockaddr *sa, const char *addr, unsigned short port)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	char buf[INET6_ADDRSTRLEN];
	CHECK_EQ(in6->sin6_family, AF_INET6);
	CHECK_EQ(ntohs(in6->sin6_port), port);
	CHECK(inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) != NULL);
	CHECK(strcmp(buf, addr) == 0);
}

static void test_initarg(void)
{
	struct rsp_info info;
	const struct rsp_registrar_info *ri;

	memset(&info, 0xa5, sizeof info);
	unsetenv("CSP_SERVER");
	unsetenv("CSP_INTERVAL");
	rsp_initinfo(&info);
	{
		struct rsp_info zero;
		memset(&zero, 0, sizeof zero);
		CHECK(memcmp(&info, &zero, sizeof info) == 0);
	}
	rsp_initinfo(NULL); /* no crash */

	/* not rsplib options */
	CHECK_EQ(rsp_initarg(&info, "-port=1234"), 0);
	CHECK_EQ(rsp_initarg(&info, "registrar=1.2.3.4:1"), 0);
	CHECK_EQ(rsp_initarg(&info, "-registrar"), 0);
	CHECK_EQ(rsp_initarg(&info, ""), 0);
	CHECK_EQ(rsp_initarg(&info, NULL), 0);
	CHECK_EQ(rsp_initarg(NULL, "-registrar=127.0.0.1:1"), 0);

	/* -registrar=: prepended, multi-homed entries packed */
	CHECK_EQ(rsp_initarg(&info, "-registrar=127.0.0.1:3000"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrar=10.0.0.1:4000,[::1]:4001,10.0.0.2"), 1);
	ri = info.ri_registrars;
	CHECK(ri != NULL);
	CHECK_EQ(ri->rri_addrs, 3);
	check_in4(packed_at(ri->rri_addr, 0), "10.0.0.1", 4000);
	check_in6(packed_at(ri->rri_addr, 1), "::1", 4001);
	check_in4(packed_at(ri->rri_addr, 2), "10.0.0.2", ASAP_PORT); /* default port */
	ri = ri->rri_next;
	CHECK(ri != NULL);
	CHECK_EQ(ri->rri_addrs, 1);
	check_in4(ri->rri_addr, "127.0.0.1", 3000);
	CHECK(ri->rri_next == NULL);
	/* bad values: not consumed, errno EINVAL, nothing added */
	errno = 0;
	CHECK_EQ(rsp_initarg(&info, "-registrar=127.0.0.1:99999"), 0);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_initarg(&info, "-registrar="), 0);
	CHECK_EQ(rsp_initarg(&info, "-registrar=1.2.3.4:1,"), 0);
	CHECK_EQ(rsp_initarg(&info, "-registrar=[::1"), 0);
	CHECK_EQ(info.ri_registrars->rri_addrs, 3);

	/* -asapannounce= */
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=off"), 1);
	CHECK_EQ(info.ri_disable_autoconfig, 1);
	CHECK(info.ri_registrar_announce == NULL);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=239.1.2.3"), 1);
	CHECK_EQ(info.ri_disable_autoconfig, 0);
	CHECK(info.ri_registrar_announce != NULL);
	check_in4(info.ri_registrar_announce, "239.1.2.3", ASAP_PORT);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=239.1.2.4:5000"), 1);
	check_in4(info.ri_registrar_announce, "239.1.2.4", 5000);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=AUTO"), 1);
	CHECK_EQ(info.ri_disable_autoconfig, 0);
	CHECK(info.ri_registrar_announce == NULL);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=OFF"), 1);
	CHECK_EQ(info.ri_disable_autoconfig, 1);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=not an address"), 0);

	/* the timeouts and trials, milliseconds */
	CHECK_EQ(rsp_initarg(&info, "-registrarannouncetimeout=1001"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnecttimeout=1002"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnectmaxtrials=3"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarrequesttimeout=1004"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarresponsetimeout=1005"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarrequestmaxtrials=6"), 1);
	CHECK_EQ(info.ri_registrar_announce_timeout, 1001);
	CHECK_EQ(info.ri_registrar_connect_timeout, 1002);
	CHECK_EQ(info.ri_registrar_connect_max_trials, 3);
	CHECK_EQ(info.ri_registrar_request_timeout, 1004);
	CHECK_EQ(info.ri_registrar_response_timeout, 1005);
	CHECK_EQ(info.ri_registrar_request_max_trials, 6);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnecttimeout=abc"), 0);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnecttimeout="), 0);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnecttimeout=-5"), 0);
	CHECK_EQ(info.ri_registrar_connect_timeout, 1002);

	/* -log* and -csp* */
	CHECK_EQ(rsp_initarg(&info, "-logfile=/dev/null"), 1);
	CHECK_EQ(rsp_initarg(&info, "-loglevel=5"), 1);
	CHECK_EQ(rsp_initarg(&info, "-logcolor=off"), 1);
	CHECK_EQ(rsp_initarg(&info, "-cspserver=127.0.0.1:2960"), 1);
	CHECK(info.ri_csp_server != NULL);
	check_in4(info.ri_csp_server, "127.0.0.1", 2960);
	CHECK_EQ(rsp_initarg(&info, "-cspinterval=300"), 1);
	CHECK_EQ(info.ri_csp_interval, 300);
	CHECK_EQ(rsp_initarg(&info, "-cspidentifier=0x12"), 1);
	CHECK(info.ri_csp_identifier == CID_COMPOUND(CID_GROUP_POOLELEMENT, 0x12));
	CHECK_EQ(rsp_initarg(&info, "-cspidentifier=77"), 1);
	CHECK(info.ri_csp_identifier == CID_COMPOUND(CID_GROUP_POOLELEMENT, 77));
	CHECK_EQ(rsp_initarg(&info, "-cspbogus=1"), 0);

	/* rsp_freeinfo: the registrar list and the library's addresses */
	rsp_freeinfo(&info);
	CHECK(info.ri_registrars == NULL);
	CHECK(info.ri_registrar_announce == NULL);
	CHECK(info.ri_csp_server == NULL);
	CHECK_EQ(info.ri_registrar_connect_timeout, 1002); /* left alone */
	rsp_freeinfo(&info);                               /* twice is fine */
	rsp_freeinfo(NULL);

	/* rsp_initinfo reads CSP_SERVER and CSP_INTERVAL (at least 250) */
	CHECK(setenv("CSP_SERVER", "127.0.0.1:2961", 1) == 0);
	CHECK(setenv("CSP_INTERVAL", "100", 1) == 0);
	rsp_initinfo(&info);
	CHECK(info.ri_csp_server != NULL);
	check_in4(info.ri_csp_server, "127.0.0.1", 2961);
	CHECK_EQ(info.ri_csp_interval, 250);
	rsp_freeinfo(&info);
	unsetenv("CSP_SERVER");
	unsetenv("CSP_INTERVAL");
}

static void test_before_initialize(void)
{
	struct rsp_addrinfo *ai = (struct rsp_addrinfo *)1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(1)};
	struct rsp_addrinfo pe;

	memset(&pe, 0, sizeof pe);
	pe.ai_addr = (struct sockaddr *)&sin;
	pe.ai_addrs = 1;
	errno = 0;
	CHECK_EQ(rsp_pe_registration((const unsigned char *)"p", 1, &pe, NULL, 30000, 0),
	         RSPERR_NOT_INITIALIZED);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(rsp_pe_deregistration((const unsigned char *)"p", 1, 1, 0), RSPERR_NOT_INITIALIZED);
	CHECK_EQ(rsp_pe_failure((const unsigned char *)"p", 1, 1), RSPERR_NOT_INITIALIZED);
	CHECK_EQ(rsp_getaddrinfo((const unsigned char *)"p", 1, &ai, 1, 0), REAI_SYSTEM);
	CHECK(ai == NULL);
	rsp_cleanup(); /* nothing to clean up */
}

/* ---------------------------------------------------------------------- */

/* A pool element's transport: up to 3 addresses, packed. */
struct pe {
	struct rsp_addrinfo ai;
	unsigned char packed[3 * sizeof(struct sockaddr_in6)];
};

static void pe_init(struct pe *p, uint32_t id, int protocol, unsigned short port, int v6)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 in6;

	memset(p, 0, sizeof *p);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memcpy(p->packed, &in, sizeof in);
	p->ai.ai_addrs = 1;
	if (v6) {
		memset(&in6, 0, sizeof in6);
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(port);
		in6.sin6_addr = in6addr_loopback;
		memcpy(p->packed + sizeof in, &in6, sizeof in6);
		p->ai.ai_addrs = 2;
	}
	p->ai.ai_family = AF_INET;
	p->ai.ai_socktype = SOCK_STREAM;
	p->ai.ai_protocol = protocol;
	p->ai.ai_addrlen = sizeof(struct sockaddr_in);
	p->ai.ai_addr = (struct sockaddr *)(void *)p->packed;
	p->ai.ai_pe_id = id;
}

/* The element of list with identifier id, or NULL. */
static const struct rsp_addrinfo *find(const struct rsp_addrinfo *list, uint32_t id)
{
	for (; list; list = list->ai_next)
		if (list->ai_pe_id == id)
			return list;
	return NULL;
}

static int count(const struct rsp_addrinfo *list)
{
	int n = 0;
	for (; list; list = list->ai_next)
		n++;
	return n;
}

/* Resolves pool h (always asking the registrar), checks the count. */
static int resolve(const char *h, struct rsp_addrinfo **ai)
{
	int n = rsp_getaddrinfo((const unsigned char *)h, strlen(h), ai, RSPGETADDRS_MAX, 0);
	if (n > 0)
		CHECK_EQ(count(*ai), n);
	else
		CHECK(*ai == NULL);
	return n;
}

/* Resolves pool h until element id is present (want 1) or absent (0). */
static void resolve_until(const char *h, uint32_t id, int want)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;
	for (;;) {
		struct rsp_addrinfo *ai = NULL;
		int n = resolve(h, &ai);
		int has = n > 0 && find(ai, id) != NULL;
		rsp_freeaddrinfo(ai);
		if (has == want)
			return;
		CHECK(n > 0 || n == REAI_NONAME);
		CHECK(nct_now_ms() < end);
	}
}

static void test_basic_mode(unsigned short regport)
{
	const char *log = nct_log_file();
	const char *poolA = "basic-pool-A", *poolB = "basic-pool-B";
	struct rsp_info info;
	char arg[64];
	struct pe pe1, pe2, pe3, pe4, bad;
	struct rsp_loadinfo wrr, lu;
	struct rsp_addrinfo *ai = NULL;
	const struct rsp_addrinfo *a;
	long logpos;
	int n;

	/* ----- rsp_initialize ----- */
	rsp_initinfo(&info);
	snprintf(arg, sizeof arg, "-registrar=127.0.0.1:%u", regport);
	CHECK_EQ(rsp_initarg(&info, arg), 1);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=off"), 1);
	CHECK_EQ(rsp_initarg(&info, "-registrarconnecttimeout=10000"), 1);
	CHECK_EQ(rsp_initialize(&info), 0);
	CHECK_EQ(info.ri_version, RSPLIB_VERSION);
	CHECK_EQ(info.ri_revision, RSPLIB_REVISION);
	CHECK(info.ri_build_date == NULL && info.ri_build_time == NULL);
	logpos = nct_file_size(log);
	info.ri_version = 0;
	CHECK_EQ(rsp_initialize(&info), 0); /* a second call: 0, a log line, no change */
	CHECK_EQ(info.ri_version, 0);
	CHECK(nct_file_has_line(log, logpos, "already initialized", NULL));

	/* ----- three elements in pool A (Weighted Round Robin) ----- */
	memset(&wrr, 0, sizeof wrr);
	wrr.rli_policy = PPT_WEIGHTED_ROUNDROBIN;
	wrr.rli_weight = 2;
	pe_init(&pe1, 0, IPPROTO_SCTP, 7001, 0);          /* the library picks the ID */
	pe_init(&pe2, 0x1234, IPPROTO_SCTP, 7002, 1);     /* given ID, IPv4 + IPv6 */
	pe_init(&pe3, 0x5678, IPPROTO_TCP, 7003, 0);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolA, strlen(poolA), &pe1.ai, &wrr, 30000, 0), 0);
	CHECK(pe1.ai.ai_pe_id != 0);
	/* every element of a pool has the same data/control configuration */
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolA, strlen(poolA), &pe2.ai, &wrr, 30000,
	                             REGF_CONTROLCHANNEL), RSPERR_WRONG_CONTROLCHANNEL_HANDLING);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolA, strlen(poolA), &pe2.ai, &wrr, 30000, 0), 0);
	CHECK_EQ(pe2.ai.ai_pe_id, 0x1234);
	wrr.rli_weight = 5;
	/* ... and the same transport type */
	CHECK_EQ(rsp_pe_registration_tags((const unsigned char *)poolA, strlen(poolA), &pe3.ai, &wrr,
	                                  30000, REGF_DAEMONMODE, NULL), RSPERR_INCONSISTENT_TRANSPORT);
	pe3.ai.ai_protocol = IPPROTO_SCTP;
	CHECK_EQ(rsp_pe_registration_tags((const unsigned char *)poolA, strlen(poolA), &pe3.ai, &wrr,
	                                  30000, REGF_DAEMONMODE, NULL), 0);

	n = resolve(poolA, &ai);
	CHECK_EQ(n, 3);
	a = find(ai, pe1.ai.ai_pe_id);
	CHECK(a != NULL);
	CHECK_EQ(a->ai_family, AF_INET);
	CHECK_EQ(a->ai_protocol, IPPROTO_SCTP);
	CHECK_EQ(a->ai_socktype, SOCK_STREAM); /* rsplib's choice for SCTP */
	CHECK_EQ(a->ai_addrlen, sizeof(struct sockaddr_in6));
	CHECK_EQ(a->ai_addrs, 1);
	check_in4(a->ai_addr, "127.0.0.1", 7001);
	a = find(ai, 0x1234);
	CHECK(a != NULL);
	CHECK_EQ(a->ai_family, AF_INET6); /* IPv6 when any address is */
	CHECK_EQ(a->ai_addrs, 2);
	check_in4(packed_at(a->ai_addr, 0), "127.0.0.1", 7002);
	check_in6(packed_at(a->ai_addr, 1), "::1", 7002);
	a = find(ai, 0x5678);
	CHECK(a != NULL);
	CHECK_EQ(a->ai_protocol, IPPROTO_SCTP);
	check_in4(a->ai_addr, "127.0.0.1", 7003);
	rsp_freeaddrinfo(ai);

	/* items: 1 (RSPGETADDRS_DEFAULT is 0, which means 1) */
	ai = NULL;
	CHECK_EQ(rsp_getaddrinfo((const unsigned char *)poolA, strlen(poolA), &ai, RSPGETADDRS_DEFAULT, 0), 1);
	CHECK_EQ(count(ai), 1);
	rsp_freeaddrinfo(ai);
	ai = NULL;
	CHECK_EQ(rsp_getaddrinfo((const unsigned char *)poolA, strlen(poolA), &ai, 2, 0), 2);
	rsp_freeaddrinfo(ai);

	/* re-registration: same ID, new port */
	pe1.ai.ai_addr->sa_family = AF_INET;
	((struct sockaddr_in *)(void *)pe1.packed)->sin_port = htons(7101);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolA, strlen(poolA), &pe1.ai, &wrr, 30000, 0), 0);
	CHECK_EQ(resolve(poolA, &ai), 3);
	a = find(ai, pe1.ai.ai_pe_id);
	CHECK(a != NULL);
	check_in4(a->ai_addr, "127.0.0.1", 7101);
	rsp_freeaddrinfo(ai);

	/* a pool's policy is the pool's: a Least Used element is refused */
	memset(&lu, 0, sizeof lu);
	lu.rli_policy = PPT_LEASTUSED;
	lu.rli_load = 0x10000000;
	pe_init(&pe4, 0x9999, IPPROTO_SCTP, 7004, 0);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolA, strlen(poolA), &pe4.ai, &lu, 30000, 0),
	         RSPERR_INCOMPATIBLE_POOL_POLICY);
	CHECK_EQ(resolve(poolA, &ai), 3);
	rsp_freeaddrinfo(ai);

	/* ----- rsp_pe_failure x3 removes an element ----- */
	CHECK_EQ(rsp_pe_failure((const unsigned char *)poolA, strlen(poolA), 0x1234), 0);
	CHECK_EQ(rsp_pe_failure((const unsigned char *)poolA, strlen(poolA), 0x1234), 0);
	CHECK_EQ(resolve(poolA, &ai), 3); /* two reports are not enough */
	rsp_freeaddrinfo(ai);
	CHECK_EQ(rsp_pe_failure((const unsigned char *)poolA, strlen(poolA), 0x1234), 0);
	CHECK_EQ(resolve(poolA, &ai), 2);
	CHECK(find(ai, 0x1234) == NULL);
	rsp_freeaddrinfo(ai);

	/* ----- rsp_pe_deregistration removes one ----- */
	CHECK_EQ(rsp_pe_deregistration((const unsigned char *)poolA, strlen(poolA), pe1.ai.ai_pe_id, 0), 0);
	CHECK_EQ(resolve(poolA, &ai), 1);
	CHECK(find(ai, 0x5678) != NULL);
	rsp_freeaddrinfo(ai);
	errno = 0;
	CHECK_EQ(rsp_pe_deregistration((const unsigned char *)poolA, strlen(poolA), 0xdead, 0),
	         RSPERR_NOT_FOUND); /* not registered by this process */
	CHECK_EQ(errno, ENOENT);

	/* ----- pool B: NULL loadinfo (Round Robin), DONTWAIT both ways ----- */
	pe_init(&pe4, 0, IPPROTO_TCP, 7005, 0);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolB, strlen(poolB), &pe4.ai, NULL, 30000,
	                             REGF_DONTWAIT | REGF_CONTROLCHANNEL), 0);
	CHECK(pe4.ai.ai_pe_id != 0);
	resolve_until(poolB, pe4.ai.ai_pe_id, 1);
	CHECK_EQ(resolve(poolB, &ai), 1);
	CHECK_EQ(ai->ai_pe_id, pe4.ai.ai_pe_id);
	CHECK_EQ(ai->ai_family, AF_INET);
	CHECK_EQ(ai->ai_protocol, IPPROTO_TCP);
	CHECK_EQ(ai->ai_socktype, SOCK_STREAM);
	CHECK_EQ(ai->ai_addrs, 1);
	check_in4(ai->ai_addr, "127.0.0.1", 7005);
	rsp_freeaddrinfo(ai);
	/* Round Robin: a Weighted Round Robin element does not fit */
	pe_init(&bad, 0, IPPROTO_TCP, 7006, 0);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)poolB, strlen(poolB), &bad.ai, &wrr, 30000,
	                             REGF_CONTROLCHANNEL),
	         RSPERR_INCOMPATIBLE_POOL_POLICY);
	CHECK_EQ(rsp_pe_deregistration((const unsigned char *)poolB, strlen(poolB), pe4.ai.ai_pe_id,
	                               DEREGF_DONTWAIT), 0);
	resolve_until(poolB, pe4.ai.ai_pe_id, 0);

	/* ----- unknown pool ----- */
	ai = (struct rsp_addrinfo *)&ai;
	CHECK_EQ(rsp_getaddrinfo((const unsigned char *)"no-such-pool", 12, &ai, 3, 0), REAI_NONAME);
	CHECK(ai == NULL);
	ai = (struct rsp_addrinfo *)&ai;
	CHECK_EQ(rsp_getaddrinfo_tags((const unsigned char *)"no-such-pool", 12, &ai, 3, 1000, NULL),
	         REAI_NONAME);
	CHECK(ai == NULL);

	/* ----- bad arguments: errors, no crash ----- */
	{
		unsigned char big[33];
		struct sockaddr_un_like {
			sa_family_t family;
			char path[30];
		} unix_addr = {AF_UNIX, "x"};
		memset(big, 'x', sizeof big);
		pe_init(&bad, 0, IPPROTO_SCTP, 7007, 0);
		errno = 0;
		CHECK_EQ(rsp_pe_registration(NULL, 4, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(rsp_pe_registration(big, 0, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_registration(big, sizeof big, &bad.ai, NULL, 30000, 0),
		         RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_registration(big, 32, NULL, NULL, 30000, 0), RSPERR_INVALID_ADDRESSES);
		bad.ai.ai_addrs = 0;
		CHECK_EQ(rsp_pe_registration(big, 32, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_ADDRESSES);
		bad.ai.ai_addrs = 100000;
		CHECK_EQ(rsp_pe_registration(big, 32, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_ADDRESSES);
		bad.ai.ai_addrs = 1;
		bad.ai.ai_addr = NULL;
		CHECK_EQ(rsp_pe_registration(big, 32, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_ADDRESSES);
		bad.ai.ai_addr = (struct sockaddr *)(void *)&unix_addr;
		CHECK_EQ(rsp_pe_registration(big, 32, &bad.ai, NULL, 30000, 0), RSPERR_INVALID_ADDRESSES);
		CHECK_EQ(bad.ai.ai_pe_id, 0); /* nothing was sent */

		CHECK_EQ(rsp_pe_deregistration(NULL, 1, 1, 0), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_deregistration(big, sizeof big, 1, 0), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_failure(NULL, 1, 1), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_failure(big, sizeof big, 1), RSPERR_INVALID_POOL_HANDLE);
		CHECK_EQ(rsp_pe_failure(big, 0, 1), RSPERR_INVALID_POOL_HANDLE);

		errno = 0;
		CHECK_EQ(rsp_getaddrinfo((const unsigned char *)poolA, strlen(poolA), NULL, 3, 0), REAI_SYSTEM);
		CHECK_EQ(errno, EINVAL);
		ai = (struct rsp_addrinfo *)&ai;
		CHECK_EQ(rsp_getaddrinfo(NULL, 4, &ai, 3, 0), REAI_SYSTEM);
		CHECK(ai == NULL);
		CHECK_EQ(rsp_getaddrinfo(big, sizeof big, &ai, 3, 0), REAI_SYSTEM);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(rsp_getaddrinfo(big, 0, &ai, 3, 0), REAI_SYSTEM);
		rsp_freeaddrinfo(NULL);
		/* a 32-byte handle is fine: an unknown pool */
		CHECK_EQ(rsp_getaddrinfo(big, 32, &ai, 3, 0), REAI_NONAME);
	}

	/* the library still works */
	CHECK_EQ(resolve(poolA, &ai), 1);
	rsp_freeaddrinfo(ai);

	/* ----- rsp_cleanup, and a second life ----- */
	rsp_cleanup();
	CHECK_EQ(rsp_pe_failure((const unsigned char *)poolA, strlen(poolA), 1), RSPERR_NOT_INITIALIZED);
	CHECK_EQ(rsp_getaddrinfo((const unsigned char *)poolA, strlen(poolA), &ai, 3, 0), REAI_SYSTEM);
	CHECK_EQ(errno, EACCES);
	rsp_cleanup(); /* twice is fine */
	info.ri_version = 0;
	CHECK_EQ(rsp_initialize(&info), 0); /* the same info again */
	CHECK_EQ(info.ri_version, RSPLIB_VERSION);
	/* (the registrar drops the elements of a closed association, so the
	   old ones may be gone: use a new pool) */
	pe_init(&pe1, 0x4242, IPPROTO_SCTP, 7008, 0);
	CHECK_EQ(rsp_pe_registration((const unsigned char *)"basic-pool-C", 12, &pe1.ai, NULL, 30000, 0), 0);
	CHECK_EQ(resolve("basic-pool-C", &ai), 1);
	CHECK_EQ(ai->ai_pe_id, 0x4242);
	check_in4(ai->ai_addr, "127.0.0.1", 7008);
	rsp_freeaddrinfo(ai);
	rsp_cleanup();
	rsp_freeinfo(&info);
	CHECK(info.ri_registrars == NULL);
}

/* The number of threads of this process (/proc/self/status). */
static int threads(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* rsp_initialize refuses a struct rsp_info it cannot use, and takes NULL. */
static void test_initialize_args(void)
{
	struct rsp_info info;
	struct rsp_registrar_info ri;
	struct {
		sa_family_t family;
		char rest[30];
	} unix_addr = {AF_UNIX, "x"};

	rsp_initinfo(&info);
	ri.rri_next = NULL;
	ri.rri_addr = (struct sockaddr *)(void *)&unix_addr;
	ri.rri_addrs = 1;
	info.ri_registrars = &ri;
	errno = 0;
	CHECK_EQ(rsp_initialize(&info), -1);
	CHECK_EQ(errno, EINVAL);
	ri.rri_addr = NULL;
	CHECK_EQ(rsp_initialize(&info), -1);
	info.ri_registrars = NULL;
	info.ri_registrar_announce = (struct sockaddr *)(void *)&unix_addr;
	CHECK_EQ(rsp_initialize(&info), -1);
	CHECK_EQ(info.ri_version, 0);
	/* NULL: all defaults (announces heard on the loopback interface) */
	CHECK_EQ(rsp_initialize(NULL), 0);
	rsp_cleanup();
}

int main(void)
{
	unsigned short port;

	nct_log_file();
	/* none of these loads the Go core */
	test_policy_names();
	test_initarg();
	test_before_initialize();
	CHECK_EQ(threads(), 1); /* the Go core is not loaded yet */
	/* the registrar is started before the library is used (fork + exec) */
	port = rsptest_start_registrar("-maxhresitems=16");
	test_basic_mode(port);
	test_initialize_args();
	rsptest_stop_registrar();
	printf("test_rsp_basic: ok\n");
	return 0;
}
