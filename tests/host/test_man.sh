#!/usr/bin/env bash
# Every generated man page renders without a warning, the way lintian
# checks them, and there is one per public function and installed tool.
# Prints TAP.
#   test_man.sh MAN_DIR "TOOLS" "MAPS"
set -uo pipefail
mandir=$1 tools=$2 maps=$3
# render PAGE: the warnings of man/groff, nothing if clean
render() {
	(cd "$(dirname "$(dirname "$1")")" &&
	 LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
		"${1#"$(dirname "$(dirname "$1")")"/}" 2>&1 >/dev/null)
}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }

pages=("$mandir"/man1/*.1 "$mandir"/man3/*.3)
echo "1..$((${#pages[@]} + 3))"
for p in "${pages[@]}"; do
	w=$(render "$p")
	if [ -z "$w" ]; then ok "$(basename "$p") renders cleanly"
	else not_ok "$(basename "$p") renders cleanly"; echo "$w" | sed 's/^/# /'; fi
done
# one page per exported public function, one per tool
want=$(sed -e 's|/\*.*\*/||g' $maps | awk '/PRIVATE/ { skip = 1 } /^}/ { skip = 0 }
	!skip && /^\t[a-z_0-9]*;/ { gsub(/[\t;]/, ""); print }' | sort)
have=$(ls "$mandir"/man3 | sed 's/\.3$//' | sort)
if [ "$want" = "$have" ]; then ok "a section 3 page for each of the $(wc -l <<<"$want") exported functions"
else not_ok "a section 3 page for each exported function"
	diff <(echo "$want") <(echo "$have") | sed 's/^/# /'; fi
missing=
for t in $tools; do [ -s "$mandir/man1/$t.1" ] || missing+=" $t"; done
if [ -z "$missing" ]; then ok "a section 1 page for each tool ($tools)"
else not_ok "a section 1 page for each tool"; echo "# missing:$missing"; fi
# negative: an undefined macro is reported
tmp=$(mktemp -d)
mkdir "$tmp/man1"
printf '.TH X 1\n.SH NAME\nx \\- y\n.BOGUS z\n' > "$tmp/man1/x.1"
if [ -n "$(render "$tmp/man1/x.1")" ]; then ok "a page with an undefined macro is reported"
else not_ok "a page with an undefined macro is reported"; fi
rm -rf "$tmp"
exit $((failed > 0))
