/*
 * nc_abi.h - the private interface between libnetcompat.so.1, the C front
 * that programs link, and libnetcompat-go.so.1, the Go core it loads on
 * first use. Never installed; the public ABI is include/.
 *
 * Conventions: every entry that can fail returns a status and stores an
 * errno value in *err (0 when there is none); the front copies it into
 * errno as its last step. Handles are the pointers the legacy API hands out.
 */
#ifndef NETCOMPAT_NC_ABI_H
#define NETCOMPAT_NC_ABI_H

#include <stddef.h>

/* An event the server core hands the front's extag_dispatch. */
enum nc_extag_event_kind {
	NC_EXTAG_ACCEPTED = 1,
	NC_EXTAG_PACKET = 2,
	NC_EXTAG_CLOSED = 3
};

struct nc_extag_event {
	int kind;
	int size;     /* NC_EXTAG_PACKET: octets of data */
	void *conn;   /* the ExtagConnection * */
	size_t off;   /* NC_EXTAG_PACKET: where the data starts in the batch buffer */
};

/*
 * Every Go export the front calls: X(return type, name, parameter list).
 * The front builds its function table from this list, and the Go core
 * checks its exports against it at compile time (capi/abi_check.c).
 */
#define NC_CORE_FUNCS(X)                                                      \
	X(int, nc_ssexact_initialize,                                         \
	  (char *hostname, unsigned long ipaddr, unsigned short port,         \
	   void **conn, int *fd, int *max_packet, int *err))                  \
	X(int, nc_ssexact_read,                                               \
	  (void *conn, int block, char **data, int *len, int *err))           \
	X(void, nc_ssexact_close, (void *conn))                               \
	X(int, nc_extag_initialize, (unsigned short port, int *err))          \
	X(unsigned short, nc_extag_port, (void))                              \
	X(int, nc_extag_fd, (void))                                           \
	X(int, nc_extag_begindelivery, (void *conn, int *err))                \
	X(int, nc_extag_send,                                                 \
	  (void *conn, int size, unsigned char *data, int *err))              \
	X(int, nc_extag_closeconnection, (void *conn, int *err))              \
	X(int, nc_extag_shutdown, (int *err))                                 \
	X(int, nc_extag_take,                                                 \
	  (int first, struct nc_extag_event *evs, int max,                   \
	   unsigned char **buf, size_t *cap, int *err))                       \
	X(void, nc_extag_release, (void))

#endif /* NETCOMPAT_NC_ABI_H */
