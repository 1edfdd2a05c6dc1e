#!/bin/sh
# Request-response: bc as a calculator service. Each request gets its own
# bc (exec mode); a thousand pipelined requests come back in input order.
. "$(dirname "$0")/common.sh"

ipc-serve calc --ready-file "$scratch/ready" -- bc -l &
background="$background $!"

echo '2^10' | ipc-req --wait 10s calc >"$scratch/one"
echo 1024 >"$scratch/want-one"
check 'one request' "$scratch/want-one" "$scratch/one"

seq 1000 | sed 's/$/*2/' | ipc-req calc >"$scratch/many"
seq 2 2 2000 >"$scratch/want-many"
check 'a thousand requests, in order' "$scratch/want-many" "$scratch/many"
