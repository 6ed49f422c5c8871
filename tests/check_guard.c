/*
 * check_guard.c - large blocks between guard pages (JMALLOC_GUARD=1): a
 * write past a large block's last page or before its start faults at
 * once, the blocks are unmapped when freed (no cache), and resizing keeps
 * their contents.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmalloc.h"
#include "testutil.h"

static volatile unsigned char sink;

/* The whole usable size is the block's: asked for as such, as the
 * header says a program that uses it does (the compiler and
 * _FORTIFY_SOURCE know only of the size asked for). */
START_TEST(test_guard_block_is_whole)
{
	size_t size = 3 * MiB + 5, g = jmalloc_good_size(size);
	unsigned char *p = jmalloc(g);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % page_size(), 0);
	ck_assert_uint_gt(g, size);
	memset(p, 0x3c, g);
	ck_assert_uint_eq(p[0], 0x3c);
	ck_assert_uint_eq(p[g - 1], 0x3c);
	jmfree(p, g);
}
END_TEST

START_TEST(test_guard_overrun_faults)
{
	size_t size = 2 * MiB;
	unsigned char *p = jmalloc(size);

	ck_assert_ptr_nonnull(p);
	/* The first byte past the block (volatile: the store is not dead). */
	((volatile unsigned char *)p)[jmalloc_good_size(size)] = 1;
}
END_TEST

START_TEST(test_guard_underrun_faults)
{
	unsigned char *p = jmalloc(2 * MiB);
	uintptr_t before;

	ck_assert_ptr_nonnull(p);
	/* The byte before the block, through an integer: the compiler
	 * knows the block's bounds and would refuse p[-1]. */
	before = (uintptr_t)p - 1;
	sink = *(volatile unsigned char *)before;
}
END_TEST

START_TEST(test_guard_blocks_are_not_cached)
{
	struct jmalloc_stats st;
	int i;

	for (i = 0; i < 8; i++) {
		void *p = jmalloc(4 * MiB);

		ck_assert_ptr_nonnull(p);
		jmfree(p, 4 * MiB);
	}
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	ck_assert_uint_eq(st.large_cached, 0);
	ck_assert_uint_eq(st.large_live, 0);
}
END_TEST

START_TEST(test_guard_realloc_keeps_contents_and_guards)
{
	unsigned char *p = jmalloc(2 * MiB), *q;
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 2 * MiB; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	q = jmrealloc(p, 2 * MiB, 5 * MiB);
	ck_assert_ptr_nonnull(q);
	for (i = 0; i < 2 * MiB; i += 4096)
		ck_assert_uint_eq(q[i], (unsigned char)(i >> 12));
	p = jmrealloc(q, 5 * MiB, MiB + 1);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < MiB; i += 4096)
		ck_assert_uint_eq(p[i], (unsigned char)(i >> 12));
	jmfree(p, MiB + 1);
}
END_TEST

START_TEST(test_guard_shrunk_block_overrun_faults)
{
	unsigned char *p = jmalloc(4 * MiB);

	ck_assert_ptr_nonnull(p);
	p = jmrealloc(p, 4 * MiB, 2 * MiB);
	ck_assert_ptr_nonnull(p);
	((volatile unsigned char *)p)[jmalloc_good_size(2 * MiB)] = 1;
}
END_TEST

/* An aligned large block is aligned, resizes keep its alignment, and it
 * is freed at once like the others. */
START_TEST(test_guard_aligned_block_is_aligned)
{
	struct jmalloc_stats st;
	size_t align;

	for (align = 128 * KiB; align <= 8 * MiB; align <<= 2) {
		unsigned char *p = jmalloc_aligned(align, 2 * MiB);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % align, 0);
		memset(p, 0x77, 2 * MiB);
		p = jmrealloc_aligned(p, align, 2 * MiB, 3 * MiB);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % align, 0);
		ck_assert_uint_eq(p[2 * MiB - 1], 0x77);
		jmfree_aligned(p, align, 3 * MiB);
	}
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	ck_assert_uint_eq(st.large_live, 0);
	ck_assert_uint_eq(st.large_cached, 0);
}
END_TEST

START_TEST(test_guard_aligned_block_overrun_faults)
{
	size_t align = 2 * MiB;
	unsigned char *p = jmalloc_aligned(align, 100);

	ck_assert_ptr_nonnull(p);
	((volatile unsigned char *)p)[jmalloc_good_size_aligned(align, 100)] = 1;
}
END_TEST

START_TEST(test_guard_aligned_block_underrun_faults)
{
	unsigned char *p = jmalloc_aligned(4 * MiB, 3 * MiB);
	uintptr_t before;

	ck_assert_ptr_nonnull(p);
	before = (uintptr_t)p - 1;
	sink = *(volatile unsigned char *)before;
}
END_TEST

static Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("Guard");

	tcase_add_test(tc, test_guard_block_is_whole);
	tcase_add_test(tc, test_guard_blocks_are_not_cached);
	tcase_add_test(tc, test_guard_realloc_keeps_contents_and_guards);
	tcase_add_test(tc, test_guard_aligned_block_is_aligned);
	/* A memory checker reports the access itself, before the fault. */
	if (!checker_watching()) {
		tcase_add_test_raise_signal(tc, test_guard_overrun_faults, SIGSEGV);
		tcase_add_test_raise_signal(tc, test_guard_underrun_faults, SIGSEGV);
		tcase_add_test_raise_signal(tc, test_guard_shrunk_block_overrun_faults,
					    SIGSEGV);
		tcase_add_test_raise_signal(tc, test_guard_aligned_block_overrun_faults,
					    SIGSEGV);
		tcase_add_test_raise_signal(tc, test_guard_aligned_block_underrun_faults,
					    SIGSEGV);
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* Before the first call: the library reads it once. */
	setenv("JMALLOC_GUARD", "1", 1);
	return run_suite(guard_suite());
}
