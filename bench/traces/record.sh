#!/bin/sh
# record.sh - record the bundled allocation traces again: programs from
# Debian's packages run fixed inputs (inputs/) under the recorder, and
# each trace is written here as NAME.jmt.xz.
#
#   bench/traces/record.sh [BUILDDIR]
#
# BUILDDIR is a configured build tree of libjmalloc (default: the current
# directory); the recorder is built there first.  Needs the Debian
# packages python3, perl, sqlite3, gcc and xz-utils.
#
# The programs run with a fixed, minimal environment, fixed hash seeds
# and address-space randomisation off (setarch -R), so that recording
# twice with the same package versions gives the same trace.  Python runs
# with PYTHONMALLOC=malloc: its own small-object allocator would hide
# most of its allocations from malloc.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-.}" && pwd)
make -C "$build" bench/bench bench/jmtrace.la >/dev/null
bench=$build/bench/bench

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here"/inputs/* "$tmp"/
cd "$tmp"
awk -v N=40 -f gcc-gen.awk >gen.c

# record NAME PROCESS PACKAGE PROGRAM [ARGS...]: trace the process named
# PROCESS, of Debian package PACKAGE, into NAME.jmt.xz.
record() {
	name=$1
	only=$2
	package=$3
	shift 3
	env -i PATH=/usr/bin:/bin LC_ALL=C \
		PYTHONMALLOC=malloc PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
		PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 \
		setarch "$(uname -m)" -R \
		"$bench" record -o "$name.jmt" --only="$only" -- "$@" >/dev/null
	xz -9 -c "$name.jmt" >"$here/$name.jmt.xz"
	printf '%-8s %-40s %s\n' "$name" \
		"$(dpkg-query -W -f '${Package} ${Version}' "$package" 2>/dev/null || echo "$package")" \
		"$(wc -c <"$here/$name.jmt.xz") bytes"
}

record python python3 python3-minimal python3 -S python.py
record perl perl perl-base perl perl.pl
record sqlite sqlite3 sqlite3 sh -c 'exec sqlite3 :memory: <sqlite.sql'
record gcc cc1 cpp-12 gcc -O2 -frandom-seed=1 -c -o gen.o gen.c
