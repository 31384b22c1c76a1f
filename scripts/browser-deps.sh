#!/bin/bash
# What the browser test of ifgan-serve's page needs beyond the build:
# Chromium, node and npm, from Debian, each only when its command is missing
# (a node from elsewhere is kept). Never fails: without them the test says
# it is skipped, and why.
set -uo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
    echo "deps: the browser test needs ${missing[*]} (as root: apt-get install -y --no-install-recommends ${missing[*]})" >&2
    exit 0
fi
echo "deps: installing ${missing[*]} for the browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } ||
    echo "deps: could not install ${missing[*]}: the browser test will be skipped" >&2
exit 0
