# ifgan-plot's curves and ifgan-eval's one-page report.
source "$IFGAN_ROOT/tests/shell/lib.sh"
expect_status 0 ifgan-plot --help
grep -qi "usage" out.txt || fail "--help"
expect_status 0 ifgan-plot --version
expect_status 2 ifgan-plot
expect_err "no log given"
expect_status 2 ifgan-plot --no-such-option x.jsonl

# A short run that logs every 2 steps: steps and two validations.
tiny="--recipe paper --size 32 --f 4 --nz 8 --batch 16 --epochs 2 --no-cache --val-limit 16 --log-every 2"
ifgan-train --data "$FIXTURE/data" --attr Smiling $tiny --out m.ifgan --log train.jsonl 2>/dev/null
ifgan-plot train.jsonl -o curves.svg
ifgan-plot train.jsonl -o curves.png
file curves.png | grep -q "PNG image data" || fail "PNG"
# Every series of the log is in the legend, with the majority rate beside A's accuracy.
for s in '>eg<' '>rec<' '>kl<' '>aux<' '>Smiling<' '>Smiling (majority)<' '>rec_mse<' '>images_per_s<'; do
    grep -qF "$s" curves.svg || fail "legend lacks $s"
done
for t in 'Encoder-decoder losses' 'Reconstruction MSE (validation)' 'Training throughput'; do
    grep -qF "$t" curves.svg || fail "panel '$t' missing"
done
# The script holds the log's own numbers: the last validation MSE as a point.
ifgan-plot train.jsonl --script > script.gp
last=$(jq -r 'select(.rec_mse) | "\(.step) \(.rec_mse)"' train.jsonl | tail -1)
step=${last%% *}
grep -q "^$step 0\.0" script.gp || fail "validation point $last not in the script"
# Two runs overlaid, named by --label.
ifgan-plot train.jsonl train.jsonl --label fast --label other -o two.svg
grep -qF '>fast: rec<' two.svg && grep -qF '>other: rec<' two.svg || fail "overlay labels"
expect_status 2 ifgan-plot train.jsonl train.jsonl --label only-one -o x.svg
# A log still being written (half a line at the end) plots what is there.
head -c -30 train.jsonl > partial.jsonl
ifgan-plot partial.jsonl -o partial.svg
# Broken logs: one line naming the file and line, exit 1, nothing written.
{ head -2 train.jsonl; echo 'not json'; tail -1 train.jsonl; } > bad.jsonl
expect_status 1 ifgan-plot bad.jsonl -o bad.svg
expect_err "bad.jsonl:3:"
[[ ! -e bad.svg ]] || fail "a picture from a bad log"
expect_status 1 ifgan-plot missing.jsonl -o x.svg
expect_err "missing.jsonl"
expect_status 2 ifgan-plot train.jsonl -o curves.gif
# stdout: a picture when redirected; SVG by --format.
ifgan-plot train.jsonl --format svg > stdout.svg
grep -q "<svg" stdout.svg || fail "SVG on stdout"

# ifgan-eval --html: the page holds the JSON report's numbers and its pictures.
ifgan-eval -m m.ifgan --classifier "$FIXTURE/judge.ifgan" --data "$FIXTURE/data" --no-mlp-probe \
    --json report.json --html report.html --log train.jsonl 2>/dev/null
for path in '.attributes.Smiling.edit.to_1' '.attributes.Smiling.edit.to_0' '.attributes.Smiling.preservation.vs_original' \
            '.attributes.Smiling.leakage.probe_accuracy' '.attributes.Smiling.accuracy'; do
    want=$(printf '%.1f' "$(jq -r "$path * 100" report.json)")  # the page's own rounding
    grep -qF "<td>$want%</td>" report.html || fail "page lacks $path = $want%"
done
grep -qF "<td>$(printf '%.5f' "$(jq -r .reconstruction.mse report.json)")</td>" report.html || fail "page lacks the reconstruction MSE"
for path in edit_ssim grid.ratio; do  # what a person sees of the edit, against the truth
    want=$(printf "%.$([[ $path == edit_ssim ]] && echo 3 || echo 2)f" "$(jq -r ".attributes.Smiling.counterfactual.$path" report.json)")
    grep -qF "<td>$want</td>" report.html || fail "page lacks counterfactual.$path = $want"
done
# The pictures are inside the page: the sheet decodes to a PNG, the curves to an SVG.
grep -o "data:image/png;base64,[^']*" report.html | sed -n 1p | cut -d, -f2 | base64 -d > sheet.png
file sheet.png | grep -q "PNG image data" || fail "embedded sheet"
grep -o "data:image/svg+xml;base64,[^']*" report.html | sed -n 1p | cut -d, -f2 | base64 -d > page-curves.svg
grep -qF '>rec_mse<' page-curves.svg || fail "embedded curves"
! grep -qE "(src|href)=['\"]?https?:" report.html || fail "the page reaches the network"
# --log without --html is a usage error; a bad log fails before the evaluation.
expect_status 2 ifgan-eval -m m.ifgan --classifier "$FIXTURE/judge.ifgan" --data "$FIXTURE/data" --log train.jsonl
expect_status 1 ifgan-eval -m m.ifgan --classifier "$FIXTURE/judge.ifgan" --data "$FIXTURE/data" --html r2.html --log bad.jsonl
expect_err "bad.jsonl:3:"
[[ ! -e r2.html ]] || fail "a page from a bad log"
