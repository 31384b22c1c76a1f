#!/bin/bash
# ifgan-serve from a script: start it on a free port, upload one photo once,
# ask for its edit at several values of an attribute (each answer is only a
# decode and a paste), print what the judge said of each, and stop it.
#   examples/serve-sweep.sh MODEL PHOTO OUTDIR [ATTR] [SERVE-OPTIONS...]
# e.g. examples/serve-sweep.sh demo/smile.ifgan photo.jpg sweep Smiling --classifier demo/judge.ifgan
set -euo pipefail
model=$1 photo=$2 out=$3 attr=${4:-Smiling}
shift $(($# < 4 ? $# : 4))
mkdir -p "$out"
log=$out/serve.log
rm -f "$log.fifo" && mkfifo "$log.fifo"
ifgan-serve -m "$model" --listen 127.0.0.1:0 "$@" 2>"$log.fifo" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
# Its messages through the FIFO until the line that says where it listens
# (read blocks until a line comes, or ends when the server does); the rest
# go on into the log.
exec 3<"$log.fifo"
line=""
while IFS= read -r line <&3 && echo "$line" >> "$log" && [[ $line != *"listening on http://"* ]]; do :; done
[[ $line == *"listening on http://"* ]] || { cat "$log" >&2; exit 1; }
cat <&3 >> "$log" &
exec 3<&-
url=$(grep -o "http://[^ ]*/" "$log" | sed -n 1p)
type=image/jpeg
[[ $(head -c 4 "$photo" | od -An -c | tr -d ' ') == 211PNG ]] && type=image/png
curl -sf -H "Content-Type: $type" --data-binary @"$photo" "${url}api/photos" > "$out/photo.json" ||
    { echo "serve-sweep: $photo: $(curl -s -H "Content-Type: $type" --data-binary @"$photo" "${url}api/photos" | jq -r .error)" >&2; exit 1; }
token=$(jq -r .token "$out/photo.json")
ext=$([[ $type == image/png ]] && echo png || echo jpg)
for v in 0 0.25 0.5 0.75 1; do
    curl -sf -D "$out/headers.txt" -o "$out/$attr-$v.$ext" \
        -d "{\"token\":\"$token\",\"y\":{\"$attr\":$v}}" "${url}api/edit"
    judge=$(grep -i '^x-ifgan-judge:' "$out/headers.txt" | sed 's/^[^:]*: //' | tr -d '\r' | jq -r --arg a "$attr" '.[$a] // "-"')
    echo "$attr=$v  $out/$attr-$v.$ext  judge: ${judge:--}"
done
rm -f "$out/headers.txt" "$log.fifo"
kill -TERM $pid
wait $pid
trap - EXIT
