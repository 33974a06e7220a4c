#!/bin/sh
# check-exports.sh - the libraries export exactly what they should.
#
#   scripts/check-exports.sh FRONT CORE MAP
#
#   FRONT  the built libnetcompat.so.1
#   CORE   the built libnetcompat-go.so.1
#   MAP    the front's version script (capi/front/libnetcompat.map)
#
# Checks that
#   - the set of symbols FRONT defines (nm -D --defined-only, version suffix
#     stripped, version node symbols ignored) is exactly the set of global
#     names in MAP, and each carries a version node of MAP;
#   - FRONT has SONAME libnetcompat.so.1, does not link the core (it loads
#     it on first use) and does not refer to any nc_* symbol;
#   - CORE defines only nc_* names and has SONAME libnetcompat-go.so.1.
# NM and READELF may name the tools. Exits 0 when everything holds.
set -eu

NM=${NM:-nm}
READELF=${READELF:-readelf}

if [ $# -ne 3 ]; then
	echo "usage: $0 FRONT CORE MAP" >&2
	exit 2
fi
front=$1
core=$2
map=$3
for f in "$front" "$core" "$map"; do
	if [ ! -f "$f" ]; then
		echo "check-exports: $f does not exist" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
fail() {
	echo "check-exports: FAIL: $*" >&2
	failed=1
}

# ---------------------------------------------------------------------------
# The version script: "NODE <name>" and "GLOBAL <name or pattern>" lines.
# Comments may span lines; entries may share a line; a node may name the
# node it inherits from after its closing brace.
# ---------------------------------------------------------------------------
awk '
	{ text = text $0 "\n" }
	END {
		# strip /* ... */ comments
		while ((i = index(text, "/*")) > 0) {
			rest = substr(text, i + 2)
			j = index(rest, "*/")
			if (j == 0) { text = substr(text, 1, i - 1); break }
			text = substr(text, 1, i - 1) " " substr(rest, j + 2)
		}
		# strip # and // line comments
		n = split(text, lines, "\n")
		text = ""
		for (k = 1; k <= n; k++) {
			l = lines[k]
			sub(/#.*/, "", l)
			sub(/\/\/.*/, "", l)
			text = text l "\n"
		}
		gsub(/[{};]/, " & ", text)
		gsub(/:/, ": ", text)
		gsub(/[ \t]+:/, ":", text)
		ntok = split(text, tok, /[ \t\n]+/)
		depth = 0; after = 0; mode = "g"
		for (k = 1; k <= ntok; k++) {
			t = tok[k]
			if (t == "") continue
			if (t == "{") { depth++; if (depth == 1) mode = "g"; continue }
			if (t == "}") { depth--; if (depth == 0) after = 1; continue }
			if (t == ";") { if (depth == 0) after = 0; continue }
			if (depth == 0) { if (!after) print "NODE " t; continue }
			if (t == "global:") { mode = "g"; continue }
			if (t == "local:") { mode = "l"; continue }
			if (mode == "g") print "GLOBAL " t
		}
	}' "$map" >"$tmp/map"

sed -n 's/^NODE //p' "$tmp/map" | sort -u >"$tmp/nodes"
sed -n 's/^GLOBAL //p' "$tmp/map" | sort -u >"$tmp/globals"
grep -v '[][*?]' "$tmp/globals" >"$tmp/exact" || true
grep '[][*?]' "$tmp/globals" >"$tmp/patterns" || true

if [ ! -s "$tmp/nodes" ]; then
	fail "no version node found in $map"
fi
if [ ! -s "$tmp/globals" ]; then
	fail "no global names found in $map"
fi

# ---------------------------------------------------------------------------
# The front's dynamic symbols.
# nm -D --defined-only prints "VALUE TYPE NAME[@[@]VERSION]".
# ---------------------------------------------------------------------------
"$NM" -D --defined-only "$front" >"$tmp/front.nm"
: >"$tmp/front.syms"
while read -r value type name rest; do
	[ -n "${name:-}" ] || { name=$type; type=$value; }
	base=${name%%@*}
	version=
	case $name in
	*@*) version=${name##*@} ;;
	esac
	# The version node itself is an absolute symbol of the node's name.
	if [ "$type" = A ] && grep -qxF "$base" "$tmp/nodes"; then
		continue
	fi
	echo "$base" >>"$tmp/front.syms"
	if [ -z "$version" ]; then
		fail "$base is exported without a version"
	elif ! grep -qxF "$version" "$tmp/nodes"; then
		fail "$base has version $version, which $map does not define"
	fi
done <"$tmp/front.nm"
sort -u "$tmp/front.syms" -o "$tmp/front.syms"

# Every exported symbol is named by the map (exactly or by a pattern).
while read -r sym; do
	if grep -qxF "$sym" "$tmp/exact"; then
		continue
	fi
	matched=0
	while read -r pat; do
		# shellcheck disable=SC2254
		case $sym in $pat) matched=1 ;; esac
	done <"$tmp/patterns"
	[ $matched = 1 ] || fail "libnetcompat.so.1 exports $sym, which $map does not list"
done <"$tmp/front.syms"

# Every name the map lists is exported (patterns: at least one match).
while read -r want; do
	grep -qxF "$want" "$tmp/front.syms" || fail "$map lists $want, which libnetcompat.so.1 does not define"
done <"$tmp/exact"
while read -r pat; do
	matched=0
	while read -r sym; do
		# shellcheck disable=SC2254
		case $sym in $pat) matched=1 ;; esac
	done <"$tmp/front.syms"
	[ $matched = 1 ] || fail "pattern $pat in $map matches no symbol of libnetcompat.so.1"
done <"$tmp/patterns"

# It refers to no core symbol: the core is reached through dlsym only.
"$NM" -D --undefined-only "$front" | awk '{ print $NF }' | sed 's/@.*//' >"$tmp/front.undef"
if grep -q '^nc_' "$tmp/front.undef"; then
	fail "libnetcompat.so.1 refers to core symbols: $(grep '^nc_' "$tmp/front.undef" | tr '\n' ' ')"
fi

# SONAME, and no DT_NEEDED on the core.
"$READELF" -d "$front" >"$tmp/front.dyn"
soname=$(sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p' "$tmp/front.dyn")
[ "$soname" = libnetcompat.so.1 ] || fail "libnetcompat.so.1 has SONAME '$soname', want libnetcompat.so.1"
if grep '(NEEDED)' "$tmp/front.dyn" | grep -q 'libnetcompat-go'; then
	fail "libnetcompat.so.1 links libnetcompat-go.so.1 (DT_NEEDED): the core would start with the program"
fi

# ---------------------------------------------------------------------------
# The core: nc_* only.
# ---------------------------------------------------------------------------
"$NM" -D --defined-only "$core" >"$tmp/core.nm"
ncore=0
while read -r value type name rest; do
	[ -n "${name:-}" ] || { name=$type; type=$value; }
	base=${name%%@*}
	# Its version node: an absolute symbol without a version of its own.
	if [ "$type" = A ] && [ "$base" = "$name" ]; then
		continue
	fi
	case $base in
	nc_*) ncore=$((ncore + 1)) ;;
	*) fail "libnetcompat-go.so.1 exports $base, not an nc_* name" ;;
	esac
done <"$tmp/core.nm"
[ $ncore -gt 0 ] || fail "libnetcompat-go.so.1 exports no nc_* symbol"
core_soname=$("$READELF" -d "$core" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$core_soname" = libnetcompat-go.so.1 ] ||
	fail "libnetcompat-go.so.1 has SONAME '$core_soname', want libnetcompat-go.so.1"

if [ $failed != 0 ]; then
	echo "--- map globals:" >&2
	cat "$tmp/globals" >&2
	echo "--- libnetcompat.so.1 defines:" >&2
	cat "$tmp/front.syms" >&2
	exit 1
fi
echo "check-exports: libnetcompat.so.1 exports exactly the $(wc -l <"$tmp/globals") global entries of $(basename "$map"), SONAME $soname; the core exports $ncore nc_* names"
exit 0
