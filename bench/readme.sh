#!/bin/sh
# readme.sh - put a benchmark run's results into the README: the lines
# between "<!-- bench results: begin -->" and "<!-- bench results: end -->"
# become RESULTS/readme.md (written by `bench/bench --out=RESULTS`)
# followed by RESULTS/codesize.md (written by `bench/codesize.sh
# RESULTS`) and, when there are, RESULTS/heapfill.txt (the output of
# bench/heapfill) and RESULTS/rust.txt (of bindings/rust/bench.sh, make
# bench-rust) as blocks of text; and RESULTS/chart.png, which that part
# shows as bench/chart.png, is copied there, beside the README.
#
#   sh bench/readme.sh README RESULTS       (make bench-readme)
#
# Nothing in the part between the markers is kept: every figure there
# comes from the two files.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: readme.sh README RESULTS" >&2
	exit 2
fi
readme=$1
results=$2
begin='<!-- bench results: begin -->'
end='<!-- bench results: end -->'

for f in "$results/readme.md" "$results/codesize.md"; do
	if [ ! -s "$f" ]; then
		echo "readme.sh: no $f: run make bench first" >&2
		exit 1
	fi
done
tmp=$(mktemp "$readme.XXXXXX")
trap 'rm -f "$tmp"' EXIT
heapfill= rust=
[ -s "$results/heapfill.txt" ] && heapfill=$results/heapfill.txt
[ -s "$results/rust.txt" ] && rust=$results/rust.txt
if ! awk -v begin="$begin" -v end="$end" -v results="$results/readme.md" \
	-v codesize="$results/codesize.md" -v heapfill="$heapfill" -v rust="$rust" '
	function copy(file,   line) {
		while ((getline line < file) > 0)
			print line
		close(file)
	}
	$0 == begin {
		if (state != 0) {
			bad = 1
			exit
		}
		print
		print ""
		copy(results)
		print ""
		copy(codesize)
		print ""
		if (heapfill != "") {
			print "Heaps on the caller'"'"'s memory (`bench/heapfill`, run by `make bench`):"
			print ""
			print "```"
			copy(heapfill)
			print "```"
			print ""
		}
		if (rust != "") {
			print "The Rust crate'"'"'s allocator against the others as Rust programs'"'"' global allocators (`make bench-rust`):"
			print ""
			print "```"
			copy(rust)
			print "```"
			print ""
		}
		state = 1
		next
	}
	$0 == end {
		if (state != 1) {
			bad = 1
			exit
		}
		state = 2
	}
	state != 1 { print }
	END { exit bad || state != 2 }' "$readme" >"$tmp"; then
	echo "readme.sh: $readme needs the lines \"$begin\" and \"$end\", once each and in that order" >&2
	exit 1
fi
cat "$tmp" >"$readme"
if [ -f "$results/chart.png" ]; then
	mkdir -p "$(dirname "$readme")/bench"
	cp "$results/chart.png" "$(dirname "$readme")/bench/chart.png"
fi
echo "readme.sh: $readme: the results of $results"
