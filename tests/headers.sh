#!/bin/sh
# The public header compiles on its own, strictly, as C and as C++.
set -eu
inc=${top_builddir:-.}/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/use.c" <<'SRC'
#include <jmalloc.h>
int main(void)
{
	void *p = jmalloc(10);
	jmfree(p, 10);
	return JMALLOC_VERSION > 0 ? 0 : 1;
}
SRC
for std in c99 c11 c17; do
	${CC:-cc} -std=$std -pedantic -Wall -Wextra -Werror -I"$inc" \
		-c "$tmp/use.c" -o "$tmp/use.o"
	echo "ok: jmalloc.h compiles as $std"
done
if ${CXX:-c++} --version >/dev/null 2>&1; then
	cp "$tmp/use.c" "$tmp/use.cc"
	for std in c++11 c++17; do
		${CXX:-c++} -std=$std -pedantic -Wall -Wextra -Werror -I"$inc" \
			-c "$tmp/use.cc" -o "$tmp/use.o"
		echo "ok: jmalloc.h compiles as $std"
	done
	# The functions have C linkage when called from C++.
	${NM:-nm} "$tmp/use.o" | grep -q ' U jmalloc$'
	echo "ok: C linkage from C++"
else
	echo "note: no C++ compiler; the C++ part was not run"
fi
