#!/bin/sh
# Memory checkers see jmalloc'd blocks as they see malloc'd ones:
#  - built with AddressSanitizer: a write after jmfree and a write into a
#    block's slack are reported;
#  - under Valgrind's memcheck (library built with its headers): a leaked
#    block, a write after jmfree and a write into the slack are reported;
#  - and correct use is reported by neither.
# Skipped (exit 77), saying why, when neither can run here.
set -u
b=${top_builddir:-.}
prog=$b/tests/misuse
libtool=$b/libtool
out=$(mktemp)
trap 'rm -f "$out"' EXIT
ran=0
fail=0

# expect STATUS PATTERN CMD...: CMD exits with STATUS (any non-zero for
# "nonzero") and its stderr contains PATTERN.
expect() {
	want=$1 pattern=$2
	shift 2
	"$@" >/dev/null 2>"$out"
	st=$?
	if [ "$want" = nonzero ] && [ "$st" -ne 0 ]; then
		:
	elif [ "$want" != nonzero ] && [ "$st" -eq "$want" ]; then
		:
	else
		echo "FAIL: '$*' exited $st, want $want"
		sed 's/^/    /' "$out" | head -20
		fail=1
		return
	fi
	if [ -n "$pattern" ] && ! grep -q "$pattern" "$out"; then
		echo "FAIL: '$*' did not report '$pattern'"
		sed 's/^/    /' "$out" | head -20
		fail=1
		return
	fi
	echo "ok: $* -> $st${pattern:+, '$pattern'}"
}

if [ "${JM_CHECKING:-yes}" = no ]; then
	echo "skip: the library was configured with --disable-checking, which leaves out the checkers' hooks"
elif "$libtool" --mode=execute ${NM:-nm} "$prog" 2>/dev/null | grep -q __asan_init; then
	ran=1
	expect 0 "" "$prog" ok
	expect nonzero "AddressSanitizer: use-after-poison" "$prog" uaf
	expect nonzero "AddressSanitizer: use-after-poison" "$prog" slack
elif [ "${HAVE_VALGRIND:-no}" != yes ]; then
	echo "skip: the library was built without Valgrind's headers and without AddressSanitizer"
elif ! command -v valgrind >/dev/null 2>&1; then
	echo "skip: valgrind is not installed"
else
	ran=1
	vg="$libtool --mode=execute valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite"
	expect 0 "" $vg "$prog" ok
	expect 3 "definitely lost" $vg "$prog" leak
	expect 3 "Invalid write" $vg "$prog" uaf
	expect 3 "Invalid write" $vg "$prog" slack
fi
[ "$fail" -eq 0 ] || exit 1
[ "$ran" -eq 1 ] || exit 77
exit 0
