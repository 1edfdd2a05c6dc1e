bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-serve's exec mode, one handler process per request (issues 3 and 10):
# what a handler sees and gets, -j, failures, time-outs and --max-size,
# running out of descriptors, and handlers that die with their server.

@test "ipc-serve calc -- bc -l answers echo '2^10' | ipc-req calc" {
    serve "$BATS_TEST_TMPDIR/srv" calc -- bc -l
    echo '2^10' | req calc >"$BATS_TEST_TMPDIR/got"
    echo 1024 | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "exec mode: request bytes never reach a command line, and the handler sees IPC_NAME, IPC_REQUEST_ID, IPC_PEER_UID" {
    cd "$BATS_TEST_TMPDIR"
    serve "$BATS_TEST_TMPDIR/echo" echo -- cat
    run -0 req echo '$(touch pwned); `touch pwned2`; touch "pwned 3"' '*'
    [ "$output" = "$(printf '%s\n' '$(touch pwned); `touch pwned2`; touch "pwned 3"' '*')" ]
    [ ! -e pwned ] && [ ! -e pwned2 ] && [ ! -e 'pwned 3' ]
    # shellcheck disable=SC2016 # The handler's shell expands these.
    serve "$BATS_TEST_TMPDIR/env" who.am.i -- sh -c 'printf "%s|%s|%s|%s" "$IPC_NAME" "$IPC_PEER_UID" "$IPC_REQUEST_ID" "$(cat)"'
    run -0 req who.am.i hello again
    [ "${#lines[@]}" = 2 ]
    IFS='|' read -r name uid id body <<<"${lines[0]}"
    [ "$name" = who.am.i ]
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then
        [ -z "$uid" ] # NATS tells a server nothing of its client's uid.
    else
        [ "$uid" = "$(id -u)" ]
    fi
    [ -n "$id" ]
    [ "$body" = hello ]
    IFS='|' read -r _ _ id2 body2 <<<"${lines[1]}"
    [ "$body2" = again ]
    [ -n "$id2" ] && [ "$id2" != "$id" ]
}

@test "exec mode runs -j handlers at once, and no more" {
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 7<>"$BATS_TEST_TMPDIR/started" 8<>"$BATS_TEST_TMPDIR/go" # Read-write: nobody blocks in open().
    cat >"$BATS_TEST_TMPDIR/handler" <<'EOF'
body=$(cat)
echo "started $body" >"$1"
dd if="$2" bs=1 count=1 status=none >/dev/null
echo "$body went"
EOF
    serve "$BATS_TEST_TMPDIR/srv" -j 3 conc -- sh "$BATS_TEST_TMPDIR/handler" "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 60s conc 1 2 3 4 5 6
    # Three handlers report that they started while none can finish: they
    # really run at the same time.
    for i in 1 2 3; do
        read -r -t 20 -u 7 line || { echo "only $((i - 1)) handlers started" >&2; return 1; }
    done
    if read -r -t 0.2 -u 7 line; then
        echo "a 4th handler started with -j 3: $line" >&2
        return 1
    fi
    printf 'gggggg' >&8
    for i in 4 5 6; do read -r -t 20 -u 7 line; done
    wait_status "$(last_pid)"
    printf '%s went\n' 1 2 3 4 5 6 | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "a failing handler gives exit 1 and one error line naming the request, with its stderr" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" picky -- sh -c 'r=$(cat); [ "$r" != bad ] || { echo "cannot digest $r" >&2; exit 1; }; echo "ok $r"'
    run -1 --separate-stderr req picky one bad two
    one_error picky
    [[ "$stderr" == "ipc-req: picky: request 2: exit 1: "*"cannot digest bad"* ]]
    [ "$output" = "$(printf '%s\n' 'ok one' 'ok two')" ] # Nothing for the error.
    # The server is still fine.
    run -0 req picky three
    [ "$output" = "ok three" ]
}

@test "a handler's huge stderr neither blocks it nor floods the client: one line, truncated" {
    serve "$BATS_TEST_TMPDIR/srv" noisy -- sh -c 'seq 200000 >&2; exit 3'
    run -1 --separate-stderr req noisy x
    one_error noisy
    [ "${#stderr}" -lt 4096 ] # The handler's last 1 KiB, and the line's start.
}

@test "--handler-timeout kills a stuck handler and its process group, with an error reply" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --handler-timeout 1s stuck -- sh -c 'cat >/dev/null; sleep 60 & echo "$$ $!" >"$1"; wait' _ "$BATS_TEST_TMPDIR/pids"
    run -1 --separate-stderr req stuck x
    one_error stuck
    [[ "$stderr" == "ipc-req: stuck: request 1: timed out after 1s"* ]]
    read -r handler grandchild <"$BATS_TEST_TMPDIR/pids"
    wait_gone "$handler" "$grandchild"
}

@test "a handler killed by a signal gives an error reply, and the server goes on" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" doomed -- sh -c 'r=$(cat); [ "$r" != die ] || kill -KILL $$; echo "$r"'
    run -1 --separate-stderr req doomed die
    one_error doomed
    [[ "$stderr" == "ipc-req: doomed: request 1: killed by SIGKILL"* ]]
    run -0 req doomed alive
    [ "$output" = alive ]
}

@test "exec mode out of descriptors: requests wait for running handlers to free some, and all are answered" {
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 7<>"$BATS_TEST_TMPDIR/started" 8<>"$BATS_TEST_TMPDIR/go"
    cat >"$BATS_TEST_TMPDIR/handler" <<'SH'
cat
echo started >"$1"
dd if="$2" bs=1 count=1 status=none >/dev/null
SH
    # 40 handlers at once need more than the 40 descriptors the server may have.
    spawn "$BATS_TEST_TMPDIR/srv" bash -c 'ulimit -n 40 && exec ipc-serve --ready-file "$1" -j 40 fds -- sh "$2" "$3" "$4"' - \
        "$BATS_TEST_TMPDIR/srv.ready" "$BATS_TEST_TMPDIR/handler" "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    server=$(last_pid)
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$server" "$BATS_TEST_TMPDIR/srv.err"
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 60s fds $(seq 40)
    client=$(last_pid)
    read -r -t 20 -u 7 line # Handlers run and hold their descriptors.
    printf '%040d' 0 >&8 # One byte for each handler.
    wait_status "$client"
    seq 40 | diff -u - "$BATS_TEST_TMPDIR/got"
    alive "$server"
}

@test "exec mode out of descriptors with no handler running: that request gets an error reply, and the server goes on" {
    local_only "raw clients speak the local socket protocol"
    spawn "$BATS_TEST_TMPDIR/srv" bash -c 'ulimit -n 32 && exec ipc-serve --ready-file "$1" fds -- cat' - "$BATS_TEST_TMPDIR/srv.ready"
    server=$(last_pid)
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$server" "$BATS_TEST_TMPDIR/srv.err"
    socket=$(sed -n 's/^unix://p' "$BATS_TEST_TMPDIR/srv.ready")
    python3 - "$socket" <<PY
$raw_client_py
import select, subprocess, sys, time
path = sys.argv[1]

def refused(s, timeout):
    if not select.select([s], [], [], timeout)[0]:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True

# More connections than the server has descriptors for: it takes what it
# can and closes the rest at once, in order; once the last one is closed,
# every descriptor it has is in use.
held = [connect(path) for _ in range(60)]
assert refused(held[-1], 20), "the last connection was not refused"
held = [s for s in held if not refused(s, 0)]
assert held, "no connection was accepted"
held.pop().close()  # One descriptor free again: for one client, none for a handler.
for attempt in range(200):
    s = connect(path)
    try:
        s.sendall(HELLO + frame(1, b"x"))
        s.settimeout(20)
        got = s.recv(65536)
    except (ConnectionResetError, BrokenPipeError):
        got = b""
    if got:
        break
    s.close()  # Refused: the server had not seen the close yet.
    time.sleep(0.05)
else:
    raise AssertionError("no connection accepted after one closed")
length, kind, request_id, status = struct.unpack(">IBQB", got[:14])
assert (kind, request_id, status) == (5, 1, 1), got
assert b"Too many open files" in got[14:], got
for other in held:
    other.close()
s.close()
got = subprocess.run(["timeout", "30", "ipc-req", "-t", "20s", "fds", "served"], capture_output=True)
assert got.returncode == 0 and got.stdout == b"served\n", got
PY
    alive "$server"
}

@test "exec mode stops a handler as soon as its reply passes --max-size" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --max-size 1M big -- sh -c 'cat >/dev/null; echo $$ >"$1"; head -c 2000000 /dev/zero; exec sleep 60' _ "$BATS_TEST_TMPDIR/pid"
    run -1 --separate-stderr req -t 20s big x
    one_error big
    [[ "$stderr" == "ipc-req: big: request 1: the handler's reply is longer than --max-size (1048576 bytes)"* ]]
    [ -z "$output" ]
    read -r handler <"$BATS_TEST_TMPDIR/pid"
    wait_gone "$handler"
}

@test "SIGKILL of ipc-serve (exec and --pipe) or of ipc-queue work kills the handlers it ran" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/exec" doomed -- sh -c 'cat >/dev/null; echo $$ >"$1"; exec sleep 600' _ "$BATS_TEST_TMPDIR/exec.pid"
    exec_server=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/got" ipc-req -t 60s doomed x
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/pipe" --pipe doomed.co -- sh -c 'echo $$ >"$1"; exec cat' _ "$BATS_TEST_TMPDIR/pipe.pid"
    pipe_server=$(last_pid)
    ipc-queue push jobs item
    # shellcheck disable=SC2016
    spawn "$BATS_TEST_TMPDIR/work" ipc-queue work jobs -- sh -c 'cat >/dev/null; echo $$ >"$1"; exec sleep 600' _ "$BATS_TEST_TMPDIR/work.pid"
    worker=$(last_pid)
    wait_file "$BATS_TEST_TMPDIR/exec.pid"
    wait_file "$BATS_TEST_TMPDIR/pipe.pid"
    wait_file "$BATS_TEST_TMPDIR/work.pid"
    kill -KILL "$exec_server" "$pipe_server" "$worker"
    wait_gone "$(cat "$BATS_TEST_TMPDIR/exec.pid")" "$(cat "$BATS_TEST_TMPDIR/pipe.pid")" "$(cat "$BATS_TEST_TMPDIR/work.pid")"
}

@test "handlers of ipc-serve (exec and --pipe) and of ipc-queue work get only descriptors 0, 1 and 2" {
    cat >"$BATS_TEST_TMPDIR/fds.py" <<'PY'
import os, sys

def open_fds():
    found = []
    for fd in range(4096):
        try:
            os.fstat(fd)
            found.append(str(fd))
        except OSError:
            pass
    return " ".join(found)

if sys.argv[1:] == ["--each-line"]:  # A co-process: one reply per request.
    while sys.stdin.readline():
        print(open_fds(), flush=True)
else:
    print(open_fds())
PY
    exec 9>"$BATS_TEST_TMPDIR/not-for-handlers" # Inherited by the tools, without close-on-exec.
    serve "$BATS_TEST_TMPDIR/exec" fds -- python3 "$BATS_TEST_TMPDIR/fds.py"
    serve "$BATS_TEST_TMPDIR/pipe" --pipe fds.co -- python3 "$BATS_TEST_TMPDIR/fds.py" --each-line
    run -0 req fds x
    [ "$output" = "0 1 2" ]
    run -0 req fds.co x
    [ "$output" = "0 1 2" ]
    ipc-queue push jobs item
    run -0 ipc-queue work jobs -n 1 -- python3 "$BATS_TEST_TMPDIR/fds.py"
    [ "$output" = "0 1 2" ]
}

@test "exec mode: a handler that can no longer be run fails each request at once, and the server goes on" {
    cp "$(command -v cat)" "$BATS_TEST_TMPDIR/handler"
    serve "$BATS_TEST_TMPDIR/srv" -j 1 vanished -- "$BATS_TEST_TMPDIR/handler"
    rm "$BATS_TEST_TMPDIR/handler"
    run -1 --separate-stderr req -t 20s vanished x y
    [ "${#stderr_lines[@]}" = 2 ]
    [[ "${stderr_lines[1]}" == "ipc-req: vanished: request 2: "*"handler: command not found or not executable" ]]
    cp "$(command -v cat)" "$BATS_TEST_TMPDIR/handler"
    run -0 req vanished back
    [ "$output" = back ]
}

@test "a handler, run per request or as a co-process, gets only stdin, stdout and stderr of our descriptors" {
    # shellcheck disable=SC2016 # The handler's shell expands these.
    serve "$BATS_TEST_TMPDIR/exec" fds -- sh -c "cat >/dev/null; $list_fds"
    run -0 req fds x
    [ "$output" = "0 1 2 " ]
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/pipe" --pipe pipefds -- sh -c "while read -r l; do $list_fds; echo; done"
    run -0 req pipefds x
    [ "$output" = "0 1 2 " ]
}
