#!/usr/bin/env bash
# The install targets into a staging DESTDIR: what they install, the
# kselftest run script, and that uninstall removes all of it.  Prints TAP.
#   test_install.sh SRCDIR VERSION
set -uo pipefail
src=$1 version=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
# a make of the tree, not of the make that runs this test
# (and not a check build: make check exports WERROR)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u WERROR make -s -C "$src" DESTDIR="$dest" PREFIX=/usr "$@"; }

echo "1..9"
if out=$(mk install install-firmware install-tests modules_install 2>&1); then
	ok "make install install-firmware install-tests modules_install DESTDIR=..."
else
	not_ok "make install install-firmware install-tests modules_install DESTDIR=..."
	echo "$out" | tail -20 | sed 's/^/# /'
fi
missing=
for f in usr/lib/libcsa.so.$version usr/lib/libcsa.so.1 usr/lib/libcsa.so usr/lib/libcsa.a \
	 usr/lib/libcsa-pack.so.$version usr/lib/libcsa-pack.so.1 usr/lib/pkgconfig/csa.pc \
	 usr/include/csa/csa.h usr/include/csa/csa_drm.h usr/bin/csa-info usr/bin/csa-run \
	 usr/share/man/man1/csa-info.1 usr/share/man/man3/csa_open.3 lib/firmware/csa/csa-fw.bin \
	 lib/udev/rules.d/70-csa.rules \
	 usr/libexec/csa/kselftest/run_kselftest.sh usr/libexec/csa/kselftest/kselftest-list.txt \
	 usr/libexec/csa/kselftest/csa/csa_bind_test usr/libexec/csa/kselftest/csa/data/gsc.csa; do
	[ -e "$dest/$f" ] || missing+=" $f"
done
ko=$(find "$dest/lib/modules" -path '*/updates/driver/csa.ko' 2>/dev/null)
[ -n "$ko" ] || missing+=" lib/modules/*/updates/driver/csa.ko"
if [ -z "$missing" ]; then ok "the files are where they belong"
else not_ok "the files are where they belong"; echo "# missing:$missing"; fi
if [ "$(readlink "$dest/usr/lib/libcsa.so.1")" = "libcsa.so.$version" ] &&
   [ "$(readlink "$dest/usr/lib/libcsa.so")" = libcsa.so.1 ]; then
	ok "libcsa.so -> libcsa.so.1 -> libcsa.so.$version"
else not_ok "libcsa.so -> libcsa.so.1 -> libcsa.so.$version"; fi
ksft=$dest/usr/libexec/csa/kselftest
if "$ksft/run_kselftest.sh" -l | grep -qx csa:csa_bind_test &&
   [ "$("$ksft/run_kselftest.sh" -l | wc -l)" -eq "$(ls "$src"/tests/vm/*_test.c | wc -l)" ]; then
	ok "run_kselftest.sh -l lists every suite"
else not_ok "run_kselftest.sh -l lists every suite"; fi
# this host has no card bound to csa.ko: the kselftest skip, not a failure
out=$("$ksft/run_kselftest.sh" -t csa:csa_bind_test 2>&1)
rc=$?
if [ -e /sys/bus/pci/drivers/csa ] || { [ $rc -eq 4 ] && grep -q '^1..0 # SKIP' <<<"$out"; }; then
	ok "run_kselftest.sh without a card skips (exit 4)"
else not_ok "run_kselftest.sh without a card skips (exit 4)"; echo "# exit $rc: $out"; fi
out=$("$ksft/run_kselftest.sh" -n -t csa:csa_bind_test -t csa:csa_model_test 2>&1)
if grep -q '^1..2$' <<<"$out" && grep -q 'timeout 600 .*/csa/csa_model_test' <<<"$out"; then
	ok "run_kselftest.sh -n prints what it would run"
else not_ok "run_kselftest.sh -n prints what it would run"; echo "$out" | sed 's/^/# /'; fi
if out=$(mk uninstall 2>&1) && [ -z "$(find "$dest" ! -type d)" ]; then
	ok "make uninstall removes every file"
else not_ok "make uninstall removes every file"
	echo "$out" | tail -5 | sed 's/^/# /'; find "$dest" ! -type d | sed 's/^/# left: /'; fi
# the user's flags are appended to the build's own, -Werror only in check builds
lines=$(mk -n -B CFLAGS=-O1 CPPFLAGS=-DCSA_X=1 LDFLAGS=-Wl,-z,now \
	"$src/build/lib/obj/error.o" "$src/build/lib/libcsa.so.$version" 2>&1)
cc_line=$(grep -m1 'lib/error.c' <<<"$lines") ld_line=$(grep -m1 -- '-shared' <<<"$lines")
if grep -q -- '-std=c11 .*-fPIC' <<<"$cc_line" && grep -q -- '-DCSA_X=1 -O1' <<<"$cc_line" &&
   ! grep -q -- '-Werror' <<<"$cc_line" && grep -q -- '--version-script=.* -Wl,-z,now' <<<"$ld_line"; then
	ok "CFLAGS, CPPFLAGS and LDFLAGS are appended, no -Werror outside check builds"
else not_ok "CFLAGS, CPPFLAGS and LDFLAGS are appended, no -Werror outside check builds"
	echo "# $cc_line"; echo "# $ld_line"; fi
cc_line=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u WERROR make -s -C "$src" -n -B WERROR=-Werror \
	"$src/build/lib/obj/error.o" 2>&1 | grep -m1 'lib/error.c')
if grep -q -- '-Werror' <<<"$cc_line"; then ok "WERROR=-Werror (the check builds' setting) reaches the compiler"
else not_ok "WERROR=-Werror reaches the compiler"; echo "# $cc_line"; fi
exit $((failed > 0))
