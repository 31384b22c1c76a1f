#!/bin/bash
# Real photos for the tests and the docs, from a Debian package: scikit-image's
# public-domain sample data (astronaut.png: NASA's portrait of Eileen Collins;
# coffee.png: a cup of coffee, no face). Copied from the installed package when
# present, else taken out of the package file without installing it.
# Usage: scripts/photos.sh DIR
set -euo pipefail
dir=${1:?usage: scripts/photos.sh DIR}
want=(astronaut.png coffee.png)
have() { for f in "${want[@]}"; do [[ -s $dir/$f ]] || return 1; done; }
have && exit 0
mkdir -p "$dir"
src=/usr/lib/python3/dist-packages/skimage/data
if [[ ! -d $src ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download python3-skimage >/dev/null 2>&1) ||
        (cd "$tmp" && apt-get update >/dev/null 2>&1 && apt-get download python3-skimage >/dev/null)
    dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x"
    src="$tmp/x/usr/lib/python3/dist-packages/skimage/data"
fi
for f in "${want[@]}"; do cp "$src/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"; done
