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
