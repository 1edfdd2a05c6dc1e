bats_require_minimum_version 1.5.0
load helpers
load reqrep

# Watching a service (issue 13 §2): ipc-serve -v logs one line per request,
# a handler's standard error reaches ipc-serve's with the request's number,
# and ipc-sub --tap shows a local service's requests and replies without
# ever slowing it down.

# on_nats: true when the suite runs against NATS, where a server knows its
# clients only by their reply subjects.
on_nats() {
    [ "${IPC_TEST_BACKEND:-local}" = nats ]
}

# client_of PID: how ipc-serve -v names the client with that pid.
client_of() {
    if on_nats; then
        echo 'reply [^ ]*'
    else
        echo "pid $1 uid $(id -u)"
    fi
}

@test "-v logs one line per request, and two clients are told apart by their pids (exec and --pipe)" {
    for mode in exec pipe; do
        local args=(-- cat) srv=$BATS_TEST_TMPDIR/srv-$mode
        [ "$mode" = exec ] || args=(--pipe -- cat)
        serve "$srv" -v -n 2 "echo-$mode" "${args[@]}"
        server=$(last_pid)
        spawn "$BATS_TEST_TMPDIR/a-$mode" ipc-req -t 30s "echo-$mode" hello
        a=$(last_pid)
        wait_status "$a"
        spawn "$BATS_TEST_TMPDIR/b-$mode" ipc-req -t 30s "echo-$mode" hi
        b=$(last_pid)
        wait_status "$b"
        wait_status "$server"
        cat "$srv.err"
        [ "$(wc -l <"$srv.err")" = 2 ]
        grep -qE "^ipc-serve: echo-$mode #1 $(client_of "$a") in 5 B out 5 B ok [0-9.]+(ns|us|ms|s)\$" "$srv.err"
        grep -qE "^ipc-serve: echo-$mode #2 $(client_of "$b") in 2 B out 2 B ok [0-9.]+(ns|us|ms|s)\$" "$srv.err"
    done
}

@test "-v shows an error reply's bytes, its status and its error" {
    serve "$BATS_TEST_TMPDIR/srv" -v -n 1 b64 -- base64 -d
    server=$(last_pid)
    run -1 --separate-stderr req b64 x
    [ "$stderr" = "ipc-req: b64: request 1: exit 1: base64: invalid input" ]
    wait_status "$server"
    cat "$BATS_TEST_TMPDIR/srv.err"
    # The reply is its error text: "exit 1: base64: invalid input", 29 bytes.
    grep -qE "^ipc-serve: b64 #1 $(client_of '[0-9]+') in 1 B out 29 B error [0-9.]+(ns|us|ms|s): exit 1: base64: invalid input\$" \
        "$BATS_TEST_TMPDIR/srv.err"
}

@test "ipc-req(1)'s example of an error reply is what a failing handler gives" {
    serve "$BATS_TEST_TMPDIR/srv" b64 -- base64 -d
    run -1 --separate-stderr req b64 aGk= aGk= x
    [ "$output" = "$(printf '%s\n' hi hi)" ]
    [ "$stderr" = "ipc-req: b64: request 3: exit 1: base64: invalid input" ]
}

@test "a handler's standard error reaches ipc-serve's, each line after its request's number (bc's syntax error)" {
    serve "$BATS_TEST_TMPDIR/srv" -n 2 calc -- bc -l
    server=$(last_pid)
    run -0 req calc '2^10' '2^^'
    [ "$output" = "$(printf '1024\n\n')" ] # bc answers nothing to a syntax error, and exits 0.
    wait_status "$server"
    cat "$BATS_TEST_TMPDIR/srv.err"
    [ "$(cat "$BATS_TEST_TMPDIR/srv.err")" = "ipc-serve: calc #2: (standard_in) 1: syntax error" ]
}

@test "a co-process's standard error reaches ipc-serve's, after the number of the request it is on" {
    # shellcheck disable=SC2016 # The co-process's shell expands these.
    serve "$BATS_TEST_TMPDIR/srv" -n 2 warn --pipe -- sh -c 'while read -r l; do echo "warning: $l" >&2; echo "$l"; done'
    server=$(last_pid)
    # One request at a time: with both in the co-process at once, the line
    # of the second may be read before the reply to the first, and go with it.
    run -0 req warn one
    run -0 req warn two
    wait_status "$server"
    cat "$BATS_TEST_TMPDIR/srv.err"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/srv.err")" = 2 ]
    grep -qE '^ipc-serve: warn #1 co-process [0-9]+: warning: one$' "$BATS_TEST_TMPDIR/srv.err"
    grep -qE '^ipc-serve: warn #2 co-process [0-9]+: warning: two$' "$BATS_TEST_TMPDIR/srv.err"
}

@test "a handler's endless standard error neither blocks ipc-serve nor reaches it whole" {
    # 10 MB of stderr in one line, and a reply: the line is cut, the rest counted.
    serve "$BATS_TEST_TMPDIR/srv" -n 1 noisy -- sh -c 'head -c 10000000 /dev/zero | tr "\0" x >&2; echo done'
    server=$(last_pid)
    run -0 req -t 30s noisy go
    [ "$output" = done ]
    wait_status "$server"
    [ "$(wc -c <"$BATS_TEST_TMPDIR/srv.err")" -lt 100000 ]
    grep -qE '^ipc-serve: noisy #1: x+\.\.\.$' "$BATS_TEST_TMPDIR/srv.err"
    grep -qE '^ipc-serve: noisy #1: [0-9]+ more bytes of standard error not shown$' "$BATS_TEST_TMPDIR/srv.err"
}

@test "stdio mode -v: each request comes after a line naming its number and its client" {
    coproc ipc-serve -v --ready-file "$BATS_TEST_TMPDIR/srv.ready" hand 2>"$BATS_TEST_TMPDIR/srv.err" 3>&-
    server=$COPROC_PID from=${COPROC[0]} to=${COPROC[1]}
    pids+=("$server")
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$server" "$BATS_TEST_TMPDIR/srv.err"
    spawn "$BATS_TEST_TMPDIR/a" ipc-req -t 30s hand from-a
    a=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/b" ipc-req -t 30s hand from-b
    b=$(last_pid)
    declare -A pid_of=([from-a]=$a [from-b]=$b)
    for i in 1 2; do
        read -r -t 20 -u "$from" request
        tail -n 1 "$BATS_TEST_TMPDIR/srv.err"
        tail -n 1 "$BATS_TEST_TMPDIR/srv.err" |
            grep -qE "^ipc-serve: hand #$i $(client_of "${pid_of[$request]}") in 6 B: reply on stdin\$"
        echo "re: $request" >&"$to"
    done
    wait_status "$a"
    wait_status "$b"
    [ "$(cat "$BATS_TEST_TMPDIR/a")" = "re: from-a" ]
    eval "exec $to>&-"
    wait_status "$server"
    grep -qE "^ipc-serve: hand #[12] $(client_of "$a") in 6 B out 10 B ok " "$BATS_TEST_TMPDIR/srv.err"
}

# tap_ready NAME: waits (10 s at most) until a tap on service NAME has registered.
tap_ready() {
    ipc-pub --wait-subs 1 --timeout 10s "_IPC.tap.$1" </dev/null
}

@test "ipc-sub --tap shows a service's requests and replies, numbered, with their client" {
    local_only "taps are local"
    spawn "$BATS_TEST_TMPDIR/tap" ipc-sub --tap calc -n 4 --line-buffered
    tap=$(last_pid)
    tap_ready calc
    serve "$BATS_TEST_TMPDIR/srv" calc -- bc -l
    spawn "$BATS_TEST_TMPDIR/client" ipc-req -t 30s calc '2^10' '2^^'
    client=$(last_pid)
    wait_status "$client"
    wait_status "$tap"
    cat "$BATS_TEST_TMPDIR/tap"
    grep -qx "#1 pid $client uid $(id -u) > 2^10" "$BATS_TEST_TMPDIR/tap"
    grep -qx "#1 < 1024" "$BATS_TEST_TMPDIR/tap"
    grep -qx "#2 pid $client uid $(id -u) > 2^^" "$BATS_TEST_TMPDIR/tap"
    grep -qx "#2 < " "$BATS_TEST_TMPDIR/tap"
    # Each request before its reply.
    [ "$(grep -n '^#1 pid' "$BATS_TEST_TMPDIR/tap" | cut -d: -f1)" -lt "$(grep -n '^#1 <' "$BATS_TEST_TMPDIR/tap" | cut -d: -f1)" ]
}

@test "ipc-sub --tap --json gives each event's number, client and status as headers" {
    local_only "taps are local"
    spawn "$BATS_TEST_TMPDIR/tap" ipc-sub --tap b64 -n 2 --json
    tap=$(last_pid)
    tap_ready b64
    serve "$BATS_TEST_TMPDIR/srv" b64 -- base64 -d
    run -1 req b64 x
    wait_status "$tap"
    cat "$BATS_TEST_TMPDIR/tap"
    grep -q '"topic":"_IPC.tap.b64".*"Ipc-Tap":\["request"\].*"Ipc-Request":\["1"\]' "$BATS_TEST_TMPDIR/tap"
    grep -q '"data":"exit 1: base64: invalid input".*"Ipc-Tap":\["reply"\].*"Ipc-Status":\["error"\]' "$BATS_TEST_TMPDIR/tap"
}

@test "a tap that never reads does not slow the service: every request is answered, and the tap counts what it missed" {
    local_only "taps are local"
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    exec 7<>"$BATS_TEST_TMPDIR/fifo" # Opened, never read: the tap's stdout fills and blocks it.
    ipc-sub --tap fast >"$BATS_TEST_TMPDIR/fifo" 2>"$BATS_TEST_TMPDIR/tap.err" 3>&- &
    pids+=("$!")
    tap_ready fast
    serve "$BATS_TEST_TMPDIR/srv" fast --pipe -- cat
    # 4000 requests of 1 KB: 8 MB of events, far more than the tap's pipe and socket hold.
    payload=$(head -c 1000 /dev/zero | tr '\0' y)
    for i in $(seq 4000); do echo "$i $payload"; done >"$BATS_TEST_TMPDIR/requests"
    req -t 30s fast <"$BATS_TEST_TMPDIR/requests" | cmp - "$BATS_TEST_TMPDIR/requests"
    # Now the tap gets to read again; the next events show it what it missed.
    cat <&7 >/dev/null 3>&- &
    pids+=("$!")
    within 10 tap_reported "$BATS_TEST_TMPDIR/tap.err"
    cat "$BATS_TEST_TMPDIR/tap.err"
    grep -qE '^ipc-sub: fast: missed [0-9]+ events of the service \(this tap was too slow\)$' "$BATS_TEST_TMPDIR/tap.err"
}

# tap_reported ERR: a request to service fast was answered and ERR says what the tap missed.
tap_reported() {
    ipc-req -t 10s fast ping >/dev/null && grep -q missed "$1"
}

@test "ipc-sub --tap on NATS says that taps are local only" {
    nats_only "the local backend has taps"
    run -2 --separate-stderr ipc-sub --tap calc
    [[ "$stderr" == "ipc-sub: --tap: taps on services are local only"* ]]
}

@test "a catch-all subscriber neither sees a service's traffic nor turns its tap on" {
    local_only "taps are local"
    spawn "$BATS_TEST_TMPDIR/all" ipc-sub --line-buffered '>'
    ipc-pub --wait-subs 1 --timeout 10s any.topic </dev/null
    serve "$BATS_TEST_TMPDIR/srv" calc -- bc -l
    run -0 req calc '2^10'
    run -0 ipc-pub --wait-subs 1 --timeout 10s after.it marker
    within 10 grep -q marker "$BATS_TEST_TMPDIR/all"
    [ "$(cat "$BATS_TEST_TMPDIR/all")" = marker ]
}
