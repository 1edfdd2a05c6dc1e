#!/bin/sh
# Pipe and filter: ordinary Unix filters between a subscriber and a
# publisher turn one stream into another.
. "$(dirname "$0")/common.sh"

ipc-sub -n 2 clean >"$scratch/got" &
background="$background $!"
# Publishing nothing with --wait-subs is how a script waits for a subscriber.
ipc-pub --wait-subs 1 --timeout 10s clean </dev/null

ipc-sub -n 3 raw | grep --line-buffered -v DEBUG | tr a-z A-Z | ipc-pub clean &
background="$background $!"

printf '%s\n' 'info: start' 'DEBUG: noise' 'info: done' |
    ipc-pub --wait-subs 1 --timeout 10s raw
wait

printf '%s\n' 'INFO: START' 'INFO: DONE' >"$scratch/want"
check 'raw | grep | tr | clean' "$scratch/want" "$scratch/got"
