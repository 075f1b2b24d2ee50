#!/usr/bin/env bash
# make check's report in blocks (host, VM on each kernel): each block is
# tools/tap-summary.sh over its TAP files, closed by its own count; the
# last line sums every block.
#
#   tap-blocks.sh TITLE TAP... [-- TITLE TAP...]...
#
# Last line, exactly:  N passed, N failed, N skipped
# Exit status: 0 when nothing failed, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

[ $# -ge 2 ] || { echo "usage: $0 TITLE TAP... [-- TITLE TAP...]..." >&2; exit 2; }
pass=0 fail=0 skip=0
block() {
	local title=$1 out last p f s
	shift
	echo "# ======== $title ========"
	out=$(bash "$here/tap-summary.sh" "$@" || true)
	last=$(tail -n1 <<< "$out")
	sed '$d' <<< "$out"
	read -r p _ f _ s _ <<< "$last"
	echo "# ======== $title: $last ========"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}
args=()
for a in "$@"; do
	if [ "$a" = -- ]; then
		[ ${#args[@]} -ge 2 ] && block "${args[@]}"
		args=()
	else
		args+=("$a")
	fi
done
[ ${#args[@]} -ge 2 ] && block "${args[@]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
