/*
 * webtp.h's redirections leave every other descriptor alone: TCP and UDP
 * sockets made, used and closed through the redirected names behave as
 * with the C library, and none of it loads the Go core (a program that
 * forks before its first WebTP call must keep working). Also: &socket and
 * friends are the C library's functions, and socket() of WebTP types with
 * a bad domain or protocol fails without loading the core either.
 */
#include "webtptest.h"

static int core_loaded(void)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "libnetcompat-go.so"))
			found = 1;
	fclose(f);
	return found;
}

/* The function-like macros redirect calls only. */
typedef int (*socket_fn)(int, int, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef int (*close_fn)(int);

static void tcp_and_udp(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int l, c, s, u1, u2, one = 1, v = 0;
	char buf[64];

	/* TCP: socket, bind, listen, getsockname, connect, accept4, setsockopt,
	 * getsockopt, send, write, getpeername, close. */
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(l >= 0);
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(l, 4) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(s >= 0);
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
	len = sizeof v;
	CHECK(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
	CHECK_EQ(v, SOCK_STREAM);
	len = sizeof v;
	CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
	CHECK(v != 0);
	/* Bytes that would be an invalid WebTP header pass untouched. */
	CHECK_EQ(send(c, "\x0f\xff\xff\xffhello", 9, 0), 9);
	CHECK_EQ(write(c, "!", 1), 1);
	CHECK(nct_read_exact(s, buf, 10) == 0);
	CHECK(memcmp(buf, "\x0f\xff\xff\xffhello!", 10) == 0);
	len = sizeof a;
	CHECK(getpeername(s, (struct sockaddr *)&a, &len) == 0);
	CHECK_EQ(a.sin_family, AF_INET);
	CHECK(close(c) == 0);
	CHECK(close(s) == 0);
	CHECK(close(l) == 0);

	/* UDP. */
	u1 = socket(AF_INET, SOCK_DGRAM, 0);
	u2 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK(u1 >= 0 && u2 >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(u1, (struct sockaddr *)&a, sizeof a) == 0);
	len = sizeof a;
	CHECK(getsockname(u1, (struct sockaddr *)&a, &len) == 0);
	CHECK(connect(u2, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK_EQ(send(u2, "\xc0\x00\x00\x09x", 5, 0), 5); /* claims 9 octets: not ours */
	CHECK(nct_wait_readable(u1, NCT_DEADLINE_MS));
	CHECK_EQ(recv(u1, buf, sizeof buf, 0), 5);
	CHECK(close(u1) == 0);
	CHECK(close(u2) == 0);

	/* The C library's errors, unchanged. */
	errno = 0;
	CHECK_EQ(close(u1), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(send(u1, "x", 1, 0), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(write(u1, "x", 1), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(setsockopt(u1, SOL_SOCKET, SO_RCVBUF, &one, sizeof one), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(socket(AF_INET, 77, 0), -1);
	CHECK(errno == EINVAL || errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT);
}

int main(void)
{
	socket_fn sp = &socket;
	send_fn snd = send;
	close_fn cl = close;
	int fd, p[2];

	/* The addresses are the C library's (&socket is not a call). */
	fd = sp(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK(cl(fd) == 0);
	(void)snd;

	/* write() on pipes and files, close of a pipe. */
	CHECK(pipe(p) == 0);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	CHECK(close(p[1]) == 0);
	CHECK(close(p[0]) == 0);

	tcp_and_udp();

	/* WebTP types with a bad domain or protocol: rejected in the front. */
	CHECK_EQ(socket(AF_UNIX, SOCK_ADU, 0), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	CHECK_EQ(socket(AF_INET, SOCK_ADU_NO_DUP, IPPROTO_TCP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK(!core_loaded());

	/* After a fork, the child can still use WebTP (the core was never
	 * started in the parent). */
	{
		pid_t pid = nct_fork(120);
		if (pid == 0) {
			int s = socket(AF_INET, SOCK_ADU, 0);
			if (s < 0 || !core_loaded())
				_exit(1);
			_exit(close(s) == 0 ? 0 : 1);
		}
		nct_wait_child_ok(pid);
	}
	CHECK(!core_loaded());

	/* The first WebTP socket loads the core; TCP and UDP still pass. */
	fd = socket(AF_INET, SOCK_ADU | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK(core_loaded());
	tcp_and_udp();
	CHECK(close(fd) == 0);
	/* A number the WebTP socket had, reused by a plain socket: not WebTP. */
	fd = socket(AF_INET, SOCK_ADU, 0);
	CHECK(fd >= 0);
	CHECK(close(fd) == 0);
	{
		int u = socket(AF_INET, SOCK_DGRAM, 0), v = 0;
		socklen_t len = sizeof v;
		CHECK_EQ(u, fd);
		CHECK(getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
		CHECK_EQ(v, SOCK_DGRAM);
		CHECK(close(u) == 0);
	}
	return 0;
}
