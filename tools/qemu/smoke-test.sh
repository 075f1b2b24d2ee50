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

# The PCI identity is read from firmware/csa_hw.h, its only definition.
hw_h=$(cd "$(dirname "$0")/../.." && pwd)/firmware/csa_hw.h
hw_define() { sed -n "s/^#define $1[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1/p" "$hw_h"; }
PCI_ID=$(( $(hw_define CSA_PCI_DEVICE_ID) << 16 | $(hw_define CSA_PCI_VENDOR_ID) ))
[ "$PCI_ID" -ne 0 ] || { echo "smoke-test: no PCI IDs in $hw_h" >&2; exit 2; }
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
# per-queue registers (offsets in the queue window), ring layouts
Q_RING_LO=0x00 Q_RING_HI=0x04 Q_RING_SIZE=0x08 Q_CPL_LO=0x0c Q_CPL_HI=0x10
Q_TAIL=0x14 Q_HEAD=0x18 Q_CTRL=0x1c Q_STATUS=0x20 Q_RESET=0x24
Q_SEQ_LO=0x28 Q_SEQ_HI=0x2c
QS_ENABLED=1 QS_BUSY=2 QS_ERROR=4
DESC_SIZE=80 CPL_SIZE=32 F_IRQ=1 F_STATUS=2
OP_NOP=0 OP_FILL=1 OP_COPY=2 OP_WRITE_VALUE=3 OP_HANG=0xf0 OP_CRASH=0xf2
STATUS_FATAL=2 IRQ_ERROR=2
ST_OK=0 ST_BAD_OPCODE=1 ST_ACCESS=6
IRQ_Q0=$((1 << 16))

# Guest-physical layout chosen by this test.
BAR0_A=0xe0000000 BAR2_A=0xe0010000	# card A: slot 4
BAR0_B=0xe0020000 BAR2_B=0xe0030000	# card B: slot 5
IMG_ADDR=0x100000	# firmware image in guest RAM
MSI_ADDR=0x200000	# MSI-X messages land in guest RAM: observable
MSI_DATA=0xc5a0f00d
MSI1_ADDR=0x200010	# vector 1 (queue 0) of card A
MSI1_DATA=0xc5a0f001
# queue rings, bind table, segment table and data buffers in guest RAM
RING0=0x300000 CPL0=0x301000 BINDS=0x302000 SEGS=0x303000
RING1=0x304000 CPL1=0x305000 RING_B=0x306000 CPL_B=0x307000
SEG0=0x310000 SEG1=0x312000 RO_BUF=0x320000	# slot 0 = SEG0 + SEG1
BIG_BUF=0x1000000	# 4 MiB, slot 3

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

coproc QT { exec "$qemu" "${data_args[@]}" -machine q35 -accel qtest \
	-qtest stdio -qtest-log /dev/null -display none -nodefaults \
	-device csa-card,addr=04.0,queues=3,lanes=128,max-k=10,serial=0x1122334455667788,debug-ops=on \
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

# find_cap SLOT ID: config offset of capability ID, or 0
find_cap() {
	local cap hdr
	cap=$(($(cfg_rd32 "$1" 0x34) & 0xfc))
	while [ "$cap" -ne 0 ]; do
		hdr=$(cfg_rd32 "$1" "$cap")
		[ $((hdr & 0xff)) -eq $(($2)) ] && break
		cap=$(((hdr >> 8) & 0xfc))
	done
	echo "$cap"
}

# Program BARs, enable memory + bus mastering, point MSI-X vector 0 at RAM.
setup_card() {
	local slot=$1 bar0=$2 bar2=$3 cap
	cfg_wr32 "$slot" 0x10 "$bar0"
	cfg_wr32 "$slot" 0x18 "$bar2"
	cfg_wr32 "$slot" 0x04 0x6
	cap=$(find_cap "$slot" 0x11)
	[ "$cap" -ne 0 ] || { echo "Bail out! no MSI-X capability"; exit 1; }
	# table entry 0: address, data, unmasked (table at BAR2 offset 0)
	qt writel "$bar2" "$MSI_ADDR" >/dev/null
	qt writel $((bar2 + 4)) 0 >/dev/null
	qt writel $((bar2 + 8)) "$MSI_DATA" >/dev/null
	qt writel $((bar2 + 12)) 0 >/dev/null
	cfg_wr16 "$slot" $((cap + 2)) 0x8000	# MSI-X enable
}

hex() { printf '0x%x' "$1"; }
# guest RAM, little endian
wq() { qt writeq "$(hex "$1")" "$(hex "$2")" >/dev/null; }
wl() { qt writel "$(hex "$1")" "$(hex "$2")" >/dev/null; }
rq() { qt readq "$(hex "$1")"; }
rl() { qt readl "$(hex "$1")"; }
# queue registers: qrd BAR0 Q REG, qwr BAR0 Q REG VALUE
qrd() { rd "$1" $((REG_QUEUE_BASE + $2 * 0x100 + $3)); }
qwr() { wr "$1" $((REG_QUEUE_BASE + $2 * 0x100 + $3)) "$4"; }
opnd() { echo $(($1 << 48 | $2)); }

# put_desc RING INDEX SEQNO OPCODE FLAGS NUM_BINDS DST SRC SIZE VALUE STATUS
# (bind table BINDS, reserved fields 0)
put_desc() {
	local a=$(($1 + $2 * DESC_SIZE))
	wq $a "$3"; wl $((a + 8)) "$4"; wl $((a + 12)) "$5"
	wq $((a + 16)) $BINDS; wl $((a + 24)) "$6"; wl $((a + 28)) 0
	wq $((a + 32)) "$7"; wq $((a + 40)) "$8"; wq $((a + 48)) "$9"
	wq $((a + 56)) "${10}"; wq $((a + 64)) "${11}"; wq $((a + 72)) 0
}
# put_bind INDEX SEGS SIZE NUM_SEGS ACCESS
put_bind() {
	local a=$((BINDS + $1 * 32))
	wq $a "$2"; wq $((a + 8)) "$3"; wl $((a + 16)) "$4"; wl $((a + 20)) "$5"
	wq $((a + 24)) 0
}
# set_ring BAR0 Q RING CPL SIZE: program a disabled queue and enable it
set_ring() {
	qwr "$1" "$2" $Q_RING_LO $(($3 & 0xffffffff))
	qwr "$1" "$2" $Q_RING_HI $(($3 >> 32))
	qwr "$1" "$2" $Q_CPL_LO $(($4 & 0xffffffff))
	qwr "$1" "$2" $Q_CPL_HI $(($4 >> 32))
	qwr "$1" "$2" $Q_RING_SIZE "$5"
	qwr "$1" "$2" $Q_CTRL 1
}
step_1ms() { qt clock_step 1000000 >/dev/null; }

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

echo "1..100"

# PCI identity
check "vendor/device id" "$(cfg_rd32 4 0x00)" $PCI_ID
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

# command queues: ring setup validation
check "queue 0 idle and disabled at start" "$(qrd $BAR0_A 0 $Q_STATUS)" 0
set_ring $BAR0_A 0 $RING0 $CPL0 3
check "RING_SIZE 3 refused: ERROR, stays disabled" \
	"$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ERROR
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
check "queue reset clears ERROR" "$(qrd $BAR0_A 0 $Q_STATUS)" 0
set_ring $BAR0_A 0 $RING0 $((CPL0 + 0x20)) 4
check "completion array not 64-byte aligned refused" \
	"$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ERROR
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
set_ring $BAR0_A 0 $RING0 $CPL0 8192
check "RING_SIZE 8192 (> CSA_RING_MAX) refused" \
	"$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ERROR
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
set_ring $BAR0_A 0 $RING0 $CPL0 4
check "good ring setup: ENABLED" "$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ENABLED
qwr $BAR0_A 0 $Q_TAIL 4
check "TAIL outside the ring: ERROR and ignored" \
	$(($(qrd $BAR0_A 0 $Q_STATUS) << 8 | $(qrd $BAR0_A 0 $Q_TAIL))) \
	$(((QS_ENABLED | QS_ERROR) << 8))
qwr $BAR0_A 0 $Q_RING_LO 0x400000
check "RING_LO write while enabled ignored" "$(qrd $BAR0_A 0 $Q_RING_LO)" $RING0
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
qwr $BAR0_A 0 $Q_CTRL 1
check "re-enable after reset keeps the ring registers" \
	"$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ENABLED

# NOP with an interrupt: asynchronous completion, HEAD, DONE_SEQNO, MSI-X
qt writel $((BAR2_A + 16)) $MSI1_ADDR >/dev/null	# MSI-X vector 1
qt writel $((BAR2_A + 20)) 0 >/dev/null
qt writel $((BAR2_A + 24)) $MSI1_DATA >/dev/null
qt writel $((BAR2_A + 28)) 0 >/dev/null
wr $BAR0_A $REG_IRQ_MASK $((IRQ_FW | IRQ_Q0))
wl $MSI1_ADDR 0
put_desc $RING0 0 0x100 $OP_NOP $F_IRQ 0 0 0 0 0 0
qwr $BAR0_A 0 $Q_TAIL 1
check "doorbell: HEAD still 0 and BUSY right after (asynchronous)" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(qrd $BAR0_A 0 $Q_STATUS))) \
	$((QS_ENABLED | QS_BUSY))
step_1ms
check "NOP: HEAD advanced to 1, queue idle" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(qrd $BAR0_A 0 $Q_STATUS))) \
	$((1 << 8 | QS_ENABLED))
check "NOP: completion record seqno" "$(rq $CPL0)" 0x100
check "NOP: completion status OK, detail 0" "$(rq $((CPL0 + 8)))" 0
check "NOP: completion cycles = 32 (cost model)" "$(rq $((CPL0 + 16)))" 32
check "NOP: DONE_SEQNO" \
	$(($(qrd $BAR0_A 0 $Q_SEQ_HI) << 32 | $(qrd $BAR0_A 0 $Q_SEQ_LO))) 0x100
check "NOP: IRQ_STATUS queue 0 bit" \
	$(($(rd $BAR0_A $REG_IRQ_STATUS) & IRQ_Q0)) $IRQ_Q0
check "NOP: MSI-X vector 1 delivered" "$(rl $MSI1_ADDR)" $MSI1_DATA

# FILL and COPY through a bind table: slot 0 = two scattered pages (RW),
# slot 1 = one read-only page
wq $SEGS $SEG0; wq $((SEGS + 8)) 4096
wq $((SEGS + 16)) $SEG1; wq $((SEGS + 24)) 4096
wq $((SEGS + 32)) $RO_BUF; wq $((SEGS + 40)) 4096
put_bind 0 $SEGS 8192 2 3
put_bind 1 $((SEGS + 32)) 4096 1 1
wr $BAR0_A $REG_IRQ_STATUS $IRQ_Q0
wl $MSI1_ADDR 0
put_desc $RING0 1 0x101 $OP_FILL 0 2 "$(opnd 0 4)" 0 8000 0x11223344 0
qwr $BAR0_A 0 $Q_TAIL 2
step_1ms
check "FILL: completes OK" $(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(rq $((CPL0 + 40))))) \
	$((2 << 8 | ST_OK))
check "FILL: first word in segment 0" "$(rl $((SEG0 + 4)))" 0x11223344
check "FILL: last word in segment 1" "$(rl $((SEG1 + 3904)))" 0x11223344
check "FILL: nothing before or after the range" \
	$(($(rl $SEG0) | $(rl $((SEG1 + 3908))))) 0
check "no MSI-X without CSA_DESC_F_IRQ, IRQ_STATUS still set" \
	$(($(rl $MSI1_ADDR) | $(rd $BAR0_A $REG_IRQ_STATUS) & IRQ_Q0)) $IRQ_Q0
wl $RO_BUF 0x8badf00d; wl $((RO_BUF + 4)) 0xcafef00d
put_desc $RING0 2 0x102 $OP_COPY 0 2 "$(opnd 0 4092)" "$(opnd 1 0)" 8 0 0
qwr $BAR0_A 0 $Q_TAIL 3
step_1ms
check "COPY across a segment boundary" \
	$(($(rl $((SEG0 + 4092))) << 32 | $(rl $SEG1))) 0x8badf00dcafef00d

# a write to a read-only slot fails, reported in the completion and in the
# status record; the ring wraps (TAIL 0)
put_desc $RING0 3 0x103 $OP_WRITE_VALUE $((F_IRQ | F_STATUS)) 2 "$(opnd 1 0)" 0 0 \
	0x55 "$(opnd 0 256)"
qwr $BAR0_A 0 $Q_TAIL 0
step_1ms
check "ring wraps: HEAD back to 0" "$(qrd $BAR0_A 0 $Q_HEAD)" 0
check "read-only slot: completion ACCESS on dst" \
	"$(rq $((CPL0 + 3 * CPL_SIZE + 8)))" $ST_ACCESS
check "status record in slot 0: seqno and status" \
	$(($(rl $((SEG0 + 256))) << 8 | $(rl $((SEG0 + 264))))) $((0x103 << 8 | ST_ACCESS))
check "read-only slot untouched" "$(rl $RO_BUF)" 0x8badf00d

# the card's DMA aimed at its own registers must not reach them
wr $BAR0_A $REG_SCRATCH 0x5ca7c400
wq $((SEGS + 48)) $((BAR0_A + REG_SCRATCH)); wq $((SEGS + 56)) 4
put_bind 2 $((SEGS + 48)) 4 1 3
put_desc $RING0 0 0x104 $OP_FILL 0 3 "$(opnd 2 0)" 0 4 0x11111111 0
qwr $BAR0_A 0 $Q_TAIL 1
step_1ms
# (the write reaches the BAR, so the descriptor itself completes OK)
check "FILL aimed at the card's own SCRATCH register ignored" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 40 | $(rq $((CPL0 + 8))) << 32 | \
	   $(rd $BAR0_A $REG_SCRATCH))) $((1 << 40 | ST_OK << 32 | 0x5ca7c400))

# three descriptors behind one doorbell (indices 1..3, TAIL wraps to 0)
put_desc $RING0 1 0x105 $OP_NOP 0 0 0 0 0 0 0
put_desc $RING0 2 0x106 $OP_NOP 0 0 0 0 0 0 0
put_desc $RING0 3 0x107 $OP_NOP 0 0 0 0 0 0 0
qwr $BAR0_A 0 $Q_TAIL 0
step_1ms
check "three descriptors behind one doorbell complete in order" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 24 | ($(rq $((CPL0 + CPL_SIZE))) & 0xff) << 16 | \
	   ($(rq $((CPL0 + 2 * CPL_SIZE))) & 0xff) << 8 | $(qrd $BAR0_A 0 $Q_SEQ_LO) & 0xff)) \
	0x050607

# a 4 MiB FILL runs in steps: still busy after 100 us, done by 1 ms
wq $((SEGS + 64)) $BIG_BUF; wq $((SEGS + 72)) $((4 << 20))
put_bind 3 $((SEGS + 64)) $((4 << 20)) 1 3
put_desc $RING0 0 0x108 $OP_FILL 0 4 "$(opnd 3 0)" 0 $((4 << 20)) 0xa5a5a5a5 0
qwr $BAR0_A 0 $Q_TAIL 1
qt clock_step 100000 >/dev/null
check "4 MiB FILL: BUSY after 100 us (262 us at 250 MHz)" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(qrd $BAR0_A 0 $Q_STATUS))) \
	$((QS_ENABLED | QS_BUSY))
step_1ms
check "4 MiB FILL: done, cycles 32 + 65536" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 32 | $(rq $((CPL0 + 16))))) $((1 << 32 | 65568))
check "4 MiB FILL: first and last word written, next one not" \
	$(($(rl $BIG_BUF) << 32 | $(rl $((BIG_BUF + (4 << 20) - 4))) ^ $(rl $((BIG_BUF + (4 << 20)))))) \
	0xa5a5a5a5a5a5a5a5

# disabling stops fetching but lets the running descriptor complete
put_desc $RING0 1 0x109 $OP_FILL 0 4 "$(opnd 3 0)" 0 $((4 << 20)) 0x5a5a5a5a 0
put_desc $RING0 2 0x10a $OP_NOP 0 0 0 0 0 0 0
qwr $BAR0_A 0 $Q_TAIL 3
qt clock_step 100000 >/dev/null
qwr $BAR0_A 0 $Q_CTRL 0
check "disable while running: BUSY, no longer ENABLED" \
	"$(qrd $BAR0_A 0 $Q_STATUS)" $QS_BUSY
step_1ms
check "disable while running: it completes, the next one is not fetched" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(qrd $BAR0_A 0 $Q_STATUS))) $((2 << 8))
qwr $BAR0_A 0 $Q_TAIL 0
check "TAIL write while disabled: ERROR" "$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ERROR
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
qwr $BAR0_A 0 $Q_CTRL 1

# DEBUG_HANG (card A has debug-ops=on) on queue 1: busy until queue reset
set_ring $BAR0_A 1 $RING1 $CPL1 2
put_desc $RING1 0 0x200 $OP_HANG $F_IRQ 0 0 0 0 0 0
qwr $BAR0_A 1 $Q_TAIL 1
step_1ms
check "HANG: queue 1 BUSY, HEAD 0, no completion" \
	$(($(qrd $BAR0_A 1 $Q_STATUS) << 8 | $(qrd $BAR0_A 1 $Q_HEAD) | $(rq $CPL1))) \
	$(((QS_ENABLED | QS_BUSY) << 8))
qwr $BAR0_A 1 $Q_RESET 0x1234
check "queue reset with wrong magic ignored" \
	"$(qrd $BAR0_A 1 $Q_STATUS)" $((QS_ENABLED | QS_BUSY))
qwr $BAR0_A 1 $Q_RESET $RESET_MAGIC
check "queue reset ends the HANG: disabled, idle, HEAD/TAIL 0" \
	$(($(qrd $BAR0_A 1 $Q_STATUS) << 16 | $(qrd $BAR0_A 1 $Q_HEAD) << 8 | \
	   $(qrd $BAR0_A 1 $Q_TAIL))) 0
check "queue 0 unaffected by queue 1 reset" "$(qrd $BAR0_A 0 $Q_STATUS)" $QS_ENABLED

# card B has no debug-ops: HANG completes as BAD_OPCODE
set_ring $BAR0_B 0 $RING_B $CPL_B 2
put_desc $RING_B 0 0x300 $OP_HANG 0 0 0 0 0 0 0
qwr $BAR0_B 0 $Q_TAIL 1
step_1ms
check "debug opcode without debug-ops: BAD_OPCODE" \
	$(($(qrd $BAR0_B 0 $Q_HEAD) << 8 | $(rq $((CPL_B + 8))))) $((1 << 8 | ST_BAD_OPCODE))
check "queue window of a missing queue reads 0" "$(qrd $BAR0_B 2 $Q_STATUS)" 0

# soft reset
wr $BAR0_A $REG_RESET 0x1234
check "reset with wrong magic ignored" "$(rd $BAR0_A $REG_FW_STATUS)" $FW_FAILED
wr $BAR0_A $REG_RESET $RESET_MAGIC
check "soft reset: firmware NONE, IRQ mask cleared" \
	$(($(rd $BAR0_A $REG_FW_STATUS) << 8 | $(rd $BAR0_A $REG_IRQ_MASK))) 0
check "soft reset: queues disabled, ring registers and HEAD cleared" \
	$(($(qrd $BAR0_A 0 $Q_STATUS) | $(qrd $BAR0_A 0 $Q_RING_LO) | \
	   $(qrd $BAR0_A 0 $Q_RING_SIZE) | $(qrd $BAR0_A 0 $Q_HEAD) | \
	   $(qrd $BAR0_A 0 $Q_SEQ_LO))) 0

# DEBUG_CRASH on queue 0 of card A (debug-ops): the card goes FATAL
wr $BAR0_A $REG_IRQ_MASK $((IRQ_FW | IRQ_ERROR | IRQ_Q0))
wr $BAR0_A $REG_IRQ_STATUS 0xffffffff
size=$(put_image "$fw_dir/csa-fw.bin")
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
set_ring $BAR0_A 0 $RING0 $CPL0 4
set_ring $BAR0_A 1 $RING1 $CPL1 2
wq $CPL0 0; wq $((CPL0 + CPL_SIZE)) 0; wq $CPL1 0
wl $MSI_ADDR 0
put_desc $RING0 0 0x400 $OP_CRASH $F_IRQ 0 0 0 0 0 0
put_desc $RING0 1 0x401 $OP_NOP $F_IRQ 0 0 0 0 0 0
qwr $BAR0_A 0 $Q_TAIL 2
step_1ms
check "CRASH: STATUS FATAL, FW_READY clear, FW_STATUS NONE" \
	$(($(rd $BAR0_A $REG_STATUS) << 8 | $(rd $BAR0_A $REG_FW_STATUS))) \
	$((STATUS_FATAL << 8 | FW_NONE))
check "CRASH: IRQ_STATUS ERROR, no queue bit" \
	$(($(rd $BAR0_A $REG_IRQ_STATUS) & (IRQ_ERROR | IRQ_Q0))) $IRQ_ERROR
check "CRASH: MSI-X vector 0 delivered" "$(rl $MSI_ADDR)" $MSI_DATA
check "CRASH: queue 0 stopped, HEAD 0, no completions" \
	$(($(qrd $BAR0_A 0 $Q_STATUS) << 8 | $(qrd $BAR0_A 0 $Q_HEAD) | \
	   $(rq $CPL0) | $(rq $((CPL0 + CPL_SIZE))))) $((QS_ENABLED << 8))
put_desc $RING1 0 0x402 $OP_NOP $F_IRQ 0 0 0 0 0 0
qwr $BAR0_A 1 $Q_TAIL 1
step_1ms
check "FATAL: the other queue's doorbell is ignored" \
	$(($(qrd $BAR0_A 1 $Q_HEAD) | $(rq $CPL1))) 0
qwr $BAR0_A 0 $Q_RESET $RESET_MAGIC
set_ring $BAR0_A 0 $RING0 $CPL0 4
put_desc $RING0 0 0x403 $OP_NOP $F_IRQ 0 0 0 0 0 0
qwr $BAR0_A 0 $Q_TAIL 1
step_1ms
check "FATAL: a queue reset does not revive the queue" \
	$(($(qrd $BAR0_A 0 $Q_HEAD) << 8 | $(rd $BAR0_A $REG_STATUS))) $STATUS_FATAL
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
check "FATAL: firmware LOAD ignored" $((st0 << 8 | st)) $((FW_NONE << 8 | FW_NONE))
wr $BAR0_A $REG_RESET $RESET_MAGIC
check "soft reset clears FATAL" "$(rd $BAR0_A $REG_STATUS)" 0
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
set_ring $BAR0_A 0 $RING0 $CPL0 4
qwr $BAR0_A 0 $Q_TAIL 1
step_1ms
check "after the soft reset: firmware loads, queue 0 runs a NOP" \
	$(($(rd $BAR0_A $REG_FW_STATUS) << 16 | $(qrd $BAR0_A 0 $Q_HEAD) << 8 | \
	   $(rq $((CPL0 + 8))))) $((FW_READY << 16 | 1 << 8 | ST_OK))

# card B has no debug-ops: CRASH completes as BAD_OPCODE
put_desc $RING_B 1 0x301 $OP_CRASH 0 0 0 0 0 0 0
qwr $BAR0_B 0 $Q_TAIL 0
step_1ms
check "CRASH without debug-ops: BAD_OPCODE, card not FATAL" \
	$(($(qrd $BAR0_B 0 $Q_HEAD) << 16 | $(rq $((CPL_B + CPL_SIZE + 8))) << 8 | \
	   $(rd $BAR0_B $REG_STATUS))) $((ST_BAD_OPCODE << 8))

# PM reset (function reset of the PCI core): D3hot -> D0 resets the card
pm=$(find_cap 4 0x01)
check "PM capability present, NoSoftRst = 0, in D0" \
	$((pm != 0 ? $(cfg_rd32 4 $((pm + 4))) & 0xb : 0xff)) 0
wr $BAR0_A $REG_SCRATCH 0x600dcafe
wr $BAR0_A $REG_IRQ_MASK $IRQ_FW
cfg_wr16 4 $((pm + 4)) 3
check "D3hot: PowerState 3, registers kept" \
	$(((($(cfg_rd32 4 $((pm + 4))) & 3) << 32) | $(rd $BAR0_A $REG_SCRATCH))) \
	$((3 << 32 | 0x600dcafe))
cfg_wr16 4 $((pm + 4)) 0
check "D3hot -> D0: config context reset (BAR0, command)" \
	$(($(cfg_rd32 4 0x10) & ~0xf | $(cfg_rd32 4 0x04) & 0x6)) 0
setup_card 4 $BAR0_A $BAR2_A
check "D3hot -> D0: firmware gone, queue disabled, SCRATCH and IRQ mask 0" \
	$(($(rd $BAR0_A $REG_FW_STATUS) | $(qrd $BAR0_A 0 $Q_STATUS) | \
	   $(qrd $BAR0_A 0 $Q_RING_LO) | $(rd $BAR0_A $REG_SCRATCH) | \
	   $(rd $BAR0_A $REG_IRQ_MASK))) 0
cfg_wr16 4 $((pm + 4)) 2
check "D2 (unsupported) ignored" $(($(cfg_rd32 4 $((pm + 4))) & 3)) 0
read -r st0 st err msi <<<"$(load_fw $BAR0_A $IMG_ADDR "$size")"
check "after the PM reset the firmware loads again" "$st" $FW_READY

# On q35's pcie.0 the card is a PCIe root complex integrated endpoint
# (Express capability, port type 9) with AER in extended config space.
exp=$(find_cap 4 0x10)
check "PCIe capability present, root complex integrated endpoint" \
	$((exp != 0 ? ($(cfg_rd32 4 "$exp") >> 20) & 0xf : 0xff)) 9

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
msg=$(timeout 30 "$qemu" "${data_args[@]}" -machine q35 -accel qtest -display none \
	-nodefaults -device csa-card,cmd-latency-us=1000001 2>&1 </dev/null)
if [[ $msg == *"cmd-latency-us=1000001 out of range"* ]]; then
	ok "cmd-latency-us=1000001 rejected with a clear error"
else
	not_ok "cmd-latency-us=1000001 rejected with a clear error"; echo "# $msg"
fi

# Hot-unplug (ACPI PCI hotplug of the pc machine; this script answers
# the eject as the guest would): unrealize joins the queue worker threads.
mon=$(mktemp -u "${TMPDIR:-/tmp}/csa-smoke-mon.XXXXXX")
coproc QT { exec "$qemu" "${data_args[@]}" -machine pc -accel qtest \
	-qtest stdio -qtest-log /dev/null -display none -nodefaults \
	-monitor "unix:$mon,server=on,wait=off" \
	-device csa-card,addr=04.0,id=csa0,queues=4 2>/dev/null; }
# hmp COMMAND: one monitor command over the unix socket
hmp() {
	python3 - "$mon" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
try:
    s.recv(4096)
    s.sendall(sys.argv[2].encode() + b"\n")
    time.sleep(0.3)
    s.recv(4096)
except OSError:
    pass
PY
}
check "hot-plug card present" "$(cfg_rd32 4 0x00)" $PCI_ID
check "on the conventional PCI bus of pc: no PCIe capability" "$(find_cap 4 0x10)" 0
for _ in $(seq 50); do [ -S "$mon" ] && break; sleep 0.1; done
hmp "device_del csa0"
qt outl 0xae08 $((1 << 4)) >/dev/null	# PCI_EJ: the guest ejects slot 4
check "hot-unplug: the card is gone, QEMU still answers" \
	"$(cfg_rd32 4 0x00)" 0xffffffff
qt_pid=$QT_PID
hmp quit
rc=timeout
for _ in $(seq 100); do
	kill -0 "$qt_pid" 2>/dev/null || { wait "$qt_pid"; rc=$?; break; }
	sleep 0.1
done
check "quit after the unplug: QEMU exits with 0" "${rc/timeout/255}" 0
[ "$rc" = timeout ] && kill "$qt_pid" 2>/dev/null
rm -f "$mon"

[ "$failed" -eq 0 ]
