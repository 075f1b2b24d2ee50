#!/usr/bin/env bash
# Every tool answers --version with its name and the project's version
# (CSA_VERSION_* of lib/include/csa/csa.h) and exits 0.  Prints TAP.
#   test_version.sh VERSION TOOL...
set -uo pipefail
version=$1
shift
n=0 failed=0
echo "1..$(($# + 1))"
for t in "$@"; do
	n=$((n + 1))
	out=$("$t" --version 2>&1)
	rc=$?
	want="$(basename "$t") (CSA) $version"
	if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then echo "ok $n $want"
	else failed=$((failed + 1)); echo "not ok $n $(basename "$t") --version"
		echo "# exit $rc, output '$out', want '$want'"; fi
done
# negative: the check notices a tool that does not know --version
n=$((n + 1))
if ! out=$(false --version 2>&1) || [ "$out" != "false (CSA) $version" ]; then
	echo "ok $n a tool without --version is noticed"
else failed=$((failed + 1)); echo "not ok $n a tool without --version is noticed"; fi
exit $((failed > 0))
