# What the reqrep-*.bats suites share: ipc-req and ipc-serve across processes.
#
# Servers are started with serve() (helpers.bash), which waits for their
# --ready-file; a handler that must be caught in the act reports through a
# FIFO that the test reads with `read -t`, and is held by another FIFO until
# the test lets it go: it takes one byte from it with dd, since handlers that
# read at the same time would share out the bytes of lines between them.

# req ARGS...: ipc-req ARGS..., killed if it runs for a minute: a hang shows
# as 137, never as the 124 of ipc-req's own time-outs.
req() {
    timeout -s KILL 60 ipc-req "$@"
}

# one_error NAME: $stderr (from run --separate-stderr) is exactly one line of
# ipc-req about NAME.
one_error() {
    [ "${#stderr_lines[@]}" = 1 ] || { echo "want one stderr line, got: $stderr" >&2; return 1; }
    [[ "$stderr" == "ipc-req: $1"* ]] || { echo "not an ipc-req line about $1: $stderr" >&2; return 1; }
}

# A request frame for raw clients (python): "frame(id, data)"; HELLO is a client's Hello.
# shellcheck disable=SC2034 # Used by the suites that load this file.
raw_client_py='
import socket, struct
HELLO = b"\0\0\0\7\1IPCK\1\2"
def frame(request_id, data):
    body = b"\4" + struct.pack(">Q", request_id) + data
    return struct.pack(">I", len(body)) + body
def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
'
