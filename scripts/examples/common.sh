# Sourced by the examples: a private runtime dir and scratch folder unless the
# caller chose one, and clean-up of the background processes by PID.
set -eu
IPC_DIR=${IPC_DIR:-$(mktemp -d)/run}
export IPC_DIR
scratch=$(mktemp -d)
background=""
cleanup() {
    for pid in $background; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# check NAME EXPECTED-FILE GOT-FILE: say what differs and fail, or say ok.
check() {
    if ! diff -u "$2" "$3" >&2; then
        echo "$1: unexpected output" >&2
        exit 1
    fi
    echo "$1: ok"
}

# check_heard PEER...: each PEER's file in $scratch holds the lines of
# $scratch/want, in any order.
check_heard() {
    for peer in "$@"; do
        sort "$scratch/$peer" >"$scratch/$peer.sorted"
        check "$peer heard everyone" "$scratch/want" "$scratch/$peer.sorted"
    done
}
