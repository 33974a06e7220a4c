/*
 * rsplib's library set-up (include/rserpool.h): rsp_initinfo, rsp_initarg,
 * rsp_freeinfo, rsp_initialize, rsp_cleanup, and the policy-name helpers.
 *
 * Everything but rsp_initialize and rsp_cleanup is plain C and never loads
 * the Go core, so a program may parse its options, fork or daemon() and
 * only then call rsp_initialize.
 *
 * Differences from rsplib, on purpose: a bad option value makes
 * rsp_initarg return 0 with errno EINVAL (rsplib printed a message and
 * called exit(1) inside the program); -log* options are accepted and
 * ignored (the library logs where NETCOMPAT_LOG says).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"
#include "rserpool_session.h"
#include "rserpool.h"

/* rserpool_basic.c */
__attribute__((visibility("hidden"))) int nc_rsp_unpack(const struct sockaddr *packed, size_t n,
                                                        struct nc_rsp_addr *out, int group);
__attribute__((visibility("hidden"))) int nc_rsp_started(void);

/* rsplib's limit of addresses of one (multi-homed) registrar. */
#define NC_RSP_MAX_REGISTRAR_ADDRS 128
/* A bound on the registrar list rsp_initialize walks. */
#define NC_RSP_MAX_REGISTRARS 1024

/* ---------------------------------------------------------------------- */
/* Policy names                                                           */
/* ---------------------------------------------------------------------- */

static const struct {
	unsigned int type;
	const char *name;
} policies[] = {
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

const char *rsp_getpolicybytype(unsigned int policyType)
{
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (policies[i].type == policyType)
			return policies[i].name;
	return NULL;
}

unsigned int rsp_getpolicybyname(const char *policyName)
{
	if (!policyName)
		return PPT_UNDEFINED;
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (strcmp(policies[i].name, policyName) == 0)
			return policies[i].type;
	return PPT_UNDEFINED;
}

/* ---------------------------------------------------------------------- */
/* rsp_info and its options                                               */
/* ---------------------------------------------------------------------- */

/*
 * The announce and CSP server addresses rsp_initarg (and rsp_initinfo, from
 * CSP_SERVER) point the info at: process-wide storage, as in rsplib, so a
 * program that copies its struct rsp_info keeps valid pointers.
 * rsp_freeinfo clears members that point here and frees nothing else but
 * the registrar list.
 */
/* rsplib's CSP monitor port, for a -cspserver= without one */
#define NC_CSP_PORT 2960

static struct sockaddr_storage announce_storage, csp_storage;

/*
 * Parses "addr", "addr:port", "[addr]:port" or "[addr]" (IPv4 or IPv6
 * literals, or a host name) into *out; the port defaults to defport.
 * 0, or -1 when it cannot be parsed.
 */
static int parse_addr(const char *s, unsigned short defport, struct sockaddr_storage *out)
{
	char host[256];
	const char *port = NULL, *colon;
	struct addrinfo hints, *res = NULL;
	unsigned long p = defport;
	size_t hl;

	if (!s || !*s)
		return -1;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return -1;
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof host)
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != 0)
			return -1;
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof host)
			return -1;
		memcpy(host, s, hl);
		host[hl] = 0;
		port = colon + 1;
	} else { /* no port, or an IPv6 literal without brackets */
		hl = strlen(s);
		if (hl >= sizeof host)
			return -1;
		memcpy(host, s, hl + 1);
	}
	if (port) {
		char *end;
		if (!*port)
			return -1;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (*end || errno || p > 65535)
			return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return -1;
	memset(out, 0, sizeof *out);
	if (res->ai_family == AF_INET && res->ai_addrlen >= sizeof(struct sockaddr_in)) {
		memcpy(out, res->ai_addr, sizeof(struct sockaddr_in));
		((struct sockaddr_in *)out)->sin_port = htons((unsigned short)p);
	} else if (res->ai_family == AF_INET6 && res->ai_addrlen >= sizeof(struct sockaddr_in6)) {
		memcpy(out, res->ai_addr, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)out)->sin6_port = htons((unsigned short)p);
	} else {
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

static size_t sockaddr_size(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Parses an unsigned decimal option value; 0 or -1. */
static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > 0xffffffffUL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* -registrar=addr:port[,addr:port...]: prepends one registrar, as rsplib. */
static int add_registrar(struct rsp_info *info, const char *list)
{
	struct sockaddr_storage addrs[NC_RSP_MAX_REGISTRAR_ADDRS];
	size_t n = 0, total = 0;
	const char *p = list;
	struct rsp_registrar_info *ri;
	char *packed, *q;

	for (;;) {
		char one[300];
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == NC_RSP_MAX_REGISTRAR_ADDRS || len >= sizeof one)
			return -1;
		memcpy(one, p, len);
		one[len] = 0;
		if (parse_addr(one, ASAP_PORT, &addrs[n]) != 0)
			return -1;
		total += sockaddr_size(&addrs[n]);
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	packed = malloc(total);
	ri = malloc(sizeof *ri);
	if (!packed || !ri) {
		free(packed);
		free(ri);
		errno = ENOMEM;
		return -1;
	}
	q = packed;
	for (size_t i = 0; i < n; i++) {
		size_t sz = sockaddr_size(&addrs[i]);
		memcpy(q, &addrs[i], sz);
		q += sz;
	}
	ri->rri_next = info->ri_registrars;
	ri->rri_addr = (struct sockaddr *)(void *)packed;
	ri->rri_addrs = n;
	info->ri_registrars = ri;
	return 0;
}

static int set_csp(struct rsp_info *info, const char *arg)
{
	unsigned int v;

	if (strncmp(arg, "-cspserver=", 11) == 0) {
		if (parse_addr(arg + 11, NC_CSP_PORT, &csp_storage) != 0)
			return -1;
		info->ri_csp_server = (struct sockaddr *)&csp_storage;
		return 0;
	}
	if (strncmp(arg, "-cspinterval=", 13) == 0) {
		if (parse_uint(arg + 13, &v) != 0)
			return -1;
		info->ri_csp_interval = v;
		return 0;
	}
	if (strncmp(arg, "-cspidentifier=", 15) == 0) {
		const char *s = arg + 15;
		char *end;
		unsigned long long id;
		errno = 0;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			id = strtoull(s + 2, &end, 16);
		else
			id = strtoull(s, &end, 10);
		if (!*s || *end || errno || id > 0xffffffffULL)
			return -1;
		info->ri_csp_identifier = CID_COMPOUND(CID_GROUP_POOLELEMENT, id);
		return 0;
	}
	return -1;
}

void rsp_initinfo(struct rsp_info *info)
{
	const char *server = getenv("CSP_SERVER");
	const char *interval = getenv("CSP_INTERVAL");
	unsigned int v;

	if (!info)
		return;
	memset(info, 0, sizeof *info);
	if (server && parse_addr(server, NC_CSP_PORT, &csp_storage) == 0)
		info->ri_csp_server = (struct sockaddr *)&csp_storage;
	if (interval && parse_uint(interval, &v) == 0)
		info->ri_csp_interval = v < 250 ? 250 : v;
}

void rsp_freeinfo(struct rsp_info *info)
{
	struct rsp_registrar_info *ri;
	int guard = 0;

	if (!info)
		return;
	while ((ri = info->ri_registrars) != NULL && guard++ < 1000000) {
		info->ri_registrars = ri->rri_next;
		free(ri->rri_addr);
		free(ri);
	}
	info->ri_registrars = NULL;
	if (info->ri_registrar_announce == (struct sockaddr *)&announce_storage)
		info->ri_registrar_announce = NULL;
	if (info->ri_csp_server == (struct sockaddr *)&csp_storage)
		info->ri_csp_server = NULL;
}

int rsp_initarg(struct rsp_info *info, const char *arg)
{
	static const struct {
		const char *prefix;
		size_t off;
	} uints[] = {
		{"-registrarannouncetimeout=", offsetof(struct rsp_info, ri_registrar_announce_timeout)},
		{"-registrarconnecttimeout=", offsetof(struct rsp_info, ri_registrar_connect_timeout)},
		{"-registrarconnectmaxtrials=", offsetof(struct rsp_info, ri_registrar_connect_max_trials)},
		{"-registrarrequesttimeout=", offsetof(struct rsp_info, ri_registrar_request_timeout)},
		{"-registrarresponsetimeout=", offsetof(struct rsp_info, ri_registrar_response_timeout)},
		{"-registrarrequestmaxtrials=", offsetof(struct rsp_info, ri_registrar_request_max_trials)},
	};

	if (!info || !arg)
		return 0;
	if (strncmp(arg, "-log", 4) == 0)
		return 1;
	if (strncmp(arg, "-csp", 4) == 0) {
		if (set_csp(info, arg) != 0) {
			errno = EINVAL;
			return 0;
		}
		return 1;
	}
	if (strncmp(arg, "-registrar=", 11) == 0) {
		if (add_registrar(info, arg + 11) != 0) {
			if (errno != ENOMEM)
				errno = EINVAL;
			return 0;
		}
		return 1;
	}
	if (strncmp(arg, "-asapannounce=", 14) == 0) {
		const char *v = arg + 14;
		if (strcasecmp(v, "auto") == 0) {
			info->ri_registrar_announce = NULL;
			info->ri_disable_autoconfig = 0;
		} else if (strcasecmp(v, "off") == 0) {
			info->ri_registrar_announce = NULL;
			info->ri_disable_autoconfig = 1;
		} else {
			if (parse_addr(v, ASAP_PORT, &announce_storage) != 0) {
				errno = EINVAL;
				return 0;
			}
			info->ri_registrar_announce = (struct sockaddr *)&announce_storage;
			info->ri_disable_autoconfig = 0;
		}
		return 1;
	}
	for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
		size_t len = strlen(uints[i].prefix);
		if (strncmp(arg, uints[i].prefix, len) == 0) {
			unsigned int v;
			if (parse_uint(arg + len, &v) != 0) {
				errno = EINVAL;
				return 0;
			}
			*(unsigned int *)(void *)((char *)info + uints[i].off) = v;
			return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* rsp_initialize, rsp_cleanup                                            */
/* ---------------------------------------------------------------------- */

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int started; /* rsp_initialize succeeded and no rsp_cleanup since */

int nc_rsp_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

/* Flattens *info's registrar list into a malloc'd array (*out). */
static int flatten_registrars(const struct rsp_info *info, struct nc_rsp_addr **out, size_t *n)
{
	const struct rsp_registrar_info *ri;
	size_t total = 0, k = 0;
	int groups = 0;

	*out = NULL;
	*n = 0;
	for (ri = info->ri_registrars; ri; ri = ri->rri_next) {
		if (++groups > NC_RSP_MAX_REGISTRARS || !ri->rri_addr || ri->rri_addrs == 0 ||
		    ri->rri_addrs > NC_RSP_MAX_REGISTRAR_ADDRS)
			return -1;
		total += ri->rri_addrs;
	}
	if (total == 0)
		return 0;
	*out = calloc(total, sizeof **out);
	if (!*out) {
		errno = ENOMEM;
		return -1;
	}
	groups = 0;
	for (ri = info->ri_registrars; ri; ri = ri->rri_next, groups++) {
		if (nc_rsp_unpack(ri->rri_addr, ri->rri_addrs, *out + k, groups) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		k += ri->rri_addrs;
	}
	*n = total;
	return 0;
}

int rsp_initialize(struct rsp_info *info)
{
	const struct nc_core *c;
	struct nc_rsp_config cfg;
	struct nc_rsp_addr *regs = NULL;
	size_t nregs = 0;
	struct rsp_info defaults;
	int err = 0, st, first;

	memset(&cfg, 0, sizeof cfg);
	if (!info) {
		/* rsplib's defaults, the environment's CSP settings included */
		rsp_initinfo(&defaults);
	}
	{
		const struct rsp_info *in = info ? info : &defaults;

		/* reports need both, as in rsplib */
		if (in->ri_csp_server && in->ri_csp_interval > 0) {
			if (nc_rsp_unpack(in->ri_csp_server, 1, &cfg.csp_server, 0) != 0) {
				errno = EINVAL;
				return -1;
			}
			cfg.has_csp = 1;
			cfg.csp_interval = in->ri_csp_interval;
			cfg.csp_identifier = in->ri_csp_identifier;
		}
	}
	if (info) {
		cfg.announce_timeout = info->ri_registrar_announce_timeout;
		cfg.connect_timeout = info->ri_registrar_connect_timeout;
		cfg.connect_max_trials = info->ri_registrar_connect_max_trials;
		cfg.request_timeout = info->ri_registrar_request_timeout;
		cfg.response_timeout = info->ri_registrar_response_timeout;
		cfg.request_max_trials = info->ri_registrar_request_max_trials;
		cfg.disable_autoconfig = info->ri_disable_autoconfig != 0;
		if (info->ri_registrar_announce) {
			if (nc_rsp_unpack(info->ri_registrar_announce, 1, &cfg.announce, 0) != 0) {
				errno = EINVAL;
				return -1;
			}
			cfg.has_announce = 1;
		}
		if (flatten_registrars(info, &regs, &nregs) != 0) {
			if (errno != ENOMEM)
				errno = EINVAL;
			return -1;
		}
		cfg.registrars = regs;
		cfg.nregistrars = nregs;
	}
	c = nc_core();
	if (!c) {
		free(regs);
		return -1;
	}
	pthread_mutex_lock(&init_lock);
	first = !started;
	st = c->nc_rsp_initialize(&cfg, &err);
	if (st == 0)
		__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&init_lock);
	free(regs);
	if (st == 0 && first && info) {
		info->ri_version = RSPLIB_VERSION;
		info->ri_revision = RSPLIB_REVISION;
		info->ri_build_date = NULL;
		info->ri_build_time = NULL;
	}
	nc_set_errno(err);
	return st == 0 ? 0 : -1;
}

void rsp_cleanup(void)
{
	const struct nc_core *c;

	pthread_mutex_lock(&init_lock);
	if (started && (c = nc_core()) != NULL) {
		nc_rs_close_all(); /* every RSerPool socket, as rsplib's cleanup does */
		c->nc_rsp_cleanup();
		__atomic_store_n(&started, 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&init_lock);
}
