#!/bin/bash
# make fuzz: runs each libFuzzer target for FUZZ_SECONDS from its seed corpus
# (tests/fuzz/corpus/<target>/, images made here from synthetic faces), and
# reports executions and findings. A crash leaves its input in
# build/fuzz/crashes/ and fails the run; keep it in tests/fuzz/regressions/
# (it joins the corpus) and test it in tests/shell/test_hardening.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
work=build/fuzz
mkdir -p $work/crashes
# Image seeds: a face in every colour type the loader reads.
seeds=$work/seed-images
if [[ ! -d $seeds ]]; then
    mkdir -p $seeds
    bin/ifgan-synth --out $work/faces --count 1 --size 48 --attrs Smiling >/dev/null 2>&1
    face=$work/faces/img_align_celeba/000001.png
    cp $face $seeds/rgb.png
    for k in gray rgba gray16 rgb16 palette jpeg cmyk; do build/mkimg $k $face $seeds/$k.img; done
fi
# A model seed: a classifier at 16 px with 2 filters is a few kilobytes.
if [[ ! -f $work/seed-model.ifgan ]]; then
    bin/ifgan-synth --out $work/faces16 --count 40 --size 16 --attrs Smiling >/dev/null 2>&1
    bin/ifgan-train --kind classifier --data $work/faces16 --size 16 --f 2 --batch 8 --epochs 1 --no-cache \
        --val-limit 4 --out $work/seed-model.ifgan >/dev/null 2>&1
fi
total=0 failed=0
for t in "$@"; do
    corpus=$work/corpus-$t
    mkdir -p $corpus
    case $t in
        image) cp -n $seeds/* $corpus/ ;;
        model) cp -n $work/seed-model.ifgan tests/fuzz/regressions/model-* $corpus/ ;;
        *) cp -n tests/fuzz/corpus/$t/* $corpus/ ;;
    esac
    log=$work/$t.log
    # LibTorch (not instrumented) keeps caches that LeakSanitizer reports as
    # leaks when a load fails; leaks are not checked for the model target.
    leaks=$([[ $t == model ]] && echo 0 || echo 1)
    ASAN_OPTIONS=detect_leaks=$leaks $work/fuzz_$t $corpus -detect_leaks=$leaks -max_total_time=$secs -print_final_stats=1 -max_len=$([[ $t == model ]] && echo 262144 || echo 65536) -rss_limit_mb=2048 \
        -artifact_prefix=$work/crashes/$t- >$log 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' $log | tail -1 | grep -o '[0-9]*$' || echo 0)
    total=$((total + ${execs:-0}))
    if [[ $rc != 0 ]]; then
        failed=1
        echo "fuzz: $t: FOUND A CRASH ($(ls $work/crashes | grep "^$t-" | head -1)); log: $log"
        grep -m3 -E 'ERROR|runtime error|deadly' $log
    else
        echo "fuzz: $t: $execs executions in ${secs} s, no crash"
    fi
done
echo "fuzz: $total executions in all"
exit $failed
