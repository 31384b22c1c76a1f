# The examples run against the synthetic fixture data and a tiny model.
source "$IFGAN_ROOT/tests/shell/lib.sh"
M=$FIXTURE/tiny.ifgan
IMG=$FIXTURE/data/img_align_celeba
EX=$IFGAN_ROOT/examples
bash $EX/edit-one-face.sh $M $IMG/000007.png one.png 2>/dev/null
file one.png | grep -q "PNG image data, 32 x 32" || fail "edit-one-face"
bash $EX/smile-sweep.sh $M sweep.png $IMG/000001.png $IMG/000002.png 2>/dev/null
# 7 columns, 2 rows of 32 px with 2 px gaps
file sweep.png | grep -q "240 x 70" || fail "smile-sweep: $(file sweep.png)"
bash $EX/classify-folder.sh $FIXTURE/judge.ifgan $IMG > counts.json
jq -e '.images == 160 and (.Smiling >= 0) and (.Eyeglasses >= 0)' counts.json >/dev/null || fail "classify-folder"
bash $EX/evaluate-edits.sh $M $FIXTURE/judge.ifgan $FIXTURE/data Smiling 10 > ev.json
jq -e '.edits == 10 and .flip_success >= 0 and .flip_success <= 1 and .to_1 >= 0 and .to_0 <= 1' ev.json >/dev/null || fail "evaluate-edits: $(cat ev.json)"
# Photos of any size, by landmarks from a file and by the face detector; the
# photo without a face is skipped with a message, the others are edited.
ifgan-synth --out wild --count 160 --size 32 --seed 9 --attrs Smiling,Eyeglasses --wild 2 --only-wild 2>/dev/null
bash $EX/edit-photo.sh $M photos Smiling=1 wild/wild/img_celeba/*.jpg -- --landmarks wild/wild/list_landmarks_celeba.txt 2>/dev/null
[[ $(ls photos/*-edit.jpg | wc -l) == 2 ]] || fail "edit-photo by landmarks"
bash $EX/edit-photo.sh $M real Smiling=1 "$IFGAN_PHOTOS/coffee.png" "$IFGAN_PHOTOS/astronaut.png" 2>err.txt
[[ -f real/astronaut-edit.png && ! -e real/coffee-edit.png ]] || fail "edit-photo with the detector"
grep -q "coffee.png: no face" err.txt || fail "the photo without a face reported"
# ifgan-serve from a script: one upload, five edits, the judge's word on each.
mkdir sp && cp wild/wild/img_celeba/*.jpg sp/
sp_photos=(sp/*.jpg); one=${sp_photos[0]}
bash $EX/serve-sweep.sh $M "$one" sweep-out Smiling --classifier $FIXTURE/judge.ifgan \
    --photos sp --landmarks wild/wild/list_landmarks_celeba.txt > sweep.txt
[[ $(grep -c "judge: 0\.\|judge: 1" sweep.txt) == 5 ]] || fail "serve-sweep: $(cat sweep.txt)"
[[ $(ls sweep-out/Smiling-*.jpg | wc -l) == 5 ]] || fail "serve-sweep files"
! cmp -s sweep-out/Smiling-0.jpg sweep-out/Smiling-1.jpg || fail "serve-sweep: the edits are all the same"
# The code probe, on codes whose answer is known: z holds shift x and tilt
# exactly, beside numbers unrelated to any parameter; the mouth is not in it.
jq -c '{id: "data/img_align_celeba/\(.file)",
        z: [.params.shift[0], .params.tilt, ((.index * 37) % 101) / 101, ((.index * 53) % 97) / 97]}' \
    $FIXTURE/data/identities.jsonl > probe-codes.jsonl
python3 $EX/code-probe.py probe-codes.jsonl $FIXTURE/data/identities.jsonl > probe.json || fail "code-probe"
jq -e '.faces == 160 and .r2.shift_x > 0.999 and .r2.tilt > 0.999 and .r2.mouth_w < 0.2 and .r2.mouth_y < 0.2' \
    probe.json >/dev/null || fail "code-probe known answers: $(cat probe.json)"
head -3 probe-codes.jsonl > few.jsonl
expect_status 1 python3 $EX/code-probe.py few.jsonl $FIXTURE/data/identities.jsonl
expect_err "few.jsonl: 3 faces with parameters"
