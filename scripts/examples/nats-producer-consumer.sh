#!/bin/sh
# Producer-consumer across machines: a producer on one machine pushes jobs
# to a durable queue, and workers on two other machines share them out, each
# job done by one worker. The queue is a JetStream stream kept by the NATS
# servers (replicated on three servers or more), not on any of the three
# machines: any of them may come and go.
#
# By hand, against your own servers, with JetStream on (nats-server -js; one
# per machine, in a cluster; one server will do):
#   IPC_URL=nats://host1:4222,nats://host2:4222,nats://host3:4222 \
#       scripts/examples/nats-producer-consumer.sh
. "$(dirname "$0")/nats-common.sh"
queue=$run.squares

seq 100 | ipc-queue push --url "$machine1" "$queue"
# Each worker squares its jobs, and stops once the queue is empty.
for machine in "$machine2" "$machine3"; do
    ipc-queue work --url "$machine" "$queue" --drain -- \
        sh -c 'read -r n; echo $((n * n))' >>"$scratch/done" &
    background="$background $!"
done
wait
ipc-queue rm --url "$machine1" "$queue"

seq 100 | awk '{ print $1 * $1 }' >"$scratch/want"
sort -n "$scratch/done" >"$scratch/got"
check 'every job done once, by the workers of machines 2 and 3' "$scratch/want" "$scratch/got"
