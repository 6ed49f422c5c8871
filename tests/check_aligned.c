/*
 * check_aligned.c - aligned blocks (jmalloc_aligned and the others): every
 * power-of-two alignment up to 64 KiB over sizes from 0 to 4 MiB, larger
 * alignments for large blocks, the usable sizes, resizing, and the bad
 * inputs (EINVAL, ENOMEM, no-ops), through the public API.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmalloc.h"
#include "testutil.h"

/* The alignments of the sweep: every power of two up to 64 KiB. */
#define ALIGN_SWEEP_MAX (64 * KiB)

/* 1 where blocks are aligned by the layout (jmalloc.h): a library that
 * maps its memory and is not the tiny one; else aligned blocks are
 * padded. */
#define NATURAL (JMALLOC_MMAP && !JMALLOC_TINY)

/*
 * The usable size that the contract gives, worked out from
 * jmalloc_good_size() alone: for an alignment of up to 16, that of
 * jmalloc(); where blocks are padded, that of jmalloc(n + align) (n at
 * least 1) less align; else up to JMALLOC_SPAN_SIZE and 1 MiB, the
 * smallest usable size of jmalloc() that holds n and is a multiple of the
 * alignment; above, n (at least 1) in whole pages.
 */
static size_t expected_usable(size_t align, size_t n)
{
	size_t u;

	if (align <= JMALLOC_MIN_ALIGNMENT)
		return jmalloc_good_size(n);
	if (!NATURAL)
		return jmalloc_good_size((n != 0 ? n : 1) + align) - align;
	if (align > JMALLOC_SPAN_SIZE || n > MiB)
		return ((n != 0 ? n : 1) + page_size() - 1) / page_size() * page_size();
	u = jmalloc_good_size(n > align ? n : align);
	while (u % align != 0)
		u = jmalloc_good_size(u + 1);
	return u;
}

/* The sizes of the sweep after n: every size up to 256, then each usable
 * size of jmalloc() up to 1 MiB with the sizes beside it, then steps of
 * an eighth up to 4 MiB. */
static size_t next_size(size_t n)
{
	size_t g;

	if (n < 256)
		return n + 1;
	if (n <= MiB) {
		g = jmalloc_good_size(n);
		return n + 1 < g ? g - 1 : n + 1;
	}
	return n + n / 8 + 1;
}

/* One block: aligned, of the usable size the contract gives, writable
 * over it, and freed with a size from the one asked for to the usable. */
static void check_block(size_t align, size_t n, uint64_t *x)
{
	size_t g = jmalloc_good_size_aligned(align, n);
	unsigned char *p = jmalloc_aligned(align, n);
	size_t w = checker_watching() ? n : g;

	ck_assert_msg(p != NULL, "jmalloc_aligned(%zu, %zu) failed", align, n);
	ck_assert_msg((uintptr_t)p % align == 0,
		      "jmalloc_aligned(%zu, %zu) = %p is not aligned", align, n,
		      (void *)p);
	ck_assert_msg(g == expected_usable(align, n),
		      "jmalloc_good_size_aligned(%zu, %zu) = %zu, want %zu", align,
		      n, g, expected_usable(align, n));
	ck_assert_uint_ge(g, n);
	if (w != 0) {
		p[0] = 0x5a;
		p[w - 1] = 0xa5;
		ck_assert_uint_eq(p[0], w == 1 ? 0xa5 : 0x5a);
		ck_assert_uint_eq(p[w - 1], 0xa5);
	}
	jmfree_aligned(p, align, n + (size_t)(test_rand(x) % (g - n + 1)));
}

START_TEST(test_aligned_every_alignment_up_to_64k_and_size_up_to_4m)
{
	uint64_t x = 12345;
	size_t align, n, blocks = 0;

	for (align = 1; align <= ALIGN_SWEEP_MAX; align <<= 1) {
		for (n = 0; n < 4 * MiB; n = next_size(n)) {
			check_block(align, n, &x);
			blocks++;
		}
		check_block(align, 4 * MiB, &x);
		/* Around each multiple of the alignment up to 1 MiB + 1 page. */
		for (n = align; n <= MiB + page_size(); n += n < 16 * align ? align : n / 4) {
			check_block(align, n - 1, &x);
			check_block(align, n, &x);
			check_block(align, n + 1, &x);
			blocks += 3;
		}
	}
	ck_assert_uint_gt(blocks, 1000);
}
END_TEST

/* Above 64 KiB, any size: a large block at an aligned address. */
START_TEST(test_aligned_large_alignments)
{
	static const size_t sizes[] = { 0, 1, 4096, 65536, 1048576, 1048577, 5000000 };
	uint64_t x = 99;
	size_t align, i;

	for (align = 128 * KiB; align <= 32 * MiB; align <<= 1)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			check_block(align, sizes[i], &x);
}
END_TEST

/* The blocks of the classes cost what jmalloc's do: a freed block is the
 * next one handed out for the same alignment and class. */
START_TEST(test_aligned_freed_block_serves_next_request)
{
	size_t align;

	for (align = 32; align <= ALIGN_SWEEP_MAX; align <<= 1) {
		void *p = jmalloc_aligned(align, 100);
		void *q;

		ck_assert_ptr_nonnull(p);
		jmfree_aligned(p, align, 100);
		q = jmalloc_aligned(align, jmalloc_good_size_aligned(align, 100));
		ck_assert_ptr_eq(p, q);
		jmfree_aligned(q, align, 100);
	}
}
END_TEST

/* A cached large block serves aligned requests with aligned pieces of
 * it, mapping nothing, and the pieces around them stay cached (where
 * large blocks are cached: the library that maps its memory and is not
 * the tiny one). */
START_TEST(test_aligned_large_cache_gives_aligned_pieces)
{
	struct jmalloc_stats before, after;
	size_t align = 4 * MiB, i;
	void *big, *p[4];

	(void)jmalloc_trim();
	big = jmalloc(20 * MiB);
	ck_assert_ptr_nonnull(big);
	jmfree(big, 20 * MiB);
	ck_assert_int_eq(jmalloc_stats(&before, sizeof(before)), 0);
	for (i = 0; i < 4; i++) {
		p[i] = jmalloc_aligned(align, 2 * MiB);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq((uintptr_t)p[i] % align, 0);
		ck_assert((char *)p[i] >= (char *)big &&
			  (char *)p[i] + 2 * MiB <= (char *)big + 20 * MiB);
		memset(p[i], (int)i, 2 * MiB);
	}
	ck_assert_int_eq(jmalloc_stats(&after, sizeof(after)), 0);
	ck_assert_uint_eq(after.mapped, before.mapped);
	ck_assert_uint_eq(after.large_cached, before.large_cached - 8 * MiB);
	for (i = 0; i < 4; i++)
		jmfree_aligned(p[i], align, 2 * MiB);
	ck_assert_int_eq(jmalloc_stats(&after, sizeof(after)), 0);
	ck_assert_uint_eq(after.large_cached, before.large_cached);
	(void)jmalloc_trim();
}
END_TEST

START_TEST(test_aligned_zero_size_blocks_are_unique)
{
	size_t align;

	for (align = 1; align <= 2 * MiB; align <<= 1) {
		void *a = jmalloc_aligned(align, 0), *b = jmalloc_aligned(align, 0);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_ne(a, b);
		ck_assert_uint_eq((uintptr_t)a % align, 0);
		ck_assert_uint_eq((uintptr_t)b % align, 0);
		jmfree_aligned(a, align, 0);
		jmfree_aligned(b, align, 0);
	}
}
END_TEST

/* An alignment of up to 16 is none: jmalloc's blocks and usable sizes,
 * and either free takes either block. */
START_TEST(test_aligned_up_to_16_is_plain)
{
	size_t align, n;

	for (align = 1; align <= JMALLOC_MIN_ALIGNMENT; align <<= 1) {
		for (n = 0; n < 3 * MiB; n = n * 2 + 1) {
			void *p = jmalloc_aligned(align, n);

			ck_assert_ptr_nonnull(p);
			ck_assert_uint_eq(jmalloc_good_size_aligned(align, n),
					  jmalloc_good_size(n));
			jmfree(p, n);
			p = jmalloc(n);
			ck_assert_ptr_nonnull(p);
			jmfree_aligned(p, align, n);
		}
	}
}
END_TEST

START_TEST(test_aligned_bad_alignment_is_einval)
{
	volatile size_t opaque_zero = 0;
	static const size_t bad[] = { 0, 3, 24, 48, 96, 65535, 65537,
				      (size_t)-1, ((size_t)1 << (sizeof(size_t) * 8 - 1)) + 1 };
	size_t i;
	char *p = jmalloc_aligned(64, 100);

	ck_assert_ptr_nonnull(p);
	memset(p, 7, 100);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_ptr_null(jmalloc_aligned(bad[i], 100));
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_ptr_null(jmrealloc_aligned(p, bad[i], 100, 5000));
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(jmalloc_good_size_aligned(bad[i], 100), 0);
		/* A no-op: the block stays live and unchanged. */
		errno = 1234;
		jmfree_aligned(p, bad[i], 100);
		ck_assert_int_eq(errno, 1234);
		ck_assert_uint_eq((unsigned char)p[0], 7);
		ck_assert_uint_eq((unsigned char)p[99], 7);
	}
	/* An alignment the compiler cannot see as a constant (clang warns of
	 * a constant one that is not a power of two). */
	errno = 0;
	ck_assert_ptr_null(jmrealloc_aligned(NULL, opaque_zero, 0, 10));
	ck_assert_int_eq(errno, EINVAL);
	jmfree_aligned(p, 64, 100);
}
END_TEST

START_TEST(test_aligned_overflowing_size_is_enomem)
{
	/* What large blocks are rounded to: pages, or 16 bytes without
	 * memory mappings (jmalloc.h). */
	size_t page = JMALLOC_MMAP ? page_size() : 16;
	const size_t huge[] = { (size_t)-1, (size_t)PTRDIFF_MAX,
				(size_t)PTRDIFF_MAX - page + 2 };
	size_t i, align;

	for (align = 1; align <= 64 * MiB; align <<= 1) {
		for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
			volatile size_t n = huge[i];

			errno = 0;
			ck_assert_ptr_null(jmalloc_aligned(align, n));
			ck_assert_int_eq(errno, ENOMEM);
			ck_assert_uint_eq(jmalloc_good_size_aligned(align, n), 0);
		}
	}
	/* Alignments of 2^58 and up: no address space holds them. */
	for (align = (size_t)1 << (sizeof(size_t) * 8 - 1);
	     sizeof(size_t) >= 8 && align >= ((size_t)1 << (sizeof(size_t) * 8 - 6));
	     align >>= 1) {
		errno = 0;
		ck_assert_ptr_null(jmalloc_aligned(align, 1));
		ck_assert_int_eq(errno, ENOMEM);
	}
	ck_assert_uint_eq(jmalloc_good_size_aligned((size_t)1 << (sizeof(size_t) * 8 - 1), 1), 0);
}
END_TEST

/* Resizing keeps the contents and the alignment, through the classes, the
 * large blocks, and back. */
START_TEST(test_aligned_realloc_keeps_contents_and_alignment)
{
	static const size_t steps[] = { 1, 100, 5000, 70000, 900000, 2 * MiB + 3,
					5 * MiB, 1500000, 3000, 0, 64 };
	size_t align;

	for (align = 1; align <= 4 * MiB; align <<= 2) {
		unsigned char *p = NULL;
		size_t old = 0, i, j;

		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			size_t n = steps[i], keep = old < n ? old : n;
			unsigned char *q = jmrealloc_aligned(p, align, old, n);

			ck_assert_ptr_nonnull(q);
			ck_assert_uint_eq((uintptr_t)q % align, 0);
			for (j = 0; j < keep; j++)
				if (q[j] != (unsigned char)(j * 7 + old))
					ck_abort_msg("jmrealloc_aligned(%zu: %zu to %zu) "
						     "lost byte %zu", align, old, n, j);
			for (j = 0; j < n; j++)
				q[j] = (unsigned char)(j * 7 + n);
			p = q;
			old = n;
		}
		jmfree_aligned(p, align, old);
	}
}
END_TEST

/* Within the usable size, a resize keeps the block. */
START_TEST(test_aligned_realloc_within_usable_keeps_block)
{
	size_t align;

	for (align = 32; align <= 8 * MiB; align <<= 1) {
		size_t g = jmalloc_good_size_aligned(align, 1000);
		void *p = jmalloc_aligned(align, 1000);

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_eq(jmrealloc_aligned(p, align, 1000, g), p);
		ck_assert_ptr_eq(jmrealloc_aligned(p, align, g, 1000), p);
		jmfree_aligned(p, align, 1000);
	}
}
END_TEST

/* A failed resize leaves the block as it was. */
START_TEST(test_aligned_realloc_failure_keeps_block)
{
	unsigned char *p = jmalloc_aligned(256, 300);
	volatile size_t huge = (size_t)-1;

	ck_assert_ptr_nonnull(p);
	memset(p, 0x42, 300);
	errno = 0;
	ck_assert_ptr_null(jmrealloc_aligned(p, 256, 300, huge));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(p[0], 0x42);
	ck_assert_uint_eq(p[299], 0x42);
	jmfree_aligned(p, 256, 300);
	jmfree_aligned(NULL, 256, 300);
}
END_TEST

static Suite *aligned_suite(void)
{
	Suite *s = suite_create("aligned");
	TCase *tc = tcase_create("Aligned");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_aligned_every_alignment_up_to_64k_and_size_up_to_4m);
	tcase_add_test(tc, test_aligned_large_alignments);
	tcase_add_test(tc, test_aligned_freed_block_serves_next_request);
	if (NATURAL)
		tcase_add_test(tc, test_aligned_large_cache_gives_aligned_pieces);
	tcase_add_test(tc, test_aligned_zero_size_blocks_are_unique);
	tcase_add_test(tc, test_aligned_up_to_16_is_plain);
	tcase_add_test(tc, test_aligned_bad_alignment_is_einval);
	tcase_add_test(tc, test_aligned_overflowing_size_is_enomem);
	tcase_add_test(tc, test_aligned_realloc_keeps_contents_and_alignment);
	tcase_add_test(tc, test_aligned_realloc_within_usable_keeps_block);
	tcase_add_test(tc, test_aligned_realloc_failure_keeps_block);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	test_global_region((size_t)512 << 20);
	return run_suite(aligned_suite());
}
