#!/bin/bash
# .ci/cortexm.sh - the region-only library on a microcontroller: built
# with Debian's gcc-arm-none-eabi and newlib for a Cortex-M4
# (configure --host=arm-none-eabi --without-mmap, LDFLAGS=--specs=nosys.specs,
# as a user builds it), both as the tiny library and with the default
# classes, and its test programs (tests/embedded.c, the global region and
# the jmheap heaps) linked for QEMU's mps2-an386 board
# (tests/cortexm/link.ld, vectors.c; semihosting for their output and exit
# status) and run under qemu-system-arm, each of which must exit with 0.
#
# Usage, from anywhere: bash .ci/cortexm.sh
ci_name=cortexm
# shellcheck source=.ci/common.sh
. "$(dirname "$0")/common.sh"

log "installing the cross compiler, newlib and QEMU"
apt_get update -qq
apt_get install -y -qq gcc-arm-none-eabi \
	libnewlib-arm-none-eabi qemu-system-arm >/dev/null

cpu="-mcpu=cortex-m4 -mthumb"
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for opt in --enable-tiny ""; do
	name=${opt:-default}
	dir=$tmp/${name#--}
	log "configure --host=arm-none-eabi --without-mmap ${opt:-(the default classes)}"
	mkdir -p "$dir"
	# shellcheck disable=SC2086 # $opt is one option or none
	(cd "$dir" && "$top/configure" -q --host=arm-none-eabi --without-mmap \
		--disable-shared --enable-werror $opt \
		CFLAGS="$cpu -Os -ffunction-sections -fdata-sections" \
		LDFLAGS=--specs=nosys.specs && make -j2 libjmalloc.la >/dev/null) ||
		die "the library did not build for arm-none-eabi ($name)"
	grep -q '^#define JMALLOC_MMAP 0' "$dir/include/jmalloc.h" ||
		die "configure did not build the region-only library"
	for t in embedded; do
		elf=$dir/$t.elf
		arm-none-eabi-gcc $cpu -Os -Wall -Wextra -Werror -I"$dir/include" \
			-T "$top/tests/cortexm/link.ld" --specs=rdimon.specs \
			"$top/tests/$t.c" "$top/tests/cortexm/vectors.c" \
			"$dir/.libs/libjmalloc.a" -o "$elf" ||
			die "tests/$t.c did not link for the board ($name)"
		log "qemu-system-arm -M mps2-an386: tests/$t ($name)"
		status=0
		timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none \
			-semihosting-config enable=on,target=native -kernel "$elf" || status=$?
		[ "$status" -eq 0 ] || die "tests/$t ($name) ended with status $status on the board"
	done
done
log "all Cortex-M checks passed"
