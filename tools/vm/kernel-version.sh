#!/usr/bin/env bash
# Print the Debian kernel the VM boots: the one linux-image-amd64 depends on.
#   kernel-version.sh                  -> 6.1.0-56-amd64
#   kernel-version.sh --image-package  -> linux-image-6.1.0-56-amd64
#   kernel-version.sh --headers-package-> linux-headers-6.1.0-56-amd64
# CSA_KVER overrides the resolution.
set -euo pipefail
kver=${CSA_KVER:-}
if [ -z "$kver" ]; then
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
	if [ -z "$dep" ]; then
		[ "$(id -u)" = 0 ] && apt-get update -qq
		dep=$(apt-cache depends linux-image-amd64 |
			sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
	fi
	kver=$dep
fi
[ -n "$kver" ] || { echo "kernel-version: cannot resolve linux-image-amd64" >&2; exit 1; }
case "${1:-}" in
--image-package) echo "linux-image-$kver" ;;
--headers-package) echo "linux-headers-$kver" ;;
"") echo "$kver" ;;
*) echo "usage: $0 [--image-package|--headers-package]" >&2; exit 2 ;;
esac
