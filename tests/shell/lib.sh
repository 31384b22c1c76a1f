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
# start_serve LOG ARGS... : starts ifgan-serve on a port the OS picks, waits
# for the line that says where it listens; sets SERVE_PID and URL.
start_serve() {
    local log=$1; shift
    ifgan-serve --listen 127.0.0.1:0 "$@" 2>"$log" &
    SERVE_PID=$!
    trap 'kill $SERVE_PID 2>/dev/null || true' EXIT  # a failed test leaves no server behind
    until grep -q "listening on http://" "$log"; do
        kill -0 $SERVE_PID 2>/dev/null || { cat "$log" >&2; fail "ifgan-serve exited before listening"; }
        sleep 0.1
    done
    URL=$(grep -o "http://[^ ]*/" "$log" | head -1)
}
# stop_serve: SIGTERM, then the exit status must be 0.
stop_serve() {
    kill -TERM $SERVE_PID
    wait $SERVE_PID || fail "ifgan-serve exited $? on SIGTERM"
}
# http_status EXPECTED OUT CURL-ARGS... : the answer's status must be EXPECTED; its body goes to OUT.
http_status() {
    local want=$1 out=$2; shift 2
    local got
    got=$(curl -s -o "$out" -w '%{http_code}' "$@")
    [[ $got == "$want" ]] || { cat "$out" >&2; fail "curl $* answered $got, expected $want"; }
}
