/* check_pool.c - the engine on the span pool (white-box): spans cut from
 * arenas, the units they leave reused, the reclaim pass that gives whole
 * free spans back to the pool, and purging by age.  Only in the builds
 * with memory mappings. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "heap.h"
#include "testutil.h"

/* A heap on the span pool: the units an arena has left after its large
 * spans serve smaller spans later, first fit. */
START_TEST(test_heap_arena_units_left_are_reused)
{
	static struct jm_heap h; /* all zero: a valid empty heap */
	char *first = jm_heap_alloc(&h, 0);
	char *arena = (char *)((uintptr_t)first & ~(uintptr_t)(JM_ARENA_SIZE - 1));
	char *arena_end = arena + JM_ARENA_SIZE;
	size_t top = jm_class_of(JM_SMALL_MAX), units;
	size_t sizes[] = { 512 << 10, 256 << 10, 128 << 10 };
	char *p;
	size_t n = 0, i;

	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_eq(first, arena + JM_UNIT_SIZE); /* after the header */
	(void)jm_heap_span_blocks(top, &units);
	/* 1 MiB blocks until one comes from another arena. */
	for (;;) {
		p = jm_heap_alloc(&h, top);
		ck_assert_ptr_nonnull(p);
		n++;
		if (p < arena || p >= arena_end)
			break;
		ck_assert_uint_lt(n, 64);
	}
	/* 511 units less 1 and 31 spans of 16 leave 14: spans of 8, 4 and
	 * 2 units still fit in the first arena. */
	ck_assert_uint_eq(n - 1, (JM_ARENA_UNITS - 2) / units);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t k = jm_class_of(sizes[i]);

		p = jm_heap_alloc(&h, k);
		ck_assert_ptr_nonnull(p);
		ck_assert(p >= arena && p + jm_class_size(k) <= arena_end);
	}
	ck_assert(jm_heap_check(&h, 1000));
}
END_TEST

/* Every block of class k that `spans` spans hold, allocated from h. */
static void **fill_spans(struct jm_heap *h, size_t k, size_t spans, size_t *n)
{
	size_t units, per = jm_heap_span_blocks(k, &units), i;
	void **b = malloc(spans * per * sizeof(*b));

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < spans * per; i++) {
		b[i] = jm_heap_alloc(h, k);
		ck_assert_ptr_nonnull(b[i]);
	}
	*n = spans * per;
	return b;
}

/* Spans whose blocks are all free go back to the span pool, where
 * another class takes their units; the free lists lose their blocks. */
START_TEST(test_heap_reclaim_gives_back_whole_free_spans)
{
	static struct jm_heap h;
	struct jm_heap *hs[] = { &h };
	struct jm_arena_stats before, after;
	size_t k = jm_class_of(48), n, i, listed, bytes, units;
	void **b = fill_spans(&h, k, 3, &n);
	size_t kb = jm_class_of(JM_UNIT_SIZE * 7 / 4); /* a span of 2 units */
	char *big;

	jm_arena_stats(&before);
	for (i = 0; i < n; i++)
		jm_heap_push(&h, b[i], k);
	bytes = jm_heap_reclaim(hs, 1, 1, &listed);
	ck_assert_uint_eq(bytes, 3 * JM_UNIT_SIZE);
	ck_assert_uint_eq(listed, 0);
	ck_assert_uint_eq(h.count[k], 0);
	ck_assert_ptr_null(h.free[k]);
	jm_arena_stats(&after);
	ck_assert_uint_eq(after.unused, before.unused + 3 * JM_UNIT_SIZE);
	ck_assert_uint_eq(after.dirty, before.dirty + 3 * JM_UNIT_SIZE);
	/* A span of another class: the first of those units, not zero. */
	big = jm_heap_alloc(&h, kb);
	ck_assert_ptr_eq(big, b[0]);
	ck_assert(!h.zero[kb]);
	ck_assert(jm_heap_check(&h, n));
	/* The units left go back to the system. */
	(void)jm_heap_span_blocks(kb, &units);
	ck_assert_uint_lt(units, 3); /* kb was chosen so (see above) */
	ck_assert_uint_eq(jm_arena_purge(2, 0), (3 - units) * JM_UNIT_SIZE);
	free(b);
}
END_TEST

/* A span with one live block stays, with all its free blocks; spans that
 * are whole across two heaps go. */
START_TEST(test_heap_reclaim_keeps_spans_in_use)
{
	static struct jm_heap h1, h2;
	struct jm_heap *hs[] = { &h1, &h2 };
	size_t k = jm_class_of(1024), n, i, listed, per, units;
	void **b = fill_spans(&h1, k, 2, &n);

	per = jm_heap_span_blocks(k, &units);
	/* Span 0 keeps block 5; span 1 is freed half to each heap. */
	for (i = 0; i < n; i++)
		if (i != 5)
			jm_heap_push(i % 2 ? &h1 : &h2, b[i], k);
	ck_assert_uint_eq(jm_heap_reclaim(hs, 2, 1, &listed), JM_UNIT_SIZE);
	ck_assert_uint_eq(h1.count[k] + h2.count[k], per - 1);
	ck_assert_uint_eq(listed, (per - 1) * jm_class_size(k));
	ck_assert(jm_heap_check(&h1, n));
	ck_assert(jm_heap_check(&h2, n));
	/* A second pass finds nothing more. */
	ck_assert_uint_eq(jm_heap_reclaim(hs, 2, 2, &listed), 0);
	jm_heap_push(&h1, b[5], k);
	ck_assert_uint_eq(jm_heap_reclaim(hs, 2, 3, &listed), JM_UNIT_SIZE);
	ck_assert_uint_eq(h1.count[k] + h2.count[k], 0);
	free(b);
}
END_TEST

/* The part of a span not carved yet counts as free: a span in which every
 * carved block is free goes back, and the heap stops carving it. */
START_TEST(test_heap_reclaim_counts_uncarved_part)
{
	static struct jm_heap h;
	struct jm_heap *hs[] = { &h };
	size_t k = jm_class_of(256), listed;
	void *a = jm_heap_alloc(&h, k), *b = jm_heap_alloc(&h, k);

	ck_assert_ptr_nonnull(h.bump[k]);
	jm_heap_push(&h, a, k);
	ck_assert_uint_eq(jm_heap_reclaim(hs, 1, 1, &listed), 0); /* b lives */
	jm_heap_push(&h, b, k);
	ck_assert_uint_eq(jm_heap_reclaim(hs, 1, 1, &listed), JM_UNIT_SIZE);
	ck_assert_ptr_null(h.bump[k]);
	ck_assert_uint_eq(h.left[k], 0);
	ck_assert(jm_heap_check(&h, 10));
	/* The next block comes from the span pool again. */
	ck_assert_ptr_eq(jm_heap_alloc(&h, k), a);
}
END_TEST

/* Purging: units free for the age given go back to the system and read
 * as zero; an arena with no span left is unmapped. */
START_TEST(test_heap_purge_by_age_and_unmap)
{
	static struct jm_heap h;
	struct jm_heap *hs[] = { &h };
	struct jm_arena_stats st;
	size_t k = jm_class_of(64), n, i, listed;
	void **b = fill_spans(&h, k, 2, &n);
	unsigned char *c = b[0];

	memset(c, 0x5a, 64);
	for (i = 0; i < n; i++)
		jm_heap_push(&h, b[i], k);
	ck_assert_uint_eq(jm_heap_reclaim(hs, 1, 1000, &listed), 2 * JM_UNIT_SIZE);
	ck_assert_uint_eq(jm_arena_purge(1500, 1000), 0); /* too young */
	jm_arena_stats(&st);
	ck_assert_uint_eq(st.mapped, JM_ARENA_SIZE);
	ck_assert_uint_eq(st.dirty, 2 * JM_UNIT_SIZE);
	/* Old enough: the two spans, and the arena with the header. */
	ck_assert_uint_ge(jm_arena_purge(2000, 1000), 2 * JM_UNIT_SIZE);
	jm_arena_stats(&st);
	ck_assert_uint_eq(st.mapped, 0);
	ck_assert_uint_eq(st.dirty, 0);
	ck_assert_uint_eq(jm_arena_purge(3000, 0), 0); /* nothing left */
	free(b);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("Pool");

	tcase_add_test(tc, test_heap_arena_units_left_are_reused);
	tcase_add_test(tc, test_heap_reclaim_gives_back_whole_free_spans);
	tcase_add_test(tc, test_heap_reclaim_keeps_spans_in_use);
	tcase_add_test(tc, test_heap_reclaim_counts_uncarved_part);
	tcase_add_test(tc, test_heap_purge_by_age_and_unmap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(pool_suite());
}
