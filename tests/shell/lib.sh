# Helpers for the shell tests (sourced).
fail() { echo "FAILED: $*" >&2; exit 1; }
# expect_status N cmd... : runs cmd, fails unless it exits with N.
expect_status() {
    local want=$1; shift
    set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
    [[ $got == "$want" ]] || { cat err.txt >&2; fail "'$*' exited $got, expected $want"; }
}
# expect_err TEXT: the last expect_status's stderr contains TEXT.
expect_err() { grep -qF -- "$1" err.txt || { cat err.txt >&2; fail "stderr lacks '$1'"; }; }
# wait_for_step LOG PID: returns once the training log LOG holds a step,
# reading it as it grows (tail follows it until PID ends); fails if PID ended
# before its first step.
wait_for_step() {
    local found
    found=$(tail -n +1 -F --pid="$2" "$1" 2>/dev/null | grep -m1 -o '"loss"' || true)
    [[ -n $found ]] || fail "$1: the run ended before its first step"
}
