#!/bin/sh
# A dpkg-gensymbols file from a linker version script: every node
# LIB_X.Y becomes "(symver)LIB_X.Y X.Y.0" (symbols of a node appear in the
# release that introduced it); a *PRIVATE node is pinned to this version.
#   gen-symbols.sh MAP SONAME PACKAGE DEV_PACKAGE VERSION
set -eu
map=$1 soname=$2 pkg=$3 dev=$4 version=$5
echo "$soname $pkg #MINVER#"
echo "* Build-Depends-Package: $dev"
sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$map" |
	sed -n 's/^\([A-Z_][A-Z0-9_.]*\) *{.*/\1/p' | while read -r node; do
	case $node in
	*PRIVATE) echo " (symver)$node $version" ;;
	*) echo " (symver)$node ${node##*_}.0" ;;
	esac
done
