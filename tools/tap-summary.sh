#!/usr/bin/env bash
# Print TAP suites and one summary line over all of them.
#
#   tap-summary.sh [--quiet] SUITE.tap...
#
# For each SUITE.tap (and SUITE.rc, the exit status of the program that
# wrote it, when present) print the TAP, then count its results:
#   "ok N ..."                 passed   ("ok N ... # SKIP ..." skipped)
#   "not ok N ..."             failed   ("not ok N ... # SKIP ..." skipped)
# A suite also counts one failure when its TAP file is missing, has no plan
# or a plan that disagrees with its results, or when it exited non-zero
# without reporting a failed test (crash, abort).
# Last line, exactly:  N passed, N failed, N skipped
# Exit status: 0 when nothing failed, 1 otherwise.
set -euo pipefail

quiet=0
if [ "${1:-}" = --quiet ]; then quiet=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--quiet] SUITE.tap..." >&2; exit 2; }

total_pass=0 total_fail=0 total_skip=0
for tap in "$@"; do
	name=$(basename "$tap" .tap)
	rcfile=${tap%.tap}.rc
	echo "# ==== suite $name ===="
	if [ ! -f "$tap" ]; then
		echo "# tap-summary: $name: no output (suite missing or never ran)"
		total_fail=$((total_fail + 1))
		continue
	fi
	[ "$quiet" = 1 ] || cat "$tap"
	rc=
	[ -f "$rcfile" ] && rc=$(cat "$rcfile")
	# Only top-level TAP lines count (kselftest prints diagnostics as "# ...").
	read -r pass fail skip plan results < <(awk '
		/^1\.\.[0-9]+/ { if (plan == "") { plan = substr($1, 4) + 0 } next }
		/^(not )?ok [0-9]+/ {
			n++
			skipped = ($0 ~ /# *[Ss][Kk][Ii][Pp]/)
			if (skipped) s++
			else if ($1 == "ok") p++
			else f++
		}
		END { printf "%d %d %d %s %d\n", p, f, s, (plan == "" ? "none" : plan), n }
	' "$tap")
	problems=()
	if [ "$plan" = none ]; then
		problems+=("no TAP plan (crashed before it started?)")
	elif [ "$plan" != "$results" ]; then
		problems+=("plan says $plan tests but $results reported (crashed mid-suite?)")
	fi
	if [ -z "$rc" ]; then
		: # no exit status recorded: judge by the TAP alone
	elif [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
		problems+=("exited with status $rc without a failed test")
	elif [ "$rc" = 0 ] && [ "$fail" != 0 ]; then
		problems+=("reported $fail failed test(s) but exited 0")
	fi
	for p in "${problems[@]}"; do
		echo "# tap-summary: $name: $p"
	done
	[ ${#problems[@]} -eq 0 ] || fail=$((fail + 1))
	echo "# tap-summary: $name: $pass passed, $fail failed, $skip skipped"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
