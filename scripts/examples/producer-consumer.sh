#!/bin/sh
# Producer-consumer: three producers push jobs to a durable queue while three
# workers take them, two handlers at a time each. A handler that fails gets
# its job again later (at-least-once), and each job's result is pushed to a
# second queue only when it succeeded, so every result comes out exactly once.
. "$(dirname "$0")/common.sh"
# The queues are files in the state dir: a private one unless the caller chose.
IPC_STATE_DIR=${IPC_STATE_DIR:-$scratch/state}
export IPC_STATE_DIR

# Square a job; the first try of job 7 fails, to show the retry.
cat >"$scratch/square" <<'HANDLER'
#!/bin/sh
read -r n
if [ "$n" -eq 7 ] && [ "$IPC_ATTEMPT" -eq 1 ]; then
    echo "job $n: failing on purpose, once" >&2
    exit 1
fi
ipc-queue push results "$n $((n * n))"
HANDLER
chmod +x "$scratch/square"

# Consumers of a queue that does not exist may refuse it: make both first.
ipc-queue push jobs </dev/null
ipc-queue push results </dev/null
for _ in 1 2 3; do
    ipc-queue work jobs -j 2 --backoff 10ms -- "$scratch/square" &
    background="$background $!"
done
producers=""
for first in 1 101 201; do
    seq "$first" $((first + 99)) | ipc-queue push jobs &
    producers="$producers $!"
done
for pid in $producers; do
    wait "$pid"
done

# pop --wait sleeps until the workers' pushes wake it: no polling, no sleep.
ipc-queue pop results --wait -n 300 --timeout 30s | sort -n >"$scratch/got"
seq 300 | awk '{ print $1, $1 * $1 }' >"$scratch/want"
check 'three producers, three workers: every result exactly once' "$scratch/want" "$scratch/got"

# SIGTERM: each worker finishes the handlers it runs, then exits 0.
for pid in $background; do
    kill "$pid"
    wait "$pid"
done
background=""
ipc-queue stat jobs | awk 'NR == 2 { print "jobs left:", $2 + $3 + $4, "dead:", $5 }' >"$scratch/left"
echo 'jobs left: 0 dead: 0' >"$scratch/want-left"
check 'the queue is empty, nothing dead' "$scratch/want-left" "$scratch/left"
