/*
 * check_region.c - heaps on the caller's memory (jmheap_*) and, in the
 * region-only library, the global allocator's region (jmalloc_region):
 * blocks never leave the memory, every size class serves from a small
 * buffer, exhaustion is NULL and ENOMEM, freed blocks serve again, and
 * every bad input has its defined result.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jmalloc.h"
#include "testutil.h"

static unsigned char *buf;
static size_t buf_len;

/* Sizes the compiler must not see as constants (it warns of them). */
static volatile size_t huge = SIZE_MAX;

/* A buffer of len bytes that reads as 0xa5, not zero. */
static unsigned char *dirty_buffer(size_t len)
{
	unsigned char *b = malloc(len);

	ck_assert_ptr_nonnull(b);
	memset(b, 0xa5, len);
	buf = b;
	buf_len = len;
	return b;
}

static void teardown(void)
{
	free(buf);
	buf = NULL;
}

/* 1 when [p, p + len) lies inside the buffer. */
static int inside(const void *p, size_t len)
{
	const unsigned char *c = p;

	return c >= buf && c <= buf + buf_len && len <= (size_t)(buf + buf_len - c);
}

/* --- jmheap_create ---------------------------------------------------------- */

START_TEST(test_region_create_bad_input)
{
	unsigned char small[64];

	errno = 0;
	ck_assert_ptr_null(jmheap_create(NULL, 4096));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(jmheap_create(small, 0));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(jmheap_create(small, sizeof(small)));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(jmheap_alloc(NULL, 16));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(jmheap_calloc(NULL, 1, 16));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(jmheap_realloc(NULL, NULL, 0, 16));
	ck_assert_int_eq(errno, EINVAL);
	errno = EDOM;
	jmheap_free(NULL, small, 16); /* no heap: nothing happens */
	ck_assert_int_eq(errno, EDOM);
}
END_TEST

/* The heap and its blocks lie in the memory given, from a misaligned
 * start too, and every block is 16-byte aligned and writable whole. */
START_TEST(test_region_blocks_stay_inside)
{
	unsigned char *b = dirty_buffer(4 * MiB + 1);
	struct jmheap *h = jmheap_create(b + 1, 4 * MiB);
	size_t s;

	ck_assert_ptr_nonnull(h);
	ck_assert(inside(h, 1));
	ck_assert_uint_eq((uintptr_t)h % 16, 0);
	for (s = 0; s <= 20000; s += 97) {
		unsigned char *p = jmheap_alloc(h, s);
		size_t g = jmalloc_good_size(s);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		ck_assert_msg(inside(p, g), "size %zu: block %p outside", s, (void *)p);
		memset(p, 0x11, g);
	}
}
END_TEST

/* A 64 KiB buffer serves a block of every class up to 1 KiB: its spans
 * follow its size instead of taking 64 KiB each. */
START_TEST(test_region_small_buffer_serves_every_class)
{
	struct jmheap *h = jmheap_create(dirty_buffer(64 * KiB), 64 * KiB);
	size_t c, n = 0;

	ck_assert_ptr_nonnull(h);
	for (c = jmalloc_good_size(0); c <= KiB; c = jmalloc_good_size(c + 1)) {
		void *p = jmheap_alloc(h, c);

		ck_assert_msg(p != NULL, "no block of %zu bytes", c);
		ck_assert(inside(p, c));
		n++;
	}
	ck_assert_uint_ge(n, 5);
}
END_TEST

/* Used up: NULL and ENOMEM; freed blocks serve again, as many. */
START_TEST(test_region_exhausted_gives_enomem)
{
	struct jmheap *h = jmheap_create(dirty_buffer(256 * KiB), 256 * KiB);
	void **p = malloc(256 * KiB / 16 * sizeof(*p));
	size_t n = 0, m = 0, i;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(p);
	for (;;) {
		void *q = jmheap_alloc(h, 48);

		if (q == NULL)
			break;
		ck_assert(inside(q, 48));
		p[n++] = q;
	}
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_gt(n * jmalloc_good_size(48), 256 * KiB / 2);
	errno = 0;
	ck_assert_ptr_null(jmheap_calloc(h, 3, 16));
	ck_assert_int_eq(errno, ENOMEM);
	for (i = 0; i < n; i++)
		jmheap_free(h, p[i], 48);
	while (m < n && (p[m] = jmheap_alloc(h, 40)) != NULL)
		m++;
	ck_assert_uint_eq(m, n);
	free(p);
}
END_TEST

START_TEST(test_region_calloc_zeroes_and_checks_overflow)
{
	struct jmheap *h = jmheap_create(dirty_buffer(4 * MiB), 4 * MiB);
	size_t sizes[] = { 1, 100, 5000, 70000, 2 * MiB };
	size_t i, j;

	ck_assert_ptr_nonnull(h);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = jmheap_calloc(h, 1, sizes[i]);

		ck_assert_ptr_nonnull(p);
		for (j = 0; j < sizes[i]; j++)
			if (p[j] != 0)
				ck_abort_msg("calloc(%zu): byte %zu is %u", sizes[i], j, p[j]);
		jmheap_free(h, p, sizes[i]);
	}
	errno = 0;
	ck_assert_ptr_null(jmheap_calloc(h, huge / 2, 3));
	ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* jmheap_realloc keeps contents, keeps the block within its class, and
 * on failure leaves the block as it was. */
START_TEST(test_region_realloc)
{
	struct jmheap *h = jmheap_create(dirty_buffer(8 * MiB), 8 * MiB);
	unsigned char *p, *q;
	size_t i;

	ck_assert_ptr_nonnull(h);
	p = jmheap_realloc(h, NULL, 12345, 100); /* a new block */
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	ck_assert_ptr_eq(jmheap_realloc(h, p, 100, jmalloc_good_size(100)), p);
	q = jmheap_realloc(h, p, 100, 3000);
	ck_assert_ptr_nonnull(q);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(q[i], (unsigned char)i);
	p = jmheap_realloc(h, q, 3000, 2 * MiB); /* to a large block */
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(p[i], (unsigned char)i);
	/* The last block carved grows in place into the memory after it. */
	q = jmheap_realloc(h, p, 2 * MiB, 3 * MiB);
	ck_assert_ptr_eq(q, p);
	errno = 0;
	ck_assert_ptr_null(jmheap_realloc(h, q, 3 * MiB, 64 * MiB));
	ck_assert_int_eq(errno, ENOMEM);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(q[i], (unsigned char)i);
	p = jmheap_realloc(h, q, 3 * MiB, 50); /* back to a class */
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(p[i], (unsigned char)i);
	jmheap_free(h, p, 50);
}
END_TEST

/* Large blocks: carved from the memory, freed ones serve again (the
 * front of the first that holds a request), bad sizes are refused. */
START_TEST(test_region_large_blocks)
{
	struct jmheap *h = jmheap_create(dirty_buffer(16 * MiB), 16 * MiB);
	unsigned char *a, *b, *c;

	ck_assert_ptr_nonnull(h);
	a = jmheap_alloc(h, 3 * MiB);
	b = jmheap_alloc(h, 3 * MiB);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert(inside(a, 3 * MiB) && inside(b, 3 * MiB));
	ck_assert(a + jmalloc_good_size(3 * MiB) <= b || b + jmalloc_good_size(3 * MiB) <= a);
	memset(a, 1, 3 * MiB);
	memset(b, 2, 3 * MiB);
	jmheap_free(h, a, jmalloc_good_size(3 * MiB));
	c = jmheap_alloc(h, 2 * MiB);
	ck_assert_ptr_eq(c, a); /* the front of the freed block */
	ck_assert_uint_eq(b[3 * MiB - 1], 2);
	errno = 0;
	ck_assert_ptr_null(jmheap_alloc(h, huge));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(jmheap_alloc(h, 32 * MiB));
	ck_assert_int_eq(errno, ENOMEM);
	jmheap_free(h, c, SIZE_MAX); /* no block has that size: ignored */
	jmheap_free(h, c, 2 * MiB);
	jmheap_free(h, b, 3 * MiB);
	/* All large blocks free: one request of nearly the whole memory. */
	ck_assert_ptr_nonnull(jmheap_alloc(h, 12 * MiB));
}
END_TEST

/* Two heaps are independent: each block stays in its own memory. */
START_TEST(test_region_heaps_are_independent)
{
	unsigned char *m1 = malloc(MiB), *m2 = malloc(MiB);
	struct jmheap *h1, *h2;
	int i;

	ck_assert_ptr_nonnull(m1);
	ck_assert_ptr_nonnull(m2);
	h1 = jmheap_create(m1, MiB);
	h2 = jmheap_create(m2, MiB);
	ck_assert_ptr_nonnull(h1);
	ck_assert_ptr_nonnull(h2);
	for (i = 0; i < 1000; i++) {
		unsigned char *p = jmheap_alloc(h1, 64), *q = jmheap_alloc(h2, 64);

		ck_assert(p >= m1 && p + 64 <= m1 + MiB);
		ck_assert(q >= m2 && q + 64 <= m2 + MiB);
		if (i % 2)
			jmheap_free(h1, p, 64);
	}
	free(m1);
	free(m2);
}
END_TEST

/* Random operations against a model: contents kept, no overlap. */
START_TEST(test_region_random_ops_keep_contents)
{
	enum { SLOTS = 256, OPS = 20000 };
	static unsigned char *p[SLOTS];
	static size_t size[SLOTS];
	struct jmheap *h = jmheap_create(dirty_buffer(32 * MiB), 32 * MiB);
	uint64_t x = 12345;
	int i, s;

	ck_assert_ptr_nonnull(h);
	memset(p, 0, sizeof(p));
	for (i = 0; i < OPS; i++) {
		uint64_t r = test_rand(&x);
		size_t n = r % 64 == 0 ? MiB + (size_t)(r >> 8) % MiB : (size_t)(r >> 8) % 3000;

		s = (int)(r >> 40) % SLOTS;
		if (p[s] != NULL) {
			size_t j;

			for (j = 0; j < size[s]; j++)
				if (p[s][j] != (unsigned char)s)
					ck_abort_msg("slot %d: byte %zu changed", s, j);
			if (r % 3 == 0) {
				unsigned char *q = jmheap_realloc(h, p[s], size[s], n);

				ck_assert_ptr_nonnull(q);
				memset(q, s, n);
				p[s] = q;
				size[s] = n;
				continue;
			}
			jmheap_free(h, p[s], size[s] + (size_t)(r % 7 == 0 ? jmalloc_good_size(size[s]) - size[s] : 0));
			p[s] = NULL;
			continue;
		}
		p[s] = jmheap_alloc(h, n);
		ck_assert_ptr_nonnull(p[s]);
		ck_assert(inside(p[s], n));
		memset(p[s], s, n);
		size[s] = n;
	}
}
END_TEST

/* --- Freed spans serve any class ------------------------------------------- */

/* Fill heap h with blocks of `size` bytes until ENOMEM; returns how many,
 * each stamped with its number in its first and last bytes. */
static size_t fill_heap(struct jmheap *h, size_t size, void **p, size_t most)
{
	size_t n = 0;

	errno = 0;
	while (n < most) {
		unsigned char *q = jmheap_alloc(h, size);

		if (q == NULL)
			break;
		if (!inside(q, size))
			ck_abort_msg("size %zu: block %p outside", size, (void *)q);
		q[0] = (unsigned char)n;
		q[size > 0 ? size - 1 : 0] = (unsigned char)n;
		p[n++] = q;
	}
	ck_assert_msg(n < most, "size %zu: no ENOMEM after %zu blocks", size, n);
	ck_assert_int_eq(errno, ENOMEM);
	return n;
}

/* Check the stamps of fill_heap() and free every block. */
static void empty_heap(struct jmheap *h, size_t size, void **p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char *q = p[i];

		if (q[0] != (unsigned char)i || q[size > 0 ? size - 1 : 0] != (unsigned char)i)
			ck_abort_msg("size %zu: block %zu changed", size, i);
		jmheap_free(h, q, size);
	}
}

/* Bytes of heap h in use (its bookkeeping included), from jmheap_stats. */
static size_t heap_used(struct jmheap *h)
{
	struct jmalloc_stats st;

	ck_assert_int_eq(jmheap_stats(h, &st, sizeof(st)), 0);
	ck_assert_uint_ge(st.mapped, st.listed + st.unused_spans);
	return st.mapped - st.listed - st.unused_spans;
}

/* A heap filled with 24-byte blocks, all freed, serves a 100-byte block,
 * then every class in turn fills it as well as the first did, then a
 * large block of half of it: no freed memory stays with a class. */
START_TEST(test_region_freed_spans_serve_any_class)
{
	enum { LEN = 4 << 20 };
	struct jmheap *h = jmheap_create(dirty_buffer(LEN), LEN);
	size_t most = LEN / 16, n, c;
	void **p = malloc(most * sizeof(*p));
	void *q;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(p);
	n = fill_heap(h, 24, p, most);
	ck_assert_uint_gt(n * jmalloc_good_size(24), LEN / 10 * 9);
	empty_heap(h, 24, p, n);
	q = jmheap_alloc(h, 100);
	ck_assert_ptr_nonnull(q);
	jmheap_free(h, q, 100);
	for (c = jmalloc_good_size(0); c <= MiB; c = jmalloc_good_size(c + 1)) {
		n = fill_heap(h, c, p, most);
		ck_assert_msg(n * c >= LEN / 2, "class %zu: %zu blocks from %d bytes",
			      c, n, (int)LEN);
		empty_heap(h, c, p, n);
	}
	q = jmheap_alloc(h, LEN / 2);
	ck_assert_ptr_nonnull(q);
	memset(q, 1, LEN / 2);
	jmheap_free(h, q, LEN / 2);
	/* All free again: one block of nearly all of it (the span that each
	 * class keeps goes back for it). */
	q = jmheap_alloc(h, LEN - LEN / 16);
	ck_assert_ptr_nonnull(q);
	jmheap_free(h, q, LEN - LEN / 16);
	free(p);
}
END_TEST

/* jmheap_stats: bad input, and figures that follow the heap. */
START_TEST(test_region_stats)
{
	struct jmheap *h = jmheap_create(dirty_buffer(8 * MiB), 8 * MiB);
	struct jmalloc_stats st, before;
	size_t used;
	void *small, *big;

	ck_assert_ptr_nonnull(h);
	errno = 0;
	ck_assert_int_eq(jmheap_stats(NULL, &st, sizeof(st)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(jmheap_stats(h, NULL, sizeof(st)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(jmheap_stats(h, &st, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(jmheap_stats(h, &before, sizeof(before)), 0);
	ck_assert_uint_eq(before.mapped, 8 * MiB);
	ck_assert_uint_eq(before.listed, 0);
	ck_assert_uint_eq(before.large_live, 0);
	ck_assert_uint_eq(before.large_cached + before.returned + before.unused_dirty, 0);
	/* Only the bookkeeping is in use: the struct, the map, and what is
	 * left after the last whole unit (less than a unit, a 150th). */
	used = heap_used(h);
	ck_assert_uint_lt(used, 4 * KiB + 8 * MiB / 128);
	small = jmheap_alloc(h, 100);
	big = jmheap_alloc(h, 3 * MiB);
	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(jmheap_stats(h, &st, sizeof(st)), 0);
	ck_assert_uint_ge(st.large_live, 3 * MiB);
	ck_assert_uint_gt(st.listed, 0); /* the rest of the 100-byte span */
	ck_assert_uint_ge(heap_used(h), used + 3 * MiB + jmalloc_good_size(100));
	/* An older caller's struct: only what fits is written. */
	memset(&st, 0xee, sizeof(st));
	ck_assert_int_eq(jmheap_stats(h, &st, sizeof(size_t)), 0);
	ck_assert_uint_eq(st.mapped, 8 * MiB);
	ck_assert_uint_eq(st.listed, (size_t)0xeeeeeeeeeeeeeeeeull);
	jmheap_free(h, big, 3 * MiB);
	jmheap_free(h, small, 100);
	ck_assert_int_eq(jmheap_stats(h, &st, sizeof(st)), 0);
	ck_assert_uint_eq(st.large_live, 0);
	ck_assert_uint_eq(heap_used(h), used + (before.unused_spans - st.unused_spans - st.listed));
}
END_TEST

/*
 * A long seeded run over a 16 MiB heap that mixes sizes of every class
 * and large blocks (log-uniform from 1 byte to 2 MiB), frees at random,
 * resizes some, and never holds more than a quarter of the memory: no
 * request may fail.  Each block's first, middle and last bytes carry its
 * number, checked when it is freed.
 */
START_TEST(test_region_random_mix_never_fails_under_a_quarter)
{
	enum { LEN = 16 << 20, SLOTS = 4096 };
	static unsigned char *p[SLOTS];
	static size_t size[SLOTS];
	struct jmheap *h = jmheap_create(dirty_buffer(LEN), LEN);
	long steps = test_scale(200000), i;
	size_t live = 0;
	uint64_t x = 42;

	ck_assert_ptr_nonnull(h);
	memset(p, 0, sizeof(p));
	for (i = 0; i < steps; i++) {
		uint64_t r = test_rand(&x);
		size_t s = (size_t)(r % SLOTS), n;

		if (p[s] != NULL) {
			unsigned char t = (unsigned char)s;

			if (p[s][0] != t || p[s][size[s] / 2] != t || p[s][size[s] - 1] != t)
				ck_abort_msg("step %ld: block %zu changed", i, s);
			live -= size[s];
			if (r % 5 == 0) {
				/* Resize: to a size of the same mix. */
				n = (size_t)1 << ((r >> 20) % 22);
				n += (size_t)(r >> 42) % n;
				if (live + n <= LEN / 4) {
					unsigned char *q = jmheap_realloc(h, p[s], size[s], n);

					if (q == NULL)
						ck_abort_msg("step %ld: realloc %zu -> %zu failed with "
							     "%zu bytes live", i, size[s], n, live);
					p[s] = q;
					size[s] = n;
					q[0] = q[n / 2] = q[n - 1] = t;
					live += n;
					continue;
				}
			}
			jmheap_free(h, p[s], size[s]);
			p[s] = NULL;
			continue;
		}
		n = (size_t)1 << ((r >> 20) % 22);
		n += (size_t)(r >> 42) % n;
		if (live + n > LEN / 4)
			continue;
		p[s] = jmheap_alloc(h, n);
		if (p[s] == NULL || !inside(p[s], n))
			ck_abort_msg("step %ld: %zu bytes failed with %zu bytes live: %p",
				     i, n, live, (void *)p[s]);
		p[s][0] = p[s][n / 2] = p[s][n - 1] = (unsigned char)s;
		size[s] = n;
		live += n;
	}
	for (i = 0; i < SLOTS; i++)
		if (p[i] != NULL)
			jmheap_free(h, p[i], size[i]);
	ck_assert_ptr_nonnull(jmheap_alloc(h, LEN - LEN / 16));
}
END_TEST

/* --- Links that every user of the memory reads ------------------------------ */

/* A large block's free run linked, then a class's first span cut, then a
 * large block that looks through the runs: the links read back as they
 * were stored (in the hardened library, whose key is the heap's, drawn
 * when it was made). */
START_TEST(test_region_large_then_span_then_large)
{
	struct jmheap *h = jmheap_create(dirty_buffer(16 * MiB), 16 * MiB);
	unsigned char *a, *b, *c, *d;

	ck_assert_ptr_nonnull(h);
	a = jmheap_alloc(h, 2 * MiB);
	b = jmheap_alloc(h, 2 * MiB);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	memset(b, 0x5b, 2 * MiB);
	jmheap_free(h, a, 2 * MiB);
	c = jmheap_alloc(h, 100);
	ck_assert_ptr_nonnull(c);
	d = jmheap_alloc(h, 3 << 20);
	ck_assert_ptr_nonnull(d);
	ck_assert(inside(d, 3 << 20));
	ck_assert(d >= b + 2 * MiB || d + (3 << 20) <= b);
	memset(d, 0x5d, 3 << 20);
	ck_assert_uint_eq(b[0], 0x5b);
	ck_assert_uint_eq(b[2 * MiB - 1], 0x5b);
	jmheap_free(h, d, 3 << 20);
	jmheap_free(h, c, 100);
	jmheap_free(h, b, 2 * MiB);
}
END_TEST

/*
 * A heap on memory shared between processes (MAP_SHARED), used by a
 * forked child and then by its parent: the parent takes the blocks the
 * child freed and frees those the child left, whose links the child
 * stored.  Each round the child exits 0 when its part went well.
 */
START_TEST(test_region_shared_memory_two_processes)
{
	enum { LEN = 1 << 20, N = 200 };
	unsigned char *mem = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	struct shared {
		unsigned char *p[N];
	} *sh;
	struct jmheap *h;
	int round, i, status;

	ck_assert(mem != MAP_FAILED);
	sh = (struct shared *)(void *)mem;
	h = jmheap_create(mem + sizeof(*sh), LEN - sizeof(*sh));
	ck_assert_ptr_nonnull(h);
	for (round = 0; round < 8; round++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		ck_assert_int_ne(pid, -1);
		if (pid == 0) {
			/* The child: N blocks of 48 and 3000 bytes, the odd ones
			 * freed again. */
			for (i = 0; i < N; i++) {
				size_t n = i % 2 ? 48 : 3000;

				sh->p[i] = jmheap_alloc(h, n);
				if (sh->p[i] == NULL)
					_exit(1);
				memset(sh->p[i], i, n);
			}
			for (i = 1; i < N; i += 2)
				jmheap_free(h, sh->p[i], 48);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* The parent: the blocks the child freed serve it, and it frees
		 * the child's others. */
		for (i = 1; i < N; i += 2) {
			sh->p[i] = jmheap_alloc(h, 48);
			ck_assert_ptr_nonnull(sh->p[i]);
			ck_assert((unsigned char *)sh->p[i] >= mem && sh->p[i] < mem + LEN);
		}
		for (i = 0; i < N; i++) {
			size_t n = i % 2 ? 48 : 3000;

			if (i % 2 == 0)
				ck_assert_uint_eq(sh->p[i][n - 1], (unsigned char)i);
			jmheap_free(h, sh->p[i], n);
		}
	}
	ck_assert_int_eq(munmap(mem, LEN), 0);
}
END_TEST

/* --- jmalloc_region ---------------------------------------------------------- */

#if JMALLOC_MMAP
/* A library that maps its memory needs no region. */
START_TEST(test_region_global_not_supported)
{
	unsigned char b[4096];

	errno = 0;
	ck_assert_int_eq(jmalloc_region(b, sizeof(b)), -1);
	ck_assert_int_eq(errno, ENOTSUP);
}
END_TEST
#else
/* Before the region, allocations fail; bad input is refused; the region
 * is given once, and then serves every size, large ones too. */
START_TEST(test_region_global_region)
{
	unsigned char *b = dirty_buffer(16 * MiB);
	struct jmalloc_stats st;
	unsigned char *p, *big;

	errno = 0;
	ck_assert_ptr_null(jmalloc(16));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(jmalloc(3 * MiB));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_int_eq(jmalloc_region(NULL, MiB), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(jmalloc_region(b, 8), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(jmalloc_region(b, 16 * MiB), 0);
	errno = 0;
	ck_assert_int_eq(jmalloc_region(b, 16 * MiB), -1);
	ck_assert_int_eq(errno, EBUSY);
	p = jmalloc(100);
	big = jmalloc(3 * MiB);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(big);
	ck_assert(inside(p, 100) && inside(big, 3 * MiB));
	memset(big, 7, 3 * MiB);
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	if (!JMALLOC_TINY) /* which keeps no figures of large blocks */
		ck_assert_uint_ge(st.large_live, 3 * MiB);
	ck_assert_uint_eq(jmalloc_trim(), 0); /* no system to give it to */
	jmfree(big, 3 * MiB);
	jmfree(p, 100);
	ck_assert_ptr_eq(jmalloc(100), p);
}
END_TEST
#endif

static Suite *region_suite(void)
{
	Suite *s = suite_create("region");
	TCase *tc = tcase_create("Heaps");
	TCase *lim = tcase_create("Limits");
	TCase *global = tcase_create("Global");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_region_blocks_stay_inside);
	tcase_add_test(tc, test_region_small_buffer_serves_every_class);
	tcase_add_test(tc, test_region_calloc_zeroes_and_checks_overflow);
	tcase_add_test(tc, test_region_realloc);
	tcase_add_test(tc, test_region_large_blocks);
	tcase_add_test(tc, test_region_heaps_are_independent);
	tcase_add_test(tc, test_region_random_ops_keep_contents);
	tcase_add_test(tc, test_region_freed_spans_serve_any_class);
	tcase_add_test(tc, test_region_stats);
	tcase_add_test(tc, test_region_random_mix_never_fails_under_a_quarter);
	tcase_add_test(tc, test_region_large_then_span_then_large);
	tcase_add_test(tc, test_region_shared_memory_two_processes);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(lim, NULL, teardown);
	tcase_add_test(lim, test_region_create_bad_input);
	tcase_add_test(lim, test_region_exhausted_gives_enomem);
	suite_add_tcase(s, lim);
#if JMALLOC_MMAP
	tcase_add_test(global, test_region_global_not_supported);
#else
	tcase_add_checked_fixture(global, NULL, teardown);
	tcase_add_test(global, test_region_global_region);
#endif
	suite_add_tcase(s, global);
	return s;
}

int main(void)
{
	return run_suite(region_suite());
}
