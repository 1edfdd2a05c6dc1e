# A three-node nats-server cluster for the suites that cross servers
# (nats-cluster.bats, nats-examples.bats). Sourced after helpers.bash.
#
# cluster_start starts nodes 0, 1 and 2 on 127.0.0.1: JetStream on, a store
# of each node's own below $BATS_TEST_TMPDIR/cluster/nN, client and
# monitoring ports picked by the server (ports files), and route ports picked
# here: every node lists all three routes (a full mesh, the same list on
# each node, as on real hosts), so a route port must be known before any node
# starts. A port taken in between makes a node fail to start; then all three
# are stopped and started again on other ports. It returns once every node
# has a route to each other node and JetStream has a meta leader (≤ 10 s).
#
# It sets cluster_url[N] (nats://127.0.0.1:PORT), cluster_pid[N],
# cluster_monitor[N] (http://127.0.0.1:PORT) and cluster_urls (all three,
# node 0 first). cluster_stop (teardown) stops what is left by PID;
# cluster_kill N SIGKILLs node N, as a crash would.

cluster_url=()
cluster_pid=()
cluster_monitor=()
cluster_urls=

cluster_start() {
    local attempt
    for attempt in 1 2 3 4 5; do
        if cluster_try "$attempt"; then
            cluster_urls=$(IFS=,; echo "${cluster_url[*]}")
            within 10 cluster_ready || {
                cluster_logs
                return 1
            }
            return 0
        fi
        cluster_stop
    done
    echo "cluster: no three free route ports in 5 attempts" >&2
    cluster_logs
    return 1
}

# cluster_try ATTEMPT: starts the three nodes on three route ports that
# nothing listens on now, below the kernel's range for outgoing connections
# (32768 and up), so only another listener can take one before the node
# binds it. Fails if a node ends before writing its ports file.
cluster_try() {
    local dir=$BATS_TEST_TMPDIR/cluster/try$1 ports=() routes port n
    local listening=" " _ local_address state
    while read -r _ local_address _ state _; do
        [ "$state" = 0A ] && listening+="$((16#${local_address##*:})) "
    done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    while [ ${#ports[@]} -lt 3 ]; do
        port=$((10000 + RANDOM % 22000))
        [[ "$listening ${ports[*]} " == *" $port "* ]] || ports+=("$port")
    done
    routes=$(printf 'nats://127.0.0.1:%s,' "${ports[@]}")
    routes=${routes%,}
    cluster_pid=()
    for n in 0 1 2; do
        mkdir -p "$dir/n$n"
        nats-server -js -a 127.0.0.1 -p -1 -m -1 --server_name "n$n" \
            --cluster_name "$test_id" --cluster "nats://127.0.0.1:${ports[n]}" \
            --routes "$routes" -sd "$dir/n$n/store" --ports_file_dir "$dir/n$n" \
            >"$dir/n$n/log" 2>&1 3>&- &
        cluster_pid[n]=$!
    done
    cluster_dir=$dir
    for n in 0 1 2; do
        within 5 cluster_ports_written "$n" || return 1
        alive "${cluster_pid[n]}" || return 1
        cluster_url[n]=$(sed -n 's/.*"nats":\["\([^"]*\)".*/\1/p' "$dir/n$n"/*.ports)
        cluster_monitor[n]=$(sed -n 's/.*"monitoring":\["\([^"]*\)".*/\1/p' "$dir/n$n"/*.ports)
    done
}

cluster_ports_written() {
    local file
    for file in "$cluster_dir/n$1"/*.ports; do
        [ -s "$file" ] && return 0
    done
    alive "${cluster_pid[$1]}" || return 0 # Ended: the caller sees it.
    return 1
}

# cluster_ready: each node has a route to both others, and JetStream has
# elected its meta leader.
cluster_ready() {
    local n
    for n in 0 1 2; do
        alive "${cluster_pid[n]}" || return 1
        cluster_get "$n" routez | grep -q '"num_routes": 2,' || return 1
        cluster_get "$n" jsz | grep -q '"leader": "n[0-2]"' || return 1
    done
}

# cluster_get N PATH: node N's monitoring page PATH (JSON), or nothing
# within 2 s. HTTP/1.0 by bash's /dev/tcp: the server closes when done.
cluster_get() {
    local port=${cluster_monitor[$1]##*:}
    # shellcheck disable=SC2016 # Expanded by that bash.
    timeout 2 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$0" &&
        printf "GET /%s HTTP/1.0\r\n\r\n" "$1" >&5 && cat <&5' "$port" "$2" 2>/dev/null || true
}

# cluster_node NAME: the number of the node whose server name is NAME.
cluster_node() {
    echo "${1#n}"
}

# cluster_kill N: SIGKILLs node N and reaps it.
cluster_kill() {
    kill -KILL "${cluster_pid[$1]}"
    wait "${cluster_pid[$1]}" 2>/dev/null || true
}

# cluster_stop: stops the nodes still running, SIGTERM then (after 10 s)
# SIGKILL, each by its PID.
cluster_stop() {
    local pid
    for pid in "${cluster_pid[@]}"; do
        ours "$pid" || continue
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${cluster_pid[@]}"; do
        ours "$pid" || continue
        wait_gone "$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    cluster_pid=()
}

cluster_logs() {
    local log
    for log in "$cluster_dir"/n*/log; do
        echo "--- $log" >&2
        tail -n 20 "$log" >&2
    done
}
