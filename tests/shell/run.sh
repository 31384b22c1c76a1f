#!/bin/bash
# Runs every tests/shell/test_*.sh with bin/ first on PATH, each in its own
# temporary directory; prints one line per test file and fails if any fails.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$root/bin:$PATH" IFGAN_ROOT="$root"
fail=0
for t in "$root"/tests/shell/test_*.sh; do
    [[ -n ${ONLY:-} && $t != *"$ONLY"* ]] && continue
    work=$(mktemp -d /tmp/ifgan-shell-XXXXXX)
    start=$(date +%s)
    if (cd "$work" && bash -x -euo pipefail "$t") >"$work.log" 2>&1; then
        echo "ok   $(basename "$t") ($(($(date +%s) - start)) s)"
        rm -rf "$work" "$work.log"
    else
        echo "FAIL $(basename "$t"): log follows"
        tail -40 "$work.log"
        fail=1
    fi
done
exit $fail
