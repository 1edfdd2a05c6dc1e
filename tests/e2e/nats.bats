bats_require_minimum_version 1.5.0
load helpers

# The NATS connection: users, permissions and TLS, each on a nats-server of
# the test's own, configured as the test says (conf_server).

# conf_server: starts a nats-server with the configuration on stdin (it
# listens on 127.0.0.1, on a port of its choosing; relative paths are in
# $conf) and sets server to its HOST:PORT. Teardown stops it.
conf_server() {
    conf=$BATS_TEST_TMPDIR/conf
    mkdir -p "$conf"
    {
        echo 'listen: 127.0.0.1:-1'
        cat
    } >"$conf/server.conf"
    (cd "$conf" && exec nats-server -c server.conf --ports_file_dir . >log 2>&1 3>&-) &
    nats_pid=$!
    within 5 nats_ports_written "$conf" || {
        cat "$conf/log" >&2
        return 1
    }
    server=$(sed -n 's|.*"nats":\["[a-z]*://\([^"]*\)".*|\1|p' "$conf"/*.ports)
    [ -n "$server" ]
}

users_conf() {
    conf_server <<'EOF_CONF'
authorization {
  users = [
    { user: alice, password: secret }
    { user: bob, password: pw,
      permissions: { publish: { deny: ["private.>"] }, subscribe: { deny: ["private.>"] } } }
  ]
}
EOF_CONF
}

@test "no user or a wrong password exits 69, with one line naming what to check" {
    users_conf
    run -69 --separate-stderr ipc-pub --url "nats://$server" t x
    [ "$stderr" = "ipc-pub: nats://$server: authentication violation (check --creds, or the user in --url)" ]
    run -69 --separate-stderr ipc-sub --url "nats://alice:wrong@$server" t
    [ "$stderr" = "ipc-sub: nats://alice:***@$server: authentication violation (check --creds, or the user in --url)" ]
    run -0 ipc-pub --url "nats://alice:secret@$server" t x
}

@test "a permission violation exits 69 in each tool, naming the subject" {
    users_conf
    export IPC_URL=nats://bob:pw@$server
    run -0 ipc-pub public x
    run -69 --separate-stderr ipc-pub private.x x
    [ "$stderr" = "ipc-pub: nats://bob:***@$server: not permitted: Permissions Violation for Publish to \"private.x\" (check --creds, or the user in --url)" ]
    run -69 --separate-stderr timeout 10 ipc-sub 'private.>'
    [[ "$stderr" == *'not permitted: Permissions Violation for Subscription to "private.>"'* ]]
    run -69 --separate-stderr timeout 10 ipc-req private.svc x
    [[ "$stderr" == *'not permitted: Permissions Violation for Publish to "private.svc"'* ]]
    run -69 --separate-stderr timeout 10 ipc-serve private.svc -- cat
    [[ "$stderr" == *'not permitted: Permissions Violation for Subscription to "private.svc"'* ]]
}

# tls_conf: a CA, a certificate of it for 127.0.0.1, and a server that
# requires TLS with that certificate.
tls_conf() {
    command -v openssl >/dev/null || skip "no openssl to make certificates"
    local dir=$BATS_TEST_TMPDIR/conf
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj /CN=ipckit-test-ca -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    openssl x509 -req -days 2 -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -extfile <(echo subjectAltName=IP:127.0.0.1) -out "$dir/server.pem" \
        2>/dev/null
    conf_server <<'EOF_CONF'
tls { cert_file: "server.pem", key_file: "server.key" }
EOF_CONF
}

@test "tls:// with --tls-ca (or IPC_TLS_CA) talks; without the CA, or with nats://, exits 69" {
    tls_conf
    spawn "$BATS_TEST_TMPDIR/sub" ipc-sub --url "tls://$server" --tls-ca "$conf/ca.pem" -n 2 t
    IPC_TLS_CA=$conf/ca.pem ipc-pub --url "tls://$server" --wait-subs 1 --timeout 10s t one
    ipc-pub --url "tls://$server" --tls-ca "$conf/ca.pem" t two
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/sub")" = "$(printf 'one\ntwo')" ]

    local hint="(use tls:// for a server that requires TLS, nats:// otherwise; --tls-ca names its CA)"
    run -69 --separate-stderr ipc-pub --url "tls://$server" t x
    [ "$stderr" = "ipc-pub: tls://$server: SSL error $hint" ]
    run -69 --separate-stderr ipc-pub --url "nats://$server" --tls-ca "$conf/ca.pem" t x
    [ "$stderr" = "ipc-pub: nats://$server: SSL error $hint" ]
}

@test "--creds (or IPC_CREDS) signs in a user of the operator's account; a stranger exits 69" {
    command -v openssl >/dev/null || skip "no openssl to make keys"
    mkdir -p "$BATS_TEST_TMPDIR/conf"
    "$IPC_SOURCE_ROOT/tests/e2e/nats-creds" "$BATS_TEST_TMPDIR/conf"
    conf_server <"$BATS_TEST_TMPDIR/conf/operator.conf"
    spawn "$BATS_TEST_TMPDIR/sub" ipc-sub --url "nats://$server" --creds "$conf/user.creds" -n 1 t
    IPC_CREDS=$conf/user.creds ipc-pub --url "nats://$server" --wait-subs 1 --timeout 10s t signed
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/sub")" = signed ]

    local line="nats://$server: authentication violation (check --creds, or the user in --url)"
    run -69 --separate-stderr ipc-pub --url "nats://$server" --creds "$conf/stranger.creds" t x
    [ "$stderr" = "ipc-pub: $line" ]
    run -69 --separate-stderr ipc-req --url "nats://$server" svc x
    [ "$stderr" = "ipc-req: $line" ]
}
