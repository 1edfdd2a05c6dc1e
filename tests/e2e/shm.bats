# ipc-shm: objects and boards, driven through the real binary. Segments live in
# /dev/shm named by uid only, so each test uses names unique to it and removes
# them in teardown.

bats_require_minimum_version 1.5.0
load helpers

eval "$(declare -f setup | sed '1s/^setup/helpers_setup/')"
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"

setup() {
    helpers_setup
    n="bats${BATS_TEST_NUMBER}-$$"
    shm=/dev/shm/ipc-$(id -u)-$n
}

teardown() {
    helpers_teardown
    rm -f "$shm".* "$shm"
}

@test "10 MiB of random bytes go through put and get unchanged" {
    head -c 10485760 /dev/urandom >"$BATS_TEST_TMPDIR/in"
    ipc-shm put "$n.big" <"$BATS_TEST_TMPDIR/in"
    ipc-shm get "$n.big" >"$BATS_TEST_TMPDIR/out"
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/in")" = "$(sha256sum <"$BATS_TEST_TMPDIR/out")" ]
    ipc-shm put "$n.file" "$BATS_TEST_TMPDIR/in"
    ipc-shm get "$n.file" | cmp - "$BATS_TEST_TMPDIR/in"
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
    [ -z "$(ls /dev/shm | grep -F "ipc-$(id -u)-$n.x~")" ]
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
