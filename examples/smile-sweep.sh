#!/bin/bash
# A strip from no smile to a broad smile for each face: one row per face,
# values from 0 to 1.5 (beyond 1 extrapolates).
#   examples/smile-sweep.sh MODEL SHEET.png IMAGE...
set -euo pipefail
model=$1 sheet=$2
shift 2
ifgan-encode -m "$model" "$@" |
    ifgan-flip --sweep Smiling=0:1.5:7 |
    ifgan-decode -m "$model" --sheet "$sheet"
echo "wrote $sheet" >&2
