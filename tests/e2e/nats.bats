bats_require_minimum_version 1.5.0
load helpers

# What only NATS has: TLS, users and passwords, permissions, credentials.
# Each test starts the nats-server it needs (nats_serve), with certificates
# and configuration made in its own directory.

# make_certs: a CA and a server certificate for 127.0.0.1 signed by it
# (ca.pem, server.pem, server.key), and a second CA that signed nothing
# (other-ca.pem), in $certs.
make_certs() {
    certs=$BATS_TEST_TMPDIR/certs
    mkdir -p "$certs"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout "$certs/ca.key" -out "$certs/ca.pem" -days 1 \
        -subj /CN=ipckit-test-ca 2>/dev/null
    openssl req -x509 "${ec[@]}" -keyout "$certs/other-ca.key" -out "$certs/other-ca.pem" \
        -days 1 -subj /CN=ipckit-other-ca 2>/dev/null
    openssl req "${ec[@]}" -keyout "$certs/server.key" -out "$certs/server.csr" \
        -subj /CN=127.0.0.1 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$certs/san"
    openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
        -CAcreateserial -out "$certs/server.pem" -days 1 -extfile "$certs/san" 2>/dev/null
}

# tls_server: a nats-server that takes TLS connections only; served_url is its tls:// URL.
tls_server() {
    make_certs
    nats_serve tls --tlscert "$certs/server.pem" --tlskey "$certs/server.key"
    [[ "$served_url" == tls://* ]]
}

@test "tls:// with --tls-ca works for pub/sub and req/serve" {
    tls_server
    export IPC_URL=$served_url IPC_TLS_CA=$certs/ca.pem
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 1 -t 20s t
    ipc-pub --wait-subs 1 -t 20s t secret
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = secret ]
    serve "$BATS_TEST_TMPDIR/serve" calc -- tr a-z A-Z
    run -0 ipc-req --tls-ca "$certs/ca.pem" -t 20s calc hello
    [ "$output" = HELLO ]
}

@test "a TLS server whose certificate --tls-ca does not sign exits 69 with one line" {
    tls_server
    run -69 --separate-stderr ipc-pub --url "$served_url" --tls-ca "$certs/other-ca.pem" t x
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-pub: $served_url: SSL error: "*"unable to get local issuer certificate"* ]]
    run -69 --separate-stderr ipc-sub --url "$served_url" --tls-ca "$certs/other-ca.pem" t
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "nats:// to a server that takes TLS only exits 69 with one line" {
    tls_server
    url=nats://${served_url#tls://}
    run -69 --separate-stderr ipc-pub --url "$url" t x
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-pub: $url: SSL error"* ]]
}

@test "a user and password in the URL work; a wrong password exits 69 with one line" {
    nats_serve auth --user alice --pass s3cret
    port=${served_url##*:}
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --url "nats://alice:s3cret@127.0.0.1:$port" -n 1 -t 20s t
    ipc-pub --url "nats://alice:s3cret@127.0.0.1:$port" --wait-subs 1 -t 20s t hi
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = hi ]
    run -69 --separate-stderr ipc-pub --url "nats://alice:wrong@127.0.0.1:$port" t x
    [ "${#stderr_lines[@]}" = 1 ]
    [ "$stderr" = "ipc-pub: nats://alice:***@127.0.0.1:$port: authentication violation: authorization violation (check --creds, or the user in --url)" ]
    run -69 --separate-stderr ipc-sub --url "nats://127.0.0.1:$port" t
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == *"authorization violation"* ]]
}

# permissions_server: users who may not publish (writer) or subscribe
# (reader) on the subject secret, and one who may use t and _IPC.> alone
# (nojs: not JetStream); served_port is the server's port.
permissions_server() {
    cat >"$BATS_TEST_TMPDIR/perm.conf" <<'EOF'
authorization {
  users = [
    { user: writer, password: w, permissions: { publish: { deny: ["secret"] } } }
    { user: reader, password: r, permissions: { subscribe: { deny: ["secret"] } } }
    { user: nojs, password: n,
      permissions: { publish: { allow: ["t", "_IPC.>"] }, subscribe: { allow: ["t", "_IPC.>"] } } }
  ]
}
EOF
    nats_serve perm -c "$BATS_TEST_TMPDIR/perm.conf" -js -sd "$BATS_TEST_TMPDIR/perm/js"
    served_port=${served_url##*:}
}

@test "publishing where the server forbids it exits 69 with one line, once flushed" {
    permissions_server
    run -69 --separate-stderr ipc-pub --url "nats://writer:w@127.0.0.1:$served_port" secret x
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-pub: nats://writer:***@127.0.0.1:$served_port: "*"ermissions violation for publish to \"secret\""* ]]
    run -0 ipc-pub --url "nats://writer:w@127.0.0.1:$served_port" open x
}

@test "subscribing where the server forbids it exits 69 with one line" {
    permissions_server
    run -69 --separate-stderr ipc-sub --url "nats://reader:r@127.0.0.1:$served_port" -t 20s secret
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == *"ermissions violation for subscription to \"secret\""* ]]
}

@test "a user who may not use JetStream subscribes all the same; --retain exits 69 saying why" {
    permissions_server
    export IPC_URL=nats://nojs:n@127.0.0.1:$served_port
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub -n 1 -t 30s t
    ipc-pub --wait-subs 1 -t 30s t live
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = live ]
    [ ! -s "$BATS_TEST_TMPDIR/got.err" ]
    run -69 --separate-stderr ipc-pub --retain t x
    [ "$stderr" = "ipc-pub: nats://nojs:***@127.0.0.1:$served_port: --retain: not permitted: permissions violation for publish to \"\$JS.API.STREAM.INFO.KV_ipc-retained\" (check --creds, or the user in --url)" ]
}

@test "--creds with a user of an operator-mode server works; without it, 69 with one line" {
    python3 "$BATS_TEST_DIRNAME/nats-creds.py" "$BATS_TEST_TMPDIR"
    nats_serve operator -c "$BATS_TEST_TMPDIR/server.conf"
    export IPC_URL=$served_url
    spawn "$BATS_TEST_TMPDIR/got" ipc-sub --creds "$BATS_TEST_TMPDIR/user.creds" -n 1 -t 20s t
    IPC_CREDS=$BATS_TEST_TMPDIR/user.creds ipc-pub --wait-subs 1 -t 20s t signed
    wait_status "$(last_pid)"
    [ "$(cat "$BATS_TEST_TMPDIR/got")" = signed ]
    run -69 --separate-stderr ipc-pub t x
    [ "$stderr" = "ipc-pub: $served_url: authentication violation: authorization violation (check --creds, or the user in --url)" ]
}

@test "an unreadable --creds file exits 2 with one line" {
    nats_serve plain
    run -2 --separate-stderr ipc-pub --url "$served_url" --creds "$BATS_TEST_TMPDIR/none.creds" t x
    [ "$stderr" = "ipc-pub: --creds $BATS_TEST_TMPDIR/none.creds: No such file or directory" ]
    IPC_CREDS=$BATS_TEST_TMPDIR/none.creds run -2 ipc-sub --url "$served_url" t
}

@test "a request or a service where the server forbids it exits 69, naming the subject" {
    permissions_server
    run -69 --separate-stderr timeout 20 ipc-req --url "nats://writer:w@127.0.0.1:$served_port" secret x
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-req: "*"ermissions violation for publish to \"secret\""* ]]
    run -69 --separate-stderr timeout 20 ipc-serve --url "nats://reader:r@127.0.0.1:$served_port" secret -- cat
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-serve: "*"ermissions violation for subscription to \"secret\""* ]]
}
