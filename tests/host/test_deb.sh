#!/usr/bin/env bash
# The Debian packages of `make deb`: each holds what it should, they unpack
# into a scratch root (dpkg -x), an application builds against the unpacked
# libcsa-dev (and libcsa-pack-dev) with pkg-config alone and runs, plain
# applications do not pull Jansson in, and lintian has nothing to say
# beyond the explained overrides.  Prints TAP.
#   test_deb.sh DEB_DIR VERSION SRCDIR
set -uo pipefail
dir=$1 version=$2 src=$3
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
check() { if [ -z "$2" ]; then ok "$1"; else not_ok "$1"; echo "$2" | sed 's/^/# /'; fi; }

deb() { echo "$dir/${1}_${version}_$2.deb"; }
# has PACKAGE ARCH PATH...: the paths missing from the package
has() {
	local p=$1 a=$2 list f
	shift 2
	list=$(dpkg-deb -c "$(deb "$p" "$a")" 2>&1 | awk '{ print $6 }' | sed 's|^\./||')
	for f in "$@"; do grep -qx "$f" <<<"$list" || echo "$p lacks $f"; done
}

echo "1..15"
check "csa-dkms holds the module source and dkms.conf" "$(has csa-dkms all \
	usr/src/csa-$version/dkms.conf usr/src/csa-$version/Kbuild \
	usr/src/csa-$version/driver/Kbuild usr/src/csa-$version/driver/csa_drv.c \
	usr/src/csa-$version/driver/probes/gen-compat.sh usr/src/csa-$version/uapi/csa_drm.h \
	usr/src/csa-$version/firmware/csa_hw.h)"
check "csa-dkms holds the udev rule for accel nodes" "$(has csa-dkms all lib/udev/rules.d/70-csa.rules)"
check "csa-firmware holds /lib/firmware/csa/csa-fw.bin" "$(has csa-firmware all lib/firmware/csa/csa-fw.bin)"
check "libcsa1 holds libcsa.so.$version and its soname link" "$(has libcsa1 "$arch" \
	$libdir/libcsa.so.$version $libdir/libcsa.so.1)"
check "libcsa-dev holds headers, .so, .a, csa.pc, section 3 pages" "$(has libcsa-dev "$arch" \
	usr/include/csa/csa.h usr/include/csa/model.h usr/include/csa/pack.h \
	usr/include/csa/csa_drm.h $libdir/libcsa.so $libdir/libcsa.a $libdir/pkgconfig/csa.pc \
	usr/share/man/man3/csa_open.3.gz usr/share/man/man3/csa_model_load.3.gz)"
check "libcsa-pack1 and libcsa-pack-dev hold the packer" "$(has libcsa-pack1 "$arch" \
	$libdir/libcsa-pack.so.$version $libdir/libcsa-pack.so.1; has libcsa-pack-dev "$arch" \
	$libdir/libcsa-pack.so $libdir/libcsa-pack.a $libdir/pkgconfig/csa-pack.pc \
	usr/share/man/man3/csa_pack_model.3.gz)"
check "csa-tools holds the tools and their section 1 pages" "$(has csa-tools "$arch" \
	usr/bin/csa-info usr/bin/csa-run usr/bin/csa-pack usr/bin/csa-bench \
	usr/share/man/man1/csa-info.1.gz usr/share/man/man1/csa-run.1.gz)"

# dkms.conf as installed: the version filled in, rebuilt at kernel upgrades
conf=$(dpkg-deb --fsys-tarfile "$(deb csa-dkms all)" | tar -xO ./usr/src/csa-$version/dkms.conf)
bad=
for l in "PACKAGE_NAME=\"csa\"" "PACKAGE_VERSION=\"$version\"" 'BUILT_MODULE_NAME[0]="csa"' \
	 'BUILT_MODULE_LOCATION[0]="driver/"' 'AUTOINSTALL="yes"'; do
	grep -qxF "$l" <<<"$conf" || bad+="dkms.conf lacks $l"$'\n'
done
check "dkms.conf names the module, its location, the version and AUTOINSTALL" "$bad"

# symbols file and dependencies
sym=$(dpkg-deb --ctrl-tarfile "$(deb libcsa1 "$arch")" | tar -xO ./symbols 2>&1)
deps=$(dpkg-deb -f "$(deb libcsa1 "$arch")" Depends)
pdeps=$(dpkg-deb -f "$(deb libcsa-pack1 "$arch")" Depends)
bad=
grep -q '^libcsa.so.1 libcsa1 ' <<<"$sym" || bad+="no symbols for libcsa.so.1"$'\n'
grep -q ' csa_open@LIBCSA_1.1 ' <<<"$sym" || bad+="csa_open@LIBCSA_1.1 not in symbols"$'\n'
grep -q jansson <<<"$deps" && bad+="libcsa1 depends on Jansson: $deps"$'\n'
grep -q jansson <<<"$pdeps" || bad+="libcsa-pack1 does not depend on Jansson: $pdeps"$'\n'
check "libcsa1 has a symbols file and no Jansson dependency; libcsa-pack1 has it" "$bad"

for d in "$dir"/*_"$version"_*.deb; do dpkg -x "$d" "$root"; done
# pkg-config alone, pointed at the scratch root; the root borrows the
# host's libdrm headers (a dependency, not one of these packages)
mkdir -p "$root/usr/include"
ln -s /usr/include/libdrm "$root/usr/include/libdrm"
export PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$root/$libdir/pkgconfig:/usr/lib/$multiarch/pkgconfig:/usr/share/pkgconfig
cat > "$root/app.c" <<'C'
#include <stdio.h>
#include <csa/csa.h>
int main(void)
{
	int n = csa_enumerate(NULL, 0);

	printf("libcsa %u.%u.%u, %d card(s)\n", csa_library_version() >> 16,
	       csa_library_version() >> 8 & 0xff, csa_library_version() & 0xff, n);
	return n < 0 || csa_library_version() != CSA_VERSION;
}
C
cat > "$root/packapp.c" <<'C'
#include <stdio.h>
#include <csa/pack.h>
int main(void)
{
	int32_t m;
	uint8_t s;
	int ret = csa_requant_multiplier(0.5, &m, &s);

	printf("0.5 = %d / 2^%u\n", m, s);
	return ret || (double)m / (1ull << s) != 0.5;
}
C
export LD_LIBRARY_PATH=$root/$libdir
out=$(cc -o "$root/app" "$root/app.c" $(pkg-config --cflags --libs csa) 2>&1 && "$root/app" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "^libcsa $version, " <<<"$out"; then ok "an application builds with pkg-config csa and runs: $out"
else not_ok "an application builds with pkg-config csa and runs"; echo "$out" | sed 's/^/# /'; fi
needed=$(objdump -p "$root/app" "$root/$libdir/libcsa.so.$version" 2>&1 | awk '/NEEDED/ { print $2 }')
if grep -q libcsa.so.1 <<<"$needed" && ! grep -q jansson <<<"$needed"; then
	ok "the application and libcsa need no Jansson"
else not_ok "the application and libcsa need no Jansson"; echo "$needed" | sed 's/^/# /'; fi
out=$(cc -o "$root/packapp" "$root/packapp.c" $(pkg-config --cflags --libs csa-pack) 2>&1 && "$root/packapp" 2>&1)
if [ $? -eq 0 ]; then ok "a packer application builds with pkg-config csa-pack and runs: $out"
else not_ok "a packer application builds with pkg-config csa-pack and runs"; echo "$out" | sed 's/^/# /'; fi

# DKMS built the packaged source (make deb did, for the VM's kernel)
kver=$(cat "$dir/dkms.kver" 2>/dev/null)
ko=$(find "$dir/dkms/tree/csa/$version/$kver" -name csa.ko 2>/dev/null | head -n 1)
magic=$([ -n "$ko" ] && modinfo -F vermagic "$ko")
if [ -n "$kver" ] && [ "${magic%% *}" = "$kver" ]; then ok "dkms build of csa-dkms made csa.ko for $kver"
else not_ok "dkms build of csa-dkms made csa.ko for ${kver:-?}"
	echo "# module '$ko' vermagic '$magic'"; tail -15 "$dir/dkms.log" | sed 's/^/# /'; fi
# negative: the package check notices a missing file
if [ -n "$(has csa-firmware all lib/firmware/csa/no-such.bin)" ]; then ok "a missing file is reported"
else not_ok "a missing file is reported"; fi

# lintian: errors and warnings only with an override that says why
tags=$(grep -E '^[EW]: ' "$dir/lintian.txt")
check "lintian: no errors or warnings ($(grep -cE '^[IPN]: ' "$dir/lintian.txt") info/pedantic/overridden lines in $dir/lintian.txt)" "$tags"
exit $((failed > 0))
