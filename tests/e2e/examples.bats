bats_require_minimum_version 1.5.0
load helpers

# Each pattern's runnable script in scripts/examples/ (DESIGN section 1). A
# script exits 0 when its pattern worked and says what went wrong otherwise.

run_example() {
    run -0 --separate-stderr timeout 60 "$IPC_SOURCE_ROOT/scripts/examples/$1"
    [ -z "$stderr" ] || echo "$stderr"
}

@test "publish-subscribe: wildcards choose what each subscriber gets" {
    run_example publish-subscribe.sh
}

@test "pipe and filter: grep and tr between ipc-sub and ipc-pub" {
    run_example pipe-and-filter.sh
}

@test "peer to peer: every peer hears every other, with no central process" {
    run_example peer-to-peer.sh
}

@test "message passing: boundaries and binary bytes survive end to end" {
    run_example message-passing.sh
}

@test "request-response: bc as a service, answering pipelined requests in order" {
    run_example request-response.sh
}

@test "client-server: two servers share one name and many clients; one stops, none is lost" {
    run_example client-server.sh
}

@test "producer-consumer: three producers, three workers, a failed job retried, every result exactly once" {
    run_example producer-consumer.sh
}

@test "shared memory: an object whole, a ring to two readers, a board two watchers follow" {
    run_example shared-memory.sh
}

@test "every pattern's script is run here and linked from the README and ipc(7)" {
    local script name
    for script in "$IPC_SOURCE_ROOT"/scripts/examples/[!n]*.sh; do
        name=${script##*/}
        [ "$name" != common.sh ] || continue
        grep -q "run_example $name\$" "$BATS_TEST_FILENAME" || { echo "$name: not run here"; return 1; }
        grep -q "](scripts/examples/$name)" "$IPC_SOURCE_ROOT/README.md" ||
            { echo "$name: not linked from the README"; return 1; }
        grep -qx ":  $name" "$IPC_SOURCE_ROOT/man/ipc.7.scd" || { echo "$name: not in ipc(7)"; return 1; }
    done
    # The eight patterns, each with its script.
    [ "$(grep -c '](scripts/examples/' "$IPC_SOURCE_ROOT/README.md")" -ge 8 ]
}
