# ifgan-train: logs, checkpoints, resume equals an uninterrupted run, signals, errors.
source "$IFGAN_ROOT/tests/shell/lib.sh"
D=$FIXTURE/data
tiny="--recipe paper --size 32 --f 4 --nz 8 --batch 16 --val-limit 16 --no-cache --log-every 1"

# Two epochs straight, against one epoch then --resume to two: identical losses.
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out full.ifgan --log full.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $tiny --epochs 1 --out part.ifgan --log part.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out part.ifgan --log part.jsonl --resume 2> resume.txt
grep -q "resuming part.ifgan at step 8" resume.txt || { cat resume.txt; fail "resume message"; }
diff <(jq -c 'select(.loss) | [.step, .loss]' full.jsonl) <(jq -c 'select(.loss) | [.step, .loss]' part.jsonl) \
    || fail "resumed losses differ from the uninterrupted run"
# Resumed with nothing left to train: the file stays as it is, and the
# message names its model.
fp=$(grep -o 'done: part.ifgan (model [0-9a-f]*' resume.txt | awk '{print $4}')
[[ -n $fp ]] || { cat resume.txt; fail "no fingerprint in the done message"; }
sum=$(md5sum < part.ifgan)
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out part.ifgan --resume 2> again.txt
grep -q "done: part.ifgan (model $fp, step 16)" again.txt || { cat again.txt; fail "done message of a finished run"; }
[[ $(md5sum < part.ifgan) == "$sum" ]] || fail "a finished run's file was rewritten"
# Mid-epoch stop (--steps) and resume also match.
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --steps 5 --out mid.ifgan --log mid.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out mid.ifgan --log mid.jsonl --resume 2>/dev/null
diff <(jq -c 'select(.loss) | [.step, .loss]' full.jsonl) <(jq -c 'select(.loss) | [.step, .loss]' mid.jsonl) \
    || fail "mid-epoch resume differs"

# The log has every loss term, and per epoch the validation measures.
jq -se 'map(select(.loss))[0].loss | has("rec") and has("kl") and has("cls") and has("cls_rec") and has("aux") and has("gen") and has("dis")' full.jsonl >/dev/null
jq -se 'map(select(.rec_mse)) | length == 2 and (.[0] | has("accuracy") and has("aux_accuracy") and has("majority") and has("epoch_seconds"))' full.jsonl >/dev/null
ifgan-train --data $D --attr Smiling,Eyeglasses $tiny --epochs 1 --out two.ifgan --samples sheets 2>/dev/null
# 16 faces x (original, reconstruction, 2 attributes x 2 values) at 32 px with 2 px gaps.
file sheets/epoch-001.png | grep -q "PNG image data, 206 x 546" || fail "sample sheet: $(file sheets/epoch-001.png)"

# SIGINT: the step finishes, the checkpoint is written, status 130; resume continues.
ifgan-synth --out big --count 2000 --size 32 --attrs Smiling 2>/dev/null
set +e
ifgan-train --data big --attr Smiling --recipe paper --size 32 --f 8 --nz 8 --batch 16 --epochs 3 --out sig.ifgan --no-cache \
    --log sig.jsonl --log-every 1 2> sig.txt &
pid=$!
# Interrupted once it trains: when its first step is in the log.
until [[ -f sig.jsonl ]] && grep -q '"loss"' sig.jsonl; do
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -INT $pid
wait $pid
rc=$?
set -e
[[ $rc == 130 ]] || { cat sig.txt; fail "SIGINT exit status $rc"; }
grep -q "interrupted at step" sig.txt || fail "interrupt message"
[[ -f sig.ifgan && ! -f sig.ifgan.tmp ]] || fail "checkpoint after SIGINT"
ifgan-train --data big --attr Smiling --recipe paper --size 32 --f 8 --nz 8 --batch 16 --epochs 1 --out sig.ifgan --resume --no-cache 2> resumed.txt
grep -q "resuming sig.ifgan" resumed.txt || fail "resume after SIGINT"

# Errors: one line, non-zero.
expect_status 1 ifgan-train --data $D --attr Bald $tiny --out x.ifgan
expect_err "unknown attribute 'Bald'"
expect_status 1 ifgan-train --data $D --attr Smiling $tiny --batch 1000 --out x.ifgan
expect_err "larger than the train split"
expect_status 1 ifgan-train --data nowhere --attr Smiling --out x.ifgan
expect_err "nowhere"
expect_status 1 ifgan-train --data $D --attr Smiling $tiny --out missing.ifgan --resume
expect_err "does not exist"
expect_status 1 ifgan-train --data $D --kind classifier $tiny --out full.ifgan --resume
expect_err "'ifgan' model"
expect_status 2 ifgan-train --data $D --out x.ifgan
expect_err "--attr"
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --precision fp16
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --size 48
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --recipe slow
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --adversary strong
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --skips 0 --edit-sparsity 0.3
expect_err "--edit-sparsity needs --skips"
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --skips 0 --fill redraw
expect_err "--fill redraw needs --skips"
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --skips 0 --level0 image
expect_err "--level0 image needs --skips"

# --fill redraw and --level0 features: the model keeps them (a resumed run
# without the flags trains them on, not the recipe's image in level 0), and
# the pipe edits with them.
fast_tiny="--recipe fast --size 32 --f 4 --nz 8 --batch 16 --val-limit 16 --no-cache"
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 1 --fill redraw --level0 features --out redraw.ifgan 2>/dev/null
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 2 --out redraw.ifgan --resume --log redraw.jsonl 2>/dev/null
jq -se '.[0].options.fill == "redraw" and .[0].options.skips == 3 and .[0].options.level0 == "features"' redraw.jsonl >/dev/null ||
    fail "a resumed --fill redraw run: $(jq -c '.options | {fill, skips, level0}' redraw.jsonl | sed -n 1p)"
faces=("$D"/img_align_celeba/*.png)
ifgan-encode -m redraw.ifgan "${faces[0]}" | ifgan-flip --toggle Smiling | ifgan-decode -m redraw.ifgan --out redrawn 2>/dev/null
[[ $(file redrawn/*-edit.png) == *"PNG image data, 32 x 32"* ]] || fail "--fill redraw through the pipe: $(ls redrawn)"
# The recipe's image in level 0, through the pipe and pasted into the photo.
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 1 --out level0.ifgan --log level0.jsonl 2>/dev/null
jq -se '.[0].options.level0 == "image"' level0.jsonl >/dev/null || fail "the fast recipe's level 0: $(jq -c .options.level0 level0.jsonl | sed -n 1p)"
ifgan-encode -m level0.ifgan "${faces[0]}" | ifgan-flip --toggle Smiling | ifgan-decode -m level0.ifgan --paste --out pasted 2>/dev/null
[[ $(file pasted/*-edit.png) == *"PNG image data, 32 x 32"* ]] || fail "--level0 image through the pipe, pasted: $(ls pasted)"
# --pixels conv: the model keeps it (a resumed run without the flag trains
# it on), and the pipe edits with it.
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 1 --pixels conv --out pixels.ifgan 2>/dev/null
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 2 --out pixels.ifgan --resume --log pixels.jsonl 2>/dev/null
jq -se '.[0].options.pixels == "conv"' pixels.jsonl >/dev/null ||
    fail "a resumed --pixels conv run: $(jq -c .options.pixels pixels.jsonl | sed -n 1p)"
ifgan-encode -m pixels.ifgan "${faces[0]}" | ifgan-flip --toggle Smiling | ifgan-decode -m pixels.ifgan --paste --out pixels-pasted 2>/dev/null
[[ $(file pixels-pasted/*-edit.png) == *"PNG image data, 32 x 32"* ]] || fail "--pixels conv through the pipe, pasted: $(ls pixels-pasted)"
# --decoder-filters: the model keeps it (a resumed run without the flag
# trains it on), and the pipe edits with it.
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 1 --decoder-filters 6 --out wide.ifgan 2>/dev/null
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 2 --out wide.ifgan --resume --log wide.jsonl 2>/dev/null
jq -se '.[0].options.decoder_filters == 6' wide.jsonl >/dev/null ||
    fail "a resumed --decoder-filters run: $(jq -c .options.decoder_filters wide.jsonl | sed -n 1p)"
ifgan-encode -m wide.ifgan "${faces[0]}" | ifgan-flip --toggle Smiling | ifgan-decode -m wide.ifgan --paste --out wide-pasted 2>/dev/null
[[ $(file wide-pasted/*-edit.png) == *"PNG image data, 32 x 32"* ]] || fail "--decoder-filters through the pipe, pasted: $(ls wide-pasted)"
# --landmarks: the head's term in the log, and a run stopped mid-epoch and
# resumed equals one straight through (the head is kept in the model file).
lm="--data $D --attr Smiling $fast_tiny --epochs 1 --landmarks 0.1 --log-every 1"
ifgan-train $lm --out lm-full.ifgan --log lm-full.jsonl 2>/dev/null
ifgan-train $lm --steps 4 --out lm-mid.ifgan --log lm-mid.jsonl 2>/dev/null
ifgan-train $lm --out lm-mid.ifgan --log lm-mid.jsonl --resume 2>/dev/null
jq -se 'map(select(.loss)) | length == 8 and all(.loss.marks > 0)' lm-full.jsonl >/dev/null || fail "--landmarks: the term in the log"
diff <(jq -c 'select(.loss) | [.step, .loss]' lm-full.jsonl) <(jq -c 'select(.loss) | [.step, .loss]' lm-mid.jsonl) \
    || fail "--landmarks: resumed losses differ from the uninterrupted run"
expect_status 2 ifgan-train $lm --out x.ifgan --hflip
expect_err "--landmarks cannot be used with --hflip"
cp -r "$D" nomarks && rm nomarks/list_landmarks_align_celeba.txt
expect_status 1 ifgan-train --data nomarks --attr Smiling $fast_tiny --landmarks 0.1 --out x.ifgan
expect_err "nomarks: --landmarks needs list_landmarks_align_celeba.txt"
# The fast recipe's term goes where it cannot be: without the data set's
# landmarks, and with --hflip; and it is there otherwise.
ifgan-train --data nomarks --attr Smiling $fast_tiny --epochs 1 --log-every 1 --out nm.ifgan --log nm.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $fast_tiny --epochs 1 --log-every 1 --hflip --out hf.ifgan --log hf.jsonl 2>/dev/null
for log in nm hf; do
    jq -se '.[0].options.landmarks == 0 and (map(select(.loss)) | length > 0 and all(.loss.marks == 0))' $log.jsonl >/dev/null ||
        fail "the recipe's landmark term in $log.jsonl: $(jq -c .options.landmarks $log.jsonl | sed -n 1p)"
done
jq -se '.[0].options.landmarks == 0.1' level0.jsonl >/dev/null || fail "the fast recipe's landmark term: $(jq -c .options.landmarks level0.jsonl | sed -n 1p)"
# Every option is checked before any work, and the message names it.
for bad in "--nz 0" "--f 0" "--filters -3" "--epochs 0" "--batch 0" "--lr -1" "--lr 0" "--gamma -1" "--threads 0" \
           "--log-every 0" "--steps -1" "--size 4096"; do
    expect_status 2 ifgan-train --data nowhere --attr Smiling --out x.ifgan $bad
    opt=${bad%% *}; [[ $opt == --f ]] && opt=--filters
    expect_err "$opt"
done
expect_status 2 ifgan-train --data nowhere --attr Smiling --out x.ifgan --lr nan
expect_err "--lr must be a finite number"
expect_status 2 ifgan-train --data nowhere --attr Smiling --out x.ifgan --lr fast
expect_err "--lr: 'fast' is not a number"
expect_status 2 ifgan-train --data nowhere --attr Smiling,Smiling --out x.ifgan
expect_err "'Smiling' is named twice"
expect_status 2 ifgan-train --data $D --attr Smiling --out x.ifgan --adversary mmd
expect_err "--adversary must be paper, confusion or linear"
# Outputs are checked before the data is loaded, and a stale temporary file is cleaned.
expect_status 1 ifgan-train --data $D --attr Smiling $tiny --out /proc/x.ifgan
expect_err "--out: cannot write"
touch stale.ifgan.tmp
ifgan-train --data $D --attr Smiling $tiny --steps 1 --out stale.ifgan 2>/dev/null
[[ -f stale.ifgan && ! -e stale.ifgan.tmp ]] || fail "stale temporary model file left behind"

# The stronger adversaries train, are recorded in the model file and resume
# with them: a resumed run equals an uninterrupted one here too.
adv="--adversary linear --aux-input mu --aux-standardize"
ifgan-train --data $D --attr Smiling $tiny $adv --epochs 2 --out lin.ifgan --log lin.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $tiny $adv --epochs 1 --out lin2.ifgan --log lin2.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out lin2.ifgan --log lin2.jsonl --resume 2>/dev/null
diff <(jq -c 'select(.loss) | [.step, .loss]' lin.jsonl) <(jq -c 'select(.loss) | [.step, .loss]' lin2.jsonl) \
    || fail "resumed run with the linear adversary differs"
jq -se 'map(select(.options))[0].options | .adversary == "linear" and .aux_input == "mu" and .aux_standardize' lin.jsonl >/dev/null \
    || fail "the log's options lack the adversary settings"
# Its γ term is the Fisher separation (≥ 0), not a BCE through A.
jq -se 'map(select(.loss)) | all(.loss.adv >= 0) and any(.loss.adv != .loss.aux)' lin.jsonl >/dev/null || fail "linear adversary term"
# A loss that is not finite stops training, naming the step.
expect_status 1 ifgan-train --data $D --attr Smiling $tiny --epochs 2 --out nan.ifgan --lr 1e12
expect_err "the loss is not finite"
expect_err "step "
[[ ! -f nan.ifgan ]] || fail "a NaN model was written"
# An empty validation split.
mkdir -p nov/img_align_celeba
cp $D/img_align_celeba/00000[1-4].png nov/img_align_celeba/
printf '4\nSmiling\n000001.png 1\n000002.png -1\n000003.png 1\n000004.png -1\n' > nov/list_attr_celeba.txt
printf '000001.png 0\n000002.png 0\n000003.png 0\n000004.png 2\n' > nov/list_eval_partition.txt
expect_status 1 ifgan-train --data nov --attr Smiling $tiny --batch 2 --out x.ifgan
expect_err "validation split is empty"
# A malformed label file names its line.
printf '4\nSmiling\n000001.png 1\n000002.png 3\n' > nov/list_attr_celeba.txt
expect_status 1 ifgan-train --data nov --attr Smiling $tiny --out x.ifgan
expect_err "list_attr_celeba.txt:4"

# --erase leace: every code ifgan-encode writes is erased, so on the train
# split (where the eraser was fitted) the codes of faces with and without
# each attribute have the same mean, to float precision.
ifgan-train --data $D --attr Smiling,Eyeglasses $tiny --erase leace --epochs 1 --out erase.ifgan 2>/dev/null
awk 'NR > 2 { print $1, ($2 > 0), ($3 > 0) }' $D/list_attr_celeba.txt > labels.txt
awk '$2 == 0 { print $1 }' $D/list_eval_partition.txt > train.txt
grep -F -f train.txt labels.txt | awk -v d=$D '{ print d "/img_align_celeba/" $1 }' | ifgan-encode -m erase.ifgan > codes.jsonl
grep -F -f train.txt labels.txt | awk '{ print "[" $2 "," $3 "]" }' > y.jsonl
[[ $(wc -l < codes.jsonl) == $(wc -l < y.jsonl) ]] || fail "encode lost codes"
gap() {  # the largest gap between the class means of attribute $1 over z's dimensions, relative to z's scale
    jq -n --argjson a $1 --slurpfile z codes.jsonl --slurpfile y y.jsonl '
      def mean: add / length;
      [range(0; $z | length) | {z: $z[.].z, y: $y[.][$a]}] as $rows
      | ($rows | map(.z) | flatten | map(fabs) | max) as $scale
      | [range(0; $rows[0].z | length) as $d
         | (($rows | map(select(.y == 1) | .z[$d]) | mean) - ($rows | map(select(.y == 0) | .z[$d]) | mean)) | fabs]
      | max / $scale'
}
for a in 0 1; do
    g=$(gap $a)
    jq -en "$g < 1e-5" >/dev/null || fail "attribute $a: class means of the erased codes differ by $g"
done
jq -e '.z | length == 8' codes.jsonl >/dev/null
# The same data without erasure: the means differ (so the check above can fail).
ifgan-train --data $D --attr Smiling,Eyeglasses $tiny --epochs 1 --out plain.ifgan 2>/dev/null
grep -F -f train.txt labels.txt | awk -v d=$D '{ print d "/img_align_celeba/" $1 }' | ifgan-encode -m plain.ifgan > codes.jsonl
jq -en "$(gap 0) > 1e-3" >/dev/null || fail "without erasure the class means should differ"
# --resume --erase leace on that model: with no step left, the eraser is
# fitted to the trained encoder and the file rewritten; its codes are then
# erased as a model trained with erasure writes them.
cp plain.ifgan late.ifgan
ifgan-train --data $D --attr Smiling,Eyeglasses $tiny --epochs 1 --out late.ifgan --resume --erase leace 2> late.txt
grep -q "erasing the attributes from the code from step" late.txt || fail "the late eraser's message"
grep -F -f train.txt labels.txt | awk -v d=$D '{ print d "/img_align_celeba/" $1 }' | ifgan-encode -m late.ifgan > codes.jsonl
for a in 0 1; do jq -en "$(gap $a) < 1e-5" >/dev/null || fail "attribute $a: the late eraser does not erase"; done
# ... and with steps left, training goes on through the eraser.
cp plain.ifgan later.ifgan
ifgan-train --data $D --attr Smiling,Eyeglasses $tiny --epochs 2 --out later.ifgan --resume --erase leace 2> later.txt
grep -q "done: later.ifgan .*step 16" later.txt || fail "resumed with erasure: $(tail -1 later.txt)"
grep -F -f train.txt labels.txt | awk -v d=$D '{ print d "/img_align_celeba/" $1 }' | ifgan-encode -m later.ifgan > codes.jsonl
for a in 0 1; do jq -en "$(gap $a) < 1e-5" >/dev/null || fail "attribute $a: erasure after resuming"; done

# The classifier: its own default recipe, the best validation epoch kept, and
# the final validation accuracy in the last line; it resumes like the editor.
notrecipe=${tiny#--recipe paper }  # the classifier's own default recipe
ifgan-train --data $D --kind classifier $notrecipe --epochs 1 --out judge.ifgan --log judge.jsonl 2> judge.txt
tail -1 judge.txt | grep -q "done: judge.ifgan .*validation accuracy Eyeglasses [0-9.]* Smiling [0-9.]* (epoch 1)" \
    || fail "classifier's last line: $(tail -1 judge.txt)"
jq -se 'map(select(.options))[0].options | .optimizer == "adam" and .lr == 0.0005' judge.jsonl >/dev/null \
    || fail "the classifier's default recipe"
ifgan-train --data $D --kind classifier $notrecipe --epochs 3 --out judge.ifgan --log judge.jsonl --resume 2> judge.txt
tail -1 judge.txt | grep -q "validation accuracy" || fail "resumed classifier: $(tail -1 judge.txt)"

# --judge: after every epoch the log holds the judged edits of the first
# --judge-faces validation faces, by ifgan-eval's protocol: the last of them
# equal ifgan-eval's on the same faces of the model written.
ifgan-train --data $D --attr Smiling $tiny --epochs 2 --judge $FIXTURE/judge.ifgan --judge-faces 12 \
    --out judged.ifgan --log judged.jsonl 2>/dev/null
[[ $(jq -c 'select(.judged_edits) | .epoch' judged.jsonl | tr '\n' ' ') == "1 2 " ]] || fail "judged edits every epoch"
jq -se 'map(select(.judged_edits))[-1].judged_edits.Smiling.faces == 12' judged.jsonl >/dev/null || fail "judged faces"
ifgan-eval -m judged.ifgan --classifier $FIXTURE/judge.ifgan --data $D --split val --limit 12 --json ev.json 2>/dev/null
[[ "$(jq -sc 'map(select(.judged_edits))[-1].judged_edits.Smiling | [.to_1, .to_0]' judged.jsonl)" == \
   "$(jq -c '.attributes.Smiling.edit | [.to_1, .to_0]' ev.json)" ]] || fail "judged edits differ from ifgan-eval's"
ifgan-plot judged.jsonl -o judged.svg
grep -q "Edits judged successful" judged.svg || fail "the judged edits' panel"
expect_status 2 ifgan-train --data $D --kind classifier --judge $FIXTURE/judge.ifgan --out x.ifgan
expect_err "--judge judges an editor's edits"
expect_status 1 ifgan-train --data $D --attr Smiling $tiny --judge $FIXTURE/tiny.ifgan --out x.ifgan
expect_err "this needs a 'classifier' model"
