#!/usr/bin/env bash
# Boot the CSA test VM under TCG and collect what /init reports.
#
#   run-vm.sh --kernel VMLINUZ --initrd INITRAMFS.cpio.gz --out DIR
#             [--card PROPS]... [--mode tests|info|bench|shell] [--step NAME]...
#             [--info-args ARGS] [--bench-args ARGS] [--run-args ARGS]
#             [--fuzz-args ARGS]
#             [--timeout SECONDS] [--append KERNEL_ARGS]
#             [--defaults FILE] [--numa] [--card-node INDEX=NODE]...
#             [--iommu] [--debug-checks] [--fault SPEC]
#
#   QEMU            qemu-system-x86_64 to run (environment; default: on PATH)
#   QEMU_DATA_ARGS  extra QEMU arguments, e.g. -L dirs for its ROMs
#
# Each --card adds one "-device csa-card,PROPS" at a fixed PCI address
# (0000:00:08.0, 0000:00:09.0, ...).  The card list with every property's
# expected value (PROPS over the model defaults in --defaults) goes into the
# guest as /etc/csa-vm/cards, in an extra cpio appended to the initrd, so
# tests compare what the driver reports with what QEMU was told.
#
# --numa gives the VM two NUMA nodes (CPU 0 and 512 MiB on node 0, CPU 1 and
# 512 MiB on node 1; QEMU's SRAT tells the guest).  --card-node I=N (with
# --numa) puts card I (0-based, --card order) behind its own PCIe expander
# bridge (pxb-pcie) with numa_node=N instead of on the root bus: root bus
# 0x80 + 0x10 * k for the k-th such card, a root port on it, the card behind
# that, so the guest sees it at 0000:<bus + 1>:00.0 (the firmware numbers
# the root port's secondary bus bus + 1).  Its line in /etc/csa-vm/cards
# carries numa-node=N; other cards' lines say numa-node=-1.
#
# --fuzz-args: the arguments of the csa_fuzz_ioctl step (csa-fuzz-ioctl),
# CSA_FUZZ_ARGS in the guest's /etc/csa-vm/run.conf.
#
# --append adds guest kernel parameters, e.g. "slub_debug=FZPU" to catch a
# use-after-free in a stress run (make check-vm VM_KERNEL_ARGS=...).
#
# --iommu puts the cards behind QEMU's emulated Intel IOMMU with interrupt
# remapping (-device intel-iommu,intremap=on, q35 kernel-irqchip=split) and
# boots the guest with intel_iommu=on: every DMA of a card is translated.
#
# --debug-checks (for the debug kernel of make check-debug): /init makes
# DMA-API debug report every error, not only the first, and after the
# steps unloads csa.ko, scans kmemleak twice and reports what it found
# (and the DMA-API error count) as the extra step "debug-state"
# (tools/vm/debug-report.sh judges it).
#
# --fault SPEC runs every test step under fault injection
# (tools/vm/fault-run.sh in the image, SPEC is its options, e.g.
# "-p 5 -i 1 -t 100000 failslab fail_page_alloc"); the allocation-failure
# dumps that injected faults cause are then not kernel trouble (the
# "Call Trace" line alone is not matched), everything else still is.
#
# DIR/console.log   serial console (kernel messages)
# DIR/results.log   second serial port: framed output of /init (see tools/vm/init)
# DIR/<step>.tap    output of each step
# DIR/summary       one line per step: "<name> rc=<n>" (rc=-1: never finished)
#
# Exit status: 0 if every step ran and exited 0, 1 otherwise, 2 on usage.
set -euo pipefail

die() { echo "run-vm: $*" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

kernel= initrd= out= append= mode=tests info_args= bench_args= run_args= fuzz_args= timeout=120 numa=0
iommu=0 debug_checks=0 fault=
defaults=$here/card-defaults.conf
cards=() steps=()
declare -A card_node=()
while [ $# -gt 0 ]; do
	case "$1" in
	--shell) mode=shell; shift; continue ;;
	--numa) numa=1; shift; continue ;;
	--iommu) iommu=1; shift; continue ;;
	--debug-checks) debug_checks=1; shift; continue ;;
	esac
	[ $# -ge 2 ] || die "option $1 needs a value"
	case "$1" in
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--out) out=$2 ;;
	--card) cards+=("$2") ;;
	--mode) mode=$2 ;;
	--step) steps+=("$2") ;;
	--info-args) info_args=$2 ;;
	--bench-args) bench_args=$2 ;;
	--run-args) run_args=$2 ;;
	--fuzz-args) fuzz_args=$2 ;;
	--card-node)
		[[ "$2" =~ ^[0-9]+=[0-9]+$ ]] || die "--card-node wants INDEX=NODE, got '$2'"
		card_node[${2%%=*}]=${2#*=} ;;
	--timeout) timeout=$2 ;;
	--append) append=$2 ;;
	--defaults) defaults=$2 ;;
	--fault) fault=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[ -f "$kernel" ] || die "--kernel '$kernel' not found"
[ -f "$initrd" ] || die "--initrd '$initrd' not found"
[ -n "$out" ] || die "--out is required"
[ -f "$defaults" ] || die "card defaults file '$defaults' not found"
case "$mode" in tests|info|bench|shell) ;; *) die "--mode must be tests, info, bench or shell" ;; esac
for i in "${!card_node[@]}"; do
	[ "$numa" = 1 ] || die "--card-node needs --numa"
	[ "$i" -lt ${#cards[@]} ] || die "--card-node $i=${card_node[$i]}: there are only ${#cards[@]} card(s)"
	[ "${card_node[$i]}" -le 1 ] || die "--card-node $i=${card_node[$i]}: the VM has nodes 0 and 1"
done
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "QEMU '$qemu' not found (make qemu)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
# one VM per output directory at a time (the build tree is shared)
exec 9> "$out/.lock"
flock 9
rm -f "$out"/*.tap "$out"/init.log "$out"/*.rc "$out"/console.log "$out"/results.log "$out"/summary

# --- per-run configuration, appended to the initrd as a second cpio -------
conf=$out/conf
rm -rf "$conf"
mkdir -p "$conf/etc/csa-vm"
# Expected values: model defaults, overridden by this card's properties.
declare -A dflt=()
while IFS='=' read -r k v; do
	[[ -z "$k" || "$k" == \#* ]] && continue
	dflt[$k]=$v
done < "$defaults"
devices=()
bridged=0
: > "$conf/etc/csa-vm/cards"
for i in "${!cards[@]}"; do
	slot=$((8 + i))
	addr=$(printf '0000:00:%02x.0' "$slot")
	placement=(-device "csa-card,addr=$(printf '0x%x' "$slot")${cards[$i]:+,${cards[$i]}}")
	node=-1
	if [ -n "${card_node[$i]+x}" ]; then
		# expander bridge -> root port -> card; bus numbers per bridge
		node=${card_node[$i]}
		bus=$((0x80 + 0x10 * bridged))
		addr=$(printf '0000:%02x:00.0' $((bus + 1)))
		placement=(-device "pxb-pcie,id=csa_pxb$i,bus_nr=$bus,numa_node=$node,bus=pcie.0,addr=$(printf '0x%x' $((0x10 + bridged)))"
			-device "pcie-root-port,id=csa_rp$i,bus=csa_pxb$i,chassis=$((10 + i)),slot=0,addr=0x0"
			-device "csa-card,bus=csa_rp$i,addr=0x0${cards[$i]:+,${cards[$i]}}")
		bridged=$((bridged + 1))
	fi
	declare -A val=()
	for k in "${!dflt[@]}"; do val[$k]=${dflt[$k]}; done
	if [ -n "${cards[$i]}" ]; then
		IFS=, read -r -a props <<< "${cards[$i]}"
		for p in "${props[@]}"; do
			[[ "$p" == *=* ]] || die "card property '$p' is not key=value"
			k=${p%%=*}
			[ -n "${dflt[$k]+x}" ] || die "card property '$k' has no default in $defaults"
			val[$k]=${p#*=}
		done
	fi
	line=$addr
	for k in $(printf '%s\n' "${!val[@]}" | sort); do line+=" $k=${val[$k]}"; done
	echo "$line numa-node=$node" >> "$conf/etc/csa-vm/cards"
	devices+=("${placement[@]}")
	unset val
done
{
	echo "CSA_MODE=$mode"
	echo "CSA_STEPS='${steps[*]}'"
	echo "CSA_INFO_ARGS='$info_args'"
	echo "CSA_BENCH_ARGS='$bench_args'"
	echo "CSA_RUN_ARGS='$run_args'"
	echo "CSA_FUZZ_ARGS='$fuzz_args'"
	echo "CSA_DEBUG_CHECKS=$debug_checks"
	echo "CSA_FAULT='$fault'"
} > "$conf/etc/csa-vm/run.conf"
run_initrd=$out/initrd.cpio.gz
# The kernel unpacks concatenated archives in order; later files win.
{
	cat "$initrd"
	(cd "$conf" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet | gzip -1)
} > "$run_initrd"

# --- boot ----------------------------------------------------------------
# shellcheck disable=SC2086
# Two sockets of one CPU each: with --numa each node is then a whole
# package (one socket across two nodes makes the guest warn at boot).
memory=(-m 1G -smp 2,sockets=2,cores=1,threads=1)
if [ "$numa" = 1 ]; then
	memory+=(-object memory-backend-ram,id=csa_mem0,size=512M
		-object memory-backend-ram,id=csa_mem1,size=512M
		-numa node,nodeid=0,cpus=0,memdev=csa_mem0
		-numa node,nodeid=1,cpus=1,memdev=csa_mem1)
fi
machine=q35
iommu_dev=()
if [ "$iommu" = 1 ]; then
	# the IOMMU must come before the PCI devices it translates for
	machine=q35,kernel-irqchip=split
	iommu_dev=(-device intel-iommu,intremap=on)
	append="intel_iommu=on${append:+ $append}"
fi
# loglevel=5: warnings reach the console, so the health check sees them.
cmd=("$qemu" ${QEMU_DATA_ARGS:-} -machine "$machine" -accel tcg "${memory[@]}"
	-nographic -vga none -monitor none -no-reboot -nic none
	-serial "file:$out/console.log" -serial "file:$out/results.log"
	-kernel "$kernel" -initrd "$run_initrd"
	-append "console=ttyS0 loglevel=5 panic=-1 oops=panic rdinit=/init${append:+ $append}"
	"${iommu_dev[@]}" "${devices[@]}")
echo "run-vm: ${#cards[@]} card(s)$([ "$numa" = 1 ] && echo ", 2 NUMA nodes")$([ "$iommu" = 1 ] && echo ", IOMMU")$([ -n "$fault" ] && echo ", fault injection"), mode $mode, timeout ${timeout}s"
start=$(date +%s.%N)
if [ "$mode" = shell ]; then
	cmd=("${cmd[@]/file:$out\/console.log/mon:stdio}")
	exec "${cmd[@]}"
fi
qrc=0
timeout --kill-after=5 "$timeout" "${cmd[@]}" < /dev/null > "$out/qemu.log" 2>&1 || qrc=$?
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo "$secs" > "$out/seconds"

# --- results -------------------------------------------------------------
results=$out/results.log
touch "$results"
tr -d '\r' < "$results" > "$results.clean"
fail=0
vm_broken=0
# split framed steps into DIR/<step>.tap and DIR/summary
awk -v dir="$out" '
	/^@@CSA-BEGIN .*@@$/ { name = $2; sub(/@@$/, "", name); file = dir "/" name ".tap"
		printf "" > file; cur = name; next }
	/^@@CSA-END .* rc=-?[0-9]+@@$/ { rc = $3; sub(/^rc=/, "", rc); sub(/@@$/, "", rc)
		print cur " rc=" rc >> (dir "/summary"); print rc > (dir "/" cur ".rc")
		close(file); close(dir "/" cur ".rc"); cur = ""; next }
	/^@@CSA-DONE rc=-?[0-9]+@@$/ { done = 1; next }
	cur != "" { print >> file; next }
	{ print "run-vm: (init) " $0 > "/dev/stderr"; print > (dir "/init.log") }
	END { if (cur != "") { print cur " rc=-1" >> (dir "/summary"); print -1 > (dir "/" cur ".rc") }
	      if (!done) exit 1 }
' "$results.clean" || fail=1
touch "$out/summary"
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run-vm: TIMEOUT: VM did not finish within ${timeout}s (killed)" >&2
	fail=1 vm_broken=1
elif [ "$qrc" != 0 ]; then
	echo "run-vm: QEMU exited with status $qrc:" >&2
	sed 's/^/run-vm:   /' "$out/qemu.log" >&2
	fail=1 vm_broken=1
fi
if ! grep -q '^@@CSA-DONE rc=' "$results.clean"; then
	echo "run-vm: the VM never reported completion" >&2
	fail=1 vm_broken=1
elif ! grep -q '^@@CSA-DONE rc=0@@' "$results.clean"; then
	fail=1
fi
# steps asked for but never started count as failures
missing=()
for s in "${steps[@]}"; do
	grep -q "^$s rc=" "$out/summary" ||
		{ echo "$s rc=-1" >> "$out/summary"; missing+=("$s"); fail=1; }
done
# Kernel trouble a test may not notice itself: a WARN, a slab poison or
# redzone report (slub_debug), an RCU stall, a hung task, an oops.
trouble_re='WARNING: |BUG[: ]|Oops|general protection fault|Poison overwritten|Redzone|detected stalls|blocked for more than'
[ -n "$fault" ] || trouble_re+='|Call Trace'
trouble=$(tr -d '\r' < "$out/console.log" 2>/dev/null |
	grep -E "$trouble_re" |
	head -n 8 || true)
[ -z "$trouble" ] || fail=1
# The VM's own health as two TAP tests, so a broken VM or a kernel that
# complained is counted as a failure.
{
	echo "TAP version 13"
	echo "1..2"
	if [ "$vm_broken" = 0 ] && [ ${#missing[@]} = 0 ]; then
		echo "ok 1 vm: booted, ran ${#steps[@]} step(s), powered off in ${secs}s"
	else
		reason="qemu status $qrc"
		[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && reason="timeout after ${timeout}s"
		[ ${#missing[@]} = 0 ] || reason+=", never started: ${missing[*]}"
		echo "not ok 1 vm: $reason (console: $out/console.log)"
		[ -f "$out/init.log" ] && sed 's/^/# init: /' "$out/init.log"
	fi
	if [ -z "$trouble" ]; then
		echo "ok 2 vm: kernel log clean (no WARN, BUG, oops, slab report or stall)"
	else
		echo "not ok 2 vm: the kernel complained (console: $out/console.log)"
		printf '%s\n' "$trouble" | sed 's/^/# kernel: /'
	fi
} > "$out/vm.tap"
grep -qv ' rc=0$' "$out/summary" && fail=1
if [ "$vm_broken" != 0 ]; then
	echo "run-vm: last console lines ($out/console.log):" >&2
	tail -n 40 "$out/console.log" 2>/dev/null | tr -d '\r' | sed 's/^/run-vm:   /' >&2 || true
fi
if [ "$fail" != 0 ]; then
	echo "run-vm: FAILED after ${secs}s (see $out)" >&2
	exit 1
fi
echo "run-vm: finished in ${secs}s"
