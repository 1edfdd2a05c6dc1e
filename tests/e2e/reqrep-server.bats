bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-serve as a server (issues 3 and 10): its life cycle (-n, draining on
# SIGTERM), addresses (unix:PATH, TCP), access control, and hostile or
# greedy clients (garbage, oversized frames, id 0, descriptors exhausted).

# The other-uid test makes a world-traversable directory outside the private
# ones; it is removed whatever happens.
suite_teardown() {
    [ -z "${uid_dir-}" ] || rm -rf "$uid_dir"
}

@test "-n N serves N requests, then the server exits 0 and is gone" {
    serve "$BATS_TEST_TMPDIR/srv" -n 3 once -- cat
    server=$(last_pid)
    run -0 req once a b c
    [ "$output" = "$(printf '%s\n' a b c)" ]
    wait_status "$server"
    run -69 req once d
}

@test "SIGTERM drains the request in flight, then the server exits 0" {
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 7<>"$BATS_TEST_TMPDIR/started" 8<>"$BATS_TEST_TMPDIR/go"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" drain -- sh -c 'r=$(cat); echo started >"$1"; read -r go <"$2"; echo "$r $go"' _ "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    server=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 30s drain x
    client=$(last_pid)
    read -r -t 20 -u 7 line
    kill -TERM "$server"
    echo went >&8
    wait_status "$client"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = "x went" ]
    wait_status "$server"
    run -69 req drain again
}

@test "unix:PATH: a live server's socket is not taken over (exit 2), a dead one's is" {
    local_only "unix: sockets"
    serve "$BATS_TEST_TMPDIR/first" "unix:$BATS_TEST_TMPDIR/s.sock" -- cat
    first=$(last_pid)
    run -2 --separate-stderr timeout -s KILL 20 ipc-serve "unix:$BATS_TEST_TMPDIR/s.sock" -- cat
    [ "${#stderr_lines[@]}" = 1 ]
    run -0 req "unix:$BATS_TEST_TMPDIR/s.sock" still
    [ "$output" = still ]
    kill -KILL "$first"
    wait "$first" || true
    serve "$BATS_TEST_TMPDIR/second" "unix:$BATS_TEST_TMPDIR/s.sock" -- sed s/^/2:/
    run -0 req "unix:$BATS_TEST_TMPDIR/s.sock" again
    [ "$output" = 2:again ]
}

@test "TCP on 127.0.0.1: port 0 picks a free port, reported in the --ready-file" {
    local_only "tcp:// addresses"
    serve "$BATS_TEST_TMPDIR/srv" tcp://127.0.0.1:0 -- cat
    address=$(cat "$BATS_TEST_TMPDIR/srv.ready")
    [[ "$address" =~ ^tcp://127\.0\.0\.1:[1-9][0-9]*$ ]]
    run -0 req "$address" 'over tcp'
    [ "$output" = 'over tcp' ]
    seq 1000 | req "$address" | cmp - <(seq 1000)
}

@test "a client of another uid is refused unless --allow-uid or --allow-group lets it in" {
    local_only "SO_PEERCRED; on NATS the server's accounts decide"
    [ "$(id -u)" = 0 ] || skip "needs root to run a client as nobody"
    command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
    nobody=$(id -u nobody 2>/dev/null) || skip "no user nobody"
    nogroup=$(id -g nobody)
    setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups test -x "$(command -v ipc-req)" ||
        skip "nobody cannot run $(command -v ipc-req)"
    # A world-traversable place for the socket; the runtime dir is private.
    pub=$(mktemp -d /tmp/ipc-reqrep-uid.XXXXXX)
    uid_dir=$pub # Removed by teardown.
    chmod 1777 "$pub"
    as_nobody() {
        IPC_DIR=$pub/nobody setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups \
            timeout -s KILL 60 ipc-req "$@"
    }
    serve "$BATS_TEST_TMPDIR/mine" "unix:$pub/mine.sock" -- cat
    chmod 0777 "$pub/mine.sock" # Past the file mode: only SO_PEERCRED can refuse.
    run --separate-stderr as_nobody "unix:$pub/mine.sock" hello
    refused=$status refused_out=$output
    serve "$BATS_TEST_TMPDIR/open" "unix:$pub/open.sock" --allow-uid "$nobody" -- cat
    chmod 0777 "$pub/open.sock"
    run -0 as_nobody "unix:$pub/open.sock" hello
    allowed_out=$output
    serve "$BATS_TEST_TMPDIR/group" "unix:$pub/group.sock" --allow-group "$nogroup" -- cat
    chmod 0777 "$pub/group.sock"
    run -0 as_nobody "unix:$pub/group.sock" 'by group'
    [ "$output" = 'by group' ]
    # A supplementary group counts as well.
    serve "$BATS_TEST_TMPDIR/extra" "unix:$pub/extra.sock" --allow-group 4242 -- cat
    chmod 0777 "$pub/extra.sock"
    run -0 env IPC_DIR="$pub/nobody" setpriv --reuid="$nobody" --regid="$nogroup" --groups=4242 \
        timeout -s KILL 60 ipc-req "unix:$pub/extra.sock" 'by a supplementary group'
    [ "$output" = 'by a supplementary group' ]
    run -0 req "unix:$pub/mine.sock" 'same uid'
    [ "$refused" != 0 ] && [ "$refused" != 137 ] && [ -z "$refused_out" ]
    [ "$allowed_out" = hello ]
    [ "$output" = 'same uid' ]
    # The server says whom it refused, in one line.
    [ "$(wc -l <"$BATS_TEST_TMPDIR/mine.err")" = 1 ]
    grep -q "$nobody" "$BATS_TEST_TMPDIR/mine.err"
}

@test "--allow-uid and --allow-group before the address take one value each" {
    local_only "--allow-uid and --allow-group exit 2 on NATS (tested below)"
    serve "$BATS_TEST_TMPDIR/srv" --allow-uid 65534 --allow-group 65534 early -- cat
    run -0 req early hello
    [ "$output" = hello ]
}

@test "garbage and an oversized frame from raw clients: one line each, and others are served" {
    local_only "raw clients speak the local socket protocol"
    serve "$BATS_TEST_TMPDIR/srv" --max-size 1K raw -- cat
    socket=$(sed -n 's/^unix://p' "$BATS_TEST_TMPDIR/srv.ready")
    [[ "$socket" == "$IPC_DIR/svc/raw/"*.sock ]]
    [ -S "$socket" ]
    python3 - "$socket" "$BATS_TEST_TMPDIR/srv.err" <<'PY'
import socket, subprocess, sys

path, err = sys.argv[1], sys.argv[2]

def hostile(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(path)
    try:
        s.sendall(data)
        while s.recv(4096):  # Until the server closes this connection.
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()

idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
idle.connect(path)  # Connected, silent: must not hold anyone up.
hostile(b"\0\0\0\5hello" + bytes(range(256)))        # A frame of unknown type.
hostile(b"\x10\0\0\0" + b"x" * 65536)                 # 256 MiB announced, --max-size 1K.
got = subprocess.run(["timeout", "20", "ipc-req", "raw", "still here"], capture_output=True)
assert got.returncode == 0 and got.stdout == b"still here\n", got
lines = open(err).read().splitlines()
assert len(lines) == 2, lines
assert all(line.startswith("ipc-serve: client (pid ") for line in lines), lines
assert "longer than --max-size" in lines[1], lines
idle.close()
PY
}

@test "a server out of file descriptors refuses new clients at once, and serves once some close" {
    local_only "raw clients speak the local socket protocol"
    spawn "$BATS_TEST_TMPDIR/srv" bash -c 'ulimit -n 32 && exec ipc-serve --ready-file "$1" --pipe fds -- cat' \
        - "$BATS_TEST_TMPDIR/srv.ready"
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$(last_pid)" "$BATS_TEST_TMPDIR/srv.err"
    socket=$(sed -n 's/^unix://p' "$BATS_TEST_TMPDIR/srv.ready")
    python3 - "$socket" <<'PY'
import select, socket, subprocess, sys, time

path = sys.argv[1]
held = []
for _ in range(40):  # More than the 32 descriptors the server may have.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    held.append(s)
# The server closes those it has no descriptor for, at once.
poller = select.poll()
for s in held:
    poller.register(s, select.POLLIN)
assert poller.poll(20000), "no connection was refused"
got = subprocess.run(["timeout", "30", "ipc-req", "-t", "20s", "fds", "refused"], capture_output=True)
assert got.returncode == 69, got  # Not 124: it was not left waiting in the backlog.
for s in held:
    s.close()
got = subprocess.run(["timeout", "30", "ipc-req", "-t", "20s", "fds", "served"], capture_output=True)
assert got.returncode == 0 and got.stdout == b"served\n", got
PY
    run -0 grep -c 'out of file descriptors' "$BATS_TEST_TMPDIR/srv.err"
    [ "$output" = 1 ]
}

@test "a request longer than the server's --max-size is refused, and the server goes on" {
    serve "$BATS_TEST_TMPDIR/srv" --max-size 16 small -- cat
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then
        # No connection to cut on NATS: the request gets an error reply.
        run -1 --separate-stderr req small "$(printf 'x%.0s' {1..100})"
        one_error small
        [[ "$stderr" == *"longer than the server's --max-size"* ]]
    else
        # The server disconnects the client: a lost connection, no retries left.
        run -69 --separate-stderr req small "$(printf 'x%.0s' {1..100})"
        [ "${#stderr_lines[@]}" = 1 ]
    fi
    run -0 req small short
    [ "$output" = short ]
}

@test "a Request with id 0 is a protocol error: one line, that connection closed, the others served" {
    local_only "raw clients speak the local socket protocol"
    serve "$BATS_TEST_TMPDIR/srv" zero -- cat
    socket=$(sed -n 's/^unix://p' "$BATS_TEST_TMPDIR/srv.ready")
    python3 - "$socket" <<PY
$raw_client_py
import subprocess, sys
s = connect(sys.argv[1])
s.settimeout(20)
s.sendall(HELLO + frame(0, b"x"))
got = b""
try:
    while True:
        data = s.recv(4096)
        if not data:
            break
        got += data
except ConnectionResetError:
    pass
assert got == b"", got  # No reply: id 0 answers no request.
got = subprocess.run(["timeout", "30", "ipc-req", "zero", "still"], capture_output=True)
assert got.returncode == 0 and got.stdout == b"still\n", got
PY
    [ "$(wc -l <"$BATS_TEST_TMPDIR/srv.err")" = 1 ]
    grep -q '^ipc-serve: client (pid [0-9]*): .*id 0.*; connection closed$' "$BATS_TEST_TMPDIR/srv.err"
}

@test "a second SIGTERM abandons the requests in flight: the server exits 143" {
    local_only "the test sees the drain begin by the socket going away"
    mkfifo "$BATS_TEST_TMPDIR/started"
    exec 7<>"$BATS_TEST_TMPDIR/started"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" stuck -- sh -c 'cat >/dev/null; echo started >"$1"; exec sleep 60' _ "$BATS_TEST_TMPDIR/started"
    server=$(last_pid)
    socket=$(sed -n 's/^unix://p' "$BATS_TEST_TMPDIR/srv.ready")
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 60s stuck x
    read -r -t 20 -u 7 line
    kill -TERM "$server"
    # The drain has begun once the socket is gone; a second signal now is not merged with the first.
    for ((tries = 0; tries < 1000; tries++)); do
        [ -e "$socket" ] || break
        sleep 0.01
    done
    [ ! -e "$socket" ]
    kill -TERM "$server"
    wait_gone "$server"
    wait_status "$server" 143
}
