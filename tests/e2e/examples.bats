bats_require_minimum_version 1.5.0
load helpers

# Each pattern's runnable script in scripts/examples/ (DESIGN section 1). A
# script exits 0 when its pattern worked and says what went wrong otherwise.

run_example() {
    run -0 --separate-stderr timeout 60 "$IPC_SOURCE_ROOT/scripts/examples/$1"
    [ -z "$stderr" ] || echo "$stderr"
}
