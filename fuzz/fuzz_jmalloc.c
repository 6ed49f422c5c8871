/*
 * fuzz_jmalloc.c - a libFuzzer target: random sequences of the whole API
 * over sizes from 0 to 2 MiB: jmalloc, jmfree, jmrealloc and jmcalloc,
 * the aligned functions, and jmheap heaps (several at once, on memory of
 * random lengths and misalignments, made again as the input says), with
 * every block's contents written and checked (all of a small block, a
 * sample of a large one: see FULL_MAX), live blocks checked never to
 * overlap, to lie in their heap's memory and to be aligned as documented,
 * the figures of jmalloc_stats and jmheap_stats checked against the live
 * blocks, and the checking mode (JMALLOC_CHECK=1) as the oracle for the
 * library's own bookkeeping.  Built against the region-only library, the
 * global allocator gets a region at the start.
 *
 * Each input is read as a program of commands, one byte of opcode and
 * its operands (a slot, then what the command needs):
 *   op % 10 == 0, 1  jmalloc            slot, size
 *   op % 10 == 2     jmcalloc           slot, count, size
 *   op % 10 == 3     jmrealloc          slot, size (of the block's kind:
 *                                       jmrealloc_aligned, jmheap_realloc)
 *   op % 10 == 4     free               slot, size offset (a size from the
 *                                       request up to its usable size), by
 *                                       the block's kind
 *   op % 10 == 5     check              slot: the contents of its block; for
 *                                       an empty slot, the figures of
 *                                       jmalloc_stats and jmheap_stats
 *   op % 10 == 6     jmalloc_aligned    slot, alignment, size
 *   op % 10 == 7     jmheap_alloc       slot, heap, size (or jmheap_calloc)
 *   op % 10 == 8     jmheap_create      heap, length, misalignment: only
 *                                       when none of its blocks is live
 *   op % 10 == 9     bad input          slot: a call that must fail or do
 *                                       nothing
 * A size is two bytes: a range selector and a value (up to 2 MiB).
 *
 * Build (see .ci/fuzz.sh): the library with -fsanitize=fuzzer-no-link and
 * the sanitizers, so that libFuzzer sees its branches, then
 *   clang -fsanitize=fuzzer,address,undefined fuzz_jmalloc.c libjmalloc.a
 */
#define _POSIX_C_SOURCE 200809L /* setenv, sysconf */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmalloc.h"

enum { SLOTS = 64, HEAPS = 3, HEAP_MAX = 8 << 20 };

/*
 * The bytes of a block that hold its tag (and that jmcalloc must have
 * zeroed): all of a block of up to FULL_MAX bytes; of a larger one, its
 * first and last EDGE bytes and, in between, a LINE of bytes every STRIDE
 * (the allocator's unit of spans), at a page that moves from block to
 * block with its tag.  Writing and comparing every byte of a block of
 * several MiB would take most of each run, and so would a line in every
 * page: each line costs a cache and TLB miss, and a page fault on fresh
 * memory.
 * The sample still sees what can go wrong with a large block: the
 * allocator's links or its free fill written over a live block (the
 * head; the fill covers whole blocks), a copy or a zeroing cut short
 * (the edges), a span or a run of pages lost, or left behind by a remap
 * or a move (the lines, and across blocks every page).  Blocks that
 * overlap are found exactly, whatever the sample, by disjoint().
 */
enum {
	FULL_MAX = 64 << 10,
	EDGE = 4096,
	PAGE = 4096,
	STRIDE = 64 << 10,
	LINE = 64
};

/* The checking mode's fill of freed blocks: no live block's tag. */
#define FREE_FILL 0xdf

struct slot {
	unsigned char *p;
	size_t size;
	size_t good;  /* its usable size: jmalloc_good_size(size) or aligned */
	size_t align; /* of jmalloc_aligned; 0 for the others */
	int heap;     /* the heap it is of, or -1 */
	unsigned char tag;
};

/* A heap on memory of its own; `h` NULL until the input makes it. */
struct heap {
	struct jmheap *h;
	unsigned char *mem;
	size_t len;
};

static unsigned char *heap_memory[HEAPS]; /* HEAP_MAX + 16 bytes each */

struct input {
	const uint8_t *data;
	size_t len;
};

static unsigned next(struct input *in)
{
	if (in->len == 0)
		return 0;
	in->len--;
	return *in->data++;
}

/*
 * Mostly small, sometimes up to 2 MiB: one byte picks the range.  Every
 * byte of a block above 64 KiB costs, in the checking mode (the free fill
 * and its check, the zeroing, the copies) and under AddressSanitizer (its
 * shadow), so it goes where it tells more:
 *  - from 4 KiB to 1 MiB, the sizes spread evenly over the doublings, as
 *    the size classes do (a uniform value would put half of them in the
 *    last doubling, above 512 KiB);
 *  - above 1 MiB, where every size takes the same path (whole pages of a
 *    mapping of its own), they stop at 2 MiB: larger blocks would only
 *    take longer.
 */
static size_t next_size(struct input *in)
{
	unsigned r = next(in), v = next(in);

	switch (r % 16) {
	case 0: case 1:
		return v % 17; /* 0 to 16 */
	case 2: case 3: case 4: case 5: case 6: case 7:
		return (size_t)v * 8 + r / 16; /* to 2 KiB */
	case 8: case 9: case 10: case 11: case 12:
		return (size_t)v * 257 + r; /* to 64 KiB */
	case 13: case 14:
		/* 4 KiB << (v / 32), and 32 steps in each doubling. */
		return (((size_t)32 + v % 32) << (7 + v / 32)) + r; /* to 1 MiB */
	default:
		return ((size_t)1 << 20) + ((size_t)v << 12) + r; /* to 2 MiB */
	}
}

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jmalloc: %s\n", what);
		abort();
	}
}

/*
 * The functions below only write and compare the target's own bytes and
 * bookkeeping: built without the fuzzer's coverage and comparison hooks,
 * which cost more than the work itself (a hook per compared word) and
 * tell nothing about the library.
 */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

enum { FILL, CHECK, ZERO };

/* Do `what` to the bytes [a, b) of block s, clipped to [from, to). */
NO_COVERAGE
static void run(const struct slot *s, size_t a, size_t b, size_t from,
		size_t to, int what)
{
	unsigned char want = what == ZERO ? 0 : s->tag;

	a = a > from ? a : from;
	b = b < to ? b : to;
	if (a >= b)
		return;
	if (what == FILL) {
		memset(s->p + a, s->tag, b - a);
		return;
	}
	/* All bytes equal `want` iff the first does and each equals the
	 * next. */
	if (s->p[a] != want || memcmp(s->p + a, s->p + a + 1, b - a - 1) != 0) {
		fprintf(stderr, "fuzz_jmalloc: block %p of %zu bytes: %s in "
			"bytes %zu to %zu\n", (void *)s->p, s->size,
			what == ZERO ? "jmcalloc left a byte not zero"
				     : "its contents changed", a, b - 1);
		abort();
	}
}

/* Do `what` to the LINE bytes at off, a word at a time: a call of
 * memset or memcmp for each line would cost more than the line. */
NO_COVERAGE
static void line(const struct slot *s, size_t off, int what)
{
	uint64_t want = (what == ZERO ? 0 : s->tag) * (uint64_t)0x0101010101010101;
	uint64_t diff = 0, w;
	size_t i;

	for (i = off; i < off + LINE; i += sizeof(w)) {
		if (what == FILL) {
			memcpy(s->p + i, &want, sizeof(w));
		} else {
			memcpy(&w, s->p + i, sizeof(w));
			diff |= w ^ want;
		}
	}
	if (diff != 0)
		run(s, off, off + LINE, off, off + LINE, what); /* reports */
}

/* Do `what` to the sampled bytes in [from, to) of block s, taken as a
 * block of n bytes (the size it had when its contents were written). */
NO_COVERAGE
static void sample(const struct slot *s, size_t n, size_t from, size_t to,
		   int what)
{
	size_t off, end;

	if (n <= FULL_MAX) {
		run(s, 0, n, from, to, what);
		return;
	}
	run(s, 0, EDGE, from, to, what);
	/* The lines below the last EDGE bytes, at the block's page in each
	 * STRIDE; only the first and the last may stick out of [from, to). */
	end = n - EDGE < to ? n - EDGE : to;
	for (off = from / STRIDE * STRIDE + s->tag % (STRIDE / PAGE) * PAGE;
	     off < end; off += STRIDE) {
		if (off >= from && off + LINE <= to)
			line(s, off, what);
		else
			run(s, off, off + LINE, from, to, what);
	}
	run(s, n - EDGE, n, from, to, what);
}

static void fill(const struct slot *s, size_t from)
{
	sample(s, s->size, from, s->size, FILL);
}

static void verify(const struct slot *s)
{
	sample(s, s->size, 0, s->size, CHECK);
}

/* Every live block owns its usable bytes: no two may share one. */
NO_COVERAGE
static void disjoint(const struct slot *slot, const struct slot *s)
{
	uintptr_t a = (uintptr_t)s->p, b = a + s->good;
	int i;

	for (i = 0; i < SLOTS; i++) {
		const struct slot *t = &slot[i];
		uintptr_t c = (uintptr_t)t->p;

		if (t != s && t->p != NULL)
			need(b <= c || c + t->good <= a, "two live blocks overlap");
	}
}

/* Sizes above it are large blocks: whole pages of a mapping of their own. */
#define LARGE_MIN ((size_t)1 << 20)

/*
 * Block s was just handed out: its usable size holds it, it is aligned as
 * jmalloc.h and jmalloc(3) say (a large block to the page; a smaller one
 * to 16 bytes and to the largest power of two up to 64 KiB that divides
 * its usable size), and it shares no byte with another live block.
 */
NO_COVERAGE
static void placed(const struct slot *slot, struct slot *s,
		   const struct heap *heap)
{
	size_t align;

	s->good = s->align != 0 ? jmalloc_good_size_aligned(s->align, s->size)
				: jmalloc_good_size(s->size);
	need(s->good >= s->size, "good size too small");
	if (s->heap >= 0 || !JMALLOC_MMAP || JMALLOC_TINY) {
		align = 16; /* no natural alignment there */
	} else if (s->size > LARGE_MIN) {
		align = (size_t)sysconf(_SC_PAGESIZE);
	} else {
		align = s->good & -s->good;
		align = align < 16 ? 16 : align > (64 << 10) ? 64 << 10 : align;
	}
	if (s->align > align)
		align = s->align;
	need(((uintptr_t)s->p & (align - 1)) == 0, "block not aligned");
	if (s->heap >= 0) {
		const struct heap *m = &heap[s->heap];

		need(s->p >= m->mem && s->p <= m->mem + m->len &&
			     s->size <= (size_t)(m->mem + m->len - s->p),
		     "a heap's block outside its memory");
	}
	disjoint(slot, s);
}

/*
 * The figures of jmalloc_stats that the live blocks fix: the large blocks
 * in use are the slots' (in whole pages), and what went back to the
 * system only grows.  The target never calls jmalloc_trim: each trim is
 * followed by the page faults that map again what it gave back, which
 * halves the executions for two more branches.
 */
NO_COVERAGE
static void figures(const struct slot *slot, const struct heap *heap)
{
	static size_t returned; /* the last figure, across inputs */
	struct jmalloc_stats st;
	size_t live = 0, in_heap[HEAPS] = { 0 };
	int i;

	need(jmalloc_stats(&st, sizeof(st)) == 0, "jmalloc_stats failed");
	for (i = 0; i < SLOTS; i++) {
		if (slot[i].p == NULL || slot[i].good <= LARGE_MIN)
			continue;
		if (slot[i].heap >= 0)
			in_heap[slot[i].heap] += slot[i].good;
		else
			live += slot[i].good;
	}
	/* The region-only library rounds a large block up to whole units of
	 * its heap, past jmalloc_good_size(). */
	need(JMALLOC_MMAP ? st.large_live == live : st.large_live >= live,
	     "jmalloc_stats: large_live is not the large blocks in use");
	need(st.mapped >= st.large_live + st.large_cached,
	     "jmalloc_stats: mapped is less than the large blocks");
	need(st.returned >= returned, "jmalloc_stats: returned went down");
	returned = st.returned;
	for (i = 0; i < HEAPS; i++) {
		if (heap[i].h == NULL)
			continue;
		need(jmheap_stats(heap[i].h, &st, sizeof(st)) == 0, "jmheap_stats failed");
		need(st.mapped == heap[i].len, "jmheap_stats: mapped is not the length");
		need(st.large_live >= in_heap[i], "jmheap_stats: large_live is less than "
		     "the heap's large blocks in use");
		need(st.listed + st.unused_spans + st.large_live <= st.mapped,
		     "jmheap_stats: more free and in use than the heap has");
		need(st.large_cached == 0 && st.returned == 0, "jmheap_stats: figures "
		     "a heap has none of");
	}
}

/* The tag after `tag` that no live block has, never 0 (the zeros of a
 * new block) nor the free fill. */
NO_COVERAGE
static unsigned char next_tag(const struct slot *slot, unsigned char tag)
{
	int i, taken;

	do {
		tag++;
		taken = tag == 0 || tag == FREE_FILL;
		for (i = 0; i < SLOTS && !taken; i++)
			taken = slot[i].p != NULL && slot[i].tag == tag;
	} while (taken);
	return tag;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	int i;

	/* Before the library's first call, which reads it. */
	setenv("JMALLOC_CHECK", "1", 1);
	for (i = 0; i < HEAPS; i++) {
		heap_memory[i] = malloc(HEAP_MAX + 16);
		need(heap_memory[i] != NULL, "no memory for the heaps");
	}
	if (!JMALLOC_MMAP) {
		/* 64 slots of up to 2 MiB, and room for the spans. */
		size_t len = (size_t)512 << 20;

		need(jmalloc_region(malloc(len), len) == 0, "jmalloc_region failed");
	}
	return 0;
}

/* The free of block s with `size` bytes, by its kind. */
static void release(struct slot *s, const struct heap *heap, size_t size)
{
	if (s->heap >= 0)
		jmheap_free(heap[s->heap].h, s->p, size);
	else if (s->align != 0)
		jmfree_aligned(s->p, s->align, size);
	else
		jmfree(s->p, size);
	s->p = NULL;
}

/* Blocks of heap i that are live. */
static int heap_blocks(const struct slot *slot, int i)
{
	int j, n = 0;

	for (j = 0; j < SLOTS; j++)
		n += slot[j].p != NULL && slot[j].heap == i;
	return n;
}

/* Calls with bad input, each with its defined result. */
static void bad_input(const struct slot *s, const struct heap *heap, unsigned v)
{
	struct jmalloc_stats st;
	static volatile size_t huge = SIZE_MAX;
	struct jmheap *h = heap[v % HEAPS].h;

	errno = 0;
	switch (v % 8) {
	case 0:
		need(jmalloc(huge - v) == NULL && errno == ENOMEM, "jmalloc(huge)");
		break;
	case 1:
		need(jmcalloc(huge / 2, 3) == NULL && errno == ENOMEM, "jmcalloc overflow");
		break;
	case 2:
		need(jmalloc_aligned(48, 100) == NULL && errno == EINVAL,
		     "jmalloc_aligned(48)");
		break;
	case 3:
		need(jmheap_alloc(NULL, v) == NULL && errno == EINVAL, "jmheap_alloc(NULL)");
		break;
	case 4:
		if (h != NULL)
			need(jmheap_alloc(h, huge - v) == NULL && errno == ENOMEM,
			     "jmheap_alloc(huge)");
		break;
	case 5:
		need(jmheap_stats(h, NULL, sizeof(st)) == -1 && errno == EINVAL,
		     "jmheap_stats(NULL)");
		break;
	case 6:
		need(jmheap_create(NULL, 4096) == NULL && errno == EINVAL,
		     "jmheap_create(NULL)");
		break;
	default:
		/* Nothing happens, errno kept. */
		errno = EDOM;
		jmfree(NULL, v);
		jmheap_free(h, NULL, v);
		jmheap_free(NULL, s->p, s->size);
		need(errno == EDOM, "a free of nothing changed errno");
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct slot slot[SLOTS];
	struct heap heap[HEAPS];
	struct input in = { data, len };
	unsigned char tag = 0;
	int i;

	memset(slot, 0, sizeof(slot));
	memset(heap, 0, sizeof(heap));
	while (in.len > 0) {
		unsigned op = next(&in) % 10;
		struct slot *s = &slot[next(&in) % SLOTS];

		if ((op <= 2 || op == 6 || op == 7) && s->p == NULL) {
			size_t size = next_size(&in), n = 1;
			int zero = op == 2;

			s->align = 0;
			s->heap = -1;
			if (op == 2) {
				n = next(&in) % 8 + 1;
				size /= n;
				s->p = jmcalloc(n, size);
				need(s->p != NULL, "jmcalloc failed");
			} else if (op == 6) {
				s->align = (size_t)1 << (next(&in) % 17);
				s->p = jmalloc_aligned(s->align, size);
				need(s->p != NULL, "jmalloc_aligned failed");
			} else if (op == 7) {
				unsigned v = next(&in);

				s->heap = (int)(v % HEAPS);
				if (heap[s->heap].h == NULL) {
					s->heap = -1;
					continue;
				}
				zero = v / HEAPS % 2;
				s->p = zero ? jmheap_calloc(heap[s->heap].h, 1, size)
					    : jmheap_alloc(heap[s->heap].h, size);
				/* A heap has the memory it was given, no more. */
				if (s->p == NULL) {
					need(errno == ENOMEM, "jmheap_alloc failed without ENOMEM");
					continue;
				}
			} else {
				s->p = jmalloc(size);
				need(s->p != NULL, "jmalloc failed");
			}
			size *= n;
			s->size = size;
			placed(slot, s, heap);
			tag = next_tag(slot, tag);
			s->tag = tag;
			if (zero)
				sample(s, size, 0, size, ZERO);
			fill(s, 0);
		} else if (op == 3 && s->p != NULL) {
			size_t size = next_size(&in);
			size_t old = s->size;
			size_t keep = size < old ? size : old;
			unsigned char *p;

			verify(s);
			if (s->heap >= 0) {
				p = jmheap_realloc(heap[s->heap].h, s->p, old, size);
				if (p == NULL) { /* the heap is full: the block stays */
					need(errno == ENOMEM, "jmheap_realloc failed without ENOMEM");
					continue;
				}
			} else if (s->align != 0) {
				p = jmrealloc_aligned(s->p, s->align, old, size);
			} else {
				p = jmrealloc(s->p, old, size);
			}
			need(p != NULL, "jmrealloc failed");
			s->p = p;
			s->size = size;
			placed(slot, s, heap);
			/* What came along, as it was written. */
			sample(s, old, 0, keep, CHECK);
			/* A sampled block that shrank has its last EDGE
			 * bytes (or, now whole, all of its bytes) where the
			 * old one had only lines: write it all again. */
			fill(s, size < old && old > FULL_MAX ? 0 : keep);
		} else if (op == 4 && s->p != NULL) {
			size_t off = next(&in) % (s->good - s->size + 1);

			verify(s);
			/* The library's own checks stop the program if the
			 * size is refused. */
			release(s, heap, s->size + off);
		} else if (op == 5 && s->p != NULL) {
			verify(s);
		} else if (op == 5) {
			figures(slot, heap);
		} else if (op == 8) {
			int k = (int)(s - slot) % HEAPS;
			size_t hlen = next_size(&in) * 4 + (next(&in) % 2 ? HEAP_MAX / 2 : 0);
			unsigned skew = next(&in) % 16;

			if (heap_blocks(slot, k) != 0)
				continue;
			hlen = hlen > HEAP_MAX ? HEAP_MAX : hlen;
			heap[k].mem = heap_memory[k] + skew;
			heap[k].h = jmheap_create(heap[k].mem, hlen);
			heap[k].len = hlen;
			if (heap[k].h == NULL)
				need(errno == ENOMEM, "jmheap_create failed without ENOMEM");
			else
				need((unsigned char *)heap[k].h >= heap[k].mem &&
					     (uintptr_t)heap[k].h % 16 == 0,
				     "jmheap_create: the heap is not at its memory");
		} else if (op == 9) {
			bad_input(s, heap, next(&in));
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (slot[i].p != NULL) {
			verify(&slot[i]);
			release(&slot[i], heap, slot[i].size);
		}
	}
	return 0;
}
