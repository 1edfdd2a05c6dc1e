#!/bin/sh
# Client-server with fail-over across machines: two servers on two machines
# share one name; one of them takes requests, hangs and dies (SIGKILL, as a
# machine that crashes); the client on a third machine sends what went
# unanswered again after -t, and gets every reply, in order.
#
# On NATS nothing tells a client that a server died, so the client must have
# a deadline: --retries needs -t.
#
# By hand, against your own servers (one per machine, in a cluster; one
# server will do):
#   IPC_URL=nats://host1:4222,nats://host2:4222,nats://host3:4222 \
#       scripts/examples/nats-client-server.sh
. "$(dirname "$0")/nats-common.sh"
service=$run.shout

# Machine 2: a server that answers, sed as a co-process.
ipc-serve --url "$machine2" --ready-file "$scratch/ready2" "$service" \
    --pipe -- sed -u 's/.*/&!/' &
background="$background $!"
# Machine 1: a server that takes requests and never answers: with no
# command, ipc-serve prints each request and reads its reply from stdin,
# here a FIFO nobody writes to.
mkfifo "$scratch/never"
exec 7<>"$scratch/never"
ipc-serve --url "$machine1" --ready-file "$scratch/ready1" "$service" \
    <&7 >"$scratch/taken" &
hung=$!
background="$background $hung"
exec 7>&-
wait_for "$scratch/ready1"
wait_for "$scratch/ready2"

# Machine 3: 100 requests; each one unanswered after 2 s is sent again, up to
# three times. --wait: news of the servers reaches machine 3's server a moment
# after they are ready on their own.
seq 100 | ipc-req --url "$machine3" --wait 10s --retries 3 -t 2s "$service" >"$scratch/got" &
client=$!
# Once the hung server holds a request, it dies.
wait_for "$scratch/taken"
kill -KILL "$hung"
wait "$hung" || true
wait "$client"

seq 100 | sed 's/$/!/' >"$scratch/want"
check "every reply, though the server on machine 1 died holding $(wc -l <"$scratch/taken") request(s)" \
    "$scratch/want" "$scratch/got"
