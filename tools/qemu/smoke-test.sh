#!/usr/bin/env bash
# Host smoke test of the virtual CSA card without a guest OS: QEMU's qtest
# accelerator lets this script play the driver (PCI config cycles, BAR
# reads/writes, guest RAM) and step virtual time.  Prints TAP.
#
#   smoke-test.sh QEMU FW_DIR [QEMU data args...]
#
# FW_DIR holds csa-fw.bin, csa-fw-badcrc.bin and csa-fw-badabi.bin.
set -uo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 QEMU FW_DIR [QEMU data args...]" >&2
	exit 2
fi
qemu=$1
fw_dir=$2
shift 2
data_args=("$@")
for f in "$qemu" "$fw_dir/csa-fw.bin" "$fw_dir/csa-fw-badcrc.bin" \
	 "$fw_dir/csa-fw-badabi.bin"; do
	[ -e "$f" ] || { echo "smoke-test: $f missing" >&2; exit 2; }
done

# Register offsets and values from firmware/csa_hw.h.
REG_ID=0x00 REG_HW_VERSION=0x04 REG_NUM_QUEUES=0x0c REG_DP_LANES=0x10
REG_MAX_K=0x14 REG_MAX_DIM=0x18 REG_MAX_TENSOR=0x1c REG_CLOCK_KHZ=0x20
REG_SERIAL_LO=0x24 REG_SERIAL_HI=0x28 REG_FW_ABI_SUPPORTED=0x2c
REG_STATUS=0x40 REG_RESET=0x44 REG_IRQ_STATUS=0x48 REG_IRQ_MASK=0x4c
REG_SCRATCH=0x50 REG_FW_ADDR_LO=0x80 REG_FW_ADDR_HI=0x84 REG_FW_SIZE=0x88
REG_FW_CTRL=0x8c REG_FW_STATUS=0x90 REG_FW_ERROR=0x94 REG_FW_VERSION=0x98
REG_FW_ABI=0x9c REG_QUEUE_BASE=0x1000
ID_MAGIC=0x31415343 RESET_MAGIC=0x52455345 IRQ_FW=0x1
FW_NONE=0 FW_LOADING=1 FW_READY=2 FW_FAILED=3
ERR_NONE=0 ERR_SIZE=1 ERR_CRC=4 ERR_ABI=5 ERR_DMA=7

# Guest-physical layout chosen by this test.
BAR0_A=0xe0000000 BAR2_A=0xe0010000	# card A: slot 4
BAR0_B=0xe0020000 BAR2_B=0xe0030000	# card B: slot 5
IMG_ADDR=0x100000	# firmware image in guest RAM
MSI_ADDR=0x200000	# MSI-X messages land in guest RAM: observable
MSI_DATA=0xc5a0f00d

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
# check NAME GOT WANT: compare numerically
check() {
	if [ $(($2)) -eq $(($3)) ]; then ok "$1"; else
		not_ok "$1"; echo "# got $2, want $3"
	fi
}

coproc QT { "$qemu" "${data_args[@]}" -machine q35 -accel qtest \
	-qtest stdio -qtest-log /dev/null -display none -nodefaults \
	-device csa-card,addr=04.0,queues=3,lanes=128,max-k=10,serial=0x1122334455667788 \
	-device csa-card,addr=05.0,fw-abi=2 2>/dev/null; }

# One qtest command; prints the value of "OK VALUE" replies.
qt() {
	local reply
	echo "$*" >&"${QT[1]}"
	if ! IFS= read -r -t 20 reply <&"${QT[0]}"; then
		echo "Bail out! qemu did not answer '$*'"
		exit 1
	fi
	case $reply in
	OK) ;;
	"OK "*) echo "${reply#OK }" ;;
	*) echo "Bail out! qtest '$*' answered '$reply'"; exit 1 ;;
	esac
}

cfg_addr() { printf '0x%x' $((0x80000000 | $1 << 11 | $2)); }
cfg_rd32() { qt outl 0xcf8 "$(cfg_addr "$1" "$2")" >/dev/null; qt inl 0xcfc; }
cfg_wr32() { qt outl 0xcf8 "$(cfg_addr "$1" "$2")" >/dev/null; qt outl 0xcfc "$3" >/dev/null; }
cfg_wr16() {
	qt outl 0xcf8 "$(cfg_addr "$1" $(($2 & ~3)))" >/dev/null
	qt outw $((0xcfc + ($2 & 3))) "$3" >/dev/null
}
rd() { qt readl $(($1 + $2)); }
wr() { qt writel $(($1 + $2)) "$3" >/dev/null; }

# Program BARs, enable memory + bus mastering, point MSI-X vector 0 at RAM.
setup_card() {
	local slot=$1 bar0=$2 bar2=$3 cap
	cfg_wr32 "$slot" 0x10 "$bar0"
	cfg_wr32 "$slot" 0x18 "$bar2"
	cfg_wr32 "$slot" 0x04 0x6
	cap=$(($(cfg_rd32 "$slot" 0x34) & 0xfc))
	while [ "$cap" -ne 0 ]; do
		local hdr
		hdr=$(cfg_rd32 "$slot" "$cap")
		[ $((hdr & 0xff)) -eq $((0x11)) ] && break
		cap=$(((hdr >> 8) & 0xfc))
	done
	[ "$cap" -ne 0 ] || { echo "Bail out! no MSI-X capability"; exit 1; }
	# table entry 0: address, data, unmasked (table at BAR2 offset 0)
	qt writel "$bar2" "$MSI_ADDR" >/dev/null
	qt writel $((bar2 + 4)) 0 >/dev/null
	qt writel $((bar2 + 8)) "$MSI_DATA" >/dev/null
	qt writel $((bar2 + 12)) 0 >/dev/null
	cfg_wr16 "$slot" $((cap + 2)) 0x8000	# MSI-X enable
}

hexfile() { printf '0x%s' "$(od -An -v -tx1 "$1" | tr -d ' \n')"; }

# Load an image and let the card finish; echoes "status error msi".
load_fw() {
	local bar0=$1 addr=$2 size=$3 st
	qt writel "$MSI_ADDR" 0 >/dev/null
	wr "$bar0" $REG_IRQ_STATUS $IRQ_FW
	wr "$bar0" $REG_FW_ADDR_LO $((addr & 0xffffffff))
	wr "$bar0" $REG_FW_ADDR_HI $((addr >> 32))
	wr "$bar0" $REG_FW_SIZE "$size"
	wr "$bar0" $REG_FW_CTRL 1
	st=$(rd "$bar0" $REG_FW_STATUS)
	qt clock_step 5000000 >/dev/null
	echo "$st $(rd "$bar0" $REG_FW_STATUS) $(rd "$bar0" $REG_FW_ERROR) $(qt readl $MSI_ADDR)"
}

put_image() {
	local data
	data=$(hexfile "$1")
	qt write $IMG_ADDR "$(stat -c %s "$1")" "$data" >/dev/null
	stat -c %s "$1"
}

echo "1..36"

# PCI identity
check "vendor/device id" "$(cfg_rd32 4 0x00)" 0xc5a01de5
check "class 0x1200, revision 1" "$(cfg_rd32 4 0x08)" 0x12000001

setup_card 4 $BAR0_A $BAR2_A
setup_card 5 $BAR0_B $BAR2_B

# identification and capability registers reflect the properties
check "ID magic" "$(rd $BAR0_A $REG_ID)" $ID_MAGIC
check "hw version 1.0" "$(rd $BAR0_A $REG_HW_VERSION)" 0x10000
check "queues property" "$(rd $BAR0_A $REG_NUM_QUEUES)" 3
check "lanes property" "$(rd $BAR0_A $REG_DP_LANES)" 128
check "max-k property" "$(rd $BAR0_A $REG_MAX_K)" 10
check "max-dim default" "$(rd $BAR0_A $REG_MAX_DIM)" 65535
check "max-tensor default" "$(rd $BAR0_A $REG_MAX_TENSOR)" 16777216
check "clock-khz default" "$(rd $BAR0_A $REG_CLOCK_KHZ)" 250000
check "serial property" \
	$(($(rd $BAR0_A $REG_SERIAL_HI) << 32 | $(rd $BAR0_A $REG_SERIAL_LO))) \
	0x1122334455667788
check "fw-abi default" "$(rd $BAR0_A $REG_FW_ABI_SUPPORTED)" 1
check "queues default (card B)" "$(rd $BAR0_B $REG_NUM_QUEUES)" 2
serial_b=$(($(rd $BAR0_B $REG_SERIAL_HI) << 32 | $(rd $BAR0_B $REG_SERIAL_LO)))
if [ "$serial_b" -ne 0 ] && [ "$serial_b" -ne $((0x1122334455667788)) ]; then
	ok "default serial is derived and non-zero"
else
	not_ok "default serial is derived and non-zero"
fi

# register file rules
wr $BAR0_A $REG_SCRATCH 0xdeadbeef
check "scratch is read/write" "$(rd $BAR0_A $REG_SCRATCH)" 0xdeadbeef
wr $BAR0_A $REG_ID 0
check "write to read-only ID ignored" "$(rd $BAR0_A $REG_ID)" $ID_MAGIC
check "16-bit read rejected (reads 0)" "$(qt readw $BAR0_A)" 0
check "queue window reads 0" "$(rd $BAR0_A $((REG_QUEUE_BASE + 0x104)))" 0
check "firmware state NONE at start" "$(rd $BAR0_A $REG_FW_STATUS)" $FW_NONE

# firmware-load handshake
wr $BAR0_A $REG_IRQ_MASK $IRQ_FW
size=$(put_image "$fw_dir/csa-fw.bin")
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
check "LOADING right after LOAD (asynchronous)" "$st0" $FW_LOADING
check "good image: READY" "$st" $FW_READY
check "good image: MSI-X vector 0 delivered" "$msi" $MSI_DATA
check "STATUS.FW_READY set" $(($(rd $BAR0_A $REG_STATUS) & 1)) 1
check "FW_VERSION 1.0.0, FW_ABI 1" \
	$(($(rd $BAR0_A $REG_FW_VERSION) << 8 | $(rd $BAR0_A $REG_FW_ABI))) \
	$((0x10000 << 8 | 1))
wr $BAR0_A $REG_IRQ_STATUS $IRQ_FW
check "IRQ_STATUS write-1-to-clear" "$(rd $BAR0_A $REG_IRQ_STATUS)" 0

size=$(put_image "$fw_dir/csa-fw-badcrc.bin")
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
check "corrupt payload: FAILED/CRC" $((st << 8 | err)) \
	$((FW_FAILED << 8 | ERR_CRC))
check "failed load also interrupts" "$msi" $MSI_DATA
check "failed load clears STATUS.FW_READY" $(($(rd $BAR0_A $REG_STATUS) & 1)) 0

size=$(put_image "$fw_dir/csa-fw-badabi.bin")
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
check "wrong ABI: FAILED/ABI" $((st << 8 | err)) $((FW_FAILED << 8 | ERR_ABI))

read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR 0)"
check "size 0: FAILED/SIZE" $((st << 8 | err)) $((FW_FAILED << 8 | ERR_SIZE))
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR $((0x100001)))"
check "size > max: FAILED/SIZE" $((st << 8 | err)) $((FW_FAILED << 8 | ERR_SIZE))
read -r st0 st err msi <<<"$(load_fw $BAR0_A 0xf000000000 4096)"
check "unbacked address: FAILED/DMA" $((st << 8 | err)) $((FW_FAILED << 8 | ERR_DMA))

# card B accepts only ABI 2: the default image is rejected there
size=$(put_image "$fw_dir/csa-fw.bin")
wr $BAR0_B $REG_IRQ_MASK $IRQ_FW
read -r st0 st err msi <<<"$(load_fw $BAR0_B $IMG_ADDR "$size")"
check "fw-abi=2 card rejects ABI 1 image" $((st << 8 | err)) \
	$((FW_FAILED << 8 | ERR_ABI))

# soft reset
wr $BAR0_A $REG_RESET 0x1234
check "reset with wrong magic ignored" "$(rd $BAR0_A $REG_FW_STATUS)" $FW_FAILED
wr $BAR0_A $REG_RESET $RESET_MAGIC
check "soft reset: firmware NONE, IRQ mask cleared" \
	$(($(rd $BAR0_A $REG_FW_STATUS) << 8 | $(rd $BAR0_A $REG_IRQ_MASK))) 0

qt_pid=$QT_PID
kill "$qt_pid" 2>/dev/null	# the qtest QEMU this script started
wait "$qt_pid" 2>/dev/null

# property validation at realize
msg=$(timeout 30 "$qemu" "${data_args[@]}" -machine q35 -accel qtest -display none \
	-nodefaults -device csa-card,queues=17 2>&1 </dev/null)
if [[ $msg == *"queues=17 out of range 1..16"* ]]; then
	ok "queues=17 rejected with a clear error"
else
	not_ok "queues=17 rejected with a clear error"; echo "# $msg"
fi

[ "$failed" -eq 0 ]
