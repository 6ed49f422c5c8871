#!/bin/bash
# .ci/fuzz.sh - build the library and the libFuzzer target with
# AddressSanitizer and UndefinedBehaviorSanitizer (the library with the
# fuzzer's coverage too) and run it for a bounded time (FUZZ_SECONDS,
# default 60) from the seed corpus in fuzz/corpus.  FUZZ_CONFIGURE_FLAGS
# are more options for configure (for example --enable-hardening).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
seconds=${FUZZ_SECONDS:-60}
dir=$top/_build_fuzz
san="-fsanitize=address,undefined -fno-sanitize-recover=all"

rm -rf "$dir" && mkdir -p "$dir"
cd "$dir"
# The library is built with coverage (fuzzer-no-link) so that libFuzzer
# sees its branches, not only the target's.
# shellcheck disable=SC2086 # FUZZ_CONFIGURE_FLAGS may hold several
"$top/configure" -q CC=clang --disable-shared ${FUZZ_CONFIGURE_FLAGS:-} \
	CFLAGS="-O1 -g -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link" \
	LDFLAGS="$san"
make -j2 libjmalloc.la >/dev/null
clang -O1 -g -fno-omit-frame-pointer -Wall -Wextra \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$dir/include" \
	"$top/fuzz/fuzz_jmalloc.c" .libs/libjmalloc.a -lpthread -o fuzz_jmalloc

mkdir -p corpus
cp "$top"/fuzz/corpus/* corpus/
# The new corpus entries go to corpus/; the seeds stay as they are.
./fuzz_jmalloc -max_total_time="$seconds" -print_final_stats=1 \
	-rss_limit_mb=4096 -max_len=4096 corpus 2>&1 | tee fuzz.log |
	grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|Done)' || true
# libFuzzer exits non-zero when it finds a crash; tee hid its status.
# The sanitizers write "==PID==ERROR", libFuzzer "==PID== ERROR" (out of
# memory, timeout, a signal).
if grep -qE '^==[0-9]+== ?ERROR|deadly signal|^SUMMARY:' fuzz.log ||
	! grep -q '^Done [0-9]* runs' fuzz.log; then
	echo "fuzz_jmalloc found a failure:"
	tail -40 fuzz.log
	exit 1
fi
