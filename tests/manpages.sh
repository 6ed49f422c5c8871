#!/bin/sh
# manpages.sh - the manual pages are well formed and cover the public API.
#
#  - each main page (man/jmalloc.3, man/jmheap_create.3,
#    man/jmalloc_aligned.3: the pages that are
#    not aliases) passes `mandoc -Tlint -Wwarning` with no message (this
#    part is skipped, with a note, when mandoc is not installed);
#  - every function declared with JMALLOC_API in include/jmalloc.h.in is
#    named with .Nm in the NAME section and with .Fn in the SYNOPSIS of a
#    main page, so the pages cannot fall behind the header;
#  - every such function has a page man/NAME.3: its main page, or an alias
#    that is exactly the line `.so man3/MAIN.3` naming the main page that
#    documents it, listed in Makefile.am.
#
# Run by `make check` with top_srcdir set to the source tree.

: "${top_srcdir:=$(dirname "$0")/..}"

me=manpages.sh
header=$top_srcdir/include/jmalloc.h.in
mains="jmalloc jmheap_create jmalloc_aligned"
makefile=$top_srcdir/Makefile.am
failed=0

fail()
{
	echo "$me: FAIL: $*" >&2
	failed=1
}

for f in "$header" "$makefile"; do
	if [ ! -r "$f" ]; then
		echo "$me: FAIL: cannot read $f (is top_srcdir=$top_srcdir right?)" >&2
		exit 1
	fi
done
for m in $mains; do
	if [ ! -r "$top_srcdir/man/$m.3" ]; then
		echo "$me: FAIL: cannot read man/$m.3 (is top_srcdir=$top_srcdir right?)" >&2
		exit 1
	fi
done

# --- Lint ----------------------------------------------------------------

if command -v mandoc >/dev/null 2>&1; then
	for m in $mains; do
		out=$(mandoc -Tlint -Wwarning "$top_srcdir/man/$m.3" 2>&1)
		status=$?
		if [ -n "$out" ] || [ "$status" -ne 0 ]; then
			fail "mandoc -Tlint -Wwarning man/$m.3 (exit $status) reported:"
			printf '%s\n' "$out" >&2
		else
			echo "$me: mandoc -Tlint -Wwarning man/$m.3: clean"
		fi
	done
else
	echo "$me: SKIP lint: mandoc is not installed, so the pages were not linted; the other checks still run"
fi

# --- The public functions, from the header ---------------------------------

# The name before the first '(' of each declaration that starts with
# JMALLOC_API, the declaration possibly spread over several lines.
funcs=$(awk '
	/^[ \t]*JMALLOC_API[ \t]/ { buf = ""; on = 1 }
	on {
		buf = buf " " $0
		i = index(buf, "(")
		if (i > 0) {
			s = substr(buf, 1, i - 1)
			sub(/[ \t]+$/, "", s)
			n = split(s, w, /[^A-Za-z0-9_]+/)
			if (n > 0 && w[n] != "")
				print w[n]
			on = 0
		}
	}
' "$header")

if [ -z "$funcs" ]; then
	fail "found no function declared with JMALLOC_API in include/jmalloc.h.in; has the form of its declarations changed?"
	exit 1
fi

# The text of one section of page $1, from `.Sh $2` to the next `.Sh`.
section()
{
	awk -v want="$2" '
		/^\.Sh[ \t]/ { s = $0; sub(/^\.Sh[ \t]+/, "", s); on = (s == want); next }
		on
	' "$1"
}

for fn in $funcs; do
	# The main page whose NAME section names it (.Nm NAME, or .Nm NAME ,:
	# what lexgrog and man-db index).
	main=
	for m in $mains; do
		if section "$top_srcdir/man/$m.3" NAME | grep -Eq "^\\.Nm $fn( ,)?\$"; then
			main=$m
			break
		fi
	done
	if [ -z "$main" ]; then
		fail "$fn is declared in include/jmalloc.h.in but missing from the NAME section of every main page ($mains; add: .Nm $fn ,)"
		continue
	fi
	page=$top_srcdir/man/$main.3
	if ! section "$page" SYNOPSIS | grep -Eq "^\\.Fn $fn( |\$)"; then
		fail "$fn is declared in include/jmalloc.h.in but has no .Fn $fn in the SYNOPSIS of man/$main.3"
	fi

	[ "$fn" = "$main" ] && continue
	alias_line=".so man3/$main.3"
	alias_page=$top_srcdir/man/$fn.3
	if [ ! -f "$alias_page" ]; then
		fail "man/$fn.3 is missing: it must be the single line '$alias_line'"
	elif ! printf '%s\n' "$alias_line" | cmp -s - "$alias_page"; then
		fail "man/$fn.3 must be exactly the single line '$alias_line' and a newline; it is:"
		sed -n '1,5p' "$alias_page" >&2
	fi
	if ! grep -q "man/$fn\\.3" "$makefile"; then
		fail "man/$fn.3 is not listed in dist_man_MANS in Makefile.am"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "$me: the manual pages do not match the header; see the messages above" >&2
	exit 1
fi
echo "$me: the pages ($mains) and their aliases cover: $(printf '%s\n' "$funcs" | paste -s -d ' ' -)"
exit 0
