#!/bin/sh
# man-include.sh PAGE.scd INCLUDE-DIR SCDOC: replaces each line "; include FILE"
# with INCLUDE-DIR/FILE, then renders the page with scdoc to stdout.
set -eu
awk -v dir="$2" '
    /^; include / { file = dir "/" $3; while ((getline line < file) > 0) print line; close(file); next }
    { print }
' "$1" | "$3"
