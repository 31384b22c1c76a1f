# Photo in, photo out: ifgan-synth --wild, ifgan-align, the geometry in the
# latent stream, and ifgan-decode --paste.
source "$IFGAN_ROOT/tests/shell/lib.sh"
M=$FIXTURE/tiny.ifgan
expect_status 0 ifgan-align --help
expect_status 0 ifgan-align --version
expect_status 2 ifgan-align
# Wild photos: the same faces in larger photos, landmarks in CelebA's format.
ifgan-synth --out data --count 160 --size 32 --seed 9 --attrs Smiling,Eyeglasses --wild 3 --only-wild 2>/dev/null
[[ ! -e data/img_align_celeba ]] || fail "--only-wild wrote the data set"
ls data/wild/img_celeba/*.jpg | wc -l | grep -qx 3 || fail "three wild photos"
[[ $(head -1 data/wild/list_landmarks_celeba.txt) == 3 ]] || fail "landmark count"
wild=(data/wild/img_celeba/*.jpg)  # globs, not ls | head: head closing the pipe fails ls under pipefail
[[ -f data/wild/counterfactuals/$(basename "${wild[0]}" .jpg)_Smiling.jpg ]] || fail "wild counterfactual"
# The fixture's data set lists its aligned landmarks, so the model knows its frame.
[[ -f $FIXTURE/data/list_landmarks_align_celeba.txt ]] || fail "aligned landmarks"

# ifgan-align: a record per face, the crop in CelebA's frame.
ifgan-align --landmarks data/wild/list_landmarks_celeba.txt --out aligned data/wild/img_celeba/*.jpg > faces.jsonl
[[ $(wc -l < faces.jsonl) == 3 ]] || fail "three records"
jq -e '(.landmarks | length) == 5 and (.transform | length) == 6 and (.box | length) == 4 and (.source | test("img_celeba"))' faces.jsonl >/dev/null
file "$(jq -r .id faces.jsonl | sed -n 1p)" | grep -q "PNG image data, 178 x 218" || fail "aligned crop size"
# A photo without landmarks: an error record, the others still aligned, exit 1.
cp "${wild[0]}" stranger.jpg
expect_status 1 ifgan-align --landmarks data/wild/list_landmarks_celeba.txt --out a2 stranger.jpg data/wild/img_celeba/*.jpg
[[ $(jq -r 'select(.error) | .source' out.txt) == stranger.jpg ]] || fail "error record"
[[ $(jq -r 'select(.id) | .id' out.txt | wc -l) == 3 ]] || fail "the other photos"
printf '1\nlefteye_x\nx.jpg 1 2 3\n' > bad.txt
expect_status 1 ifgan-align --landmarks bad.txt stranger.jpg
expect_err "bad.txt:3:"

# The pipe, photo in and photo out: each result at its photo's own size.
ifgan-encode -m $M < faces.jsonl > codes.jsonl
jq -e '.source | (.to_model | length) == 6 and .width > 200 and (.y.Smiling >= 0)' codes.jsonl >/dev/null
ifgan-flip --toggle Smiling < codes.jsonl | ifgan-decode -m $M --paste --out edited 2>/dev/null
for f in data/wild/img_celeba/*.jpg; do
    s=$(basename "$f" .jpg)
    want=$(file "$f" | grep -o '[0-9]*x[0-9]*,' | tail -1)
    file "edited/$s-edit.jpg" | grep -qF "$want" || fail "$s: pasted photo size (want $want)"
done
# A PNG photo comes back as PNG, byte-identical outside the face square.
photo=${wild[0]}; s=$(basename "$photo" .jpg)
mkdir png && "$IFGAN_BUILD/mkimg" png "$photo" "png/$s.png"
sed "s/$s.jpg/$s.png/" data/wild/list_landmarks_celeba.txt > png/marks.txt
ifgan-align --landmarks png/marks.txt --out png/al "png/$s.png" | ifgan-encode -m $M |
    ifgan-flip --set Smiling=1 | ifgan-decode -m $M --paste --out png/edited --feather 0.2 2>/dev/null
file "png/edited/$s-edit.png" | grep -q "PNG image data" || fail "PNG in, PNG out"
# Every changed pixel lies inside the face square, drawn back into the photo.
read x0 y0 x1 y1 < <("$IFGAN_BUILD/mkimg" diffbox "png/$s.png" "png/edited/$s-edit.png")
[[ $x0 != none ]] || fail "the edit changed nothing"
read bx0 by0 bx1 by1 < <(ifgan-align --landmarks png/marks.txt --out png/al2 "png/$s.png" |
    ifgan-encode -m $M | jq -r '.source.to_model as [$a,$b,$c,$d,$e,$f] | ($a*$e-$b*$d) as $det |
      [[0,0],[32,0],[0,32],[32,32]] | map([($e*(.[0]-$c)-$b*(.[1]-$f))/$det, (-$d*(.[0]-$c)+$a*(.[1]-$f))/$det]) |
      "\(map(.[0])|min|floor) \(map(.[1])|min|floor) \(map(.[0])|max|ceil) \(map(.[1])|max|ceil)"')
(( x0 >= bx0 && y0 >= by0 && x1 <= bx1 && y1 <= by1 )) || fail "changed $x0 $y0 $x1 $y1 outside the face square $bx0 $by0 $bx1 $by1"
(( x1 - x0 < (bx1 - bx0) * 2 )) || fail "diff box"
# Plain encode records carry their crop too; --paste needs a source.
ifgan-encode -m $M "$FIXTURE/data/img_align_celeba/000001.png" | ifgan-decode -m $M --paste --out plain 2>/dev/null
file plain/000001-edit.png | grep -q "32 x 32" || fail "plain record pasted"
ifgan-encode -m $M - < "$FIXTURE/data/img_align_celeba/000001.png" > stdin.jsonl
expect_status 1 ifgan-decode -m $M --paste --out x stdin.jsonl
expect_err "no \"source\""
expect_status 2 ifgan-decode -m $M --paste -o - stdin.jsonl
expect_status 2 ifgan-decode -m $M --paste --out x --feather 0.9 stdin.jsonl
# A photo that changed since it was encoded is refused.
jq -c '.source.width = 7' codes.jsonl | sed -n 1p > changed.jsonl
expect_status 1 ifgan-decode -m $M --paste --out y changed.jsonl
expect_err "when it was encoded"

# ifgan-eval --paste: the same path measured on the wild photos against the truth.
cp -r "$FIXTURE/data" evald && cp -r data/wild evald/
J=$FIXTURE/judge.ifgan
ifgan-eval -m $M --classifier $J --data evald --limit 8 --no-mlp-probe --probe-train 32 \
    --paste --paste-sheet psheet.png --json rep.json --html rep.html 2>eval.txt
jq -e '.paste.photos == 3 and .paste.feather == 0.1 and .paste.replace == 0.15 and (.paste.attributes.Smiling |
    (.paste.edit.to_1 | . >= 0 and . <= 1) and (.paste.preservation | . >= 0 and . <= 1) and
    .paste.counterfactual.count == 3 and .paste.counterfactual.unedited_mse > 0 and
    (.paste.counterfactual.truth_ratio | . > 0 and . < 1) and (.crop.counterfactual | has("truth_ratio") | not) and
    .crop.counterfactual.count == 3 and (.crop.edit.to_0 | . >= 0 and . <= 1))' rep.json >/dev/null || fail "paste report"
grep -q "photo in, photo out (3 photos" eval.txt || fail "paste table on stderr"
grep -q "Photo in, photo out" rep.html || fail "paste table in the page"
file psheet.png | grep -q "PNG image data" || fail "paste sheet"
# The error to the truth is the photo's own: recomputed here for the unedited photo.
evald_wild=(evald/wild/img_celeba/*.jpg); first=$(basename "${evald_wild[0]}"); s=${first%.jpg}
read w h < <(file evald/wild/img_celeba/$first | grep -o '[0-9]*x[0-9]*,' | tail -1 | tr 'x,' '  ')
(( w >= 256 && h >= 256 )) || fail "wild photo size"
expect_status 2 ifgan-eval -m $M --classifier $J --data evald --feather 0.2
expect_status 2 ifgan-eval -m $M --classifier $J --data evald --paste --replace 2
expect_err "--replace"
expect_status 1 ifgan-eval -m $M --classifier $J --data "$FIXTURE/data" --limit 8 --no-mlp-probe --paste
expect_err "list_landmarks_celeba.txt"

# The face detector (dlib) on real photos from a Debian package: NASA's
# astronaut portrait (eyes measured by hand at (203.5, 101.5) and (247, 103.5))
# and a cup of coffee (no face).
P=$IFGAN_PHOTOS
ifgan-align --out real "$P/astronaut.png" > astro.jsonl
jq -e '(.landmarks[0] | (.[0] - 203.5 | fabs) < 3 and (.[1] - 101.5 | fabs) < 3) and
       (.landmarks[1] | (.[0] - 247 | fabs) < 3 and (.[1] - 103.5 | fabs) < 3) and .score > 0.3' astro.jsonl >/dev/null ||
    fail "astronaut's eyes: $(cat astro.jsonl)"
file real/astronaut.png | grep -q "178 x 218" || fail "aligned real crop"
expect_status 1 ifgan-align --out real "$P/coffee.png" "$P/astronaut.png"
[[ $(jq -r 'select(.error) | .error' out.txt) == "the detector found none" ]] || fail "no face in the coffee"
[[ $(jq -r 'select(.id) | .id' out.txt) == real/astronaut.png ]] || fail "the photo after it"
expect_err "coffee.png: no face"
expect_status 2 ifgan-align --landmarks data/wild/list_landmarks_celeba.txt --all "$P/astronaut.png"
expect_status 1 ifgan-align --landmark-model /nonexistent.dat "$P/astronaut.png"
expect_err "/nonexistent.dat"
# A real photo through the whole pipe comes back at its own size.
ifgan-encode -m $M < astro.jsonl | ifgan-flip --set Smiling=1 | ifgan-decode -m $M --paste --out real-edited 2>/dev/null
file real-edited/astronaut-edit.png | grep -q "512 x 512" || fail "real photo pasted at its size"
