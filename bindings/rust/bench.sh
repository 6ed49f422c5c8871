#!/bin/sh
# bench.sh - the Rust benchmark: the bench targets (benches/NAME.rs) run
# the same workloads (benches/common) with libjmalloc, the system
# allocator, jemalloc and mimalloc (through their sized calls; a target
# whose library is not installed is left out).  Each target is run once
# per round, in turn, for ROUNDS rounds (default 5); the table gives each
# workload's median time in milliseconds per allocator and, in brackets,
# its ratio to libjmalloc's (above 1: libjmalloc is faster).
#
#   sh bindings/rust/bench.sh [ROUNDS]
#
# The library is found as build.rs says (JMALLOC_LIB_DIR, the source
# tree, pkg-config); CARGO_TARGET_DIR, if set, is where cargo builds.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-5}
case $rounds in
'' | *[!0-9]* | 0)
	echo "usage: bench.sh [ROUNDS (a whole number, at least 1)]" >&2
	exit 2
	;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

allocs=
for a in jmalloc system jemalloc mimalloc; do
	if (cd "$here" && cargo bench --offline --bench "$a" --no-run) >"$tmp/build-$a.log" 2>&1; then
		allocs="$allocs $a"
	elif [ "$a" = jmalloc ]; then
		cat "$tmp/build-$a.log" >&2
		echo "bench.sh: the libjmalloc target did not build" >&2
		exit 1
	else
		echo "bench.sh: $a left out: its target did not build (is its library installed?)" >&2
	fi
done
: >"$tmp/times"
r=1
while [ "$r" -le "$rounds" ]; do
	for a in $allocs; do
		(cd "$here" && cargo bench --offline --bench "$a" 2>/dev/null) |
			awk -v a="$a" 'NF == 3 { print a, $1, $2 }' >>"$tmp/times"
	done
	r=$((r + 1))
done
echo "Rust benchmark (bindings/rust/bench.sh $rounds): $(rustc --version), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "median ms of $rounds rounds, and each allocator's ratio to libjmalloc"
awk -v allocs="$allocs" '
	function median(key,   n, i, j, t, v) {
		n = count[key]
		for (i = 1; i <= n; i++)
			v[i] = val[key, i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
			}
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{
		key = $1 SUBSEP $2
		val[key, ++count[key]] = $3
		if (!($2 in seen)) {
			seen[$2] = 1
			order[++nw] = $2
		}
	}
	END {
		na = split(allocs, a, " ")
		printf "%-10s", "workload"
		for (i = 1; i <= na; i++)
			printf " %18s", a[i]
		printf "\n"
		for (w = 1; w <= nw; w++) {
			base = median("jmalloc" SUBSEP order[w])
			printf "%-10s", order[w]
			for (i = 1; i <= na; i++) {
				m = median(a[i] SUBSEP order[w])
				if (a[i] == "jmalloc")
					printf " %18.1f", m / 1e6
				else
					printf " %10.1f (%5.2f)", m / 1e6, m / base
			}
			printf "\n"
		}
	}' "$tmp/times"
