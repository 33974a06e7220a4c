#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* Where the core lies, relative to the directory of libnetcompat.so.1. */
#define NC_CORE_RELPATH "netcompat/libnetcompat-go.so.1"

static struct nc_core core;
static int core_loaded;
static pthread_once_t core_once = PTHREAD_ONCE_INIT;

/* Finds the core beside this library, wherever it was installed. */
static int core_path(char *path, size_t size)
{
	Dl_info info;
	const char *slash;
	size_t dirlen;

	if (!dladdr((void *)&core_path, &info) || !info.dli_fname)
		return -1;
	slash = strrchr(info.dli_fname, '/');
	dirlen = slash ? (size_t)(slash - info.dli_fname) : 1;
	if (snprintf(path, size, "%.*s/%s", (int)dirlen,
	             slash ? info.dli_fname : ".", NC_CORE_RELPATH) >= (int)size)
		return -1;
	return 0;
}

static void core_load(void)
{
	char path[PATH_MAX];
	void *h;

	if (core_path(path, sizeof path) != 0) {
		fprintf(stderr, "netcompat: cannot locate libnetcompat.so.1 itself\n");
		return;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "netcompat: cannot load the core: %s\n", dlerror());
		return;
	}
#define NC_RESOLVE(ret, name, params)                                         \
	*(void **)&core.name = dlsym(h, #name);                              \
	if (!core.name) {                                                    \
		fprintf(stderr, "netcompat: %s lacks %s\n", path, #name);    \
		return;                                                      \
	}
	NC_CORE_FUNCS(NC_RESOLVE)
#undef NC_RESOLVE
	core_loaded = 1;
}

const struct nc_core *nc_core(void)
{
	pthread_once(&core_once, core_load);
	if (!core_loaded) {
		errno = ELIBACC;
		return NULL;
	}
	return &core;
}
