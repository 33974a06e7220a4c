/*
 * test_rapi_nosignal: IBM i QoS sockets, REQ_NOSIGNAL end to end with
 * rsvpd. The test starts rsvpd (RSVPD, tests/c/rapi_nosignal.cmake) with a
 * configuration whose loopback pool (1 Mbit/s, enforce off) takes one
 * instance of its nosignal rule (600 Kbit/s, the listening TCP port, on
 * lo) and then: qtoq_accept with REQ_NOSIGNAL admits the rule for the
 * first connection (no RAPI session: *qos_descriptor -1, no_signal set);
 * a second connection is refused with ENOSPC (the pool is full); once
 * qtoq_close has unloaded the first, a third is admitted again; a rule
 * name nothing matches gives ENOENT; qtoq_ioctl with REQ_NOSIGNAL and the
 * rule's name loads it for a connectionless socket, and qtoq_close
 * unloads it. Waits are poll() with a deadline.
 */
#include "nctest.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <sys/un.h>

#include "rapitest.h"

#include "rapi.h"
#include "qtoqsapi.h"

/* rsvpd for this test (tests/c/rapitest.h): a 1 Mbit/s pool on lo and a
 * 600 kbit/s no-signalling rule for TCP port port, so one fits and a
 * second does not. */
static void start_daemon(unsigned short port)
{
	char conf[256];

	snprintf(conf, sizeof conf,
	         "refresh 30s\n"
	         "interface lo bandwidth 1Mbit enforce off\n"
	         "nosignal tiny proto tcp local-port %u rate 600Kbit burst 3000B interface lo\n",
	         (unsigned)port);
	rapitest_prepare(conf);
	rapitest_start();
}

/* A plain client connection to the listener (accepted from the backlog). */
static int dial(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0);
	return fd;
}

/* qtoq_accept with REQ_NOSIGNAL for a fresh connection. */
static int accept_nosignal(int lfd, const struct sockaddr_in *sa, int *client,
                           unsigned int *sess, int *qfd, qos_req *q)
{
	struct sockaddr_in peer;
	int plen = sizeof peer;

	*client = dial(sa);
	memset(q, 0, sizeof *q);
	*sess = 0;
	*qfd = 7;
	return qtoq_accept(lfd, REQ_NOSIGNAL, (struct sockaddr *)&peer, &plen, q, sess, qfd);
}

int main(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	unsigned int sess1, sess2, sess3, usess;
	int lfd, ufd, c1, c2, c3, fd1, fd2, fd3, qfd;
	qos_req q;

	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK(listen(lfd, 8) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
	start_daemon(ntohs(sa.sin_port)); /* before the first library call */

	/* Admitted: the rule takes 600 of the pool's 1000 Kbit/s. */
	fd1 = accept_nosignal(lfd, &sa, &c1, &sess1, &qfd, &q);
	CHECK(fd1 >= 0);
	CHECK(sess1 != 0);
	CHECK_EQ(qfd, -1);
	CHECK_EQ(q.no_signal, 1);
	nct_write_all(fd1, "hello", 6);

	/* Refused: a second instance does not fit. */
	fd2 = accept_nosignal(lfd, &sa, &c2, &sess2, &qfd, &q);
	CHECK_EQ(fd2, -1);
	CHECK_EQ(errno, ENOSPC);
	close(c2);

	/* A rule name nothing matches. */
	c2 = dial(&sa);
	memset(&q, 0, sizeof q);
	snprintf(q.rule_name, sizeof q.rule_name, "nope");
	CHECK_EQ(qtoq_accept(lfd, REQ_NOSIGNAL, NULL, NULL, &q, &sess2, &qfd), -1);
	CHECK_EQ(errno, ENOENT);
	close(c2);

	/* qtoq_close unloads the rule: the pool takes it again. */
	CHECK_EQ(qtoq_close(fd1, &qfd, &sess1), 0);
	CHECK_EQ(sess1, 0u);
	close(c1);
	fd3 = accept_nosignal(lfd, &sa, &c3, &sess3, &qfd, &q);
	CHECK(fd3 >= 0);
	CHECK(sess3 != 0);
	CHECK_EQ(qtoq_close(fd3, &qfd, &sess3), 0);
	close(c3);

	/* qtoq_ioctl: a connectionless socket, the rule by name. */
	ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(ufd >= 0);
	memset(&q, 0, sizeof q);
	snprintf(q.rule_name, sizeof q.rule_name, "tiny");
	usess = 0;
	CHECK_EQ(qtoq_ioctl(ufd, REQ_NOSIGNAL, &q, &usess, &qfd), 0);
	CHECK(usess != 0);
	CHECK_EQ(q.no_signal, 1);
	/* It holds the pool: an accepted connection is refused meanwhile. */
	fd2 = accept_nosignal(lfd, &sa, &c2, &sess2, &qfd, &q);
	CHECK_EQ(fd2, -1);
	CHECK_EQ(errno, ENOSPC);
	close(c2);
	CHECK_EQ(qtoq_close(ufd, NULL, &usess), 0);
	fd2 = accept_nosignal(lfd, &sa, &c2, &sess2, &qfd, &q);
	CHECK(fd2 >= 0);
	CHECK_EQ(qtoq_close(fd2, NULL, &sess2), 0);
	close(c2);

	close(lfd);
	printf("test_rapi_nosignal: ok\n");
	return 0;
}
