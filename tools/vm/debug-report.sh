#!/usr/bin/env bash
# Judge a debug-kernel VM run (make check-debug): classify what the kernel's
# checkers reported on the console and what kmemleak found, as TAP.
#
#   debug-report.sh [--fault] DIR
#
# DIR is a tools/vm/run-vm.sh --debug-checks output directory: console.log
# and debug-state.tap (the step /init runs last: DMA-API error count,
# kmemleak after two scans with csa.ko unloaded).  Writes
#   DIR/debug.tap       one test per checker, failing on any report;
#                       each distinct report (numbers and addresses folded)
#                       with its count and first lines as "# " comments
#   DIR/findings.txt    the same reports with more of their lines
# and prints nothing.  Exit status 0 even when reports were found (the TAP
# carries the verdict; tools/tap-summary.sh counts it).
#
# Checkers (a line opens a report; it runs to the end of its trace):
#   1 KASAN        "BUG: KASAN:"
#   2 lockdep      possible circular/recursive locking, "WARNING: possible",
#                  inconsistent lock state, suspicious RCU usage, bad unlock
#                  balance, held lock freed, invalid wait context, ...
#   3 atomic sleep "BUG: sleeping function called from invalid context",
#                  "BUG: scheduling while atomic"
#   4 ODEBUG       DEBUG_OBJECTS: "ODEBUG:"
#   5 DMA-API      "DMA-API:" lines, and dma-api/error_count > 0
#   6 kmemleak     unreferenced objects whose report mentions csa or the
#                  DRM/dma-buf/fence/scheduler code it builds on ([csa],
#                  drm, dma_buf, dma_fence, dma_resv, sync_file, comm "csa*");
#                  other unreferenced objects (boot-time kernel leaks that
#                  are not ours) are listed as comments, not failed
#   7 other        any other WARN, BUG, oops, GPF, stall or hung task
# --fault: the run was under fault injection (tools/vm/fault-run.sh); the
# injected-failure counts of every step are summed into the TAP header.
set -euo pipefail

fault=0
if [ "${1:-}" = --fault ]; then fault=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--fault] DIR" >&2; exit 2; }
dir=$1
console=$dir/console.log
state=$dir/debug-state.tap
tap=$dir/debug.tap
findings=$dir/findings.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# console without CRs and printk timestamps
if [ -f "$console" ]; then
	tr -d '\r' < "$console" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' > "$work/console"
else
	: > "$work/console"
fi

# Console reports: "<category>\t<count>\t<key>" in $work/reports, the
# first occurrence's lines in $work/ctx/<category>.<n>.
mkdir -p "$work/ctx"
awk -v ctx="$work/ctx" -v list="$work/reports" '
function category(l) {
	if (l ~ /BUG: KASAN: /) return "kasan"
	if (l ~ /possible circular locking dependency|possible recursive locking|WARNING: possible |inconsistent lock state|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning to user space|BUG: MAX_LOCKDEP|BUG: Invalid wait context|INFO: trying to register non-static key|BUG: held lock/) return "lockdep"
	if (l ~ /BUG: sleeping function called from invalid context|BUG: scheduling while atomic|BUG: workqueue leaked lock/) return "atomic"
	if (l ~ /ODEBUG: /) return "odebug"
	if (l ~ /DMA-API: /) return "dma"
	if (l ~ /WARNING: CPU: |kernel BUG at|BUG: |Oops|general protection fault|Poison overwritten|Redzone|detected stalls|blocked for more than/) return "other"
	return ""
}
function keep(l) {	# lines worth showing from a report: not registers or code bytes
	return l !~ /^(R[A-Z0-9]+|Code|FS|CS|CR2|DR[0-9]|Modules linked in|Hardware name|RSP|RAX|RDX|RBP|R1[0-5]|R[89]):/ &&
		l !~ /^ *(<\/?TASK>|-+\[ cut here \]-+|=+|-+)$/ && l !~ /---\[ end trace|^[[:space:]]*$/
}
{
	line = $0
	# DMA-API prints where the entry was mapped after its WARN ended: part
	# of the last DMA-API report, five frames long
	if (line ~ /DMA-API: Mapped at:/ && lastcat == "dma") {
		open = 1; cur = "dma"; curid = lastid; seen = 0; limit = 6
		capture = (count[curid] == 1)
		if (capture) { print line >> file[curid]; lines[curid]++ }
		next
	}
	c = category(line)
	if (c != "" && !(open && (c == "other" || c == cur))) {
		key = line
		gsub(/0x[0-9a-fA-F]+/, "X", key); gsub(/[0-9]+/, "N", key)
		id = c SUBSEP key
		if (!(id in count)) { order[++n] = id; cat[n] = c; keys[n] = key; file[id] = ctx "/" c "." n; lines[id] = 0 }
		count[id]++
		open = 1; cur = c; curid = id; seen = 0; limit = 150
		lastcat = c; lastid = id
		if (count[id] > 1) { capture = 0 } else { capture = 1 }
		# the message of a WARN stands between "cut here" and "WARNING:"
		pending = (capture && c == "other" && line ~ /WARNING: CPU: / && prev2 ~ /cut here/) ? prev : ""
	}
	if (open) {
		seen++
		if (capture && lines[curid] < 24 && keep(line)) { print line >> file[curid]; lines[curid]++ }
		if (pending != "") { print "message: " pending >> file[curid]; lines[curid]++; pending = "" }
		if (line ~ /---\[ end trace|<\/TASK>|^=+$/ && seen > 1 || seen >= limit) { if (capture) close(file[curid]); open = 0 }
	}
	prev2 = prev; prev = line
}
END {
	for (i = 1; i <= n; i++) printf "%s\t%d\t%s\t%s\n", cat[i], count[order[i]], file[order[i]], keys[i] > list
}' "$work/console"
touch "$work/reports"

# kmemleak objects: split the dump into blocks, classify, fold repeats by
# their backtrace
leak_state=missing
dma_errors=
if [ -f "$state" ]; then
	dma_errors=$(sed -n 's/^dma-api error_count //p' "$state")
	if grep -q '^kmemleak end$' "$state"; then leak_state=scanned; fi
	if grep -q '^kmemleak unavailable' "$state"; then leak_state=unavailable; fi
fi
mkdir -p "$work/leak"
if [ "$leak_state" = scanned ]; then
	sed -n '/^kmemleak begin$/,/^kmemleak end$/p' "$state" | sed '1d;$d' | awk -v dir="$work/leak" '
	function flush() {
		if (blk == "") return
		rel = (blk ~ /\[csa\]|drm|dma_buf|dma_fence|dma_resv|sync_file|comm "csa/) ? "ours" : "other"
		key = bt; gsub(/\[<[0-9a-f]+>\] /, "", key); gsub(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, "", key)
		id = rel SUBSEP key
		if (!(id in count)) { order[++n] = id; r[n] = rel; f[id] = dir "/" rel "." n; printf "%s", blk > f[id]; close(f[id]) }
		count[id]++
		blk = ""; bt = ""
	}
	/^unreferenced object / { flush() }
	{ blk = blk $0 "\n" }
	/^ +\[<[0-9a-f]+>\]/ { bt = bt $0 "\n" }
	END { flush(); for (i = 1; i <= n; i++) printf "%s\t%d\t%s\n", r[i], count[order[i]], f[order[i]] > (dir "/list") }'
fi
touch "$work/leak/list"

# --- TAP --------------------------------------------------------------------
names=(kasan lockdep atomic odebug dma kmemleak other)
declare -A title=(
	[kasan]="no KASAN report"
	[lockdep]="no lockdep report (locking, RCU)"
	[atomic]="no sleeping function called in atomic context"
	[odebug]="no DEBUG_OBJECTS (ODEBUG) report"
	[dma]="no DMA-API debug report"
	[kmemleak]="no kmemleak object of csa or the DRM code it uses"
	[other]="no other WARN, BUG, oops, stall or hung task"
)
# print_reports CATEGORY PREFIX MAXLINES: the distinct reports of a category
print_reports() {
	awk -F'\t' -v c="$1" '$1 == c' "$work/reports" | while IFS=$'\t' read -r _ cnt file _; do
		echo "${2}${cnt}x $(head -n1 "$file")"
		tail -n +2 "$file" | head -n "$3" | sed "s/^/${2}    /"
	done
}
print_leaks() {	# print_leaks ours|other PREFIX MAXLINES
	awk -F'\t' -v c="$1" '$1 == c' "$work/leak/list" | while IFS=$'\t' read -r _ cnt file; do
		echo "${2}${cnt}x $(head -n1 "$file")"
		tail -n +2 "$file" | grep -v -e '^  hex dump' -e '^    [0-9a-f][0-9a-f] ' | head -n "$3" | sed "s/^/${2}    /"
	done
}
{
	echo "TAP version 13"
	echo "1..${#names[@]}"
	echo "# debug kernel checks over $console"
	if [ "$fault" = 1 ]; then
		echo "# fault injection: the suites ran with make-it-fail (tools/vm/fault-run.sh)"
		cat "$dir"/*.tap 2>/dev/null | sed -n 's/^# fault-run: \([a-z_]*\) injected \([0-9]*\) .*/\1 \2/p' |
			awk '{ s[$1] += $2 } END { for (t in s) printf "# fault injection: %s injected %d failure(s) in all\n", t, s[t] }'
	fi
	i=0
	for c in "${names[@]}"; do
		i=$((i + 1))
		if [ "$c" = kmemleak ]; then
			ours=$(awk -F'\t' '$1 == "ours" { n += $2 } END { print n + 0 }' "$work/leak/list")
			others=$(awk -F'\t' '$1 == "other" { n += $2 } END { print n + 0 }' "$work/leak/list")
			case "$leak_state" in
			scanned)
				if [ "$ours" = 0 ]; then
					echo "ok $i kmemleak: ${title[$c]} ($others unrelated object(s))"
				else
					echo "not ok $i kmemleak: $ours unreferenced object(s) of csa/DRM (+ $others unrelated)"
					print_leaks ours "# " 12
				fi
				[ "$others" = 0 ] || { echo "# unrelated unreferenced objects (not failed):"; print_leaks other "#   " 8; } ;;
			unavailable) echo "not ok $i kmemleak: /sys/kernel/debug/kmemleak is missing (not a debug kernel?)" ;;
			*) echo "not ok $i kmemleak: not scanned (the VM never reached the debug-state step)" ;;
			esac
			continue
		fi
		n=$(awk -F'\t' -v c="$c" '$1 == c { n += $2 } END { print n + 0 }' "$work/reports")
		distinct=$(awk -F'\t' -v c="$c" '$1 == c' "$work/reports" | wc -l)
		extra=
		if [ "$c" = dma ] && [ -n "$dma_errors" ] && [ "$dma_errors" != 0 ]; then
			extra=" (dma-api/error_count $dma_errors)"
			[ "$n" != 0 ] || n=$dma_errors
		fi
		if [ "$c" = lockdep ] && [ -f "$state" ]; then
			dl=$(sed -n 's/^lockdep *debug_locks: *//p' "$state")
			[ -z "$dl" ] || extra=" (debug_locks $dl at the end)"
		fi
		if [ "$n" = 0 ]; then
			echo "ok $i $c: ${title[$c]}$extra"
		else
			echo "not ok $i $c: $n report(s), $distinct distinct$extra"
			print_reports "$c" "# " 12
		fi
	done
} > "$tap"

{
	echo "Debug-kernel findings of $dir ($(date -u '+%F %T UTC'))"
	for c in kasan lockdep atomic odebug dma other; do
		[ -n "$(awk -F'\t' -v c="$c" '$1 == c' "$work/reports")" ] || continue
		echo
		echo "=== $c ==="
		print_reports "$c" "" 23
	done
	if [ -s "$work/leak/list" ]; then
		echo
		echo "=== kmemleak (csa/DRM) ==="
		print_leaks ours "" 30
		echo
		echo "=== kmemleak (unrelated) ==="
		print_leaks other "" 30
	fi
	[ -z "$dma_errors" ] || { echo; echo "dma-api error_count: $dma_errors"; }
} > "$findings"
