#!/usr/bin/env bash
# Install every Debian package the project needs, idempotently.
# Also adds a deb-src entry (for `apt-get source qemu`) and the kernel
# headers matching the VM's kernel.  Fast when everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

src_list=/etc/apt/sources.list.d/csa-deb-src.sources
updated=
apt_update() {
	[ -n "$updated" ] && return
	apt-get update -qq
	updated=1
}
if [ ! -f "$src_list" ]; then
	cat > "$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt_update
fi

mapfile -t pkgs < <(grep -v '^\s*#' "$here/deps.txt" | grep -v '^\s*$')
# headers for the kernel the VM boots (same version as linux-image-amd64)
pkgs+=("$(bash "$here/vm/kernel-version.sh" --headers-package)")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	apt_update
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# deb-src lists must exist for `apt-get source`
if ! ls /var/lib/apt/lists/*_source_Sources* >/dev/null 2>&1; then
	apt_update
fi
