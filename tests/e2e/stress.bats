bats_require_minimum_version 1.5.0
load helpers

# Nothing lost, nothing crossed, nothing hung (issue 10), under random
# SIGKILLs and SIGSTOPs. Each test takes a seed from IPC_STRESS_SEED, or a
# random one, and prints it, so that a failure can be replayed. Every wait is
# bounded: a tool that hangs fails the test within about a minute.

stress_seed() {
    seed=${IPC_STRESS_SEED:-$((RANDOM * 32768 + RANDOM))}
    echo "seed: IPC_STRESS_SEED=$seed"
    RANDOM=$seed
}

# The handler appends its item to the file $0, with or without the item's
# trailing newline on its stdin. An empty item is an error (none is pushed).
handler=(sh -c 'IFS= read -r item; [ -n "$item" ] || exit 1; printf "%s\n" "$item" >>"$0"')

@test "queue: workers SIGKILLed at random while producers push: every item done, none lost" {
    stress_seed
    local dir=$BATS_TEST_TMPDIR producers=3 pushes=20 per_push=5
    local total=$((producers * pushes * per_push))
    local worker_args=(jobs --create -j2 --lease 2s --max-attempts 1000 -- "${handler[@]}" "$dir/done")
    : >"$dir/done"
    # Producer p pushes p*100000 + 1, 2, ... in pushes of per_push items each.
    for ((p = 1; p <= producers; p++)); do
        spawn "$dir/producer$p" timeout 30 sh -c '
            for push in $(seq 0 $(($2 - 1))); do
                first=$(($1 * 100000 + push * $3 + 1))
                ipc-queue push jobs $(seq $first $((first + $3 - 1))) || exit
            done' _ "$p" "$pushes" "$per_push"
    done
    local producer_pids=("${pids[@]}") workers=()
    spawn "$dir/worker" ipc-queue work "${worker_args[@]}"
    workers+=("$(last_pid)")
    spawn "$dir/worker" ipc-queue work "${worker_args[@]}"
    workers+=("$(last_pid)")
    # Every few items done, one of the two workers, at random, dies and is replaced.
    local kills=0 done_at
    for ((done_at = 20; done_at < total * 3 / 4; done_at += 15 + RANDOM % 20)); do
        within 20 at_least "$done_at" "$dir/done"
        local victim=$((RANDOM % 2))
        kill -KILL "${workers[$victim]}"
        wait_status "${workers[$victim]}" 137
        spawn "$dir/worker" ipc-queue work "${worker_args[@]}"
        workers[$victim]=$(last_pid)
        kills=$((kills + 1))
    done
    echo "killed $kills workers"
    [ "$kills" -ge 5 ]
    for pid in "${producer_pids[@]}"; do
        wait_status "$pid"
    done
    # Stop the live workers (SIGTERM: they finish what they run), then drain:
    # the items the killed ones held come back when their lease runs out.
    # A worker spawned just now may get SIGTERM before it has set its
    # handler, and die of it (143): its items come back as a SIGKILLed one's.
    kill -TERM "${workers[@]}"
    local status
    for pid in "${workers[@]}"; do
        status=0
        wait "$pid" || status=$?
        [ "$status" = 0 ] || [ "$status" = 143 ]
    done
    run -0 timeout 30 ipc-queue work --drain "${worker_args[@]}"
    for ((p = 1; p <= producers; p++)); do
        seq $((p * 100000 + 1)) $((p * 100000 + pushes * per_push))
    done >"$dir/pushed"
    sort -u "$dir/done" | diff -u "$dir/pushed" -
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,"dead":0,'* ]]
}

@test "pub/sub: subscribers SIGSTOPped and SIGKILLed while --drop publishers run: counts add up exactly" {
    stress_seed
    # A chunk (400 kB of lines) is more than a stopped subscriber's socket
    # and the publisher's buffer for it hold together: two make it drop.
    local dir=$BATS_TEST_TMPDIR chunks=10 chunk=50000 n=5
    local published=$((chunks * chunk)) # By each publisher.
    # Five subscribers with roles dealt at random: one only reads; one is
    # stopped before the first message and let go only once the publishers
    # are done; one is stopped three times and let go twice; one is killed
    # while it reads; one is killed while it is stopped.
    local subs=() roles=(reads stopped stops killed stopped-killed) i j c
    for ((i = 0; i < n; i++)); do
        spawn "$dir/sub$i" ipc-sub -t 60s s
        subs+=("$(last_pid)")
    done
    for ((i = n - 1; i > 0; i--)); do
        j=$((RANDOM % (i + 1)))
        set -- "${roles[$i]}" "${roles[$j]}"
        roles[$i]=$2 roles[$j]=$1
    done
    echo "roles: ${roles[*]}"
    # After which chunk each subscriber gets which signal.
    local -A signals=()
    for ((i = 0; i < n; i++)); do
        case ${roles[$i]} in
        stopped) signals[$i:-1]=STOP ;;
        stops)
            signals[$i:$((RANDOM % 2))]=STOP signals[$i:2]=CONT
            signals[$i:$((3 + RANDOM % 2))]=STOP signals[$i:5]=CONT
            signals[$i:$((6 + RANDOM % 2))]=STOP
            ;;
        killed) signals[$i:$((RANDOM % (chunks - 1)))]=KILL ;;
        stopped-killed)
            c=$((RANDOM % 3))
            signals[$i:$c]=STOP signals[$i:$((c + 1 + RANDOM % (chunks - c - 2)))]=KILL
            ;;
        esac
    done
    # Two publishers, fed chunk by chunk through FIFOs, so that every signal
    # comes while both run. Publisher p publishes p000001, p000002, ...
    mkfifo "$dir/in1" "$dir/in2"
    for p in 1 2; do
        spawn "$dir/pub$p" sh -c 'exec timeout 30 ipc-pub --drop --wait-subs "$2" -t 10s s <"$1"' \
            _ "$dir/in$p" "$n"
    done
    local pubs=("${pids[@]:n:2}")
    exec 5>"$dir/in1" 6>"$dir/in2"
    for ((c = -1; c < chunks; c++)); do
        if ((c >= 0)); then
            seq $((1000000 + c * chunk + 1)) $((1000000 + (c + 1) * chunk)) >&5
            seq $((2000000 + c * chunk + 1)) $((2000000 + (c + 1) * chunk)) >&6
        fi
        for ((i = 0; i < n; i++)); do
            [ -z "${signals[$i:$c]:-}" ] || kill -"${signals[$i:$c]}" "${subs[$i]}"
        done
    done
    exec 5>&- 6>&-
    wait_status "${pubs[0]}"
    wait_status "${pubs[1]}"
    cat "$dir/pub1.err" "$dir/pub2.err"
    # One line per subscriber that missed messages, from each publisher.
    local pattern='^ipc-pub: s: dropped ([0-9]+) of ([0-9]+) messages for the slow subscriber with pid ([0-9]+) \(--drop\)$'
    local -A dropped=() survivor=()
    for ((i = 0; i < n; i++)); do
        [[ ${roles[$i]} == *killed ]] || survivor[${subs[$i]}]=1
    done
    local line
    while IFS= read -r line; do
        [[ "$line" =~ $pattern ]] || { echo "unexpected: $line"; return 1; }
        local count=${BASH_REMATCH[1]} of=${BASH_REMATCH[2]} pid=${BASH_REMATCH[3]}
        dropped[$pid]=$((${dropped[$pid]:-0} + count))
        # A survivor was there from first to last: all was delivered or dropped.
        [ -z "${survivor[$pid]:-}" ] || [ "$of" = "$published" ] ||
            { echo "subscriber $pid: $of, not $published"; return 1; }
    done < <(cat "$dir/pub1.err" "$dir/pub2.err")
    for ((i = 0; i < n; i++)); do
        local sub=${subs[$i]} got=$dir/sub$i
        if [ -n "${survivor[$sub]:-}" ]; then
            # It gets exactly what was published less what was reported
            # dropped for it. The publishers are gone: once that many lines
            # are there, anything more would be a bug.
            kill -CONT "$sub"
            local expected=$((2 * published - ${dropped[$sub]:-0}))
            echo "subscriber $sub (${roles[$i]}): expecting $expected"
            within 20 at_least "$expected" "$got"
            kill -TERM "$sub"
            wait_status "$sub"
            [ "$(wc -l <"$got")" = "$expected" ]
            [ ! -s "$got.err" ]
            [[ ${roles[$i]} == reads ]] || [ -n "${dropped[$sub]:-}" ] # A stopped one missed some.
        else
            wait_status "$sub" 137
        fi
        # Killed or not, what it printed came in each publisher's order, once.
        sed -n '/^1/p' "$got" | sort -c -n -u
        sed -n '/^2/p' "$got" | sort -c -n -u
    done
}
