#!/bin/bash
# .ci/cross.sh - the library on 32-bit and big-endian machines.
#
#  1. Built with Debian's cross compilers for i686 (32-bit), powerpc (32-bit,
#     big-endian) and s390x (64-bit, big-endian), static (--disable-shared,
#     programs linked -all-static), thread-safe and --disable-threads (and
#     the power-of-two classes once): tests/contract runs under qemu-user,
#     through `make check`, which must say that the Check suites are off
#     where there is no Check for the host.  qemu-user does not enforce
#     RLIMIT_AS, so the guest's address space is capped with -R for the
#     out-of-memory part; thread-safe builds run it in the checking mode too.
#     These builds leave mremap out (large blocks grow by a copy): with the
#     guest's address space reserved, as with -R and for every 32-bit guest,
#     qemu-user 7.2 unmaps the old range when mremap(MREMAP_MAYMOVE) fails,
#     which the library's fallback (copy the block, then free it) then
#     reads.  The i686 builds of step 2 run natively, with mremap.
#  2. The whole suite, Check included, built as i686 and run as it is: an
#     x86-64 kernel runs 32-bit x86 programs, with the i386 libraries from
#     Debian's multiarch (check, pkgconf for i686-linux-gnu-pkg-config, and
#     libc6-dbg, which Valgrind needs for 32-bit programs).
#
# Run from .ci/run on a clean source tree, or by hand:  bash .ci/cross.sh
ci_name=cross
# shellcheck source=.ci/common.sh
. "$(dirname "$0")/common.sh"
log "installing the cross compilers, qemu-user and Check for i386"
$SUDO dpkg --add-architecture i386
apt_get update -qq
apt_get install -y -qq gcc-i686-linux-gnu g++-i686-linux-gnu libc6-dev-i386-cross \
	gcc-powerpc-linux-gnu libc6-dev-powerpc-cross \
	gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user \
	check:i386 pkgconf:i386 libc6-dbg:i386 >/dev/null

[ -x configure ] || autoreconf -fi
[ ! -e config.status ] ||
	die "the source tree is configured; run make distclean first (the builds here are out of tree)"

# Where the guest's address space is capped: the out-of-memory part of
# tests/contract runs into the cap instead of filling 16 GiB.
qemu_cap=3G

# contract TRIPLET QEMU OPTIONS...: configure for TRIPLET with OPTIONS,
# then tests/contract, linked statically, through make check under QEMU;
# again with JMALLOC_CHECK=1 in a thread-safe build.
contract() {
	local triplet=$1 qemu=$2 dir out
	shift 2
	dir=$top/_build_cross_${triplet%%-*}${*//[- =]/_}
	log "$triplet, static, ${*:-default options}: tests/contract under $qemu -R $qemu_cap" \
		"(${SECONDS}s in)"
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q --host="$triplet" --disable-shared --enable-werror \
		ac_cv_func_mremap=no "$@")
	for check in 0 1; do
		if [ "$check" = 1 ]; then
			grep -q "^#define JM_THREADS 1" "$dir/config.h" || continue
		fi
		out=$(cd "$dir" && JMALLOC_CHECK=$check make -j2 check TESTS=tests/contract \
			check_PROGRAMS=tests/contract LDFLAGS=-all-static \
			LOG_COMPILER="$qemu" LOG_FLAGS="-R $qemu_cap" 2>&1) ||
			{ printf '%s\n' "$out" | tail -30; cat "$dir/tests/contract.log" || true; exit 1; }
		file "$dir/tests/contract" | grep -q "statically linked" ||
			die "$dir/tests/contract is not linked statically"
		# Where configure found no Check for the host, make check says so.
		if grep -q "^HAVE_CHECK_TRUE='#'" "$dir/config.log"; then
			printf '%s\n' "$out" | grep "the Check suites are off" ||
				die "$triplet: make check did not say that the Check suites are off"
		fi
		sed -n "s/^contract: /  JMALLOC_CHECK=$check: /p" "$dir/tests/contract.log"
	done
}

contract i686-linux-gnu qemu-i386
contract i686-linux-gnu qemu-i386 --disable-threads
contract powerpc-linux-gnu qemu-ppc
contract powerpc-linux-gnu qemu-ppc --disable-threads --with-size-classes=pow2
contract s390x-linux-gnu qemu-s390x
contract s390x-linux-gnu qemu-s390x --disable-threads

# The whole suite as i686: Check found by i686-linux-gnu-pkg-config.
for opt in "" "--disable-threads --enable-hardening"; do
	dir=$top/_build_i686${opt//[- ]/_}
	log "i686, the whole suite (make check)${opt:+, $opt} (${SECONDS}s in)"
	rm -rf "$dir" && mkdir -p "$dir"
	# shellcheck disable=SC2086 # $opt may hold two options
	(cd "$dir" && "$top/configure" -q --host=i686-linux-gnu --enable-werror $opt &&
		make -j2 check) || { cat "$dir/test-suite.log"; exit 1; }
	grep -q ":test-result: PASS" "$dir/tests/check_api.trs" ||
		die "i686: the Check suites did not run (no Check for i386?)"
	file "$dir/tests/.libs/check_api" | grep -q "ELF 32-bit" ||
		die "i686: the suite was not built as 32-bit"
done
log "cross: every build passed, in ${SECONDS}s"
