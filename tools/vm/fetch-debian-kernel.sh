#!/usr/bin/env bash
# Fetch a stock Debian kernel (and/or its headers) from another suite of
# the Debian archive this machine uses, with a private apt state: the
# machine's own apt configuration, lists and cache are never touched.
#
#   fetch-debian-kernel.sh --suite SUITE --out DIR [--image] [--headers]
#
#   --suite    bookworm-backports (6.12), unstable (7.x), ...: the kernel
#              linux-image-amd64 / linux-headers-amd64 of that suite
#              depend on
#   --image    DIR/kernel/ (the image, extracted, depmod run) and
#              DIR/kernel.stamp (<kver>): the layout of fetch-kernel.sh,
#              for the VM
#   --headers  DIR/headers/ (linux-headers-<kver>, its -common and
#              linux-kbuild, extracted) and DIR/headers.stamp; KDIR is
#              DIR/headers/usr/src/linux-headers-<kver>, DIR/headers.make
#              holds the extra make arguments for building against it
#
# DIR/apt/  private apt state (sources.list: the suite alone; lists);
#           fetched once: rm -rf DIR/apt DIR/kver to follow the suite again
# DIR/deb/  the downloaded packages (kept: later runs are offline)
#
# Headers of a newer Debian than this host are made usable for a compile
# and modpost check, not for a module to load (see docs/driver.md):
#  - kbuild tools that need a newer glibc run under that suite's own
#    libc6 (its ld.so, from DIR/deb) through wrapper scripts;
#  - if the kernel's compiler (gcc-N of .kernelvariables) is not
#    installed, the host's gcc builds, and the compiler-feature options
#    gcc 12 lacks are switched off in the extracted configuration, as
#    Kconfig would have with that compiler;
#  - without pahole, no BTF for the module (it is optional).
# Idempotent: does nothing when the stamps match.
set -euo pipefail

die() { echo "fetch-debian-kernel: $*" >&2; exit 2; }
suite='' out='' want_image=0 want_headers=0
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--image) want_image=1; shift ;;
	--headers) want_headers=1; shift ;;
	*) die "unknown option $1" ;;
	esac
done
if [ -z "$suite" ] || [ -z "$out" ]; then
	die "usage: $0 --suite SUITE --out DIR [--image] [--headers]"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- private apt state ---------------------------------------------------
apt_dir=$out/apt
# the machine's Debian mirror (deb822 or one-line sources), read only
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list.d/*.list 2>/dev/null |
	grep -o 'https\?://[^ ]*/debian/\?\( \|$\)' | head -n1 | tr -d ' ' || true)
mirror=${mirror%/}
mirror=${mirror:-http://deb.debian.org/debian}
apt_opts=(-o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache"
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
	-o "Dir::State::status=$apt_dir/status" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root -q)
apt_ready() { [ -f "$apt_dir/ready" ]; }
apt_init() {
	apt_ready && return 0
	mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
	: > "$apt_dir/status"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
		> "$apt_dir/sources.list"
	echo "fetch-debian-kernel: apt-get update ($suite, private state in $apt_dir)"
	apt-get "${apt_opts[@]}" update >/dev/null ||
		die "apt-get update of $suite failed (network?)"
	touch "$apt_dir/ready"
}
# The package a meta package of the suite depends on (by prefix).
resolve() {
	apt-cache "${apt_opts[@]}" depends "$1" 2>/dev/null |
		sed -n "s/^ *Depends: \($2[^ <>]*\)\$/\1/p" | head -n1
}
# Download package $1 into DIR/deb unless it is there; print the .deb.
fetch_deb() {
	local deb
	deb=$(find "$out/deb" -maxdepth 1 -name "${1}_*.deb" | head -n1)
	if [ -z "$deb" ]; then
		apt_init
		local tmp
		tmp=$(mktemp -d)
		echo "fetch-debian-kernel: apt-get download $1" >&2
		(cd "$tmp" && apt-get "${apt_opts[@]}" download "$1" >/dev/null 2>&1) || {
			rm -rf "$tmp"; die "apt-get download $1 ($suite) failed"; }
		mv "$tmp"/*.deb "$out/deb/"
		rm -rf "$tmp"
		deb=$(find "$out/deb" -maxdepth 1 -name "${1}_*.deb" | head -n1)
	fi
	echo "$deb"
}
mkdir -p "$out/deb"

# The kernel version: remembered, else resolved from the suite's lists.
kver_file=$out/kver
if [ ! -s "$kver_file" ]; then
	apt_init
	k=$(resolve linux-image-amd64 linux-image-)
	k=${k#linux-image-}
	[ -n "$k" ] || die "cannot resolve linux-image-amd64 in $suite"
	echo "$k" > "$kver_file"
fi
kver=$(cat "$kver_file")

# --- image -----------------------------------------------------------------
if [ "$want_image" = 1 ] && ! { [ -f "$out/kernel.stamp" ] &&
	[ "$(cat "$out/kernel.stamp")" = "$kver" ] &&
	[ -f "$out/kernel/boot/vmlinuz-$kver" ]; }; then
	deb=$(fetch_deb "linux-image-$kver")
	echo "fetch-debian-kernel: extracting $(basename "$deb")"
	rm -rf "$out/kernel"
	mkdir -p "$out/kernel"
	dpkg-deb -x "$deb" "$out/kernel"
	[ -f "$out/kernel/boot/vmlinuz-$kver" ] || die "$deb has no boot/vmlinuz-$kver"
	/sbin/depmod -b "$out/kernel" "$kver"
	echo "$kver" > "$out/kernel.stamp"
fi

# --- headers ---------------------------------------------------------------
host_glibc=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
# Does ELF executable $1 need a newer glibc than the host's?
needs_newer_glibc() {
	local need
	need=$(objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_2\.[0-9.]*' |
		sed 's/GLIBC_//' | sort -V | tail -n1)
	[ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$host_glibc" | sort -V | tail -n1)" != "$host_glibc" ]
}
# gcc-16 options Debian's 7.x configuration enables that gcc 12 lacks.
CC_FEATURES_NOT_IN_GCC12="CC_HAS_COUNTED_BY CC_HAS_COUNTED_BY_PTR
	CC_HAS_MIN_FUNCTION_ALIGNMENT CC_HAS_MULTIDIMENSIONAL_NONSTRING CC_HAS_ASSUME"

if [ "$want_headers" = 1 ] && ! { [ -f "$out/headers.stamp" ] &&
	[ "$(cat "$out/headers.stamp")" = "$kver" ]; }; then
	rm -rf "$out/headers" "$out/headers.make"
	mkdir -p "$out/headers"
	apt_init
	hdr=linux-headers-$kver
	common=$(resolve "$hdr" linux-headers-)
	kbuild=$(resolve "$hdr" linux-kbuild-)
	if [ -z "$common" ] || [ -z "$kbuild" ]; then
		die "cannot resolve what $hdr depends on"
	fi
	for p in "$hdr" "$common" "$kbuild"; do
		deb=$(fetch_deb "$p")
		echo "fetch-debian-kernel: extracting $(basename "$deb")"
		dpkg-deb -x "$deb" "$out/headers"
	done
	kdir=$out/headers/usr/src/$hdr
	# its Makefile includes the -common one by absolute path
	sed -i "s|/usr/src/|$out/headers/usr/src/|g" "$kdir/Makefile"
	make_args=()

	kb=$out/headers/usr/lib/$kbuild
	libc_root=
	while IFS= read -r -d '' f; do
		head -c4 "$f" | grep -q ELF || continue
		needs_newer_glibc "$f" || continue
		if [ -z "$libc_root" ]; then
			libc_root=$out/libc
			rm -rf "$libc_root"
			dpkg-deb -x "$(fetch_deb libc6)" "$libc_root"
		fi
		lib=$libc_root/usr/lib/x86_64-linux-gnu
		mv "$f" "$f.bin"
		printf '#!/bin/sh\n# %s needs glibc > %s: run it under %s libc6\nexec %s --library-path %s:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu %s "$@"\n' \
			"${f##*/}" "$host_glibc" "$suite" "$lib/ld-linux-x86-64.so.2" "$lib" "$f.bin" > "$f"
		chmod +x "$f"
		echo "fetch-debian-kernel: ${f#"$kb"/} runs under $suite's glibc"
	done < <(find "$kb" -type f -perm -u+x -print0)

	cc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\(gcc-[0-9]*\)$/\1/p' "$kdir/.kernelvariables")
	if [ -n "$cc" ] && ! command -v "x86_64-linux-gnu-$cc" >/dev/null; then
		host_cc=gcc-$(gcc -dumpversion)
		echo "fetch-debian-kernel: $cc not installed: building with $host_cc, without its missing features"
		for c in $CC_FEATURES_NOT_IN_GCC12; do
			sed -i "/^#define CONFIG_$c 1\$/d" "$kdir/include/generated/autoconf.h"
			sed -i "/^CONFIG_$c=y\$/d" "$kdir/include/config/auto.conf"
		done
		make_args+=("CC=x86_64-linux-gnu-$host_cc")
	fi
	if ! command -v pahole >/dev/null; then
		make_args+=(CONFIG_DEBUG_INFO_BTF_MODULES= CONFIG_PAHOLE_VERSION=0)
	fi
	echo "${make_args[*]}" > "$out/headers.make"
	echo "$kver" > "$out/headers.stamp"
fi
exit 0
