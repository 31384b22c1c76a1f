# ifgan-serve's JSON API, as a script uses it: uploads, edits that match the
# pipe byte for byte, every error status, hostile uploads, path tricks, the
# bounds on photos kept and work at once, and stopping on a signal.
source "$IFGAN_ROOT/tests/shell/lib.sh"
M=$FIXTURE/tiny.ifgan
J=$FIXTURE/judge.ifgan
expect_status 0 ifgan-serve --help
expect_status 0 ifgan-serve --version
expect_status 2 ifgan-serve
expect_status 2 ifgan-serve -m $M --listen nowhere
expect_err "--listen wants HOST:PORT"
expect_status 2 ifgan-serve -m $M --landmarks x.txt
expect_err "--landmarks needs --photos"
expect_status 1 ifgan-serve -m $J
expect_err "classifier"
ifgan-synth --out data --count 160 --size 32 --seed 9 --attrs Smiling,Eyeglasses --wild 3 --only-wild 2>/dev/null
# The photos a client may pick: the wild JPEGs and a PNG copy of one, with
# their landmarks (the detector does not find synthetic faces).
mkdir photos
cp data/wild/img_celeba/*.jpg photos/
wild=(photos/*.jpg)
photo=${wild[0]}; name=$(basename "$photo")
"$IFGAN_BUILD/mkimg" png "$photo" photos/face.png
cp data/wild/list_landmarks_celeba.txt photos/marks.txt
grep "^$name " photos/marks.txt | sed "s/^$name/face.png/" >> photos/marks.txt
echo secret > secret.jpg  # an outside file the path tricks aim at

start_serve serve.log -m $M --classifier $J --photos photos --landmarks photos/marks.txt
grep -q "4 photos of photos have their faces" serve.log || fail "landmarks of the photos"
http_status 200 model.json "${URL}api/model"
jq -e '.attrs == ["Smiling"] and .size == 32 and .slider.min < 0 and .slider.max > 1 and (.photos | length) == 4 and
       (.judge.attrs | index("Smiling")) != null' model.json >/dev/null || fail "model description"
http_status 200 page.html "$URL"
grep -q '<input id="file" type="file"' page.html || fail "the page"
! grep -Eq '(src|href)="(https?:)?//' page.html || fail "the page reaches outside the server"

# Upload the bytes of a photo of --photos: its face from the landmark file.
http_status 200 up.json -H 'Content-Type: image/jpeg' --data-binary @"$photo" "${URL}api/photos?filename=$name"
jq -e '(.token | test("^[0-9a-f]{32}$")) and (.faces | length) == 1 and .format == "jpeg" and
       (.faces[0].square | length) == 4 and (.faces[0].y.Smiling | type) == "number"' up.json >/dev/null || fail "upload answer"
T=$(jq -r .token up.json)
http_status 200 original.jpg "${URL}api/photos/$T"
cmp -s original.jpg "$photo" || fail "the original comes back as uploaded"
edit() { curl -s -o "$2" -D headers.txt -w '%{http_code}' -H 'Content-Type: application/json' -d "$1" "${URL}api/edit"; }
[[ $(edit "{\"token\":\"$T\",\"face\":0,\"y\":{\"Smiling\":1}}" edit.jpg) == 200 ]] || fail "edit"
grep -qi '^content-type: image/jpeg' headers.txt || fail "a JPEG photo's edit is JPEG"
grep -i '^x-ifgan-judge:' headers.txt | sed 's/^[^:]*: //' | jq -e '.Smiling >= 0 and .Smiling <= 1' >/dev/null || fail "judge header"
# The pipe, for the same photo and value, writes the same bytes.
ifgan-align --landmarks photos/marks.txt --out al "$photo" | ifgan-encode -m $M |
    ifgan-flip --set Smiling=1 | ifgan-decode -m $M --paste --out piped 2>/dev/null
cmp edit.jpg "piped/${name%.jpg}-edit.jpg" || fail "the served edit differs from the pipe's"
# Picked by name from --photos: the same face and code.
http_status 200 picked.json --data-binary '' "${URL}api/photos?name=$name"
[[ "$(jq -c .faces picked.json)" == "$(jq -c .faces up.json)" ]] || fail "picked and uploaded faces differ"
# A PNG photo, sent as a form: its edit is PNG, changed only inside the face square.
http_status 200 png.json -F photo=@photos/face.png "${URL}api/photos"
[[ $(jq -r .name png.json) == face.png && $(jq -r .format png.json) == png ]] || fail "form upload"
[[ $(edit "{\"token\":\"$(jq -r .token png.json)\",\"y\":{\"Smiling\":2}}" edit.png) == 200 ]] || fail "PNG edit"
grep -qi '^content-type: image/png' headers.txt || fail "a PNG photo's edit is PNG"
read x0 y0 x1 y1 < <("$IFGAN_BUILD/mkimg" diffbox photos/face.png edit.png)
[[ $x0 != none ]] || fail "the edit changed nothing"
read bx0 by0 bx1 by1 < <(jq -r '.faces[0].square | "\(.[0]|floor) \(.[1]|floor) \(.[2]|ceil) \(.[3]|ceil)"' png.json)
(( x0 >= bx0 && y0 >= by0 && x1 <= bx1 && y1 <= by1 )) || fail "changed $x0 $y0 $x1 $y1 outside the face square $bx0 $by0 $bx1 $by1"
# A name is only a name: the upload's own is echoed, never used as a path.
http_status 200 named.json -H 'Content-Type: image/jpeg' --data-binary @"$photo" "${URL}api/photos?filename=../../x/$name"
[[ $(jq -r .name named.json) == "../../x/$name" && ! -e ../../x ]] || fail "upload name"
# A photo whose face is not known and not found: 422 with the reason.
"$IFGAN_BUILD/mkimg" jpeg "$FIXTURE/data/img_align_celeba/000001.png" small.jpg
http_status 422 e.json -H 'Content-Type: image/jpeg' --data-binary @small.jpg "${URL}api/photos"
jq -e '.error | test("no face")' e.json >/dev/null || fail "no face message"

# Errors, each with its status and a JSON message.
err() {  # STATUS PATTERN CURL-ARGS...
    local want=$1 pat=$2; shift 2
    http_status "$want" e.json "$@"
    jq -e --arg p "$pat" '.error | test($p)' e.json >/dev/null || { cat e.json >&2; fail "error text lacks '$pat'"; }
}
post_photo() { curl -s -o "$2" -w '%{http_code}' -H 'Content-Type: application/octet-stream' --data-binary @"$1" "${URL}api/photos"; }
head -c 600 "$photo" > truncated.jpg
"$IFGAN_BUILD/mkimg" png "$photo" p.png && head -c 300 p.png > truncated.png
"$IFGAN_BUILD/mkimg" jpegbomb 32767 32767 huge.jpg
"$IFGAN_BUILD/mkimg" bomb 30000 30000 huge.png
: > empty.bin
echo "not an image" > text.txt
err 400 "not a PNG or JPEG" -H 'Content-Type: application/octet-stream' --data-binary @text.txt "${URL}api/photos"
err 400 "empty upload" -H 'Content-Type: application/octet-stream' --data-binary @empty.bin "${URL}api/photos"
err 400 "truncated.jpg" -H 'Content-Type: image/jpeg' --data-binary @truncated.jpg "${URL}api/photos?filename=truncated.jpg"
err 400 "truncated.png" -H 'Content-Type: image/png' --data-binary @truncated.png "${URL}api/photos?filename=truncated.png"
err 413 "32767x32767 pixels" -H 'Content-Type: image/jpeg' --data-binary @huge.jpg "${URL}api/photos"
err 413 "30000x30000 pixels" -H 'Content-Type: image/png' --data-binary @huge.png "${URL}api/photos"
err 404 "unknown, or dropped" "${URL}api/photos/0123456789abcdef0123456789abcdef"
err 404 "no such route" "${URL}api/nothing"
err 404 "no such route" "${URL}api/photos/..%2f..%2fsecret.jpg"
err 400 "needs" -H 'Content-Type: application/json' -d '{}' "${URL}api/edit"
err 400 "request body" -H 'Content-Type: application/json' -d '{"token":' "${URL}api/edit"
err 404 "unknown, or dropped" -H 'Content-Type: application/json' -d '{"token":"../../etc/passwd"}' "${URL}api/edit"
err 400 "no attribute 'Bald'" -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"y\":{\"Bald\":1}}" "${URL}api/edit"
err 400 "finite number" -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"y\":{\"Smiling\":\"1\"}}" "${URL}api/edit"
err 400 "finite number" -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"y\":{\"Smiling\":1e300}}" "${URL}api/edit"
err 400 "has 1 face" -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"face\":3}" "${URL}api/edit"
err 400 "must not be negative" -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"face\":-1}" "${URL}api/edit"
# Path tricks in every parameter that names something.
for trick in ../secret.jpg ..%2fsecret.jpg %2e%2e/secret.jpg /etc/passwd "$PWD/data/wild/secret.jpg" . "" "$name/"; do
    err 404 "among --photos" --data-binary '' "${URL}api/photos?name=$trick"
done
port=${URL#http://127.0.0.1:}; port=${port%/}
expect_status 1 ifgan-serve -m $M --listen 127.0.0.1:$port
expect_err "cannot listen on 127.0.0.1:$port"
stop_serve
grep -q "stopping (SIGTERM)" serve.log || fail "stop message"
grep -q "POST /api/edit 200" serve.log || fail "request log"

# The bounds: one job at once and none waiting (a second is turned away with
# 503), one photo kept (the older token is gone), small uploads. The job is
# held deterministically: the photo it reads is a FIFO, and opening it for
# writing returns once the server has opened it inside the job.
mkdir held
cp "$photo" held/
mkfifo held/hold.jpg
grep "^$name " photos/marks.txt > held/marks.txt
start_serve serve2.log -m $M --photos held --landmarks held/marks.txt --jobs 1 --waiting 0 --keep 1 --max-upload 100000
curl -s -o held.json -w '%{http_code}' --data-binary '' "${URL}api/photos?name=hold.jpg" > held.code &
held_curl=$!
exec 3>held/hold.jpg
http_status 503 busy.json -D busy.txt -H 'Content-Type: image/jpeg' --data-binary @"$photo" "${URL}api/photos"
jq -e '.error | test("busy")' busy.json >/dev/null || fail "busy message"
grep -qi '^retry-after:' busy.txt || fail "Retry-After"
cat "$photo" >&3
exec 3>&-
wait $held_curl
[[ $(cat held.code) == 200 ]] || { cat held.json >&2; fail "the held upload"; }
T1=$(jq -r .token held.json)
http_status 200 original.jpg "${URL}api/photos/$T1"
http_status 200 up3.json -H 'Content-Type: image/jpeg' --data-binary @"$photo" "${URL}api/photos"
err 404 "dropped" "${URL}api/photos/$T1"
http_status 200 original.jpg "${URL}api/photos/$(jq -r .token up3.json)"
head -c 150000 /dev/urandom > big.bin
err 413 "150000 bytes is more than the limit of 100000" -H 'Content-Type: application/octet-stream' --data-binary @big.bin "${URL}api/photos"
head -c 400000 /dev/urandom > bigger.bin
err 413 "too large" -F photo=@bigger.bin "${URL}api/photos"
kill -INT $SERVE_PID
wait $SERVE_PID || fail "ifgan-serve exited $? on SIGINT"
wait $SERVE_LOG_PID
grep -q "stopping (SIGINT)" serve2.log || fail "SIGINT message"
