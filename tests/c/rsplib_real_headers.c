/*
 * rsplib_real_headers.c - an rsplib program that knows nothing of netcompat.
 *
 * It is compiled against rsplib's own installed headers (Debian's
 * librsplib-dev, -I/usr/include/rserpool), never against include/ of this
 * tree, and linked and run by tests/c/rsplib_headers.cmake three ways:
 * through netcompat's -lrsplib, against Debian's real librsplib.so.3 and
 * then run on netcompat's librsplib.so.3, and with both names. Whatever the
 * link, it must run on netcompat: it checks at run time which objects
 * serve it (NC_EXPECT_DIR is the directory of netcompat's libraries).
 *
 * With the registrar of RSPREGISTRAR (started here, as test_rsp_basic
 * does): rsp_initialize with -registrar=, basic mode (rsp_pe_registration,
 * rsp_getaddrinfo, rsp_getaddrinfo_tags, rsp_pe_deregistration) and
 * enhanced mode (a forked echo pool element: rsp_socket, rsp_bind,
 * rsp_register with a struct rsp_loadinfo; the pool user: rsp_connect,
 * rsp_sendmsg, rsp_recvmsg). Every rsp_* symbol librsplib.so.3 exports is
 * referenced, and the harness runs it with LD_BIND_NOW=1, so a missing one
 * fails at start-up.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rserpool.h>
#include <rserpool-internals.h>

#ifdef NETCOMPAT_RSERPOOL_H
#error "compiled against netcompat's rserpool.h: this test needs rsplib's own headers"
#endif

/* Exported by librsplib.so.3 but declared in no installed header. */
int rsp_socket_internal(int domain, int type, int protocol, int customFD);

#define DEADLINE_MS 30000
#define POOL        "rsplib-real-echo"
#define POOL_BASIC  "rsplib-real-basic"
#define PPID_ECHO   33 /* rsplib's PingPong */

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: CHECK(%s) failed (errno %d: %s)\n", __FILE__,    \
			        __LINE__, #cond, errno, strerror(errno));                \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

/* Every rsp_* symbol of librsplib.so.3 (rsplib 3.4/3.5): 51 names. */
typedef void (*anyfn)(void);
static anyfn const every_export[] = {
	(anyfn)rsp_accept, (anyfn)rsp_accept_tags, (anyfn)rsp_bind, (anyfn)rsp_cleanup,
	(anyfn)rsp_close, (anyfn)rsp_connect, (anyfn)rsp_connect_tags, (anyfn)rsp_csp_setstatus,
	(anyfn)rsp_deregister, (anyfn)rsp_deregister_tags, (anyfn)rsp_forcefailover,
	(anyfn)rsp_forcefailover_tags, (anyfn)rsp_freeaddrinfo, (anyfn)rsp_freeinfo,
	(anyfn)rsp_getaddrinfo, (anyfn)rsp_getaddrinfo_tags, (anyfn)rsp_getpeername,
	(anyfn)rsp_getpolicybyname, (anyfn)rsp_getpolicybytype, (anyfn)rsp_getsockname,
	(anyfn)rsp_getsockopt, (anyfn)rsp_has_cookie, (anyfn)rsp_initarg, (anyfn)rsp_initialize,
	(anyfn)rsp_initinfo, (anyfn)rsp_listen, (anyfn)rsp_mapsocket, (anyfn)rsp_pe_deregistration,
	(anyfn)rsp_pe_deregistration_tags, (anyfn)rsp_pe_failure, (anyfn)rsp_pe_failure_tags,
	(anyfn)rsp_pe_registration, (anyfn)rsp_pe_registration_tags, (anyfn)rsp_poll,
	(anyfn)rsp_print_notification, (anyfn)rsp_read, (anyfn)rsp_recv, (anyfn)rsp_recvfullmsg,
	(anyfn)rsp_recvmsg, (anyfn)rsp_register, (anyfn)rsp_register_tags, (anyfn)rsp_select,
	(anyfn)rsp_send, (anyfn)rsp_send_cookie, (anyfn)rsp_sendmsg, (anyfn)rsp_setsockopt,
	(anyfn)rsp_socket, (anyfn)rsp_socket_internal, (anyfn)rsp_unmapsocket,
	(anyfn)rsp_update_session_parameters, (anyfn)rsp_write,
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------- */
/* Which library serves this program                                      */
/* ---------------------------------------------------------------------- */

/* Is some mapping of /proc/self/maps exactly the file path? */
static int mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	size_t n = strlen(path);
	int found = 0;

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f)) {
		char *p = strchr(line, '/');
		if (p && strncmp(p, path, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			found = 1;
	}
	fclose(f);
	return found;
}

/* Does some mapped file's name contain needle? Prints it. */
static int mapped_like(const char *needle)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	int found = 0;

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f)) {
		char *p = strchr(line, '/');
		if (p && strstr(p, needle)) {
			fprintf(stderr, "rsplib_real_headers: unexpected mapping: %s", p);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* Loaded objects whose file is (realpath) path: one, whatever the names. */
struct count_arg {
	const char *path;
	int n;
};

static int count_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct count_arg *c = data;
	char real[PATH_MAX];

	(void)size;
	if (info->dlpi_name && info->dlpi_name[0] && realpath(info->dlpi_name, real) &&
	    strcmp(real, c->path) == 0)
		c->n++;
	return 0;
}

static int loaded_copies(const char *path)
{
	struct count_arg c = {path, 0};
	dl_iterate_phdr(count_object, &c);
	return c.n;
}

static void check_served_by_netcompat(void)
{
	const char *dir = getenv("NC_EXPECT_DIR");
	const char *stub = getenv("NC_EXPECT_STUB");
	char real[PATH_MAX], path[PATH_MAX + 64], fn[PATH_MAX];
	Dl_info info;

	CHECK(dir != NULL && realpath(dir, real) != NULL);
	/* rsp_initialize is libnetcompat.so.1's, from netcompat's directory */
	CHECK(dladdr((void *)every_export[23], &info) && info.dli_fname);
	CHECK(realpath(info.dli_fname, fn) != NULL);
	snprintf(path, sizeof path, "%s/libnetcompat.so.1", real);
	if (strcmp(fn, path) != 0) {
		fprintf(stderr, "rsplib_real_headers: rsp_initialize comes from %s (%s), not %s\n",
		        info.dli_fname, fn, path);
		exit(1);
	}
	CHECK(mapped(path));
	if (loaded_copies(path) != 1) {
		fprintf(stderr, "rsplib_real_headers: %s is loaded %d times\n", path,
		        loaded_copies(path));
		exit(1);
	}
	/* the Go core, found next to it, is loaded (rsp_initialize ran) */
	snprintf(path, sizeof path, "%s/netcompat/libnetcompat-go.so.1", real);
	if (!mapped(path)) {
		fprintf(stderr, "rsplib_real_headers: %s is not mapped\n", path);
		exit(1);
	}
	CHECK(loaded_copies(path) == 1);
	/* netcompat's librsplib.so.3 when the program needs that name */
	snprintf(path, sizeof path, "%s/librsplib.so.3", real);
	if (stub && strcmp(stub, "1") == 0 && !mapped(path)) {
		fprintf(stderr, "rsplib_real_headers: %s is not mapped\n", path);
		exit(1);
	}
	/* and nothing of the real rsplib (librsplib.so.3.4.4, its helpers) */
	CHECK(!mapped_like("/librsplib.so.3."));
	CHECK(!mapped_like("/librspmessaging"));
	CHECK(!mapped_like("/libtdtagitem"));
	CHECK(!mapped_like("/libsctp.so"));
	printf("rsplib_real_headers: served by %s/libnetcompat.so.1 and its core\n", real);
}

/* ---------------------------------------------------------------------- */
/* The registrar and an echo pool element                                 */
/* ---------------------------------------------------------------------- */

static pid_t registrar_pid = -1, element_pid = -1;
static char tmpdir[64], portfile[128];

static void stop_children(void)
{
	pid_t *pids[] = {&element_pid, &registrar_pid};
	for (size_t i = 0; i < 2; i++) {
		if (*pids[i] > 0) {
			kill(*pids[i], i == 0 ? SIGKILL : SIGTERM);
			waitpid(*pids[i], NULL, 0);
			*pids[i] = -1;
		}
	}
	if (portfile[0])
		unlink(portfile);
	if (tmpdir[0])
		rmdir(tmpdir);
}

static unsigned short start_registrar(void)
{
	const char *path = getenv("RSPREGISTRAR");
	char opt[200];
	long long end = now_ms() + DEADLINE_MS;

	if (!path || !*path) {
		fprintf(stderr, "RSPREGISTRAR is not set: run through ctest\n");
		exit(1);
	}
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rsplib_real_headers.XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
	snprintf(opt, sizeof opt, "-portfile=%s", portfile);
	registrar_pid = fork();
	CHECK(registrar_pid >= 0);
	if (registrar_pid == 0) {
		execl(path, path, "-asap=127.0.0.1:0", "-asapannounce=off", opt, (char *)NULL);
		perror(path);
		_exit(127);
	}
	atexit(stop_children);
	for (;;) {
		char buf[32];
		FILE *f = fopen(portfile, "r");
		unsigned long p = 0;
		if (f) {
			if (fgets(buf, sizeof buf, f) && strchr(buf, '\n'))
				p = strtoul(buf, NULL, 10);
			fclose(f);
		}
		if (p > 0 && p < 65536)
			return (unsigned short)p;
		CHECK(waitpid(registrar_pid, NULL, WNOHANG) == 0); /* still running */
		CHECK(now_ms() < end);
		usleep(10000);
	}
}

static void init_library(unsigned short regport)
{
	struct rsp_info info;
	char arg[64];

	rsp_initinfo(&info);
	snprintf(arg, sizeof arg, "-registrar=127.0.0.1:%u", regport);
	CHECK(rsp_initarg(&info, arg) == 1);
	CHECK(rsp_initarg(&info, "-asapannounce=off") == 1);
	CHECK(rsp_initialize(&info) == 0);
	CHECK(info.ri_version == RSPLIB_VERSION && info.ri_revision == RSPLIB_REVISION);
	rsp_freeinfo(&info);
}

/* The pool element: echoes every message of every session. */
static void echo_element(unsigned short regport, int report)
{
	struct rsp_loadinfo load;
	struct rsp_sndrcvinfo ri;
	struct sockaddr_in sin;
	char buf[4096];
	uint32_t id = 0;
	int sd, flags;

	init_library(regport);
	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(rsp_bind(sd, (struct sockaddr *)&sin, 1) == 0);
	memset(&load, 0, sizeof load);
	load.rli_policy = PPT_ROUNDROBIN;
	CHECK(rsp_register(sd, (const unsigned char *)POOL, strlen(POOL), &load, 30000, 0) == 0);
	CHECK(rsp_getsockname(sd, NULL, NULL, &id) == 0 && id != 0);
	CHECK(write(report, &id, sizeof id) == (ssize_t)sizeof id);
	for (;;) {
		ssize_t n = rsp_recvmsg(sd, buf, sizeof buf, &ri, &flags, -1);
		CHECK(n >= 0);
		if (flags & MSG_RSERPOOL_NOTIFICATION)
			continue;
		CHECK(rsp_sendmsg(sd, buf, (size_t)n, 0, ri.rinfo_session, ri.rinfo_ppid,
		                  ri.rinfo_stream, 0, 0, -1) == n);
	}
}

/* ---------------------------------------------------------------------- */

static const struct rsp_addrinfo *find(const struct rsp_addrinfo *ai, uint32_t id)
{
	for (; ai; ai = ai->ai_next)
		if (ai->ai_pe_id == id)
			return ai;
	return NULL;
}

static void basic_mode(void)
{
	unsigned char packed[sizeof(struct sockaddr_in)];
	struct sockaddr_in sin;
	struct rsp_addrinfo pe, *ai = NULL;
	const struct rsp_addrinfo *a;
	struct rsp_loadinfo load;
	long long end = now_ms() + DEADLINE_MS;
	int n;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(7077);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memcpy(packed, &sin, sizeof sin);
	memset(&pe, 0, sizeof pe);
	pe.ai_family = AF_INET;
	pe.ai_socktype = SOCK_STREAM;
	pe.ai_protocol = IPPROTO_SCTP;
	pe.ai_addrlen = sizeof sin;
	pe.ai_addrs = 1;
	pe.ai_addr = (struct sockaddr *)(void *)packed;
	memset(&load, 0, sizeof load);
	load.rli_policy = PPT_WEIGHTED_ROUNDROBIN;
	load.rli_weight = 3;
	CHECK(rsp_pe_registration((const unsigned char *)POOL_BASIC, strlen(POOL_BASIC), &pe, &load,
	                          30000, 0) == 0);
	CHECK(pe.ai_pe_id != 0);

	n = rsp_getaddrinfo((const unsigned char *)POOL_BASIC, strlen(POOL_BASIC), &ai,
	                    RSPGETADDRS_MAX, 0);
	CHECK(n == 1 && ai != NULL);
	a = find(ai, pe.ai_pe_id);
	CHECK(a != NULL && a->ai_family == AF_INET && a->ai_protocol == IPPROTO_SCTP);
	CHECK(a->ai_addrs == 1 && a->ai_addr != NULL);
	CHECK(a->ai_addr->sa_family == AF_INET &&
	      ((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_port == htons(7077));
	rsp_freeaddrinfo(ai);

	CHECK(rsp_pe_deregistration((const unsigned char *)POOL_BASIC, strlen(POOL_BASIC),
	                            pe.ai_pe_id, 0) == 0);
	for (;;) {
		ai = NULL;
		n = rsp_getaddrinfo_tags((const unsigned char *)POOL_BASIC, strlen(POOL_BASIC), &ai,
		                         RSPGETADDRS_MAX, 0, NULL);
		if (n == REAI_NONAME)
			break;
		CHECK(n > 0);
		rsp_freeaddrinfo(ai);
		CHECK(now_ms() < end);
		usleep(20000);
	}
	CHECK(rsp_getpolicybytype(PPT_ROUNDROBIN) != NULL);
	printf("rsplib_real_headers: basic mode ok (PE $%08x registered, resolved, deregistered)\n",
	       pe.ai_pe_id);
}

static void enhanced_mode(uint32_t element_id)
{
	const char msg[] = "hello from an rsplib program";
	struct rsp_sndrcvinfo ri;
	char buf[4096];
	long long end = now_ms() + DEADLINE_MS;
	int sd, flags;
	ssize_t n;

	/* the unexported-in-headers worker of rsp_socket */
	sd = rsp_socket_internal(0, SOCK_SEQPACKET, IPPROTO_SCTP, -1);
	CHECK(sd >= 0);
	CHECK(rsp_close(sd) == 0);

	sd = rsp_socket(0, SOCK_SEQPACKET, IPPROTO_SCTP);
	CHECK(sd >= 0);
	CHECK(rsp_connect(sd, (const unsigned char *)POOL, strlen(POOL), 0) == 0);
	CHECK(rsp_sendmsg(sd, msg, sizeof msg, 0, 0, htonl(PPID_ECHO), 0, 0, 0, DEADLINE_MS) ==
	      (ssize_t)sizeof msg);
	for (;;) {
		int left = (int)(end - now_ms());
		CHECK(left > 0);
		memset(&ri, 0, sizeof ri);
		flags = 0;
		n = rsp_recvmsg(sd, buf, sizeof buf, &ri, &flags, left);
		CHECK(n > 0);
		if (!(flags & MSG_RSERPOOL_NOTIFICATION))
			break;
	}
	CHECK(n == (ssize_t)sizeof msg && memcmp(buf, msg, sizeof msg) == 0);
	CHECK(ri.rinfo_ppid == htonl(PPID_ECHO));
	CHECK(ri.rinfo_pe_id == element_id);
	CHECK(rsp_close(sd) == 0);
	printf("rsplib_real_headers: enhanced mode ok (echo through PE $%08x)\n", element_id);
}

int main(void)
{
	unsigned short regport;
	uint32_t element_id = 0;
	struct pollfd pfd;
	int report[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof every_export / sizeof every_export[0]; i++)
		CHECK(every_export[i] != NULL);
	regport = start_registrar();

	/* the pool element is forked before this process uses the library */
	CHECK(pipe(report) == 0);
	element_pid = fork();
	CHECK(element_pid >= 0);
	if (element_pid == 0) {
		close(report[0]);
		registrar_pid = -1; /* not this process's to stop */
		tmpdir[0] = portfile[0] = '\0';
		echo_element(regport, report[1]);
		_exit(1);
	}
	close(report[1]);
	pfd.fd = report[0];
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, DEADLINE_MS) == 1);
	CHECK(read(report[0], &element_id, sizeof element_id) == (ssize_t)sizeof element_id);
	close(report[0]);

	init_library(regport);
	check_served_by_netcompat();
	basic_mode();
	enhanced_mode(element_id);
	rsp_cleanup();
	printf("rsplib_real_headers: ok\n");
	return 0;
}
