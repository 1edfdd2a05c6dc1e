#!/bin/sh
# Client-server: two servers share one name, many clients share the servers,
# and a client whose server is stopped carries on with the other one.
. "$(dirname "$0")/common.sh"

ipc-serve upper --ready-file "$scratch/a" --pipe -- sed -u 's/.*/&!/' &
first=$!
background="$background $first"
ipc-serve upper --ready-file "$scratch/b" --pipe -- sed -u 's/.*/&!/' &
background="$background $!"

# Ten clients at once, each with its own requests.
clients=""
for client in 1 2 3 4 5 6 7 8 9 10; do
    seq "$client" 10 | ipc-req --wait 10s upper >"$scratch/got.$client" &
    clients="$clients $!"
done
for pid in $clients; do
    wait "$pid"
done
for client in 1 2 3 4 5 6 7 8 9 10; do
    seq "$client" 10 | sed 's/$/!/' >"$scratch/want.$client"
    check "client $client" "$scratch/want.$client" "$scratch/got.$client" >/dev/null
done
echo 'ten clients, two servers: ok'

# Stop one server: the next requests go to the other.
kill "$first"
seq 100 | ipc-req --retries 2 upper >"$scratch/after"
seq 100 | sed 's/$/!/' >"$scratch/want-after"
check 'one server stopped, every reply still comes' "$scratch/want-after" "$scratch/after"
