#!/usr/bin/env bash
# Build a QEMU with the virtual CSA card (-device csa-card) from Debian's own
# qemu source package.
#
#   build-qemu.sh REPO_DIR OUT_DIR
#
# OUT_DIR/src       Debian's qemu source (apt-get source, fetched only once)
# OUT_DIR/obj       meson/ninja build directory (configured only once)
# OUT_DIR/qemu-system-x86_64   symlink to the built binary
#
# Only our files go into the source tree: hw/misc/csa/ holds symlinks to
# tools/qemu/ (the model and its meson.build), firmware/ and uapi/, plus one
# idempotent line each in hw/misc/meson.build and hw/misc/Kconfig.  Because
# they are symlinks, ninja sees edits to the model or firmware directly and
# rebuilds incrementally.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 REPO_DIR OUT_DIR" >&2
	exit 2
fi
repo=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=$out/src
obj=$out/obj
jobs=${QEMU_JOBS:-2}

log() { echo "build-qemu: $*"; }

# Build tools and libraries QEMU needs (tools/deps.txt, `make deps`).
missing=
for p in dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev \
	 flex bison; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "build-qemu: missing Debian packages:$missing (run make deps)" >&2
	exit 1
fi

# 1. Debian's source package, once.
if [ ! -f "$src/.csa-fetched" ]; then
	command -v dpkg-source >/dev/null ||
		{ echo "build-qemu: dpkg-dev missing (make deps)" >&2; exit 1; }
	rm -rf "$out/dl" "$src"
	mkdir -p "$out/dl"
	log "fetching Debian qemu source (apt-get source qemu)"
	(cd "$out/dl" && apt-get source -qq qemu 2>&1 >/dev/null | grep -v unsandboxed >&2 || true)
	dir=$(find "$out/dl" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
	if [ -z "$dir" ] || [ ! -f "$dir/configure" ]; then
		echo "build-qemu: apt-get source qemu produced no source tree" >&2
		exit 1
	fi
	mv "$dir" "$src"
	rm -rf "$out/dl"
	touch "$src/.csa-fetched"
fi

# 2. Patch in our files (idempotent).
csa=$src/hw/misc/csa
mkdir -p "$csa"
ln -sfn "$repo/tools/qemu" "$csa/model"
ln -sfn "$repo/firmware" "$csa/firmware"
ln -sfn "$repo/uapi" "$csa/uapi"
ln -sfn model/meson.build "$csa/meson.build"
grep -qxF "subdir('csa')" "$src/hw/misc/meson.build" ||
	echo "subdir('csa')" >> "$src/hw/misc/meson.build"
grep -qxF 'config CSA_CARD' "$src/hw/misc/Kconfig" ||
	printf '\nconfig CSA_CARD\n    bool\n    default y if PCI_DEVICES\n    depends on PCI && MSI_NONBROKEN\n' \
		>> "$src/hw/misc/Kconfig"

# 3. Configure once: one target, optional features off.
if [ ! -f "$obj/build.ninja" ]; then
	log "configuring (x86_64-softmmu, --without-default-features)"
	rm -rf "$obj"
	mkdir -p "$obj"
	(cd "$obj" && PATH=/usr/bin:$PATH "$src/configure" \
		--target-list=x86_64-softmmu \
		--without-default-features \
		--meson=meson \
		--disable-docs \
		--disable-werror \
		--enable-tcg >configure.log 2>&1) || {
		tail -n 30 "$obj/configure.log" >&2
		echo "build-qemu: configure failed, log: $obj/configure.log" >&2
		rm -f "$obj/build.ninja"
		exit 1
	}
fi

# 4. Build (incremental: ninja tracks the symlinked sources).
log "ninja -j$jobs"
if ! ninja -C "$obj" -j"$jobs" qemu-system-x86_64 >"$obj/ninja.log" 2>&1; then
	grep -E 'error|FAILED' "$obj/ninja.log" | tail -n 40 >&2
	echo "build-qemu: ninja failed, log: $obj/ninja.log" >&2
	exit 1
fi
# our sources must stay warning-free
grep -A3 -E '(csa/|firmware/).*warning' "$obj/ninja.log" >&2 || true
ln -sfn obj/qemu-system-x86_64 "$out/qemu-system-x86_64"
log "ok: $out/qemu-system-x86_64"
