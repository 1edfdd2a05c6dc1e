bats_require_minimum_version 1.5.0
load helpers

# The contract every tool shares (util-linux's checkusage idea), checked for
# every tool folder under cmd/.

tools() {
    local dir
    for dir in "$IPC_SOURCE_ROOT"/cmd/ipc-*/; do
        basename "$dir"
    done
}

@test "every tool prints --help on stdout and exits 0 with nothing on stderr" {
    for tool in $(tools); do
        run -0 --separate-stderr "$tool" --help
        [ -n "$output" ] || { echo "$tool: empty help"; return 1; }
        [ -z "$stderr" ] || { echo "$tool: $stderr"; return 1; }
        [[ "$output" == *"See $tool(1)."* ]] || { echo "$tool: no man page pointer"; return 1; }
    done
}

@test "every tool prints --version and exits 0" {
    for tool in $(tools); do
        run -0 --separate-stderr "$tool" --version
        [[ "$output" == "$tool (ipckit) "[0-9]* ]] || { echo "$tool: $output"; return 1; }
        [ -z "$stderr" ]
    done
}

@test "an unknown option exits 2 with one error line naming the tool" {
    for tool in $(tools); do
        run -2 --separate-stderr "$tool" --no-such-option
        [ "${#stderr_lines[@]}" = 1 ] || { echo "$tool: $stderr"; return 1; }
        [[ "$stderr" == "$tool: "*"(try '$tool --help')" ]] || { echo "$tool: $stderr"; return 1; }
        [ -z "$output" ]
    done
}

@test "a bad value gets our wording and exit 2, not CLI11's" {
    run -2 --separate-stderr ipc-sub -n -5 t
    [ "$stderr" = "ipc-sub: --count: '-5' is not a count of 1 or more (try 'ipc-sub --help')" ]
    run -2 --separate-stderr ipc-sub --timeout 5parsecs t
    [[ "$stderr" == "ipc-sub: --timeout: '5parsecs' is not a duration"* ]]
    run -2 --separate-stderr ipc-sub --null --len t
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-sub: --null excludes --len"* ]]
}

@test "every long option in --help is documented in the tool's man page" {
    local man=$IPC_SOURCE_ROOT/man
    for tool in $(tools); do
        [ -f "$man/$tool.1.scd" ] || { echo "$tool: no man page"; return 1; }
        pages=("$man/$tool.1.scd")
        while read -r include; do
            pages+=("$man/include/$include")
        done < <(sed -n 's/^; include //p' "$man/$tool.1.scd")
        for option in $("$tool" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
            grep -q -- "\*$option\*" "${pages[@]}" ||
                { echo "$tool: $option is not in its man page"; return 1; }
        done
    done
}

@test "the man pages render without groff warnings" {
    local built=$IPC_BUILD_ROOT/man
    [ -d "$built" ] || skip "man pages are not built (no scdoc)"
    for page in "$built"/*.[17]; do
        run -0 --separate-stderr groff -man -ww -z "$page"
        [ -z "$stderr" ] || { echo "$page: $stderr"; return 1; }
    done
}

@test "library modules include only from the layers below them" {
    # core -> framing, names, wire -> io -> pubsub, reqrep, queue, shm -> nats -> backend -> cli
    declare -A rank=([core]=0 [framing]=1 [names]=1 [wire]=1 [io]=2 [pubsub]=3 [reqrep]=3
        [queue]=3 [shm]=3 [nats]=4 [backend]=5 [cli]=6)
    local bad=0 file module used
    while read -r file; do
        module=${file#"$IPC_SOURCE_ROOT"/lib/ipc/}
        module=${module%%/*}
        module=${module%.*}
        while read -r used; do
            [ "$used" = "$module" ] && continue
            if [ "${rank[$used]:-99}" -ge "${rank[$module]}" ]; then
                echo "$file includes from $used"
                bad=1
            fi
        done < <(sed -n 's|^#include "ipc/\([a-z]*\)[/.].*|\1|p' "$file")
    done < <(find "$IPC_SOURCE_ROOT/lib/ipc" -name '*.[ch]pp')
    [ "$bad" = 0 ]
}

@test "no tool links libnats, libssl or libcrypto: NATS is loaded only when a URL asks" {
    for tool in $(tools); do
        run -0 readelf -d "$(command -v "$tool")"
        [[ "$output" != *libnats* && "$output" != *libssl* && "$output" != *libcrypto* ]] ||
            { echo "$tool: $output"; return 1; }
    done
}

@test "nats.h is included only in lib/ipc/nats" {
    run grep -rlE --include='*.[ch]pp' --include='*.c' '#include [<"]nats/' \
        "$IPC_SOURCE_ROOT/lib" "$IPC_SOURCE_ROOT/cmd" "$IPC_SOURCE_ROOT/tests"
    [ "${#lines[@]}" -gt 0 ] # The NATS backend itself does.
    for file in "${lines[@]}"; do
        [[ "$file" == "$IPC_SOURCE_ROOT/lib/ipc/nats/"* ]] || { echo "$file includes nats.h"; return 1; }
    done
}

@test "only ipc-queue links libsqlite3: the other tools start without loading it" {
    for tool in $(tools); do
        run -0 readelf -d "$(command -v "$tool")"
        if [ "$tool" = ipc-queue ]; then
            [[ "$output" == *libsqlite3* ]] || { echo "$tool: $output"; return 1; }
        else
            [[ "$output" != *libsqlite3* ]] || { echo "$tool: $output"; return 1; }
        fi
    done
}

@test "every C++ file is formatted as .clang-format says" {
    local files
    mapfile -t files < <(find "$IPC_SOURCE_ROOT/lib" "$IPC_SOURCE_ROOT/cmd" "$IPC_SOURCE_ROOT/tests" \
        -name '*.[ch]pp' -o -name '*.[ch]')
    [ "${#files[@]}" -gt 100 ]
    run -0 clang-format --dry-run --Werror "${files[@]}"
}

@test "CLI11 is included only by the mains and lib/ipc/cli" {
    run -0 grep -rl --include='*.[ch]pp' 'CLI/CLI.hpp' "$IPC_SOURCE_ROOT/lib" "$IPC_SOURCE_ROOT/tests"
    for file in "${lines[@]}"; do
        [[ "$file" == "$IPC_SOURCE_ROOT/lib/ipc/cli/"* ]] || { echo "$file includes CLI11"; return 1; }
    done
}

# without FD CMD...: CMD with descriptor FD closed, killed after 10 s (status
# 137), so that a tool that hangs fails the test instead of the suite.
without() {
    local fd=$1
    shift
    timeout -s KILL 10 "$@" {fd}>&-
}

# A closed standard descriptor stays closed to the tool: a file it opens later
# must not take its number (a signalfd on fd 0 was read as input, for ever).
# Using it fails as on a closed descriptor (EBADF): exit 74, one line, nothing lost.

@test "every tool given a closed stdin fails to read it with 74 and never hangs" {
    serve "$BATS_TEST_TMPDIR/svc" svc -- cat
    run -74 --separate-stderr without 0 ipc-pub t
    [ "$stderr" = "ipc-pub: read stdin: Bad file descriptor" ]
    run -0 without 0 ipc-pub t message-arguments-need-no-stdin
    run -74 --separate-stderr without 0 ipc-req svc
    [ "$stderr" = "ipc-req: read stdin: Bad file descriptor" ]
    run -0 without 0 ipc-req svc hello
    [ "$output" = hello ]
    run -74 --separate-stderr without 0 ipc-queue push q
    [ "$stderr" = "ipc-queue: read stdin: Bad file descriptor" ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":0,'* ]]
    run -74 --separate-stderr without 0 ipc-shm write r
    [ "$stderr" = "ipc-shm: read stdin: Bad file descriptor" ]
    # In stdio mode the replies come from stdin: it has ended, so the server
    # ends at once, and cleanly.
    run -0 --separate-stderr without 0 ipc-serve stdio
    [ -z "$output" ]
    spawn "$BATS_TEST_TMPDIR/got" without 0 ipc-sub -n 1 -t 10s t
    ipc-pub --wait-subs 1 -t 10s t to-the-subscriber
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = to-the-subscriber ]
}

@test "every tool given a closed stdout fails to write it with 74, loses nothing and never hangs" {
    serve "$BATS_TEST_TMPDIR/svc" svc -- cat
    run -74 --separate-stderr without 1 ipc-req svc hello
    [ "$stderr" = "ipc-req: write stdout: Bad file descriptor" ]
    ipc-queue push q a b
    run -74 --separate-stderr without 1 ipc-queue pop q
    [ "$stderr" = "ipc-queue: write stdout: Bad file descriptor" ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":2,"delayed":0,"leased":0,'* ]]
    ipc-shm put "$test_id.obj" <<<data
    run -74 --separate-stderr without 1 ipc-shm get "$test_id.obj"
    [ "$stderr" = "ipc-shm: write stdout: Bad file descriptor" ]
    spawn "$BATS_TEST_TMPDIR/pub" ipc-pub --wait-subs 1 -t 10s t hello
    run -74 --separate-stderr without 1 ipc-sub -n 1 -t 10s t
    [ "$stderr" = "ipc-sub: write stdout: Bad file descriptor" ]
    wait_status "$(last_pid)"
    # Tools that write nothing on stdout work as usual.
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 1 -t 10s t
    run -0 without 1 ipc-pub --wait-subs 1 -t 10s t published
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = published ]
    spawn "$BATS_TEST_TMPDIR/srv" without 1 ipc-serve -n 1 --ready-file "$BATS_TEST_TMPDIR/srv.ready" quiet -- cat
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$(last_pid)" "$BATS_TEST_TMPDIR/srv.err"
    run -0 ipc-req quiet answered
    [ "$output" = answered ]
    wait_status "$(last_pid)"
}

@test "every tool given a closed stderr works as usual and never hangs" {
    serve "$BATS_TEST_TMPDIR/svc" svc -- cat
    spawn "$BATS_TEST_TMPDIR/got" without 2 ipc-sub -n 2 -t 10s t
    run -0 without 2 ipc-pub --wait-subs 1 -t 10s t one
    run -0 without 2 ipc-pub t two <<<two
    wait_status "$(last_pid)"
    printf '%s\n' one two | diff -u - "$BATS_TEST_TMPDIR/got"
    run -0 without 2 ipc-req svc hello
    [ "$output" = hello ]
    run -0 without 2 ipc-queue push q item
    run -0 without 2 ipc-queue pop q
    [ "$output" = item ]
    run -0 without 2 ipc-shm put "$test_id.obj" <<<data
    run -0 without 2 ipc-shm get "$test_id.obj"
    [ "$output" = data ]
    spawn "$BATS_TEST_TMPDIR/srv" without 2 ipc-serve -n 1 --ready-file "$BATS_TEST_TMPDIR/srv.ready" closed-err -- cat
    wait_ready "$BATS_TEST_TMPDIR/srv.ready" "$(last_pid)" "$BATS_TEST_TMPDIR/srv.err"
    run -0 ipc-req closed-err answered
    [ "$output" = answered ]
    wait_status "$(last_pid)"
    # Errors still set the status; their line has nowhere to go.
    run -2 --separate-stderr without 2 ipc-pub 'a..b' x
    [ -z "$output" ]
    [ -z "$stderr" ]
}
