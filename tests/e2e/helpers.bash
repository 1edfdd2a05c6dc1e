# Shared set-up for the end-to-end suites: a private runtime dir per test,
# background processes started through spawn() and killed by PID in teardown.

setup() {
    export IPC_DIR="$BATS_TEST_TMPDIR/run"
    export IPC_STATE_DIR="$BATS_TEST_TMPDIR/state"
    export LC_ALL=C
    pids=()
}

teardown() {
    local pid
    for pid in "${pids[@]}"; do
        kill -CONT "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# spawn OUT CMD...: run CMD in the background with stdout in OUT and stderr in
# OUT.err. Closing fd 3 matters: bats waits on it, so a child holding it would
# hang the suite.
spawn() {
    local out=$1
    shift
    "$@" >"$out" 2>"$out.err" 3>&- &
    pids+=("$!")
}

# The PID of the last spawned process.
last_pid() {
    echo "${pids[${#pids[@]} - 1]}"
}

# wait_ok PID: wait for a spawned process and fail unless it exited 0.
wait_status() {
    local pid=$1 want=${2:-0} status=0
    wait "$pid" || status=$?
    if [ "$status" != "$want" ]; then
        echo "process $pid exited $status, expected $want" >&2
        return 1
    fi
}

# within SECONDS CMD...: run CMD every 10 ms until it succeeds; fail after SECONDS.
within() {
    local seconds=$1 tries
    shift
    for ((tries = 0; tries < seconds * 100; tries++)); do
        "$@" && return 0
        sleep 0.01
    done
    echo "still not true after ${seconds}s: $*" >&2
    return 1
}

# at_least N FILE: FILE has N lines or more.
at_least() {
    [ "$(wc -l <"$2")" -ge "$1" ]
}

# $list_fds: shell code printing the descriptors open in the shell that runs
# it, each followed by a space. Builtins only: a pipeline or $(...) would
# show its own pipes, and the glob's directory is closed before the -e test.
# shellcheck disable=SC2016 # Expanded by that shell.
list_fds='for f in /proc/$$/fd/*; do if [ -e "$f" ]; then printf "%s " "${f##*/}"; fi; done'
