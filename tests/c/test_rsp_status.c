/*
 * test_rsp_status: the per-socket settings of rsplib's enhanced mode,
 * through the real path (C program -> rserpool.h -> library -> registrar
 * and pool element -> wire):
 *
 *   - Component Status Protocol reports (-cspserver=, -cspinterval=,
 *     -cspidentifier=): a UDP monitor made here receives the reports of
 *     a pool element (a child process: its PE identifier as the sender,
 *     the status text it set with rsp_csp_setstatus for its one session)
 *     and of the pool user (the configured identifier, its status text,
 *     one association entry naming the element), and each one's final
 *     report (CSPF_FINAL) when it calls rsp_cleanup;
 *   - rsp_update_session_parameters: zero members keep their values, the
 *     merged set is written back, and the association made afterwards
 *     carries them, read back from the process's own sockets: on kernel
 *     SCTP as SCTP_RTOINFO, SCTP_ASSOCINFO's maximum retransmissions and
 *     SCTP_PEER_ADDR_PARAMS' heartbeat interval; on the TCP mapping as
 *     keep-alive after sp_hbinterval, sp_assoc_max_rxt probes and
 *     TCP_USER_TIMEOUT = sp_assoc_max_rxt x sp_rto_max;
 *   - rsp_sendmsg with a time to live on a connected session delivers;
 *   - bad input: unknown sessions, NULL texts and parameters, closed
 *     descriptors.
 *
 * Nothing waits by sleeping: every wait is on a descriptor with a deadline.
 */
#include "nctest.h"
#include "rsptest.h"

#include <dirent.h>
#include <linux/sctp.h>
#include <netinet/tcp.h>
#include <sys/inotify.h>

#include <rserpool.h>

#define POOL "status-pool"

static unsigned short regport, monport;

#define CHILD_CHECK(cond)                                                       \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: child CHECK(%s) failed (errno %d: %s)\n", \
			        __FILE__, __LINE__, #cond, errno, strerror(errno)); \
			_exit(1);                                               \
		}                                                               \
	} while (0)

static void init_library(const char *identifier)
{
	struct rsp_info info;
	char arg[64];

	rsp_initinfo(&info);
	snprintf(arg, sizeof arg, "-registrar=127.0.0.1:%u", regport);
	CHECK_EQ(rsp_initarg(&info, arg), 1);
	CHECK_EQ(rsp_initarg(&info, "-asapannounce=off"), 1);
	snprintf(arg, sizeof arg, "-cspserver=127.0.0.1:%u", monport);
	CHECK_EQ(rsp_initarg(&info, arg), 1);
	CHECK_EQ(rsp_initarg(&info, "-cspinterval=250"), 1);
	if (identifier)
		CHECK_EQ(rsp_initarg(&info, identifier), 1);
	CHECK_EQ(rsp_initialize(&info), 0);
}

/* The pool element: one session, whose status it sets; echoes until the
 * session goes, then cleans up (its final report). */
static void element(int report)
{
	unsigned char buf[1024];
	struct rsp_sndrcvinfo ri;
	struct sockaddr_in sin;
	uint32_t id = 0;
	int sd, fl;

	init_library(NULL);
	sd = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHILD_CHECK(sd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHILD_CHECK(rsp_bind(sd, (struct sockaddr *)&sin, 1) == 0);
	CHILD_CHECK(rsp_register(sd, (const unsigned char *)POOL, strlen(POOL), NULL, 30000, 0) == 0);
	CHILD_CHECK(rsp_getsockname(sd, NULL, NULL, &id) == 0 && id != 0);
	/* no session yet */
	CHILD_CHECK(rsp_csp_setstatus(sd, 1, "nobody") == -1 && errno == EINVAL);
	CHILD_CHECK(write(report, &id, sizeof id) == (ssize_t)sizeof id);
	for (;;) {
		ssize_t n = rsp_recvmsg(sd, buf, sizeof buf, &ri, &fl, NCT_DEADLINE_MS);
		CHILD_CHECK(n > 0);
		if (fl & MSG_RSERPOOL_NOTIFICATION) {
			const union rserpool_notification *no = (const void *)buf;
			if (no->rn_header.rn_type != RSERPOOL_SESSION_CHANGE)
				continue;
			if (no->rn_session_change.rsc_state == RSERPOOL_SESSION_REMOVE)
				break;
			CHILD_CHECK(rsp_csp_setstatus(sd, no->rn_session_change.rsc_session,
			                              "serving one") == 0);
			CHILD_CHECK(rsp_csp_setstatus(sd, no->rn_session_change.rsc_session + 100,
			                              "no such") == -1 && errno == EINVAL);
			continue;
		}
		CHILD_CHECK(rsp_sendmsg(sd, buf, (size_t)n, 0, ri.rinfo_session, ri.rinfo_ppid, 0, 0,
		                        0, -1) == n);
	}
	CHILD_CHECK(rsp_close(sd) == 0);
	rsp_cleanup();
	_exit(0);
}

/* One report, as the monitor sees it. */
struct report {
	unsigned flags;
	uint64_t sender;
	char status[129];
	unsigned nassoc;
	uint64_t receiver0;
	unsigned protocol0;
};

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void next_report(int mon, struct report *r)
{
	unsigned char b[2048];
	ssize_t n;

	CHECK(nct_wait_readable(mon, NCT_DEADLINE_MS));
	n = recv(mon, b, sizeof b, 0);
	CHECK(n >= 288);
	CHECK_EQ(b[0], 1);                                  /* CSPT_REPORT */
	CHECK_EQ((size_t)(b[2] << 8 | b[3]), (size_t)n);   /* length */
	CHECK_EQ(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 0x0200); /* version */
	r->flags = b[1];
	r->sender = be64(b + 8);
	memcpy(r->status, b + 156, 128);
	r->status[128] = 0;
	r->nassoc = (unsigned)(b[286] << 8 | b[287]);
	CHECK_EQ((size_t)n, 288 + 24 * (size_t)r->nassoc);
	r->receiver0 = r->nassoc ? be64(b + 288) : 0;
	r->protocol0 = r->nassoc ? (unsigned)(b[288 + 18] << 8 | b[288 + 19]) : 0;
}

/* Waits for a report from sender with the given status and flags. */
static void wait_report(int mon, uint64_t sender, const char *status, unsigned flags,
                        struct report *out)
{
	long long end = nct_now_ms() + NCT_DEADLINE_MS;

	while (nct_now_ms() < end) {
		next_report(mon, out);
		if (out->sender == sender && out->flags == flags && strcmp(out->status, status) == 0)
			return;
	}
	fprintf(stderr, "no report from %016llx with status \"%s\"\n", (unsigned long long)sender,
	        status);
	exit(1);
}

/* The session parameters the test sets, as each transport carries them. */
#define HB_MS       3000u
#define MAX_RXT     5u
#define RTO_INITIAL 2000u
#define RTO_MIN     1000u
#define RTO_MAX     5000u

#ifndef SOL_SCTP
#define SOL_SCTP 132
#endif

/* Whether the TCP socket fd carries the parameters (the TCP mapping). */
static int tcp_carries(int fd)
{
	int v;
	socklen_t l = sizeof v;
	if (getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &l) != 0 ||
	    v != (int)(MAX_RXT * RTO_MAX))
		return 0;
	l = sizeof v;
	if (getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &l) != 0 || v != (int)(HB_MS / 1000))
		return 0;
	l = sizeof v;
	return getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &l) == 0 && v == (int)MAX_RXT;
}

/* Whether the SCTP socket fd carries the parameters (kernel SCTP). */
static int sctp_carries(int fd)
{
	struct sctp_rtoinfo rto;
	struct sctp_assocparams assoc;
	struct sctp_paddrparams paddr;
	socklen_t l = sizeof rto;

	memset(&rto, 0, sizeof rto);
	if (getsockopt(fd, SOL_SCTP, SCTP_RTOINFO, &rto, &l) != 0 || rto.srto_initial != RTO_INITIAL ||
	    rto.srto_min != RTO_MIN || rto.srto_max != RTO_MAX)
		return 0;
	memset(&assoc, 0, sizeof assoc);
	l = sizeof assoc;
	if (getsockopt(fd, SOL_SCTP, SCTP_ASSOCINFO, &assoc, &l) != 0 ||
	    assoc.sasoc_asocmaxrxt != MAX_RXT)
		return 0;
	memset(&paddr, 0, sizeof paddr);
	l = sizeof paddr;
	return getsockopt(fd, SOL_SCTP, SCTP_PEER_ADDR_PARAMS, &paddr, &l) == 0 &&
	       paddr.spp_hbinterval == HB_MS;
}

/* Counts this process's association sockets (TCP or SCTP) whose options
 * carry the session parameters; *proto tells which transport they use. */
static int assoc_sockets_with_parameters(unsigned *proto)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	CHECK(d != NULL);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name), p;
		socklen_t l = sizeof p;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &p, &l) != 0)
			continue;
		if ((p == IPPROTO_TCP && tcp_carries(fd)) || (p == IPPROTO_SCTP && sctp_carries(fd))) {
			*proto = (unsigned)p;
			found++;
		}
	}
	closedir(d);
	return found;
}

int main(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	struct rserpool_session_parameters sp;
	struct report r;
	uint64_t me = ((uint64_t)CID_GROUP_POOLELEMENT << 56) | 0x1234, pe_sender;
	uint32_t pe_id = 0;
	unsigned proto = 0;
	int mon, sv[2], pu, fl;
	char buf[256];
	ssize_t n;
	pid_t child;

	regport = rsptest_start_registrar(NULL);
	mon = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(mon >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(mon, (struct sockaddr *)&sin, sizeof sin) == 0);
	CHECK(getsockname(mon, (struct sockaddr *)&sin, &sl) == 0);
	monport = ntohs(sin.sin_port);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	child = nct_fork(300);
	if (child == 0) {
		close(sv[0]);
		element(sv[1]);
	}
	close(sv[1]);
	CHECK(nct_wait_readable(sv[0], NCT_DEADLINE_MS));
	CHECK_EQ(nct_read_exact(sv[0], &pe_id, sizeof pe_id), 0);
	pe_sender = ((uint64_t)CID_GROUP_POOLELEMENT << 56) | pe_id;

	init_library("-cspidentifier=0x1234");
	pu = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(pu >= 0);

	/* Session parameters: zero keeps, the merged set comes back. */
	memset(&sp, 0, sizeof sp);
	sp.sp_hbinterval = HB_MS;
	sp.sp_assoc_max_rxt = MAX_RXT;
	CHECK_EQ(rsp_update_session_parameters(pu, &sp), 0);
	CHECK_EQ(sp.sp_rto_initial, RTO_INITIAL);
	CHECK_EQ(sp.sp_rto_min, RTO_MIN);
	CHECK_EQ(sp.sp_rto_max, RTO_MAX);
	CHECK_EQ(sp.sp_path_max_rxt, 3u);
	CHECK_EQ(sp.sp_hbinterval, HB_MS);
	CHECK_EQ(sp.sp_assoc_max_rxt, MAX_RXT);
	CHECK_EQ(assoc_sockets_with_parameters(&proto), 0);

	CHECK_EQ(rsp_csp_setstatus(pu, 0, "unconnected"), -1); /* no session yet */
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_connect(pu, (const unsigned char *)POOL, strlen(POOL), 0), 0);
	/* a message with a time to live, on a connected session: delivered */
	CHECK_EQ(rsp_sendmsg(pu, "ttl", 3, 0, 0, htonl(7), 0, 5000, 0, -1), 3);
	n = rsp_recvmsg(pu, buf, sizeof buf, NULL, &fl, NCT_DEADLINE_MS);
	while (n > 0 && (fl & MSG_RSERPOOL_NOTIFICATION))
		n = rsp_recvmsg(pu, buf, sizeof buf, NULL, &fl, NCT_DEADLINE_MS);
	CHECK_EQ(n, 3);
	CHECK(memcmp(buf, "ttl", 3) == 0);
	/* the association to the element carries the parameters */
	CHECK_EQ(assoc_sockets_with_parameters(&proto), 1);
	fprintf(stderr, "test_rsp_status: the association is %s\n",
	        proto == IPPROTO_SCTP ? "kernel SCTP" : "the TCP mapping");

	CHECK_EQ(rsp_csp_setstatus(pu, 0, "talking"), 0);
	CHECK_EQ(rsp_csp_setstatus(pu, 9, "x"), -1);
	CHECK_EQ(errno, EINVAL);

	wait_report(mon, me, "talking", 0, &r);
	CHECK_EQ(r.nassoc, 1u);
	CHECK_EQ(r.receiver0, pe_sender);
	CHECK_EQ(r.protocol0, proto);
	wait_report(mon, pe_sender, "serving one", 0, &r);

	/* the element's session ends: it cleans up and says so */
	CHECK_EQ(rsp_close(pu), 0);
	wait_report(mon, pe_sender, "", 1, &r);
	nct_wait_child_ok(child);
	rsp_cleanup();
	wait_report(mon, me, "", 1, &r);

	/* bad input */
	init_library(NULL);
	CHECK_EQ(rsp_update_session_parameters(pu, &sp), -1); /* closed */
	CHECK_EQ(errno, EBADF);
	pu = rsp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(pu >= 0);
	CHECK_EQ(rsp_update_session_parameters(pu, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_csp_setstatus(-1, 0, "x"), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(rsp_csp_setstatus(pu, 0, NULL), -1); /* no session */
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rsp_close(pu), 0);
	rsp_cleanup();
	CHECK_EQ(rsp_csp_setstatus(0, 0, "x"), -1); /* not initialized */
	CHECK_EQ(errno, EACCES);
	rsptest_stop_registrar();
	puts("test_rsp_status: ok");
	return 0;
}
