# Sourced by the NATS examples (nats-*.sh), after common.sh: the machines.
#
# IPC_URL names the NATS servers, one per machine, separated by commas:
# "machine N" of an example is the Nth server (the last one when fewer are
# given; a single server plays every machine). A cluster of servers routes
# each message to whoever needs it, so it does not matter which one a tool
# talks to. Names carry this run's number, so runs on shared servers do not
# meet.
. "$(dirname "$0")/common.sh"

case ${IPC_URL:-local} in
local)
    echo "$(basename "$0"): set IPC_URL to your NATS servers, one per machine, e.g." \
        "IPC_URL=nats://host1:4222,nats://host2:4222,nats://host3:4222" \
        "(one server is enough: nats-server -js)" >&2
    exit 2
    ;;
esac
machine1=$(echo "$IPC_URL" | cut -d, -f1)
machine2=$(echo "$IPC_URL" | cut -d, -f2)
machine3=$(echo "$IPC_URL" | cut -d, -f3)
machine3=${machine3:-$machine2}
run=example$$

# wait_for FILE: FILE exists and is not empty within 10 s, or fail.
wait_for() {
    tries=0
    until [ -s "$1" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 1000 ]; then
            echo "$1: still empty after 10 s" >&2
            exit 1
        fi
        sleep 0.01
    done
}
