bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-serve --pipe, one long-lived co-process answering a line per request
# (issues 3 and 10): order, restarts, framing, and a co-process that goes
# silent, whose late replies must reach nobody.

@test "10,000 pipelined requests through --pipe -- sed -u come back complete and in order" {
    serve "$BATS_TEST_TMPDIR/srv" --pipe sed -- sed -u 's/^/x/'
    seq 10000 | req sed >"$BATS_TEST_TMPDIR/got"
    seq 10000 | sed 's/^/x/' | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "co-process mode restarts a co-process that died; the request it held gets an error" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --pipe -j 1 co -- sh -c 'while read -r l; do [ "$l" != die ] || exit 3; echo "$$ $l"; done'
    run -0 req co a
    read -r first a <<<"$output"
    [ "$a" = a ]
    run -1 --separate-stderr req co die
    one_error co
    [[ "$stderr" == "ipc-req: co: request 1: the co-process ended (exit 3) without replying"* ]]
    [ -z "$output" ]
    run -0 req co b
    read -r second b <<<"$output"
    [ "$b" = b ]
    [ "$first" != "$second" ]
}

@test "co-process mode with --len carries any bytes; with lines, a request holding a newline is an error" {
    serve "$BATS_TEST_TMPDIR/len" --pipe --len binco -- cat
    {
        printf '\0\0\0\5a\nb\0c'
        printf '\0\0\0\0'
        printf '\0\0\0\2\n\n'
    } >"$BATS_TEST_TMPDIR/in"
    req --len binco <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/got"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
    serve "$BATS_TEST_TMPDIR/lines" --pipe lineco -- cat
    run -1 --separate-stderr req -0 lineco $'two\nlines'
    one_error lineco
    [[ "$stderr" == "ipc-req: lineco: request 1: "* ]]
    run -0 req lineco 'one line'
    [ "$output" = 'one line' ]
}

@test "--pipe: a co-process that prints nothing for one request times out; no reply shifts onto another client" {
    mkfifo "$BATS_TEST_TMPDIR/read"
    exec 7<>"$BATS_TEST_TMPDIR/read"
    # Tells the FIFO each request it read; like sed -u '/^skip/d', prints nothing for skip-me.
    cat >"$BATS_TEST_TMPDIR/lookup" <<'SH'
while read -r l; do
    echo "$l" >"$1"
    case $l in skip*) ;; *) echo "answer for $l" ;; esac
done
SH
    serve "$BATS_TEST_TMPDIR/srv" --pipe --handler-timeout 2s lookup -- sh "$BATS_TEST_TMPDIR/lookup" "$BATS_TEST_TMPDIR/read"
    spawn "$BATS_TEST_TMPDIR/a" ipc-req -t 60s lookup skip-me
    a=$(last_pid)
    read -r -t 20 -u 7 line
    [ "$line" = skip-me ] # The co-process holds A's request, and will never answer it.
    run -0 --separate-stderr req -t 60s lookup 'private data of client B'
    [ "$output" = 'answer for private data of client B' ]
    wait_status "$a" 1
    [ ! -s "$BATS_TEST_TMPDIR/a" ]
    [[ "$(cat "$BATS_TEST_TMPDIR/a.err")" == "ipc-req: lookup: request 1: timed out after 2s"* ]]
    run -0 req -t 60s lookup again # Not wedged.
    [ "$output" = 'answer for again' ]
}

@test "--pipe --handler-timeout: a co-process that does not answer in time is replaced, so its late reply reaches nobody" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --pipe --handler-timeout 1s late -- sh -c 'echo $$ >>"$1"; while read -r l; do [ "$l" != slow ] || sleep 30; echo "re $l"; done' _ "$BATS_TEST_TMPDIR/pids"
    # The request after the stuck one goes to the new co-process.
    run -1 --separate-stderr req -t 30s late slow after
    one_error late
    [[ "$stderr" == "ipc-req: late: request 1: timed out after 1s"* ]]
    [ "$output" = 're after' ]
    read -r first <"$BATS_TEST_TMPDIR/pids"
    wait_gone "$first" # Killed with its group (the sleep), its pipe closed.
    run -0 req -t 30s late fast
    [ "$output" = 're fast' ]
    [ "$(wc -l <"$BATS_TEST_TMPDIR/pids")" = 2 ]
}

@test "SIGTERM ends a server whose co-process went silent, once the default --pipe time-out of 5s has passed" {
    mkfifo "$BATS_TEST_TMPDIR/read"
    exec 7<>"$BATS_TEST_TMPDIR/read"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --pipe silent -- sh -c 'while read -r l; do echo "$l" >"$1"; done' _ "$BATS_TEST_TMPDIR/read"
    server=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 60s silent anything
    client=$(last_pid)
    read -r -t 20 -u 7 line # The co-process has the request; it prints nothing.
    kill -TERM "$server"
    wait_gone "$server"
    wait_status "$server"
    wait_status "$client" 1
    [[ "$(cat "$BATS_TEST_TMPDIR/got.err")" == "ipc-req: silent: request 1: timed out after 5s"* ]]
}
