#!/bin/sh
# classtable.sh - the size-class table in man/jmalloc.3 for the scheme
# this build was configured with (--with-size-classes) lists exactly the
# classes the library uses.  tests/classtable prints them; the page holds
# one table per scheme, each after a comment line `.\" classes: NAME`.
#
# Run by `make check` with top_srcdir and top_builddir set.

: "${top_srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=.}"

me=classtable.sh
page=$top_srcdir/man/jmalloc.3
prog=$top_builddir/tests/classtable

want=$("$prog") || { echo "$me: FAIL: $prog did not run" >&2; exit 1; }
marker=$(printf '%s\n' "$want" | head -1)
expected=$(printf '%s\n' "$want" | tail -n +2)
# The table's rows: the .It lines after the marker, up to the .El.
found=$(awk -v m=".\\\\\" $marker" '
	$0 == m { on = 1; next }
	on && /^\.El/ { exit }
	on && /^\.It [0-9o]/ { print }' "$page")

if [ -z "$found" ]; then
	echo "$me: FAIL: no table after the line '.\\\" $marker' in $page" >&2
	exit 1
fi
if [ "$found" != "$expected" ]; then
	echo "$me: FAIL: the $marker table in $page differs from the library's classes:" >&2
	tmp=$(mktemp) || exit 1
	printf '%s\n' "$expected" >"$tmp"
	printf '%s\n' "$found" | diff -u "$tmp" - >&2
	rm -f "$tmp"
	exit 1
fi
echo "$me: the $marker table in the manual page matches the $(printf '%s\n' "$expected" | grep -c '^.It [0-9]') classes"
