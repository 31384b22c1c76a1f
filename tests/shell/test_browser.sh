# ifgan-serve's page in a real browser (Debian's Chromium, driven by
# puppeteer-core pinned in tests/browser): upload a wild synthetic photo,
# move the Smiling slider to 1; the image shown must be the pipe's for the
# same photo and value, changed only inside the face square; a photo with no
# face and a file that is not an image each bring a message. Skipped (exit
# 77) only where Chromium or npm's package cannot be had.
source "$IFGAN_ROOT/tests/shell/lib.sh"
skip() { echo "skipped: $*" >&2; exit 77; }
chromium=${CHROMIUM:-$(command -v chromium || true)}
[[ -x $chromium ]] || skip "no Chromium (Debian's chromium package)"
command -v node >/dev/null && command -v npm >/dev/null || skip "no node and npm"
# puppeteer-core, as pinned by the lock file, kept beside the build.
mods=$IFGAN_BUILD/browser
if ! cmp -s "$IFGAN_ROOT/tests/browser/package-lock.json" "$mods/package-lock.json" || [[ ! -d $mods/node_modules/puppeteer-core ]]; then
    rm -rf "$mods" && mkdir -p "$mods"
    cp "$IFGAN_ROOT"/tests/browser/package{,-lock}.json "$mods/"
    (cd "$mods" && npm ci --no-audit --no-fund --silent) || skip "npm could not install puppeteer-core"
fi
cp "$IFGAN_ROOT/tests/browser/edit.mjs" "$mods/"
M=$FIXTURE/tiny.ifgan
ifgan-synth --out data --count 160 --size 32 --seed 9 --attrs Smiling,Eyeglasses --wild 2 --only-wild 2>/dev/null
# A PNG photo: its edit is PNG too, so every pixel outside the face square
# must come back exactly (a JPEG's would be re-encoded everywhere).
photos=(data/wild/img_celeba/*.jpg)
mkdir photos
stem=$(basename "${photos[0]}" .jpg)
photo=photos/$stem.png
"$IFGAN_BUILD/mkimg" png "${photos[0]}" "$photo"
grep "^$stem.jpg " data/wild/list_landmarks_celeba.txt | sed "s/^$stem.jpg/$stem.png/" > photos/marks.txt
"$IFGAN_BUILD/mkimg" jpeg "$FIXTURE/data/img_align_celeba/000001.png" noface.jpg
echo "not an image" > notes.txt
start_serve serve.log -m $M --classifier $FIXTURE/judge.ifgan --photos photos --landmarks photos/marks.txt
mkdir shots
CHROMIUM=$chromium node "$mods/edit.mjs" "$URL" "$PWD/$photo" "$PWD/noface.jpg" "$PWD/notes.txt" "$PWD/shots"
stop_serve
ifgan-align --landmarks photos/marks.txt --out al "$photo" | ifgan-encode -m $M |
    ifgan-flip --set Smiling=1 | ifgan-decode -m $M --paste --out piped 2>/dev/null
cmp shots/edited.png "piped/$stem-edit.png" || fail "the page shows another image than the pipe writes"
read x0 y0 x1 y1 < <("$IFGAN_BUILD/mkimg" diffbox "$photo" shots/edited.png)
[[ $x0 != none ]] || fail "the edit changed nothing"
read bx0 by0 bx1 by1 < <(jq -r '.faces[0].square | "\(.[0]|floor) \(.[1]|floor) \(.[2]|ceil) \(.[3]|ceil)"' shots/photo.json)
(( x0 >= bx0 && y0 >= by0 && x1 <= bx1 && y1 <= by1 )) ||
    fail "changed $x0 $y0 $x1 $y1, the face square is $bx0 $by0 $bx1 $by1"
file shots/page.png | grep -q "PNG image data, 1280 x 800" || fail "screenshot"
