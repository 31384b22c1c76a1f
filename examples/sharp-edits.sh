#!/bin/bash
# The evidence of docs/results.md, "Keeping the person": on the demo's data
# set (20,000 faces at 64 px, 300 of them in photos), the fast recipe's
# decoder with and without its skips, for Smiling and for Eyeglasses, each
# judged by the same independent classifier, on the faces and pasted into
# the photos; then the same on a data set of another seed, never looked at
# while the gates were chosen. Writes sharp/<name>.json, -edits.png,
# -pasted.png. SHARP_RUNS picks runs (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${IFGAN_BIN:-$root/bin}:$PATH"
out=${SHARP_DIR:-$root/sharp}
mkdir -p "$out"
cd "$out"  # reports then hold paths relative to it
[[ -f faces/list_landmarks_align_celeba.txt ]] || ifgan-synth --out faces --count 20000 --seed 1 --wild 300
[[ -f faces2/list_landmarks_align_celeba.txt ]] || ifgan-synth --out faces2 --count 20000 --seed 2 --wild 300
[[ -f judge.ifgan ]] || ifgan-train --kind classifier --data faces --out judge.ifgan \
    --optimizer adam --lr 5e-4 --f 32 --epochs 2 --log judge.jsonl
# The same faces drawn at 128 px, and a judge of that size, for the 128 px run.
faces128() {
    [[ -f faces128/list_landmarks_align_celeba.txt ]] ||
        ifgan-synth --out faces128 --count 20000 --seed 1 --size 128 --wild 300
    [[ -f judge128.ifgan ]] || ifgan-train --kind classifier --data faces128 --size 128 --out judge128.ifgan \
        --optimizer adam --lr 5e-4 --f 32 --epochs 2 --log judge128.jsonl
}
judge_of() {  # DATA: the judge of the faces' size
    if [[ $1 == faces128 ]]; then echo judge128.ifgan; else echo judge.ifgan; fi
}
run() {  # NAME DATA ATTR OPTIONS...
    local name=$1 data=$2 attr=$3 judge
    shift 3
    judge=$(judge_of "$data")
    [[ -f $name.json ]] && return 0
    # The runs before the recipe took D's features: without them unless named.
    [[ " $* " == *" --feature-rec "* ]] || set -- --feature-rec 0 "$@"
    # And those before the image in level 0: without it unless named.
    [[ " $* " == *" --level0 "* ]] || set -- --level0 features "$@"
    # And those before the landmark term: without it unless named.
    [[ " $* " == *" --landmarks "* ]] || set -- --landmarks 0 "$@"
    # And those before the pixels at the image's side and D's half batch.
    [[ " $* " == *" --pixels "* ]] || set -- --pixels upconv "$@"
    [[ " $* " == *" --critic-fraction "* ]] || set -- --critic-fraction 1 "$@"
    ifgan-train --data "$data" --attr "$attr" --recipe fast --precision bf16 --epochs "${EPOCHS:-10}" \
        --out "$name.ifgan" --log "$name.jsonl" "$@"
    ifgan-eval -m "$name.ifgan" --classifier $judge --data "$data" --paste --paste-sheet "$name-pasted.png" \
        --json "$name.json" --sheet "$name-edits.png"
}
resumed128() {  # NAME FROM EPOCHS OPTIONS...: FROM's 128-px model resumed to EPOCHS as NAME
    local name=$1 from=$2 epochs=$3
    shift 3
    [[ -f $name.ifgan ]] || cp "$from.ifgan" "$name.ifgan"
    faces128 && EPOCHS=$epochs run "$name" faces128 Smiling --skips 3 --feature-rec 1 --level0 image --size 128 --resume "$@"
}
again() {  # NAME RUN DATA: RUN's model evaluated again by this ifgan-eval
    [[ -f $1.json ]] || ifgan-eval -m "$2.ifgan" --classifier judge.ifgan --data "$3" --paste --json "$1.json"
}
plain() {  # NAME MODEL: MODEL.ifgan's decoder without maps, G(ŷ, z) and G(0, z), beside its edits, on 8 smiling test faces
    local ids
    [[ -f $1-edit.png ]] && return 0
    ids=$(awk 'NR > 2 && $1 >= "018001" && $2 == 1 && n < 8 { print "faces/img_align_celeba/" $1; n++ }' \
        faces/list_attr_celeba.txt)
    # shellcheck disable=SC2086  # one argument per path
    ifgan-encode -m "$2.ifgan" $ids > "$1.jsonl"
    # A record without its source photo is decoded without the maps.
    jq -c 'del(.source)' "$1.jsonl" | ifgan-decode -m "$2.ifgan" --sheet "$1-rec.png"
    jq -c 'del(.source)' "$1.jsonl" | ifgan-flip --set Smiling=0 | ifgan-decode -m "$2.ifgan" --sheet "$1-removed.png"
    ifgan-flip --set Smiling=0 < "$1.jsonl" | ifgan-decode -m "$2.ifgan" --sheet "$1-edit.png"
}
passes() {  # NAME RUN DATA: RUN's model evaluated again with --edit-passes N, N the end of NAME (no floor)
    [[ -f $1.json ]] || ifgan-eval -m "$2.ifgan" --classifier "$(judge_of "$3")" --data "$3" --paste --json "$1.json" \
        --sheet "$1-edits.png" --edit-passes "${1##*-}" --edit-floor 0
}
floors() {  # NAME RUN DATA [PASSES]: RUN's model evaluated again with --edit-floor X, X the end of NAME (two passes)
    [[ -f $1.json ]] || ifgan-eval -m "$2.ifgan" --classifier "$(judge_of "$3")" --data "$3" --paste --json "$1.json" \
        --sheet "$1-edits.png" --paste-sheet "$1-pasted.png" --edit-passes "${4:-2}" --edit-floor "${1##*-}"
}
all="Smiling-noskips Smiling-skips Eyeglasses-noskips Eyeglasses-skips seed2-Smiling-skips seed2-Smiling-noskips"
all+=" Smiling-skips-gan0.05 Smiling-skips-gan0.2 Smiling-skips-alpha0.01 Smiling-skips-leace Smiling-skips-128"
all+=" Eyeglasses-skips-sparsity0.3 Eyeglasses-skips-sparsity1 Smiling-skips-sparsity0.1 Smiling-skips-sparsity0.3"
all+=" seed2-Eyeglasses-skips-sparsity1 Smiling-skips-nz400 Smiling-skips-dfeatures Eyeglasses-skips-dfeatures"
all+=" seed2-Smiling-skips-dfeatures seed2-Eyeglasses-skips-dfeatures Smiling-skips-dfeatures0.3"
all+=" demo6-redraw demo6-seed2-redraw demo6-Eyeglasses-redraw demo6-Eyeglasses-plain"
all+=" demo6-level0-image demo6-seed2-level0-image demo6-Eyeglasses-level0-image demo6-level0-image-redraw"
all+=" Smiling-level0-image demo6-level0-image-gamma6 demo6-level0-image-feature-rec3 Smiling-128-level0-image"
all+=" demo6-level0-image-adversary-linear demo6-level0-image-leace demo6-level0-image-feature-rec0 plain-demo"
all+=" demo6-Eyeglasses-level0-image-run2 Smiling-128-level0-image-7epochs Smiling-128-level0-image-step2020"
all+=" Smiling-128-level0-image-9epochs Smiling-128-level0-image-10epochs"
all+=" floor-seed2 floor-eyeglasses"
all+=" passes-Smiling-1 passes-Smiling-2 passes-Smiling-4 passes-Eyeglasses-1 passes-Eyeglasses-2 passes-Eyeglasses-4"
all+=" passes-seed2-1 passes-seed2-2 passes-seed2-4 passes-128-2"
all+=" edit-floor-Smiling-0.04 edit-floor-Smiling-0.08 edit-floor-Eyeglasses-0.02 edit-floor-Eyeglasses-0.04"
all+=" edit-floor-Eyeglasses-0.08 edit-floor-seed2-0.04 edit-floor-128-0.04"
all+=" landmarks-0.1 landmarks-0.3 landmarks-1 seed2-landmarks-0.1"
all+=" Eyeglasses-landmarks-0.1 pixels-conv seed2-pixels-conv Eyeglasses-pixels-conv Eyeglasses-pixels-conv-run2 recipe-train-seed2"
all+=" pixels-conv-train-seed2 recipe-train-seed3 pixels-conv-train-seed3 Eyeglasses-recipe-train-seed2"
all+=" Eyeglasses-recipe-train-seed3 Eyeglasses-pixels-conv-train-seed3"
all+=" critic-half critic-half-train-seed2 critic-half-train-seed3 seed2-critic-half Eyeglasses-critic-half"
all+=" critic-half-delta0.05 critic-half-sparsity0.1 critic-half-redraw"
for r in ${SHARP_RUNS:-$all}; do
    case $r in
        Smiling-noskips) run $r faces Smiling --skips 0 ;;
        Smiling-skips) run $r faces Smiling --skips 3 ;;
        Eyeglasses-noskips) run $r faces Eyeglasses --skips 0 ;;
        Eyeglasses-skips) run $r faces Eyeglasses --skips 3 ;;
        seed2-Smiling-skips) run $r faces2 Smiling --skips 3 ;;
        seed2-Smiling-noskips) run $r faces2 Smiling --skips 0 ;;
        Smiling-skips-gan0.05) run $r faces Smiling --skips 3 --delta 0.05 ;;
        Smiling-skips-gan0.2) run $r faces Smiling --skips 3 --delta 0.2 ;;
        Smiling-skips-alpha0.01) run $r faces Smiling --skips 3 --alpha 0.01 ;;
        Smiling-skips-leace) run $r faces Smiling --skips 3 --erase leace ;;
        Smiling-skips-128) faces128 && run $r faces128 Smiling --skips 3 --size 128 ;;
        Eyeglasses-skips-sparsity0.3) run $r faces Eyeglasses --skips 3 --edit-sparsity 0.3 ;;
        Eyeglasses-skips-sparsity1) run $r faces Eyeglasses --skips 3 --edit-sparsity 1 ;;
        Smiling-skips-sparsity0.1) run $r faces Smiling --skips 3 --edit-sparsity 0.1 ;;
        Smiling-skips-sparsity0.3) run $r faces Smiling --skips 3 --edit-sparsity 0.3 ;;
        seed2-Eyeglasses-skips-sparsity1) run $r faces2 Eyeglasses --skips 3 --edit-sparsity 1 ;;
        Smiling-skips-nz400) run $r faces Smiling --skips 3 --nz 400 ;;
        # As measured: G's GAN term at 1e-6 rather than 0.
        Smiling-skips-dfeatures) run $r faces Smiling --skips 3 --feature-rec 1 --delta 1e-6 ;;
        Eyeglasses-skips-dfeatures) run $r faces Eyeglasses --skips 3 --feature-rec 1 --delta 1e-6 ;;
        seed2-Smiling-skips-dfeatures) run $r faces2 Smiling --skips 3 --feature-rec 1 --delta 1e-6 ;;
        seed2-Eyeglasses-skips-dfeatures) run $r faces2 Eyeglasses --skips 3 --feature-rec 1 ;;
        Smiling-skips-dfeatures0.3) run $r faces Smiling --skips 3 --feature-rec 0.3 ;;
        # The demo's budget, 6 epochs: the withheld region redrawn, and for
        # Eyeglasses as it was (the demo's own run is the Smiling one).
        demo6-redraw) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --fill redraw ;;
        demo6-seed2-redraw) EPOCHS=6 run $r faces2 Smiling --skips 3 --feature-rec 1 --fill redraw ;;
        demo6-Eyeglasses-redraw) EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --fill redraw ;;
        demo6-Eyeglasses-plain) EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 ;;
        # The image in level 0 (the fast recipe's now), on the demo's set,
        # the set of seed 2, and for Eyeglasses.
        demo6-level0-image) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image ;;
        demo6-seed2-level0-image) EPOCHS=6 run $r faces2 Smiling --skips 3 --feature-rec 1 --level0 image ;;
        demo6-Eyeglasses-level0-image) EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image ;;
        demo6-level0-image-redraw) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --fill redraw ;;
        # What the withheld region does with the fast recipe as it is: 10
        # epochs (measured as make demo's model resumed from 6), a stronger
        # adversary, a heavier reconstruction in D's features, and 128 px
        # for 6 epochs.
        Smiling-level0-image) run $r faces Smiling --skips 3 --feature-rec 1 --level0 image ;;
        demo6-level0-image-gamma6) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --gamma 6 ;;
        demo6-level0-image-feature-rec3) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 3 --level0 image ;;
        Smiling-128-level0-image) faces128 && EPOCHS=6 run $r faces128 Smiling --skips 3 --feature-rec 1 --level0 image --size 128 ;;
        # The 6-epoch 128-px model resumed, one checkpoint from the last.
        Smiling-128-level0-image-7epochs) resumed128 $r Smiling-128-level0-image 7 ;;
        Smiling-128-level0-image-step2020) resumed128 $r Smiling-128-level0-image-7epochs 9 --steps 2020 ;;
        Smiling-128-level0-image-9epochs) resumed128 $r Smiling-128-level0-image-step2020 9 ;;
        Smiling-128-level0-image-10epochs) resumed128 $r Smiling-128-level0-image-9epochs 10 ;;
        # The code's other adversaries with the image in level 0.
        demo6-level0-image-adversary-linear) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --adversary linear ;;
        demo6-level0-image-leace) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --erase leace ;;
        # Without D's features: G's drawing without their speckle.
        demo6-level0-image-feature-rec0) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 0 --level0 image ;;
        # Where a removed smile's ghost is drawn: make demo's decoder without maps.
        plain-demo) plain "$r" "$root/demo/smile" ;;
        # The same command as demo6-Eyeglasses-level0-image, run again: how far two runs differ.
        demo6-Eyeglasses-level0-image-run2) EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image ;;
        # The pasted error ratio's floor (truth_ratio) depends only on the
        # model's size and frame: read from the evaluation of an earlier run.
        floor-seed2) again $r demo6-seed2-redraw faces2 ;;
        floor-eyeglasses) again $r demo6-Eyeglasses-plain faces ;;
        # An edit drawn in passes (--edit-passes): make demo's model, the
        # second Eyeglasses run and seed 2's, evaluated again.
        passes-Smiling-[124]) passes $r "$(realpath --relative-to=. "$root/demo/smile")" faces ;;
        passes-Eyeglasses-[124]) passes $r demo6-Eyeglasses-level0-image-run2 faces ;;
        passes-seed2-[124]) passes $r demo6-seed2-level0-image faces2 ;;
        passes-128-2) faces128 && passes $r Smiling-128-level0-image-10epochs faces128 ;;
        # The photo kept under the decoder's noise (--edit-floor): the same three models.
        edit-floor-Smiling-0*) floors $r "$(realpath --relative-to=. "$root/demo/smile")" faces ;;
        edit-floor-Eyeglasses-0*) floors $r demo6-Eyeglasses-level0-image-run2 faces ;;
        edit-floor-seed2-0*) floors $r demo6-seed2-level0-image faces2 ;;
        edit-floor-128-0*) faces128 && floors $r Smiling-128-level0-image-10epochs faces128 1 ;;
        # The mouth's geometry in the code (--landmarks, the fast recipe's
        # 0.1 now), on the demo's set, and on the set of seed 2.
        landmarks-0.1 | landmarks-0.3 | landmarks-1)
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks "${r#landmarks-}" ;;
        seed2-landmarks-0.1) EPOCHS=6 run $r faces2 Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 ;;
        Eyeglasses-landmarks-0.1) EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 ;;
        # The pixels drawn at the image's side (--pixels conv, experimental then):
        # the fast recipe as it is, with the decoder's last stage changed.
        pixels-conv) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv ;;
        seed2-pixels-conv)
            EPOCHS=6 run $r faces2 Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv ;;
        Eyeglasses-pixels-conv)
            EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv ;;
        Eyeglasses-pixels-conv-run2)
            EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv --seed 2 ;;
        # The recipe and --pixels conv with other training seeds (--seed), on the demo's set.
        recipe-train-seed[23]) EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --seed "${r: -1}" ;;
        pixels-conv-train-seed[23])
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv --seed "${r: -1}" ;;
        Eyeglasses-recipe-train-seed[23])
            EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --seed "${r: -1}" ;;
        Eyeglasses-pixels-conv-train-seed3)
            EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv --seed 3 ;;
        # D on half of each batch (--critic-fraction 0.5) with --pixels conv:
        # the fast recipe now, with three training seeds.
        critic-half | critic-half-train-seed[23])
            [[ $r == *seed* ]] && seed=${r: -1} || seed=1
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 0.5 --seed $seed ;;
        seed2-critic-half)
            EPOCHS=6 run $r faces2 Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 0.5 ;;
        Eyeglasses-critic-half)
            EPOCHS=6 run $r faces Eyeglasses --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 0.5 ;;
        # Levers at the removed smile's region, on the recipe now (a GAN term
        # trains D on the whole batch).
        critic-half-delta0.05)
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 1 --delta 0.05 ;;
        critic-half-sparsity0.1)
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 0.5 --edit-sparsity 0.1 ;;
        critic-half-redraw)
            EPOCHS=6 run $r faces Smiling --skips 3 --feature-rec 1 --level0 image --landmarks 0.1 --pixels conv \
                --critic-fraction 0.5 --fill redraw ;;
        *) echo "sharp-edits.sh: unknown run '$r'" >&2; exit 2 ;;
    esac
done
