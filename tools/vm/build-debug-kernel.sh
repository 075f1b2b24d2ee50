#!/usr/bin/env bash
# Build the debug kernel of `make check-debug` from Debian's linux-source-6.1:
# x86_64 defconfig + kvm_guest.config + tools/vm/debug.config (KASAN,
# lockdep, DEBUG_OBJECTS, kmemleak, DMA-API debug, fault injection, Intel
# IOMMU, DRM/gpu-sched/shmem helper as modules).
#
#   build-debug-kernel.sh OUT_DIR [--tarball FILE] [--config FRAGMENT] [--jobs N]
#
# OUT_DIR/linux-source-6.1/   the extracted tarball, built in place (the
#                             KDIR csa.ko builds against)
# OUT_DIR/kernel/             laid out like the stock kernel of
#                             tools/vm/fetch-kernel.sh: boot/vmlinuz-<kver>,
#                             lib/modules/<kver>/ with depmod data
# OUT_DIR/kernel.stamp        holds <kver>; rewritten after every build (the
#                             VM image depends on it)
# OUT_DIR/inputs.sha256       what the current build was made from (tarball
#                             identity, fragments, this script's BUILD_REV)
# OUT_DIR/build.log           kbuild output of the last build
#
# Nothing runs when the inputs are unchanged and the outputs exist; a
# changed fragment reconfigures and rebuilds incrementally, a changed
# tarball re-extracts.  The compile runs under `nice -n 10`.
set -euo pipefail

# bump when a change here should rebuild the kernel
BUILD_REV=1

die() { echo "build-debug-kernel: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

[ $# -ge 1 ] || die "usage: $0 OUT_DIR [--tarball FILE] [--config FRAGMENT] [--jobs N]"
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/debug.config
jobs=$(nproc)
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value"
	case "$1" in
	--tarball) tarball=$2 ;;
	--config) fragment=$2 ;;
	--jobs) jobs=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
[ -f "$tarball" ] || die "$tarball not found (apt-get install linux-source-6.1)"
[ -f "$fragment" ] || die "config fragment $fragment not found"
fragment=$(cd "$(dirname "$fragment")" && pwd)/$(basename "$fragment")

src=$out/linux-source-6.1
stamp=$out/kernel.stamp
inputs_file=$out/inputs.sha256
log=$out/build.log
tar_id="$(readlink -f "$tarball") $(stat -c '%s %Y' "$tarball")"
inputs=$(printf 'rev %s\ntarball %s\nfragment %s\n' "$BUILD_REV" "$tar_id" \
	"$(sha256sum < "$fragment" | cut -d' ' -f1)" | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ -f "$inputs_file" ] && [ "$(cat "$inputs_file")" = "$inputs" ]; then
	kver=$(cat "$stamp")
	if [ -f "$out/kernel/boot/vmlinuz-$kver" ] &&
		[ -f "$out/kernel/lib/modules/$kver/modules.dep" ] &&
		[ -f "$src/Module.symvers" ]; then
		exit 0
	fi
fi

# --- sources: extract once per tarball ------------------------------------
if [ ! -f "$src/.csa-tarball" ] || [ "$(cat "$src/.csa-tarball")" != "$tar_id" ]; then
	echo "build-debug-kernel: extracting $(basename "$tarball") into $src"
	rm -rf "$src" "$out/.extract"
	mkdir -p "$out/.extract"
	tar -xJf "$tarball" -C "$out/.extract"
	mv "$out/.extract/linux-source-6.1" "$src"
	rmdir "$out/.extract"
	echo "$tar_id" > "$src/.csa-tarball"
fi

# --- configure -------------------------------------------------------------
# defconfig, merge_config.sh -m of the fragments and olddefconfig go to a
# separate file (KCONFIG_CONFIG), copied over .config only when it differs,
# so an unchanged result keeps .config's timestamp and nothing recompiles.
echo "build-debug-kernel: configuring (defconfig + kvm_guest.config + $(basename "$fragment"))"
new=$out/config.new
rm -f "$new"
kmake() { make -s -C "$src" KCONFIG_CONFIG="$new" "$@"; }
kmake defconfig >/dev/null
(cd "$src" && KCONFIG_CONFIG="$new" scripts/kconfig/merge_config.sh -m "$new" \
	kernel/configs/kvm_guest.config "$fragment" > "$out/merge.log") ||
	{ cat "$out/merge.log" >&2; die "merge_config.sh failed"; }
kmake olddefconfig >/dev/null
# every line of the fragment must have survived olddefconfig
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) opt=${line%%=*} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
	*) continue ;;
	esac
	got=$(grep -E "^($opt=|# $opt is not set)" "$new" || true)
	if [ "$got" != "$line" ]; then
		# "is not set" also holds when the symbol is absent (unmet deps)
		if [[ "$line" == "# "* ]] && [ -z "$got" ]; then continue; fi
		echo "build-debug-kernel: $line did not stick: ${got:-absent}" >&2
		bad=1
	fi
done < "$fragment"
[ "$bad" = 0 ] || die "the config fragment does not apply to this tree (see above)"
if cmp -s "$new" "$src/.config"; then
	rm -f "$new" "$new.old"
else
	mv "$new" "$src/.config"
	rm -f "$new.old"
fi

# --- build -----------------------------------------------------------------
echo "build-debug-kernel: building bzImage + modules with -j$jobs (log: $log)"
start=$(date +%s)
if ! nice -n 10 make -C "$src" -j"$jobs" bzImage modules > "$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "kernel build failed (log: $log)"
fi
kver=$(make -s -C "$src" kernelrelease)

# --- install like fetch-kernel.sh lays out the stock kernel ---------------
rm -rf "$out/kernel.new"
mkdir -p "$out/kernel.new/boot"
cp "$src/arch/x86/boot/bzImage" "$out/kernel.new/boot/vmlinuz-$kver"
cp "$src/System.map" "$out/kernel.new/boot/System.map-$kver"
cp "$src/.config" "$out/kernel.new/boot/config-$kver"
make -s -C "$src" INSTALL_MOD_PATH="$out/kernel.new" DEPMOD=/sbin/depmod \
	modules_install >> "$log" 2>&1 || die "modules_install failed (log: $log)"
[ -f "$out/kernel.new/lib/modules/$kver/modules.dep" ] || die "no modules.dep after modules_install"
rm -rf "$out/kernel"
mv "$out/kernel.new" "$out/kernel"
echo "$inputs" > "$inputs_file"
echo "$kver" > "$stamp"
echo "build-debug-kernel: $kver built in $(( $(date +%s) - start ))s"
