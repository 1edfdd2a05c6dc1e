bats_require_minimum_version 1.5.0
load helpers
load reqrep

# ipc-serve --session (issue 13): a handler process per client, its stdin
# that client's requests and its stdout their replies. Clients that must
# stay connected read their requests from a FIFO the test writes to, so
# that requests of two clients interleave in a known order, with no sleep.

# open_client FD NAME: ipc-req NAME in the background, its stdin a FIFO
# that the test holds open read-write on FD (so ipc-req reads end-of-file
# only once the test closes FD); its replies in FD.out, its stderr in
# FD.out.err. Start the server first: it would inherit FD.
open_client() {
    local fd=$1 name=$2 dir=$BATS_TEST_TMPDIR
    mkfifo "$dir/$fd.in"
    eval "exec $fd<>\"\$dir/$fd.in\""
    ipc-req -t 60s "$name" <"$dir/$fd.in" >"$dir/$fd.out" 2>"$dir/$fd.out.err" 3>&- 7>&- 8>&- &
    pids+=("$!")
}

# say FD LINE N: sends LINE through the client of FD, then waits until it
# has N replies.
say() {
    echo "$2" >&"$1"
    within 10 at_least "$3" "$BATS_TEST_TMPDIR/$1.out"
}

# reaped PID...: no PID exists, not even as a zombie, within 10 s.
reaped() {
    within 10 none_exist "$@"
}

none_exist() {
    local pid
    for pid in "$@"; do
        [ ! -e "/proc/$pid" ] || return 1
    done
}

@test "--session: two clients at once each keep their own state (a running sum per client)" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016 # The handler's shell expands these.
    serve "$BATS_TEST_TMPDIR/srv" --session sum -- sh -c 's=0; while read -r n; do s=$((s + n)); echo "$s"; done'
    open_client 7 sum
    one=$(last_pid)
    open_client 8 sum
    two=$(last_pid)
    # Interleaved: one process shared by both clients would answer 1 11 13 33 36.
    say 7 1 1
    say 8 10 1
    say 7 2 2
    say 8 20 2
    say 7 3 3
    exec 7>&- 8>&-
    wait_status "$one"
    wait_status "$two"
    printf '%s\n' 1 3 6 | diff -u - "$BATS_TEST_TMPDIR/7.out"
    printf '%s\n' 10 30 | diff -u - "$BATS_TEST_TMPDIR/8.out"
}

@test "--session -- bc -l keeps a client's variables between its lines; the next client starts afresh" {
    local_only "NATS has no sessions"
    serve "$BATS_TEST_TMPDIR/srv" --session calc -- bc -l
    run -0 req calc 'x=6; x' 'x*7'
    [ "$output" = $'6\n42' ]
    run -0 req calc x
    [ "$output" = 0 ]
}

@test "a session's handler reads end-of-file when its client goes, exits, and is reaped" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016 # The handler's shell expands these.
    serve "$BATS_TEST_TMPDIR/srv" --session eof -- sh -c 'echo $$ >"$1"; while read -r l; do echo "re $l"; done; echo ended >"$2"' _ "$BATS_TEST_TMPDIR/pid" "$BATS_TEST_TMPDIR/ended"
    run -0 req eof a b
    [ "$output" = $'re a\nre b' ]
    wait_file "$BATS_TEST_TMPDIR/ended"
    read -r pid <"$BATS_TEST_TMPDIR/pid"
    reaped "$pid"
}

@test "a session's handler that exits mid-session fails that client's requests; another client's session goes on" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --session quit -- sh -c 'while read -r l; do [ "$l" != quit ] || exit 3; echo "re $l"; done'
    open_client 7 quit
    other=$(last_pid)
    say 7 a 1
    run -1 --separate-stderr req quit b quit c
    [ "$output" = "re b" ]
    [ "${#stderr_lines[@]}" = 2 ]
    [[ "${stderr_lines[0]}" == "ipc-req: quit: request 2: the session's handler ended (exit 3) without replying"* ]]
    # c was written to it before it exited, or came after: either way, no new session.
    [[ "${stderr_lines[1]}" == "ipc-req: quit: request 3: the session"*"(exit 3)"* ]]
    say 7 d 2
    exec 7>&-
    wait_status "$other"
    printf '%s\n' 're a' 're d' | diff -u - "$BATS_TEST_TMPDIR/7.out"
}

@test "--session --handler-timeout: a session that gives no reply in time is over for its client" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --session --handler-timeout 1s quiet -- sh -c 'while read -r l; do [ "$l" = skip ] || echo "re $l"; done'
    open_client 7 quiet
    client=$(last_pid)
    say 7 a 1
    echo skip >&7
    within 10 grep -q 'request 2: timed out after 1s' "$BATS_TEST_TMPDIR/7.out.err"
    echo b >&7
    within 10 grep -q 'request 3: the session is over: its handler gave no reply within 1s and was killed' "$BATS_TEST_TMPDIR/7.out.err"
    exec 7>&-
    wait_status "$client" 1
    [ "$(cat "$BATS_TEST_TMPDIR/7.out")" = 're a' ]
}

@test "a session's handler that ignores end-of-file gets SIGTERM, then SIGKILL, --handler-timeout apart; a client waits for its end" {
    local_only "NATS has no sessions"
    cat >"$BATS_TEST_TMPDIR/stubborn.py" <<'PY'
import os, signal, sys
d = sys.argv[1]
signal.signal(signal.SIGTERM, lambda *_: open(d + "/term", "w").write("term\n"))
open(d + "/pid", "w").write("%d\n" % os.getpid())
while True:
    line = sys.stdin.readline()
    if not line:
        break
    print("re " + line, end="", flush=True)
open(d + "/eof", "w").write("eof\n")
while True:
    signal.pause()
PY
    serve "$BATS_TEST_TMPDIR/srv" --session -j 1 --handler-timeout 1s stubborn -- python3 "$BATS_TEST_TMPDIR/stubborn.py" "$BATS_TEST_TMPDIR"
    run -0 req stubborn a
    [ "$output" = 're a' ]
    wait_file "$BATS_TEST_TMPDIR/eof"
    read -r pid <"$BATS_TEST_TMPDIR/pid"
    # The only session is ending (for 2 s): the next client waits for it
    # rather than being refused.
    run -0 req stubborn b
    [ "$output" = 're b' ]
    [ -s "$BATS_TEST_TMPDIR/term" ]
    reaped "$pid"
}

@test "--session -j 1: a second client gets an error reply while the session is in use, and is served once it has ended" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --session -j 1 one -- sh -c 'while read -r l; do echo "re $l"; done'
    open_client 7 one
    first=$(last_pid)
    say 7 a 1
    run -1 --separate-stderr req one b
    one_error one
    [[ "$stderr" == "ipc-req: one: request 1: no session for this client: all 1 sessions (--jobs) are in use"* ]]
    exec 7>&-
    wait_status "$first"
    # Its handler has ended, or is ending: then this client waits for it.
    run -0 req one c
    [ "$output" = 're c' ]
}

@test "SIGTERM to ipc-serve --session gives each handler end-of-file, waits for it, and leaves no handler process" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016
    serve "$BATS_TEST_TMPDIR/srv" --session term -- sh -c 'echo $$ >>"$1"; cat; echo $$ >>"$2"' _ "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/ended"
    server=$(last_pid)
    open_client 7 term
    open_client 8 term
    say 7 a 1
    say 8 b 1
    kill -TERM "$server"
    wait_gone "$server"
    wait_status "$server"
    sort "$BATS_TEST_TMPDIR/started" >"$BATS_TEST_TMPDIR/started.sorted"
    sort "$BATS_TEST_TMPDIR/ended" | diff -u "$BATS_TEST_TMPDIR/started.sorted" -
    [ "$(wc -l <"$BATS_TEST_TMPDIR/started")" = 2 ]
    # shellcheck disable=SC2046 # One PID a word.
    reaped $(cat "$BATS_TEST_TMPDIR/started")
}

@test "a session's handler gets only stdin, stdout and stderr of our descriptors, with another session open" {
    local_only "NATS has no sessions"
    # shellcheck disable=SC2016 # The handler's shell expands it.
    serve "$BATS_TEST_TMPDIR/srv" --session fds -- sh -c "while read -r l; do $list_fds; echo; done"
    open_client 7 fds
    say 7 x 1
    run -0 req fds y
    [ "$output" = "0 1 2 " ]
    [ "$(cat "$BATS_TEST_TMPDIR/7.out")" = "0 1 2 " ]
}

@test "on NATS, --session is refused with exit status 2 and one line" {
    nats_only "the local backend has sessions"
    run -2 --separate-stderr ipc-serve --session calc -- bc -l
    [ -z "$output" ]
    [ "$stderr" = "ipc-serve: --session is for the local backend only (a NATS client has no connection of its own to keep a session; use --pipe, or leave out --url and IPC_URL)" ]
}
