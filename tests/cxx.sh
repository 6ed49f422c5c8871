#!/bin/sh
# jm::allocator (include/jmalloc.hpp) in the standard containers:
# tests/cxx_allocator.cc is built with the C++ compiler under each of
# C++11, C++17, C++20 and C++23 that it has, linked with the library
# through libtool, and run as it is and in the checking mode
# (JMALLOC_CHECK=1), where a deallocate with a wrong size stops it.
# Skipped (exit 77), saying why, without a C++ compiler.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
cxx=${CXX:-c++}
if [ "${JM_HAVE_CXX:-yes}" != yes ]; then
	echo "skip: configure found no C++ compiler that builds programs for the machine the library is built for (CXX=$cxx); install one (Debian: g++, or g++-TRIPLET when cross-compiling) and run configure again"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The sanitizers the library was built with, which the program needs too.
san=
for f in ${CFLAGS:-}; do
	case $f in -fsanitize*|-fno-sanitize*) san="$san $f" ;; esac
done
fail=0
ran=0
for std in c++11 c++17 c++20 c++23; do
	if ! echo 'int main() { return 0; }' |
		$cxx -std=$std -x c++ -c -o "$tmp/probe.o" - 2>/dev/null; then
		echo "note: $cxx does not take -std=$std; not run under it"
		continue
	fi
	prog=$tmp/cxx_allocator_$std
	# shellcheck disable=SC2086 # $san holds several flags
	if ! "$b/libtool" --mode=link --tag=CXX $cxx -std=$std -Wall -Wextra \
		-pedantic -Werror -I"$b/include" -I"$s/include" $san \
		-o "$prog" "$s/tests/cxx_allocator.cc" "$b/libjmalloc.la" \
		${LDFLAGS:-} >"$tmp/build.log" 2>&1; then
		echo "FAIL: tests/cxx_allocator.cc does not build as $std:"
		sed 's/^/    /' "$tmp/build.log" | head -40
		fail=1
		continue
	fi
	for check in 0 1; do
		if [ "$check" = 1 ]; then
			out=$(JMALLOC_CHECK=1 "$prog" 2>&1)
		else
			out=$("$prog" 2>&1)
		fi
		st=$?
		if [ "$st" -ne 0 ]; then
			echo "FAIL: $std, JMALLOC_CHECK=$check: exit $st"
			printf '%s\n' "$out" | sed 's/^/    /' | head -40
			fail=1
		else
			echo "ok: $std, JMALLOC_CHECK=$check: $out"
		fi
	done
	ran=$((ran + 1))
done
[ "$fail" -eq 0 ] || exit 1
if [ "$ran" -eq 0 ]; then
	echo "skip: $cxx takes none of -std=c++11, c++17, c++20, c++23"
	exit 77
fi
exit 0
