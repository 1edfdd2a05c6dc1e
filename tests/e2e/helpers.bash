# The one set-up, teardown and set of waits of the end-to-end suites.
#
# Each test gets private directories below $BATS_TEST_TMPDIR (IPC_DIR,
# IPC_STATE_DIR, and XDG_STATE_HOME for a tool that falls back on it) and a
# name of its own, $test_id. Shared-memory segments cannot live there: they
# are in /dev/shm, named by uid and by the scope of IPC_DIR, and teardown
# removes every segment of the test's scope. So the suites share no name,
# file or port and meson runs them in parallel.
#
# Background processes are started with spawn() (or added to pids by hand)
# and stopped in teardown: SIGCONT and SIGTERM to each, and each must be gone
# 10 s later. One that is not is SIGKILLed and fails the test, naming it: a
# process that ignores SIGTERM is a bug to see, not a suite to hang.
#
# A suite that needs more defines suite_setup or suite_teardown: setup() calls
# the first at its end, teardown() the second once the processes are gone.
#
# With IPC_TEST_BACKEND=nats, each test also gets a nats-server of its own
# (port picked by the server, JetStream on, store in the test's directory)
# and IPC_URL naming it, so the same tests run on NATS; a test that needs
# what only the local backend has starts with local_only REASON.

setup() {
    export IPC_DIR="$BATS_TEST_TMPDIR/run"
    export IPC_STATE_DIR="$BATS_TEST_TMPDIR/state"
    export XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg-state"
    export LC_ALL=C
    test_id="bats${BATS_TEST_NUMBER}-$$"
    pids=()
    nats_pid=
    unset IPC_URL IPC_CREDS IPC_TLS_CA
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then
        nats_start
    fi
    if declare -F suite_setup >/dev/null; then
        suite_setup
    fi
}

teardown() {
    local pid stuck=()
    for pid in "${pids[@]}"; do
        ours "$pid" || continue
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        if ours "$pid" && ! wait_gone "$pid" 2>/dev/null; then
            stuck+=("$pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline"))")
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    local segment
    if segment=$(ipc-shm path x 2>/dev/null) && [[ $segment == /dev/shm/ipc-*:*-x ]]; then
        rm -f "${segment%x}"* # Every segment of this test's IPC_DIR.
    fi
    if [ -n "$nats_pid" ]; then
        kill -TERM "$nats_pid" 2>/dev/null || true
        wait_gone "$nats_pid" || kill -KILL "$nats_pid" 2>/dev/null || true
        wait "$nats_pid" 2>/dev/null || true
    fi
    if declare -F suite_teardown >/dev/null; then
        suite_teardown
    fi
    if [ ${#stuck[@]} -gt 0 ]; then
        printf 'still running 10 s or more after SIGTERM, killed: %s\n' "${stuck[@]}" >&2
        return 1
    fi
}

# nats_start: starts this test's nats-server and exports IPC_URL, once the
# server has written its ports file (within 5 s).
nats_start() {
    local dir=$BATS_TEST_TMPDIR/nats
    mkdir -p "$dir"
    nats-server -js -a 127.0.0.1 -p -1 --ports_file_dir "$dir" -sd "$dir/s" \
        >"$dir/log" 2>&1 3>&- &
    nats_pid=$!
    within 5 nats_ports_written "$dir" || {
        cat "$dir/log" >&2
        return 1
    }
    IPC_URL=$(sed -n 's/.*"nats":\["\([^"]*\)".*/\1/p' "$dir"/*.ports)
    export IPC_URL
}

# nats_restart: SIGKILLs this test's nats-server and starts another on the
# same port, as a crash and a restart would.
nats_restart() {
    local dir=$BATS_TEST_TMPDIR/nats port=${IPC_URL##*:}
    kill -KILL "$nats_pid"
    wait "$nats_pid" 2>/dev/null || true
    rm -f "$dir"/*.ports
    nats-server -js -a 127.0.0.1 -p "$port" --ports_file_dir "$dir" -sd "$dir/s" \
        >>"$dir/log" 2>&1 3>&- &
    nats_pid=$!
    within 5 nats_ports_written "$dir"
}

nats_ports_written() {
    local file
    for file in "$1"/*.ports; do
        [ -s "$file" ] && return 0
    done
    alive "${2:-$nats_pid}" || return 0 # Ended: the caller shows its log.
    return 1
}

# nats_serve NAME ARGS...: starts another nats-server of this test's (no
# JetStream unless ARGS say -js; ARGS may name a config file with -c), on a
# free loopback port, logging to $BATS_TEST_TMPDIR/NAME/log, stopped in
# teardown like a spawned process. Once its ports file is written (within
# 5 s) served_url holds its client URL.
nats_serve() {
    local dir=$BATS_TEST_TMPDIR/$1
    shift
    mkdir -p "$dir"
    nats-server -a 127.0.0.1 -p -1 --ports_file_dir "$dir" "$@" >"$dir/log" 2>&1 3>&- &
    pids+=("$!")
    within 5 nats_ports_written "$dir" "$!" && [ -s "$(echo "$dir"/*.ports)" ] || {
        cat "$dir/log" >&2
        return 1
    }
    served_url=$(sed -n 's/.*"nats":\["\([^"]*\)".*/\1/p' "$dir"/*.ports)
}

# local_only REASON: skips the current test unless it runs on the local
# backend (counted as skipped).
local_only() {
    if [ "${IPC_TEST_BACKEND:-local}" != local ]; then
        skip "local only: $1"
    fi
}

# nats_only REASON: the same for a test of what only NATS does.
nats_only() {
    if [ "${IPC_TEST_BACKEND:-local}" != nats ]; then
        skip "NATS only: $1"
    fi
}

# ours PID: PID is still a child of this shell (running or a zombie), not a
# process that took the number of one already reaped.
ours() {
    local stat ppid
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    read -r _ ppid _ <<<"${stat##*) }"
    [ "$ppid" = "$BASHPID" ]
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

# wait_status PID [STATUS]: wait for a spawned process and fail unless it
# exited STATUS (0 by default).
wait_status() {
    local pid=$1 want=${2:-0} status=0
    wait "$pid" || status=$?
    if [ "$status" != "$want" ]; then
        echo "process $pid exited $status, expected $want" >&2
        return 1
    fi
}

# within SECONDS CMD...: run CMD every 10 ms until it succeeds. Fails, saying
# what, once SECONDS have passed by the clock and CMD was tried SECONDS * 10
# times: a machine that stalls (stopped, swapping) gets its tries all the same.
within() {
    local seconds=$1 tries=0 end
    shift
    end=$((SECONDS + seconds))
    until "$@"; do
        if ((++tries >= seconds * 10 && SECONDS > end)); then
            echo "still not true after ${seconds}s: $*" >&2
            return 1
        fi
        sleep 0.01
    done
}

# alive PID: PID exists and is not a zombie.
alive() {
    local stat state
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    read -r state _ <<<"${stat##*) }"
    [ -n "$state" ] && [ "$state" != Z ]
}

# none_alive PID...: no PID is alive.
none_alive() {
    local pid
    for pid in "$@"; do
        ! alive "$pid" || return 1
    done
}

# wait_gone PID...: every PID ends (or is a zombie) within 10 s.
wait_gone() {
    within 10 none_alive "$@"
}

# wait_file FILE: FILE exists and is not empty within 10 s.
wait_file() {
    within 10 test -s "$1"
}

# wait_ready FILE PID ERR: the ready file that PID writes exists within 10 s;
# fails at once, showing ERR, if PID ends first.
wait_ready() {
    local file=$1 pid=$2 err=$3
    within 10 ready_or_ended "$file" "$pid" || return 1
    [ -e "$file" ] || {
        echo "server $pid ended before writing $file: $(cat "$err" 2>/dev/null)" >&2
        return 1
    }
}

ready_or_ended() {
    [ -e "$1" ] || ! alive "$2"
}

# serve OUT ARGS...: ipc-serve --ready-file OUT.ready ARGS... in the
# background (stdout in OUT, stderr in OUT.err), once it accepts requests.
serve() {
    local out=$1
    shift
    spawn "$out" ipc-serve --ready-file "$out.ready" "$@"
    wait_ready "$out.ready" "$(last_pid)" "$out.err"
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
