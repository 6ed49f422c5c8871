#!/bin/sh
# The Rust crate (bindings/rust): its unit tests, its doc tests and
# tests/global.rs, which makes jmalloc::Jmalloc the global allocator of a
# program using the standard collections, threads and over-aligned types,
# run against the library just built (JMALLOC_LIB_DIR=.libs), as they are
# and in the checking mode (JMALLOC_CHECK=1), where a size that Rust hands
# back wrong would stop them.  cargo builds in the build tree and offline.
# Skipped (exit 77), saying why, without cargo, without the shared
# library, when cross-compiling, with the sanitizers (whose runtime the
# Rust programs do not load first), with a single-threaded library (a
# global allocator must be thread-safe), and in the region-only library
# (whose global allocator needs a region before Rust's runtime starts).
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
if ! command -v cargo >/dev/null 2>&1; then
	echo "skip: no cargo: install Rust (Debian: cargo) to test the crate in bindings/rust"
	exit 77
fi
if ! cargo --version >/dev/null 2>&1; then
	echo "skip: cargo does not run here ($(cargo --version 2>&1 | head -1)); a toolchain manager's cargo needs its home"
	exit 77
fi
if [ "${JM_CROSS:-no}" = yes ]; then
	echo "skip: cross-compiling: cargo builds for the build machine"
	exit 77
fi
if [ ! -f "$b/.libs/libjmalloc.so" ]; then
	echo "skip: no shared library (configured with --disable-shared)"
	exit 77
fi
case " ${CFLAGS:-} " in
*-fsanitize*)
	echo "skip: the library is built with a sanitizer (CFLAGS $CFLAGS)"
	exit 77
	;;
esac
if grep -q '^#define JMALLOC_THREADS 0' "$b/include/jmalloc.h"; then
	echo "skip: a single-threaded library (--disable-threads, --enable-tiny): a global allocator must be thread-safe"
	exit 77
fi
if grep -q '^#define JMALLOC_MMAP 0' "$b/include/jmalloc.h"; then
	echo "skip: the region-only library: its global allocator has no memory until jmalloc_region"
	exit 77
fi
lib=$(cd "$b/.libs" && pwd)
target=$(cd "$b" && pwd)/bindings/rust/target
mkdir -p "$target"
cd "$s/bindings/rust" || exit 99
export JMALLOC_LIB_DIR="$lib" CARGO_TARGET_DIR="$target"
# The doc tests link the library without its run path.
LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
fail=0
if ! cargo test --offline --locked; then
	echo "FAIL: cargo test"
	fail=1
fi
if ! JMALLOC_CHECK=1 cargo test --offline --locked; then
	echo "FAIL: cargo test with JMALLOC_CHECK=1"
	fail=1
fi
# Every public item documented, and no warning from rustdoc.
if ! RUSTDOCFLAGS="-D warnings" cargo doc --offline --locked --no-deps; then
	echo "FAIL: cargo doc"
	fail=1
fi
exit $fail
