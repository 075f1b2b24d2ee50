#!/usr/bin/env bash
# Build the CSA test VM's initramfs: busybox, /init, the DRM module closure
# of Debian's kernel, csa.ko, firmware images and test/tool binaries with
# the shared libraries they need.
#
#   mkinitramfs.sh --kernel-root DIR --kver KVER --init FILE --out FILE.cpio.gz
#                  [--csa-ko FILE] [--fw FILE]... [--fw-test FILE]...
#                  [--test FILE]... [--bin FILE]... [--data FILE]...
#
#   --kernel-root  dpkg-deb -x of linux-image-KVER (with depmod data)
#   --fw           firmware image, installed into /lib/firmware/csa/
#   --fw-test      deliberately bad image, installed into /lib/firmware-test/
#   --test         test binary, installed into /opt/csa/tests/
#   --bin          tool binary, installed into /opt/csa/bin/
#   --data         data file (model, inputs), installed into /opt/csa/data/
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

kroot= kver= init= out= csa_ko=
fws=() fw_tests=() tests=() bins=() datas=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value"
	case "$1" in
	--kernel-root) kroot=$2 ;;
	--kver) kver=$2 ;;
	--init) init=$2 ;;
	--out) out=$2 ;;
	--csa-ko) csa_ko=$2 ;;
	--fw) fws+=("$2") ;;
	--fw-test) fw_tests+=("$2") ;;
	--test) tests+=("$2") ;;
	--bin) bins+=("$2") ;;
	--data) datas+=("$2") ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[ -n "$kroot" ] && [ -n "$kver" ] && [ -n "$init" ] && [ -n "$out" ] ||
	die "--kernel-root, --kver, --init and --out are required"
moddir=$kroot/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (run fetch-kernel.sh)"
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
	die "$busybox is missing or not static (apt-get install busybox-static)"
for f in "$init" ${csa_ko:+"$csa_ko"} "${fws[@]}" "${fw_tests[@]}" "${tests[@]}" "${bins[@]}" "${datas[@]}"; do
	[ -f "$f" ] || die "input $f does not exist"
done

stage=$(mktemp -d "${out%/*}/.initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc/csa-vm}
mkdir -p "$stage"/lib/modules/csa "$stage"/lib/firmware/csa "$stage"/lib/firmware-test
mkdir -p "$stage"/opt/csa/tests "$stage"/opt/csa/bin "$stage"/opt/csa/data

# busybox and its applets
cp "$busybox" "$stage/bin/busybox"
while read -r applet; do
	[ "$applet" = /bin/busybox ] && continue
	mkdir -p "$stage/$(dirname "$applet")"
	ln -sf /bin/busybox "$stage/$applet"
done < <("$busybox" --list-full | sed 's|^|/|')
install -m 0755 "$init" "$stage/init"

# Copy one module; Debian may ship them compressed, busybox insmod wants .ko.
put_module() {
	local src=$1 dst=$2
	case "$src" in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" > "$dst" ;;
	*.ko.zst) zstd -qdc "$src" > "$dst" ;;
	*.ko.gz) gzip -dc "$src" > "$dst" ;;
	*) die "unknown module format: $src" ;;
	esac
}

# Module closure in load order: the DRM helpers csa.ko builds on plus
# whatever csa.ko itself declares (modinfo depends).
roots=(drm gpu-sched drm_shmem_helper)
if [ -n "$csa_ko" ]; then
	IFS=, read -r -a extra <<< "$(/sbin/modinfo -F depends "$csa_ko")"
	roots+=("${extra[@]}")
fi
# Test tools the kernel may lack (a custom config): aer_inject for the PCI
# error-recovery tests (csa_reset_test skips them without /dev/aer_inject).
optional=(aer_inject)
for m in "${optional[@]}"; do
	/sbin/modprobe --show-depends -d "$kroot" -S "$kver" "$m" >/dev/null 2>&1 &&
		roots+=("$m")
done
declare -A seen=()
: > "$stage/etc/csa-vm/modules"
for m in "${roots[@]}"; do
	[ -n "$m" ] || continue
	deps=$(/sbin/modprobe --show-depends -d "$kroot" -S "$kver" "$m") ||
		die "modprobe --show-depends $m failed"
	while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue	# "builtin X" needs nothing
		rel=${path#*/lib/modules/"$kver"/}
		name=${rel%.ko*}.ko
		[ -n "${seen[$name]:-}" ] && continue
		seen[$name]=1
		mkdir -p "$stage/lib/modules/$kver/$(dirname "$name")"
		put_module "$path" "$stage/lib/modules/$kver/$name"
		echo "/lib/modules/$kver/$name" >> "$stage/etc/csa-vm/modules"
	done <<< "$deps"
done
[ -n "$csa_ko" ] && cp "$csa_ko" "$stage/lib/modules/csa/csa.ko"

for f in "${fws[@]}"; do cp "$f" "$stage/lib/firmware/csa/"; done
for f in "${fw_tests[@]}"; do cp "$f" "$stage/lib/firmware-test/"; done
for f in "${tests[@]}"; do install -m 0755 "$f" "$stage/opt/csa/tests/"; done
for f in "${bins[@]}"; do install -m 0755 "$f" "$stage/opt/csa/bin/"; done
for f in "${datas[@]}"; do install -m 0644 "$f" "$stage/opt/csa/data/"; done

# Shared libraries of every dynamic binary, at the path ldd resolves
# (the loader's default directories, so no ld.so.cache is needed).
for f in "${tests[@]}" "${bins[@]}"; do
	libs=$(ldd "$f" 2>&1) || continue	# static binary: nothing to add
	if grep -q 'not found' <<< "$libs"; then
		die "$f: missing shared library: $(grep 'not found' <<< "$libs")"
	fi
	while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done < <(sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' <<< "$libs")
done

tmp_out=$out.tmp
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner 0:0 --quiet) | gzip -1 > "$tmp_out"
mv "$tmp_out" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
