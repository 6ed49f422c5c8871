/* check_local.c - the thread layer on its own (white-box): the size of a
 * batch for every class, and the bound on what a thread's heap keeps,
 * with the surplus moved to the shared pool a batch at a time. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "local.h"
#include "sizeclass.h"
#include "testutil.h"

/* The batch of each class: at most 256 blocks, at most a span unit (64
 * KiB by default) of them unless one block is larger, and no block fewer
 * than that allows. */
START_TEST(test_local_batch_fills_64k_up_to_256_blocks)
{
	size_t k = (size_t)_i, size = jm_class_size(k);
	uint32_t n = jm_local_batch(k);

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, 256);
	if (n > 1)
		ck_assert_uint_le(n * size, JM_SPAN_SIZE);
	if (n < 256)
		ck_assert_uint_gt((n + 1) * size, JM_SPAN_SIZE);
	if (size == 16 && JM_SPAN_SIZE >= 4 * KiB)
		ck_assert_uint_eq(n * size, 4 * KiB);
	if (size == JM_SPAN_SIZE / 256)
		ck_assert_uint_eq(n * size, JM_SPAN_SIZE);
}
END_TEST

/*
 * A thread's heap keeps two batches of a class: the free that would pass
 * them moves the older batch to the pool, and the blocks moved are still
 * free blocks the pool holds (jm_local_stats counts both).
 */
START_TEST(test_local_heap_keeps_two_batches)
{
	size_t k = (size_t)_i, size = jm_class_size(k);
	uint32_t n = jm_local_batch(k), i, total = 2 * n + 1;
	struct jm_local_stats before, after;
	struct jm_heap *h;
	void **p = malloc(total * sizeof(*p));

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < total; i++)
		ck_assert_ptr_nonnull(p[i] = jmalloc(size));
	h = jm_local_heap();
	ck_assert_uint_eq(h->limit[k], 2 * n);
	jm_local_stats(&before);
	for (i = 0; i < 2 * n; i++)
		jmfree(p[i], size);
	ck_assert_uint_eq(h->count[k], 2 * n);
	jmfree(p[2 * n], size); /* past the bound: a batch goes */
	ck_assert_uint_eq(h->count[k], n + 1);
	jm_local_stats(&after);
	ck_assert_uint_eq(after.listed - before.listed, (size_t)total * size);
	/* As many again leave at most a batch of them free (the heap may
	 * carve the rest of its span before it takes the batch back). */
	for (i = 0; i < total; i++)
		ck_assert_ptr_nonnull(p[i] = jmalloc(size));
	jm_local_stats(&after);
	ck_assert_uint_le(after.listed, before.listed + n * size);
	for (i = 0; i < total; i++)
		jmfree(p[i], size);
	free(p);
}
END_TEST

static Suite *local_suite(void)
{
	Suite *s = suite_create("local");
	TCase *tc = tcase_create("Batches");

	tcase_add_loop_test(tc, test_local_batch_fills_64k_up_to_256_blocks, 0,
			    (int)JM_NCLASSES);
	tcase_add_loop_test(tc, test_local_heap_keeps_two_batches, 0,
			    (int)JM_NCLASSES);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* The bookkeeping under test is the fast path's: without checks. */
	unsetenv("JMALLOC_CHECK");
	return run_suite(local_suite());
}
