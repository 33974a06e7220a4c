/*
 * agents.h - what the front keeps of each agent connection (SsexConn *) so
 * that ssexact_send is one system call with no trip into Go.
 *
 * The SsexConn * a program holds is the core's handle for its Go
 * connection. The front maps it to a struct agent with the socket, the
 * packet limit and the write side's state. Entries are recycled, never
 * freed, so a sender that found one may keep using its memory while
 * another thread closes it; the handle field says whether it is still the
 * entry of that connection.
 */
#ifndef NETCOMPAT_FRONT_AGENTS_H
#define NETCOMPAT_FRONT_AGENTS_H

#include <pthread.h>

struct agent {
	void *handle;          /* the SsexConn * this entry serves; NULL when free */
	int fd;                /* the connection's socket (owned by the core) */
	int max_packet;        /* largest data packet */
	int send_errno;        /* sticky: once a send failed, every send fails */
	pthread_mutex_t wlock; /* one packet at a time on the wire */
	struct agent *next;    /* hash chain, or free list */
};

/* Registers handle; NULL when out of memory. */
__attribute__((visibility("hidden")))
struct agent *agents_add(void *handle, int fd, int max_packet);

/* The entry of handle, or NULL for a handle that is not open. */
__attribute__((visibility("hidden")))
struct agent *agents_find(void *handle);

/* Unregisters handle and returns its entry, or NULL. The caller ends the
 * entry's use with agents_recycle once no sender can be inside it. */
__attribute__((visibility("hidden")))
struct agent *agents_remove(void *handle);

__attribute__((visibility("hidden")))
void agents_recycle(struct agent *a);

#endif /* NETCOMPAT_FRONT_AGENTS_H */
