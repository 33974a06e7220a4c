#!/bin/sh
# test-install.sh - install a built netcompat into a scratch prefix and use
# it the three ways outside programs do.
#
#   scripts/test-install.sh BUILD_DIR SOURCE_DIR
#
# 1. `cmake --install BUILD_DIR --prefix <tmp>`, and the install tree has
#    the library, its symlink, the legacy ld script, the private Go core in
#    <libdir>/netcompat/, the headers, the pkg-config file and the CMake
#    package (libdir is whatever CMAKE_INSTALL_LIBDIR made it);
# 2. tests/install-consumer built with CMake: find_package(netcompat) with
#    CMAKE_PREFIX_PATH=<tmp>, target netcompat::netcompat;
# 3. consumer.c built with `cc $(pkg-config --cflags --libs netcompat)`;
# 4. consumer.c built with `cc -I<prefix>/include ... -L<libdir> -lssextagent`;
# 5. rsplib's run-time name: <libdir>/librsplib.so.3 (SONAME librsplib.so.3,
#    DT_NEEDED libnetcompat.so.1), dlopened by path and by name, runs
#    rsp_initialize on the installed library and core.
# Each program must run to success loading the installed library and core,
# and record DT_NEEDED libnetcompat.so.1 (no path, nothing of the build).
# CC, CMAKE, READELF and PKG_CONFIG may name the tools. Every check runs;
# the script exits 1 if any failed. The scratch directory is removed.
set -u

CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}
READELF=${READELF:-readelf}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd -P) || exit 2
src=$(cd "$2" && pwd -P) || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/netcompat-install.XXXXXX") || exit 1
tmp=$(cd "$tmp" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
prefix=$tmp/prefix
failed=0

fail() {
	echo "test-install: FAIL: $*" >&2
	failed=$((failed + 1))
}
ok() {
	echo "test-install: ok: $*"
}
# Runs a command quietly, showing its output if it fails.
quiet() {
	if "$@" >"$tmp/cmd.log" 2>&1; then
		return 0
	fi
	echo "test-install: command failed: $*" >&2
	sed 's/^/    /' "$tmp/cmd.log" >&2
	return 1
}

# ---------------------------------------------------------------------------
# 1. Install, and look at what was installed.
# ---------------------------------------------------------------------------
if ! quiet "$CMAKE" --install "$build" --prefix "$prefix"; then
	fail "cmake --install $build --prefix $prefix"
	exit 1
fi

libs=$(find "$prefix" -name libnetcompat.so.1)
if [ -z "$libs" ] || [ "$(echo "$libs" | wc -l)" -ne 1 ]; then
	fail "want exactly one libnetcompat.so.1 under the prefix, found: ${libs:-none}"
	find "$prefix" >&2
	exit 1
fi
libdir=$(dirname "$libs")
case ${libdir#"$prefix"/} in
lib | lib64 | lib/*) ok "libdir is ${libdir#"$prefix"/}" ;;
*) fail "libnetcompat.so.1 installed in ${libdir#"$prefix"/}, not a lib directory" ;;
esac
incdir=$prefix/include

check_file() { # path description
	if [ -f "$1" ]; then
		ok "installed ${1#"$prefix"/}"
	else
		fail "missing $2: ${1#"$prefix"/}"
	fi
}
check_file "$libdir/libnetcompat.so.1" "the library"
check_file "$libdir/libnetcompat.so" "the development symlink"
check_file "$libdir/libssextagent.so" "the legacy -lssextagent ld script"
check_file "$libdir/librsplib.so" "the legacy -lrsplib ld script"
check_file "$libdir/librsplib.so.3" "rsplib's run-time name librsplib.so.3"
check_file "$libdir/netcompat/libnetcompat-go.so.1" "the Go core"
for h in ssextagent.h extagent.h extagent-protocol.h; do
	check_file "$incdir/$h" "public header"
done
check_file "$libdir/pkgconfig/netcompat.pc" "the pkg-config file"
check_file "$libdir/cmake/netcompat/netcompatConfig.cmake" "the CMake package"
check_file "$libdir/cmake/netcompat/netcompatConfigVersion.cmake" "the CMake package version"

if [ -L "$libdir/libnetcompat.so" ]; then
	target=$(readlink "$libdir/libnetcompat.so")
	[ "$target" = libnetcompat.so.1 ] || fail "libnetcompat.so points to $target, want libnetcompat.so.1"
fi
if [ -f "$libdir/libssextagent.so" ] && ! grep -q 'INPUT(libnetcompat.so.1)' "$libdir/libssextagent.so"; then
	fail "libssextagent.so is not the ld script INPUT(libnetcompat.so.1): $(cat "$libdir/libssextagent.so")"
fi
if [ -f "$libdir/librsplib.so" ] && ! grep -q 'INPUT(libnetcompat.so.1)' "$libdir/librsplib.so"; then
	fail "librsplib.so is not the ld script INPUT(libnetcompat.so.1): $(cat "$libdir/librsplib.so")"
fi
if [ -f "$libdir/librsplib.so.3" ]; then
	"$READELF" -d "$libdir/librsplib.so.3" >"$tmp/rsplib.dyn"
	grep -q '(SONAME).*\[librsplib.so.3\]' "$tmp/rsplib.dyn" ||
		fail "librsplib.so.3 lacks SONAME librsplib.so.3"
	grep -q '(NEEDED).*\[libnetcompat.so.1\]' "$tmp/rsplib.dyn" ||
		fail "librsplib.so.3 lacks DT_NEEDED libnetcompat.so.1"
	if grep -E '\((RPATH|RUNPATH)\)' "$tmp/rsplib.dyn" | grep -qF "$build"; then
		fail "the installed librsplib.so.3 has a run path into the build tree: $(grep -E 'RPATH|RUNPATH' "$tmp/rsplib.dyn")"
	fi
fi
# Private things stay private.
for f in nc_abi.h libnetcompat-go.h libnetcompat-go.so.h _cgo_export.h; do
	if [ -n "$(find "$prefix" -name "$f")" ]; then
		fail "a private file was installed: $(find "$prefix" -name "$f")"
	fi
done
if [ -e "$libdir/libnetcompat-go.so.1" ]; then
	fail "the Go core is installed beside the library, where programs could link it"
fi
# The installed library does not point into the build tree.
if [ -f "$libdir/libnetcompat.so.1" ]; then
	"$READELF" -d "$libdir/libnetcompat.so.1" >"$tmp/lib.dyn"
	if grep -E '\((RPATH|RUNPATH)\)' "$tmp/lib.dyn" | grep -qF "$build"; then
		fail "the installed libnetcompat.so.1 has a run path into the build tree: $(grep -E 'RPATH|RUNPATH' "$tmp/lib.dyn")"
	fi
	grep -q '(SONAME).*\[libnetcompat.so.1\]' "$tmp/lib.dyn" ||
		fail "the installed libnetcompat.so.1 lacks SONAME libnetcompat.so.1"
fi

# ---------------------------------------------------------------------------
# Running and inspecting the programs.
# ---------------------------------------------------------------------------

# check_needed BINARY: DT_NEEDED names libnetcompat.so.1, by soname only.
check_needed() {
	bin=$1
	"$READELF" -d "$bin" >"$tmp/bin.dyn" || { fail "readelf -d $bin"; return; }
	needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' "$tmp/bin.dyn")
	echo "$needed" | grep -qx 'libnetcompat.so.1' ||
		fail "$(basename "$bin"): NEEDED lacks libnetcompat.so.1: $(echo $needed)"
	for n in $needed; do
		case $n in
		*/*) fail "$(basename "$bin"): NEEDED $n is a path" ;;
		*netcompat-go*) fail "$(basename "$bin"): NEEDED $n: programs must not link the core" ;;
		esac
	done
	if grep -E '\((RPATH|RUNPATH)\)' "$tmp/bin.dyn" | grep -qF "$build"; then
		fail "$(basename "$bin") has a run path into the build tree: $(grep -E 'RPATH|RUNPATH' "$tmp/bin.dyn")"
	fi
}

# run_consumer NAME BINARY [env assignments...]: it succeeds and loaded the
# installed library and core.
run_consumer() {
	name=$1
	bin=$2
	shift 2
	failed_before=$failed
	if ! env -u LD_LIBRARY_PATH -u LD_PRELOAD NETCOMPAT_LOG=stderr "$@" "$bin" >"$tmp/run.out" 2>&1; then
		fail "$name: the consumer failed:"
		sed 's/^/    /' "$tmp/run.out" >&2
		return
	fi
	front=$(sed -n 's/^front: //p' "$tmp/run.out")
	core=$(sed -n 's/^core: //p' "$tmp/run.out")
	case $front in
	"$libdir"/libnetcompat.so.1) ;;
	*) fail "$name: libnetcompat.so.1 was loaded from '$front', not from $libdir" ;;
	esac
	case $core in
	"$libdir"/netcompat/libnetcompat-go.so.1) ;;
	*) fail "$name: the core was loaded from '$core', not from $libdir/netcompat" ;;
	esac
	grep -q '^consumer: ok$' "$tmp/run.out" || fail "$name: no success line"
	check_needed "$bin"
	if [ $failed = "$failed_before" ]; then
		ok "$name: the consumer ran against the installed library and core"
	fi
}

# ---------------------------------------------------------------------------
# 2. CMake: find_package(netcompat) + netcompat::netcompat.
# ---------------------------------------------------------------------------
if quiet "$CMAKE" -S "$src/tests/install-consumer" -B "$tmp/cmake-build" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DCMAKE_BUILD_TYPE=Release &&
	quiet "$CMAKE" --build "$tmp/cmake-build"; then
	found=$(sed -n 's/^netcompat_DIR:PATH=//p' "$tmp/cmake-build/CMakeCache.txt")
	[ "$found" = "$libdir/cmake/netcompat" ] ||
		fail "find_package(netcompat) used $found, not $libdir/cmake/netcompat"
	# CMake gives the program a run path to the imported library.
	run_consumer "cmake" "$tmp/cmake-build/consumer"
else
	fail "the CMake consumer did not configure and build against the installed package"
fi

# ---------------------------------------------------------------------------
# 3. pkg-config.
# ---------------------------------------------------------------------------
if flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" "$PKG_CONFIG" --cflags --libs netcompat 2>"$tmp/pc.err"); then
	echo "test-install: pkg-config --cflags --libs netcompat: $flags"
	# The -I and -L directories, resolved (a relocatable .pc file may say
	# ${pcfiledir}/../..), must be the installed ones.
	inc_ok=0
	lib_ok=0
	for f in $flags; do
		case $f in
		-I*) d=$(cd "${f#-I}" 2>/dev/null && pwd -P) && [ "$d" = "$incdir" ] && inc_ok=1 ;;
		-L*) d=$(cd "${f#-L}" 2>/dev/null && pwd -P) && [ "$d" = "$libdir" ] && lib_ok=1 ;;
		esac
	done
	[ $inc_ok = 1 ] || fail "pkg-config --cflags does not name the installed headers $incdir: $flags"
	[ $lib_ok = 1 ] || fail "pkg-config --libs does not name the installed libdir $libdir: $flags (netcompat.pc says $(grep '^prefix=' "$libdir/pkgconfig/netcompat.pc"))"
	# shellcheck disable=SC2086
	if quiet "$CC" -o "$tmp/consumer-pc" "$src/tests/install-consumer/consumer.c" $flags; then
		run_consumer "pkg-config" "$tmp/consumer-pc" LD_LIBRARY_PATH="$libdir"
	else
		fail "consumer.c did not build with the pkg-config flags"
	fi
else
	fail "pkg-config does not know netcompat: $(cat "$tmp/pc.err")"
fi

# ---------------------------------------------------------------------------
# 4. The legacy link line: -lssextagent.
# ---------------------------------------------------------------------------
if quiet "$CC" -I"$incdir" -o "$tmp/consumer-legacy" "$src/tests/install-consumer/consumer.c" \
	-L"$libdir" -lssextagent; then
	run_consumer "-lssextagent" "$tmp/consumer-legacy" LD_LIBRARY_PATH="$libdir"
else
	fail "consumer.c did not link with -L$libdir -lssextagent"
fi

# ---------------------------------------------------------------------------
# 5. librsplib.so.3, the name programs built against rsplib need at run time
#    (tests/c/rsplib_headers.cmake runs such programs; here: the installed
#    file works, by path without LD_LIBRARY_PATH and by name with it).
# ---------------------------------------------------------------------------
cat >"$tmp/rsplib-dlopen.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	void *h = dlopen(argv[argc - 1], RTLD_NOW);
	int (*init)(void *);
	void (*cleanup)(void);
	Dl_info di;
	char line[4096];
	FILE *f;

	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	init = (int (*)(void *))dlsym(h, "rsp_initialize");
	cleanup = (void (*)(void))dlsym(h, "rsp_cleanup");
	if (!init || !cleanup || !dladdr((void *)init, &di)) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	printf("front: %s\n", di.dli_fname);
	if (init(NULL) != 0) {
		perror("rsp_initialize");
		return 1;
	}
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "/libnetcompat-go.so.1")) {
			printf("core: %s", strchr(line, '/'));
			break;
		}
	cleanup();
	printf("consumer: ok\n");
	return 0;
}
EOF
# run_rsplib NAME LIBRARY [env assignments...]
run_rsplib() {
	name=$1
	lib=$2
	shift 2
	if ! env -u LD_LIBRARY_PATH -u LD_PRELOAD NETCOMPAT_LOG=stderr "$@" "$tmp/rsplib-dlopen" "$lib" >"$tmp/run.out" 2>&1; then
		fail "$name: the program failed:"
		sed 's/^/    /' "$tmp/run.out" >&2
		return
	fi
	front=$(sed -n 's/^front: //p' "$tmp/run.out")
	core=$(sed -n 's/^core: //p' "$tmp/run.out")
	front=$(cd "$(dirname "$front")" 2>/dev/null && echo "$(pwd -P)/$(basename "$front")")
	if [ "$front" != "$libdir/libnetcompat.so.1" ]; then
		fail "$name: rsp_initialize came from '$front', not $libdir/libnetcompat.so.1"
	elif [ "$core" != "$libdir/netcompat/libnetcompat-go.so.1" ]; then
		fail "$name: the core was loaded from '$core', not from $libdir/netcompat"
	elif ! grep -q '^consumer: ok$' "$tmp/run.out"; then
		fail "$name: no success line"
	else
		ok "$name: rsp_initialize ran on the installed library and core"
	fi
}
if quiet "$CC" -o "$tmp/rsplib-dlopen" "$tmp/rsplib-dlopen.c" -ldl; then
	run_rsplib "librsplib.so.3 by path" "$libdir/librsplib.so.3"
	run_rsplib "librsplib.so.3 by name" librsplib.so.3 LD_LIBRARY_PATH="$libdir"
else
	fail "the librsplib.so.3 dlopen program did not build"
fi

if [ $failed != 0 ]; then
	echo "test-install: $failed check(s) FAILED; the install tree was:" >&2
	(cd "$prefix" && find . | sort | sed 's/^/    /') >&2
	exit 1
fi
echo "test-install: all checks passed"
exit 0
