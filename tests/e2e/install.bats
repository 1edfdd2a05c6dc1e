bats_require_minimum_version 1.5.0
load helpers

# What 'meson install' puts where, into a private --destdir: stripped tools,
# and the shell completion files where each shell looks for them. The build
# tree is the one under test ($IPC_BUILD_ROOT); nothing is rebuilt.

setup_file() {
    export DESTDIR_ROOT=$BATS_FILE_TMPDIR/dest
    meson install -C "$IPC_BUILD_ROOT" --no-rebuild --quiet --destdir "$DESTDIR_ROOT" \
        >"$BATS_FILE_TMPDIR/install.log" 2>&1 || {
        cat "$BATS_FILE_TMPDIR/install.log" >&3
        return 1
    }
}

# option NAME: the build tree's value of meson option NAME.
option() {
    meson introspect --buildoptions "$IPC_BUILD_ROOT" |
        python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}

suite_setup() {
    prefix=$DESTDIR_ROOT$(option prefix)
    share=$prefix/$(option datadir)
}

@test "meson install installs stripped tools; the build tree keeps their debug info" {
    [ "$(option strip)" = True ] ||
        { echo "this build tree has strip=false: meson configure -Dstrip=true $IPC_BUILD_ROOT"; return 1; }
    local tool installed built
    for tool in ipc-pub ipc-sub ipc-req ipc-serve ipc-queue ipc-shm; do
        installed=$prefix/$(option bindir)/$tool
        built=$IPC_BUILD_ROOT/cmd/$tool
        [ -x "$installed" ] || { echo "$installed: not installed"; return 1; }
        run -0 file -b "$installed"
        [[ $output == *", stripped"* ]] || { echo "$installed: $output"; return 1; }
        run -0 file -b "$built"
        [[ $output == *"with debug_info, not stripped"* ]] || { echo "$built: $output"; return 1; }
        # Each is a few MB, not the 40 of the build tree.
        [ "$(stat -c %s "$installed")" -lt $((8 * 1024 * 1024)) ]
        "$installed" --version >/dev/null
    done
}

@test "meson install puts the completions where bash, zsh and fish look for them" {
    local tool
    for tool in ipc-pub ipc-sub ipc-req ipc-serve ipc-queue ipc-shm; do
        cmp "$IPC_SOURCE_ROOT/completions/bash/ipckit" "$share/bash-completion/completions/$tool"
        cmp "$IPC_SOURCE_ROOT/completions/fish/ipckit.fish" \
            "$share/fish/vendor_completions.d/$tool.fish"
    done
    cmp "$IPC_SOURCE_ROOT/completions/zsh/_ipckit" "$share/zsh/site-functions/_ipckit"
}

@test "the installed completions load by command name, as bash-completion and fish do" {
    echo a | ipc-queue push jobs
    # bash-completion sources completions/NAME when NAME is first completed.
    run -0 bash -c 'source "$1/ipc-shm"; COMP_WORDS=(ipc-queue pop ""); COMP_CWORD=2; _ipckit
        printf "%s\n" "${COMPREPLY[@]}"' - "$share/bash-completion/completions"
    [ "$output" = jobs ]
    command -v fish >/dev/null || skip 'fish is not installed (scripts/setup installs it)'
    run -0 fish --no-config -c 'set fish_complete_path $argv[1] $fish_complete_path
        complete -C "ipc-queue pop "; complete -C "ipc-shm w" | cut -f 1' \
        "$share/fish/vendor_completions.d"
    [ "$output" = $'jobs\tqueue\nwatch\nwrite' ]
}
