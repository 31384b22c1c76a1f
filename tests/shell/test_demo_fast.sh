# make demo's script in its tiny mode, end to end, and ifgan-eval's report.
source "$IFGAN_ROOT/tests/shell/lib.sh"
DEMO_FAST=1 DEMO_DIR=$PWD/demo bash "$IFGAN_ROOT/examples/demo.sh" > summary.txt 2> log.txt || { tail -20 log.txt; fail "demo"; }
grep -q "Smiling edits judged successful" summary.txt || fail "summary"
[[ -f demo/edits.png && -f demo/pipe-toggled.png && -d demo/samples && -f demo/curves.png && -f demo/pasted.png ]] || fail "pictures"
ls demo/photo-edited/*-edit.jpg >/dev/null || fail "the photo edited"
grep -q "pasted into photos: to 1" summary.txt || fail "paste summary"
jq -e ".paste.photos == 6" demo/report.json >/dev/null || fail "paste report"
grep -q "<td>" demo/report.html || fail "report page"
# The tiny demo learns the edit (200 test faces, 10 epochs, judge 20 epochs:
# measured 100% both ways with the judge at 100%); below these floors it
# has stopped learning, whatever the numbers' ranges.
jq -e '.attributes.Smiling | .judge_accuracy >= 0.9 and .accuracy >= 0.85 and .edit.to_1 >= 0.9 and .edit.to_0 >= 0.9' \
    demo/report.json >/dev/null || { jq -c '.attributes.Smiling | {judge_accuracy, accuracy, edit}' demo/report.json; fail "the tiny demo's edits"; }
jq -e '
  .count == 200 and
  (.reconstruction | (.mse >= 0 and .mse <= 1 and .psnr > 0 and .ssim <= 1)) and
  (.attributes.Smiling | (
     (.accuracy | . >= 0 and . <= 1) and (.judge_accuracy | . >= 0 and . <= 1) and
     (.edit | (.to_1 >= 0 and .to_1 <= 1 and .to_0 >= 0 and .to_0 <= 1 and .flip >= 0 and .flip <= 1
               and .with_attribute.count + .without_attribute.count == 200)) and
     (.preservation.vs_original | . >= 0 and . <= 1) and (.preservation.other_attributes == 2) and
     (.leakage | (.probe_accuracy >= 0 and .probe_accuracy <= 1 and .majority >= 0.5)) and
     (.counterfactual | (.count == 200 and .edit_mse >= 0 and .rec_mse >= 0 and .ratio >= 0))))' demo/report.json >/dev/null \
    || { cat demo/report.json; fail "report fields"; }
# ifgan-eval's errors.
expect_status 2 ifgan-eval -m demo/smile.ifgan --data demo/faces
expect_status 1 ifgan-eval -m demo/smile.ifgan --classifier demo/smile.ifgan --data demo/faces
expect_err "'classifier' model"
expect_status 1 ifgan-eval -m demo/judge.ifgan --classifier demo/judge.ifgan --data demo/faces
# A second run of the demo resumes and finishes (the model is kept).
DEMO_FAST=1 DEMO_DIR=$PWD/demo bash "$IFGAN_ROOT/examples/demo.sh" > summary2.txt 2>/dev/null
grep -q "Smiling edits" summary2.txt
