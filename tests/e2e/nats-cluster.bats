bats_require_minimum_version 1.5.0
load helpers
load cluster

# The tools on a three-node nats-server cluster (cluster.bash): a node
# crashes under long-lived tools, which go on through the others, and what
# one node takes in, the others deliver.

suite_setup() {
    cluster_start
}

suite_teardown() {
    cluster_stop
}

# connections N: how many clients node N has.
connections() {
    cluster_get "$1" connz | sed -n 's/^ *"num_connections": \([0-9]*\),$/\1/p'
}

@test "an ipc-sub and an ipc-serve on a node that crashes go on through the others" {
    spawn "$BATS_TEST_TMPDIR/sub" ipc-sub --url "$cluster_urls" news
    serve "$BATS_TEST_TMPDIR/srv" --url "$cluster_urls" greet --pipe -- sed -u 's/^/hello, /'
    ipc-pub --url "${cluster_url[1]}" --wait-subs 1 --timeout 10s news before
    # Both took the first server of the list: node 0.
    [ "$(connections 0)" = 2 ]
    # --wait: the server's interest may reach the other nodes a little later.
    run -0 ipc-req --url "${cluster_url[2]}" --wait 10s greet you
    [ "$output" = "hello, you" ]

    cluster_kill 0
    within 10 at_least 2 "$BATS_TEST_TMPDIR/sub.err"
    within 10 at_least 2 "$BATS_TEST_TMPDIR/srv.err"
    ipc-pub --url "${cluster_url[1]}" --wait-subs 1 --timeout 10s news after
    run -0 ipc-req --url "${cluster_url[2]},${cluster_url[1]}" --wait 10s greet again
    [ "$output" = "hello, again" ]
    within 10 at_least 2 "$BATS_TEST_TMPDIR/sub"
    [ "$(cat "$BATS_TEST_TMPDIR/sub")" = "$(printf 'before\nafter')" ]

    # One line as the node went, one as another took over; nothing else.
    for err in sub.err srv.err; do
        run -0 cat "$BATS_TEST_TMPDIR/$err"
        [ "${#lines[@]}" = 2 ]
        [[ "${lines[0]}" == *"${cluster_url[0]}: disconnected from the NATS server; reconnecting" ]]
        [[ "${lines[1]}" =~ nats://127.0.0.1:[0-9]+:\ reconnected\ to\ the\ NATS\ server$ ]]
        [[ "${lines[1]}" != *"${cluster_url[0]}:"* ]]
    done
}

@test "a subscriber on one node gets exactly what a publisher on another sends" {
    spawn "$BATS_TEST_TMPDIR/sub" ipc-sub --url "${cluster_url[1]}" -n 20000 'data.>'
    seq 20000 | ipc-pub --url "${cluster_url[2]}" --wait-subs 1 --timeout 10s data.x
    wait_status "$(last_pid)"
    cmp <(seq 20000) "$BATS_TEST_TMPDIR/sub"
}

@test "a service on one node answers clients on the others" {
    serve "$BATS_TEST_TMPDIR/srv" --url "${cluster_url[0]}" twice --pipe -- sed -u 's/.*/&&/'
    run -0 --separate-stderr ipc-req --url "${cluster_url[1]}" --wait 10s twice a b
    [ "$output" = "$(printf 'aa\nbb')" ]
    seq 1000 | ipc-req --url "${cluster_url[2]}" --wait 10s twice >"$BATS_TEST_TMPDIR/got"
    cmp <(seq 1000 | sed 's/.*/&&/') "$BATS_TEST_TMPDIR/got"
}

@test "queue: 20,000 items pushed while the stream leader crashes are all done" {
    local fifo=$BATS_TEST_TMPDIR/items survivors
    mkfifo "$fifo"
    # Opened read-write first, so neither open waits for the other end; the
    # push does not inherit fd 4, so closing it here ends the push's input.
    exec 4<>"$fifo"
    spawn "$BATS_TEST_TMPDIR/push" ipc-queue push --url "$cluster_urls" jobs <"$fifo" 4>&-
    seq 1 10000 >&4
    # Mid-push: the first half is in the stream, the second not yet written.
    within 10 queue_ready_at_least 1
    run -0 ipc-queue stat --url "$cluster_urls" --json jobs
    local leader
    leader=$(sed -n 's/.*"leader":"\([^"]*\)".*/\1/p' <<<"$output")
    [ -n "$leader" ]
    cluster_kill "$(cluster_node "$leader")"
    seq 10001 20000 >&4
    exec 4>&-
    wait_status "$(last_pid)"

    survivors=
    for n in 0 1 2; do
        [ "$n" = "$(cluster_node "$leader")" ] || survivors+=${survivors:+,}${cluster_url[n]}
    done
    run -0 ipc-queue work --url "$survivors" jobs --drain -j 4 -- cat
    sort -un <<<"$output" >"$BATS_TEST_TMPDIR/done"
    cmp <(seq 20000) "$BATS_TEST_TMPDIR/done"
}

queue_ready_at_least() {
    local json
    json=$(ipc-queue stat --url "$cluster_urls" --json jobs 2>/dev/null) || return 1
    [ "$(sed -n 's/.*"ready":\([0-9]*\).*/\1/p' <<<"$json")" -ge "$1" ]
}
