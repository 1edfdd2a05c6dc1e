#!/bin/sh
# Publish-subscribe across machines: subscribers on two machines choose
# topics with wildcards, and a publisher on a third reaches each one whose
# pattern matches, through NATS: the same commands as on one machine
# (publish-subscribe.sh), with --url.
#
# By hand, against your own servers (one per machine, in a cluster; one
# server will do):
#   IPC_URL=nats://host1:4222,nats://host2:4222,nats://host3:4222 \
#       scripts/examples/nats-publish-subscribe.sh
. "$(dirname "$0")/nats-common.sh"

ipc-sub --url "$machine1" -n 3 "$run.logs.>" >"$scratch/all" &
background="$background $!"
ipc-sub --url "$machine2" -n 1 "$run.logs.*.error" >"$scratch/errors" &
background="$background $!"

# --wait-subs counts the subscribers on every server of the cluster.
printf '{"topic":"%s.%s","data":"%s"}\n' \
    "$run" logs.app.info started \
    "$run" logs.app.error 'disk full' \
    "$run" logs.db.info vacuumed |
    ipc-pub --url "$machine3" --json --wait-subs 2 --timeout 10s
wait

printf '%s\n' started 'disk full' vacuumed >"$scratch/want-all"
printf '%s\n' 'disk full' >"$scratch/want-errors"
check 'logs.> on machine 1' "$scratch/want-all" "$scratch/all"
check 'logs.*.error on machine 2' "$scratch/want-errors" "$scratch/errors"
