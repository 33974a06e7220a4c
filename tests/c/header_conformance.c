/*
 * header_conformance.c - the public headers as legacy code sees them.
 *
 * Built by headers.cmake as C89, C99 and C11 with -Wall -Wextra -Werror
 * -pedantic (and the C++ twin, header_conformance.cpp, as C++98/11/17), so
 * a header that is not clean in any of them fails the build. Every function
 * is assigned to a pointer of its exact legacy prototype: a changed
 * parameter or return type is a compile error. The constants and types are
 * checked at compile time; the program then runs a few calls that need no
 * peer, so the test also proves the names resolve at link and load time.
 *
 * Written in C89: no // comments, declarations first, no long long.
 */
#include <ssextagent.h>
#include <extagent.h>
/* Included twice, in the other order: the include guards hold. */
#include <extagent.h>
#include <ssextagent.h>
#include <extagent-protocol.h>

#include <stddef.h> /* NULL */

/* A compile-time check usable in C89 at file scope. */
#define STATIC_CHECK(name, cond) typedef char static_check_##name[(cond) ? 1 : -1]

STATIC_CHECK(ok_is_0, EXTAG_OK == 0);
STATIC_CHECK(failed_is_1, EXTAG_FAILED == 1);
STATIC_CHECK(unfinished_is_2, EXTAG_UNFINISHED == 2);
STATIC_CHECK(version_is_1, EXTAG_PROTOCOL_VERSION == 1);
STATIC_CHECK(max_packet_16mib, EXTAG_MAX_PACKET_DEFAULT == 16 * 1024 * 1024);
STATIC_CHECK(cmd_open_0, EXTAG_CMD_OPEN == 0);
STATIC_CHECK(cmd_close_1, EXTAG_CMD_CLOSE == 1);
STATIC_CHECK(close_normal_0, EXTAG_CLOSE_NORMAL == 0);
STATIC_CHECK(close_shutdown_1, EXTAG_CLOSE_SHUTDOWN == 1);
STATIC_CHECK(close_protocol_2, EXTAG_CLOSE_PROTOCOL_ERROR == 2);
STATIC_CHECK(close_too_large_3, EXTAG_CLOSE_TOO_LARGE == 3);
STATIC_CHECK(close_handshake_4, EXTAG_CLOSE_HANDSHAKE == 4);
/* ExtagStatus is an int-sized enum, as legacy code stores it. */
STATIC_CHECK(status_size, sizeof(ExtagStatus) == sizeof(int));

/* The callback types, exactly. */
static void accept_cb(ExtagConnection *conn) { (void)conn; }
static void packet_cb(ExtagConnection *conn, int size, unsigned char *data)
{
	(void)conn;
	(void)size;
	(void)data;
}

/* ssextagent.h: the legacy prototypes. */
static ExtagStatus (*const p_ssexact_initialize)(char *, unsigned long, unsigned short,
                                                 SsexConn **) = ssexact_initialize;
static ExtagStatus (*const p_ssexact_send)(SsexConn *, int, char *) = ssexact_send;
static ExtagStatus (*const p_ssexact_read)(SsexConn *, char **, int *) = ssexact_read;
static ExtagStatus (*const p_ssexact_blockingread)(SsexConn *, char **, int *) = ssexact_blockingread;
static void (*const p_ssexact_close)(SsexConn *) = ssexact_close;
static int (*const p_ssexact_fd)(SsexConn *) = ssexact_fd;
static int (*const p_ssextact_fd)(SsexConn *) = ssextact_fd;

/* extagent.h: the legacy prototypes. */
static ExtagStatus (*const p_extag_initialize)(unsigned short, ExtagAcceptCallback) = extag_initialize;
static ExtagStatus (*const p_extag_initialize_raw)(unsigned short, void (*)(ExtagConnection *)) =
	extag_initialize;
static unsigned short (*const p_extag_port)(void) = extag_port;
static ExtagStatus (*const p_extag_registerpacketcallback)(ExtagPacketCallback) =
	extag_registerpacketcallback;
static ExtagStatus (*const p_extag_registerpacketcallback_raw)(
	void (*)(ExtagConnection *, int, unsigned char *)) = extag_registerpacketcallback;
static ExtagStatus (*const p_extag_begindelivery)(ExtagConnection *) = extag_begindelivery;
static ExtagStatus (*const p_extag_send)(ExtagConnection *, int, unsigned char *) = extag_send;
static ExtagStatus (*const p_extag_closeconnection)(ExtagConnection *) = extag_closeconnection;
static ExtagStatus (*const p_extag_shutdown)(void) = extag_shutdown;
static int (*const p_extag_fd)(void) = extag_fd;
static ExtagStatus (*const p_extag_dispatch)(void) = extag_dispatch;

static const ExtagAcceptCallback the_accept_cb = accept_cb;
static const ExtagPacketCallback the_packet_cb = packet_cb;

int main(void)
{
	char *data = NULL;
	int len = -1;
	int failures = 0;
	SsexConn *conn;
	char buf[1];
	unsigned char ubuf[1];

	buf[0] = 'x';
	ubuf[0] = 'x';

	/* Every pointer is called, with arguments that need no peer. */
	conn = NULL;
	if (p_ssexact_initialize(NULL, 0, 0, &conn) != EXTAG_FAILED || conn != NULL)
		failures++;
	if (p_ssexact_send(NULL, 1, buf) != EXTAG_FAILED)
		failures++;
	if (p_ssexact_blockingread(NULL, &data, &len) != EXTAG_FAILED)
		failures++;
	if (p_extag_initialize(0, the_accept_cb) != EXTAG_OK || p_extag_port() == 0 ||
	    p_extag_fd() < 0 || p_extag_dispatch() != EXTAG_OK || p_extag_shutdown() != EXTAG_OK)
		failures++;
	if (p_extag_initialize_raw(0, the_accept_cb) != EXTAG_OK || p_extag_shutdown() != EXTAG_OK)
		failures++;
	if (p_extag_registerpacketcallback_raw(packet_cb) != EXTAG_OK)
		failures++;
	if (p_extag_begindelivery(NULL) != EXTAG_FAILED || p_extag_send(NULL, 1, ubuf) != EXTAG_FAILED ||
	    p_extag_closeconnection(NULL) != EXTAG_FAILED)
		failures++;

	/* Calls that need no peer, through the typed pointers. */
	if (p_ssexact_fd(NULL) != -1)
		failures++;
	if (p_ssextact_fd(NULL) != -1)
		failures++;
	if (p_ssexact_read(NULL, &data, &len) != EXTAG_FAILED || data != NULL || len != 0)
		failures++;
	p_ssexact_close(NULL);
	if (p_extag_port() != 0 || p_extag_fd() != -1)
		failures++;
	if (p_extag_registerpacketcallback(the_packet_cb) != EXTAG_OK)
		failures++;
	if (p_extag_registerpacketcallback(NULL) != EXTAG_OK)
		failures++;
	if (p_extag_dispatch() != EXTAG_FAILED)
		failures++;
	return failures == 0 ? 0 : 1;
}
