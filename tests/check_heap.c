/* check_heap.c - the heap engine on its own: spans per class, reuse,
 * caller-owned regions, arena tails, invariants. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "testutil.h"

#define REGION_SIZE ((size_t)1 << 20)

static unsigned char *region;

static void setup(void)
{
	region = aligned_alloc(4096, REGION_SIZE);
	ck_assert_ptr_nonnull(region);
	memset(region, 0xa5, REGION_SIZE); /* dirty: not zero */
}

static void teardown(void)
{
	free(region);
}

static int in_region(const void *p, size_t len)
{
	const unsigned char *c = p;

	return c >= region && c + len <= region + REGION_SIZE;
}

/* Consecutive blocks of one class are neighbours in its span, whatever
 * other classes are carved in between. */
START_TEST(test_heap_class_blocks_are_neighbours)
{
	struct jm_heap h;
	unsigned k = (unsigned)_i;
	size_t sz = jm_class_size(k);
	char *a, *b, *other;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	ck_assert_uint_le(sz * 2, h.span_max);
	a = jm_heap_alloc(&h, k);
	other = jm_heap_alloc(&h, k == 0 ? 1 : 0);
	b = jm_heap_alloc(&h, k);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(other);
	ck_assert_ptr_eq(b, a + sz);
	ck_assert_int_eq(((uintptr_t)a) % JM_MIN_SIZE, 0);
	ck_assert(jm_heap_check(&h, 1000));
}
END_TEST

/* The tiny engine: every block, of any class, right after the last. */
START_TEST(test_heap_tiny_blocks_follow_each_other)
{
	struct jm_heap h;
	char *a, *b, *c;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	a = jm_heap_alloc(&h, 0);
	b = jm_heap_alloc(&h, 3);
	c = jm_heap_alloc(&h, 1);
	ck_assert_ptr_eq(a, (char *)region);
	ck_assert_ptr_eq(b, a + jm_class_size(0));
	ck_assert_ptr_eq(c, b + jm_class_size(3));
	ck_assert(jm_heap_check(&h, 10));
}
END_TEST

START_TEST(test_heap_free_block_serves_next_request)
{
	struct jm_heap h;
	unsigned k;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	for (k = 0; k < 12; k++) {
		void *a = jm_heap_alloc(&h, k);
		void *b = jm_heap_alloc(&h, k);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		jm_heap_push(&h, a, k);
		jm_heap_push(&h, b, k);
		/* LIFO: the last freed comes back first. */
		ck_assert_ptr_eq(jm_heap_alloc(&h, k), b);
		ck_assert_ptr_eq(jm_heap_alloc(&h, k), a);
	}
	ck_assert(jm_heap_check(&h, 1000));
}
END_TEST

START_TEST(test_heap_region_exhausted_gives_enomem)
{
	struct jm_heap h;
	void *blocks[REGION_SIZE / 1024];
	size_t n = 0;
	void *p;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	while ((p = jm_heap_alloc(&h, jm_class_of(1024))) != NULL) {
		ck_assert(in_region(p, 1024));
		ck_assert_uint_lt(n, REGION_SIZE / 1024);
		blocks[n++] = p;
	}
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(n, REGION_SIZE / 1024); /* every byte was used */
	/* Another class finds nothing either; a freed block comes back. */
	errno = 0;
	ck_assert_ptr_null(jm_heap_alloc(&h, 0));
	ck_assert_int_eq(errno, ENOMEM);
	jm_heap_push(&h, blocks[7], 6);
	ck_assert_ptr_eq(jm_heap_alloc(&h, 6), blocks[7]);
	ck_assert(jm_heap_check(&h, n));
}
END_TEST

START_TEST(test_heap_unaligned_or_tiny_region)
{
	struct jm_heap h;
	void *p;

	jm_heap_init_region(&h, region + 3, 100, 0);
	p = jm_heap_alloc(&h, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(((uintptr_t)p) % JM_MIN_SIZE, 0);
	ck_assert(in_region(p, 16));
	ck_assert_ptr_null(jm_heap_alloc(&h, 3)); /* 128 B cannot fit */
	jm_heap_init_region(&h, region + 1, 8, 0);
	ck_assert_ptr_null(jm_heap_alloc(&h, 0));
	jm_heap_init_region(&h, NULL, 4096, 0);
	ck_assert_ptr_null(jm_heap_alloc(&h, 0));
	ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* split keeps the newest blocks, take hands out the first ones. */
START_TEST(test_heap_split_and_take)
{
	struct jm_heap h;
	struct jm_block *blk[10], *rest, *head, *tail;
	uint32_t n;
	int i;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	for (i = 0; i < 10; i++)
		blk[i] = jm_heap_alloc(&h, 3);
	for (i = 0; i < 10; i++)
		jm_heap_push(&h, blk[i], 3); /* list: 9 8 7 ... 0 */
	rest = jm_heap_split(&h, 3, 4, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(h.count[3], 4);
	ck_assert_ptr_eq(rest, blk[5]);
	ck_assert_ptr_eq(h.free[3], blk[9]);
	ck_assert(jm_heap_check(&h, 100));
	ck_assert_ptr_null(jm_heap_split(&h, 3, 4, &n)); /* nothing past 4 */
	ck_assert_uint_eq(n, 0);
	head = jm_heap_take(&h, 3, 3, &n, &tail);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_eq(head, blk[9]);
	ck_assert_ptr_eq(tail, blk[7]);
	ck_assert_ptr_null(jm_heap_next(tail, 3));
	ck_assert_uint_eq(h.count[3], 1);
	ck_assert(jm_heap_check(&h, 100));
	head = jm_heap_take(&h, 3, 3, &n, &tail); /* fewer than asked */
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_eq(head, blk[6]);
	ck_assert_ptr_eq(tail, blk[6]);
	head = jm_heap_take(&h, 3, 3, &n, &tail);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(head);
	rest = jm_heap_split(&h, 3, 0, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(rest);
}
END_TEST

/* A span handed back becomes a spare span, served to the next heap that
 * needs one of its class, as fresh as before. */
START_TEST(test_heap_spans_move_between_heaps)
{
	struct jm_heap shared, a, b;
	size_t k = jm_class_of(512);
	char *p, *q;

	memset(region, 0, REGION_SIZE);
	jm_heap_init_region(&shared, region, REGION_SIZE, 1);
	jm_heap_init_region(&a, NULL, 0, 1);
	jm_heap_init_region(&b, NULL, 0, 1);
	ck_assert_ptr_null(jm_heap_bump(&a, k));
	ck_assert_ptr_null(jm_heap_carve(&a, k)); /* no region of its own */
	ck_assert_int_eq(jm_heap_give_span(&shared, &a, k), 0);
	p = jm_heap_bump(&a, k);
	ck_assert_ptr_eq(p, (char *)region);
	memset(p, 1, 512);
	jm_heap_return_span(&a, &shared, k);
	ck_assert_ptr_null(jm_heap_bump(&a, k));
	ck_assert(jm_heap_check(&shared, 100));
	ck_assert_int_eq(jm_heap_give_span(&shared, &b, k), 0);
	q = jm_heap_bump(&b, k);
	ck_assert_ptr_eq(q, p + 512); /* the rest of a's span */
	ck_assert_uint_eq((unsigned char)q[0], 0);
	ck_assert_uint_eq((unsigned char)q[15], 0);
	ck_assert(jm_heap_check(&b, 100));
}
END_TEST

START_TEST(test_heap_check_detects_corruption)
{
	struct jm_heap h;
	struct jm_block *a, *b;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	a = jm_heap_alloc(&h, 2);
	b = jm_heap_alloc(&h, 2);
	jm_heap_push(&h, a, 2);
	jm_heap_push(&h, b, 2);
	ck_assert(jm_heap_check(&h, 10));
	jm_heap_link(a, b); /* a cycle: b -> a -> b */
	ck_assert(!jm_heap_check(&h, 10));
	jm_heap_link(a, (struct jm_block *)(void *)((char *)b + 3)); /* misaligned */
	ck_assert(!jm_heap_check(&h, 10));
	jm_heap_link(a, NULL);
	ck_assert(jm_heap_check(&h, 10));
	if (JM_TINY)
		return; /* no counts, no spans */
	h.count[2] = 5; /* count and list disagree */
	ck_assert(!jm_heap_check(&h, 10));
	h.count[2] = 2;
	h.left[2] += 8; /* a span of part of a block */
	ck_assert(!jm_heap_check(&h, 10));
}
END_TEST

/* Seeded random alloc/free over all classes; contents and invariants. */
START_TEST(test_heap_random_ops_keep_invariants)
{
	enum { SLOTS = 256, OPS = 20000 };
	struct jm_heap h;
	unsigned char *ptr[SLOTS] = { 0 };
	unsigned cls[SLOTS];
	uint32_t x = 12345;
	int i, j;

	jm_heap_init_region(&h, region, REGION_SIZE, 0);
	for (i = 0; i < OPS; i++) {
		int s;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s = (int)(x % SLOTS);
		if (ptr[s] != NULL) {
			for (j = 0; j < 16; j++)
				if (ptr[s][j] != (unsigned char)((unsigned)s + cls[s]))
					ck_abort_msg("block %p changed", (void *)ptr[s]);
			jm_heap_push(&h, ptr[s], cls[s]);
			ptr[s] = NULL;
		} else {
			cls[s] = (x >> 8) % 9; /* 16 B to 4 KiB */
			ptr[s] = jm_heap_alloc(&h, cls[s]);
			ck_assert_ptr_nonnull(ptr[s]);
			memset(ptr[s], s + (int)cls[s], jm_class_size(cls[s]));
		}
		if (i % 1000 == 0)
			ck_assert(jm_heap_check(&h, REGION_SIZE / 16));
	}
}
END_TEST

#if JM_DEBUG
/* --enable-debug: a broken precondition stops the program where it
 * breaks (JM_ASSERT): a span given to a heap whose span of that class is
 * not used up. */
START_TEST(test_heap_assert_catches_span_not_used_up)
{
	struct jm_heap from, to;

	jm_heap_init_region(&from, region, REGION_SIZE, 0);
	jm_heap_init_region(&to, NULL, 0, 0);
	ck_assert_int_eq(jm_heap_give_span(&from, &to, 0), 0);
	ck_assert_ptr_nonnull(jm_heap_bump(&to, 0));
	(void)jm_heap_give_span(&from, &to, 0); /* aborts */
}
END_TEST
#endif

static Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *core = tcase_create("Core");
	TCase *lim = tcase_create("Limits");
	unsigned nsmall = 0;

	tcase_add_checked_fixture(core, setup, teardown);
	/* Every class with at least two blocks in a span of the region's
	 * (a JM_REGION_SPANS-th of it). */
	while (jm_class_size(nsmall) * 2 <= REGION_SIZE / JM_REGION_SPANS)
		nsmall++;
	/* The tiny engine has no spans: its blocks follow each other
	 * whatever their class. */
	if (!JM_TINY) {
		tcase_add_loop_test(core, test_heap_class_blocks_are_neighbours, 0,
				    (int)nsmall);
		tcase_add_test(core, test_heap_spans_move_between_heaps);
	} else {
		tcase_add_test(core, test_heap_tiny_blocks_follow_each_other);
	}
	tcase_add_test(core, test_heap_free_block_serves_next_request);
	if (!JM_TINY) /* lists handed over by their counts: the thread layer's */
		tcase_add_test(core, test_heap_split_and_take);
	tcase_add_test(core, test_heap_check_detects_corruption);
	tcase_add_test(core, test_heap_random_ops_keep_invariants);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(lim, test_heap_region_exhausted_gives_enomem);
	tcase_add_test(lim, test_heap_unaligned_or_tiny_region);
#if JM_DEBUG
	tcase_add_test_raise_signal(lim, test_heap_assert_catches_span_not_used_up,
				    SIGABRT);
#endif
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	return run_suite(heap_suite());
}
