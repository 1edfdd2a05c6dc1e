#!/bin/sh
# Peer to peer: every peer subscribes and publishes on one topic; there is no
# central process, so any peer may come and go.
. "$(dirname "$0")/common.sh"

for peer in alice bob carol; do
    ipc-sub -n 3 chat >"$scratch/$peer" &
    background="$background $!"
done

# Each peer speaks once everyone listens.
for peer in alice bob carol; do
    ipc-pub --wait-subs 3 --timeout 10s chat "$peer: hello"
done
wait

printf '%s\n' 'alice: hello' 'bob: hello' 'carol: hello' >"$scratch/want"
check_heard alice bob carol
