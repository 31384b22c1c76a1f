#!/bin/bash
# The paper's edit-success measure, scripted with the pipe: encode the test
# faces, set the attribute to the opposite of each face's label, decode,
# classify the edits with an independent judge, aggregate with jq.
# (ifgan-eval does this and more in one process.)
#   examples/evaluate-edits.sh MODEL JUDGE DATA [ATTR] [N]
set -euo pipefail
model=$1 judge=$2 data=$3 attr=${4:-Smiling} n=${5:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Test faces and their labels (column of ATTR in list_attr_celeba.txt).
col=$(sed -n 2p "$data/list_attr_celeba.txt" | tr -s ' ' '\n' | grep -n -x "$attr" | cut -d: -f1)
awk -v n="$n" '$2 == 2 && c < n {print $1; c++}' "$data/list_eval_partition.txt" > "$work/test.txt"
awk -v c="$col" 'NR > 2 {print $1, $(c + 1)}' "$data/list_attr_celeba.txt" > "$work/labels.txt"
sed "s|^|$data/img_align_celeba/|" "$work/test.txt" |
    ifgan-encode -m "$model" |
    jq -c --arg a "$attr" '.orig = .y[$a]' > "$work/codes.jsonl"
# Flip each face to the opposite of its true label.
jq -c --slurpfile L <(jq -R -s 'split("\n") | map(select(length > 0) | split(" ") | {(.[0]): (.[1] == "1")}) | add' "$work/labels.txt") \
    --arg a "$attr" '(.id | split("/") | last) as $f | .label = $L[0][$f] | .y[$a] = (if .label then 0 else 1 end)' \
    "$work/codes.jsonl" > "$work/flipped.jsonl"
ifgan-decode -m "$model" --out "$work/edits" --suffix "" < "$work/flipped.jsonl" 2>/dev/null
ls "$work"/edits/*.png | ifgan-classify -m "$judge" --threshold 0.5 > "$work/judged.jsonl"
# Join targets and verdicts by file name; report the share judged to have the target.
jq -s --arg a "$attr" '
  (.[0] | map({key: (.id | split("/") | last), value: .y[$a]}) | from_entries) as $target
  | .[1] | map({t: $target[.id | split("/") | last], j: .y[$a]})
  | {attribute: $a, edits: length,
     to_1: ((map(select(.t == 1)) | (map(select(.j == 1)) | length) / ([length, 1] | max))),
     to_0: ((map(select(.t == 0)) | (map(select(.j == 0)) | length) / ([length, 1] | max))),
     flip_success: ((map(select(.t == .j)) | length) / ([length, 1] | max))}' \
    <(jq -s . "$work/flipped.jsonl") <(jq -s . "$work/judged.jsonl")
