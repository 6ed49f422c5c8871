#!/bin/sh
# codesize.sh - bytes of libjmalloc's functions and tables, from
# `objdump -t` (each symbol's size) and `size` (whole sections), for the
# default build, the smallest hosted build, and the region-only build for
# a Cortex-M4 microcontroller, tiny and with the region heap that gives
# empty spans back.
#
#   sh bench/codesize.sh [OUTDIR]      (from the build directory)
#
# The default build is the one in the current directory.  The smallest
# build is configured afresh, from a clean copy of the sources, with
# CFLAGS="-Os -ffunction-sections -fdata-sections", static only, and with
# every configure option that makes the library smaller that this version
# of configure offers (SMALLEST_OPTIONS below); JM_SMALLEST_CONFIGURE_FLAGS
# adds more.  The Cortex-M4 build (when arm-none-eabi-gcc, with newlib, is
# installed; CORTEXM_CC names another) is the same smallest library
# without memory mappings, for -mcpu=cortex-m4 -mthumb.  For each build
# the report lists the whole library, then what a program that calls only
# jmalloc and jmfree (and jmalloc_region, which gives the region-only
# library its memory) links in from it, as the original jmalloc's README
# measured its "link size".  Writes the report to standard output and,
# given OUTDIR, to OUTDIR/codesize.txt, and a paragraph of its main figures
# for the README to OUTDIR/codesize.md (see bench/readme.sh).
set -eu

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(sed -n 's/^abs_top_srcdir = //p' "$top_builddir/Makefile")}
top_srcdir=$(cd "$top_srcdir" && pwd)
OBJDUMP=${OBJDUMP:-objdump}
NM=${NM:-nm}
SIZE=${SIZE:-size}
CORTEXM_CC=${CORTEXM_CC:-arm-none-eabi-gcc}
out=${1:-}

# Options that make a smaller library, used when configure has them.
SMALLEST_OPTIONS="--enable-tiny --disable-threads --disable-checking --disable-valgrind"
CORTEXM_CFLAGS="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections"

# symbols FILE [NAMES]: each function and table of FILE (objdump -t), or
# only those named in the file NAMES, with totals.
symbols() {
	printf '  %-22s %-30s %6s\n' symbol section bytes
	# objdump -t: ADDR FLAGS F|O SECTION SIZE [.hidden] NAME
	"${objdump:-$OBJDUMP}" -t "$1" | awk -v names="${2:-}" '
		function hex(s,   i, v) {
			v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
			return v
		}
		BEGIN {
			if (names != "")
				while ((getline n < names) > 0)
					want[n] = 1
		}
		{
			k = 0
			for (i = 2; i <= NF - 3; i++)
				if ($i == "F" || $i == "O") { k = i; break }
			if (k == 0)
				next
			sect = $(k + 1); size = hex($(k + 2)); sym = $NF
			if (sect !~ /^\.(text|rodata|data|bss)/ || size == 0)
				next
			if (names != "" && !(sym in want))
				next
			if ($k == "F")
				kind = "code"
			else if (sect ~ /^\.rodata/)
				kind = "tables"
			else
				kind = "state"
			printf "  %-22s %-30s %6d\n", sym, sect, size
			tot[kind] += size
		}
		END {
			printf "  %-53s %6d\n", "functions", tot["code"]
			printf "  %-53s %6d\n", "read-only tables", tot["tables"]
			printf "  %-53s %6d\n", "functions and tables", tot["code"] + tot["tables"]
			printf "  %-53s %6d\n", "mutable state (.data, .bss)", tot["state"]
		}'
}

# report NAME ARCHIVE INCLUDE [REGION]: the whole library, then what a
# program that calls only jmalloc and jmfree links in from it (the
# original's measure), with $cc, $objdump, $nm, $size and $ldflags; with
# REGION, the program gives the library its memory with jmalloc_region.
report() {
	echo "$1"
	echo
	echo "  the whole library ($(basename "$2")):"
	symbols "$2"
	echo
	echo "  size(1), all sections of the library's objects:"
	"$size" -t "$2" | awk 'NR == 1 || /TOTALS/ { printf "  %s\n", $0 }'
	echo
	case $2 in
	*.a) ;;
	*) return 0 ;;
	esac
	if [ -n "${4:-}" ]; then
		printf '#include "jmalloc.h"\nstatic char heap[65536];\nint main(void)\n{\n\tvoid *p;\n\n\tif (jmalloc_region(heap, sizeof(heap)) != 0)\n\t\treturn 1;\n\tp = jmalloc(100);\n\tjmfree(p, 100);\n\treturn p == 0;\n}\n' >"$tmp/use.c"
		what="jmalloc_region, jmalloc and jmfree"
	else
		printf '#include "jmalloc.h"\nint main(void)\n{\n\tvoid *p = jmalloc(100);\n\n\tjmfree(p, 100);\n\treturn p == 0;\n}\n' >"$tmp/use.c"
		what="jmalloc and jmfree"
	fi
	"$nm" --defined-only "$2" | awk 'NF >= 3 { print $NF }' | sort -u >"$tmp/names"
	# shellcheck disable=SC2086 # $ldflags holds several flags
	if $cc $cflags_use -I"$3" -o "$tmp/use" "$tmp/use.c" "$2" $ldflags -Wl,--gc-sections 2>"$tmp/link.log"; then
		echo "  linked into a program that calls $what only (--gc-sections):"
		symbols "$tmp/use" "$tmp/names"
	else
		echo "  (could not link a program against it: $(head -1 "$tmp/link.log"))"
	fi
	echo
}

# build DIR CONFIGURE-ARGS...: configure and build the static library in
# DIR, from a clean copy of the sources made once in $tmp/src; 0 when built.
build() {
	dir=$1
	shift
	if [ ! -d "$tmp/src" ]; then
		make -C "$top_builddir" -s distdir distdir="$tmp/src" >"$tmp/dist.log" 2>&1 ||
			return 1
	fi
	mkdir -p "$dir"
	(cd "$dir" && "$tmp/src/configure" -q "$@" >configure.log 2>&1 &&
		make -s libjmalloc.la >make.log 2>&1)
}

main() {
	cflags=$(sed -n 's/^CFLAGS = //p' "$top_builddir/Makefile")
	cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
	host_cc=$cc
	version=$($cc -dumpfullversion 2>/dev/null || $cc -dumpversion 2>/dev/null || echo '?')
	echo "libjmalloc code size, $(date -u '+%Y-%m-%d %H:%M UTC'), $cc $version ($($cc -dumpmachine 2>/dev/null || echo '?'))"
	echo "bytes of each function (F) and table or state (O) of the library, from objdump -t"
	echo

	lib=$top_builddir/.libs/libjmalloc.a
	[ -f "$lib" ] || lib=$top_builddir/.libs/libjmalloc.so
	if [ ! -f "$lib" ]; then
		echo "no library in $top_builddir: run make first" >&2
		exit 1
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	objdump=$OBJDUMP nm=$NM size=$SIZE ldflags= cflags_use=-Os
	report "default build (CFLAGS: $cflags)" "$lib" "$top_builddir/include"
	opts="--disable-shared"
	help=$("$top_srcdir/configure" --help=short)
	for o in $SMALLEST_OPTIONS; do
		# configure --help names an option by its non-default form.
		case $help in
		*"able-${o#--*able-}"*) opts="$opts $o" ;;
		esac
	done
	opts="$opts${JM_SMALLEST_CONFIGURE_FLAGS:+ $JM_SMALLEST_CONFIGURE_FLAGS}"
	small_cflags="-Os -ffunction-sections -fdata-sections"
	# shellcheck disable=SC2086 # $opts holds several options
	if build "$tmp/small" $opts CC="$cc" CFLAGS="$small_cflags"; then
		report "smallest build (CFLAGS: $small_cflags; configure $opts)" \
			"$tmp/small/.libs/libjmalloc.a" "$tmp/small/include"
	else
		echo "smallest build: the build failed; see below" >&2
		tail -n 20 "$tmp"/dist.log "$tmp"/small/*.log >&2 || true
		exit 1
	fi

	# The region-only library for a Cortex-M4, with newlib.
	if ! command -v "$CORTEXM_CC" >/dev/null 2>&1; then
		echo "Cortex-M4 build: not made ($CORTEXM_CC is not installed)"
		return 0
	fi
	prefix=${CORTEXM_CC%gcc}
	cc=$CORTEXM_CC objdump=${prefix}objdump nm=${prefix}nm size=${prefix}size
	ldflags=--specs=nosys.specs cflags_use="-mcpu=cortex-m4 -mthumb -Os"
	# shellcheck disable=SC2086 # $opts holds several options
	if build "$tmp/cortexm" $opts --without-mmap --host=arm-none-eabi CC="$cc" \
		CFLAGS="$CORTEXM_CFLAGS" LDFLAGS="$ldflags"; then
		report "Cortex-M4 region-only build ($cc $($cc -dumpversion); CFLAGS: $CORTEXM_CFLAGS; configure $opts --without-mmap --host=arm-none-eabi)" \
			"$tmp/cortexm/.libs/libjmalloc.a" "$tmp/cortexm/include" region
	else
		echo "Cortex-M4 region-only build: the build failed; see below" >&2
		tail -n 20 "$tmp"/cortexm/*.log >&2 || true
		exit 1
	fi
	# The same without the tiny engine: the region heap whose empty spans
	# go back to its free memory (the default classes).
	if build "$tmp/cortexm-heap" --disable-shared --without-mmap --host=arm-none-eabi \
		CC="$cc" CFLAGS="$CORTEXM_CFLAGS" LDFLAGS="$ldflags"; then
		report "Cortex-M4 region-only reclaiming build ($cc $($cc -dumpversion); CFLAGS: $CORTEXM_CFLAGS; configure --disable-shared --without-mmap --host=arm-none-eabi)" \
			"$tmp/cortexm-heap/.libs/libjmalloc.a" "$tmp/cortexm-heap/include" region
	else
		echo "Cortex-M4 region-only reclaiming build: the build failed; see below" >&2
		tail -n 20 "$tmp"/cortexm-heap/*.log >&2 || true
		exit 1
	fi
	cc=$host_cc
}

# summary REPORT: the paragraph of the README's "Latest results" on code
# size, from the figures of the report that main wrote.
summary() {
	awk -v report="$1" '
		function num(s) { return s + 0 }
		/^libjmalloc code size, / {
			sub(/^libjmalloc code size, [^,]*, /, "")
			compiler = $0
		}
		/^(default|smallest) build \(|^Cortex-M4 region-only (reclaiming )?build \(/ {
			b = $1 == "Cortex-M4" ? ($3 == "reclaiming" ? "cortexm-heap" : "cortexm") : $1
			flags[b] = $0
			sub(/^[a-z]+ build \(CFLAGS: /, "", flags[b])
			sub(/^Cortex-M4 region-only (reclaiming )?build \(/, "", flags[b])
			sub(/\)$/, "", flags[b])
			part = ""
		}
		/^  the whole library/ { part = "whole" }
		/^  linked into a program/ { part = "linked" }
		part == "whole" && ($1 == "jmalloc" || $1 == "jmfree") { size[b, $1] = num($NF) }
		part == "linked" && $1 ~ /^jm/ && $2 ~ /^\.text/ && NF == 3 { n[b]++; fns[b] = fns[b] (n[b] > 1 ? ", " : "") "`" $1 "` " num($NF) }
		part == "linked" && /^  functions  / { fn[b] = num($NF) }
		part == "linked" && /^  read-only tables  / { tab[b] = num($NF) }
		part == "linked" && /^  mutable state/ { st[b] = num($NF) }
		function linked(b, what) {
			if (!((b) in fn))
				return ""
			return sprintf(", and %s links in %d bytes of the library'"'"'s functions, %d of its read-only tables and %d of its mutable state", what, fn[b], tab[b], st[b])
		}
		function opts(b,   f) {
			f = flags[b]
			sub(/; configure /, "`; configure `", f)
			return "CFLAGS `" f "`"
		}
		END {
			if (!(("default", "jmalloc") in size)) {
				print "codesize.sh: no figures in " report > "/dev/stderr"
				exit 1
			}
			printf "Code size (`make bench-size`, %s; every function and table in `%s`): ", compiler, report
			printf "in the default build (%s), `jmalloc` is %d bytes and `jmfree` %d", opts("default"), size["default", "jmalloc"], size["default", "jmfree"]
			printf "%s.", linked("default", "a program that calls only these two")
			if (("smallest", "jmalloc") in size) {
				printf "  In the smallest build (%s) they are %d and %d bytes", opts("smallest"), size["smallest", "jmalloc"], size["smallest", "jmfree"]
				printf "%s.", linked("smallest", "such a program")
			}
			if ("cortexm" in fn) {
				printf "  For a Cortex-M4 (%s), the region-only library", flags["cortexm"]
				printf "%s: %s.", linked("cortexm", "a program that calls jmalloc_region, jmalloc and jmfree"), fns["cortexm"]
			}
			if ("cortexm-heap" in fn) {
				printf "  Without the tiny engine (%s), the region heap whose empty spans serve any class", flags["cortexm-heap"]
				printf "%s: %s.", linked("cortexm-heap", "the same program"), fns["cortexm-heap"]
			}
			printf "\n"
		}' "$1" | fold -s -w 72 | sed 's/ *$//'
}

if [ -n "$out" ]; then
	mkdir -p "$out"
	main >"$out/codesize.txt"
	cat "$out/codesize.txt"
	summary "$out/codesize.txt" >"$out/codesize.md"
else
	main
fi
