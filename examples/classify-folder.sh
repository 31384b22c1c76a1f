#!/bin/bash
# Counts of each attribute over a folder of images, with jq.
#   examples/classify-folder.sh MODEL DIR
set -euo pipefail
model=$1 dir=$2
find "$dir" -maxdepth 1 \( -name '*.png' -o -name '*.jpg' \) | sort |
    ifgan-classify -m "$model" --threshold 0.5 |
    jq -s '{images: length} + (map(.y) | reduce .[] as $y ({}; reduce ($y | keys[]) as $k (.; .[$k] += $y[$k])))'
