#!/bin/sh
# Publish-subscribe: subscribers choose topics with wildcards; a publisher
# reaches every subscriber whose pattern matches, with no broker in between.
. "$(dirname "$0")/common.sh"

ipc-sub -n 3 'logs.>' >"$scratch/all" &
background="$background $!"
ipc-sub -n 1 'logs.*.error' >"$scratch/errors" &
background="$background $!"

# --wait-subs instead of sleep: publish once both subscribers are there.
printf '%s\n' \
    '{"topic":"logs.app.info","data":"started"}' \
    '{"topic":"logs.app.error","data":"disk full"}' \
    '{"topic":"logs.db.info","data":"vacuumed"}' |
    ipc-pub --json --wait-subs 2 --timeout 10s
wait

printf '%s\n' started 'disk full' vacuumed >"$scratch/want-all"
printf '%s\n' 'disk full' >"$scratch/want-errors"
check 'logs.>' "$scratch/want-all" "$scratch/all"
check 'logs.*.error' "$scratch/want-errors" "$scratch/errors"
