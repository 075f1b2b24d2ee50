#!/usr/bin/env bash
# The ABI of libcsa and libcsa-pack is exactly their version scripts (in
# the manner of libdrm's symbols-check): every symbol a library exports is
# in its map under the map's version node and vice versa, and the public
# maps list exactly the functions the headers mark CSA_EXPORT.  Prints TAP.
#   test_symbols.sh INCLUDE_DIR LIB.so MAP [LIB.so MAP ...]
set -uo pipefail
inc=$1
shift

# map_symbols MAP: "name node" per exported name, comments stripped.
map_symbols() {
	sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$1" | awk '
		/^[A-Za-z_][A-Za-z0-9_.]* *\{/ { node = $1; next }
		/^[ \t]*(global|local):/ { scope = $1; next }
		/^[ \t]*[A-Za-z_][A-Za-z0-9_]*;/ && scope == "global:" {
			gsub(/[ \t;]/, ""); print $0, node }'
}
# so_symbols LIB: "name node" per defined dynamic symbol.
so_symbols() {
	nm -D --defined-only "$1" | awk '$2 != "A" { split($3, a, "@+"); print a[1], a[2] }'
}
# header_exports DIR: the CSA_EXPORT function names of the public headers.
header_exports() {
	cat "$1"/csa/*.h | tr '\n' ' ' | grep -o 'CSA_EXPORT [a-z][^;(]*(' |
		sed 's/ *($//; s/.*[ *]//'
}
# compare WHAT WANT GOT: prints differences, returns 1 if any.
compare() {
	local d
	d=$(diff <(sort <<<"$2") <(sort <<<"$3") | grep '^[<>]' |
		sed "s/^</missing from $1:/; s/^>/extra in $1:/")
	[ -z "$d" ] && return 0
	echo "$d" | sed 's/^/# /'
	return 1
}

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
echo "1..$(($# / 2 + 3))"

public=
while [ $# -ge 2 ]; do
	so=$1 map=$2
	shift 2
	want=$(map_symbols "$map")
	got=$(so_symbols "$so")
	if [ -n "$want" ] && out=$(compare "$(basename "$so")" "$want" "$got"); then
		ok "$(basename "$so") exports exactly $(basename "$map") ($(wc -l <<<"$want") symbols)"
	else
		not_ok "$(basename "$so") exports exactly $(basename "$map")"
		echo "$out"
		echo "# a new public function goes into the newest node of $map"
	fi
	public+=$(grep -v ' [A-Z_]*PRIVATE$' <<<"$want" | cut -d' ' -f1)$'\n'
done
public=$(sed '/^$/d' <<<"$public")
hdr=$(header_exports "$inc")
if out=$(compare "the version scripts" "$hdr" "$public"); then
	ok "the public maps list every CSA_EXPORT of $inc/csa/*.h ($(wc -l <<<"$hdr"))"
else
	not_ok "the public maps list every CSA_EXPORT of $inc/csa/*.h"
	echo "$out"
fi
# negative: the comparison notices a symbol dropped from a list and an
# extra one, and the header scan sees multi-line declarations
if ! compare x "$(sed 1d <<<"$hdr")" "$hdr" >/dev/null &&
   ! compare x "$hdr"$'\ncsa_not_a_symbol' "$hdr" >/dev/null; then
	ok "a missing or extra symbol is reported"
else
	not_ok "a missing or extra symbol is reported"
fi
if grep -qx csa_pack_model <<<"$hdr" && grep -qx csa_last_error <<<"$hdr"; then
	ok "the header scan finds multi-line and pointer-returning declarations"
else
	not_ok "the header scan finds multi-line and pointer-returning declarations"
fi
exit $((failed > 0))
