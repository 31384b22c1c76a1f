#!/bin/bash
# Edit the faces in photos of any size and get the photos back at their own
# size and format, changed only inside the face: finds each face (or takes
# the landmarks from a CelebA-style landmark file), aligns it, edits it, and
# pastes the change back.
#   examples/edit-photo.sh MODEL OUTDIR ATTR=0|1 PHOTO... [-- --landmarks FILE]
set -euo pipefail
model=$1 out=$2 set=$3
shift 3
photos=() align=()
while (($#)); do
    if [[ $1 == -- ]]; then shift; align=("$@"); break; fi
    photos+=("$1"); shift
done
aligned=$(mktemp -d)
trap 'rm -rf "$aligned"' EXIT
# A photo without a face is reported by ifgan-align (exit 1) and skipped here.
{ ifgan-align "${align[@]}" --out "$aligned" "${photos[@]}" || true; } |
    grep -v '"error"' |
    ifgan-encode -m "$model" |
    ifgan-flip --set "$set" |
    ifgan-decode -m "$model" --paste --out "$out"
