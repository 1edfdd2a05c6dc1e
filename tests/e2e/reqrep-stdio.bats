bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-serve's stdio mode: the requests on its stdout, the replies read from
# its stdin, a coprocess or a file, and the end of stdin ends the server.

@test "stdio mode: a bash coproc answers each request in turn; the end of its stdin ends the server" {
    coproc ipc-serve --ready-file "$BATS_TEST_TMPDIR/srv.ready" hand 2>"$BATS_TEST_TMPDIR/srv.err" 3>&-
    server=$COPROC_PID from=${COPROC[0]} to=${COPROC[1]}
    pids+=("$server")
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$server" "$BATS_TEST_TMPDIR/srv.err"
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 30s hand one 'two too' three
    for want in one 'two too' three; do
        read -r -t 20 -u "$from" request
        [ "$request" = "$want" ]
        echo "re: $request" >&"$to"
    done
    wait_status "$(last_pid)"
    printf 're: %s\n' one 'two too' three | diff -u - "$BATS_TEST_TMPDIR/got"
    eval "exec $to>&-"
    wait_status "$server"
}

@test "stdio mode with stdin a file answers requests from it in turn, then exits at its end" {
    printf '%s\n' r1 r2 >"$BATS_TEST_TMPDIR/replies"
    spawn "$BATS_TEST_TMPDIR/srv" bash -c 'exec ipc-serve --ready-file "$1" hand <"$2"' - \
        "$BATS_TEST_TMPDIR/srv.ready" "$BATS_TEST_TMPDIR/replies"
    server=$(last_pid)
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$server" "$BATS_TEST_TMPDIR/srv.err"
    run -0 --separate-stderr req -t 30s hand a b
    [ "$output" = "$(printf '%s\n' r1 r2)" ]
    [ -z "$stderr" ]
    wait_gone "$server"
    wait_status "$server"
    [ "$(cat "$BATS_TEST_TMPDIR/srv")" = "$(printf '%s\n' a b)" ]
    [ ! -s "$BATS_TEST_TMPDIR/srv.err" ]
}
