#!/usr/bin/env bash
# Fetch Debian's stock kernel for the VM and extract it.
#
#   fetch-kernel.sh OUT_DIR
#
# OUT_DIR/deb/linux-image-<kver>_*.deb   cached package (apt-get download)
# OUT_DIR/kernel/                          dpkg-deb -x of it, plus depmod data
# OUT_DIR/kernel.stamp                     holds <kver>; rewritten only when
#                                          the kernel changes (make dependency)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
kver=$(bash "$here/kernel-version.sh")
pkg=$(bash "$here/kernel-version.sh" --image-package)
stamp=$out/kernel.stamp

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$kver" ] &&
	[ -f "$out/kernel/boot/vmlinuz-$kver" ]; then
	exit 0
fi

mkdir -p "$out/deb"
deb=$(find "$out/deb" -maxdepth 1 -name "${pkg}_*_amd64.deb" | head -n1)
if [ -z "$deb" ]; then
	echo "fetch-kernel: apt-get download $pkg"
	# _apt cannot write into our build dir; download as root without the
	# sandbox warning by using a private temporary directory it can write.
	tmp=$(mktemp -d)
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || {
		rm -rf "$tmp"
		echo "fetch-kernel: apt-get download $pkg failed (apt-get update? network?)" >&2
		exit 1
	}
	mv "$tmp"/"${pkg}"_*_amd64.deb "$out/deb/"
	rm -rf "$tmp"
	deb=$(find "$out/deb" -maxdepth 1 -name "${pkg}_*_amd64.deb" | head -n1)
fi

echo "fetch-kernel: extracting $(basename "$deb")"
rm -rf "$out/kernel"
mkdir -p "$out/kernel"
dpkg-deb -x "$deb" "$out/kernel"
[ -f "$out/kernel/boot/vmlinuz-$kver" ] || {
	echo "fetch-kernel: $deb has no boot/vmlinuz-$kver" >&2
	exit 1
}
# modules.dep for modprobe --show-depends (the .deb leaves it to postinst)
/sbin/depmod -b "$out/kernel" "$kver"
echo "$kver" > "$stamp"
