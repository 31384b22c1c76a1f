#!/bin/bash
# Make one face smile (or stop smiling): image in, edited image out, through
# the three tools of the pipe.
#   examples/edit-one-face.sh MODEL IMAGE OUT.png [ATTR]
set -euo pipefail
model=$1 image=$2 out=$3 attr=${4:-Smiling}
ifgan-encode -m "$model" - < "$image" |
    ifgan-flip --toggle "$attr" |
    ifgan-decode -m "$model" -o - > "$out"
echo "wrote $out ($attr toggled)" >&2
