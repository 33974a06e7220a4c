/*
 * webtp.h conformance (C89, C99, C11; also with _GNU_SOURCE, where glibc's
 * sockaddr arguments are transparent unions): the header compiles cleanly
 * under -Wall -Wextra -Werror -pedantic, every redirected name has the C
 * library's type, the ADU header macros work on char and unsigned char,
 * &socket and friends still name the C library, and calls on descriptors
 * that are not WebTP sockets fall through. Built by tests/c/webtp_headers.cmake.
 */
#include <webtp.h>
#include <netinet/in.h>
#include <string.h>

/* Each webtp_* function has exactly the C library function's type. */
#define SAME_TYPE(name) \
	__typeof__(name) *p_##name = webtp_##name

int main(void)
{
	SAME_TYPE(socket);
	SAME_TYPE(bind);
	SAME_TYPE(connect);
	SAME_TYPE(listen);
	SAME_TYPE(accept);
	SAME_TYPE(setsockopt);
	SAME_TYPE(getsockopt);
	SAME_TYPE(getsockname);
	SAME_TYPE(getpeername);
	SAME_TYPE(send);
	SAME_TYPE(write);
	SAME_TYPE(close);
	int (*p_webtp_accept4)(int, struct sockaddr *, socklen_t *, int) = 0;
	unsigned char h[WEBTP_HDR_SIZE];
	char c[WEBTP_HDR_SIZE];
	int fd, ok = 1;
	unsigned long max = WEBTP_MAX_ADU;

	(void)p_webtp_accept4;
	ok &= p_bind != 0 && p_connect != 0 && p_listen != 0 && p_accept != 0;
	ok &= p_setsockopt != 0 && p_getsockopt != 0 && p_getsockname != 0;
	ok &= p_getpeername != 0 && p_write != 0;
	/* Constants. */
	ok &= SOCK_ADU == 8 && SOCK_ADU_NO_DUP == 9;
	ok &= IPPROTO_WEBTP == 100 && SOL_WEBTP == 100;
	ok &= WEBTP_CLASS == 0 && WEBTP_RATE == 1 && WEBTP_RTT == 2 && WEBTP_DROPPED == 3;
	ok &= max == 16777215UL;
	/* Header macros. */
	WEBTP_HDR_SET_ADU(h, WEBTP_HDR_RELIABLE | WEBTP_HDR_URGENT, 0x123456);
	ok &= h[0] == 0xF0 && h[1] == 0x12 && h[2] == 0x34 && h[3] == 0x56;
	ok &= WEBTP_HDR_FLAGS(h) == 0xF0 && WEBTP_HDR_LEN(h) == 0x123456UL;
	ok &= !WEBTP_IS_LOSS_NOTICE(h);
	WEBTP_HDR_SET(c, WEBTP_HDR_START, WEBTP_MAX_ADU);
	ok &= WEBTP_HDR_FLAGS(c) == 0x80 && WEBTP_HDR_LEN(c) == WEBTP_MAX_ADU;
	memset(c, 0, sizeof c);
	ok &= WEBTP_IS_LOSS_NOTICE(c);
	/* The function-like macros redirect calls; names alone are libc's. */
	ok &= p_socket != 0 && p_close != 0 && p_send != 0;
	/* Fall-through for an ordinary socket (does not load the core). */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ok &= fd >= 0;
	ok &= setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &ok, sizeof ok) == 0;
	ok &= close(fd) == 0;
	return ok ? 0 : 1;
}
