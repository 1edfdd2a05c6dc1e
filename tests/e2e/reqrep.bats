bats_require_minimum_version 1.5.0
load helpers

# ipc-req and ipc-serve across processes (issue 3): the three handler modes,
# pipelining and order, concurrency, failures, time-outs, fail-over, TCP,
# access control, hostile clients, readiness and draining.
#
# Servers are started with serve(), which waits for their --ready-file; a
# handler that must be caught in the act reports through a FIFO that the test
# reads with `read -t`, and is held by another FIFO until the test lets it go:
# it takes one byte from it with dd, since handlers that read at the same time
# would share out the bytes of lines between them.

# helpers.bash's setup, then a skip while the tools are not built (on a branch
# without them): each test shows as skipped, not as passed.
eval "$(declare -f setup | sed '1s/^setup/helpers_setup/')"
setup() {
    helpers_setup
    if ! command -v ipc-serve >/dev/null || ! command -v ipc-req >/dev/null; then
        skip "not implemented yet: ipc-req and ipc-serve are not built"
    fi
}

# serve OUT ARGS...: ipc-serve --ready-file OUT.ready ARGS... in the
# background (stdout in OUT, stderr in OUT.err), once it accepts requests.
serve() {
    local out=$1
    shift
    spawn "$out" ipc-serve --ready-file "$out.ready" "$@"
    wait_ready "$out.ready" "$(last_pid)" "$out.err"
}

# wait_ready FILE PID ERR: poll for the ready file that PID writes (bounded:
# 10 s); fail at once, showing ERR, if PID ends first.
wait_ready() {
    local file=$1 pid=$2 err=$3 tries
    for ((tries = 0; tries < 1000; tries++)); do
        [ -e "$file" ] && return 0
        if ! alive "$pid"; then
            echo "server $pid ended before writing $file: $(cat "$err" 2>/dev/null)" >&2
            return 1
        fi
        sleep 0.01
    done
    echo "server $pid wrote no $file in 10 s" >&2
    return 1
}

# alive PID: PID exists and is not a zombie.
alive() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# wait_gone PID...: each PID ends (or is a zombie) within 10 s in all (and
# 1000 looks: a loaded machine makes each look slower than its sleep).
wait_gone() {
    local pid tries=0 end=$((SECONDS + 10))
    for pid in "$@"; do
        while alive "$pid"; do
            ((++tries < 1000 && SECONDS <= end)) || { echo "process $pid still runs after 10 s" >&2; return 1; }
            sleep 0.01
        done
    done
}

# Every background process gets SIGTERM and must be gone 10 s later: a server
# that does not end on SIGTERM fails the test instead of hanging the suite.
teardown() {
    local pid stuck=()
    for pid in "${pids[@]}"; do
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        if ! wait_gone "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            stuck+=("$pid")
        fi
        wait "$pid" 2>/dev/null || true
    done
    [ -z "${uid_dir-}" ] || rm -rf "$uid_dir"
    if [ ${#stuck[@]} -gt 0 ]; then
        echo "still running 10 s after SIGTERM: ${stuck[*]}" >&2
        return 1
    fi
}

# req ARGS...: ipc-req ARGS..., killed if it runs for a minute: a hang shows
# as 137, never as the 124 of ipc-req's own time-outs.
req() {
    timeout -s KILL 60 ipc-req "$@"
}

# one_error NAME: $stderr (from run --separate-stderr) is exactly one line of
# ipc-req about NAME.
one_error() {
    [ "${#stderr_lines[@]}" = 1 ] || { echo "want one stderr line, got: $stderr" >&2; return 1; }
    [[ "$stderr" == "ipc-req: $1"* ]] || { echo "not an ipc-req line about $1: $stderr" >&2; return 1; }
}

# --- the basic contract -------------------------------------------------------

@test "ipc-serve calc -- bc -l answers echo '2^10' | ipc-req calc" {
    serve "$BATS_TEST_TMPDIR/srv" calc -- bc -l
    echo '2^10' | req calc >"$BATS_TEST_TMPDIR/got"
    echo 1024 | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "10,000 pipelined requests through --pipe -- sed -u come back complete and in order" {
    serve "$BATS_TEST_TMPDIR/srv" --pipe sed -- sed -u 's/^/x/'
    seq 10000 | req sed >"$BATS_TEST_TMPDIR/got"
    seq 10000 | sed 's/^/x/' | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "message arguments are requests and stdin is left alone; without them stdin is read" {
    serve "$BATS_TEST_TMPDIR/srv" --pipe echo -- cat
    left=$(echo leftover | { req echo 'first one' second; cat; })
    [ "$left" = "$(printf '%s\n' 'first one' second leftover)" ]
    run -0 --separate-stderr req echo <<<$'a\nb b\n\nc'
    [ "$output" = $'a\nb b\n\nc' ]
    [ -z "$stderr" ]
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
    [ "$uid" = "$(id -u)" ]
    [ -n "$id" ]
    [ "$body" = hello ]
    IFS='|' read -r _ _ id2 body2 <<<"${lines[1]}"
    [ "$body2" = again ]
    [ -n "$id2" ] && [ "$id2" != "$id" ]
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

# --- no server, time-outs, waiting ---------------------------------------------

@test "no server: exit 69 at once with one line saying what to do" {
    run -69 --separate-stderr req nobody.home hello
    one_error nobody.home
    [[ "$stderr" == *"("*")" ]]
    run -69 --separate-stderr req "unix:$BATS_TEST_TMPDIR/no.sock" hello
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "a request not answered within -t exits 124" {
    mkfifo "$BATS_TEST_TMPDIR/go"
    exec 8<>"$BATS_TEST_TMPDIR/go"
    serve "$BATS_TEST_TMPDIR/srv" slow -- sh -c 'r=$(cat); go=$(dd if="$1" bs=1 count=1 status=none); echo "$r $go"' _ "$BATS_TEST_TMPDIR/go"
    run -124 --separate-stderr req -t 200ms slow x
    [ "$stderr" = "ipc-req: slow: request 1: no reply within 200ms" ]
    # The late reply to a client that left does not hurt the server.
    printf 'ab' >&8
    run -0 req slow y
    [[ "$output" == "y "[ab] ]]
}

@test "SIGTERM ends an ipc-req with a request pending with 143" {
    mkfifo "$BATS_TEST_TMPDIR/started"
    exec 7<>"$BATS_TEST_TMPDIR/started"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --handler-timeout 5s never -- sh -c 'cat >/dev/null; echo started >"$1"; exec sleep 60' _ "$BATS_TEST_TMPDIR/started"
    spawn "$BATS_TEST_TMPDIR/got" ipc-req never x
    client=$(last_pid)
    read -r -t 20 -u 7 line
    kill -TERM "$client"
    wait_status "$client" 143
    [ ! -s "$BATS_TEST_TMPDIR/got" ]
}

@test "--wait waits for a server that starts later; without one it gives up with 69" {
    run -69 req --wait 200ms late hello
    spawn "$BATS_TEST_TMPDIR/got" ipc-req --wait 20s late hello
    client=$(last_pid)
    serve "$BATS_TEST_TMPDIR/srv" late -- cat
    wait_status "$client"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = hello ]
}

# --- server life cycle ----------------------------------------------------------

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

# --- fail-over, TCP, access ------------------------------------------------------

@test "two servers on one name: one killed with SIGKILL mid-stream, --retries still gets every reply" {
    serve "$BATS_TEST_TMPDIR/a" --pipe -j 1 pair -- sed -u 's/^/a:/'
    a=$(last_pid)
    serve "$BATS_TEST_TMPDIR/b" --pipe -j 1 pair -- sed -u 's/^/b:/'
    b=$(last_pid)
    mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    ipc-req --retries 3 --line-buffered -t 30s pair <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/req.err" 3>&- &
    client=$!
    pids+=("$client")
    exec 5>"$BATS_TEST_TMPDIR/in" 6<"$BATS_TEST_TMPDIR/out"
    seq 1 1000 >&5
    read -r -t 20 -u 6 first
    case $first in
    a:1) victim=$a survivor=b ;;
    b:1) victim=$b survivor=a ;;
    *) echo "first reply: '$first'" >&2 && return 1 ;;
    esac
    # Requests sent to a stopped server are in flight when it is killed.
    kill -STOP "$victim"
    seq 1001 2000 >&5
    kill -KILL "$victim"
    seq 2001 3000 >&5
    exec 5>&-
    timeout 30 cat <&6 >"$BATS_TEST_TMPDIR/rest"
    exec 6<&-
    wait_status "$client"
    { echo "$first"; cat "$BATS_TEST_TMPDIR/rest"; } | sed 's/^[ab]://' | diff -u <(seq 3000) -
    # 1001 went to the stopped server, which never answered it.
    grep -qx "$survivor:1001" "$BATS_TEST_TMPDIR/rest"
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/rest")" = "$survivor:3000" ]
}

@test "several servers on one name share the clients" {
    serve "$BATS_TEST_TMPDIR/a" --pipe shared -- sed -u 's/^/a:/'
    serve "$BATS_TEST_TMPDIR/b" --pipe shared -- sed -u 's/^/b:/'
    for i in $(seq 30); do
        req shared "$i"
    done >"$BATS_TEST_TMPDIR/got"
    sed 's/^[ab]://' "$BATS_TEST_TMPDIR/got" | diff -u <(seq 30) -
    # Each client picks one at random: both are chosen in 30 tries but for a
    # chance of 2^-29.
    grep -q '^a:' "$BATS_TEST_TMPDIR/got"
    grep -q '^b:' "$BATS_TEST_TMPDIR/got"
}

@test "the socket of a server killed with SIGKILL is removed by the next client" {
    serve "$BATS_TEST_TMPDIR/srv" gone -- cat
    kill -KILL "$(last_pid)"
    wait "$(last_pid)" || true
    [ -n "$(ls "$IPC_DIR/svc/gone")" ]
    run -69 req gone x
    [ -z "$(ls "$IPC_DIR/svc/gone")" ]
}

@test "unix:PATH: a live server's socket is not taken over (exit 2), a dead one's is" {
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
    serve "$BATS_TEST_TMPDIR/srv" tcp://127.0.0.1:0 -- cat
    address=$(cat "$BATS_TEST_TMPDIR/srv.ready")
    [[ "$address" =~ ^tcp://127\.0\.0\.1:[1-9][0-9]*$ ]]
    run -0 req "$address" 'over tcp'
    [ "$output" = 'over tcp' ]
    seq 1000 | req "$address" | cmp - <(seq 1000)
}

@test "a client of another uid is refused unless --allow-uid or --allow-group lets it in" {
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
    serve "$BATS_TEST_TMPDIR/srv" --allow-uid 65534 --allow-group 65534 early -- cat
    run -0 req early hello
    [ "$output" = hello ]
}

@test "garbage and an oversized frame from raw clients: one line each, and others are served" {
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

# --- output and input ------------------------------------------------------------

@test "--json prints each reply with its data, request number, status and time taken" {
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" js -- sh -c 'r=$(cat); [ "$r" != bad ] || { echo nope >&2; exit 1; }; printf "%s" "$r"'
    run -1 --separate-stderr req --json js 'hello "you"' bad
    [ "${#stderr_lines[@]}" = 1 ]
    python3 - "$output" <<'PY'
import json, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 2, lines
ok, bad = map(json.loads, lines)
assert ok["data"] == 'hello "you"' and ok["id"] == 1 and ok["status"] == "ok", ok
assert bad["data"] == "" and bad["id"] == 2 and bad["status"] == "error", bad
assert "nope" in bad["error"], bad
for reply in ok, bad:
    assert isinstance(reply["elapsed_ms"], (int, float)) and reply["elapsed_ms"] >= 0, reply
PY
}

@test "binary requests and replies round-trip byte-exactly under --len and -0" {
    serve "$BATS_TEST_TMPDIR/srv" bin -- cat
    {
        printf '\0\0\0\3a\0b'
        printf '\0\0\0\0'
        printf '\0\0\0\4\x80\xff\n\r'
    } >"$BATS_TEST_TMPDIR/in"
    req --len bin <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/got"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
    printf 'one\0two\nlines\0\377\0' >"$BATS_TEST_TMPDIR/in0"
    req -0 bin <"$BATS_TEST_TMPDIR/in0" >"$BATS_TEST_TMPDIR/got0"
    cmp "$BATS_TEST_TMPDIR/in0" "$BATS_TEST_TMPDIR/got0"
}

@test "a request longer than the server's --max-size is refused, and the server goes on" {
    serve "$BATS_TEST_TMPDIR/srv" --max-size 16 small -- cat
    # The server disconnects the client: a lost connection, no retries left.
    run -69 --separate-stderr req small "$(printf 'x%.0s' {1..100})"
    [ "${#stderr_lines[@]}" = 1 ]
    run -0 req small short
    [ "$output" = short ]
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

@test "--whole sends a 1 MB binary file as one request and gets it back exactly" {
    head -c 1000000 /dev/urandom >"$BATS_TEST_TMPDIR/blob"
    serve "$BATS_TEST_TMPDIR/srv" --whole whole -- cat
    req --whole whole <"$BATS_TEST_TMPDIR/blob" >"$BATS_TEST_TMPDIR/got"
    cmp "$BATS_TEST_TMPDIR/blob" "$BATS_TEST_TMPDIR/got"
}

@test "a reply longer than ipc-req --max-size exits 74; one longer than ipc-serve --max-size is an error reply" {
    serve "$BATS_TEST_TMPDIR/big" big -- head -c 100000 /dev/zero
    run -74 --separate-stderr req --max-size 1K big x
    [ "${#stderr_lines[@]}" = 1 ]
    serve "$BATS_TEST_TMPDIR/capped" --max-size 1K capped -- head -c 100000 /dev/zero
    run -1 --separate-stderr req capped x
    one_error capped
    [ -z "$output" ]
}

@test "ipc-req ... | head -n1 ends quietly with status 0" {
    serve "$BATS_TEST_TMPDIR/srv" --pipe many -- cat
    bash -c 'seq 100000 | ipc-req many | head -n1; echo "${PIPESTATUS[1]}" >"$1/status"' _ "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/got"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = 1 ]
    [ "$(cat "$BATS_TEST_TMPDIR/status")" = 0 ]
}

@test "bad names and addresses exit 2 and create nothing" {
    for name in ../etc 'a..b' 'a.*' 'a/b' 'sp ace' ''; do
        run -2 --separate-stderr ipc-req "$name" x
        [ "${#stderr_lines[@]}" = 1 ] || { echo "ipc-req '$name': $stderr" >&2; return 1; }
        [[ "$stderr" == "ipc-req: "* ]]
        run -2 --separate-stderr timeout -s KILL 10 ipc-serve "$name" -- cat
        [ "${#stderr_lines[@]}" = 1 ] || { echo "ipc-serve '$name': $stderr" >&2; return 1; }
        [[ "$stderr" == "ipc-serve: "* ]]
    done
    run -2 --separate-stderr ipc-req '../etc' x
    [[ "$stderr" == "ipc-req: ../etc: not a valid "* ]]
    run -2 ipc-req tcp://127.0.0.1:notaport x
    run -2 ipc-req tcp://127.0.0.1:70000 x
    run -2 timeout -s KILL 10 ipc-serve tcp://127.0.0.1 -- cat
    run -2 ipc-req unix: x
    [ ! -e "$IPC_DIR" ]
    run -2 --separate-stderr timeout -s KILL 10 ipc-serve ok -- /nonexistent/handler
    [ "${#stderr_lines[@]}" = 1 ]
}

# --- nothing lost, nothing crossed, nothing hung (issue 10) ------------------------

# wait_file FILE: FILE exists and is not empty within 10 s (and 1000 looks).
wait_file() {
    local tries end=$((SECONDS + 10))
    for ((tries = 0; tries < 1000 && SECONDS <= end; tries++)); do
        [ -s "$1" ] && return 0
        sleep 0.01
    done
    echo "no $1 after 10 s" >&2
    return 1
}

# A request frame for raw clients (python): "frame(id, data)"; HELLO is a client's Hello.
raw_client_py='
import socket, struct
HELLO = b"\0\0\0\7\1IPCK\1\2"
def frame(request_id, data):
    body = b"\4" + struct.pack(">Q", request_id) + data
    return struct.pack(">I", len(body)) + body
def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
'

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

@test "a Request with id 0 is a protocol error: one line, that connection closed, the others served" {
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
