#!/bin/sh
# Shared memory: an object handed over whole, a ring that streams every
# message to each of two readers, and a board (a latest value) that two
# watchers follow while a writer updates it a thousand times.
. "$(dirname "$0")/common.sh"
# Segments live in /dev/shm (named after IPC_DIR): remove ours at the end.
remove_segments() {
    for segment in frame log temp; do
        ipc-shm rm "$segment" 2>/dev/null || true
    done
    cleanup
}
trap remove_segments EXIT

# An object: put replaces it whole, get prints its exact bytes.
head -c 1000000 /dev/urandom >"$scratch/frame"
ipc-shm put frame "$scratch/frame"
ipc-shm get frame >"$scratch/frame-got"
cmp "$scratch/frame" "$scratch/frame-got"
echo 'object: a megabyte of random bytes, unchanged: ok'

# A ring: the readers register first, the writer waits for both of them.
for reader in 1 2; do
    ipc-shm read log >"$scratch/read.$reader" &
    background="$background $!"
done
seq 10000 | ipc-shm write --wait-readers 2 --timeout 10s log
wait # Each reader exits 0 once it has printed the end of the stream.
background=""
seq 10000 >"$scratch/want-log"
check 'ring: reader 1 got every message' "$scratch/want-log" "$scratch/read.1"
check 'ring: reader 2 got every message' "$scratch/want-log" "$scratch/read.2"

# A board: each watcher prints the current value, then each new one,
# skipping to the newest when it falls behind. Reading a watcher's first
# line tells that it is there.
ipc-shm set temp 0
for watcher in 1 2; do
    mkfifo "$scratch/watch.$watcher"
    ipc-shm watch temp >"$scratch/watch.$watcher" &
    background="$background $!"
done
exec 4<"$scratch/watch.1" 5<"$scratch/watch.2"
read -r first1 <&4
read -r first2 <&5
[ "$first1.$first2" = 0.0 ] || { echo "board: watchers began with $first1 and $first2, not 0" >&2; exit 1; }
seq 1000 | ipc-shm set temp
sed '/^1000$/q' <&4 >"$scratch/seen.1" # Up to the last value.
sed '/^1000$/q' <&5 >"$scratch/seen.2"
for watcher in 1 2; do
    # Newer values only, each at most once, ending with the last one.
    if ! sort -n -u -c "$scratch/seen.$watcher" || [ "$(tail -n 1 "$scratch/seen.$watcher")" != 1000 ]; then
        echo "board: watcher $watcher saw values out of order, or not the last" >&2
        exit 1
    fi
    echo "board: watcher $watcher followed to the last value, $(wc -l <"$scratch/seen.$watcher") of 1000 seen in order: ok"
done
