source "$IFGAN_ROOT/tests/shell/lib.sh"
expect_status 0 ifgan-synth --help
grep -q -- "--count" out.txt || fail "help lacks --count"
expect_status 0 ifgan-synth --version
grep -q "^ifgan-synth [0-9]" out.txt || fail "bad version line"

ifgan-synth --out a --count 50 --seed 3 --size 32 2>/dev/null
ifgan-synth --out b --count 50 --seed 3 --size 32 --threads 1 2>/dev/null
ifgan-synth --out c --count 80 --seed 3 --size 32 2>/dev/null
# Deterministic: byte-identical; and face i does not depend on --count.
diff -r a/img_align_celeba b/img_align_celeba || fail "not deterministic"
diff -r a/counterfactuals b/counterfactuals || fail "counterfactuals differ"
cmp a/list_attr_celeba.txt b/list_attr_celeba.txt
cmp a/img_align_celeba/000017.png c/img_align_celeba/000017.png || fail "face 17 depends on --count"
[[ $(head -1 a/list_attr_celeba.txt) == 50 ]] || fail "count line"
[[ $(sed -n 2p a/list_attr_celeba.txt) == "Smiling Eyeglasses Wearing_Hat" ]] || fail "names line"
[[ $(wc -l < a/identities.jsonl) == 50 ]] || fail "identities"
jq -se 'map(select(.file=="000001.png"))[0].params.skin | length == 3' a/identities.jsonl >/dev/null
[[ $(ls a/counterfactuals | wc -l) == 15 ]] || fail "5 test faces x 3 attributes"
[[ $(awk '$2==2' a/list_eval_partition.txt | wc -l) == 5 ]] || fail "test split"
ls a/*.tmp a/img_align_celeba/*.tmp 2>/dev/null && fail "temporary files left"

# The attribute subset is honoured.
ifgan-synth --out d --count 10 --attrs Eyeglasses --size 32 2>/dev/null
[[ $(sed -n 2p d/list_attr_celeba.txt) == "Eyeglasses" ]] || fail "subset"

# Usage errors exit 2, runtime errors exit 1.
expect_status 2 ifgan-synth --count 10
expect_err "--out"
expect_status 2 ifgan-synth --out e --count 0
expect_status 2 ifgan-synth --out e --attrs Beard
expect_err "Beard"
expect_status 2 ifgan-synth --out e --bogus
touch notadir
expect_status 1 ifgan-synth --out notadir --count 3
expect_err "notadir"

# --celeba-frame: CelebA's geometry, which ifgan-train's crop "auto" takes as
# CelebA; the cache is one file with the documented header, reused untouched.
ifgan-synth --out frame --count 100 --seed 4 --celeba-frame --attrs Smiling 2>/dev/null
[[ -f frame/img_align_celeba/000001.jpg ]] || fail "frame: no 000001.jpg"
[[ $(awk '{print $2}' frame/list_eval_partition.txt | sort | uniq -c | awk '{print $1}' | paste -sd' ') == "80 10 10" ]] ||
    fail "frame: split $(awk '{print $2}' frame/list_eval_partition.txt | sort | uniq -c)"
[[ -f frame/counterfactuals/000100_Smiling.jpg ]] || fail "frame: no JPEG counterfactual"
expect_status 2 ifgan-synth --out frame2 --celeba-frame --size 32
expect_err "--celeba-frame"
ifgan-train --data frame --attr Smiling --size 32 --f 4 --nz 8 --batch 16 --val-limit 10 --steps 2 \
    --out frame.ifgan --log frame.jsonl 2>/dev/null
jq -se '.[0].options.crop == "celeba"' frame.jsonl >/dev/null || fail "frame: crop auto did not pick celeba"
caches=(frame/.ifgan-cache/*.u8)
[[ ${#caches[@]} == 2 ]] || fail "frame: expected a train and a val cache, found ${caches[*]}"
for f in "${caches[@]}"; do
    [[ $(head -c 8 "$f") == IFGCACH2 ]] || fail "$f: header"
    n=$(od -An -t u8 -j 16 -N 8 "$f" | tr -d ' ')
    [[ $(stat -c %s "$f") == $((4096 + n * 3 * 32 * 32)) ]] || fail "$f: size for $n images"
done
# A rebuilt cache is a new file (written aside and renamed): a new inode.
before=$(stat -c '%i %y %s' "${caches[@]}")
ifgan-train --data frame --attr Smiling --size 32 --f 4 --nz 8 --batch 16 --val-limit 10 --steps 2 \
    --out frame2.ifgan 2>/dev/null
[[ $(stat -c '%i %y %s' "${caches[@]}") == "$before" ]] || fail "frame: the cache was rebuilt"
ls frame/.ifgan-cache/ | grep tmp >/dev/null && fail "frame: temporary cache file left"
true
