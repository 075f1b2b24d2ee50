#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the installed CSA kselftests (`make install-tests`) on a host with a
# CSA card bound to csa.ko, in the manner of the kernel's
# tools/testing/selftests/run_kselftest.sh: TAP on stdout, one line per
# suite, exit 0 only if every suite passed or skipped.  Run it as root:
# suites reload the module, unbind cards and swap firmware.
#
# The suites compare the driver's answers with a card list (in the VM, the
# card model's properties).  Here it is written from the driver's own sysfs
# and csa-info --json, so on a real host they check that every path
# (ioctl, libcsa, sysfs, csa-info) agrees.  Suites that need the virtual
# card's debug ops or the VM's NUMA topology skip themselves.
set -u
BASE_DIR=$(cd "$(dirname "$0")" && pwd)
COLLECTION=csa
LIST="$BASE_DIR/kselftest-list.txt"

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]
  -s | --summary          print only the summary (logs in $TMPDIR_LOGS)
  -t | --test COL:TEST    run TEST of collection COL (may repeat)
  -c | --collection COL   run every test of collection COL (csa)
  -l | --list             list the available collection:test entries
  -o | --override-timeout SECONDS  per-suite timeout (default 600)
  -n | --dry-run          print the commands instead of running them
  -h | --help             this help
EOF
	exit "${1:-0}"
}

TMPDIR_LOGS=${TMPDIR:-/tmp}/csa-kselftest.$$
summary= dry= timeout=600 tests=
while [ $# -gt 0 ]; do
	case "$1" in
	-s|--summary) summary=1 ;;
	-t|--test) tests="$tests $2"; shift ;;
	-c|--collection) tests="$tests $(grep "^$2:" "$LIST" | tr '\n' ' ')"; shift ;;
	-l|--list) cat "$LIST"; exit 0 ;;
	-o|--override-timeout) timeout=$2; shift ;;
	-n|--dry-run) dry=1 ;;
	-h|--help) usage 0 ;;
	*) usage 1 >&2 ;;
	esac
	shift
done
[ -n "$tests" ] || tests=$(cat "$LIST")

# The host's cards, as the suites' card list wants them.
DRV=/sys/bus/pci/drivers/csa
cards_file() {
	json=$("$BASE_DIR/csa/bin/csa-info" --json 2>/dev/null) || return 1
	for dev in "$DRV"/????:??:??.?; do
		[ -e "$dev" ] || continue
		addr=${dev##*/}
		# the card's object in csa-info's JSON, one "key": value a line
		obj=$(printf '%s\n' "$json" | tr ',{}' '\n\n\n' |
			sed -n "/\"pci_address\": *\"$addr\"/,/\"serial\"/p")
		get() { printf '%s\n' "$obj" | sed -n "s/.*\"$1\": *\"\{0,1\}\([^\"]*\)\"\{0,1\}.*/\1/p" | head -n 1; }
		echo "$addr queues=$(get queues) lanes=$(get datapath_lanes)" \
			"max-k=$(get max_k) max-dim=$(get max_dim)" \
			"max-tensor=$(get max_tensor) clock-khz=$(get clock_khz)" \
			"serial=0x$(get serial) numa-node=$(cat "$dev/numa_node")"
	done
}

mkdir -p "$TMPDIR_LOGS"
if [ -z "$dry" ]; then
	if ! ls -d "$DRV"/????:??:??.? >/dev/null 2>&1; then
		echo "TAP version 13"
		echo "1..0 # SKIP no PCI device bound to csa.ko ($DRV)"
		exit 4
	fi
	cards_file > "$TMPDIR_LOGS/cards" || {
		echo "run_kselftest: csa-info --json failed" >&2
		exit 1
	}
fi
export CSA_CARDS_FILE="$TMPDIR_LOGS/cards"
export CSA_DATA_DIR="$BASE_DIR/csa/data"
export CSA_FW_TEST_DIR="$BASE_DIR/csa/firmware-test"
export CSA_INFO="$BASE_DIR/csa/bin/csa-info"
export CSA_BENCH="$BASE_DIR/csa/bin/csa-bench"
export CSA_RUN="$BASE_DIR/csa/bin/csa-run"
export CSA_KO="${CSA_KO:-$(modinfo -n csa 2>/dev/null)}"

echo "TAP version 13"
set -- $tests
echo "1..$#"
n=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	name=${t#*:}
	cmd="timeout $timeout $BASE_DIR/${t%%:*}/$name"
	echo "# selftests: ${t%%:*}: $name"
	if [ -n "$dry" ]; then
		echo "# $cmd"
		echo "ok $n selftests: ${t%%:*}: $name # SKIP dry run"
		continue
	fi
	log="$TMPDIR_LOGS/$name.tap"
	(cd "$BASE_DIR/${t%%:*}" && $cmd) > "$log" 2>&1
	rc=$?
	[ -n "$summary" ] || sed 's/^/# /' "$log"
	case $rc in
	0) echo "ok $n selftests: ${t%%:*}: $name" ;;
	4) echo "ok $n selftests: ${t%%:*}: $name # SKIP" ;;
	124) failed=$((failed + 1)); echo "not ok $n selftests: ${t%%:*}: $name # TIMEOUT $timeout seconds" ;;
	*) failed=$((failed + 1)); echo "not ok $n selftests: ${t%%:*}: $name # exit=$rc" ;;
	esac
done
exit $((failed > 0))
