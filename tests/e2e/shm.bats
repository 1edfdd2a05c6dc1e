# ipc-shm: objects and boards, driven through the real binary. Segments live in
# /dev/shm, named by uid and by the scope of each test's private IPC_DIR; each
# test still names its own after $test_id (helpers.bash's teardown removes them).

bats_require_minimum_version 1.5.0
load helpers

suite_setup() {
    n=$test_id
    shm=$(ipc-shm path "$n")
    theirs=${shm/"ipc-$(id -u)"/ipc-65534} # Segments made by nobody, for the squatting tests.
}

suite_teardown() {
    rm -f "$theirs".*
}

# as_nobody CMD...: run CMD as user nobody (uid 65534), keeping PATH.
as_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

@test "10 MiB of random bytes go through put and get unchanged" {
    head -c 10485760 /dev/urandom >"$BATS_TEST_TMPDIR/in"
    ipc-shm put "$n.big" <"$BATS_TEST_TMPDIR/in"
    ipc-shm get "$n.big" >"$BATS_TEST_TMPDIR/out"
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/in")" = "$(sha256sum <"$BATS_TEST_TMPDIR/out")" ]
    ipc-shm put "$n.file" "$BATS_TEST_TMPDIR/in"
    ipc-shm get "$n.file" | cmp - "$BATS_TEST_TMPDIR/in"
    # Appending (no sendfile there) and into a socket pair work as well.
    ipc-shm get "$n.file" >>"$BATS_TEST_TMPDIR/out"
    cat "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in" | cmp - "$BATS_TEST_TMPDIR/out"
    python3 -c 'import socket, subprocess, sys
a, b = socket.socketpair()
get = subprocess.Popen(["ipc-shm", "get", sys.argv[1]], stdout=a.fileno())
a.close()
data = b"".join(iter(lambda: b.recv(1 << 20), b""))
sys.exit(get.wait() or data != open(sys.argv[2], "rb").read())' "$n.file" "$BATS_TEST_TMPDIR/in"
    # A reader that leaves early ends get quietly.
    run -0 bash -c 'ipc-shm get "$1" | head -c 3 >/dev/null; exit "${PIPESTATUS[0]}"' - "$n.file"
}

@test "a get racing a put loop sees the old or the new object whole" {
    head -c 1048576 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/a"
    head -c 2097152 /dev/zero | tr '\0' b >"$BATS_TEST_TMPDIR/b"
    ipc-shm put "$n.x" "$BATS_TEST_TMPDIR/a"
    local sum_a sum_b
    sum_a=$(sha256sum <"$BATS_TEST_TMPDIR/a")
    sum_b=$(sha256sum <"$BATS_TEST_TMPDIR/b")
    spawn "$BATS_TEST_TMPDIR/puts" bash -c \
        'for i in $(seq 200); do ipc-shm put "$1" "$2" && ipc-shm put "$1" "$3" || exit 1; done' \
        _ "$n.x" "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/a"
    local i sum seen_b=0
    for i in $(seq 200); do
        sum=$(ipc-shm get "$n.x" | sha256sum)
        [ "$sum" = "$sum_a" ] || [ "$sum" = "$sum_b" ] || { echo "torn at get $i"; return 1; }
        [ "$sum" = "$sum_b" ] && seen_b=1
    done
    wait_status "$(last_pid)"
    echo "saw the second object: $seen_b"
    [ -z "$(ls /dev/shm | grep -F "${shm##*/}.x~")" ]
}

@test "put is refused on a board, set on an object, with exit 2" {
    ipc-shm set "$n.board" v
    echo data | ipc-shm put "$n.obj"
    run -2 --separate-stderr ipc-shm put "$n.board" /dev/null
    [ "$stderr" = "ipc-shm: $n.board: is a board, not an object (use another name, or remove it with 'ipc-shm rm $n.board')" ]
    run -2 --separate-stderr ipc-shm set "$n.obj" v
    [ "$stderr" = "ipc-shm: $n.obj: is an object, not a board (use another name, or remove it with 'ipc-shm rm $n.obj')" ]
    run -0 ipc-shm get "$n.obj"
    [ "$output" = data ]
}

@test "a corrupt or truncated object gives a clear error and exit 74" {
    printf 'not made by ipc-shm, and long enough to hold a header of sixty-four bytes' >"$shm.bad"
    run -74 --separate-stderr ipc-shm get "$n.bad"
    [[ "$stderr" == "ipc-shm: $n.bad: not a valid ipc-shm segment: bad magic"* ]]
    echo hello | ipc-shm put "$n.cut"
    truncate -s 40 "$shm.cut"
    run -74 --separate-stderr ipc-shm get "$n.cut"
    [[ "$stderr" == *"truncated"* ]]
    run -0 ipc-shm ls
    [[ "$output" == *"$n.bad"*invalid* ]]
    ipc-shm rm "$n.bad"
    [ ! -e "$shm.bad" ]
}

@test "ls, stat and path describe objects and boards" {
    printf 12345 | ipc-shm put --mode 0640 "$n.obj"
    ipc-shm set "$n.board" v
    run -0 ipc-shm ls
    [[ "${lines[0]}" == NAME*SIZE*KIND*OWNER*MODE*AGE ]]
    [[ "$output" == *"$n.obj"*" 5  object "*" 0640  "* ]]
    [[ "$output" == *"$n.board"*" board "*" 0600  "* ]]
    run -0 ipc-shm ls --json
    [[ "$output" == *"{\"name\":\"$n.obj\",\"path\":\"$shm.obj\",\"kind\":\"object\",\"size\":5,"*"\"mode\":\"0640\",\"age\":"* ]]
    run -0 ipc-shm stat "$n.obj"
    [[ "$output" == *"kind: object"*"size: 5"*"mode: 0640"* ]]
    run -0 ipc-shm path "$n.obj"
    [ "$output" = "$shm.obj" ]
    [ "$(stat -c %a "$shm.obj")" = 640 ]
}

@test "each IPC_DIR has its own segments: two environments neither see nor clobber each other's" {
    local other="$BATS_TEST_TMPDIR/other-run"
    ipc-shm put "$n" <<<"ours"
    IPC_DIR=$other ipc-shm put "$n" <<<"theirs"
    [ "$(ipc-shm get "$n")" = ours ]
    [ "$(IPC_DIR=$other ipc-shm get "$n")" = theirs ]
    [ "$(IPC_DIR=$other ipc-shm path "$n")" != "$shm" ]
    # The same directory spelt another way is the same environment.
    [ "$(IPC_DIR=$IPC_DIR/ ipc-shm path "$n")" = "$shm" ]
    IPC_DIR=$other ipc-shm set "$n.board" v
    run -0 ipc-shm ls
    [[ "$output" == *"$n "* ]]
    [[ "$output" != *"$n.board"* ]]
    IPC_DIR=$other ipc-shm rm "$n"
    IPC_DIR=$other ipc-shm rm "$n.board"
    [ "$(ipc-shm get "$n")" = ours ]
    run -69 --separate-stderr env IPC_DIR="$other" ipc-shm get "$n"
}

@test "names planted by another user are refused with exit 74, naming the owner" {
    [ "$(id -u)" = 0 ] || skip "needs root to act as another user"
    # Nobody makes an object, a board and a ring open to all, and links each
    # under the name we are about to use.
    as_nobody ipc-shm put --mode 0666 "$n.obj" <<<theirs
    as_nobody ipc-shm set --mode 0666 "$n.board" theirs
    as_nobody ipc-shm write --mode 0666 "$n.ring" </dev/null
    local kind
    for kind in obj board ring; do
        as_nobody ln "$theirs.$kind" "$shm.$kind"
    done
    run -74 --separate-stderr ipc-shm get "$n.obj"
    [ "$output" = "" ]
    [ "$stderr" = "ipc-shm: $n.obj: is owned by nobody (uid 65534), not by you: refusing to use it (ask nobody or root to remove $shm.obj, or use another name)" ]
    run -74 ipc-shm put "$n.obj" <<<mine
    run -74 ipc-shm get "$n.board"
    [ "$output" = "ipc-shm: $n.board: is owned by nobody (uid 65534), not by you: refusing to use it (ask nobody or root to remove $shm.board, or use another name)" ]
    run -74 ipc-shm set "$n.board" mine
    run -74 ipc-shm watch -t 1s "$n.board"
    run -74 ipc-shm write "$n.ring" mine
    run -74 ipc-shm read -t 1s "$n.ring"
    run -0 ipc-shm ls
    [[ "$output" == *"$n.board "*" invalid  nobody "* ]]
    run -0 ipc-shm stat "$n.obj"
    [[ "$output" == *"kind: invalid"*"owner: nobody"*"problem: is owned by nobody (uid 65534), not by you" ]]
    # Once root removed the links, nobody finds nothing of ours in theirs.
    rm "$shm.obj" "$shm.board" "$shm.ring"
    [ "$(as_nobody ipc-shm get "$n.obj")" = theirs ]
    [ "$(as_nobody ipc-shm get "$n.board")" = theirs ]
}

@test "a segment of ours with a second name is refused with exit 74" {
    ipc-shm put "$n.obj" <<<mine
    ln "$shm.obj" "$shm.alias"
    run -74 --separate-stderr ipc-shm get "$n.obj"
    [ "$stderr" = "ipc-shm: $n.obj: has 2 names (hard links), not 1: refusing to use it (remove it with 'ipc-shm rm $n.obj')" ]
    ipc-shm rm "$n.obj"
    ipc-shm put "$n.obj" <<<again
    run -0 ipc-shm get "$n.obj"
    [ "$output" = again ]
}

@test "a FIFO named like a segment blocks nothing: ls shows it invalid, get exits 74" {
    mkfifo "$shm.fifo"
    # timeout(1) turns a hang in open(2) into a failure (124).
    run -0 timeout 10 ipc-shm ls
    [[ "$output" == *"$n.fifo "*" invalid "* ]]
    run -0 timeout 10 ipc-shm stat "$n.fifo"
    [[ "$output" == *"kind: invalid"*"problem: not a regular file" ]]
    run -74 --separate-stderr timeout 10 ipc-shm get "$n.fifo"
    [ "$stderr" = "ipc-shm: $n.fifo: not a valid ipc-shm segment: not a regular file (remove it with 'ipc-shm rm $n.fifo')" ]
    run -74 timeout 10 ipc-shm read "$n.fifo"
    run -74 timeout 10 ipc-shm set "$n.fifo" v
}

@test "a missing segment exits 69 and a bad name exits 2" {
    run -69 --separate-stderr ipc-shm get "$n.none"
    [ "$stderr" = "ipc-shm: $n.none: no such shared-memory segment (see 'ipc-shm ls')" ]
    run -69 ipc-shm rm "$n.none"
    run -2 ipc-shm get ../etc/passwd
    run -2 ipc-shm put 'a b'
}

@test "set takes each message from stdin, the last one stays" {
    printf 'one\0two\0three\0' | ipc-shm set -0 "$n.b"
    run -0 ipc-shm get "$n.b"
    [ "$output" = three ]
    ipc-shm set "$n.b" x y z
    run -0 ipc-shm get --json "$n.b"
    [ "$output" = "{\"topic\":\"$n.b\",\"data\":\"z\"}" ]
}

@test "watch sees the last value of a burst of sets" {
    ipc-shm set "$n.b" 0
    spawn "$BATS_TEST_TMPDIR/last" bash -c 'ipc-shm watch "$1" | grep -m1 -x 1000' _ "$n.b"
    seq 1000 | ipc-shm set "$n.b"
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/last")" = 1000 ]
}

@test "watch follows a board that grows" {
    ipc-shm set "$n.b" small
    spawn "$BATS_TEST_TMPDIR/big" bash -c 'ipc-shm watch "$1" | grep -m1 -x "B*"' _ "$n.b"
    head -c 100000 /dev/zero | tr '\0' B | ipc-shm set --whole "$n.b"
    wait_status "$(last_pid)"
    [ "$(wc -c <"$BATS_TEST_TMPDIR/big")" = 100001 ]
}

@test "watch stops at --count, --idle and --timeout" {
    ipc-shm set "$n.b" now
    run -0 ipc-shm watch -n 1 "$n.b"
    [ "$output" = now ]
    run -0 ipc-shm watch --idle 100ms "$n.b"
    [ "$output" = now ]
    run -124 ipc-shm watch --timeout 100ms "$n.b"
    [ "$output" = now ]
}

@test "watch exits 0 on SIGTERM and SIGINT" {
    ipc-shm set "$n.b" v
    mkfifo "$BATS_TEST_TMPDIR/f"
    local signal line
    for signal in TERM INT; do
        # Like spawn, but the watcher writes to a fifo that stays open here.
        ipc-shm watch --line-buffered "$n.b" >"$BATS_TEST_TMPDIR/f" 3>&- &
        pids+=("$!")
        exec 4<"$BATS_TEST_TMPDIR/f"
        read -r line <&4 # The watcher printed, so it handles signals now.
        [ "$line" = v ]
        kill -"$signal" "$(last_pid)"
        wait_status "$(last_pid)" 0
        exec 4<&-
    done
}

@test "watch before the first set waits for it" {
    spawn "$BATS_TEST_TMPDIR/first" ipc-shm watch -n 1 -t 10s "$n.b"
    ipc-shm set "$n.b" hello
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/first")" = hello ]
}

# --- rings -------------------------------------------------------------------

# live_stream LINE: a reader and a writer on ring $n.r, both running, the
# writer reading the fifo on fd 5 and the reader's output on fd 4 (stderr in
# $BATS_TEST_TMPDIR/err); LINE has gone through. Sets $reader and $writer.
live_stream() {
    mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    ipc-shm read --line-buffered -t 30s "$n.r" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    reader=$!
    pids+=("$reader")
    exec 4<"$BATS_TEST_TMPDIR/out"
    ipc-shm write --wait-readers 1 -t 30s "$n.r" <"$BATS_TEST_TMPDIR/in" 3>&- &
    writer=$!
    pids+=("$writer")
    exec 5>"$BATS_TEST_TMPDIR/in"
    echo "$1" >&5
    local line
    read -r line <&4
    [ "$line" = "$1" ]
}

@test "1,000,000 lines go through write to two readers, whole and in order" {
    seq 1000000 >"$BATS_TEST_TMPDIR/in"
    spawn "$BATS_TEST_TMPDIR/one" ipc-shm read -t 60s "$n.r"
    local one=$!
    spawn "$BATS_TEST_TMPDIR/two" ipc-shm read -t 60s "$n.r"
    local two=$!
    ipc-shm write --wait-readers 2 -t 60s "$n.r" <"$BATS_TEST_TMPDIR/in"
    wait_status "$one"
    wait_status "$two"
    local sum
    sum=$(sha256sum <"$BATS_TEST_TMPDIR/in")
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/one")" = "$sum" ]
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/two")" = "$sum" ]
    [ ! -s "$BATS_TEST_TMPDIR/one.err" ]
}

@test "a reader SIGKILLed mid-stream does not stop the writer or the other reader" {
    seq 200000 >"$BATS_TEST_TMPDIR/in"
    mkfifo "$BATS_TEST_TMPDIR/stuck"
    # This reader's stdout is a fifo read once and then left full: it stalls
    # and holds the writer back until it is killed.
    ipc-shm read --size 64K "$n.r" >"$BATS_TEST_TMPDIR/stuck" 3>&- &
    local stuck=$!
    pids+=("$stuck")
    exec 4<"$BATS_TEST_TMPDIR/stuck"
    spawn "$BATS_TEST_TMPDIR/other" ipc-shm read --size 64K -t 60s "$n.r"
    local other=$!
    ipc-shm write --size 64K --wait-readers 2 -t 60s "$n.r" <"$BATS_TEST_TMPDIR/in" 3>&- &
    local writer=$!
    pids+=("$writer")
    local line
    read -r line <&4
    [ "$line" = 1 ]
    kill -KILL "$stuck"
    wait_status "$writer"
    wait_status "$other"
    exec 4<&-
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/other"
}

@test "a reader behind a --lossy writer reports how many messages it lost" {
    seq 100000 >"$BATS_TEST_TMPDIR/in"
    mkfifo "$BATS_TEST_TMPDIR/slow"
    ipc-shm read --size 64K -t 60s "$n.r" >"$BATS_TEST_TMPDIR/slow" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
    local reader=$!
    pids+=("$reader")
    exec 4<"$BATS_TEST_TMPDIR/slow"
    # The writer never waits: it is done long before the reader gets going.
    ipc-shm write --lossy --size 64K --wait-readers 1 -t 60s "$n.r" <"$BATS_TEST_TMPDIR/in"
    cat <&4 >"$BATS_TEST_TMPDIR/got"
    exec 4<&-
    cat "$BATS_TEST_TMPDIR/err"
    wait_status "$reader"
    local lost got
    lost=$(sed -n "s/^ipc-shm: $n.r: lost \([0-9]*\) messages: the --lossy writer overwrote them$/\1/p" \
        "$BATS_TEST_TMPDIR/err" | awk '{ s += $1 } END { print s + 0 }')
    got=$(wc -l <"$BATS_TEST_TMPDIR/got")
    # Whether the writer overran the reader, and by how much, is up to the
    # scheduler; what arrived and what was reported lost always add up.
    echo "got $got, lost $lost"
    [ $((lost + got)) -eq 100000 ]
    # What did arrive is in order, and ends with the last line.
    sort -n -c "$BATS_TEST_TMPDIR/got"
    [ "$(tail -n 1 "$BATS_TEST_TMPDIR/got")" = 100000 ]
}

@test "a reader exits 74 when the writer dies without ending the stream" {
    live_stream hello
    kill -KILL "$writer"
    wait_status "$reader" 74
    exec 4<&- 5>&-
    [ "$(cat "$BATS_TEST_TMPDIR/err")" = "ipc-shm: $n.r: the writer died before it ended the stream (run 'ipc-shm write' again)" ]
}

@test "a reader that starts after its writer was killed waits for the next writer" {
    live_stream hello
    kill -KILL "$writer"
    wait_status "$reader" 74
    exec 4<&- 5>&-
    spawn "$BATS_TEST_TMPDIR/next" ipc-shm read -n 1 -t 10s "$n.r"
    local next=$!
    run -0 ipc-shm write --wait-readers 1 -t 10s "$n.r" again
    wait_status "$next"
    [ "$(cat "$BATS_TEST_TMPDIR/next")" = again ]
    [ ! -s "$BATS_TEST_TMPDIR/next.err" ]
}

@test "each reader writes in its own framing: NUL, --json, -n" {
    spawn "$BATS_TEST_TMPDIR/nul" ipc-shm read -0 -t 10s "$n.r"
    local nul=$!
    spawn "$BATS_TEST_TMPDIR/json" ipc-shm read --json -n 2 -t 10s "$n.r"
    local json=$!
    printf 'a b\nc\n' | ipc-shm write --wait-readers 2 -t 10s "$n.r"
    wait_status "$nul"
    wait_status "$json"
    [ "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/nul")" = "a b|c|" ]
    [ "$(cat "$BATS_TEST_TMPDIR/json")" = "{\"topic\":\"$n.r\",\"data\":\"a b\"}
{\"topic\":\"$n.r\",\"data\":\"c\"}" ]
}

# no_segment NAME: nothing is left under NAME, and ls does not show it.
no_segment() {
    [ ! -e "$(ipc-shm path "$1")" ]
    run -0 ipc-shm ls
    [[ "$output" != *"$1"* ]]
}

@test "read and watch of a missing name leave no segment behind when they give up" {
    run -124 ipc-shm read --timeout 100ms "$n.typo"
    no_segment "$n.typo"
    run -0 ipc-shm read --idle 100ms "$n.typo"
    no_segment "$n.typo"
    run -124 ipc-shm watch --timeout 100ms "$n.typo"
    no_segment "$n.typo"
    local signal
    for signal in TERM INT; do
        spawn "$BATS_TEST_TMPDIR/read" ipc-shm read "$n.typo"
        within 10 test -e "$(ipc-shm path "$n.typo")" # It waits, on the ring it made.
        kill -"$signal" "$(last_pid)"
        wait_status "$(last_pid)" 0
        no_segment "$n.typo"
    done
}

@test "a writer that starts while a reader waits on a missing name is read; so is a setter" {
    spawn "$BATS_TEST_TMPDIR/read" ipc-shm read -n 1 -t 10s "$n.r"
    local reader=$!
    run -0 ipc-shm write --wait-readers 1 -t 10s "$n.r" hello
    wait_status "$reader"
    [ "$(cat "$BATS_TEST_TMPDIR/read")" = hello ]
    spawn "$BATS_TEST_TMPDIR/watch" ipc-shm watch -n 1 -t 10s "$n.b"
    local watcher=$!
    within 10 test -e "$(ipc-shm path "$n.b")"
    ipc-shm set "$n.b" value
    wait_status "$watcher"
    [ "$(cat "$BATS_TEST_TMPDIR/watch")" = value ]
    [ -e "$(ipc-shm path "$n.r")" ] && [ -e "$(ipc-shm path "$n.b")" ] # Used: they stay.
}

@test "read exits 0 on SIGTERM, --idle and -n; 124 on --timeout; write stops at -n" {
    run -124 ipc-shm read -t 100ms "$n.r"
    run -0 ipc-shm read --idle 100ms "$n.r"
    spawn "$BATS_TEST_TMPDIR/one" ipc-shm read -t 10s "$n.r"
    ipc-shm write --wait-readers 1 -t 10s -n 1 "$n.r" first second
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/one")" = first ]
    live_stream first
    kill -TERM "$reader"
    wait_status "$reader" 0
    exec 4<&- 5>&-
    wait_status "$writer" 0
}

@test "write refuses a message larger than the ring, a second writer, and another kind" {
    head -c 70000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
    run -2 --separate-stderr ipc-shm write --size 64K --whole "$n.r" <"$BATS_TEST_TMPDIR/big"
    [ "$stderr" = "ipc-shm: $n.r: a message of 70000 bytes does not fit in the ring (65488 bytes at most) (give the ring a larger --size)" ]
    mkfifo "$BATS_TEST_TMPDIR/in"
    ipc-shm write "$n.r" <"$BATS_TEST_TMPDIR/in" 3>&- &
    local first=$!
    pids+=("$first")
    exec 5>"$BATS_TEST_TMPDIR/in"
    echo x >&5 # Once this is read, the first writer owns the ring.
    run -75 --separate-stderr ipc-shm write -n 1 "$n.r" <<<y
    [[ "$stderr" == "ipc-shm: $n.r: pid $first is writing to this ring already"* ]] ||
        [[ "$stderr" == "ipc-shm: $n.r: pid "*" is writing to this ring already"* ]]
    exec 5>&-
    wait_status "$first"
    ipc-shm set "$n.b" v
    run -2 --separate-stderr ipc-shm read "$n.b"
    [ "$stderr" = "ipc-shm: $n.b: is a board, not a ring (use another name, or remove it with 'ipc-shm rm $n.b')" ]
    run -2 ipc-shm write --size 100 "$n.r"
}

@test "a corrupt ring gives a clear error and exit 74" {
    ipc-shm write "$n.r" </dev/null # Makes the ring.
    run -0 ipc-shm stat "$n.r"
    [[ "$output" == *"kind: ring"*"size: 1048576"* ]]
    # The capacity (offset 24) becomes 12345: not a power of two.
    printf '\071\060\0\0\0\0\0\0' | dd of="$shm.r" bs=1 seek=24 conv=notrunc status=none
    run -74 --separate-stderr ipc-shm read "$n.r"
    [ "$stderr" = "ipc-shm: $n.r: not a valid ipc-shm segment: ring capacity 12345 is not a power of two in range (remove it with 'ipc-shm rm $n.r')" ]
    run -74 ipc-shm write "$n.r" </dev/null
    # What read refuses, ls and stat show as invalid.
    run -0 ipc-shm ls
    [[ "$output" == *"$n.r "*" invalid "* ]]
    run -0 ipc-shm stat "$n.r"
    [[ "$output" == *"kind: invalid"*"problem: ring capacity 12345 is not a power of two in range" ]]
}

@test "write exits 143 on SIGTERM and still ends the stream for its readers" {
    live_stream one
    kill -TERM "$writer"
    wait_status "$writer" 143
    wait_status "$reader" 0
    exec 4<&- 5>&-
}
