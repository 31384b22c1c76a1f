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
# start_serve LOG ARGS... : starts ifgan-serve on a port the OS picks and
# reads its messages through a FIFO until the line that says where it
# listens (a blocking read: it returns when the line comes, or at EOF when
# the server exits first); the rest go on into LOG. Sets SERVE_PID,
# SERVE_LOG_PID (what copies them) and URL.
start_serve() {
    local log=$1 fd line=""; shift
    rm -f "$log.fifo" && mkfifo "$log.fifo"
    ifgan-serve --listen 127.0.0.1:0 "$@" 2>"$log.fifo" &
    SERVE_PID=$!
    trap 'kill $SERVE_PID 2>/dev/null || true' EXIT  # a failed test leaves no server behind
    exec {fd}<"$log.fifo"
    : > "$log"
    while IFS= read -r line <&$fd; do
        printf '%s\n' "$line" >> "$log"
        [[ $line == *"listening on http://"* ]] && break
    done
    [[ $line == *"listening on http://"* ]] || { cat "$log" >&2; fail "ifgan-serve exited before listening"; }
    cat <&$fd >> "$log" &
    SERVE_LOG_PID=$!
    exec {fd}<&-
    URL=$(grep -o "http://[^ ]*/" "$log" | sed -n 1p)
}
# stop_serve: SIGTERM, then the exit status must be 0.
stop_serve() {
    kill -TERM $SERVE_PID
    wait $SERVE_PID || fail "ifgan-serve exited $? on SIGTERM"
    wait $SERVE_LOG_PID  # its last messages are in the log
}
# http_status EXPECTED OUT CURL-ARGS... : the answer's status must be EXPECTED; its body goes to OUT.
http_status() {
    local want=$1 out=$2; shift 2
    local got
    got=$(curl -s -o "$out" -w '%{http_code}' "$@")
    [[ $got == "$want" ]] || { cat "$out" >&2; fail "curl $* answered $got, expected $want"; }
}
