bats_require_minimum_version 1.5.0
load helpers

# ipc-queue across processes: order, exactly-once delivery, wake-ups,
# dedup, delays, bad files and names, and byte-exact round trips.

# pops_json QUEUE DATA/ID/ATTEMPTS...: pop --all --json takes exactly these
# items from QUEUE, in this order.
pops_json() {
    local queue=$1 at=0 item data id attempts # Not i: bats's run sets it.
    shift
    run -0 ipc-queue pop --all --json "$queue"
    [ "${#lines[@]}" = $# ]
    for item in "$@"; do
        IFS=/ read -r data id attempts <<<"$item"
        [[ "${lines[at]}" == "{\"data\":\"$data\","*"\"id\":$id,\"attempts\":$attempts}" ]]
        at=$((at + 1))
    done
}

@test "100,000 items come out in order with exact content" {
    seq 100000 >"$BATS_TEST_TMPDIR/in"
    ipc-queue push big <"$BATS_TEST_TMPDIR/in"
    ipc-queue pop --all big >"$BATS_TEST_TMPDIR/out"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    run -0 ipc-queue pop big
    [ -z "$output" ]
}

@test "4 producers and 3 consumers at once: every item exactly once" {
    local p c
    for c in 1 2 3; do
        spawn "$BATS_TEST_TMPDIR/got.$c" ipc-queue pop --create --all --wait --idle 1s jobs
    done
    for p in 1 2 3 4; do
        seq -f "$p-%g" 5000 | ipc-queue push jobs 3>&- &
        pids+=("$!")
    done
    for p in 3 4 5 6; do wait_status "${pids[$p]}"; done
    for c in 0 1 2; do wait_status "${pids[$c]}"; done
    ipc-queue pop --all jobs >"$BATS_TEST_TMPDIR/got.rest" # Anything the idle consumers left.
    for p in 1 2 3 4; do seq -f "$p-%g" 5000; done | sort >"$BATS_TEST_TMPDIR/want"
    cat "$BATS_TEST_TMPDIR"/got.* | sort | diff -u "$BATS_TEST_TMPDIR/want" -
}

@test "items of one producer keep their order" {
    ipc-queue push q a b c
    printf '%s\n' d e | ipc-queue push q
    run -0 ipc-queue pop --all q
    [ "$output" = "$(printf '%s\n' a b c d e)" ]
}

@test "pop --wait is woken by a later push, well before its fallback timer" {
    local_only "waits for the local doorbell socket (the NATS variant is below)"
    spawn "$BATS_TEST_TMPDIR/got" ipc-queue pop --create --wait -n 1 --timeout 3s jobs
    # The waiter's socket shows that it waits; this loop takes no time of its own.
    until compgen -G "$IPC_DIR/queue/jobs/*.sock" >/dev/null; do
        kill -0 "$(last_pid)" || return 1
    done
    ipc-queue push jobs hello
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = hello ]
}

@test "a push waiting for more input holds no lock: pop takes what it stored" {
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    exec 4<>"$BATS_TEST_TMPDIR/fifo" # Ours to write; push sees EOF once it is closed.
    # Redirected inside: a background job's stdin would be /dev/null.
    spawn /dev/null bash -c 'exec ipc-queue push q <"$1" 4>&-' - "$BATS_TEST_TMPDIR/fifo"
    echo one >&4
    run -0 ipc-queue pop --create --wait -n 1 --timeout 10s q
    [ "$output" = one ]
    echo two >&4
    run -0 ipc-queue pop --wait -n 1 --timeout 10s q
    [ "$output" = two ]
    exec 4>&-
    wait_status "$(last_pid)"
}

@test "pop on an empty queue exits 0, or 75 with --fail-empty, or 124 on --timeout" {
    run -0 --separate-stderr ipc-queue pop --create empty
    [ -z "$output" ] && [ -z "$stderr" ]
    run -75 ipc-queue pop --fail-empty empty
    run -124 ipc-queue pop --wait --timeout 100ms empty
}

@test "pop -n takes that many items and leaves the rest" {
    ipc-queue push q 1 2 3
    run -0 ipc-queue pop -n 2 q
    [ "$output" = "$(printf '1\n2')" ]
    run -0 ipc-queue peek q
    [ "$output" = 3 ]
}

@test "a second push with the same --id adds nothing and says so with -v" {
    local_only "a finished push under a key is remembered as a whole (the NATS variant is below)"
    ipc-queue push --id nightly q first
    run -0 --separate-stderr ipc-queue push -v --id nightly q second
    [ "$stderr" = "ipc-queue: q: --id nightly: pushed before; nothing added" ]
    run -0 ipc-queue pop q
    [ "$output" = first ]
}

@test "a --delay item is held back, then delivered" {
    local_only "nats-server 2.9 has no delayed delivery (the NATS variant is below)"
    ipc-queue push --delay 2s q later
    run -0 ipc-queue pop q
    [ -z "$output" ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"delayed":1'* ]]
    run -0 ipc-queue pop --wait --timeout 10s q
    [ "$output" = later ]
}

@test "--priority puts items ahead, FIFO within a priority" {
    local_only "a stream keeps one order (the NATS variant is below)"
    ipc-queue push q a b
    ipc-queue push --priority 2 q urgent
    ipc-queue push --priority -1 q last
    run -0 ipc-queue pop --all q
    [ "$output" = "$(printf '%s\n' urgent a b last)" ]
}

@test "pop --json | push --json copies items byte-exactly" {
    printf 'plain\0two\nlines\0\377\376 binary\0\0' |
        ipc-queue push -0 src
    ipc-queue pop --all --json src | ipc-queue push --json dst
    ipc-queue pop --all --len dst >"$BATS_TEST_TMPDIR/copied"
    printf 'plain\0two\nlines\0\377\376 binary\0\0' | ipc-queue push -0 ref
    ipc-queue pop --all --len ref | cmp - "$BATS_TEST_TMPDIR/copied"
}

@test "a corrupt or foreign database file is refused with a clear error" {
    local_only "SQLite files"
    mkdir -m 700 "$IPC_STATE_DIR"
    head -c 8192 /dev/urandom >"$IPC_STATE_DIR/junk.db"
    run -2 --separate-stderr ipc-queue pop junk
    [[ "$stderr" == "ipc-queue: junk: "*"/junk.db is not a queue database"* ]]
    printf 'CREATE TABLE t(x);' | sqlite3 "$IPC_STATE_DIR/other.db" 2>/dev/null ||
        skip "no sqlite3 shell"
    run -2 --separate-stderr ipc-queue push other x
    [[ "$stderr" == *"/other.db is not a queue database"* ]]
}

@test "a full disk makes push fail with 74 and store nothing of its batch" {
    local_only "SQLite files"
    ipc-queue push q before
    seq 100000 >"$BATS_TEST_TMPDIR/in" # A regular file: one batch of 50,000 first.
    # A file-size limit (64 KiB) stands in for a full disk, for root too:
    # SQLite's writes past it fail (EFBIG; ENOSPC says "the disk is full").
    run -74 --separate-stderr bash -c 'ulimit -f 64 && exec ipc-queue push q <"$1"' - \
        "$BATS_TEST_TMPDIR/in"
    [ "$stderr" = "ipc-queue: q: commit: file size limit reached (raise 'ulimit -f'; nothing of this batch was stored)" ]
    run -0 ipc-queue pop q
    [ "$output" = before ]
    ipc-queue push q after # The queue is still sound.
    run -0 ipc-queue pop q
    [ "$output" = after ]
}

@test "a push that fails part-way says how many items it stored; with --id a re-run adds the rest" {
    local_only "a finished push under a key is remembered as a whole (the NATS variant is below)"
    seq 60000 | sed 's/.*/{"data":"&"}/' >"$BATS_TEST_TMPDIR/good"
    # A regular file: one batch of 50,000 is stored before the bad line.
    { cat "$BATS_TEST_TMPDIR/good"; echo 'not json'; } >"$BATS_TEST_TMPDIR/bad"
    run -2 --separate-stderr ipc-queue push --json q <"$BATS_TEST_TMPDIR/bad"
    [ "$stderr" = "ipc-queue: stdin: line 60001: expected a JSON object at column 1; 50000 items were stored before the error (a re-run stores them again; with --id KEY it would not)" ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":50000,'* ]]
    ipc-queue rm q
    run -2 --separate-stderr ipc-queue push --json --id nightly q <"$BATS_TEST_TMPDIR/bad"
    [ "$stderr" = "ipc-queue: stdin: line 60001: expected a JSON object at column 1; 50000 items were stored before the error (run the same push with --id nightly again to add the rest)" ]
    run -0 --separate-stderr ipc-queue push -v --json --id nightly q <"$BATS_TEST_TMPDIR/good"
    [ "$stderr" = "ipc-queue: q: --id nightly: 50000 items were stored before; adding the rest" ]
    ipc-queue pop --all q >"$BATS_TEST_TMPDIR/out"
    seq 60000 | cmp - "$BATS_TEST_TMPDIR/out"
    run -0 --separate-stderr ipc-queue push -v --json --id nightly q <"$BATS_TEST_TMPDIR/good"
    [ "$stderr" = "ipc-queue: q: --id nightly: pushed before; nothing added" ]
}

@test "a push --id waiting for more input holds no lock either, and keeps its key" {
    local_only "only the local store lets one push at a time claim a key"
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    exec 4<>"$BATS_TEST_TMPDIR/fifo" # Ours to write; push sees EOF once it is closed.
    spawn /dev/null bash -c 'exec ipc-queue push --id tail q <"$1" 4>&-' - "$BATS_TEST_TMPDIR/fifo"
    echo one >&4
    # A lock held would make pop wait for it (SQLite's two minutes).
    run -0 timeout 10 ipc-queue pop --create --wait -n 1 q
    [ "$output" = one ]
    run -75 --separate-stderr ipc-queue push --id tail q other
    [ "$stderr" = "ipc-queue: q: --id tail: another push with this key is running (try again once it has finished)" ]
    echo two >&4
    exec 4>&-
    wait_status "$(last_pid)"
    run -0 ipc-queue pop q
    [ "$output" = two ]
    run -0 ipc-queue push --id tail q again
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":0,'* ]]
}

@test "a queue of schema version 1 is upgraded in place, dead items and all" {
    local_only "SQLite files"
    mkdir -m 700 "$IPC_STATE_DIR"
    sqlite3 "$IPC_STATE_DIR/old.db" <<'EOF' || skip "no sqlite3 shell"
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL DEFAULT 0,
    ready_at INTEGER NOT NULL, enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    state INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', data BLOB NOT NULL);
CREATE INDEX items_order ON items (state, priority DESC, id);
CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO items (ready_at, enqueued, attempts, state, error, data) VALUES
    (0, 0, 0, 0, '', 'live'), (0, 0, 5, 1, 'exit 1', 'dead one'), (0, 0, 0, 0, '', 'live 2');
PRAGMA application_id = 1768973169;
PRAGMA user_version = 1;
EOF
    run -0 ipc-queue dead old
    [ "$output" = "$(printf '2\texit 1\tdead one')" ]
    run -0 ipc-queue pop --all old
    [ "$output" = "$(printf 'live\nlive 2')" ]
    ipc-queue retry old 2
    run -0 ipc-queue pop --json old
    [[ "$output" == '{"data":"dead one",'*'"id":2,"attempts":1}' ]]
}

@test "a queue of schema version 2 is upgraded in place, keeping ids and never reusing one" {
    local_only "SQLite files"
    mkdir -m 700 "$IPC_STATE_DIR"
    sqlite3 "$IPC_STATE_DIR/old.db" <<'EOF' || skip "no sqlite3 shell"
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL DEFAULT 0,
    ready_at INTEGER NOT NULL, enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    state INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', data BLOB NOT NULL);
CREATE INDEX items_priority ON items (priority DESC, id) WHERE priority != 0;
CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE dead (id INTEGER PRIMARY KEY, priority INTEGER NOT NULL DEFAULT 0,
    ready_at INTEGER NOT NULL, enqueued INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    state INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', data BLOB NOT NULL);
INSERT INTO items (id, priority, ready_at, enqueued, data) VALUES
    (1, 0, 0, 0, 'one'), (7, 0, 0, 0, 'seven'), (8, 3, 0, 0, 'urgent'), (9, 0, 0, 0, 'gone');
DELETE FROM items WHERE id = 9;
INSERT INTO dead (id, ready_at, enqueued, attempts, error, data) VALUES (5, 0, 0, 3, 'exit 1', 'five');
INSERT INTO keys VALUES ('nightly', 9000000000000000000);
PRAGMA application_id = 1768973169;
PRAGMA user_version = 2;
EOF
    run -0 ipc-queue dead old
    [ "$output" = "$(printf '5\texit 1\tfive')" ]
    ipc-queue push old new
    pops_json old urgent/8/1 one/1/1 seven/7/1 new/10/1 # Not 9: that was given once.
    run -0 sqlite3 "$IPC_STATE_DIR/old.db" 'PRAGMA user_version'
    [ "$output" = 5 ]
    run -0 --separate-stderr ipc-queue push -v --id nightly old again # Its push had finished.
    [ "$stderr" = "ipc-queue: old: --id nightly: pushed before; nothing added" ]
}

@test "a queue of schema version 4 is upgraded in place: items, leases, dead items and keys stay" {
    local_only "SQLite files"
    mkdir -m 700 "$IPC_STATE_DIR"
    sqlite3 "$IPC_STATE_DIR/old.db" <<'EOF' || skip "no sqlite3 shell"
CREATE TABLE items (id INTEGER PRIMARY KEY, count INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL, enqueued INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', ends BLOB NOT NULL, data BLOB NOT NULL);
CREATE TABLE dead (id INTEGER PRIMARY KEY, count INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0, ready_at INTEGER NOT NULL, enqueued INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '', ends BLOB NOT NULL, data BLOB NOT NULL);
CREATE INDEX items_priority ON items (priority DESC, id) WHERE priority != 0;
CREATE TABLE activity (bucket INTEGER PRIMARY KEY, pushed INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0);
CREATE TABLE keys (key TEXT PRIMARY KEY, expires INTEGER NOT NULL,
    stored INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
CREATE TABLE next_id (id INTEGER NOT NULL);
-- Ready since 1000 (two items), delayed, leased, a lease that ran out, ready.
INSERT INTO items (id, count, priority, ready_at, enqueued, attempts, leased, ends, data) VALUES
    (1, 2, 0, 1000, 0, 0, 0, x'0300000006000000', 'onetwo'),
    (3, 1, 0, 9000000000000000000, 0, 0, 0, x'05000000', 'later'),
    (4, 1, 0, 9000000000000000000, 0, 1, 77, x'04000000', 'held'),
    (5, 1, 2, 1000, 0, 1, 78, x'04000000', 'back'),
    (6, 1, 0, 1000, 0, 0, 0, x'03000000', 'six');
INSERT INTO dead (id, count, ready_at, enqueued, attempts, error, ends, data) VALUES
    (7, 1, 0, 0, 3, 'exit 1', x'08000000', 'dead one');
INSERT INTO keys VALUES ('nightly', 9000000000000000000, 3, 1);
INSERT INTO next_id VALUES (8);
PRAGMA application_id = 1768973169;
PRAGMA user_version = 4;
EOF
    run -0 ipc-queue stat --json old
    [[ "$output" == *'"ready":4,"delayed":1,"leased":1,"dead":1,'* ]]
    run -0 sqlite3 "$IPC_STATE_DIR/old.db" 'PRAGMA user_version'
    [ "$output" = 5 ]
    run -0 sqlite3 "$IPC_STATE_DIR/old.db" "SELECT name FROM sqlite_schema WHERE type = 'index'"
    [ "$output" = items_due ]
    run -0 ipc-queue dead old
    [ "$output" = "$(printf '7\texit 1\tdead one')" ]
    run -0 --separate-stderr ipc-queue push -v --id nightly old again # Its push had finished.
    [ "$stderr" = "ipc-queue: old: --id nightly: pushed before; nothing added" ]
    ipc-queue push old new
    pops_json old back/5/2 one/1/1 two/2/1 six/6/1 new/8/1
    run -0 ipc-queue stat --json old
    [[ "$output" == *'"ready":0,"delayed":1,"leased":1,"dead":1,'* ]]
}

@test "a corrupt chunk of items is refused with 74, and the rest of the file is not touched" {
    local_only "SQLite files"
    ipc-queue push q a b c
    sqlite3 "$IPC_STATE_DIR/q.db" "UPDATE items SET ends = x'0100'" || skip "no sqlite3 shell"
    run -74 --separate-stderr ipc-queue pop q
    [[ "$stderr" == "ipc-queue: q: "*"/q.db is corrupt"* ]]
    run -74 ipc-queue peek q
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":3,'* ]]
}

@test "single pops from the middle of a stored run of items keep order and lose nothing" {
    seq 600 | ipc-queue push q
    for want in 1 2 3; do # Not $i: bats's run sets it.
        run -0 ipc-queue pop -n 1 q
        [ "$output" = "$want" ]
    done
    run -0 ipc-queue pop -n 300 q
    [ "$output" = "$(seq 4 303)" ]
    run -0 ipc-queue pop --all q
    [ "$output" = "$(seq 304 600)" ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,'* ]]
}

@test "bad queue names exit 2 and create nothing" {
    run -2 --separate-stderr ipc-queue push ../etc x
    [[ "$stderr" == "ipc-queue: ../etc: not a valid queue name"* ]]
    run -2 ipc-queue pop 'a/b'
    run -2 ipc-queue stat "a b"
    [ -z "$(ls -A "$IPC_STATE_DIR" 2>/dev/null)" ]
}

@test "stat, ls, purge and rm" {
    ipc-queue push a 1 2
    ipc-queue push b.c 3
    run -0 ipc-queue ls
    [ "$output" = "$(printf 'a\nb.c')" ]
    run -0 ipc-queue stat --json a
    [[ "$output" == '{"queue":"a","ready":2,"delayed":0,"leased":0,"dead":0,"oldest_age_ms":'* ]]
    run -0 ipc-queue stat
    [ "${#lines[@]}" = 3 ]
    ipc-queue purge a
    run -0 ipc-queue stat --json a
    [[ "$output" == *'"ready":0'* ]]
    ipc-queue rm a
    run -0 ipc-queue ls
    [ "$output" = b.c ]
    run -69 ipc-queue rm a
}

@test "pop and work on a missing queue exit 69 and create nothing; --create makes it" {
    run -69 --separate-stderr ipc-queue pop jobs
    [ "$stderr" = "ipc-queue: jobs: no such queue (push creates one; or give --create)" ]
    run -69 --separate-stderr ipc-queue pop --wait --timeout 10s jobs
    [ "$stderr" = "ipc-queue: jobs: no such queue (push creates one; or give --create)" ]
    run -69 --separate-stderr ipc-queue work jobs -- cat
    [ "$stderr" = "ipc-queue: jobs: no such queue (push creates one; or give --create)" ]
    run -0 ipc-queue ls
    [ -z "$output" ]
    run -0 --separate-stderr ipc-queue pop --create jobs
    [ -z "$output" ] && [ -z "$stderr" ]
    run -0 ipc-queue work --create --drain other -- cat
    run -0 ipc-queue ls
    [ "$output" = "$(printf 'jobs\nother')" ]
}

@test "stat --field prints one count bare; an unknown field exits 2 naming the fields" {
    ipc-queue push jobs a
    run -0 --separate-stderr ipc-queue stat jobs --field dead
    [ "$output" = 0 ] && [ -z "$stderr" ]
    run -1 ipc-queue work jobs --max-attempts 1 -n 1 -- false
    run -0 ipc-queue stat jobs --field dead
    [ "$output" = 1 ]
    run -0 ipc-queue stat jobs --field ready
    [ "$output" = 0 ]
    run -2 --separate-stderr ipc-queue stat jobs --field bogus
    [ "$stderr" = "ipc-queue: stat: --field bogus: no such field (one of ready, delayed, leased, dead, oldest_age_ms, in_per_s, out_per_s, replicas, leader)" ]
    run -2 ipc-queue stat --field dead
    run -69 ipc-queue stat nosuch --field dead
}

@test "drop deletes items by ID, waiting or dead, and names an ID it did not find" {
    ipc-queue push jobs a b c
    run -0 ipc-queue drop jobs 2
    run -0 ipc-queue peek jobs
    [ "$output" = "$(printf 'a\nc')" ]
    run -0 ipc-queue stat jobs --field ready
    [ "$output" = 2 ]
    run -1 --separate-stderr ipc-queue drop jobs 2 3
    [ "$stderr" = "ipc-queue: jobs: item 2 is not in the queue" ]
    run -0 ipc-queue peek jobs
    [ "$output" = a ]
    run -1 ipc-queue work jobs --max-attempts 1 -n 1 -- false
    run -0 ipc-queue dead jobs
    local dead_id=${output%%$'\t'*}
    run -0 ipc-queue drop jobs "$dead_id"
    run -0 ipc-queue stat jobs --field dead
    [ "$output" = 0 ]
    run -0 ipc-queue ls
    [ "$output" = jobs ]
    run -2 ipc-queue drop jobs
    run -2 ipc-queue drop jobs x
    run -69 ipc-queue drop nosuch 1
}

@test "peek --leased shows who holds an item and until when; --delayed when it is due" {
    local_only "JetStream does not list leases or delays (the NATS variant is below)"
    ipc-queue push jobs held
    ipc-queue push --delay 1h jobs later
    mkfifo "$BATS_TEST_TMPDIR/go"
    exec 6<>"$BATS_TEST_TMPDIR/go" # Both ways: no open blocks.
    # The handler says it has the item, then holds it until told (or 30 s).
    spawn "$BATS_TEST_TMPDIR/work" ipc-queue work jobs -n 1 --lease 5m -- \
        bash -c 'read -r item; echo "$item" >"$0.new" && mv "$0.new" "$0"; read -r -t 30 _ <"$1"' \
        "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    local worker=$!
    wait_file "$BATS_TEST_TMPDIR/started"
    run -0 ipc-queue peek --leased jobs
    [ "$output" = "1"$'\t'"$worker"$'\t'"4m"$'\t'"held" ]
    run -0 ipc-queue peek --leased --json jobs
    [[ "$output" == '{"data":"held",'*'"id":1,"attempts":1,"due":"20'*'Z","holder":'"$worker}" ]]
    run -0 ipc-queue peek --delayed jobs
    [ "$output" = "2"$'\t'"-"$'\t'"59m"$'\t'"later" ]
    echo go >&6
    wait_status "$worker"
    run -0 ipc-queue peek --leased jobs
    [ -z "$output" ]
    run -2 ipc-queue peek --leased --delayed jobs
}

@test "NATS: peek --leased and --delayed exit 2 with a reason" {
    nats_only "the local variant is above"
    ipc-queue push jobs x
    run -2 --separate-stderr ipc-queue peek --leased jobs
    [ "$stderr" = "ipc-queue: jobs: peek --leased is for the local backend only (JetStream does not list them; 'ipc-queue stat' counts them)" ]
    run -2 ipc-queue peek --delayed jobs
}

@test "stat lists every queue it can read, and reports the one it cannot" {
    local_only "SQLite files"
    ipc-queue push a 1
    ipc-queue push c 1 2
    echo 'not sqlite at all, but long enough to be read as the header of a database' \
        >"$IPC_STATE_DIR/b.db"
    run -2 --separate-stderr ipc-queue stat --json
    [ "${#lines[@]}" = 2 ]
    [[ "${lines[0]}" == '{"queue":"a","ready":1,'* ]]
    [[ "${lines[1]}" == '{"queue":"c","ready":2,'* ]]
    [ "$stderr" = "ipc-queue: b: $IPC_STATE_DIR/b.db is not a queue database (remove it, or use another queue name)" ]
    run -2 --separate-stderr ipc-queue stat
    [ "${#lines[@]}" = 3 ] # The heading, a and c.
}

@test "a pop whose reader goes away puts its items back" {
    seq 5000 | ipc-queue push q
    run -0 bash -c 'ipc-queue pop --all --wait q | head -n 1'
    [ "$output" = 1 ]
    # Whatever head did not read was written to a closed pipe (given back)
    # or fully written before head left (taken): nothing else may be missing.
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then
        # An item given back counts as leased until the server hands it out again.
        ipc-queue pop --all q >/dev/null
    fi
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"leased":0'* ]]
}

@test "pop takes one item unless told, and removes it only once the pipe's reader took it" {
    seq 10 | ipc-queue push q
    run -0 bash -c 'ipc-queue pop q | head -n 2'
    [ "$output" = 1 ]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":9,"delayed":0,"leased":0,'* ]]
    # dd takes 4 bytes, two items, and leaves; the three it never took go back.
    run -0 bash -c 'ipc-queue pop -n 5 q | dd bs=1 count=4 status=none'
    [ "$output" = "$(seq 2 3)" ]
    run -0 ipc-queue pop --all q
    [ "$output" = "$(seq 4 10)" ]
}

@test "pop --wait into a read loop that stops leaves the items the loop never read" {
    seq 10 | ipc-queue push q
    run -0 bash -c 'ipc-queue pop --wait --all q | while read -r x; do echo "$x"; [ "$x" = 3 ] && break; done'
    [ "$output" = "$(seq 3)" ]
    run -0 ipc-queue pop --all q
    [ "$output" = "$(seq 4 10)" ]
}

@test "a pop stopped while its items wait unread in a pipe gives back what was not taken" {
    seq 3 | ipc-queue push q
    mkfifo "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/late"
    exec 7<>"$BATS_TEST_TMPDIR/out" 8<>"$BATS_TEST_TMPDIR/late" # We read, when we please.
    spawn "$BATS_TEST_TMPDIR/out" ipc-queue pop -n 3 q
    read -r -t 10 -u 7 first # One item taken, two still in the pipe.
    [ "$first" = 1 ]
    kill -TERM "$(last_pid)"
    wait_status "$(last_pid)" 0
    spawn "$BATS_TEST_TMPDIR/late" ipc-queue pop --timeout 1s q # Never read: 124.
    wait_status "$(last_pid)" 124
    run -0 ipc-queue pop --all q
    if [ "${IPC_TEST_BACKEND:-local}" = nats ]; then
        output=$(sort <<<"$output") # An item given back goes to the end of the line.
    fi
    [ "$output" = "$(seq 2 3)" ]
}

@test "a slow reader keeps pop's lease: a second consumer gets none of its items" {
    seq -f '%0100g' 1000 >"$BATS_TEST_TMPDIR/in" # 100 KB: more than a pipe holds.
    ipc-queue push q <"$BATS_TEST_TMPDIR/in"
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 5<>"$BATS_TEST_TMPDIR/started" 6<>"$BATS_TEST_TMPDIR/go" # Both ways: no open blocks.
    # The reader takes one line, then nothing until told (or 30 s): pop waits to write.
    spawn "$BATS_TEST_TMPDIR/out" bash -c 'ipc-queue pop --all --lease 2s q |
        { read -r line; echo "$line"; echo >"$1"; read -r -t 30 _ <"$2"; cat; }' - \
        "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    read -r -t 20 -u 5 _
    # Past two leases of the first pop (the same lease: on NATS one is for all).
    run -124 ipc-queue pop --wait --all --lease 2s --timeout 5s q
    [ -z "$output" ]
    echo go >&6
    wait_status "$(last_pid)"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,'* ]]
}

@test "work: failing items are retried, dead after K attempts, and retry brings them back" {
    local_only "dead items keep their ids only locally (the NATS variant is below)"
    ipc-queue push jobs 1 2 3 4 5 6
    run -1 --separate-stderr ipc-queue work jobs --drain --max-attempts 2 --backoff 10ms -- \
        sh -c 'read -r x; case $x in 3|5) echo "no $x" >&2; exit 7;; esac; echo "$x"'
    [ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' 1 2 4 6)" ]
    [[ "$stderr" == *"item 3, attempt 2: exit 7: no 3; moved to the dead list"* ]]
    run -0 ipc-queue dead jobs
    [ "$output" = "$(printf '3\texit 7: no 3\t3\n5\texit 7: no 5\t5')" ]
    run -0 ipc-queue dead --json jobs
    [[ "${lines[0]}" == '{"data":"3",'*'"id":3,"attempts":2,"error":"exit 7: no 3"}' ]]
    ipc-queue retry jobs --all
    run -0 ipc-queue work jobs --drain -- cat
    [ "$output" = "$(printf '3\n5')" ]
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,"dead":0,'* ]]
}

@test "work gives the handler the item on stdin and IPC_QUEUE, IPC_ITEM_ID, IPC_ATTEMPT" {
    ipc-queue push jobs 'hello world'
    run -0 ipc-queue work jobs -n 1 -- sh -c 'echo "$(cat) $IPC_QUEUE $IPC_ITEM_ID $IPC_ATTEMPT"'
    [ "$output" = "hello world jobs 1 1" ]
}

@test "work gives the handler only stdin, stdout and stderr of its descriptors (no database, no doorbell)" {
    ipc-queue push jobs x
    # shellcheck disable=SC2016 # The handler's shell expands it.
    run -0 ipc-queue work jobs -n 1 -- sh -c "cat >/dev/null; $list_fds"
    [ "$output" = "0 1 2 " ]
}

@test "work hands each item framed as it was pushed: a line ends with its newline" {
    ipc-queue push jobs 'hello world'
    run -0 ipc-queue work jobs -n 1 -- sh -c 'while read -r f; do echo "got $f"; done'
    [ "$output" = "got hello world" ]
    printf 'a\0b' | ipc-queue push -0 nul
    run -0 ipc-queue work nul -0 -n 2 -- sh -c 'tr "\0" "|"'
    [ "$output" = "a|b|" ]
    printf 'as it is\n' | ipc-queue push --whole file
    run -0 ipc-queue work file --whole -n 1 -- od -An -c
    [ "$output" = "$(printf 'as it is\n' | od -An -c)" ]
}

@test "a worker SIGKILLed mid-item loses nothing: the item comes back after its lease" {
    local_only "one lease for every consumer on NATS (the NATS variant is below)"
    ipc-queue push jobs precious
    # The handler kills its worker with SIGKILL, then exits without acking.
    run -137 ipc-queue work jobs --lease 300ms -n 1 -- sh -c 'kill -KILL $PPID'
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"leased":1'* || "$output" == *'"ready":1'* ]]
    run -0 ipc-queue work jobs -n 1 -- sh -c 'read -r x; echo "$x attempt $IPC_ATTEMPT"'
    [ "$output" = "precious attempt 2" ]
}

@test "work --handler-timeout kills a stuck handler and retries its item" {
    ipc-queue push jobs slow
    run -1 --separate-stderr ipc-queue work jobs --drain --max-attempts 1 --handler-timeout 100ms -- sleep 30
    [[ "$stderr" == *"item 1, attempt 1: timed out after 100ms; moved to the dead list"* ]]
}

@test "SIGTERM makes work stop taking items and finish the running one" {
    ipc-queue push jobs a b
    spawn "$BATS_TEST_TMPDIR/out" ipc-queue work jobs -- sh -c 'read -r x; kill -TERM $PPID; echo "$x done"'
    wait_status "$(last_pid)" 0
    [ "$(cat "$BATS_TEST_TMPDIR/out")" = "a done" ]
    run -0 ipc-queue pop jobs
    [ "$output" = b ]
}

@test "a handler that outlives its lease keeps its item: it is not delivered twice" {
    ipc-queue push jobs once
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 5<>"$BATS_TEST_TMPDIR/started" 6<>"$BATS_TEST_TMPDIR/go" # Both ways: no open blocks.
    # The handler says it has the item, then holds it until told (or 30 s).
    spawn "$BATS_TEST_TMPDIR/slow" ipc-queue work jobs -n 1 --lease 2s -- \
        bash -c 'read -r item; echo "$item" >"$0"; read -r -t 30 _ <"$1"' \
        "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    read -r -t 20 -u 5 item
    [ "$item" = once ]
    # Past two lease periods the item is still leased, so a second consumer gets nothing.
    run -124 ipc-queue pop --wait --lease 2s --timeout 5s jobs
    [ -z "$output" ]
    echo go >&6
    wait_status "$(last_pid)"
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,'* ]]
}

@test "a worker stopped past its lease cannot override the consumer that has the item now" {
    local_only "JetStream cannot tell a stale lease's ack from the current one"
    ipc-queue push jobs x
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 5<>"$BATS_TEST_TMPDIR/started" 6<>"$BATS_TEST_TMPDIR/go" # Both ways: no open blocks.
    # A's handler stops its worker, as Ctrl-Z would, and fails once it runs again.
    spawn "$BATS_TEST_TMPDIR/a" ipc-queue work jobs -n 1 --lease 1s --max-attempts 1 -- \
        sh -c 'kill -STOP $PPID; exit 1'
    local a=$(last_pid) a_status=0
    # B gets the item once A's lease ran out, and holds it until told (or 30 s).
    spawn "$BATS_TEST_TMPDIR/b" ipc-queue work jobs -n 1 -- \
        bash -c 'echo "$IPC_ATTEMPT" >"$0"; read -r -t 30 _ <"$1"' "$BATS_TEST_TMPDIR/started" \
        "$BATS_TEST_TMPDIR/go"
    read -r -t 20 -u 5 attempt
    kill -CONT "$a"
    wait "$a" || a_status=$?
    echo go >&6
    wait_status "$(last_pid)" 0
    [ "$attempt" = 2 ]
    [ "$a_status" = 0 ] # Nothing of A's went to the dead list.
    [ "$(cat "$BATS_TEST_TMPDIR/a.err")" = "ipc-queue: jobs: item 1, attempt 1: exit 1; dropped: the lease ran out and the item went to another consumer" ]
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,"dead":0,'* ]]
}

# What differs on NATS (IPC_TEST_BACKEND=nats; ipc-queue(1), BACKEND).

ports_written() {
    local file
    for file in "$1"/*.ports; do
        [ -s "$file" ] && return 0
    done
    return 1
}

@test "NATS: pop --wait gets an item pushed after it started" {
    nats_only "the JetStream waiter"
    spawn "$BATS_TEST_TMPDIR/got" ipc-queue pop --create --wait -n 1 --timeout 10s jobs
    ipc-queue push jobs hello
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = hello ]
}

@test "NATS: --delay, --priority and --sync full exit 2 with a reason" {
    nats_only "JetStream has no delays or priorities"
    run -2 --separate-stderr ipc-queue push --delay 2s q later
    [ "$stderr" = "ipc-queue: --delay is for the local backend only (nats-server 2.9 has no delayed delivery)" ]
    run -2 --separate-stderr ipc-queue push --priority 2 q urgent
    [ "$stderr" = "ipc-queue: --priority is for the local backend only (a JetStream stream keeps one order)" ]
    run -2 --separate-stderr ipc-queue push --sync full q x
    [[ "$stderr" == "ipc-queue: --sync full is for the local backend only ("* ]]
    run -0 ipc-queue stat --json q
    [[ "$output" == *'"ready":0,"delayed":0,'* ]]
}

@test "NATS: --id stores the nth item of a key once; a longer push adds the rest" {
    nats_only "Nats-Msg-Id deduplication"
    seq 60000 | sed 's/.*/{"data":"&"}/' >"$BATS_TEST_TMPDIR/good"
    { cat "$BATS_TEST_TMPDIR/good"; echo 'not json'; } >"$BATS_TEST_TMPDIR/bad"
    run -2 --separate-stderr ipc-queue push --json --id nightly q <"$BATS_TEST_TMPDIR/bad"
    [ "$stderr" = "ipc-queue: stdin: line 60001: expected a JSON object at column 1; 50000 items were stored before the error (run the same push with --id nightly again to add the rest)" ]
    run -0 --separate-stderr ipc-queue push -v --json --id nightly q <"$BATS_TEST_TMPDIR/good"
    [ "$stderr" = "ipc-queue: q: --id nightly: 50000 items were stored before; adding the rest" ]
    run -0 --separate-stderr ipc-queue push -v --json --id nightly q <"$BATS_TEST_TMPDIR/good"
    [ "$stderr" = "ipc-queue: q: --id nightly: 60000 items were stored before; adding the rest" ]
    ipc-queue pop --all q >"$BATS_TEST_TMPDIR/out"
    seq 60000 | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "NATS: a dead item shows its error; retry puts it back at the end" {
    nats_only "dead items are copies on _IPC.dead.NAME"
    ipc-queue push jobs 1 2 3
    run -1 --separate-stderr ipc-queue work jobs --drain --max-attempts 2 --backoff 10ms -- \
        sh -c 'read -r x; case $x in 2) printf "no %s\nreally\n" "$x" >&2; exit 7;; esac; echo "$x"'
    [ "$output" = "$(printf '1\n3')" ]
    [[ "$stderr" == *"item 2, attempt 2: exit 7: really; moved to the dead list"* ]]
    run -0 ipc-queue dead jobs # ID, the error's last line, the item.
    [[ "$output" == *"$(printf '\treally\t2')" ]]
    run -0 ipc-queue dead --json jobs
    [[ "$output" == '{"data":"2",'*'"attempts":2,"error":"exit 7: really\nno 2\nreally\n"}' ]]
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,"dead":1,'* ]]
    ipc-queue retry jobs --all
    run -0 ipc-queue work jobs --drain -- cat
    [ "$output" = 2 ]
    run -0 ipc-queue stat --json jobs
    [[ "$output" == *'"ready":0,"delayed":0,"leased":0,"dead":0,'* ]]
}

@test "NATS: a worker SIGKILLed mid-item loses nothing: the item is back after --lease 2s" {
    nats_only "the consumer's AckWait"
    ipc-queue push jobs precious
    run -137 ipc-queue work jobs --lease 2s -n 1 -- sh -c 'kill -KILL $PPID'
    run -0 --separate-stderr ipc-queue work jobs --lease 2s -n 1 -- \
        sh -c 'read -r x; echo "$x attempt $IPC_ATTEMPT"'
    [ "$output" = "precious attempt 2" ]
}

@test "NATS: a lease unlike the queue's changes it for all, saying so while items are leased" {
    nats_only "one AckWait per consumer"
    ipc-queue push jobs a b
    run -0 --separate-stderr ipc-queue pop --lease 10s jobs
    [ "$output" = a ] && [ -z "$stderr" ] # Nothing leased meanwhile: nobody to tell.
    mkfifo "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    exec 5<>"$BATS_TEST_TMPDIR/started" 6<>"$BATS_TEST_TMPDIR/go"
    spawn "$BATS_TEST_TMPDIR/out" ipc-queue work jobs -n 1 --lease 10s -- \
        bash -c 'echo >"$0"; read -r -t 30 _ <"$1"' "$BATS_TEST_TMPDIR/started" "$BATS_TEST_TMPDIR/go"
    read -r -t 20 -u 5 _
    run -0 --separate-stderr ipc-queue pop --lease 20s jobs
    [ -z "$output" ]
    [ "$stderr" = "ipc-queue: jobs: the lease is now 20s for every consumer of the queue (it was 10s)" ]
    echo go >&6
    wait_status "$(last_pid)"
}

@test "NATS: stat shows no rates, and --json the stream's replicas and leader" {
    nats_only "JetStream stream info"
    ipc-queue push q 1 2
    run -0 ipc-queue stat q
    [[ "${lines[1]}" =~ ^q\ +2\ +0\ +0\ +0\ .*\ -\ +-$ ]]
    run -0 ipc-queue stat --json q
    [[ "$output" == '{"queue":"q","ready":2,"delayed":0,"leased":0,"dead":0,"oldest_age_ms":'*',"in_per_s":null,"out_per_s":null,"replicas":1,"leader":null}' ]]
}

@test "NATS: a server without JetStream is 69, with one line" {
    nats_only "JetStream"
    local dir=$BATS_TEST_TMPDIR/plain
    mkdir -p "$dir"
    nats-server -a 127.0.0.1 -p -1 --ports_file_dir "$dir" >"$dir/log" 2>&1 3>&- &
    pids+=("$!")
    within 5 ports_written "$dir"
    local url
    url=$(sed -n 's/.*"nats":\["\([^"]*\)".*/\1/p' "$dir"/*.ports)
    run -69 --separate-stderr ipc-queue push --url "$url" q x
    [ "$stderr" = "ipc-queue: IPCQ_q: the NATS server has no JetStream (start nats-server with -js, or enable JetStream for this account)" ]
    run -69 ipc-queue pop --url "$url" q
    run -69 ipc-queue ls --url "$url"
}
