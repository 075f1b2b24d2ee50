#!/usr/bin/env bash
# The card's PCI identity (firmware/csa_hw.h) must not be another company's:
# the pair must be absent from pci.ids and the vendor either unlisted or
# 1af4 inside QEMU's unregistered experimental range 10f0..10ff
# (docs/hardware.md).  The checker is also run on known-bad pairs, so a
# checker that accepts everything fails too.  Prints TAP.
#   test_pci_id.sh CSA_HW_H PCI_IDS
set -uo pipefail
hw_h=$1 ids=$2
[ -r "$ids" ] || { echo "1..0 # SKIP $ids missing (Debian package pci.ids)"; exit 0; }

define() { sed -n "s/^#define $1[[:space:]]*0x\([0-9a-fA-F]*\).*/\1/p" "$hw_h" | tr A-F a-f; }

# pci_id_owner VENDOR DEVICE: prints why the pair is taken, nothing if free.
pci_id_owner() {
	local v=$1 d=$2 vname dname
	vname=$(grep -m1 "^$v  " "$ids" | cut -c7-)
	dname=$(awk -v v="$v" -v d="$d" '
		/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { in_v = ($1 == v); next }
		in_v && /^\t[0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { sub(/^\t/, ""); if ($1 == d) { print; exit } }' "$ids")
	if [ -n "$dname" ]; then
		echo "$v:$d is listed as '$dname' of '$vname'"
	elif [ -n "$vname" ] && ! { [ "$v" = 1af4 ] && [ $((16#$d)) -ge $((0x10f0)) ] &&
			[ $((16#$d)) -le $((0x10ff)) ]; }; then
		echo "vendor $v belongs to '$vname'"
	fi
}

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }

echo "1..4"
v=$(define CSA_PCI_VENDOR_ID) d=$(define CSA_PCI_DEVICE_ID)
if [ ${#v} -eq 4 ] && [ ${#d} -eq 4 ]; then ok "csa_hw.h defines the IDs ($v:$d)"
else not_ok "csa_hw.h defines the IDs"; echo "# vendor '$v' device '$d'"; fi
why=$(pci_id_owner "$v" "$d")
if [ -z "$why" ]; then ok "$v:$d is nobody else's in pci.ids"
else not_ok "$v:$d is nobody else's in pci.ids"; echo "# $why"; fi
# negative: the old placeholder squatted a real vendor's ID
why=$(pci_id_owner 1de5 c5a0)
if [ -n "$why" ]; then ok "1de5:c5a0 is refused ($why)"
else not_ok "1de5:c5a0 is refused"; fi
# negative: a virtio device ID of 1af4 is taken
why=$(pci_id_owner 1af4 1000)
if [ -n "$why" ]; then ok "1af4:1000 is refused ($why)"
else not_ok "1af4:1000 is refused"; fi
exit $((failed > 0))
