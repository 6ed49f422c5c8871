/*
 * trace.h - the allocation trace format, shared by the recorder
 * (jmtrace.c) and the replay workload (replay.c).
 *
 * A trace is the sequence of a program's allocator calls, in the order
 * they happened (calls from several threads are serialised by the
 * recorder), each with the size the program asked for.  Blocks are named
 * by small integer ids instead of addresses, so that a replay can keep
 * its blocks in a dense array:
 *
 *  - a call that makes a new block gives it the most recently released id
 *    (a LIFO stack of released ids), or the next never-used id (0, 1, 2,
 *    ...) when none is released;
 *  - free and realloc name their block by id; free releases the id;
 *    realloc keeps it (the block may move);
 *  - the recorder reads and writes both sides the same way, so a new
 *    block's id is implied and not stored.
 *
 * File layout (all integers are unsigned LEB128 varints: 7 bits a byte,
 * least significant group first, high bit set on all but the last byte):
 *
 *   magic     8 bytes  "JMTRACE1"
 *   namelen   varint   length of the program name that follows
 *   name      bytes    the recorded program's name (not NUL-terminated)
 *   records, until the end of the file, each one opcode byte and then:
 *     JMT_MALLOC   size                      malloc(size)
 *     JMT_CALLOC   size                      calloc(n, m), size = n * m
 *     JMT_REALLOC  id size                   realloc(block id, size)
 *     JMT_FREE     id                        free(block id)
 *     JMT_ALIGNED  log2(alignment) size      memalign, posix_memalign,
 *                                            aligned_alloc, valloc, pvalloc
 *
 * Calls that do nothing to the heap are not recorded: free(NULL), and
 * calls that failed.  realloc(NULL, n) is recorded as JMT_MALLOC and
 * realloc(p, 0), which frees p, as JMT_FREE.  A trace cut short (a
 * program that ended with _exit) ends on a whole record.
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define JMT_MAGIC "JMTRACE1"
#define JMT_MAGIC_LEN 8

enum jmt_op {
	JMT_MALLOC = 1,
	JMT_CALLOC = 2,
	JMT_REALLOC = 3,
	JMT_FREE = 4,
	JMT_ALIGNED = 5
};

/* Longest encoding of a 64-bit varint. */
#define JMT_VARINT_MAX 10

/* Write v at p; returns the byte after it. */
static inline unsigned char *jmt_put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/*
 * Read a varint from [*pp, end) into *v and advance *pp; returns 0, or -1
 * when the input ends inside the varint or the value exceeds 64 bits.
 */
static inline int jmt_get_varint(const unsigned char **pp,
				 const unsigned char *end, uint64_t *v)
{
	const unsigned char *p = *pp;
	uint64_t x = 0;
	unsigned shift = 0;

	for (;;) {
		unsigned char c;

		if (p == end || shift > 63)
			return -1;
		c = *p++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
		shift += 7;
	}
	*v = x;
	*pp = p;
	return 0;
}

#endif /* BENCH_TRACE_H */
