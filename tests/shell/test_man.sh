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
# Every option a tool's --help lists is described in its man page.
for t in "$IFGAN_ROOT"/tools/ifgan-*.cpp; do
    name=$(basename "$t" .cpp)
    for opt in $("$name" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        [[ $opt == --help || $opt == --version ]] && continue
        grep -qF -- "$(sed 's/-/\\-/g' <<<"$opt")" "$IFGAN_ROOT/man/$name.1" || fail "man/$name.1 does not describe $opt"
    done
done
