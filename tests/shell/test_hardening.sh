# Inputs that once gave a silently wrong answer, a lost output or a crash:
# each now gives a one-line error naming what is wrong, and keeps what is good.
source "$IFGAN_ROOT/tests/shell/lib.sh"
M=$FIXTURE/tiny.ifgan
IMG=$FIXTURE/data/img_align_celeba

# Two ids with the same file name would write one output file: the second is
# refused, the first is written, and nothing is overwritten silently.
mkdir -p a b
cp $IMG/000001.png a/000001.png
cp $IMG/000002.png b/000001.png
ifgan-encode -m $M a/000001.png b/000001.png > ab.jsonl
expect_status 1 ifgan-decode -m $M --out out ab.jsonl
expect_err "ab.jsonl:2: its output out/000001-edit.png would overwrite that of ab.jsonl:1"
[[ $(ls out | wc -l) == 1 ]] || fail "decode wrote $(ls out | wc -l) files"
# A sweep of one id gives distinct names (its steps), so it is not a collision.
ifgan-encode -m $M a/000001.png | ifgan-flip --sweep Smiling=0:1:3 | ifgan-decode -m $M --out sweep 2> err.txt
grep -q "wrote 3 images" err.txt || fail "sweep: $(cat err.txt)"

# A directory is not a record stream.
expect_status 1 ifgan-flip --toggle Smiling a
expect_err "a: is a directory"
expect_status 1 ifgan-decode -m $M --out x a
expect_err "a: is a directory"
expect_status 1 ifgan-encode -m $M a
expect_err "a: is a directory"

# A directory on stdin is an error in every tool that reads stdin, not an empty input.
expect_status 1 ifgan-flip --toggle Smiling < a
expect_err "stdin: is a directory"
expect_status 1 ifgan-decode -m $M --out x < a
expect_err "stdin: is a directory"
expect_status 1 ifgan-encode -m $M < a
expect_err "stdin: is a directory"
expect_status 1 ifgan-classify -m $M < a
expect_err "stdin: is a directory"

# A pipe as an image path is read as it comes (once), like stdin: same code.
ifgan-encode -m $M <(cat $IMG/000001.png) | jq -c .z > piped.txt
ifgan-encode -m $M $IMG/000001.png | jq -c .z > named.txt
cmp piped.txt named.txt || fail "a pipe as an image path gave another code"
ifgan-encode -m $M <(cat $IMG/000001.png) | jq -e 'has("source") | not' > /dev/null || fail "a pipe recorded as a source"

# --batch and --threads below 1 are usage errors naming the option, in every tool.
for tool in "ifgan-encode -m $M $IMG/000001.png" "ifgan-decode -m $M --out x" "ifgan-classify -m $M $IMG/000001.png" \
            "ifgan-eval -m $M --classifier $FIXTURE/judge.ifgan --data $FIXTURE/data"; do
    expect_status 2 $tool --batch 0
    expect_err "--batch must be at least 1"
    expect_status 2 $tool --threads -3
    expect_err "--threads must be at least 1"
done

# An edit needs at least one pass and a floor of 0 to 0.5, in every tool that edits.
for tool in "ifgan-decode -m $M --out x" "ifgan-eval -m $M --classifier $FIXTURE/judge.ifgan --data $FIXTURE/data" \
            "ifgan-serve -m $M"; do
    expect_status 2 $tool --edit-passes 0
    expect_err "--edit-passes must be at least 1"
    expect_status 2 $tool --edit-floor -0.1
    expect_err "--edit-floor must be 0 to 0.5"
    expect_status 2 $tool --edit-floor 0.7
    expect_err "--edit-floor must be 0 to 0.5"
done

# A PNG whose header claims 32767 x 32767 pixels is refused before decoding.
mkimg bomb 32767 32767 bomb.png
expect_status 1 ifgan-encode -m $M bomb.png
expect_err "bomb.png: 32767x32767 pixels is more than the limit"
expect_err "IFGAN_MAX_PIXELS"
# The limit holds for JPEG too, and the environment variable moves it.
mkimg jpeg $IMG/000001.png small.jpg
IFGAN_MAX_PIXELS=1000 expect_status 1 ifgan-encode -m $M small.jpg
expect_err "small.jpg: 32x32 pixels is more than the limit of 1000"
IFGAN_MAX_PIXELS=1024 expect_status 0 ifgan-encode -m $M small.jpg

# A bad input in the middle of a batch: the good inputs before it are written.
echo "not an image" > junk.png
expect_status 1 ifgan-encode -m $M $IMG/000001.png $IMG/000002.png junk.png $IMG/000003.png
expect_err "junk.png: not a PNG or JPEG"
[[ $(wc -l < out.txt) == 2 ]] || fail "encode kept $(wc -l < out.txt) records, not the 2 before the bad image"
jq -e '.z | length == 8' out.txt >/dev/null
ifgan-encode -m $M $IMG/000001.png $IMG/000002.png $IMG/000003.png > three.jsonl
{ sed -n 1p three.jsonl; sed -n 2p three.jsonl | jq -c '.z = [1, 2]'; sed -n 3p three.jsonl; } > bad.jsonl
expect_status 1 ifgan-decode -m $M --out kept bad.jsonl
expect_err "bad.jsonl:2: z has 2 numbers, the model needs 8"
[[ -f kept/000001-edit.png && ! -e kept/000003-edit.png ]] || fail "decode did not keep the record before the bad one"
# ifgan-classify keeps what is good as well.
expect_status 1 ifgan-classify -m $M $IMG/000001.png junk.png
[[ $(wc -l < out.txt) == 1 ]] || fail "classify kept $(wc -l < out.txt) records"

# A model file with flipped bits in its weights is refused by name, not used
# (ifgan-train --resume loads every network; the unit tests flip one bit in
# each network and check the tools' loader).
cp $M damaged.ifgan
size=$(stat -c %s damaged.ifgan)
for frac in 30 50 70; do
    off=$((size * frac / 100))
    byte=$(od -An -tu1 -j $off -N1 damaged.ifgan | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 16)))" | dd of=damaged.ifgan bs=1 seek=$off conv=notrunc 2>/dev/null
done
set +e
for tool in "ifgan-train --data $FIXTURE/data --resume --out damaged.ifgan --epochs 2 --no-cache"; do
    $tool > /dev/null 2> err.txt
    rc=$?
    [[ $rc == 1 ]] || { set -e; fail "$tool with a damaged model exited $rc"; }
    grep -q "damaged" err.txt || { set -e; fail "$tool: $(cat err.txt)"; }
done
set -e

# Found by make fuzz: a model file whose archive holds a damaged type string
# made LibTorch's TorchScript parser throw an error the loader did not catch
# (an empty message). Every fuzz finding stays here as a regression test.
for f in "$IFGAN_ROOT"/tests/fuzz/regressions/model-*; do
    expect_status 1 ifgan-classify -m "$f" $IMG/000001.png
    expect_err "$f: damaged"
done

# The tools load OpenBLAS (OpenMP) by their own search path, whatever the
# system's libblas.so.3 alternative points to (the tests leave it alone).
for t in ifgan-encode ifgan-train ifgan-align; do
    # grep without -q reads all of ldd's output: -q would exit at the match and,
    # under pipefail, ldd's SIGPIPE on the rest would fail the pipe.
    ldd "$(command -v $t)" | grep 'libblas.so.3 => /usr/lib/x86_64-linux-gnu/openblas-openmp/' >/dev/null ||
        fail "$t does not load OpenBLAS by its own path: $(ldd "$(command -v $t)" | grep blas)"
done
