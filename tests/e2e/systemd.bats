bats_require_minimum_version 1.5.0
load helpers

# Running under systemd: sd_notify readiness (NOTIFY_SOCKET, Type=notify
# units) from ipc-serve and ipc-queue work, and the example units of
# scripts/examples/systemd/.

# listen_notify NAME [CMD...]: a stand-in for systemd's notify socket, bound
# at NAME (a path, or @ and an abstract name), in the background. It writes
# the first datagram it gets to $BATS_TEST_TMPDIR/notified, runs CMD at once
# (output appended), and exits. Returns once the socket is bound.
listen_notify() {
    spawn "$BATS_TEST_TMPDIR/notified" python3 -c '
import socket, subprocess, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
open(sys.argv[2], "w").close()
s.settimeout(20)
print(s.recv(4096).decode(), flush=True)
if len(sys.argv) > 3:
    sys.exit(subprocess.run(sys.argv[3:]).returncode)
' "$1" "$BATS_TEST_TMPDIR/bound" "${@:2}"
    wait_file_exists "$BATS_TEST_TMPDIR/bound"
}

wait_file_exists() {
    within 10 test -e "$1"
}

@test "ipc-serve tells NOTIFY_SOCKET READY=1 once it answers requests" {
    # At READY=1 the listener sends a request at once, without --wait.
    listen_notify "$BATS_TEST_TMPDIR/notify" ipc-req calc 'answered at once'
    local listener
    listener=$(last_pid)
    NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify spawn "$BATS_TEST_TMPDIR/serve" ipc-serve calc -- cat
    wait_status "$listener"
    [ "$(cat "$BATS_TEST_TMPDIR/notified")" = $'READY=1\nanswered at once' ]
    [ ! -s "$BATS_TEST_TMPDIR/serve.err" ]
}

@test "ipc-serve reaches an abstract notify socket (@name) and writes --ready-file as well" {
    local name="@ipckit-test-$test_id"
    listen_notify "$name" ipc-req calc ok
    local listener
    listener=$(last_pid)
    NOTIFY_SOCKET=$name spawn "$BATS_TEST_TMPDIR/serve" \
        ipc-serve calc --ready-file "$BATS_TEST_TMPDIR/ready" -- cat
    wait_status "$listener"
    [ "$(cat "$BATS_TEST_TMPDIR/notified")" = $'READY=1\nok' ]
    [ -s "$BATS_TEST_TMPDIR/ready" ]
}

@test "ipc-queue work tells NOTIFY_SOCKET READY=1 once it takes items" {
    listen_notify "$BATS_TEST_TMPDIR/notify"
    local listener
    listener=$(last_pid)
    ipc-queue push jobs </dev/null
    NOTIFY_SOCKET=$BATS_TEST_TMPDIR/notify spawn "$BATS_TEST_TMPDIR/work" \
        ipc-queue work jobs -- sh -c 'cat >>"$1"' - "$BATS_TEST_TMPDIR/done"
    wait_status "$listener"
    [ "$(cat "$BATS_TEST_TMPDIR/notified")" = READY=1 ]
    ipc-queue push jobs one
    within 10 test -s "$BATS_TEST_TMPDIR/done"
    [ "$(cat "$BATS_TEST_TMPDIR/done")" = one ]
}

@test "an unreachable NOTIFY_SOCKET costs one warning; the server serves all the same" {
    NOTIFY_SOCKET=$BATS_TEST_TMPDIR/absent serve "$BATS_TEST_TMPDIR/serve" calc -- cat
    run -0 ipc-req calc hello
    [ "$output" = hello ]
    [[ "$(cat "$BATS_TEST_TMPDIR/serve.err")" == "ipc-serve: NOTIFY_SOCKET=$BATS_TEST_TMPDIR/absent: No such file or directory; not telling the service manager" ]]
}

@test "the example units are Type=notify, restart on failure, and pass systemd-analyze verify" {
    local unit units=$IPC_SOURCE_ROOT/scripts/examples/systemd
    for unit in ipc-serve@.service ipc-queue-work@.service; do
        grep -qx 'Type=notify' "$units/$unit"
        grep -qx 'Restart=on-failure' "$units/$unit"
    done
    command -v systemd-analyze >/dev/null || skip 'systemd-analyze is not installed'
    # Instances of the units, with the tools of this build tree.
    mkdir -p "$BATS_TEST_TMPDIR/units"
    sed "s|/usr/local/bin/|$IPC_BUILD_ROOT/cmd/|" "$units/ipc-serve@.service" \
        >"$BATS_TEST_TMPDIR/units/ipc-serve@calc.service"
    sed "s|/usr/local/bin/|$IPC_BUILD_ROOT/cmd/|" "$units/ipc-queue-work@.service" \
        >"$BATS_TEST_TMPDIR/units/ipc-queue-work@jobs.service"
    run -0 --separate-stderr systemd-analyze verify --man=no \
        "$BATS_TEST_TMPDIR/units/ipc-serve@calc.service" \
        "$BATS_TEST_TMPDIR/units/ipc-queue-work@jobs.service"
    echo "$stderr"
    ! grep -E 'ipc-(serve|queue-work)@' <<<"$stderr"
}
