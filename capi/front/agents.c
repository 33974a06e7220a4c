/* The handle -> struct agent table of agents.h: a chained hash table. */
#include <stdint.h>
#include <stdlib.h>

#include "agents.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct agent **buckets; /* nbuckets chains */
static size_t nbuckets, count;
static struct agent *free_list;

static size_t slot(void *handle, size_t n)
{
	uintptr_t h = (uintptr_t)handle;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 7) & (n - 1);
}

/* Doubles the table when it is as full as it has chains. */
static int grow(void)
{
	size_t n = nbuckets ? nbuckets * 2 : 256;
	struct agent **b = calloc(n, sizeof *b);

	if (!b)
		return -1;
	for (size_t i = 0; i < nbuckets; i++) {
		struct agent *a = buckets[i], *next;
		for (; a; a = next) {
			size_t s = slot(a->handle, n);
			next = a->next;
			a->next = b[s];
			b[s] = a;
		}
	}
	free(buckets);
	buckets = b;
	nbuckets = n;
	return 0;
}

struct agent *agents_add(void *handle, int fd, int max_packet)
{
	struct agent *a = NULL;
	size_t s;

	pthread_mutex_lock(&lock);
	if (count >= nbuckets && grow() != 0)
		goto out;
	if (free_list) {
		a = free_list;
		free_list = a->next;
	} else if ((a = calloc(1, sizeof *a)) != NULL) {
		pthread_mutex_init(&a->wlock, NULL);
	} else {
		goto out;
	}
	a->fd = fd;
	a->max_packet = max_packet;
	a->send_errno = 0;
	__atomic_store_n(&a->handle, handle, __ATOMIC_RELEASE);
	s = slot(handle, nbuckets);
	a->next = buckets[s];
	buckets[s] = a;
	count++;
out:
	pthread_mutex_unlock(&lock);
	return a;
}

struct agent *agents_find(void *handle)
{
	struct agent *a = NULL;

	if (!handle)
		return NULL;
	pthread_mutex_lock(&lock);
	if (nbuckets)
		for (a = buckets[slot(handle, nbuckets)]; a && a->handle != handle; a = a->next)
			;
	pthread_mutex_unlock(&lock);
	return a;
}

struct agent *agents_remove(void *handle)
{
	struct agent *a = NULL, **pp;

	if (!handle)
		return NULL;
	pthread_mutex_lock(&lock);
	if (nbuckets) {
		for (pp = &buckets[slot(handle, nbuckets)]; *pp; pp = &(*pp)->next) {
			if ((*pp)->handle == handle) {
				a = *pp;
				*pp = a->next;
				a->next = NULL;
				count--;
				break;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	return a;
}

void agents_recycle(struct agent *a)
{
	pthread_mutex_lock(&lock);
	__atomic_store_n(&a->handle, NULL, __ATOMIC_RELEASE);
	a->fd = -1;
	a->next = free_list;
	free_list = a;
	pthread_mutex_unlock(&lock);
}
