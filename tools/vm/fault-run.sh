#!/bin/sh
# Run one program under kernel fault injection, only its own allocations
# failing (busybox sh; installed into the debug VM image by make check-debug
# FAULT=1 and run by /init for every test step, see tools/vm/run-vm.sh --fault).
#
#   fault-run.sh [-p PERCENT] [-i INTERVAL] [-t TIMES] [-v VERBOSE] [-d DELAY]
#                TARGET... -- PROGRAM [ARG]...
#
# TARGET is a fault attribute under /sys/kernel/debug: failslab (kmalloc and
# kmem_cache_alloc) or fail_page_alloc (the page allocator, order 0 too).
# Each gets task-filter=Y, so only tasks with /proc/<pid>/make-it-fail = 1
# see failures: PROGRAM gets it DELAY seconds after its exec (and what it
# forks afterwards inherits it), nothing else in the VM does.  Sleeping allocations (GFP_KERNEL) fail too
# (ignore-gfp-wait=N); fail_page_alloc leaves highmem/movable user pages
# alone (ignore-gfp-highmem=Y: those only turn into page-fault retries).
#
#   -p PERCENT   probability of a failure per eligible call (default 1)
#   -i INTERVAL  only every INTERVAL-th call is eligible (default 1)
#   -t TIMES     at most TIMES failures per target and run (default 100000)
#   -v VERBOSE   the attribute's verbose knob: 0 silent, 1 one line per
#                failure (KERN_NOTICE, ratelimited), 2 with a stack (default 0)
#   -d DELAY     seconds between PROGRAM's exec and make-it-fail (default 0.3)
#
# Prints "# fault-run: <target> injected N failure(s)" after PROGRAM (so
# the counts land in the step's TAP as comments) and exits with PROGRAM's
# status.  Injected failures make tests fail; make check-debug FAULT=1
# judges the kernel's health (tools/vm/debug-report.sh), not the tests.
#
# fail_function (CONFIG_FAIL_FUNCTION) makes functions marked
# ALLOW_ERROR_INJECTION return an error: the target fail_function injects
# into csa.ko's csa_dma_setup (every DMA mapping of a buffer, table or
# ring) and csa_segtab_build (segment tables), returning -ENOMEM.  It
# decides in a kprobe handler: only an ftrace-based kprobe (the kernel
# has CONFIG_FUNCTION_TRACER, the module its __fentry__ calls) runs in the
# task, an int3 one runs as an NMI where the task filter never matches
# (and the random number lock lockdep-splats), so the target refuses
# int3 probes.  The functions are armed while csa.ko is loaded; a suite
# that reloads the module disarms them (the kprobes go with the old
# module) for the rest of its run.
set -u

prob=1 interval=1 times=100000 verbose=0 delay=0.3
targets=
usage() {
	echo "usage: $0 [-p PERCENT] [-i INTERVAL] [-t TIMES] [-v VERBOSE] [-d DELAY] TARGET... -- PROGRAM [ARG]..." >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	-p|-i|-t|-v|-d)
		[ $# -ge 2 ] || usage
		case "$2" in *[!0-9.]*|'') echo "$0: $1 wants a number, got '$2'" >&2; exit 2 ;; esac
		case "$1" in
		-p) prob=$2 ;; -i) interval=$2 ;; -t) times=$2 ;; -v) verbose=$2 ;; -d) delay=$2 ;;
		esac
		shift 2 ;;
	--) shift; break ;;
	failslab|fail_page_alloc|fail_function) targets="$targets $1"; shift ;;
	*) echo "$0: unknown target or option '$1'" >&2; usage ;;
	esac
done
if [ -z "$targets" ] || [ $# -eq 0 ]; then usage; fi

dbg=/sys/kernel/debug
knob() {	# knob TARGET FILE VALUE
	if ! echo "$3" > "$dbg/$1/$2" 2>/dev/null; then
		echo "# fault-run: cannot set $dbg/$1/$2 = $3 (kernel without $1?)"
		exit 2
	fi
}
# csa.ko's injectable functions, and the errno each returns (-ENOMEM).
fail_functions="csa_dma_setup csa_segtab_build"
for t in $targets; do
	[ "$t" = fail_function ] || continue
	echo > "$dbg/fail_function/inject"	# clear what an earlier run armed
	for f in $fail_functions; do
		knob fail_function inject "$f"
		knob fail_function "$f/retval" "$(printf '%lu' -12)"
	done
	if grep ' csa_dma_setup+0x0 ' "$dbg/kprobes/list" | grep -qv FTRACE; then
		echo "# fault-run: fail_function: csa_dma_setup has an int3 kprobe, not an ftrace one (kernel without CONFIG_FUNCTION_TRACER?)"
		echo > "$dbg/fail_function/inject"
		exit 2
	fi
	echo "# fault-run: fail_function armed:" $(cat "$dbg/fail_function/inject")
done
for t in $targets; do
	knob "$t" probability "$prob"
	knob "$t" interval "$interval"
	knob "$t" times "$times"
	knob "$t" verbose "$verbose"
	knob "$t" space 0
	knob "$t" task-filter Y
	case "$t" in
	failslab|fail_page_alloc) knob "$t" ignore-gfp-wait N ;;
	esac
	case "$t" in
	fail_page_alloc)
		knob "$t" ignore-gfp-highmem Y
		knob "$t" min-order 0 ;;
	esac
done
echo "# fault-run:$targets: probability ${prob}%, interval $interval, at most $times each, task-filtered, from ${delay}s after exec"

# Flag PROGRAM only once it runs: exec and the dynamic loader failing would
# just make every suite exit 126/127 before its first test.  Wait until
# /proc/<pid>/exe is PROGRAM, give the loader DELAY seconds, then set its
# make-it-fail; the children it forks from then on (the harness runs each
# test in one) inherit the flag.  This shell stays unflagged.
prog=$(readlink -f "$(command -v "$1" || echo "$1")")
"$@" &
pid=$!
i=0
while [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$prog" ] && [ $i -lt 200 ] &&
	kill -0 "$pid" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
sleep "$delay"
echo 1 2>/dev/null > "/proc/$pid/make-it-fail" ||
	echo "# fault-run: $1 exited before make-it-fail was set"
wait "$pid"
rc=$?

for t in $targets; do
	left=$(cat "$dbg/$t/times")
	echo "# fault-run: $t injected $((times - left)) failure(s)"
	knob "$t" probability 0
done
exit $rc
