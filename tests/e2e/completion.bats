bats_require_minimum_version 1.5.0
load helpers

# Shell completion (completions/): bash driven through its completion
# function, fish through 'complete -C', zsh checked for syntax and for what
# it names. Live names come from the tools' own listings, in this test's
# private IPC_DIR and IPC_STATE_DIR.

completions=$IPC_SOURCE_ROOT/completions

# complete_bash WORD...: the candidates bash offers for the command line
# WORD... (the last word being the one completed), one per line.
complete_bash() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ipckit
        printf "%s\n" "${COMPREPLY[@]}"' - "$completions/bash/ipckit" "$@"
}

# complete_fish LINE: the candidates fish offers for LINE, one per line.
complete_fish() {
    fish --no-config -c 'source $argv[1]; complete -C $argv[2] | cut -f 1' \
        "$completions/fish/ipckit.fish" "$1"
}

need() {
    command -v "$1" >/dev/null || skip "$1 is not installed (scripts/setup installs it)"
}

# same LIST1 LIST2: the two newline-separated lists hold the same words.
same() {
    diff -u <(sort <<<"$1") <(sort <<<"$2")
}

# long_options TOOL [SUBCOMMAND]: the long options its --help shows.
long_options() {
    "$@" --help | grep -oE '^ +(-[a-zA-Z0-9],)?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+'
}

# subcommands TOOL: the subcommands its --help lists.
subcommands() {
    "$1" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

@test "bash completes subcommands, options and the values of fixed-set options" {
    same "$(complete_bash ipc-queue p)" $'push\npop\npeek\npurge'
    same "$(complete_bash ipc-shm w)" $'write\nwatch'
    same "$(complete_bash ipc-queue push --s)" --sync
    same "$(complete_bash ipc-queue push --sync '')" $'normal\nfull'
    same "$(complete_bash ipc-queue push --sync = f)" full
    same "$(complete_bash ipc-pub --wa)" --wait-subs
    same "$(complete_bash ipc-queue stat --field de)" $'delayed\ndead'
    same "$(complete_bash ipc-sub --gr)" --group
    # ipc-queue pop --wait is a flag, ipc-req --wait takes a duration.
    echo a | ipc-queue push jobs
    same "$(complete_bash ipc-queue pop --wait '')" jobs
    [ -z "$(complete_bash ipc-req --wait '')" ]
    # After '--': the handler, a command.
    complete_bash ipc-serve calc -- bas | grep -qx bash
}

@test "bash completes the queues of ipc-queue ls and the segments of ipc-shm ls, by kind" {
    echo a | ipc-queue push jobs
    echo b | ipc-queue push thumbs.small
    ipc-shm put frame </dev/null
    ipc-shm set temp 21
    ipc-shm write --lossy log hello
    same "$(complete_bash ipc-queue pop '')" $'jobs\nthumbs.small'
    same "$(complete_bash ipc-queue work -j 2 t)" thumbs.small
    [ -z "$(complete_bash ipc-queue pop jobs '')" ] # One NAME only.
    same "$(complete_bash ipc-shm rm '')" $'frame\nlog\ntemp'
    same "$(complete_bash ipc-shm get '')" $'frame\ntemp'
    same "$(complete_bash ipc-shm watch '')" temp
    same "$(complete_bash ipc-shm --url local read '')" log
    # A tool named by its path finds the sibling tools in its folder.
    same "$(complete_bash "$(command -v ipc-queue)" stat t)" thumbs.small
}

# Stand-ins for listings whose format is agreed (a header line, then one row
# per entry with the name first): ipc-serve --list, ipc-sub --list and
# ipc-pub --list (the retained topics).
fake_listings() {
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    cat >"$BATS_TEST_TMPDIR/bin/ipc-sub" <<'FAKE'
#!/bin/sh
[ "$1" = --list ] && printf '%s\n' 'PATTERN GROUP PID' 'logs.> - 10' 'news.local - 11' \
    'news.local g 12' '*.errors - 13' 'sensors.*.temp - 14'
FAKE
    cat >"$BATS_TEST_TMPDIR/bin/ipc-serve" <<'FAKE'
#!/bin/sh
[ "$1" = --list ] && printf '%s\n' 'SERVICE PID UID ADDRESS' 'calc 10 0 -' 'calc 11 0 -' 'upper 12 0 -'
FAKE
    cat >"$BATS_TEST_TMPDIR/bin/ipc-pub" <<'FAKE'
#!/bin/sh
[ "$1" = --list ] && printf '%s\n' 'TOPIC SIZE AGE' 'weather.today 5 1s'
FAKE
    chmod +x "$BATS_TEST_TMPDIR/bin"/*
    PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

@test "bash completes services, patterns and topics from the --list of ipc-serve, ipc-sub, ipc-pub (stand-ins)" {
    fake_listings
    same "$(complete_bash ipc-req '')" $'calc\nupper'
    same "$(complete_bash ipc-serve -j 2 c)" calc
    same "$(complete_bash ipc-sub '')" $'*.errors\nlogs.>\nnews.local\nsensors.*.temp'
    # A pattern with a wildcard gives its prefix up to the wildcard.
    same "$(complete_bash ipc-pub '')" $'logs.\nnews.local\nsensors.\nweather.today'
    same "$(complete_bash ipc-pub news.local '')" ''
    same "$(complete_bash ipc-sub --tap u)" upper
}

@test "bash completes live services and topics with subscribers" {
    local_only 'the listing of local services and subscribers'
    ipc-sub --list >/dev/null 2>&1 || skip 'ipc-sub --list is not built in this tree'
    spawn "$BATS_TEST_TMPDIR/sub" ipc-sub 'logs.>'
    ipc-pub --wait-subs 1 --timeout 10s logs.x </dev/null
    serve "$BATS_TEST_TMPDIR/calc" calc -- cat
    complete_bash ipc-pub l | grep -qx 'logs.'
    complete_bash ipc-sub l | grep -qx 'logs.>'
    complete_bash ipc-req c | grep -qx calc
}

@test "a lister that fails or hangs gives no names, quietly, within seconds" {
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    printf '#!/bin/sh\necho "ipc-queue: broken" >&2\nexit 70\n' >"$BATS_TEST_TMPDIR/bin/ipc-queue"
    printf '#!/bin/sh\nexec sleep 30\n' >"$BATS_TEST_TMPDIR/bin/ipc-shm"
    chmod +x "$BATS_TEST_TMPDIR/bin"/*
    PATH=$BATS_TEST_TMPDIR/bin:$PATH
    run -0 --separate-stderr complete_bash ipc-queue pop ''
    [ -z "$output$stderr" ]
    local start=$SECONDS
    run -0 --separate-stderr complete_bash ipc-shm get ''
    [ -z "$output$stderr" ]
    ((SECONDS - start < 10))
}

@test "every long option of every tool and subcommand is in each shell's completion" {
    need fish
    local tool sub option words
    for tool in ipc-pub ipc-sub ipc-req ipc-serve ipc-queue ipc-shm; do
        for sub in '' $(subcommands "$tool"); do
            words=("$tool" ${sub:+"$sub"})
            local bash_offers fish_offers
            bash_offers=$(complete_bash "${words[@]}" --)
            fish_offers=$(complete_fish "${words[*]} --")
            for option in $(long_options "${words[@]}"); do
                grep -qx -- "$option" <<<"$bash_offers" ||
                    { echo "${words[*]}: bash does not offer $option"; return 1; }
                grep -qx -- "$option" <<<"$fish_offers" ||
                    { echo "${words[*]}: fish does not offer $option"; return 1; }
                grep -qE -- "$option([^a-z0-9-]|\$)" "$completions/zsh/_ipckit" ||
                    { echo "${words[*]}: zsh's _ipckit does not name $option"; return 1; }
            done
        done
    done
}

@test "the zsh completion parses and registers itself for the six tools" {
    need zsh
    zsh -n "$completions/zsh/_ipckit"
    run -0 zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D
        for tool in ipc-pub ipc-sub ipc-req ipc-serve ipc-queue ipc-shm; do print $_comps[$tool]; done' \
        - "$completions/zsh"
    same "$output" "$(printf '_ipckit\n%.0s' 1 2 3 4 5 6)"
}

@test "fish completes subcommands, options, values and live names" {
    need fish
    fish --no-config -n "$completions/fish/ipckit.fish"
    same "$(complete_fish 'ipc-queue p')" $'peek\npop\npurge\npush'
    same "$(complete_fish 'ipc-queue stat --field de')" $'dead\ndelayed'
    same "$(complete_fish 'ipc-queue push --sync ')" $'full\nnormal'
    echo a | ipc-queue push jobs
    ipc-shm set temp 21
    ipc-shm put frame </dev/null
    same "$(complete_fish 'ipc-queue pop ')" jobs
    same "$(complete_fish 'ipc-queue pop --wait ')" jobs
    same "$(complete_fish 'ipc-shm watch ')" temp
    same "$(complete_fish 'ipc-shm get ')" $'frame\ntemp'
    fake_listings
    same "$(complete_fish 'ipc-req ')" $'calc\nupper'
    same "$(complete_fish 'ipc-pub ')" $'logs.\nnews.local\nsensors.\nweather.today'
    same "$(complete_fish 'ipc-sub --tap ')" $'calc\nupper'
}
