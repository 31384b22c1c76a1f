#!/bin/bash
# ifgan-serve's speed and memory, as JSON Lines (part of make bench):
#   bench/serve_load.sh MODEL PHOTO SECONDS
# PHOTO (one face the detector finds) is uploaded ten times (detection and
# encoding each time); then slider moves on it one at a time; then two
# clients edit at once for SECONDS, every answer checked against the answer
# for its value taken alone, while the server's resident memory is sampled.
set -euo pipefail
model=$1 photo=$2 seconds=${3:-60}
work=$(mktemp -d /tmp/ifgan-serve-bench-XXXXXX)
ifgan-serve -m "$model" --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until grep -q "listening on" "$work/log"; do kill -0 $pid; sleep 0.1; done
url=$(grep -o "http://[^ ]*/" "$work/log" | head -1)
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
emit() { jq -cn "$@"; }
upload() { curl -sf -o "$work/up.json" -w '%{time_total}\n' -H 'Content-Type: image/png' --data-binary @"$photo" "${url}api/photos"; }
upload > /dev/null  # warm
for i in $(seq 10); do upload; done > "$work/upload.txt"
token=$(jq -r .token "$work/up.json")
read w h < <(jq -r '"\(.width) \(.height)"' "$work/up.json")
edit() {  # VALUE OUT: prints the seconds
    curl -sf -o "$2" -w '%{time_total}\n' -d "{\"token\":\"$token\",\"y\":{\"Smiling\":$1}}" "${url}api/edit"
}
values=(0 0.25 0.5 0.75 1 1.25 1.5 2)
for v in "${values[@]}"; do edit "$v" "$work/want-$v.png" > /dev/null; done  # the answers alone
for i in $(seq 3); do for v in "${values[@]}"; do edit "$v" "$work/move.png"; done; done > "$work/move.txt"
emit --argjson up "$(median < "$work/upload.txt")" --argjson mv "$(median < "$work/move.txt")" \
    --argjson mvmax "$(sort -g "$work/move.txt" | tail -1)" --argjson w "$w" --argjson h "$h" \
    '{measure: "serve_latency", photo: "\($w)x\($h)", upload_with_detection_ms: ($up * 1000),
      slider_move_ms: ($mv * 1000), slider_move_max_ms: ($mvmax * 1000), uploads: 10, moves: 24}'
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
client() {  # N: edits for $seconds, each checked; prints "answers wrong"
    local n=0 bad=0 end=$(($(date +%s) + seconds)) v
    while (($(date +%s) < end)); do
        v=${values[$((RANDOM % ${#values[@]}))]}
        edit "$v" "$work/got-$1.png" > /dev/null || { bad=$((bad + 1)); continue; }
        cmp -s "$work/got-$1.png" "$work/want-$v.png" || bad=$((bad + 1))
        n=$((n + 1))
    done
    echo "$n $bad"
}
start_rss=$(rss)
client 1 > "$work/c1.txt" &
c1=$!
client 2 > "$work/c2.txt" &
c2=$!
: > "$work/rss.txt"
while kill -0 $c1 2>/dev/null || kill -0 $c2 2>/dev/null; do rss >> "$work/rss.txt"; sleep 1; done
wait $c1 $c2
read n1 bad1 < "$work/c1.txt"
read n2 bad2 < "$work/c2.txt"
samples=$(wc -l < "$work/rss.txt")
emit --argjson s "$seconds" --argjson n $((n1 + n2)) --argjson bad $((bad1 + bad2)) --argjson r0 "$start_rss" \
    --argjson rq "$(sed -n "$((samples / 4 + 1))p" "$work/rss.txt")" --argjson r1 "$(tail -1 "$work/rss.txt")" \
    --argjson rmax "$(sort -n "$work/rss.txt" | tail -1)" \
    '{measure: "serve_two_clients", seconds: $s, answers: $n, wrong_or_failed: $bad, answers_per_s: ($n / $s),
      rss_mib: {before: ($r0 / 1024), at_quarter: ($rq / 1024), at_end: ($r1 / 1024), max: ($rmax / 1024)}}'
