#!/bin/bash
# make bench: every measure in one run, as JSON Lines on stdout (progress on
# stderr). Figures and method: docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/bin:$PATH"
work=$(mktemp -d /tmp/ifgan-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
threads=${THREADS:-$(nproc)}
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }  # peak RSS in KiB
emit() { jq -cn "$@"; }

if [[ -z ${BENCH_SKIP_STEPS:-} ]]; then
    echo "bench: matmul peak and training steps" >&2
    "$root/build/ifgan-bench" "$threads" | tee "$work/steps.jsonl"
fi

if [[ -z ${BENCH_SKIP_PYTORCH:-} ]]; then
    # The same step written in plain PyTorch (Debian's python3-torch, the
    # same LibTorch and oneDNN): as written (NCHW), and at its best here
    # (channels-last, with ifgan-train's allocator settings); and ifgan's
    # step, taken in turns in three rounds so that a drift of the machine's
    # speed reaches both sides alike; the ratio of each round, and their
    # median.
    echo "bench: ifgan's step and the PyTorch step, in turns" >&2
    for round in 1 2 3; do
        for v in authors attached-label; do "$root/build/ifgan-bench" step $v 6 "$threads"; done |
            jq -c --argjson r $round '. + {round: $r}' | tee -a "$work/rounds.jsonl"
        for flags in "" "--channels-last --keep-freed-memory"; do
            # shellcheck disable=SC2086
            /usr/bin/python3 "$root/bench/pytorch_step.py" "$threads" $flags |
                jq -c --argjson r $round '. + {round: $r}' | tee -a "$work/rounds.jsonl"
        done
    done
    # Each side's speed drifts, PyTorch's between two levels 40% apart (within
    # one process), so also the best single step of each over all rounds.
    jq -s -c 'def median: sort | .[length / 2 | floor];
        (map(select(.measure == "train_step")) | map({key: "\(.round) \(.config | ltrimstr("paper-"))", value: .}) | from_entries) as $ifgan |
        map(select(.measure == "pytorch_step")) | group_by([.variant, .layout]) | .[] |
        .[0].variant as $v |
        (map({round, ifgan: $ifgan["\(.round) \($v)"].images_per_s, pytorch: .images_per_s})) as $r |
        ([$ifgan[] | select(.config == "paper-\($v)") | .best_images_per_s] | max) as $ifgan_best |
        (map(.best_images_per_s) | max) as $pytorch_best |
        {measure: "ratio_to_pytorch", variant: $v, pytorch_layout: .[0].layout,
         rounds: [$r[] | {round, ifgan_images_per_s: .ifgan, pytorch_images_per_s: .pytorch, ratio: (.ifgan / .pytorch)}],
         median_ratio: ($r | map(.ifgan / .pytorch) | median),
         best_step: {ifgan_images_per_s: $ifgan_best, pytorch_images_per_s: $pytorch_best, ratio: ($ifgan_best / $pytorch_best)}}' "$work/rounds.jsonl"
fi
[[ -n ${BENCH_ONLY_STEPS:-} ]] && exit 0

echo "bench: D's convolution layers through LibTorch and through oneDNN directly" >&2
for layer in "192 64 128 32" "192 128 256 16" "192 256 512 8"; do
    # shellcheck disable=SC2086
    "$root/build/ifgan-bench" conv $layer "$threads"
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=$threads "$root/build/onednn-conv" $layer
done

echo "bench: data" >&2
t=$(now); ifgan-synth --out "$work/faces" --count 2000 --seed 1 2>/dev/null; s=$(since $t)
emit --argjson s "$s" '{measure: "synth", faces: 2000, counterfactuals: 600, seconds: $s, faces_per_s: (2000 / $s)}'
"$root/build/ifgan-bench" cache "$work/faces" "$threads"

echo "bench: a 64x64 paper-configuration model (weights do not matter for speed)" >&2
ifgan-train --data "$work/faces" --attr Smiling --recipe paper --out "$work/m.ifgan" --steps 1 --no-cache 2>/dev/null
train_rss=$(rss ifgan-train --data "$work/faces" --attr Smiling --recipe paper --out "$work/r.ifgan" --steps 10 --no-cache --batch 64)
emit --argjson k "$train_rss" '{measure: "peak_rss", tool: "ifgan-train", config: "paper", mib: ($k / 1024)}'

ls "$work"/faces/img_align_celeba/*.png > "$work/all.txt"
head -1000 "$work/all.txt" > "$work/list.txt"
M=$work/m.ifgan
echo "bench: editing 1000 faces" >&2
t=$(now); ifgan-encode -m $M < "$work/list.txt" > "$work/codes.jsonl"; s=$(since $t)
emit --argjson s "$s" '{measure: "encode", faces: 1000, seconds: $s, faces_per_s: (1000 / $s)}'
ifgan-flip --toggle Smiling < "$work/codes.jsonl" > "$work/flipped.jsonl"
t=$(now); ifgan-decode -m $M --out "$work/dec" < "$work/flipped.jsonl" 2>/dev/null; s=$(since $t)
emit --argjson s "$s" '{measure: "decode", faces: 1000, seconds: $s, faces_per_s: (1000 / $s)}'
t=$(now); ifgan-flip --toggle Smiling < "$work/codes.jsonl" > /dev/null; s=$(since $t)
emit --argjson s "$s" '{measure: "flip", records: 1000, seconds: $s, records_per_s: (1000 / $s)}'
t=$(now)
ifgan-encode -m $M < "$work/list.txt" | ifgan-flip --toggle Smiling | ifgan-decode -m $M --out "$work/pipe" 2>/dev/null
s=$(since $t)
emit --argjson s "$s" '{measure: "pipe", faces: 1000, seconds: $s, faces_per_s: (1000 / $s)}'
one=$(head -1 "$work/list.txt")
total=0
for i in 1 2 3 4 5; do
    t=$(now)
    ifgan-encode -m $M - < "$one" | ifgan-flip --toggle Smiling | ifgan-decode -m $M -o - > "$work/one.png"
    total=$(echo "$total + $(since $t)" | bc -l)
done
emit --argjson s "$(echo "$total / 5" | bc -l)" '{measure: "one_image_edit", seconds: $s}'

echo "bench: an edit's passes and floor, a model with skips (the fast recipe), 1000 faces, in turns" >&2
ifgan-train --data "$work/faces" --attr Smiling --out "$work/s.ifgan" --steps 1 --no-cache 2>/dev/null
ifgan-encode -m "$work/s.ifgan" < "$work/list.txt" | ifgan-flip --toggle Smiling > "$work/s-flipped.jsonl"
for round in 1 2 3; do
    for style in "1 0" "2 0" "2 default" "4 0"; do
        read -r passes fl <<< "$style"
        floor_option=()
        [[ $fl == default ]] || floor_option=(--edit-floor "$fl")
        t=$(now)
        ifgan-decode -m "$work/s.ifgan" --edit-passes $passes "${floor_option[@]}" --out "$work/s-dec" \
            < "$work/s-flipped.jsonl" 2>/dev/null
        emit --argjson s "$(since $t)" --argjson p $passes --arg f "$fl" --argjson r $round \
            '{measure: "decode_skips", edit_passes: $p, edit_floor: $f, round: $r, faces: 1000, seconds: $s,
              faces_per_s: (1000 / $s)}'
    done
done

echo "bench: data parallel, 1 process of 2 threads against 2 ranks of 1 thread" >&2
# images/s: the mean of the log lines after the first (warm-up), all within
# the first epoch (25 steps of 64 of the 1,600 train faces); the
# all-reduce: bytes and seconds per step as ifgan-train logs them.
for recipe in paper fast; do
    for ranks in 1 2; do
        log=$work/dist-$recipe-$ranks.jsonl
        if ((ranks == 1)); then dist=(--threads 2 --batch 64); else dist=(--nproc 2 --threads 1 --batch 32); fi
        ifgan-train --data "$work/faces" --attr Smiling --recipe $recipe --precision bf16 --epochs 100 --steps 24 \
            --log-every 6 --no-cache --val-limit 64 --out "$work/dist.ifgan" --log "$log" "${dist[@]}" 2>/dev/null
        rm -f "$work/dist.ifgan"
        jq -s -c --arg r $recipe --argjson n $ranks '[.[] | select(.loss)] | .[1:] |
            {measure: "train_data_parallel", recipe: $r, ranks: $n, threads_per_rank: (if $n == 1 then 2 else 1 end),
             global_batch: 64, images_per_s: (map(.images_per_s) | add / length),
             allreduce_bytes_per_step: (map(.allreduce.bytes_per_step // 0) | max),
             allreduce_seconds_per_step: (map(.allreduce.seconds_per_step // 0) | add / length)}' "$log"
    done
done

echo "bench: photo in, photo out" >&2
bash "$root/scripts/photos.sh" "$work/photos"
photo=$work/photos/astronaut.png  # 512 x 512, one face
paste_pipe() {  # align options... : one photo through the whole pipe
    ifgan-align --out "$work/al" "$@" | ifgan-encode -m $M | ifgan-flip --set Smiling=1 |
        ifgan-decode -m $M --paste --out "$work/pasted" 2>/dev/null
}
ifgan-synth --out "$work/faces" --count 2000 --seed 1 --wild 100 --only-wild 2>/dev/null
wild_marks=$work/faces/wild/list_landmarks_celeba.txt
wild=("$work"/faces/wild/img_celeba/*.jpg)
first_wild=${wild[0]}
paste_pipe "$photo" >/dev/null  # page cache warm
for mode in detector landmarks; do
    total=0
    for i in 1 2 3 4 5; do
        t=$(now)
        if [[ $mode == detector ]]; then paste_pipe "$photo"; else paste_pipe --landmarks "$wild_marks" "$first_wild"; fi
        total=$(echo "$total + $(since $t)" | bc -l)
    done
    emit --arg m $mode --argjson s "$(echo "$total / 5" | bc -l)" '{measure: "photo_pipe_one", landmarks: $m, seconds: $s}'
done
t=$(now); paste_pipe --landmarks "$wild_marks" "$work"/faces/wild/img_celeba/*.jpg; s=$(since $t)
emit --argjson s "$s" '{measure: "photo_pipe_folder", landmarks: "file", photos: 100, seconds: $s, photos_per_s: (100 / $s)}'
mkdir -p "$work/same"; for i in $(seq -w 1 40); do cp "$photo" "$work/same/p$i.png"; done
t=$(now); paste_pipe "$work"/same/*.png; s=$(since $t)
emit --argjson s "$s" '{measure: "photo_pipe_folder", landmarks: "detector", photos: 40, seconds: $s, photos_per_s: (40 / $s)}'
t=$(now); ifgan-align --out "$work/al" "$work"/same/*.png > /dev/null; s=$(since $t)
emit --argjson s "$s" '{measure: "align_folder", landmarks: "detector", photos: 40, seconds: $s, photos_per_s: (40 / $s)}'

echo "bench: ifgan-serve: uploads, slider moves, two clients for a minute" >&2
bash "$root/bench/serve_load.sh" $M "$photo" "${SERVE_SECONDS:-60}"

echo "bench: start-up and memory of each tool" >&2
for tool in ifgan-flip ifgan-synth ifgan-align ifgan-encode ifgan-decode ifgan-classify ifgan-train ifgan-eval ifgan-serve; do
    t=$(now)
    for i in $(seq 10); do $tool --version > /dev/null; done
    s=$(echo "$(since $t) / 10" | bc -l)
    emit --arg t $tool --argjson s "$s" '{measure: "startup", tool: $t, ms: ($s * 1000)}'
done
emit --arg t ifgan-encode --argjson k "$(rss ifgan-encode -m $M --batch 64 $(head -200 "$work/list.txt"))" '{measure: "peak_rss", tool: $t, mib: ($k / 1024)}'
emit --arg t ifgan-decode --argjson k "$(rss ifgan-decode -m $M --out "$work/d2" "$work/flipped.jsonl")" '{measure: "peak_rss", tool: $t, mib: ($k / 1024)}'
emit --arg t ifgan-flip --argjson k "$(rss ifgan-flip --toggle Smiling "$work/codes.jsonl")" '{measure: "peak_rss", tool: $t, mib: ($k / 1024)}'
