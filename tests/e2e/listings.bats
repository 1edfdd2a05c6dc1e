bats_require_minimum_version 1.5.0
load helpers

# What is running now: ipc-sub --list (subscribers), ipc-serve --list
# (services and their servers), ipc-pub --list (retained topics). Each prints
# a header line and then one row per entry, its first column the pattern,
# name or topic (shell completions read it with awk 'NR>1{print $1}'), or
# one JSON object per line with --json.

# first_column: the first column of the rows of the table on stdin, sorted.
first_column() {
    awk 'NR > 1 { print $1 }' | sort
}

# each_line_is_json FILE: every line of FILE is one JSON object, and there is one or more.
each_line_is_json() {
    python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no line"
for line in lines:
    assert isinstance(json.loads(line), dict), line
' "$1"
}

@test "ipc-sub --list shows each subscriber's patterns, group and pid" {
    spawn "$BATS_TEST_TMPDIR/news" ipc-sub 'news.>' 'logs.*'
    news_pid=$(last_pid)
    spawn "$BATS_TEST_TMPDIR/w1" ipc-sub -g workers jobs
    spawn "$BATS_TEST_TMPDIR/w2" ipc-sub -g workers jobs
    ipc-pub --wait-subs 1 -t 10s news.x </dev/null
    ipc-pub --wait-subs 1 -t 10s logs.x </dev/null
    ipc-pub --wait-subs 2 -t 10s jobs </dev/null
    run --separate-stderr -0 ipc-sub --list
    [ "${lines[0]}" = "$(printf '%s\n' "${lines[0]}" | grep '^PATTERN  *GROUP  *PID  *UID  *AGE')" ]
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "jobs jobs logs.* news.> " ]
    printf '%s\n' "$output" | grep -E "^news\.> +- +$news_pid +$(id -u) +[0-9]+s"
    printf '%s\n' "$output" | grep -E "^logs\.\* +- +$news_pid "
    [ "$(printf '%s\n' "$output" | grep -cE '^jobs +workers +')" = 2 ]
    [ -z "$stderr" ]
    # Being looked at costs a subscriber nothing: no message, no line on its stderr.
    ipc-pub news.x hello
    run -0 ipc-sub --list news.x
    [ ! -s "$BATS_TEST_TMPDIR/news.err" ]
    [ ! -s "$BATS_TEST_TMPDIR/w1.err" ]
}

@test "ipc-sub --list with nobody subscribed prints the header and exits 0" {
    run --separate-stderr -0 ipc-sub --list
    [ "${#lines[@]}" = 1 ]
    [[ "${lines[0]}" == PATTERN* ]]
}

@test "a SIGKILLed subscriber disappears from ipc-sub --list" {
    spawn "$BATS_TEST_TMPDIR/stay" ipc-sub stay
    spawn "$BATS_TEST_TMPDIR/gone" ipc-sub gone
    gone_pid=$(last_pid)
    ipc-pub --wait-subs 1 -t 10s gone </dev/null
    ipc-pub --wait-subs 1 -t 10s stay </dev/null
    run -0 ipc-sub --list gone
    kill -KILL "$gone_pid"
    wait "$gone_pid" || true
    run --separate-stderr -0 ipc-sub --list
    [ "$(printf '%s\n' "$output" | first_column)" = stay ]
    run --separate-stderr -69 ipc-sub --list gone
    [ -z "$output" ]
    [ "$stderr" = "ipc-sub: gone: no subscriber would get a message published on it" ]
}

@test "ipc-sub --list TOPIC shows whom a publish on TOPIC reaches: 0 if anyone, 69 if nobody" {
    spawn "$BATS_TEST_TMPDIR/star" ipc-sub 'a.*'
    spawn "$BATS_TEST_TMPDIR/g" ipc-sub -g grp 'a.>'
    spawn "$BATS_TEST_TMPDIR/b" ipc-sub b
    ipc-pub --wait-subs 2 -t 10s a.b </dev/null
    ipc-pub --wait-subs 1 -t 10s b </dev/null
    run --separate-stderr -0 ipc-sub --list a.b
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "a.* a.> " ]
    run --separate-stderr -0 ipc-sub --list a.b.c
    [ "$(printf '%s\n' "$output" | first_column)" = 'a.>' ]
    run --separate-stderr -69 ipc-sub --list c
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "ipc-sub --list takes one topic name, not a pattern, and no subscriber's options" {
    run --separate-stderr -2 ipc-sub --list 'a.*'
    [ "${#stderr_lines[@]}" = 1 ]
    [[ "$stderr" == "ipc-sub: "* ]]
    run --separate-stderr -2 ipc-sub --list a b
    [ "${#stderr_lines[@]}" = 1 ]
    run --separate-stderr -2 ipc-sub --list -n 1
    [ "$stderr" = "ipc-sub: --list excludes --count (try 'ipc-sub --help')" ]
    run --separate-stderr -2 ipc-sub --list -g grp
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "ipc-sub --list --json writes one JSON object per subscriber" {
    spawn "$BATS_TEST_TMPDIR/s" ipc-sub -g grp 'x.>' y
    ipc-pub --wait-subs 1 -t 10s y </dev/null
    ipc-sub --list --json >"$BATS_TEST_TMPDIR/json"
    each_line_is_json "$BATS_TEST_TMPDIR/json"
    python3 -c '
import json, sys
[sub] = [json.loads(line) for line in open(sys.argv[1])]
assert sub["patterns"] == ["x.>", "y"], sub
assert sub["group"] == "grp" and sub["pid"] == int(sys.argv[2]), sub
assert isinstance(sub["age"], int) and sub["since"].endswith("Z"), sub
' "$BATS_TEST_TMPDIR/json" "$(last_pid)"
}

@test "ipc-serve --list shows each server of each service and the requests it served" {
    serve "$BATS_TEST_TMPDIR/c1" calc -- cat
    serve "$BATS_TEST_TMPDIR/c2" calc -- cat
    serve "$BATS_TEST_TMPDIR/e" echo -- cat
    run --separate-stderr -0 ipc-serve --list
    [[ "${lines[0]}" =~ ^NAME\ +PID\ +UID\ +AGE\ +SERVED\ +ADDRESS$ ]]
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "calc calc echo " ]
    [ "$(printf '%s\n' "$output" | awk 'NR > 1 { n += $5 } END { print n }')" = 0 ]
    seq 7 | timeout 60 ipc-req calc >/dev/null
    seq 5 | timeout 60 ipc-req calc >/dev/null
    run --separate-stderr -0 ipc-serve --list calc
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "calc calc " ]
    [ "$(printf '%s\n' "$output" | awk 'NR > 1 { n += $5 } END { print n }')" = 12 ]
    run --separate-stderr -69 ipc-serve --list nothere
    [ "$stderr" = "ipc-serve: nothere: no server is serving it" ]
    [ ! -s "$BATS_TEST_TMPDIR/c1.err" ] # Being looked at costs a server nothing.
}

@test "a SIGKILLed server disappears from ipc-serve --list" {
    serve "$BATS_TEST_TMPDIR/s" doomed -- cat
    run -0 ipc-serve --list doomed
    kill -KILL "$(last_pid)"
    wait "$(last_pid)" || true
    run -69 ipc-serve --list doomed
    run -0 ipc-serve --list
    [ "${#lines[@]}" = 1 ]
}

@test "ipc-serve --list --json writes one JSON object per server" {
    serve "$BATS_TEST_TMPDIR/s" calc -- cat
    echo hi | timeout 60 ipc-req calc >/dev/null
    ipc-serve --list --json >"$BATS_TEST_TMPDIR/json"
    each_line_is_json "$BATS_TEST_TMPDIR/json"
    python3 -c '
import json, sys
[server] = [json.loads(line) for line in open(sys.argv[1])]
assert server["name"] == "calc" and server["pid"] == int(sys.argv[2]), server
assert server["served"] == 1 and isinstance(server["age"], int), server
' "$BATS_TEST_TMPDIR/json" "$(last_pid)"
}

@test "ipc-serve --list refuses a handler and a server's options" {
    run --separate-stderr -2 ipc-serve --list calc -- cat
    [ "${#stderr_lines[@]}" = 1 ]
    run --separate-stderr -2 ipc-serve --list --pipe
    [ "$stderr" = "ipc-serve: --list excludes --pipe (try 'ipc-serve --help')" ]
    run --separate-stderr -2 ipc-serve --json calc -- cat
    [ "${#stderr_lines[@]}" = 1 ]
}

@test "ipc-pub --list shows the retained topics with their size and age" {
    ipc-pub --retain sensors.temp 21.5
    ipc-pub --retain sensors.door open
    ipc-pub --retain status 'all good!'
    run --separate-stderr -0 ipc-pub --list
    [[ "${lines[0]}" =~ ^TOPIC\ +SIZE\ +AGE$ ]]
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "sensors.door sensors.temp status " ]
    printf '%s\n' "$output" | grep -E '^sensors\.temp +4 +[0-9]+s$'
    printf '%s\n' "$output" | grep -E '^status +9 +[0-9]+s$'
    run --separate-stderr -0 ipc-pub --list 'sensors.*'
    [ "$(printf '%s\n' "$output" | first_column | tr '\n' ' ')" = "sensors.door sensors.temp " ]
    run --separate-stderr -69 ipc-pub --list 'other.>'
    [ "${#stderr_lines[@]}" = 1 ]
    ipc-pub --retain status ''
    run --separate-stderr -69 ipc-pub --list status
}

@test "ipc-pub --list with nothing retained prints the header and exits 0" {
    run --separate-stderr -0 ipc-pub --list
    [ "${#lines[@]}" = 1 ]
    [[ "${lines[0]}" == TOPIC* ]]
}

@test "ipc-pub --list --json writes one JSON object per retained topic" {
    ipc-pub --retain a.b hello
    ipc-pub --list --json >"$BATS_TEST_TMPDIR/json"
    each_line_is_json "$BATS_TEST_TMPDIR/json"
    python3 -c '
import json, sys
[topic] = [json.loads(line) for line in open(sys.argv[1])]
assert topic["topic"] == "a.b" and topic["size"] == 5, topic
assert isinstance(topic["age"], int) and topic["time"].endswith("Z"), topic
' "$BATS_TEST_TMPDIR/json"
}

@test "ipc-pub --list refuses messages and a publisher's options" {
    run --separate-stderr -2 ipc-pub --list a b
    [ "${#stderr_lines[@]}" = 1 ]
    run --separate-stderr -2 ipc-pub --list --retain
    [ "$stderr" = "ipc-pub: --list excludes --retain (try 'ipc-pub --help')" ]
    run --separate-stderr -2 ipc-pub --list 'a..b'
    [ "${#stderr_lines[@]}" = 1 ]
}
