/*
 * header_conformance.cpp - the C++ twin of header_conformance.c.
 *
 * Built by headers.cmake as C++98, C++11 and C++17 with -Wall -Wextra
 * -Werror -pedantic. The headers must compile cleanly as C++ and declare
 * the functions with C linkage (otherwise the link fails on mangled names).
 * Every function is assigned to a pointer of its exact legacy prototype;
 * from C++11 on, decltype checks the types are identical, not merely
 * convertible.
 */
#include <ssextagent.h>
#include <extagent.h>
#include <extagent.h>
#include <ssextagent.h>
#include <extagent-protocol.h>

#include <cstddef>
#if __cplusplus >= 201103L
#include <type_traits>
#endif

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
STATIC_CHECK(status_size, sizeof(ExtagStatus) == sizeof(int));

#if __cplusplus >= 201103L
#define SAME_TYPE(fn, type)                                                    \
	static_assert(std::is_same<decltype(&fn), type>::value,               \
	              #fn " does not have its legacy prototype")
SAME_TYPE(ssexact_initialize, ExtagStatus (*)(char *, unsigned long, unsigned short, SsexConn **));
SAME_TYPE(ssexact_send, ExtagStatus (*)(SsexConn *, int, char *));
SAME_TYPE(ssexact_read, ExtagStatus (*)(SsexConn *, char **, int *));
SAME_TYPE(ssexact_blockingread, ExtagStatus (*)(SsexConn *, char **, int *));
SAME_TYPE(ssexact_close, void (*)(SsexConn *));
SAME_TYPE(ssexact_fd, int (*)(SsexConn *));
SAME_TYPE(ssextact_fd, int (*)(SsexConn *));
SAME_TYPE(extag_initialize, ExtagStatus (*)(unsigned short, void (*)(ExtagConnection *)));
SAME_TYPE(extag_port, unsigned short (*)());
SAME_TYPE(extag_registerpacketcallback,
          ExtagStatus (*)(void (*)(ExtagConnection *, int, unsigned char *)));
SAME_TYPE(extag_begindelivery, ExtagStatus (*)(ExtagConnection *));
SAME_TYPE(extag_send, ExtagStatus (*)(ExtagConnection *, int, unsigned char *));
SAME_TYPE(extag_closeconnection, ExtagStatus (*)(ExtagConnection *));
SAME_TYPE(extag_shutdown, ExtagStatus (*)());
SAME_TYPE(extag_fd, int (*)());
SAME_TYPE(extag_dispatch, ExtagStatus (*)());
static_assert(std::is_same<ExtagAcceptCallback, void (*)(ExtagConnection *)>::value,
              "ExtagAcceptCallback");
static_assert(std::is_same<ExtagPacketCallback,
                           void (*)(ExtagConnection *, int, unsigned char *)>::value,
              "ExtagPacketCallback");
static_assert(std::is_enum<ExtagStatus>::value, "ExtagStatus is an enum");
#endif

namespace {

void accept_cb(ExtagConnection *conn) { (void)conn; }
void packet_cb(ExtagConnection *conn, int size, unsigned char *data)
{
	(void)conn;
	(void)size;
	(void)data;
}

ExtagStatus (*const p_ssexact_initialize)(char *, unsigned long, unsigned short, SsexConn **) =
	ssexact_initialize;
ExtagStatus (*const p_ssexact_send)(SsexConn *, int, char *) = ssexact_send;
ExtagStatus (*const p_ssexact_read)(SsexConn *, char **, int *) = ssexact_read;
ExtagStatus (*const p_ssexact_blockingread)(SsexConn *, char **, int *) = ssexact_blockingread;
void (*const p_ssexact_close)(SsexConn *) = ssexact_close;
int (*const p_ssexact_fd)(SsexConn *) = ssexact_fd;
int (*const p_ssextact_fd)(SsexConn *) = ssextact_fd;

ExtagStatus (*const p_extag_initialize)(unsigned short, ExtagAcceptCallback) = extag_initialize;
unsigned short (*const p_extag_port)(void) = extag_port;
ExtagStatus (*const p_extag_registerpacketcallback)(ExtagPacketCallback) =
	extag_registerpacketcallback;
ExtagStatus (*const p_extag_begindelivery)(ExtagConnection *) = extag_begindelivery;
ExtagStatus (*const p_extag_send)(ExtagConnection *, int, unsigned char *) = extag_send;
ExtagStatus (*const p_extag_closeconnection)(ExtagConnection *) = extag_closeconnection;
ExtagStatus (*const p_extag_shutdown)(void) = extag_shutdown;
int (*const p_extag_fd)(void) = extag_fd;
ExtagStatus (*const p_extag_dispatch)(void) = extag_dispatch;

const ExtagAcceptCallback the_accept_cb = accept_cb;
const ExtagPacketCallback the_packet_cb = packet_cb;

/* ExtagStatus works in a switch over all its values. */
const char *name(ExtagStatus st)
{
	switch (st) {
	case EXTAG_OK:
		return "ok";
	case EXTAG_FAILED:
		return "failed";
	case EXTAG_UNFINISHED:
		return "unfinished";
	}
	return "?";
}

} // namespace

int main()
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
	if (p_extag_begindelivery(NULL) != EXTAG_FAILED || p_extag_send(NULL, 1, ubuf) != EXTAG_FAILED ||
	    p_extag_closeconnection(NULL) != EXTAG_FAILED)
		failures++;
	if (p_ssexact_fd(NULL) != -1 || p_ssextact_fd(NULL) != -1)
		failures++;
	if (p_ssexact_read(NULL, &data, &len) != EXTAG_FAILED || data != NULL || len != 0)
		failures++;
	p_ssexact_close(NULL);
	if (p_extag_port() != 0 || p_extag_fd() != -1)
		failures++;
	if (p_extag_registerpacketcallback(the_packet_cb) != EXTAG_OK ||
	    p_extag_registerpacketcallback(NULL) != EXTAG_OK)
		failures++;
	if (p_extag_dispatch() != EXTAG_FAILED)
		failures++;
	if (name(EXTAG_OK)[0] != 'o')
		failures++;
	return failures == 0 ? 0 : 1;
}
