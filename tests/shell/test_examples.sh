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
