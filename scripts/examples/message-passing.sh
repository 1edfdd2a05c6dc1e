#!/bin/sh
# Message passing: discrete messages keep their boundaries end to end, even
# when they hold newlines or binary bytes: --len frames are binary-safe, and
# --whole sends a whole file as one message.
. "$(dirname "$0")/common.sh"

ipc-sub --len -n 3 inbox >"$scratch/got" &
background="$background $!"
ipc-sub --whole -n 1 files >"$scratch/copy" &
background="$background $!"

# Three messages: two lines in one, random bytes, and every byte 0x00-0xff.
printf 'line one\nline two' >"$scratch/1"
head -c 5000 /dev/urandom >"$scratch/2"
printf "$(printf '\\%03o' $(seq 0 255))" >"$scratch/3"
# As --len frames: a 4-byte big-endian length, then the bytes.
for part in 1 2 3; do
    size=$(wc -c <"$scratch/$part")
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((size >> 24)) $((size >> 16 & 255)) \
        $((size >> 8 & 255)) $((size & 255)))"
    cat "$scratch/$part"
done >"$scratch/frames"

ipc-pub --len --wait-subs 1 --timeout 10s inbox <"$scratch/frames"
ipc-pub --whole --wait-subs 1 --timeout 10s files <"$scratch/2"
wait

check 'three messages, boundaries kept' "$scratch/frames" "$scratch/got"
check 'a file as one message' "$scratch/2" "$scratch/copy"
