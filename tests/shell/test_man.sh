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
