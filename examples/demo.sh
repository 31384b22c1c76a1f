#!/bin/bash
# make demo: synthetic faces, an independent judge, a Smiling editor trained
# with the fast recipe, ifgan-eval, and the pipe on a few test faces. The same
# tools a user runs, nothing else. DEMO_FAST=1 runs a tiny version (for CI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/bin:$PATH"
out=${DEMO_DIR:-$root/demo}
if [[ ${DEMO_FAST:-0} == 1 ]]; then
    count=400 size=32 judge_epochs=1 epochs=1
    extra=(--f 4 --nz 8 --batch 16 --val-limit 32)
else
    count=20000 size=64 judge_epochs=2 epochs=${DEMO_EPOCHS:-10}  # about 8 min of training here
    extra=()
fi
mkdir -p "$out"
start=$(date +%s)
say() { printf '\n== %s (%ds)\n' "$*" $(($(date +%s) - start)) >&2; }

say "1/5 synthetic faces: $count at ${size}px"
[[ -f $out/faces/list_attr_celeba.txt ]] || ifgan-synth --out "$out/faces" --count $count --size $size --seed 1

say "2/5 the independent judge (a classifier of all three attributes)"
[[ -f $out/judge.ifgan ]] || ifgan-train --kind classifier --data "$out/faces" --out "$out/judge.ifgan" \
    --optimizer adam --lr 5e-4 --f 32 --epochs $judge_epochs --size $size "${extra[@]}" --log "$out/judge.jsonl"

say "3/5 the Smiling editor (--recipe fast, $epochs epochs)"
ifgan-train --data "$out/faces" --attr Smiling --recipe fast --precision bf16 --epochs $epochs --size $size "${extra[@]}" \
    --out "$out/smile.ifgan" --log "$out/train.jsonl" --samples "$out/samples" \
    $([[ -f $out/smile.ifgan ]] && echo --resume)

say "4/5 evaluation on the test split"
ifgan-eval -m "$out/smile.ifgan" --classifier "$out/judge.ifgan" --data "$out/faces" \
    --json "$out/report.json" --sheet "$out/edits.png"

say "5/5 the pipe on eight test faces"
ls "$out"/faces/img_align_celeba/*.png | tail -8 > "$out/pipe-inputs.txt"
ifgan-encode -m "$out/smile.ifgan" < "$out/pipe-inputs.txt" |
    ifgan-flip --toggle Smiling |
    ifgan-decode -m "$out/smile.ifgan" --out "$out/pipe" --sheet "$out/pipe-toggled.png"

say "done"
jq -r '"Smiling edits judged successful: to 1 \(.attributes.Smiling.edit.to_1 * 100 | floor)%, to 0 \(.attributes.Smiling.edit.to_0 * 100 | floor)%",
       "other attributes preserved: \(.attributes.Smiling.preservation.vs_original * 100 | floor)%",
       "leakage probe on z: \(.attributes.Smiling.leakage.probe_accuracy * 100 | floor)% (majority \(.attributes.Smiling.leakage.majority * 100 | floor)%)",
       "reconstruction MSE \(.reconstruction.mse * 10000 | floor / 10000), counterfactual MSE \(.attributes.Smiling.counterfactual.edit_mse // 0 | . * 10000 | floor / 10000)"' "$out/report.json"
echo "pictures: $out/edits.png (rows: original, reconstruction, flipped, true counterfactual), $out/pipe-toggled.png"
echo "report:   $out/report.json; total $(($(date +%s) - start)) s"
