#!/bin/bash
# make demo: synthetic faces (and some of them in larger photos), an
# independent judge, a Smiling editor trained with the fast recipe, ifgan-eval,
# and the pipe on a few test faces and on a photo, edited at its own size. The same
# tools a user runs, nothing else. DEMO_FAST=1 runs a tiny version (for CI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${IFGAN_BIN:-$root/bin}:$PATH"
out=${DEMO_DIR:-$root/demo}
if [[ ${DEMO_FAST:-0} == 1 ]]; then
    count=2000 size=32 judge_epochs=20 epochs=10 wild=6
    # Without the image in level 0: at this size the decoder's own change is
    # too faint to withhold the whole new mouth, and the photo's closed mouth
    # passes beside it (smiles added to 67-68% of the faces with it, 100% without).
    extra=(--f 8 --nz 16 --batch 32 --val-limit 64 --level0 features)
else
    count=20000 size=64 judge_epochs=2 epochs=${DEMO_EPOCHS:-6} wild=300  # about 12 min of training here
    extra=()
fi
mkdir -p "$out"
cd "$out"  # every path below is relative to it, and so are those in the report
start=$(date +%s)
say() { printf '\n== %s (%ds)\n' "$*" $(($(date +%s) - start)) >&2; }

say "1/5 synthetic faces: $count at ${size}px, $wild of them also in larger photos"
# Made again when older than the landmarks (a model learns its frame from them).
[[ -f faces/list_landmarks_align_celeba.txt && -f faces/wild/list_landmarks_celeba.txt ]] ||
    { rm -f judge.ifgan smile.ifgan; ifgan-synth --out "faces" --count $count --size $size --seed 1 --wild $wild; }

say "2/5 the independent judge (a classifier of all three attributes)"
[[ -f judge.ifgan ]] || ifgan-train --kind classifier --data "faces" --out "judge.ifgan" \
    --optimizer adam --lr 5e-4 --f 32 --epochs $judge_epochs --size $size "${extra[@]}" --log "judge.jsonl"

say "3/5 the Smiling editor (--recipe fast, $epochs epochs)"
ifgan-train --data "faces" --attr Smiling --recipe fast --precision bf16 --epochs $epochs --size $size "${extra[@]}" \
    --out "smile.ifgan" --log "train.jsonl" --samples "samples" \
    $([[ -f smile.ifgan ]] && echo --resume)

say "4/5 evaluation on the test split"
ifgan-eval -m "smile.ifgan" --classifier "judge.ifgan" --data "faces" --paste --paste-sheet "pasted.png" \
    --json "report.json" --sheet "edits.png" --html "report.html" --log "train.jsonl"
ifgan-plot "train.jsonl" -o "curves.png" --title "Smiling editor, fast recipe"

say "5/5 the pipe on eight test faces, and on a photo"
ls faces/img_align_celeba/*.png | tail -8 > "pipe-inputs.txt"
ifgan-encode -m "smile.ifgan" < "pipe-inputs.txt" |
    ifgan-flip --toggle Smiling |
    ifgan-decode -m "smile.ifgan" --out "pipe" --sheet "pipe-toggled.png"
photos=(faces/wild/img_celeba/*.jpg)
photo=${photos[0]}
ifgan-align --landmarks faces/wild/list_landmarks_celeba.txt --out "aligned" "$photo" |
    ifgan-encode -m "smile.ifgan" |
    ifgan-flip --toggle Smiling |
    ifgan-decode -m "smile.ifgan" --paste --out "photo-edited"

say "done"
jq -r '"Smiling edits judged successful: to 1 \(.attributes.Smiling.edit.to_1 * 100 | floor)%, to 0 \(.attributes.Smiling.edit.to_0 * 100 | floor)%",
       "other attributes preserved: \(.attributes.Smiling.preservation.vs_original * 100 | floor)%",
       "leakage probe on z: \(.attributes.Smiling.leakage.probe_accuracy * 100 | floor)% (majority \(.attributes.Smiling.leakage.majority * 100 | floor)%)",
       "pasted into photos: to 1 \(.paste.attributes.Smiling.paste.edit.to_1 * 100 | floor)%, to 0 \(.paste.attributes.Smiling.paste.edit.to_0 * 100 | floor)%, preserved \(.paste.attributes.Smiling.paste.preservation * 100 | floor)%, error to the truth \(.paste.attributes.Smiling.paste.counterfactual.ratio * 100 | floor)% of the unedited photo error\(.paste.attributes.Smiling.paste.counterfactual.truth_ratio // null | if . then " (the truth itself at model size: \(. * 100 | floor)%)" else "" end)",
       "reconstruction \(.reconstruction.psnr * 100 | round / 100) dB, SSIM \(.reconstruction.ssim * 1000 | round / 1000); the edits against the true counterfactuals: SSIM \(.attributes.Smiling.counterfactual.edit_ssim // 0 | . * 1000 | round / 1000)"' "report.json"
echo "pictures: $out/edits.png (rows: original, reconstruction, flipped, true counterfactual), $out/pipe-toggled.png"
echo "photos:   $out/pasted.png (photo, edit pasted at its own size, true counterfactual), $out/photo-edited/"
echo "by eye:   ifgan-serve -m $out/smile.ifgan --classifier $out/judge.ifgan --photos $out/faces/wild/img_celeba \\"
echo "            --landmarks $out/faces/wild/list_landmarks_celeba.txt   # then open http://127.0.0.1:8080/"
echo "curves:   $out/curves.png; one page with all of it: $out/report.html"
echo "report:   $out/report.json; total $(($(date +%s) - start)) s"
