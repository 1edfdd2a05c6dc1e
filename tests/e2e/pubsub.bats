bats_require_minimum_version 1.5.0
load helpers

@test "a subscriber gets every line published after it registered, in order" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --count 3 --timeout 10s 'news.>'
    printf '%s\n' one two three | ipc-pub --wait-subs 1 --timeout 10s news.local
    wait_status "$(last_pid)"
    printf '%s\n' one two three | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "100,000 lines arrive exactly and in order" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 100000 -t 60s bulk
    seq 100000 | ipc-pub --wait-subs 1 -t 10s bulk
    wait_status "$(last_pid)"
    seq 100000 | cmp - "$BATS_TEST_TMPDIR/got"
}

@test "message arguments are published and stdin is left alone" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 10s t
    left=$(echo leftover | { ipc-pub --wait-subs 1 -t 10s t 'first one' second; cat; })
    [ "$left" = leftover ]
    wait_status "$(last_pid)"
    printf '%s\n' 'first one' second | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "binary data with NUL and high bytes round-trips under -0" {
    printf 'a\nb\x80\xff\0\0c\x01\xfe\0' >"$BATS_TEST_TMPDIR/in"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -0 -n 3 -t 10s bin
    ipc-pub -0 --wait-subs 1 -t 10s bin <"$BATS_TEST_TMPDIR/in"
    wait_status "$(last_pid)"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
}

@test "binary data round-trips byte-exactly under --len" {
    head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/blob"
    {
        printf '\0\0\0\3a\0b'
        printf '\0\0\0\0'
        printf '\0\1\x86\xa0'
        cat "$BATS_TEST_TMPDIR/blob"
    } >"$BATS_TEST_TMPDIR/in"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --len -n 3 -t 10s bin
    ipc-pub --len --wait-subs 1 -t 10s bin <"$BATS_TEST_TMPDIR/in"
    wait_status "$(last_pid)"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
}

@test "'a.*' gets a.b but not a.b.c, and 'a.>' gets both" {
    spawn "$BATS_TEST_TMPDIR/star" ipc-sub -n 1 -t 10s 'a.*'
    spawn "$BATS_TEST_TMPDIR/rest" ipc-sub -n 2 -t 10s 'a.>'
    # One publisher keeps its order: a.* would see "deep" first if it got it.
    printf '%s\n' '{"topic":"a.b.c","data":"deep"}' '{"topic":"a.b","data":"one"}' |
        ipc-pub --json --wait-subs 2 -t 10s
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    [ "$(cat "$BATS_TEST_TMPDIR/star")" = one ]
    printf '%s\n' deep one | diff -u - "$BATS_TEST_TMPDIR/rest"
}

@test "a message that two patterns of one subscriber match, one covering the other, prints once" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 10s 'a.>' a.b
    ipc-pub --wait-subs 1 -t 10s a.b one
    ipc-pub a.c two
    wait_status "$(last_pid)"
    printf '%s\n' one two | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "two subscribers each receive everything" {
    spawn "$BATS_TEST_TMPDIR/one" ipc-sub -n 1000 -t 30s t
    spawn "$BATS_TEST_TMPDIR/two" ipc-sub -n 1000 -t 30s t
    seq 1000 | ipc-pub --wait-subs 2 -t 10s t
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    seq 1000 | cmp - "$BATS_TEST_TMPDIR/one"
    seq 1000 | cmp - "$BATS_TEST_TMPDIR/two"
}

@test "a group of two splits the stream with nothing lost or duplicated" {
    spawn "$BATS_TEST_TMPDIR/one" ipc-sub -g workers --idle 1s -t 30s jobs
    spawn "$BATS_TEST_TMPDIR/two" ipc-sub -g workers --idle 1s -t 30s jobs
    seq 2000 | ipc-pub --wait-subs 2 -t 10s jobs
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    [ -s "$BATS_TEST_TMPDIR/one" ]
    [ -s "$BATS_TEST_TMPDIR/two" ]
    seq 2000 | diff -u - <(sort -n "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two")
}

@test "a retained message is shown first to a later subscriber, unless --no-retained" {
    ipc-pub --retain state.door open
    ipc-pub --retain state.door closed
    run -0 ipc-sub -n 1 -t 10s 'state.*'
    [ "$output" = closed ]
    run -124 ipc-sub --no-retained -t 200ms 'state.*'
    [ -z "$output" ]
}

@test "retained messages come oldest first, each once, and an empty one deletes its topic's" {
    ipc-pub --retain state.door open
    ipc-pub --retain state.window open
    ipc-pub --retain state.door ''
    ipc-pub --retain state.light-1 on
    ipc-pub state.light-1 'live, not retained'
    run -124 --separate-stderr ipc-sub -n 3 -t 2s 'state.*' '*.light-1'
    printf '%s\n' open on | diff -u - <(printf '%s\n' "$output")
    [ -z "$stderr" ]
}

@test "a message published with --retain to a subscriber present prints once" {
    nats_only "a local subscriber registers before it reads retained messages: one stored in between may show twice"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 10s 'r.*'
    ipc-pub --retain --wait-subs 1 -t 10s r.a one
    ipc-pub r.a two
    wait_status "$(last_pid)"
    printf '%s\n' one two | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "a group member shows no retained message" {
    ipc-pub --retain jobs.x old
    run -124 ipc-sub -g workers -t 500ms 'jobs.*'
    [ -z "$output" ]
}

@test "on NATS, --retain without JetStream exits 69; ipc-sub then shows no retained message, silently" {
    nats_only "JetStream is NATS's"
    nats_serve plain
    run -69 --separate-stderr ipc-pub --url "$served_url" --retain t x
    [ "$stderr" = "ipc-pub: $served_url: --retain needs JetStream, which the NATS server does not have (start nats-server with -js, or publish without --retain)" ]
    run -124 --separate-stderr ipc-sub --url "$served_url" -t 500ms t
    [ -z "$stderr" ]
}

@test "--wait-subs waits for late subscribers and times out with 124" {
    run -124 --separate-stderr ipc-pub --wait-subs 1 -t 200ms t x
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-pub: t: 0 of 1 subscribers after "* ]]
    spawn "$BATS_TEST_TMPDIR/pub" ipc-pub --wait-subs 2 -t 20s t late
    spawn "$BATS_TEST_TMPDIR/one" ipc-sub -n 1 -t 20s t
    spawn "$BATS_TEST_TMPDIR/two" ipc-sub -n 1 -t 20s t
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    wait_status "${pids[2]}"
    [ "$(cat "$BATS_TEST_TMPDIR/one")" = late ]
    [ "$(cat "$BATS_TEST_TMPDIR/two")" = late ]
}

@test "a publisher with no subscriber exits 0 at once" {
    run -0 ipc-pub nobody.listens hello
    [ -z "$output" ]
    run -0 ipc-pub nobody.listens <<<"from stdin"
}

@test "a publisher streaming to a subscriber killed with SIGKILL neither hangs nor fails" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -t 30s t
    sub=$(last_pid)
    ipc-pub --wait-subs 1 -t 10s t ready
    kill -KILL "$sub"
    wait "$sub" || true
    run -0 timeout 20 ipc-pub t after-death
    # The dead subscriber's socket was removed as stale.
    [ -z "$(ls "$IPC_DIR/sub")" ]
    seq 200000 | timeout 20 ipc-pub t
}

@test "a publisher reaches exactly the subscribers whose patterns match, among many others" {
    local i
    for i in $(seq 24); do
        spawn /dev/null ipc-sub -t 60s "idle.$i" "a.b.$i" "b.$i.>"
    done
    # These match a.b: exactly 7 of them, the group counting each member.
    spawn "$BATS_TEST_TMPDIR/literal" ipc-sub -n 1 -t 30s a.b
    spawn "$BATS_TEST_TMPDIR/star" ipc-sub -n 1 -t 30s 'a.*'
    spawn "$BATS_TEST_TMPDIR/star-first" ipc-sub -n 1 -t 30s '*.b'
    spawn "$BATS_TEST_TMPDIR/all" ipc-sub -n 1 -t 30s '>'
    spawn "$BATS_TEST_TMPDIR/rest" ipc-sub -n 1 -t 30s 'a.>' x.y
    spawn "$BATS_TEST_TMPDIR/g1" ipc-sub -g g -t 30s a.b
    spawn "$BATS_TEST_TMPDIR/g2" ipc-sub -g g -t 30s 'a.*'
    # These do not.
    for pattern in a a.b.c 'b.*' 'a.*.c' 'x.>' '*.c' 'a.b.>'; do
        spawn /dev/null ipc-sub -t 60s "$pattern"
    done
    ipc-pub --wait-subs 7 -t 20s a.b ready
    run -124 ipc-pub --wait-subs 8 -t 1s a.b
    for name in literal star star-first all rest; do
        within 10 test -s "$BATS_TEST_TMPDIR/$name"
        [ "$(cat "$BATS_TEST_TMPDIR/$name")" = ready ]
    done
    within 10 test -s "$BATS_TEST_TMPDIR/g1" -o -s "$BATS_TEST_TMPDIR/g2"
    [ "$(cat "$BATS_TEST_TMPDIR/g1" "$BATS_TEST_TMPDIR/g2")" = ready ]
}

@test "what a subscriber killed while registering leaves trips no publisher, and old debris goes" {
    local_only "the registry is the local backend's"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 30s t
    ipc-pub --wait-subs 1 -t 10s t one
    sub=$IPC_DIR/sub
    # Killed after its registration and index links, before its socket; one
    # with a listening socket not yet renamed; one halfway through its .pat.
    printf 'ipc-sub 1\npattern t\npattern t.>\n' >"$sub/1-dead.pat"
    mkdir -p "$sub/topic/t" "$sub/prefix/t"
    ln "$sub/1-dead.pat" "$sub/topic/t/1-dead"
    ln "$sub/1-dead.pat" "$sub/prefix/t/1-dead"
    printf 'ipc-sub 1\npattern t\n' >"$sub/2-dead.pat"
    ln "$sub/2-dead.pat" "$sub/topic/t/2-dead"
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sub/2-dead.new"
    printf 'ipc-sub 1\npatt' >"$sub/3-dead.tmp"
    run -0 timeout 20 ipc-pub t two
    wait_status "$(last_pid)"
    printf '%s\n' one two | diff -u - "$BATS_TEST_TMPDIR/got"
    # Fresh, they may be a subscriber still registering: they stay.
    [ -e "$sub/topic/t/1-dead" ]
    [ -e "$sub/topic/t/2-dead" ]
    touch -d '2 minutes ago' "$sub/1-dead.pat" "$sub/2-dead.pat"
    run -0 timeout 20 ipc-pub t three
    [ ! -e "$sub/1-dead.pat" ]
    [ ! -e "$sub/2-dead.pat" ]
    [ ! -e "$sub/2-dead.new" ]
    [ -z "$(ls "$sub/topic" "$sub/prefix" 2>/dev/null)" ]
}

@test "a subscriber killed mid-stream does not stop the publisher" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 1 -t 30s t
    sub=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/survivor" ipc-sub -n 500000 -t 60s t
    {
        echo first
        wait "$sub" || true # -n 1: it is gone after the first line.
        seq 2 500000
    } | ipc-pub --wait-subs 2 -t 10s t
    wait_status "${pids[1]}"
    { echo first; seq 2 500000; } | cmp - "$BATS_TEST_TMPDIR/survivor"
}

@test "ipc-sub t | head -n1 ends quietly with status 0" {
    bash -c 'ipc-sub -t 20s t | head -n1; echo "${PIPESTATUS[0]}" >"$1/status"' _ "$BATS_TEST_TMPDIR" \
        >"$BATS_TEST_TMPDIR/got" 3>&- &
    pids+=("$!")
    ipc-pub --wait-subs 1 -t 10s t one two
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = one ]
    [ "$(cat "$BATS_TEST_TMPDIR/status")" = 0 ]
}

@test "a slow subscriber blocks the publisher, and --drop skips it and counts" {
    local_only "a NATS publisher never blocks; the subscriber drops"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -t 60s t
    sub=$(last_pid)
    ipc-pub --wait-subs 1 -t 10s t hello
    kill -STOP "$sub"
    run -124 --separate-stderr bash -c 'seq 2000000 | ipc-pub -t 300ms t'
    [[ "$stderr" == *"took nothing for"* ]]
    run -0 --separate-stderr bash -c 'seq 2000000 | ipc-pub --drop t'
    [[ "$stderr" =~ ^ipc-pub:\ t:\ dropped\ [0-9]+\ of\ 2000000\ messages ]]
    kill -CONT "$sub"
}

@test "--drop: a stopped subscriber gets exactly the messages ipc-pub does not report dropped for it" {
    local_only "a NATS publisher never blocks; the subscriber drops"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -t 60s t
    sub=$(last_pid)
    ipc-pub --wait-subs 1 -t 10s t 0
    kill -STOP "$sub"
    run -0 --separate-stderr timeout 30 bash -c 'seq 500000 | ipc-pub --drop t'
    [ "${#stderr_lines[@]}" = 1 ]
    pattern='^ipc-pub: t: dropped ([0-9]+) of 500000 messages for the slow subscriber with pid ([0-9]+) \(--drop\)$'
    [[ "$stderr" =~ $pattern ]]
    [ "${BASH_REMATCH[2]}" = "$sub" ]
    expected=$((1 + 500000 - BASH_REMATCH[1]))
    kill -CONT "$sub"
    # The publisher is gone: what the subscriber gets now is all it will get.
    within 20 at_least "$expected" "$BATS_TEST_TMPDIR/got"
    kill -TERM "$sub"
    wait_status "$sub"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/got")" = "$expected" ]
    sort -c -n -u "$BATS_TEST_TMPDIR/got" # In order, none twice.
    [ ! -s "$BATS_TEST_TMPDIR/got.err" ]
}

# sub_into_fifo ARGS...: ipc-sub ARGS t in the background, its stdout the FIFO
# $fifo that fd $hold keeps open and nobody reads yet; sub is its PID.
sub_into_fifo() {
    fifo=$BATS_TEST_TMPDIR/fifo
    mkfifo "$fifo"
    exec {hold}<>"$fifo"
    spawn "$fifo" "$@"
    sub=$(last_pid)
}

# read_fifo: starts a reader of $fifo into $BATS_TEST_TMPDIR/got and lets go of
# $hold, so that the subscriber's output flows and ends when it does.
read_fifo() {
    cat "$fifo" >"$BATS_TEST_TMPDIR/got" {hold}>&- 3>&- &
    pids+=("$!")
    exec {hold}>&-
}

# end_printed: publishes "end" once more and says whether one was printed.
end_printed() {
    ipc-pub t end
    ends=$((ends + 1))
    grep -qx end "$BATS_TEST_TMPDIR/got"
}

@test "ipc-sub --drop whose stdout nobody reads never blocks a publisher; printed + dropped = published" {
    sub_into_fifo ipc-sub --drop --drop-buffer 100K -t 120s t
    run -0 timeout 60 bash -c 'seq 200000 | ipc-pub --wait-subs 1 -t 10s t'
    read_fifo
    # Everything of the publisher's was received before a later "end" is
    # printed; an "end" may be dropped too, while the held output drains.
    ends=0
    within 20 end_printed
    kill -TERM "$sub"
    wait_status "$sub"
    wait "$(last_pid)"
    printed=$(grep -cx '[0-9]*' "$BATS_TEST_TMPDIR/got")
    ends_printed=$(grep -cx end "$BATS_TEST_TMPDIR/got")
    # Whole lines only, each number once and in order.
    [ "$((printed + ends_printed))" = "$(wc -l <"$BATS_TEST_TMPDIR/got")" ]
    [ -z "$(tail -c 1 "$BATS_TEST_TMPDIR/got")" ]
    grep -x '[0-9]*' "$BATS_TEST_TMPDIR/got" | sort -c -n -u
    cat "$fifo.err"
    pattern='^ipc-sub: dropped ([0-9]+) messages in all \(stdout did not keep up\)$'
    [[ "$(grep 'in all (stdout' "$fifo.err")" =~ $pattern ]]
    dropped=${BASH_REMATCH[1]}
    grep -Eq '^ipc-sub: dropped [0-9]+ messages? so far \(stdout is not keeping up\)$' "$fifo.err"
    # On NATS the client library may drop too, when ipc-sub itself falls behind.
    behind=$(sed -n 's/^ipc-sub: t: \([0-9]*\) messages were dropped in all.*/\1/p' "$fifo.err")
    echo "printed $printed of 200000 and $ends_printed of $ends ends, dropped $dropped + ${behind:-0}"
    [ "$dropped" -gt 0 ]
    [ $((printed + ends_printed + dropped + ${behind:-0})) = $((200000 + ends)) ]
}

@test "without --drop, ipc-sub whose stdout nobody reads blocks the publisher" {
    local_only "a NATS publisher never blocks; the subscriber drops"
    sub_into_fifo ipc-sub -t 120s t
    run -124 timeout 60 bash -c 'seq 200000 | ipc-pub --wait-subs 1 -t 2s t'
    read_fifo
    kill -TERM "$sub"
    wait_status "$sub"
    [ ! -s "$fifo.err" ]
}

@test "on a terminal ipc-sub drops by default, and --no-drop blocks the publisher" {
    local_only "a NATS publisher never blocks; the subscriber drops"
    # script(1) gives ipc-sub a terminal and copies it to a FIFO nobody reads.
    sub_into_fifo script -qefc "ipc-sub -t 120s t" /dev/null
    run -0 timeout 60 bash -c 'seq 200000 | ipc-pub --wait-subs 1 -t 10s t'
    read_fifo
    kill -TERM "$sub"
    wait_status "$sub"
    rm "$fifo"
    sub_into_fifo script -qefc "ipc-sub --no-drop -t 120s t" /dev/null
    run -124 timeout 60 bash -c 'seq 200000 | ipc-pub --wait-subs 1 -t 2s t'
    read_fifo
}

@test "the JSON round trip re-publishes every message byte-exactly to its own topic" {
    {
        printf '\0\0\0\5hello'
        printf '\0\0\0\3\x80\0\xff'
        printf '\0\0\0\0'
    } >"$BATS_TEST_TMPDIR/in"
    spawn "$BATS_TEST_TMPDIR/envelopes" ipc-sub --json -n 3 -t 10s 'a.>'
    ipc-pub --len --wait-subs 1 -t 10s a.text <"$BATS_TEST_TMPDIR/in"
    wait_status "$(last_pid)"
    grep -q '"encoding":"base64"' "$BATS_TEST_TMPDIR/envelopes"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --len -n 3 -t 10s 'a.>'
    ipc-pub --json --wait-subs 1 -t 10s <"$BATS_TEST_TMPDIR/envelopes"
    wait_status "$(last_pid)"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
}

@test "headers round-trip byte-exactly through ipc-sub --json | ipc-pub --json" {
    local_only "NATS keeps no key order, and cnats 3.4 reads no empty value"
    cat >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"topic":"h.a","data":"one","headers":{"K":["v1","v2"],"Nats-Msg-Id":["é"]}}
{"topic":"h.a","data":"two"}
{"topic":"h.b","headers":{"E":[""]},"data":"/w==","encoding":"base64"}
{"topic":"h.b","data":"three","headers":{"Q\"":["a\"b\\c\t","x"],"A":["1"]}}
EOF
    spawn "$BATS_TEST_TMPDIR/first" ipc-sub --json -n 4 -t 10s 'h.>'
    spawn "$BATS_TEST_TMPDIR/plain" ipc-sub -n 4 -t 10s 'h.>'
    ipc-pub --json --wait-subs 2 -t 10s <"$BATS_TEST_TMPDIR/in"
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    spawn "$BATS_TEST_TMPDIR/second" ipc-sub --json -n 4 -t 10s 'h.>'
    ipc-pub --json --wait-subs 1 -t 10s <"$BATS_TEST_TMPDIR/first"
    wait_status "$(last_pid)"
    untimed() { sed 's/,"time":"[^"]*"//' "$1"; }
    diff -u - <(untimed "$BATS_TEST_TMPDIR/first") <<'EOF'
{"topic":"h.a","data":"one","headers":{"K":["v1","v2"],"Nats-Msg-Id":["é"]}}
{"topic":"h.a","data":"two"}
{"topic":"h.b","data":"/w==","encoding":"base64","headers":{"E":[""]}}
{"topic":"h.b","data":"three","headers":{"Q\"":["a\"b\\c\t","x"],"A":["1"]}}
EOF
    diff -u <(untimed "$BATS_TEST_TMPDIR/first") <(untimed "$BATS_TEST_TMPDIR/second")
    printf 'one\ntwo\n\377\nthree\n' | cmp - "$BATS_TEST_TMPDIR/plain"
}

@test "multi-valued headers survive ipc-sub --json | ipc-pub --json" {
    cat >"$BATS_TEST_TMPDIR/in" <<'EOF'
{"topic":"h.a","data":"one","headers":{"A":["1"],"K":["v1","v2","v1"]}}
{"topic":"h.b","data":"two"}
EOF
    spawn "$BATS_TEST_TMPDIR/first" ipc-sub --json -n 2 -t 10s 'h.>'
    ipc-pub --json --wait-subs 1 -t 10s <"$BATS_TEST_TMPDIR/in"
    wait_status "$(last_pid)"
    spawn "$BATS_TEST_TMPDIR/second" ipc-sub --json -n 2 -t 10s 'h.>'
    ipc-pub --json --wait-subs 1 -t 10s <"$BATS_TEST_TMPDIR/first"
    wait_status "$(last_pid)"
    untimed() { sed 's/,"time":"[^"]*"//' "$1"; }
    diff -u "$BATS_TEST_TMPDIR/in" <(untimed "$BATS_TEST_TMPDIR/first")
    diff -u "$BATS_TEST_TMPDIR/in" <(untimed "$BATS_TEST_TMPDIR/second")
}

@test "on NATS, _IPC. subjects are hidden unless a pattern starts _IPC" {
    nats_only "the local backend has no subjects of its own"
    spawn "$BATS_TEST_TMPDIR/all" ipc-sub -n 1 -t 10s '>'
    spawn "$BATS_TEST_TMPDIR/ours" ipc-sub -n 1 -t 10s _IPC.x
    ipc-pub --wait-subs 2 -t 10s _IPC.x hidden
    ipc-pub t shown
    wait_status "${pids[0]}"
    wait_status "${pids[1]}"
    [ "$(cat "$BATS_TEST_TMPDIR/all")" = shown ]
    [ "$(cat "$BATS_TEST_TMPDIR/ours")" = hidden ]
}

@test "on NATS, '>' shows nothing of the JetStream traffic that retained messages cause" {
    nats_only "the local backend has no subjects of its own"
    spawn "$BATS_TEST_TMPDIR/all" ipc-sub -v -n 3 -t 10s '>'
    ipc-pub --retain --wait-subs 1 -t 10s a first
    run -0 ipc-sub -n 1 -t 10s a
    [ "$output" = first ]
    ipc-pub --retain a ''
    ipc-pub b last
    wait_status "$(last_pid)"
    printf '%s\n' 'a first' 'a ' 'b last' | diff -u - "$BATS_TEST_TMPDIR/all"
    [ ! -s "$BATS_TEST_TMPDIR/all.err" ]
}

@test "on NATS, a subscriber that falls behind drops and reports it: received + dropped = published" {
    nats_only "a local publisher waits for a slow subscriber instead"
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    exec {hold}<>"$BATS_TEST_TMPDIR/fifo" # A reader that reads nothing, for now.
    spawn "$BATS_TEST_TMPDIR/fifo" ipc-sub --idle 3s -t 120s t
    sub=$(last_pid)
    pad=$(printf '%01000d' 0)
    seq 100000 | sed "s/\$/ $pad/" | ipc-pub --wait-subs 1 -t 60s t
    cat "$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/got" {hold}>&- 3>&- &
    reader=$!
    exec {hold}>&- # Now cat reads; it ends when ipc-sub does.
    wait_status "$sub"
    wait "$reader"
    received=$(wc -l <"$BATS_TEST_TMPDIR/got")
    pattern='^ipc-sub: t: ([0-9]+) messages were dropped in all because this subscriber was too slow$'
    [[ "$(tail -n 1 "$BATS_TEST_TMPDIR/fifo.err")" =~ $pattern ]]
    dropped=${BASH_REMATCH[1]}
    echo "received $received, dropped $dropped"
    [ "$dropped" -gt 0 ]
    [ $((received + dropped)) = 100000 ]
    grep -q 'dropped so far' "$BATS_TEST_TMPDIR/fifo.err"
}

@test "on NATS, a subscriber whose server restarts says so and goes on" {
    nats_only "the local backend has no server"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 60s t
    ipc-pub --wait-subs 1 -t 10s t before
    nats_restart
    within 20 grep -q 'reconnected to the NATS server$' "$BATS_TEST_TMPDIR/got.err"
    ipc-pub --wait-subs 1 -t 10s t after
    wait_status "$(last_pid)"
    printf '%s\n' before after | diff -u - "$BATS_TEST_TMPDIR/got"
    cat "$BATS_TEST_TMPDIR/got.err"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/got.err")" = 2 ]
    grep -q "^ipc-sub: $IPC_URL: disconnected from the NATS server; reconnecting$" "$BATS_TEST_TMPDIR/got.err"
}

@test "on NATS, a message larger than the server's max_payload exits 2" {
    nats_only "the local backend has --max-size alone"
    run -2 --separate-stderr bash -c 'head -c 2000000 /dev/zero | ipc-pub --whole t'
    [ "$stderr" = "ipc-pub: t: a message of 2000000 bytes is larger than the NATS server takes (1048576 bytes, its max_payload)" ]
}

@test "on NATS, each message on a subject that is no topic name is skipped with a line" {
    nats_only "local topics are always valid names"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 20s '>'
    ipc-pub --wait-subs 1 -t 10s t </dev/null
    # Another NATS client, speaking the protocol: an invalid subject before,
    # between and after valid ones (ipc-sub checks a subject when it changes).
    local address=${IPC_URL#nats://} nats line
    exec {nats}<>"/dev/tcp/${address%:*}/${address##*:}"
    printf '%s\r\n' 'CONNECT {"verbose":false}' 'PUB a:b 1' x 'PUB t 5' first 'PUB a:b 1' y \
        'PUB a:b 1' z 'PUB t 6' second PING >&"$nats"
    for _ in 1 2 3; do # INFO, then PONG once the server has it all.
        read -r -t 10 -u "$nats" line
        [[ $line != PONG* ]] || break
    done
    exec {nats}>&-
    [[ $line == PONG* ]]
    wait_status "$(last_pid)"
    printf '%s\n' first second | diff -u - "$BATS_TEST_TMPDIR/got"
    [ "$(grep -c '^ipc-sub: a message on a:b was skipped: not a valid topic name$' "$BATS_TEST_TMPDIR/got.err")" = 3 ]
}

@test "-v prints each topic before its message" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -v -n 2 -t 10s 'log.*'
    printf '%s\n' '{"topic":"log.a","data":"x y"}' '{"topic":"log.b","data":""}' |
        ipc-pub --json --wait-subs 1 -t 10s
    wait_status "$(last_pid)"
    printf '%s\n' 'log.a x y' 'log.b ' | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "--idle ends a quiet subscriber with 0 and --timeout with 124" {
    run -0 ipc-sub --idle 100ms t
    run -124 ipc-sub -t 100ms t
}

@test "bad names and patterns exit 2 and create nothing" {
    run -2 --separate-stderr ipc-pub '../etc' hello
    [ "$stderr" = "ipc-pub: ../etc: not a valid topic name (use letters, digits, '-', '_' joined by '.')" ]
    run -2 ipc-pub 'a..b' hello
    run -2 ipc-pub 'a.*' hello
    run -2 --separate-stderr ipc-sub 'a.>.b'
    [ "${#stderr_lines[@]}" = 1 ]
    run -2 ipc-sub -g 'bad/group' t
    [ ! -e "$IPC_DIR" ]
}

@test "an unsafe runtime dir is refused with exit 2 and nothing is created in it" {
    local_only "NATS uses no runtime dir"
    mkdir -m 0755 "$BATS_TEST_TMPDIR/open"
    IPC_DIR="$BATS_TEST_TMPDIR/open" run -2 --separate-stderr ipc-sub -t 1s t
    [[ "$stderr" == "ipc-sub: $BATS_TEST_TMPDIR/open: "* ]]
    [ -z "$(ls "$BATS_TEST_TMPDIR/open")" ]
    mkdir -m 0700 "$BATS_TEST_TMPDIR/real"
    ln -s "$BATS_TEST_TMPDIR/real" "$BATS_TEST_TMPDIR/link"
    IPC_DIR="$BATS_TEST_TMPDIR/link" run -2 ipc-pub t x
    [ -z "$(ls "$BATS_TEST_TMPDIR/real")" ]
}

@test "undecodable stdin exits 2 with a line naming the problem" {
    run -2 --separate-stderr bash -c "printf '\0\0\0\11abc' | ipc-pub --len t"
    [[ "$stderr" == "ipc-pub: stdin: truncated --len frame"* ]]
    run -2 --separate-stderr bash -c "printf '{\"data\":\"ok\"}\n{oops\n' | ipc-pub --json t"
    [[ "$stderr" == "ipc-pub: stdin: line 2: "* ]]
    run -2 --separate-stderr bash -c "printf 'short\nmuch too long\n' | ipc-pub --max-size 8 t"
    [[ "$stderr" == "ipc-pub: stdin: message 2 is longer than --max-size"* ]]
}

@test "a frame longer than --max-size from a raw client is refused and the subscriber goes on" {
    local_only "raw clients speak the local wire protocol"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --max-size 1K -n 2 -t 20s t
    ipc-pub --wait-subs 1 -t 10s t first # Registered: its socket exists.
    socket=$(ls "$IPC_DIR"/sub/*.sock)
    python3 - "$socket" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"\0\0\0\7\1IPCK\1\1" + b"\x10\0\0\0" + b"x" * 4096)
s.close()
PY
    ipc-pub t survived
    wait_status "$(last_pid)"
    printf '%s\n' first survived | diff -u - "$BATS_TEST_TMPDIR/got"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/got.err")" = 1 ]

    grep -q 'longer than --max-size' "$BATS_TEST_TMPDIR/got.err"
}

@test "--interval paces messages" {
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 3 -t 10s t
    start=$(date +%s%N)
    ipc-pub --wait-subs 1 -t 10s --interval 100ms t a b c
    elapsed=$((($(date +%s%N) - start) / 1000000))
    wait_status "$(last_pid)"
    [ "$elapsed" -ge 200 ]
    printf '%s\n' a b c | diff -u - "$BATS_TEST_TMPDIR/got"
}

@test "a frame with a bad topic from a raw client closes that connection with one line" {
    local_only "raw clients speak the local wire protocol"
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 2 -t 20s 'a.>'
    ipc-pub --wait-subs 1 -t 10s a.b first # Registered: its socket exists.
    socket=$(ls "$IPC_DIR"/sub/*.sock)
    python3 - "$socket" <<'PY'
import socket, struct, sys
def messages(topic, data):
    body = b"\2" + struct.pack(">qH", 0, len(topic)) + topic + struct.pack(">I", len(data)) + data
    return struct.pack(">I", len(body)) + body
for topic in (b"", b"a..b", b"a.*", b"a.\xff"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(b"\0\0\0\7\1IPCK\1\1" + messages(topic, b"bad") + messages(b"a.b", b"after it"))
    assert s.recv(1) == b"", "the subscriber sent something"  # EOF: it closed the connection.
    s.close()
PY
    ipc-pub a.b survived
    wait_status "$(last_pid)"
    printf '%s\n' first survived | diff -u - "$BATS_TEST_TMPDIR/got"
    cat "$BATS_TEST_TMPDIR/got.err"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/got.err")" = 4 ]
    [ "$(grep -c '^ipc-sub: publisher (pid [0-9]*): message frame with a bad topic .*; connection closed$' "$BATS_TEST_TMPDIR/got.err")" = 4 ]
}
