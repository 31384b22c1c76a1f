# Data-parallel training on the loopback (LibTorch's c10d with Gloo):
# equivalence with one process, a lost rank, SIGINT, resume with another
# number of ranks, and the usage errors.
source "$IFGAN_ROOT/tests/shell/lib.sh"
D=$FIXTURE/data
T="--recipe paper --size 32 --f 4 --nz 8 --epochs 3 --no-cache --val-limit 16 --log-every 1 --steps 20 --threads 1"
trace() { jq -r "select(.loss) | .loss.$2" "$1"; }
# The pid of rank R among PID's children (by RANK in its environment).
rank_pid() {
    local c
    for c in $(cat /proc/$1/task/*/children 2>/dev/null); do
        tr '\0' '\n' < /proc/$c/environ 2>/dev/null | grep -x "RANK=$2" >/dev/null && { echo $c; return 0; }
    done
    return 0
}
# max |a-b| / (|a| + floor) over two traces, compared with a tolerance
close() {  # close FILE1 FILE2 KEY TOL FLOOR
    paste <(trace "$1" "$3") <(trace "$2" "$3") | awk -v tol="$4" -v fl="$5" -v k="$3" '
        NF != 2 { bad = 1 } { d = $1 - $2; if (d < 0) d = -d; a = $1 < 0 ? -$1 : $1; r = d / (a + fl); if (r > m) m = r; n++ }
        END { if (bad || n != 20 || m > tol) { printf "%s: %d steps, max relative difference %g > %g\n", k, n, m, tol; exit 1 } }'
}

# The classifier (no batch statistics): 2 ranks of 8 are 1 process of 16,
# to float rounding: the same losses and the same weights.
ifgan-train --data $D --kind classifier $T --batch 16 --out c1.ifgan --log c1.jsonl 2>/dev/null
ifgan-train --data $D --kind classifier $T --batch 8 --nproc 2 --out c2.ifgan --log c2.jsonl 2>err.txt
close c1.jsonl c2.jsonl cls 1e-5 1e-12 || fail "classifier loss trace"
jq -s -e 'map(select(.start)) | .[0] | .world_size == 2 and .global_batch == 16' c2.jsonl >/dev/null || fail "the log's global batch"
faces=($D/img_align_celeba/*.png)
printf '%s\n' "${faces[@]:0:8}" > few.txt
paste <(ifgan-classify -m c1.ifgan < few.txt | jq -r '.y.Smiling') <(ifgan-classify -m c2.ifgan < few.txt | jq -r '.y.Smiling') |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-5) exit 1 }' || fail "classifier weights differ"
# The editor: the decoder's BatchNorm keeps per-rank batch statistics (as
# PyTorch's DDP does), so the trace agrees to 1e-3 rather than to rounding.
for recipe in paper fast; do
    ifgan-train --recipe $recipe --data $D --attr Smiling $T --batch 16 --out e1.ifgan --log e1-$recipe.jsonl 2>/dev/null
    ifgan-train --recipe $recipe --data $D --attr Smiling $T --batch 8 --nproc 2 --out e2.ifgan --log e2-$recipe.jsonl 2>/dev/null
    close e1-$recipe.jsonl e2-$recipe.jsonl eg 3e-3 1e-3 || fail "$recipe: eg trace"
    close e1-$recipe.jsonl e2-$recipe.jsonl cls 3e-3 1e-3 || fail "$recipe: cls trace"
done
# Only rank 0 writes: one log, one model, one sample sheet per epoch.
ifgan-train --data $D --attr Smiling --recipe fast --size 32 --f 4 --nz 8 --epochs 1 --no-cache --val-limit 16 \
    --batch 8 --nproc 2 --threads 1 --out s.ifgan --log s.jsonl --samples samples 2>err.txt
[[ $(jq -c 'select(.start)' s.jsonl | wc -l) == 1 && $(ls samples | wc -l) == 1 ]] || fail "rank 0 alone writes"
grep -q "(rank 1)" err.txt || fail "rank 1's messages say so"
# The ranks share rank 0's image cache: one file per split, nothing left half-written.
cp -r $D shared && rm -rf shared/.ifgan-cache
ifgan-train --data shared --attr Smiling --recipe fast --size 32 --f 4 --nz 8 --steps 3 --val-limit 16 \
    --batch 8 --nproc 2 --threads 1 --out sc.ifgan 2>err.txt || { cat err.txt; fail "2 ranks with a cache"; }
caches=(shared/.ifgan-cache/*)
[[ ${#caches[@]} == 2 && ${caches[0]} == *.u8 && ${caches[1]} == *.u8 ]] || fail "shared cache: ${caches[*]}"

# Resume a 2-rank run with 1 process: it goes on at the step it stopped.
ifgan-train --data $D --attr Smiling $T --steps 6 --batch 8 --nproc 2 --out r.ifgan --log r.jsonl 2>/dev/null
ifgan-train --data $D --attr Smiling $T --steps 9 --batch 8 --resume --out r.ifgan --log r.jsonl 2>err.txt
grep -q "resuming r.ifgan at step 6" err.txt || fail "resume at step 6"
[[ $(jq -c 'select(.loss) | .step' r.jsonl | tail -1) == 9 ]] || fail "resumed to step 9"

# A lost rank: the launcher names it and the run ends with status 1, fast.
long="--recipe paper --size 32 --f 4 --nz 8 --epochs 200 --no-cache --val-limit 16 --threads 1 --batch 8"
ifgan-train --data $D --attr Smiling $long --nproc 2 --dist-timeout 30 --out k.ifgan --log k.jsonl 2>kerr.txt &
launcher=$!
# Each wait below is for an event: the rank's process, the run's first step in the log.
until_training() {  # LOG PID: returns once LOG has a step, fails if PID ended first
    until [[ -f $1 ]] && grep -q '"loss"' "$1"; do
        kill -0 $2 2>/dev/null || fail "$1: the run ended before its first step"
        sleep 0.1
    done
}
until r1=$(rank_pid $launcher 1); [[ -n $r1 ]]; do kill -0 $launcher || fail "rank 1 did not start"; sleep 0.1; done
until_training k.jsonl $launcher
kill -KILL $r1
set +e; wait $launcher; status=$?; set -e
(( status == 1 )) || { cat kerr.txt; fail "launcher status $status after a rank was killed"; }
grep -q "rank 1 was killed by signal" kerr.txt || { cat kerr.txt; fail "the lost rank named"; }
grep -q "lost the other ranks" kerr.txt || { cat kerr.txt; fail "rank 0's message"; }
# Without the launcher: two processes by the environment; one is killed.
port=$(mkimg port)
WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port ifgan-train --data $D --attr Smiling $long --out m.ifgan --log m.jsonl 2>m0.txt &
r0=$!
WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port ifgan-train --data $D --attr Smiling $long --out m.ifgan 2>m1.txt &
r1=$!
until_training m.jsonl $r0
kill -KILL $r1
set +e; wait $r0; status=$?; wait $r1; set -e
(( status == 1 )) || { cat m0.txt; fail "rank 0's status $status after rank 1 died"; }
grep -q "rank 0: lost the other ranks during" m0.txt || { cat m0.txt; fail "rank 0's message"; }

# A rank that hangs (stopped): the other gives up after --dist-timeout.
port=$(mkimg port)
WORLD_SIZE=2 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port ifgan-train --data $D --attr Smiling $long --dist-timeout 4 --out h.ifgan --log h.jsonl 2>h0.txt &
r0=$!
WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port ifgan-train --data $D --attr Smiling $long --dist-timeout 4 --out h.ifgan 2>h1.txt &
r1=$!
until_training h.jsonl $r0
kill -STOP $r1
set +e; wait $r0; status=$?; set -e
kill -KILL $r1; wait $r1 || true
(( status == 1 )) || { cat h0.txt; fail "rank 0's status $status when rank 1 hung"; }
grep -q "rank 0: lost the other ranks" h0.txt || { cat h0.txt; fail "rank 0's message for a hung rank"; }

# SIGINT to the whole run (as Ctrl-C does): every rank stops at the same
# step, rank 0 writes its checkpoint, and the run resumes.
setsid ifgan-train --data $D --attr Smiling $long --nproc 2 --out i.ifgan --log i.jsonl 2>ierr.txt &
leader=$!
until_training i.jsonl $leader
kill -INT -- -$leader
set +e; wait $leader; status=$?; set -e
(( status == 130 )) || { cat ierr.txt; fail "status $status after SIGINT"; }
grep -q "interrupted at step" ierr.txt || fail "interrupt message"
ifgan-train --data $D --attr Smiling $T --batch 8 --resume --steps 1000000 --epochs 1 --out i.ifgan 2>/dev/null ||
    fail "the interrupted run resumes"

# SIGTERM to the launcher alone (as a job scheduler sends it): it passes it
# on to its ranks, which stop at one step; rank 0 writes the checkpoint.
ifgan-train --data $D --attr Smiling $long --nproc 2 --out t.ifgan --log t.jsonl 2>terr.txt &
launcher=$!
until_training t.jsonl $launcher
t0=$(rank_pid $launcher 0) t1=$(rank_pid $launcher 1)
[[ -n $t0 && -n $t1 ]] || fail "the two ranks of the launcher"
kill -TERM $launcher
set +e; wait $launcher; status=$?; set -e
(( status == 143 )) || { cat terr.txt; fail "status $status after SIGTERM to the launcher"; }
grep -q "terminated at step [0-9]*; checkpoint written to t.ifgan" terr.txt || { cat terr.txt; fail "the ranks did not checkpoint on the forwarded SIGTERM"; }
! kill -0 $t0 2>/dev/null && ! kill -0 $t1 2>/dev/null || fail "a rank outlived the launcher"
ifgan-train --data $D --attr Smiling $T --batch 8 --resume --steps 1000000 --epochs 1 --out t.ifgan 2>/dev/null ||
    fail "the terminated run resumes"

# SIGINT to rank 0 and SIGTERM to rank 1 of three: every rank stops at
# one step (the decision reads the step's shared sum alone, so a signal
# that comes while the sum is under way waits for the next step rather
# than stopping one rank early), and each reports a signal a rank
# received, never a mix of the two numbers.
port=$(mkimg port)
for r in 0 1 2; do
    WORLD_SIZE=3 RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
        ifgan-train --data $D --attr Smiling $long --out s3.ifgan --log s3.jsonl 2>s3-$r.txt &
    pids[$r]=$!
done
until_training s3.jsonl ${pids[0]}
kill -INT ${pids[0]}
kill -TERM ${pids[1]}
for r in 0 1 2; do set +e; wait ${pids[$r]}; st[$r]=$?; set -e; done
for r in 0 1 2; do
    (( st[r] == 130 || st[r] == 143 )) || { cat s3-$r.txt; fail "rank $r exited ${st[r]}, not SIGINT's or SIGTERM's status"; }
done
(( st[2] == st[0] || st[2] == st[1] )) || fail "rank 2 reported ${st[2]}, neither rank's signal"

# Usage errors: exit 2, nothing started.
expect_status 2 ifgan-train --data $D --attr Smiling $T --out u.ifgan --world-size 2 --rank 2
expect_err "--rank 2 is not below --world-size 2"
WORLD_SIZE=2 expect_status 2 ifgan-train --data $D --attr Smiling $T --out u.ifgan --nproc 2
expect_status 2 ifgan-train --data $D --attr Smiling $T --out u.ifgan --world-size 2 --master nohost
expect_status 2 ifgan-train --data $D --attr Smiling $T --out u.ifgan --dist-timeout 0
RANK=x expect_status 2 ifgan-train --data $D --attr Smiling $T --out u.ifgan
# Nobody at rank 0's address: a clear error within the timeout.
expect_status 1 ifgan-train --data $D --attr Smiling $T --out u.ifgan --world-size 2 --rank 1 \
    --master 127.0.0.1:$(mkimg port) --dist-timeout 2
expect_err "cannot join the group"
