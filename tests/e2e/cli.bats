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

@test "CLI11 is included only by the mains and lib/ipc/cli" {
    run -0 grep -rl --include='*.[ch]pp' 'CLI/CLI.hpp' "$IPC_SOURCE_ROOT/lib" "$IPC_SOURCE_ROOT/tests"
    for file in "${lines[@]}"; do
        [[ "$file" == "$IPC_SOURCE_ROOT/lib/ipc/cli/"* ]] || { echo "$file includes CLI11"; return 1; }
    done
}
