# shellcheck shell=bash
# Sourced by the benchmarks in scripts/bench/: a private scratch folder, the
# background processes they start (killed by PID at exit), free loopback
# ports, bounded waits, timing and hyperfine means. Bash only.
#
# Rules every benchmark keeps (DESIGN §8): ours and the anchor run in the same
# invocation; traffic goes to 127.0.0.1 only; every wait is bounded in count
# and time; nothing is left behind, neither processes nor files.

export LC_ALL=C # A '.' decimal point in $EPOCHREALTIME, awk and printf.

bench_dir=""  # The scratch folder, removed at exit.
bench_pids=() # Background processes still to kill at exit.

# bench_die MESSAGE...: print "NAME: MESSAGE" on stderr and exit 1.
bench_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# bench_need COMMAND...: fail early, naming every command that is missing.
bench_need() {
    local missing=() command
    for command in "$@"; do
        command -v "$command" >/dev/null 2>&1 || missing+=("$command")
    done
    [ ${#missing[@]} -eq 0 ] || bench_die "missing ${missing[*]} (scripts/setup installs them)"
}

# bench_start: make the scratch folder ($bench_dir) and arrange the clean-up.
bench_start() {
    bench_dir=$(mktemp -d "${TMPDIR:-/tmp}/ipc-bench.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# bench_track PID: kill PID at exit unless bench_reap took it back first.
bench_track() {
    bench_pids+=("$1")
}

# bench_forget PID...: PIDs that ended and were waited for: not to be killed.
bench_forget() {
    local pid kept=()
    for pid in "${bench_pids[@]}"; do
        [[ " $* " == *" $pid "* ]] || kept+=("$pid")
    done
    bench_pids=("${kept[@]}")
}

# bench_reap PID...: end each PID (TERM, then KILL after 2 s) and collect its
# status, ignoring it; then forget it.
bench_reap() {
    local pid tries
    for pid in "$@"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "$@"; do
        for ((tries = 0; tries < 40; tries++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    bench_forget "$@"
}

bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ ${#bench_pids[@]} -eq 0 ] || bench_reap "${bench_pids[@]}"
    [ -z "$bench_dir" ] || rm -rf "$bench_dir"
    exit "$status"
}

# bench_free_port: print a TCP port of 127.0.0.1 that nobody listens on now.
bench_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# bench_until SECONDS COMMAND...: run COMMAND every 10 ms until it succeeds;
# fail after SECONDS. For readiness checks, never as a stand-in for them.
bench_until() {
    local tries=$(($1 * 100))
    shift
    while ! "$@" 2>/dev/null; do
        ((--tries > 0)) || return 1
        sleep 0.01
    done
}

# bench_listening PORT: true when something accepts connections on PORT.
bench_listening() {
    (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# bench_now: the wall clock in seconds, to the microsecond.
bench_now() {
    echo "$EPOCHREALTIME"
}

# bench_sub SECONDS_A SECONDS_B: print B - A.
bench_sub() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'
}

# bench_size FILE: its size in bytes (0 when missing).
bench_size() {
    stat -c %s "$1" 2>/dev/null || echo 0
}

# bench_watchdog PID FILE IDLE MAX: in the background, end PID if FILE has not
# grown for IDLE seconds, or MAX seconds after the start. For anchors that
# may lose messages and so never reach their count. The time FILE was last
# seen growing goes to FILE.last, and "killed" to FILE.killed when the
# watchdog had to end PID. Once PID is gone, bench_watchdog_end.
bench_watchdog() {
    local pid=$1 file=$2 idle=$3 max=$4
    (
        start=$EPOCHREALTIME
        last=$start
        size=-1
        while kill -0 "$pid" 2>/dev/null; do
            now=$EPOCHREALTIME
            new=$(bench_size "$file")
            if [ "$new" != "$size" ]; then
                size=$new
                last=$now
                echo "$last" >"$file.last"
            fi
            if awk -v n="$now" -v l="$last" -v s="$start" -v i="$idle" -v m="$max" \
                'BEGIN { exit !(n - l > i || n - s > m) }'; then
                echo killed >"$file.killed"
                kill "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
    ) &
    bench_watchdog_pid=$!
    bench_track "$bench_watchdog_pid"
}

# bench_watchdog_end: wait for the watchdog, which ends within 0.2 s of its PID.
bench_watchdog_end() {
    wait "$bench_watchdog_pid" || true
    bench_forget "$bench_watchdog_pid"
}

# bench_hyperfine_means JSON: print "mean stddev" in seconds, one line per
# command, in the order hyperfine ran them.
bench_hyperfine_means() {
    python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["mean"], r["stddev"] or 0)' "$1"
}
