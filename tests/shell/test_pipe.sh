# The pipe: ifgan-encode | ifgan-flip | ifgan-decode, and ifgan-classify.
source "$IFGAN_ROOT/tests/shell/lib.sh"
M=$FIXTURE/tiny.ifgan
IMG=$FIXTURE/data/img_align_celeba
for t in ifgan-encode ifgan-flip ifgan-decode ifgan-classify ifgan-train; do
    expect_status 0 $t --help
    grep -qi "usage" out.txt || fail "$t --help"
    expect_status 0 $t --version
    grep -q "^$t [0-9]" out.txt || fail "$t --version"
    expect_status 2 $t --no-such-option
done

# Round trip into a directory, names from the ids.
ifgan-encode -m $M $IMG/000001.png $IMG/000002.png | ifgan-flip --toggle Smiling | ifgan-decode -m $M --out edited/ 2>/dev/null
[[ -f edited/000001-edit.png && -f edited/000002-edit.png ]] || fail "decoded files"
file edited/000001-edit.png | grep -q "PNG image data, 32 x 32" || fail "decoded size"
ifgan-encode -m $M $IMG/000001.png | ifgan-decode -m $M --out e2 --suffix -rec 2>/dev/null
[[ -f e2/000001-rec.png ]] || fail "--suffix"

# Records: the model, nz numbers, attributes; the same image gives the same record.
ifgan-encode -m $M $IMG/000003.png > a.jsonl
ifgan-encode -m $M $IMG/000003.png > b.jsonl
cmp a.jsonl b.jsonl || fail "encoding not deterministic"
jq -e '(.z | length) == 8 and (.y.Smiling >= 0 and .y.Smiling <= 1) and (.model | test("^[0-9a-f]{16}$"))' a.jsonl >/dev/null
# --sample draws z; reproducible with the same seed.
ifgan-encode -m $M --sample $IMG/000003.png > s1.jsonl
ifgan-encode -m $M --sample $IMG/000003.png > s2.jsonl
cmp s1.jsonl s2.jsonl || fail "--sample not reproducible"
cmp -s a.jsonl s1.jsonl && fail "--sample gave the mean"
# Image list on stdin, and '-' for an image on stdin.
ls $IMG/00000[1-4].png | ifgan-encode -m $M > list.jsonl
[[ $(wc -l < list.jsonl) == 4 ]] || fail "list on stdin"
ifgan-encode -m $M - < $IMG/000003.png | jq -r .id | grep -x -- - >/dev/null || fail "stdin image id"
diff <(jq -c .z a.jsonl) <(ifgan-encode -m $M - < $IMG/000003.png | jq -c .z) || fail "stdin image encodes differently"

# One image to stdout; two records with -o - is an error.
ifgan-encode -m $M - < $IMG/000003.png | ifgan-flip --set Smiling=1 | ifgan-decode -m $M -o - > one.png
file one.png | grep -q "PNG image data" || fail "-o - output"
cat a.jsonl a.jsonl > two.jsonl
expect_status 1 ifgan-decode -m $M -o - two.jsonl
expect_err "two.jsonl:2"
expect_err "more than one record"

# head closing the pipe is not an error.
ls $IMG/*.png > many.txt  # 160 images
set +o pipefail
ifgan-encode -m $M < many.txt | head -1 > /dev/null
status=("${PIPESTATUS[@]}")
[[ ${status[0]} == 0 ]] || fail "encode | head -1 exited ${status[0]}"
yes "$(cat a.jsonl)" | head -20000 | ifgan-flip --toggle Smiling | head -2 >/dev/null
status=("${PIPESTATUS[@]}")
[[ ${status[2]} == 0 ]] || fail "flip | head -2 exited ${status[2]}"
set -o pipefail

# A record from another model is refused, naming both fingerprints; --force decodes it.
other=$(ifgan-encode -m $FIXTURE/other.ifgan $IMG/000003.png | jq -r .model)
mine=$(jq -r .model a.jsonl)
ifgan-encode -m $FIXTURE/other.ifgan $IMG/000003.png > other.jsonl
expect_status 1 ifgan-decode -m $M --out x other.jsonl
expect_err "$other"
expect_err "$mine"
expect_status 0 ifgan-decode -m $M --out x --force other.jsonl

# Malformed input names its line; NaN, infinities, wrong z length, missing attribute.
{ cat a.jsonl; echo '{"id":"x", bad json'; } > bad.jsonl
expect_status 1 ifgan-flip --toggle Smiling bad.jsonl
expect_err "bad.jsonl:2"
expect_status 1 ifgan-decode -m $M --out x bad.jsonl
expect_err "bad.jsonl:2"
jq -c '.z[0] = "NaN"' a.jsonl > nan.jsonl
sed 's/"z":\[[^,]*/"z":[NaN/' a.jsonl > nan2.jsonl
sed 's/"z":\[[^,]*/"z":[1e999/' a.jsonl > inf.jsonl
for f in nan.jsonl nan2.jsonl inf.jsonl; do
    expect_status 1 ifgan-decode -m $M --out x $f
    expect_err "$f:1"
done
expect_status 1 ifgan-flip --set Smiling=1 inf.jsonl
jq -c '.z |= .[1:]' a.jsonl > short.jsonl
expect_status 1 ifgan-decode -m $M --out x short.jsonl
expect_err "z has 7 numbers, the model needs 8"
jq -c '.y = {"Eyeglasses": 1}' a.jsonl > noattr.jsonl
expect_status 1 ifgan-decode -m $M --out x noattr.jsonl
expect_err "no value for attribute 'Smiling'"
expect_status 1 ifgan-flip --toggle Bald a.jsonl
expect_err "no attribute 'Bald'"
printf '\n' > blank.jsonl
expect_status 1 ifgan-flip --toggle Smiling blank.jsonl
expect_err "blank.jsonl:1"

# flip: unknown keys pass through; set/toggle/sweep values; z untouched, exactly.
jq -c '. + {"note": {"who": "me"}, "tags": [1, 2]}' a.jsonl | ifgan-flip --set Smiling=1.5 > kept.jsonl
jq -e '.note.who == "me" and .tags == [1,2] and .y.Smiling == 1.5' kept.jsonl >/dev/null || fail "pass-through"
diff <(jq -c .z a.jsonl) <(jq -c .z kept.jsonl) || fail "flip changed z"
[[ $(ifgan-flip --toggle Smiling < a.jsonl | ifgan-flip --toggle Smiling | jq .y.Smiling) =~ ^(0|1)$ ]]
ifgan-flip --sweep Smiling=0:1:5 a.jsonl > sweep.jsonl
[[ $(jq -c '[.step, .y.Smiling]' sweep.jsonl | tr -d '\n') == "[0,0][1,0.25][2,0.5][3,0.75][4,1]" ]] || fail "sweep values"
expect_status 2 ifgan-flip --sweep Smiling=0:1
expect_status 2 ifgan-flip --set Smiling=abc
expect_status 2 ifgan-flip --set =1

# Sweep records decode to numbered files and a sheet with one row per face.
{ ifgan-encode -m $M $IMG/000005.png; cat list.jsonl; } | ifgan-flip --sweep Smiling=-0.5:1.5:4 |
    ifgan-decode -m $M --out sw --sheet sheet.png 2>/dev/null
[[ -f sw/000005-edit-000.png && -f sw/000003-edit-003.png ]] || fail "sweep names"
[[ $(ls sw | wc -l) == 20 ]] || fail "sweep: $(ls sw | wc -l) files, not 5 x 4"
# 5 rows (ids) x 4 columns of 32 px with 2 px gaps: 4*32+5*2 = 138 wide, 5*32+6*2 = 172 high
file sheet.png | grep -q "138 x 172" || fail "sheet shape: $(file sheet.png)"

# Every colour type and JPEG work as inputs.
src=$IMG/000005.png
for k in gray rgba gray16 rgb16 palette jpeg cmyk; do
    mkimg $k $src in-$k.img
    ifgan-encode -m $M in-$k.img | jq -e '(.z | length) == 8' >/dev/null || fail "input kind $k"
done
# A big JPEG is scaled while decoding (DCT scaling) and encodes as its PNG
# does: its code is far closer to the PNG's than to another face's.
ifgan-synth --out big --count 2 --size 512 --attrs Smiling 2>/dev/null
mkimg jpeg big/img_align_celeba/000001.png big.jpg
file big.jpg | grep -q "512x512" || fail "big JPEG fixture: $(file big.jpg)"
ifgan-encode -m $M big/img_align_celeba/000001.png big.jpg big/img_align_celeba/000002.png > big.jsonl
jq -se 'def d(a; b): [a, b] | transpose | map((.[0] - .[1]) * (.[0] - .[1])) | add | sqrt;
        d(.[0].z; .[1].z) < 0.25 * d(.[0].z; .[2].z)' big.jsonl >/dev/null || fail "the big JPEG encodes unlike its PNG"
# Bad images are named.
echo "not an image" > junk.png
expect_status 1 ifgan-encode -m $M junk.png
expect_err "junk.png: not a PNG or JPEG"
expect_status 1 ifgan-encode -m $M missing.png
expect_err "missing.png"
head -c 100 $src > cut.png
expect_status 1 ifgan-classify -m $M cut.png
expect_err "cut.png"

# Models: missing, not a model, wrong kind.
expect_status 2 ifgan-encode $src
expect_status 1 ifgan-encode -m nothere.ifgan $src
expect_err "nothere.ifgan"
expect_status 1 ifgan-encode -m junk.png $src
expect_err "not an ifgan model"
expect_status 1 ifgan-encode -m $FIXTURE/judge.ifgan $src
expect_err "'classifier' model"
head -c 5000 $M > cut.ifgan
expect_status 1 ifgan-decode -m cut.ifgan --out x a.jsonl
expect_err "cut.ifgan"

# classify: records, threshold, a data set with a summary.
ifgan-classify -m $FIXTURE/judge.ifgan $IMG/000001.png $IMG/000002.png > cls.jsonl
[[ $(wc -l < cls.jsonl) == 2 ]] || fail "classify lines"
jq -e '(.y | keys) == ["Eyeglasses","Smiling"] and (has("z") | not)' cls.jsonl >/dev/null || fail "classify keys"
ifgan-classify -m $M --threshold 0.5 $IMG/000001.png | jq -e '.y.Smiling == 0 or .y.Smiling == 1' >/dev/null
ifgan-classify -m $FIXTURE/judge.ifgan --data $FIXTURE/data --split test > ds.jsonl
[[ $(wc -l < ds.jsonl) == 17 ]] || fail "16 test records + summary"
tail -1 ds.jsonl | jq -e '.summary and .count == 16 and (.accuracy.Smiling >= 0 and .accuracy.Smiling <= 1)' >/dev/null
[[ $(ifgan-classify -m $FIXTURE/judge.ifgan --data $FIXTURE/data --summary | wc -l) == 1 ]] || fail "--summary"
expect_status 2 ifgan-classify -m $M --threshold 2 $src
expect_status 1 ifgan-classify -m $M --data $FIXTURE/nope
