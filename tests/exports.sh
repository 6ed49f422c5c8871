#!/bin/sh
# The shared library exports the public functions and nothing else.
set -u
lib=${top_builddir:-.}/.libs/libjmalloc.so
want="jmalloc
jmalloc_aligned
jmalloc_good_size
jmalloc_good_size_aligned
jmalloc_region
jmalloc_stats
jmalloc_trim
jmcalloc
jmfree
jmfree_aligned
jmheap_alloc
jmheap_calloc
jmheap_create
jmheap_free
jmheap_realloc
jmheap_stats
jmrealloc
jmrealloc_aligned"
if [ ! -f "$lib" ]; then
	# A static-only build: no dynamic symbol table to check.  Check the
	# archive's global definitions carry the library's prefix instead.
	lib=${top_builddir:-.}/.libs/libjmalloc.a
	bad=$(${NM:-nm} -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | grep -v '^jm' || true)
	if [ -n "$bad" ]; then
		echo "FAIL: $lib defines globals without the jm prefix: $bad"
		exit 1
	fi
	echo "ok: static library globals all carry the jm prefix"
	exit 0
fi
got=$(${NM:-nm} -D --defined-only "$lib" | awk 'NF == 3 { print $3 }' | LC_ALL=C sort)
if [ "$got" != "$want" ]; then
	echo "FAIL: $lib exports:"
	echo "$got"
	echo "want exactly:"
	echo "$want"
	exit 1
fi
echo "ok: $lib exports exactly the public functions"
