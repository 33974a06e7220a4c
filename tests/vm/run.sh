#!/bin/bash
# tests/vm/run.sh BUILD_DIR - netcompat's kernel-SCTP tests, in a VM.
#
# The build machines' kernels have no SCTP, so there the kernel backend
# (core/transport/sctp_linux.go) is only compiled and its tests skip. This
# boots a small VM whose kernel has SCTP - Debian's linux-image-cloud-amd64
# under qemu, software emulation because KVM may not be usable - with a
# busybox initramfs holding the tests, and runs them with
# NETCOMPAT_SCTP=kernel. init.sh is the VM side; it prints one line per test
#     VMTEST <name> PASS|FAIL <seconds> sctp_estab=<n>
# which this script checks.
#
# Exit status: 0 every test passed; 1 a test failed or the VM did not
# report; 77 skipped, with the reason printed (ctest's SKIP_RETURN_CODE).
# Network: only the apt mirror, for the host tools and the kernel, which is
# kept in BUILD_DIR/vm-cache and downloaded once. The VM has no network.
# Environment: VM_TIMEOUT (seconds for the whole VM, default 290),
# VM_KEEP=1 keeps the staging directory, GO names the go tool.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$1" && pwd)
CACHE=$BUILD/vm-cache
VM_TIMEOUT=${VM_TIMEOUT:-290}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export DEBIAN_FRONTEND=noninteractive

say() { echo "vm: $*"; }
# On stderr: they may run inside $(...), whose exit status set -e passes on.
skip() { echo "vm: SKIP: $*" >&2; exit 77; }
fail() { echo "vm: FAIL: $*" >&2; exit 1; }

# --- What the VM runs ------------------------------------------------------

# Files copied into the image at their host path, so that RUNPATHs and the
# C library's lookup of the core beside libnetcompat.so.1 work unchanged;
# each brings the shared libraries ldd names for it, and the dynamic loader.
# The core is listed because it is dlopened, which ldd cannot see.
IMAGE_FILES=(
	"$BUILD/rspregistrar"
	"$BUILD/netcompat/libnetcompat-go.so.1"
	"$BUILD"/tests/c/test_rsp_{basic,enhanced,examples,status}
	"$BUILD"/{echo_pe,echo_pu,rsp_server,rsp_terminal}
)
# VM_FILES adds more (space-separated host paths; bench/vm_sctp.sh).
IMAGE_FILES+=(${VM_FILES:-})
# Programs the tests use when the build has them: rsphsdump, the ENRP probe
# the interop enrp-* tests read rsplib's registrar's handlespace with
# (without it they check rsplib's side by its log and by resolution).
if [ -e "$BUILD/rsphsdump" ]; then IMAGE_FILES+=("$BUILD/rsphsdump"); fi

# Debian packages unpacked whole into the image (downloaded once into the
# cache, never installed on the host); the shared libraries their programs
# need come from the host or from other packages of this list: rsplib
# itself, for the interop tests (tests/vm/interop).
IMAGE_DEBS=(rsplib-registrar rsplib-tools rsplib-services librsplib3 libcpprspserver3 libsctp1)
# Programs of those packages left out of the image (they need Qt).
IMAGE_DROP=(/usr/bin/fractalpooluser)

# Go test packages, built static (the core is pure Go: CGO_ENABLED=0) into
# /vm/bin/<last element>.test; tests/vm adds kernel-SCTP cases the core's
# tests lack.
GO_TESTS=(core/transport core/rserpool/registrar core/rserpool/asap core/rserpool/session tests/vm)

# The tests, run in this order: name, timeout in seconds, needs_sctp (1:
# fails unless kernel SCTP associations were set up while it ran, the proof
# that the kernel backend carried the traffic), command (sh syntax). The Go
# tests' own -test.timeout comes first, so that a hang is reported with
# every goroutine's stack; each binary takes a few seconds in the VM.
# - asap's tests have needs_sctp 0: they talk to fake registrars over the
#   TCP mapping on purpose (fake_test.go), so they only check that nothing
#   breaks with NETCOMPAT_SCTP=kernel.
# - interop_*: netcompat against Debian's rsplib over real SCTP, scripts
#   in tests/vm/interop (copied to /vm/interop); interop_enrp_* are
#   netcompat's registrar peering with rsplib's (ENRP).
# VM_TESTS replaces the list, e.g. to run one test while debugging.
GO_FLAGS="-test.v -test.timeout 45s"
TESTS=${VM_TESTS:-"
transport 60 1 /vm/bin/transport.test $GO_FLAGS
large_messages 60 1 /vm/bin/vm.test $GO_FLAGS
registrar 60 1 /vm/bin/registrar.test $GO_FLAGS
asap      60 0 /vm/bin/asap.test $GO_FLAGS
session   60 1 /vm/bin/session.test $GO_FLAGS
test_rsp_basic    60 1 $BUILD/tests/c/test_rsp_basic
test_rsp_enhanced 60 1 $BUILD/tests/c/test_rsp_enhanced
test_rsp_examples 60 1 $BUILD/tests/c/test_rsp_examples
test_rsp_status   60 1 $BUILD/tests/c/test_rsp_status
interop_nc_element_rsplib_registrar 60 1 sh /vm/interop/nc-element-rsplib-registrar.sh
interop_rsplib_element_nc_registrar 60 1 sh /vm/interop/rsplib-element-nc-registrar.sh
interop_pingpong_nc_elements        90 1 sh /vm/interop/pingpong-nc-elements.sh
interop_mixed_pool_failover         90 1 sh /vm/interop/mixed-pool-failover.sh
interop_enrp_sync                   60 1 sh /vm/interop/enrp-sync.sh
interop_enrp_takeover               90 1 sh /vm/interop/enrp-takeover.sh
"}

# The tests' environment (tests/c/rserpool_*.cmake set the same for ctest).
VM_ENV="
export NETCOMPAT_SCTP=kernel
export RSPREGISTRAR=$BUILD/rspregistrar
export RSP_ECHO_PE=$BUILD/echo_pe RSP_ECHO_PU=$BUILD/echo_pu
export RSP_SERVER=$BUILD/rsp_server RSP_TERMINAL=$BUILD/rsp_terminal
export HOME=/tmp GOTRACEBACK=all
"

# --- Host tools --------------------------------------------------------------

for f in "${IMAGE_FILES[@]}"; do
	[ -e "$f" ] || skip "$f is missing: build the project first (make all)"
done
[ -x "$GO" ] || skip "no go tool to build the Go tests (set GO)"

# busybox must be static: it is the VM's only userland before the loader.
static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
static_busybox || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || skip "${missing[*]} not installed, and not root to apt-get install them"
	say "installing ${missing[*]}"
	apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
			apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } ||
		skip "apt-get install ${missing[*]} failed (no network to the apt mirror?)"
fi

# --- The kernel, once ----------------------------------------------------------

# apt-get download of a package name into the cache, unpacked beside it
# in $CACHE/<package>; prints that directory. The download runs as the
# caller (no _apt sandbox), as it writes into the build tree.
fetch_deb() {
	local pkg=$1 dir=$CACHE/$1
	if ! [ -f "$dir/.unpacked" ]; then
		rm -rf "$dir" "$dir.dl" && mkdir -p "$dir.dl"
		(cd "$dir.dl" && apt-get download -o APT::Sandbox::User="$(id -un)" "$pkg") >/dev/null 2>&1 ||
			skip "apt-get download $pkg failed (no network to the apt mirror?)"
		dpkg-deb -x "$dir.dl"/*.deb "$dir"
		rm -rf "$dir.dl"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# linux-image-cloud-amd64 is a metapackage: download the versioned image it
# depends on. A cached one is used without asking apt (works offline).
kpkg=$(cd "$CACHE" 2>/dev/null && ls -d linux-image-*-cloud-amd64 2>/dev/null | head -1 || true)
if [ -z "$kpkg" ]; then
	mkdir -p "$CACHE"
	depends() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'; }
	kpkg=$(depends)
	if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
		apt-get update >/dev/null 2>&1 || true
		kpkg=$(depends)
	fi
	[ -n "$kpkg" ] || skip "apt does not know linux-image-cloud-amd64 (no apt lists, no network?)"
	say "downloading $kpkg into $CACHE"
fi
kroot=$(fetch_deb "$kpkg")
kver=$(ls "$kroot/lib/modules")
[ -f "$kroot/lib/modules/$kver/modules.dep" ] || busybox depmod -b "$kroot" "$kver"

# --- The initramfs -----------------------------------------------------------

TMP=$(mktemp -d /tmp/netcompat-vm.XXXXXX)
QEMU_PID=
cleanup() {
	# QEMU_PID is timeout(1), which passes TERM on to qemu.
	[ -n "$QEMU_PID" ] && kill -TERM "$QEMU_PID" 2>/dev/null
	if [ "${VM_KEEP:-}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
STAGE=$TMP/root
mkdir -p "$STAGE"/{bin,dev,proc,sys,etc,vm/bin} && mkdir -m 1777 "$STAGE/tmp"

# libs FILE: copies the shared libraries FILE needs (it may lie in the
# image already, from IMAGE_DEBS) to their host path in the image; libraries
# that the packages brought are found in the image and left there.
libs() {
	local out lib
	# ldd lines: "libx.so => /path (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)";
	# it fails for static programs and other files, which need nothing.
	out=$(LD_LIBRARY_PATH=$STAGE/lib/x86_64-linux-gnu:$STAGE/usr/lib/x86_64-linux-gnu ldd "$1" 2>/dev/null) || return 0
	if grep -q 'not found' <<<"$out"; then
		fail "$1 needs libraries found neither on the host nor in IMAGE_DEBS:$(grep 'not found' <<<"$out")"
	fi
	for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"); do
		case $lib in "$STAGE"/*) continue ;; esac
		[ -e "$STAGE$lib" ] || { mkdir -p "$STAGE$(dirname "$lib")" && cp -L "$lib" "$STAGE$lib"; }
	done
}

cp /bin/busybox "$STAGE/bin/busybox"
cp "$HERE/init.sh" "$STAGE/init"
cp "$HERE/go-shim.sh" "$STAGE/vm/bin/go"
mkdir -p "$STAGE/vm/interop" "$STAGE/vm/bench" && cp "$HERE"/interop/*.sh "$STAGE/vm/interop/" &&
	cp "$HERE"/bench/*.sh "$STAGE/vm/bench/"
echo "127.0.0.1 localhost" >"$STAGE/etc/hosts"
printf '%s\n' "$VM_ENV" >"$STAGE/vm/env"
printf '%s\n' "$TESTS" >"$STAGE/vm/tests"

# sctp.ko and what modules.dep says it needs, recursively.
mods=() todo=(kernel/net/sctp/sctp.ko)
while [ ${#todo[@]} -gt 0 ]; do
	m=${todo[0]} todo=("${todo[@]:1}")
	case " ${mods[*]} " in *" $m "*) continue ;; esac
	mods+=("$m")
	todo+=($(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$kroot/lib/modules/$kver/modules.dep"))
done
for m in "${mods[@]}" modules.dep; do
	mkdir -p "$STAGE/lib/modules/$kver/$(dirname "$m")"
	cp "$kroot/lib/modules/$kver/$m" "$STAGE/lib/modules/$kver/$m"
done
say "kernel $kver; modules: ${mods[*]##*/}"

for f in "${IMAGE_FILES[@]}"; do
	mkdir -p "$STAGE$(dirname "$f")" && cp -L "$f" "$STAGE$f"
	libs "$f"
done
# Every package first, then their programs' libraries: one package's
# programs may need another's libraries.
debfiles=()
for pkg in ${IMAGE_DEBS[@]+"${IMAGE_DEBS[@]}"}; do
	root=$(fetch_deb "$pkg")
	cp -a "$root"/. "$STAGE"/ && rm -f "$STAGE/.unpacked"
	while read -r f; do debfiles+=("$STAGE${f#"$root"}"); done < <(find "$root" -type f -perm -u+x)
done
for f in ${IMAGE_DROP[@]+"${IMAGE_DROP[@]}"}; do
	rm -f "$STAGE$f"
	debfiles=("${debfiles[@]/#"$STAGE$f"/}")
done
for f in ${debfiles[@]+"${debfiles[@]}"}; do
	if [ -n "$f" ] && [ -e "$f" ]; then libs "$f"; fi
done

say "building the Go tests"
for p in "${GO_TESTS[@]}"; do
	(cd "$SRC" && CGO_ENABLED=0 "$GO" test -c -o "$STAGE/vm/bin/${p##*/}.test" "./$p") ||
		fail "cannot build the tests of $p"
done

(cd "$STAGE" && find . | cpio -o -H newc --quiet | gzip -1) >"$TMP/initrd.gz"
say "initramfs $(du -m "$TMP/initrd.gz" | cut -f1) MiB"

# --- The VM ------------------------------------------------------------------

# Software emulation (-accel tcg): KVM is not usable on the build machines.
# The VM powers itself off; -no-reboot turns a panic (panic=-1) into an
# exit too, and timeout(1) bounds a hang.
say "booting (at most ${VM_TIMEOUT}s)"
start=$(date +%s)
console=$TMP/console
timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 \
	-nodefaults -display none -monitor none -no-reboot -serial "file:$console" \
	-kernel "$kroot/boot/vmlinuz-$kver" -initrd "$TMP/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" </dev/null &
QEMU_PID=$!
# Show the console as it comes, until qemu ends.
touch "$console"
tail -n +1 -f --pid="$QEMU_PID" "$console" | tr -d '\r' &
wait "$QEMU_PID" && qrc=0 || qrc=$?
QEMU_PID=
wait
secs=$(($(date +%s) - start))
tr -d '\r' <"$console" >"$BUILD/vm-console.log"
say "VM ran ${secs}s (qemu exit status $qrc); console in $BUILD/vm-console.log"

# --- The verdict -------------------------------------------------------------

log=$BUILD/vm-console.log
grep -q '^VMFATAL' "$log" && fail "$(grep '^VMFATAL' "$log")"
bad=0
echo "vm: results:"
while read -r name _ needs _; do
	[ -n "$name" ] || continue
	line=$(grep -m1 "^VMTEST $name " "$log" || true)
	echo "  ${line:-VMTEST $name NORESULT}"
	case $line in
	"VMTEST $name PASS "*) ;;
	*) bad=1 ;;
	esac
	# init.sh checks this too; checked here as well, so that the proof does
	# not rest on the VM side alone.
	if [ "$needs" = 1 ] && [ -n "$line" ] && [[ $line =~ sctp_estab=0([^0-9]|$) ]]; then
		echo "  ($name: no kernel SCTP association was set up)"
		bad=1
	fi
done <<<"$TESTS"
# The Go subtests that exercise the kernel backend, as go test -v reports them.
ran=$(grep -cE -- '--- PASS: (TestKernel[^ ]*|[^ ]+/kernel) ' "$log" || true)
skipped=$(grep -cE -- '--- SKIP: (TestKernel[^ ]*|[^ ]+/kernel) ' "$log" || true)
echo "vm: Go kernel-SCTP cases passed: $ran, skipped: $skipped"
[ "$skipped" = 0 ] || bad=1
[ $qrc -eq 0 ] || { [ $qrc -eq 137 ] && fail "the VM did not finish within ${VM_TIMEOUT}s"; fail "qemu exited with status $qrc"; }
grep -q '^VMDONE' "$log" || fail "the VM did not finish its run"
[ $bad -eq 0 ] || fail "some tests failed (their output is in $log)"
say "PASS: every test ran on kernel SCTP"
