# fish completion for the ipckit tools: ipc-pub, ipc-sub, ipc-req, ipc-serve,
# ipc-queue and ipc-shm. One file for all six, installed under each tool's
# name: fish loads it for whichever comes first, and the others then find
# their completions defined.
#
# Completes subcommands, options (and the values of those with a fixed set),
# and the names that exist now: queues (ipc-queue ls), segments (ipc-shm ls),
# services (ipc-serve --list), topics with subscribers (ipc-sub --list) and
# retained topics (ipc-pub --list).
# A lister that fails or takes over two seconds gives no names, quietly.

set -q __ipckit_completions; and return
set -g __ipckit_completions 1

# __ipckit_tool NAME: NAME beside the tool being completed (the same folder
# when it was typed with one), else on PATH.
function __ipckit_tool
    set -l typed (commandline -opc)[1]
    if string match -q '*/*' -- $typed
        echo (string replace -r '[^/]*$' '' -- $typed)$argv[1]
    else
        echo $argv[1]
    end
end

# __ipckit_list TOOL ARGS...: the first column of TOOL's listing, header
# left out when it has one (ipc-queue ls prints bare names).
function __ipckit_list
    timeout 2 (__ipckit_tool $argv[1]) $argv[2..] 2>/dev/null | awk '{ print $1 }'
end

function __ipckit_queues
    __ipckit_list ipc-queue ls
end

# __ipckit_segments KIND: the segments whose kind matches the regex KIND.
function __ipckit_segments
    timeout 2 (__ipckit_tool ipc-shm) ls 2>/dev/null | awk -v kind=$argv[1] 'NR > 1 && $3 ~ kind { print $1 }'
end

function __ipckit_services
    __ipckit_list ipc-serve --list | tail -n +2
end

function __ipckit_patterns
    __ipckit_list ipc-sub --list | tail -n +2
end

# The retained topics, and a topic from each pattern with subscribers: up
# to its first wildcard, as a prefix (logs.).
function __ipckit_topics
    __ipckit_list ipc-pub --list | tail -n +2
    __ipckit_patterns | awk '{
        n = split($1, token, "."); topic = ""
        for (i = 1; i <= n && token[i] != "*" && token[i] != ">"; i++)
            topic = topic token[i] "."
        if (topic != "") print (i > n ? substr(topic, 1, length(topic) - 1) : topic)
    }'
end

# __ipckit_first_argument: the cursor is on the first argument (after the
# subcommand, for ipc-queue and ipc-shm).
function __ipckit_first_argument
    set -l tokens (commandline -opc)
    set -l count 0
    set -l skip 0
    for token in $tokens[2..]
        if test $skip -eq 1
            set skip 0
        else if test $token = --wait; and string match -q '*ipc-req' -- $tokens[1]
            set skip 1 # ipc-queue pop --wait is a flag.
        else if string match -qr -- '^(-t|--timeout|--interval|--wait-subs|--url|--creds|--tls-ca|--delimiter|--max-size|-g|--group|-n|--count|--idle|--allow-uid|--allow-group|--retries|-j|--drop-buffer|--tap|--deadline|--field|--jobs|--handler-timeout|--ready-file|--delay|--id|--dedup-window|--priority|--sync|--lease|--max-attempts|--backoff|--mode|--size|--wait-readers)$' $token
            set skip 1
        else if string match -q -- '-*' $token
            continue
        else
            set count (math $count + 1)
        end
    end
    switch $tokens[1]
        case '*ipc-queue' '*ipc-shm'
            test $count -eq 1
        case '*'
            test $count -eq 0
    end
end

# The handler of ipc-serve and ipc-queue work, after '--': completed as the
# command line it is.
function __ipckit_after_dashdash
    contains -- -- (commandline -opc)
end

function __ipckit_handler
    set -l tokens (commandline -opc) (commandline -ct)
    set -l at (contains -i -- -- $tokens)
    complete -C (string join ' ' -- (string escape -- $tokens[(math $at + 1)..]))
end

# __ipckit_subcommands CMD NAME:DESCRIPTION...: CMD's subcommands, offered
# until one of them is on the line.
function __ipckit_subcommands -a cmd
    set -l names (string replace -r ':.*' '' -- $argv[2..])
    for entry in $argv[2..]
        set -l parts (string split -m 1 : -- $entry)
        complete -c $cmd -n "not __fish_seen_subcommand_from $names" -a $parts[1] -d $parts[2]
    end
end

# __ipckit_options CMD CONDITION GROUP...: the shared option groups.
function __ipckit_options -a cmd condition
    for group in $argv[3..]
        switch $group
            case help
                complete -c $cmd -n $condition -s h -l help -d 'print this help and exit'
            case frame input output
                complete -c $cmd -n $condition -s 0 -l null -d 'messages end with NUL'
                complete -c $cmd -n $condition -l whole -d 'all of stdin is one message'
                complete -c $cmd -n $condition -l len -d '4-byte big-endian length prefix'
                complete -c $cmd -n $condition -l delimiter -x -d 'messages end with character C'
                if test $group = input
                    complete -c $cmd -n $condition -l json -d 'read JSON Lines envelopes (topic, data)'
                else if test $group = output
                    complete -c $cmd -n $condition -l json -d 'write JSON Lines with data and metadata'
                    complete -c $cmd -n $condition -l line-buffered -d 'flush after every message'
                end
            case limits
                complete -c $cmd -n $condition -s n -l count -x -d 'stop after N messages'
                complete -c $cmd -n $condition -s t -l timeout -x -d 'give up after D; exit 124'
                complete -c $cmd -n $condition -l idle -x -d 'stop after D without a message'
            case backend
                complete -c $cmd -n $condition -l url -x -a local -d 'NATS servers, or local (the default)'
                complete -c $cmd -n $condition -l creds -r -F -d 'NATS credentials FILE'
                complete -c $cmd -n $condition -l tls-ca -r -F -d 'CA certificates FILE for tls://'
            case allow
                complete -c $cmd -n $condition -l allow-uid -x -d 'accept peers running as UID too'
                complete -c $cmd -n $condition -l allow-group -x -d 'accept peers whose group is GID too'
            case size
                complete -c $cmd -n $condition -l max-size -x -d 'refuse messages longer than N bytes'
            case mode
                complete -c $cmd -n $condition -l mode -x -a '0600 0640 0660 0644 0666' -d 'permissions of a new segment'
        end
    end
end

# ipc-pub, ipc-sub, ipc-req, ipc-serve
for cmd in ipc-pub ipc-sub ipc-req ipc-serve
    complete -c $cmd -f
    complete -c $cmd -l version -d 'print the version and exit'
end
__ipckit_options ipc-pub true help backend input size
complete -c ipc-pub -l list -d 'list the retained topics'
complete -c ipc-pub -l retain -d 'keep the last message for later subscribers'
complete -c ipc-pub -l drop -d 'skip slow subscribers instead of waiting'
complete -c ipc-pub -l wait-subs -x -d 'first wait for N subscribers'
complete -c ipc-pub -s t -l timeout -x -d 'give up a wait after D; exit 124'
complete -c ipc-pub -l interval -x -d 'wait D between messages'
complete -c ipc-pub -n __ipckit_first_argument -a '(__ipckit_topics)' -d 'topic with subscribers'

__ipckit_options ipc-sub true help backend output limits allow size
complete -c ipc-sub -l list -d 'list the subscribers'
complete -c ipc-sub -l tap -x -a '(__ipckit_services)' -d 'show the requests and replies of service NAME'
complete -c ipc-sub -l drop -d 'drop what stdout cannot take, and count it'
complete -c ipc-sub -l no-drop -d 'never drop: block publishers instead'
complete -c ipc-sub -l drop-buffer -x -d '--drop: hold up to N bytes for stdout'
complete -c ipc-sub -s g -l group -x -d 'share messages with the other subscribers of GROUP'
complete -c ipc-sub -l no-retained -d 'do not print retained messages first'
complete -c ipc-sub -s v -l verbose -d 'print each topic before its message'
complete -c ipc-sub -a '(__ipckit_patterns)' -d 'pattern with subscribers'

__ipckit_options ipc-req true help backend output size
complete -c ipc-req -s t -l timeout -x -d 'give up on a request after D; exit 124'
complete -c ipc-req -l deadline -x -d 'give up on the whole run after D'
complete -c ipc-req -l retries -x -d 'after a lost connection, resend up to N times'
complete -c ipc-req -l wait -x -d 'wait up to D for a server to appear'
complete -c ipc-req -n __ipckit_first_argument -a '(__ipckit_services)' -d service

__ipckit_options ipc-serve true help backend frame allow size
complete -c ipc-serve -l list -d 'list the servers'
complete -c ipc-serve -l json -d 'with --list: one JSON object per line'
complete -c ipc-serve -s v -l verbose -d 'log each request on stderr'
complete -c ipc-serve -l session -d 'a handler process per client connection'
complete -c ipc-serve -l pipe -d 'start CMD once and pipe every request through it'
complete -c ipc-serve -s j -l jobs -x -d 'run N handlers at once'
complete -c ipc-serve -l handler-timeout -x -d 'kill a handler that takes over D to answer'
complete -c ipc-serve -s n -l count -x -d 'serve N requests, then exit'
complete -c ipc-serve -l ready-file -r -F -d 'write the address to F once serving'
complete -c ipc-serve -n __ipckit_first_argument -a '(__ipckit_services)' -d service
complete -c ipc-serve -n __ipckit_after_dashdash -a '(__ipckit_handler)'

# ipc-queue
set -l queue_commands push pop work peek stat ls dead retry drop purge rm
complete -c ipc-queue -f
complete -c ipc-queue -n "not __fish_seen_subcommand_from $queue_commands" -s h -l help -d 'print this help and exit'
complete -c ipc-queue -n "not __fish_seen_subcommand_from $queue_commands" -l version -d 'print the version and exit'
__ipckit_subcommands ipc-queue \
    'push:add each ITEM, or each message from stdin, to queue NAME' \
    'pop:take items from queue NAME to stdout' \
    'work:run CMD once per item of queue NAME, item on stdin' \
    'peek:show the next items of queue NAME' \
    'stat:show the counts of queue NAME, or of every queue' \
    'ls:list the queues' \
    'dead:show the dead items of queue NAME and their errors' \
    'retry:put dead items of queue NAME back in line' \
    'drop:delete the items ID of queue NAME, dead or alive' \
    'purge:delete every item of queue NAME' \
    'rm:delete queue NAME'
for sub in $queue_commands
    __ipckit_options ipc-queue "__fish_seen_subcommand_from $sub" help backend
end
complete -c ipc-queue -n "__fish_seen_subcommand_from push pop work peek stat dead retry drop purge rm; and __ipckit_first_argument" -a '(__ipckit_queues)' -d queue
set -l on "__fish_seen_subcommand_from push"
__ipckit_options ipc-queue $on input size
complete -c ipc-queue -n $on -l delay -x -d 'deliver no earlier than D from now'
complete -c ipc-queue -n $on -l id -x -d 'push only once per KEY within the dedup window'
complete -c ipc-queue -n $on -l dedup-window -x -d 'how long an --id is remembered'
complete -c ipc-queue -n $on -l priority -x -d 'higher first; FIFO within a priority'
complete -c ipc-queue -n $on -l sync -x -a 'normal full' -d 'normal, or full: fsync every commit'
complete -c ipc-queue -n $on -s v -l verbose -d 'say so when --id finds a duplicate'
complete -c ipc-queue -n "__fish_seen_subcommand_from pop work" -l create -d 'create queue NAME if it does not exist'
set on "__fish_seen_subcommand_from pop"
__ipckit_options ipc-queue $on output limits
complete -c ipc-queue -n $on -l all -d 'take every item, not just one'
complete -c ipc-queue -n $on -s w -l wait -d 'wait for items when the queue is empty'
complete -c ipc-queue -n $on -l lease -x -d 'lease items for D until read'
complete -c ipc-queue -n $on -l fail-empty -d 'exit 75 when there was no item'
set on "__fish_seen_subcommand_from work"
__ipckit_options ipc-queue $on input
complete -c ipc-queue -n $on -s j -l jobs -x -d 'run up to N handlers at once'
complete -c ipc-queue -n $on -l max-attempts -x -d 'move an item to the dead list after N tries'
complete -c ipc-queue -n $on -l lease -x -d 'lease each item for D'
complete -c ipc-queue -n $on -l backoff -x -d 'wait D before the first retry, doubling'
complete -c ipc-queue -n $on -l handler-timeout -x -d 'kill a handler after D'
complete -c ipc-queue -n $on -s n -l count -x -d 'stop after N items'
complete -c ipc-queue -n $on -l drain -d 'stop once no live item is left'
set on "__fish_seen_subcommand_from peek dead"
__ipckit_options ipc-queue $on output
complete -c ipc-queue -n $on -s n -l count -x -d 'show up to N items'
complete -c ipc-queue -n "__fish_seen_subcommand_from work; and __ipckit_after_dashdash" -a '(__ipckit_handler)'
complete -c ipc-queue -n "__fish_seen_subcommand_from stat" -l json -d 'one JSON object per queue'
complete -c ipc-queue -n "__fish_seen_subcommand_from stat" -l field -x -a 'ready delayed leased dead oldest_age_ms in_per_s out_per_s replicas leader' -d 'print one count, bare'
complete -c ipc-queue -n "__fish_seen_subcommand_from peek" -l leased -d 'show the leased items'
complete -c ipc-queue -n "__fish_seen_subcommand_from peek" -l delayed -d 'show the items not due yet'
complete -c ipc-queue -n "__fish_seen_subcommand_from retry" -l all -d 'retry every dead item'

# ipc-shm
set -l shm_commands put get ls stat rm path write read set watch
complete -c ipc-shm -f
complete -c ipc-shm -n "not __fish_seen_subcommand_from $shm_commands" -s h -l help -d 'print this help and exit'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $shm_commands" -l version -d 'print the version and exit'
complete -c ipc-shm -n "not __fish_seen_subcommand_from $shm_commands" -l url -x -a local -d 'only local: shared memory stays on this machine'
__ipckit_subcommands ipc-shm \
    'put:store FILE, or all of stdin, as object NAME' \
    "get:print object NAME, or a board's value" \
    'ls:list the shared-memory segments' \
    'stat:describe segment NAME' \
    'rm:remove segment NAME' \
    'path:print the file of segment NAME' \
    'write:stream each message from stdin into ring NAME' \
    'read:print each message written to ring NAME' \
    'set:make VALUE, or each message from stdin, the value of board NAME' \
    'watch:print the value of board NAME and each new one'
for sub in $shm_commands
    __ipckit_options ipc-shm "__fish_seen_subcommand_from $sub" help
end
set -l segment "__ipckit_first_argument; and __fish_seen_subcommand_from"
complete -c ipc-shm -n "$segment put" -a '(__ipckit_segments "^object\$")' -d object
complete -c ipc-shm -n "$segment get" -a '(__ipckit_segments "^(object|board)\$")' -d 'object or board'
complete -c ipc-shm -n "$segment stat rm path" -a '(__ipckit_segments .)' -d segment
complete -c ipc-shm -n "$segment write read" -a '(__ipckit_segments "^ring\$")' -d ring
complete -c ipc-shm -n "$segment set watch" -a '(__ipckit_segments "^board\$")' -d board
complete -c ipc-shm -n "__fish_seen_subcommand_from put" -F
__ipckit_options ipc-shm "__fish_seen_subcommand_from put set write read" mode
__ipckit_options ipc-shm "__fish_seen_subcommand_from get read watch" output
__ipckit_options ipc-shm "__fish_seen_subcommand_from write set" input size
__ipckit_options ipc-shm "__fish_seen_subcommand_from write read watch" limits
complete -c ipc-shm -n "__fish_seen_subcommand_from ls" -l json -d 'one JSON object per line'
complete -c ipc-shm -n "__fish_seen_subcommand_from stat" -l json -d 'one JSON object'
complete -c ipc-shm -n "__fish_seen_subcommand_from write read" -l size -x -d 'capacity of a new ring, a power of two'
complete -c ipc-shm -n "__fish_seen_subcommand_from write" -l lossy -d 'overwrite what slow readers did not read yet'
complete -c ipc-shm -n "__fish_seen_subcommand_from write" -l wait-readers -x -d 'first wait for N readers'
