#!/bin/sh
# Peer to peer across machines: each machine runs a nats-server of its own,
# and the servers form a cluster in which each one has a route to every
# other (a full mesh), so no machine is central: any one may go, and the
# others go on talking. Each peer talks only to the server of its machine.
#
# On each of three machines (the same routes on each):
#   nats-server --server_name "$(hostname)" --cluster_name chat \
#       --cluster nats://0.0.0.0:6222 \
#       --routes nats://host1:6222,nats://host2:6222,nats://host3:6222
#   IPC_URL=nats://127.0.0.1:4222 ipc-sub 'chat.>' &
#   IPC_URL=nats://127.0.0.1:4222 ipc-pub "chat.$USER" hello
# This script plays three peers, one per server of IPC_URL:
#   IPC_URL=nats://host1:4222,nats://host2:4222,nats://host3:4222 \
#       scripts/examples/nats-peer-to-peer.sh
. "$(dirname "$0")/nats-common.sh"

ipc-sub --url "$machine1" -n 3 "$run.chat.>" >"$scratch/alice" &
background="$background $!"
ipc-sub --url "$machine2" -n 3 "$run.chat.>" >"$scratch/bob" &
background="$background $!"
ipc-sub --url "$machine3" -n 3 "$run.chat.>" >"$scratch/carol" &
background="$background $!"

# Each peer speaks once everyone listens.
ipc-pub --url "$machine1" --wait-subs 3 --timeout 10s "$run.chat.alice" 'alice: hello'
ipc-pub --url "$machine2" --wait-subs 3 --timeout 10s "$run.chat.bob" 'bob: hello'
ipc-pub --url "$machine3" --wait-subs 3 --timeout 10s "$run.chat.carol" 'carol: hello'
wait

printf '%s\n' 'alice: hello' 'bob: hello' 'carol: hello' >"$scratch/want"
check_heard alice bob carol
