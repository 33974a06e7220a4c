/*
 * rserpool_session.h - the front's table of RSerPool sockets (enhanced
 * mode), shared by rserpool_session.c and rserpool_io.c.
 *
 * Each RSerPool socket is the C end of a socketpair whose Go end the core
 * writes frames to (capi/nc_abi.h, struct nc_rsp_frame). The table,
 * indexed by descriptor, knows which descriptors are RSerPool sockets
 * (so rsp_read & co. and rsp_recvmsg never call into Go to ask) and holds
 * the rest of a message that did not fit the caller's buffer.
 */
#ifndef NETCOMPAT_FRONT_RSERPOOL_SESSION_H
#define NETCOMPAT_FRONT_RSERPOOL_SESSION_H

#include <stddef.h>
#include <sys/types.h>

#define RSP_API_RSPLIB 1
#include "rserpool.h"
#include "nc_abi.h"

#define NC_HIDDEN __attribute__((visibility("hidden")))

struct nc_rsock {
	int type;                 /* SOCK_SEQPACKET or SOCK_STREAM */
	unsigned char *rbuf;      /* one frame: header + payload */
	struct nc_rsp_frame hdr;  /* the frame being handed out */
	size_t off, len;          /* what of its payload is handed out */
	int pending;              /* a message is being handed out */
	int base_flags;           /* its MSG_RSERPOOL_* flags */
	int listening;            /* rsp_listen succeeded: rsp_accept allowed */
	struct rserpool_session_parameters params;
};

/* The table: lock it around nc_rs_get and the use of its answer. */
NC_HIDDEN void nc_rs_lock(void);
NC_HIDDEN void nc_rs_unlock(void);
NC_HIDDEN struct nc_rsock *nc_rs_get(int fd);
NC_HIDDEN int nc_rs_add(int fd, int type); /* 0 or -1 (ENOMEM) */
NC_HIDDEN void nc_rs_remove(int fd);
/* Closes every RSerPool socket (rsp_cleanup). */
NC_HIDDEN void nc_rs_close_all(void);
/* 1 if fd is an RSerPool socket (takes the lock). */
NC_HIDDEN int nc_rs_is(int fd);
/* 1 if fd is an RSerPool socket with a partly read message. */
NC_HIDDEN int nc_rs_pending(int fd);

/*
 * Receives the next piece of a message, notification or cookie echo of
 * RSerPool socket sd (see rsp_recvmsg). With accepted non-NULL, waits for
 * a session of a listening socket instead, stores its new descriptor and
 * returns 0; other frames are dropped.
 */
NC_HIDDEN ssize_t nc_rs_recv(int sd, void *buffer, size_t len, struct rsp_sndrcvinfo *rinfo,
                             int *msg_flags, int timeout, int *accepted);

NC_HIDDEN int nc_rsp_started(void);
NC_HIDDEN int nc_rsp_unpack(const struct sockaddr *packed, size_t n, struct nc_rsp_addr *out,
                            int group);

#endif
