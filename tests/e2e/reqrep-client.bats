bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-req (issue 3): message arguments and stdin, no server, time-outs and
# --wait, fail-over between servers of one name, output formats and
# framing, a reader that goes away, and bad names.

@test "message arguments are requests and stdin is left alone; without them stdin is read" {
    serve "$BATS_TEST_TMPDIR/srv" --pipe echo -- cat
    left=$(echo leftover | { req echo 'first one' second; cat; })
    [ "$left" = "$(printf '%s\n' 'first one' second leftover)" ]
    run -0 --separate-stderr req echo <<<$'a\nb b\n\nc'
    [ "$output" = $'a\nb b\n\nc' ]
    [ -z "$stderr" ]
}

@test "no server: exit 69 at once with one line saying what to do" {
    run -69 --separate-stderr req nobody.home hello
    one_error nobody.home
    [[ "$stderr" == *"("*")" ]]
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then # unix: is local only: a usage error.
        run -2 --separate-stderr req "unix:$BATS_TEST_TMPDIR/no.sock" hello
    else
        run -69 --separate-stderr req "unix:$BATS_TEST_TMPDIR/no.sock" hello
    fi
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

@test "two servers on one name: one killed with SIGKILL mid-stream, --retries still gets every reply" {
    # On NATS a dead server shows only as a request overdue: -t 2s says when.
    overdue=30s
    [ "${IPC_TEST_BACKEND:-local}" != nats ] || overdue=2s
    serve "$BATS_TEST_TMPDIR/a" --pipe -j 1 pair -- sed -u 's/^/a:/'
    a=$(last_pid)
    serve "$BATS_TEST_TMPDIR/b" --pipe -j 1 pair -- sed -u 's/^/b:/'
    b=$(last_pid)
    mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    ipc-req --retries 3 --line-buffered -t "$overdue" pair <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/req.err" 3>&- &
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
    local_only "socket files are the local registry"
    serve "$BATS_TEST_TMPDIR/srv" gone -- cat
    kill -KILL "$(last_pid)"
    wait "$(last_pid)" || true
    [ -n "$(ls "$IPC_DIR/svc/gone")" ]
    run -69 req gone x
    [ -z "$(ls "$IPC_DIR/svc/gone")" ]
}

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

@test "NATS: what only the local backend has exits 2 with one line" {
    nats_only "the NATS refusals"
    run -2 --separate-stderr req --retries 2 anyone x
    one_error "on NATS, --retries needs -t"
    run -2 --separate-stderr req tcp://127.0.0.1:7000 x
    one_error "tcp://127.0.0.1:7000: unix: and tcp:// addresses are for the local backend only"
    for address in "unix:$BATS_TEST_TMPDIR/s.sock" tcp://127.0.0.1:0; do
        run -2 --separate-stderr timeout -s KILL 20 ipc-serve "$address" -- cat
        [ "${#stderr_lines[@]}" = 1 ]
    done
    run -2 --separate-stderr timeout -s KILL 20 ipc-serve --allow-uid 0 svc -- cat
    [ "$stderr" = "ipc-serve: --allow-uid and --allow-group are for the local backend only (on NATS, the server's accounts and permissions decide)" ]
}

@test "NATS: the server is reached through the NATS server, not the local registry" {
    nats_only "--url picks the backend"
    serve "$BATS_TEST_TMPDIR/srv" --pipe there -- cat
    [ ! -e "$IPC_DIR/svc/there" ]
    run -0 req there hello
    [ "$output" = hello ]
    run -69 req --url local there hello
}
