#!/bin/sh
# The public headers compile on their own, strictly: jmalloc.h as C and as
# C++, jmalloc.hpp under each C++ standard from C++11 to C++23 that the
# compiler has, with its templates instantiated.
set -eu
inc=${top_builddir:-.}/include
srcinc=${top_srcdir:-.}/include
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
	cat > "$tmp/usepp.cc" <<'SRC'
#include <jmalloc.hpp>
struct alignas(64) wide { char c[64]; };
template class jm::allocator<int>;
template class jm::allocator<wide>;
int main()
{
	jm::allocator<wide> a;
	jm::allocator<int> b(a);
	wide *w = a.allocate(3);
	jm::allocation_result<int *> r = b.allocate_at_least(5);
	a.deallocate(w, 3);
	b.deallocate(r.ptr, r.count);
	return a == b ? 0 : 1;
}
SRC
	for std in c++11 c++14 c++17 c++20 c++23; do
		if ! echo 'int main() { return 0; }' |
			${CXX:-c++} -std=$std -x c++ -c -o "$tmp/probe.o" - 2>/dev/null; then
			echo "note: ${CXX:-c++} does not take -std=$std; jmalloc.hpp not compiled as it"
			continue
		fi
		${CXX:-c++} -std=$std -pedantic -Wall -Wextra -Werror \
			-Wconversion -Wsign-conversion -Wold-style-cast \
			-I"$inc" -I"$srcinc" -c "$tmp/usepp.cc" -o "$tmp/usepp.o"
		echo "ok: jmalloc.hpp compiles as $std"
	done
else
	echo "note: no C++ compiler; the C++ part was not run"
fi
