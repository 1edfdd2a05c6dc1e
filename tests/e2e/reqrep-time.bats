bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-req's time limits and batches (issue 13 §4): -t is a time per
# request from when its server could take it, not from when the batch was
# sent; --deadline bounds the whole run; a batch spreads over every server
# of a name. The handlers take their time with sleep: that is the work
# being timed, not a wait for something to happen.

# slow_server OUT NAME SECONDS [ARGS...]: one server of NAME that answers
# one request at a time, each after SECONDS, with the request as it came.
slow_server() {
    local out=$1 name=$2 seconds=$3
    shift 3
    serve "$out" -j 1 "$@" "$name" -- sh -c 'sleep "$1"; exec cat' _ "$seconds"
}

@test "-t bounds each request, not the batch: 10 requests of 0.3 s to one server within -t 2s" {
    slow_server "$BATS_TEST_TMPDIR/srv" slow 0.3
    run -0 --separate-stderr req -t 2s slow < <(seq 10)
    [ "$output" = "$(seq 10)" ]
    [ -z "$stderr" ]
}

@test "a request that takes longer than -t still exits 124, after the replies before it" {
    # Request 3 takes 3 s; the others at once.
    serve "$BATS_TEST_TMPDIR/srv" -j 1 slow -- sh -c 'r=$(cat); [ "$r" != 3 ] || sleep 3; echo "$r"'
    run -124 --separate-stderr req -t 1s slow < <(seq 6)
    [ "$output" = "$(seq 2)" ]
    [ "$stderr" = "ipc-req: slow: request 3: no reply within 1s" ]
}

@test "the man page's retry example at a smaller scale: 20 requests of 0.2 s within --retries 3 -t 1s" {
    slow_server "$BATS_TEST_TMPDIR/srv" work 0.2
    run -0 --separate-stderr req --retries 3 -t 1s work < <(seq 20)
    [ "$output" = "$(seq 20)" ]
    [ -z "$stderr" ]
}

@test "one batch is spread over every server of a name, and its replies stay in input order" {
    for word in A B; do
        serve "$BATS_TEST_TMPDIR/$word" -j 1 pair -- sh -c 'sleep 0.05; exec sed "s/^/$1:/"' _ "$word"
    done
    run -0 --separate-stderr req -t 10s pair < <(seq 20)
    [ -z "$stderr" ]
    sed 's/^[AB]://' <<<"$output" | diff -u <(seq 20) -
    grep -q '^A:' <<<"$output"
    grep -q '^B:' <<<"$output"
}

@test "--deadline ends a run that takes too long with 124, after the replies it got" {
    slow_server "$BATS_TEST_TMPDIR/srv" slow 0.3
    run -124 --separate-stderr req --deadline 1s slow < <(seq 10)
    [[ "$stderr" =~ ^"ipc-req: slow: --deadline 1s ran out with "[0-9]+" request"s?" unanswered"$ ]]
    # A prefix of the replies: those that came in time, in order.
    [ -n "$output" ]
    [ "$output" = "$(seq "$(wc -l <<<"$output")")" ]
    run -0 req --deadline 20s slow 1 2
    [ "$output" = $'1\n2' ]
}

@test "--deadline also bounds a wait for more input" {
    serve "$BATS_TEST_TMPDIR/srv" echo -- cat
    mkfifo "$BATS_TEST_TMPDIR/in"
    exec 5<>"$BATS_TEST_TMPDIR/in"
    echo first >&5
    run -124 --separate-stderr req --deadline 500ms echo <"$BATS_TEST_TMPDIR/in"
    [ "$output" = first ]
    [ "$stderr" = "ipc-req: echo: --deadline 500ms ran out" ]
}

@test "--deadline also ends --wait for a server that never comes" {
    run -124 --separate-stderr req --wait 30s --deadline 300ms nobody x
    # Locally before the request is sent (no server to send it to), on NATS after.
    [[ "$stderr" == "ipc-req: nobody: --deadline 300ms ran out"* ]]
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "a server killed mid-batch hands its requests to the other server of the batch (--retries)" {
    # On NATS a dead server shows only as a request overdue: -t says when.
    overdue=30s
    [ "${IPC_TEST_BACKEND:-local}" != nats ] || overdue=2s
    for word in A B; do
        serve "$BATS_TEST_TMPDIR/$word" -j 1 pair -- sh -c 'sleep 0.1; exec sed "s/^/$1:/"' _ "$word"
        eval "pid_$word=$(last_pid)"
    done
    # shellcheck disable=SC2046 # One request per number.
    spawn "$BATS_TEST_TMPDIR/got" ipc-req --retries 1 --line-buffered -t "$overdue" pair $(seq 40)
    client=$(last_pid)
    within 20 grep -q '^A:' "$BATS_TEST_TMPDIR/got"
    kill -KILL "$pid_A"
    wait_status "$client"
    sed 's/^[AB]://' "$BATS_TEST_TMPDIR/got" | diff -u <(seq 40) -
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/got")" = B:40 ]
}
