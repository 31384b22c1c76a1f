# Every tool has a man page, and every page renders without warnings.
source "$IFGAN_ROOT/tests/shell/lib.sh"
for t in "$IFGAN_ROOT"/tools/ifgan-*.cpp; do
    name=$(basename "$t" .cpp)
    [[ -f $IFGAN_ROOT/man/$name.1 ]] || fail "no man page for $name"
done
for page in "$IFGAN_ROOT"/man/*.[17]; do
    out=$(groff -ww -man -z "$page" 2>&1)
    [[ -z $out ]] || fail "$page: $out"
    for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        [[ $page == *.7 && $s == SYNOPSIS ]] && continue
        grep -q "^\.SH \"\?$s" "$page" || fail "$page lacks $s"
    done
done
# Every option a tool's --help lists is described in its man page, as a whole
# option (--log is not found in --log-every); and every option a page's
# entries (the term after .TP) describe still exists.
for t in "$IFGAN_ROOT"/tools/ifgan-*.cpp; do
    name=$(basename "$t" .cpp)
    page=$IFGAN_ROOT/man/$name.1
    "$name" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > help-options.txt
    while read -r opt; do
        [[ $opt == --help || $opt == --version ]] && continue
        grep -qE -- "$(sed 's/-/\\\\-/g' <<<"$opt")([^a-z0-9\\]|\\[^-]|$)" "$page" || fail "man/$name.1 does not describe $opt"
    done < help-options.txt
    awk 'prev == ".TP" { print } { prev = $0 }' "$page" | grep -o -- '\\-\\-[a-z][a-z0-9\\-]*' |
        sed 's/\\-/-/g; s/-$//' | sort -u > man-options.txt
    while read -r opt; do
        grep -qx -- "$opt" help-options.txt || fail "man/$name.1 describes $opt, which $name does not have"
    done < man-options.txt
done
