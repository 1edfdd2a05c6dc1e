bats_require_minimum_version 1.5.0
load helpers
load cluster

# The NATS variants of the patterns that cross machines
# (scripts/examples/nats-*.sh), run on a three-node cluster: IPC_URL names
# its nodes, one per "machine". A script exits 0 when its pattern worked and
# says what went wrong otherwise.

suite_setup() {
    cluster_start
    export IPC_URL=$cluster_urls
}

suite_teardown() {
    cluster_stop
}

run_nats_example() {
    run -0 --separate-stderr timeout 60 "$IPC_SOURCE_ROOT/scripts/examples/$1"
    [ -z "$stderr" ] || echo "$stderr"
}

@test "nats publish-subscribe: subscribers on two machines, a publisher on a third" {
    run_nats_example nats-publish-subscribe.sh
}

@test "nats client-server: a server dies holding requests; the client sends them again and gets every reply" {
    run_nats_example nats-client-server.sh
    [[ "$output" == "every reply, though the server on machine 1 died holding "[1-9]*" request(s): ok" ]]
}

@test "nats producer-consumer: a producer on one machine, workers on two others, each job done once" {
    run_nats_example nats-producer-consumer.sh
}

@test "nats peer to peer: one server per machine in a full mesh; any machine may go" {
    run_nats_example nats-peer-to-peer.sh
    # No machine is central: with node 0 gone, the peers on the others talk.
    cluster_kill 0
    IPC_URL="${cluster_url[1]},${cluster_url[2]}" run_nats_example nats-peer-to-peer.sh
}

@test "nats examples: without IPC_URL, one line saying what to set" {
    unset IPC_URL
    run -2 --separate-stderr "$IPC_SOURCE_ROOT/scripts/examples/nats-peer-to-peer.sh"
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "nats-peer-to-peer.sh: set IPC_URL to your NATS servers"* ]]
}
