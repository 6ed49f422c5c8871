/* check_sizeclass.c - the size-class module: every size from 0 to 2 MiB,
 * each class boundary, both the builtin and the table path. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "sizeclass.h"
#include "testutil.h"

#define PAGE ((size_t)4096)

/*
 * The reference classes, written out from their definition in words:
 * fine: 16-byte steps up to 128 bytes, four classes evenly spaced in each
 * doubling up to 1 KiB, eight up to 16 KiB, four up to 1 MiB; pow2: the
 * powers of two from 16 bytes to 1 MiB.
 */
static size_t ref_sizes[JM_NCLASSES + 1];
static size_t ref_n;

static void ref_build(void)
{
	size_t b, i;

	ref_n = 0;
	ref_sizes[ref_n++] = 16;
	for (b = 16; b < ((size_t)1 << 20); b *= 2) {
		size_t steps = JM_CLASSES_POW2 ? 1 : b < 128 ? b / 16 : b < 1024 ? 4
			       : b < 16384 ? 8 : 4;

		for (i = 1; i <= steps; i++)
			ref_sizes[ref_n++] = b + i * (b / steps);
	}
}

/* The reference: the first class of at least `size` bytes, by a loop. */
static size_t ref_class(size_t size)
{
	size_t k = 0;

	while (ref_sizes[k] < size)
		k++;
	return k;
}

typedef size_t (*class_fn)(size_t);

static const struct {
	const char *name;
	class_fn fn;
} paths[] = {
	{ "table", jm_class_of_table },
#ifdef HAVE_BUILTIN_CLZ
	{ "clz", jm_class_of_clz },
#endif
	{ "selected", jm_class_of },
};

#define NPATHS ((int)(sizeof(paths) / sizeof(paths[0])))

START_TEST(test_class_of_every_small_size)
{
	class_fn fn = paths[_i].fn;
	size_t s;

	for (s = 1; s <= JM_SMALL_MAX; s++) {
		size_t k = fn(s);

		if (k != ref_class(s))
			ck_abort_msg("%s path: size %zu gave class %zu, want %zu",
				     paths[_i].name, s, k, ref_class(s));
	}
}
END_TEST

START_TEST(test_class_size_is_smallest_that_fits)
{
	size_t s;

	/* Plain tests in the loop: a Check assertion per size is slow. */
	for (s = 0; s <= JM_SMALL_MAX; s++) {
		size_t k = jm_class_of_small(s);
		size_t c = jm_class_size(k);

		if (k >= JM_NCLASSES || c < s || (k > 0 && jm_class_size(k - 1) >= s) ||
		    c % JM_MIN_SIZE != 0 || c != ref_sizes[k])
			ck_abort_msg("size %zu: class %zu of %zu bytes is wrong", s, k, c);
	}
}
END_TEST

/* Around each boundary: c - 1, c, c + 1 for every class size c. */
START_TEST(test_class_boundaries)
{
	size_t k = (size_t)_i;
	size_t c = jm_class_size(k);
	int p;

	for (p = 0; p < NPATHS; p++) {
		ck_assert_uint_eq(paths[p].fn(c), k);
		if (c - 1 > JM_MIN_SIZE)
			ck_assert_uint_eq(paths[p].fn(c - 1), k);
		if (k + 1 < JM_NCLASSES)
			ck_assert_uint_eq(paths[p].fn(c + 1), k + 1);
	}
}
END_TEST

START_TEST(test_reference_table)
{
	/* The reference itself ends at 1 MiB with JM_NCLASSES classes. */
	ck_assert_uint_eq(ref_n, JM_NCLASSES);
	ck_assert_uint_eq(ref_sizes[ref_n - 1], JM_SMALL_MAX);
#if !JM_CLASSES_POW2
	ck_assert_uint_eq(JM_NCLASSES, 76);
	ck_assert_uint_eq(jm_class_size(7), 128);
	ck_assert_uint_eq(jm_class_size(8), 160);
	ck_assert_uint_eq(jm_class_size(19), 1024);
	ck_assert_uint_eq(jm_class_size(20), 1152);
	ck_assert_uint_eq(jm_class_size(51), 16384);
	ck_assert_uint_eq(jm_class_size(52), 20480);
	ck_assert_uint_eq(jm_class_of_small(4097), jm_class_of_small(4608));
	ck_assert_uint_eq(jm_usable_size(4104, PAGE), 4608);
#else
	ck_assert_uint_eq(JM_NCLASSES, 17);
	ck_assert_uint_eq(jm_usable_size(4097, PAGE), 8192);
#endif
}
END_TEST

START_TEST(test_class_zero_is_smallest)
{
	ck_assert_uint_eq(jm_class_of_small(0), 0);
	ck_assert_uint_eq(jm_usable_size(0, PAGE), JM_MIN_SIZE);
	ck_assert_uint_eq(jm_class_size(0), 16);
	ck_assert_uint_eq(jm_class_size(JM_NCLASSES - 1), (size_t)1 << 20);
}
END_TEST

START_TEST(test_usable_size_up_to_2mib)
{
	size_t s;

	for (s = 0; s <= ((size_t)2 << 20); s++) {
		size_t u = jm_usable_size(s, PAGE);
		int ok = u >= s;

		if (s <= JM_SMALL_MAX)
			ok = ok && u == jm_class_size(ref_class(s));
		else
			ok = ok && u % PAGE == 0 && u - s < PAGE;
		if (!ok)
			ck_abort_msg("size %zu: usable size %zu is wrong", s, u);
	}
}
END_TEST

/* jm_class_of_aligned(): for every natural alignment and every small
 * size, the smallest class that holds the size and whose size is a
 * multiple of the alignment, found by a walk over all classes. */
START_TEST(test_class_of_aligned_is_smallest_multiple)
{
	size_t align = (size_t)32 << _i, size, k;

	for (size = 0; size <= JM_SMALL_MAX; size += size < 4096 ? 1 : 61) {
		size_t want = JM_NCLASSES;

		for (k = 0; k < JM_NCLASSES && want == JM_NCLASSES; k++)
			if (jm_class_size(k) >= size && jm_class_size(k) % align == 0)
				want = k;
		ck_assert_uint_lt(want, JM_NCLASSES);
		k = jm_class_of_aligned(size, align);
		ck_assert_msg(k == want, "jm_class_of_aligned(%zu, %zu) = %zu, want %zu",
			      size, align, k, want);
		ck_assert(jm_aligned_is_small(size, align));
		ck_assert_uint_eq(jm_usable_size_aligned(size, align, 4096),
				  jm_class_size(want));
	}
	/* At and below JM_MIN_SIZE: the unaligned classes. */
	for (size = 0; size <= 5000; size++)
		ck_assert_uint_eq(jm_class_of_aligned(size, JM_MIN_SIZE),
				  jm_class_of_small(size));
}
END_TEST

/* Large aligned requests: whole pages, and 0 where the alignment's extra
 * address space would pass JM_REQUEST_MAX. */
START_TEST(test_usable_size_aligned_large)
{
	size_t page = 4096;

	ck_assert(!jm_aligned_is_small(0, JM_ALIGN_NATURAL_MAX * 2));
	ck_assert(!jm_aligned_is_small(JM_SMALL_MAX + 1, 64));
	ck_assert_uint_eq(jm_usable_size_aligned(0, (size_t)1 << 20, page), page);
	ck_assert_uint_eq(jm_usable_size_aligned(JM_SMALL_MAX + 1, 64, page),
			  JM_SMALL_MAX + page);
	ck_assert_uint_eq(jm_usable_size_aligned(JM_REQUEST_MAX - page + 1, 2 * page, page), 0);
	ck_assert_uint_eq(jm_usable_size_aligned(JM_REQUEST_MAX - 2 * page + 1, 2 * page, page),
			  JM_REQUEST_MAX - 2 * page + 1);
	ck_assert_uint_eq(jm_usable_size_aligned(1, (size_t)1 << (sizeof(size_t) * 8 - 1), page), 0);
	ck_assert_uint_eq(jm_usable_size_aligned(SIZE_MAX, 64, page), 0);
}
END_TEST

/* Where blocks are not aligned by the layout (the tiny and region-only
 * builds), an aligned block is padded: the usable size of size + align
 * bytes (size at least 1) less align, and 0 where that passes
 * JM_REQUEST_MAX. */
START_TEST(test_usable_size_aligned_padded)
{
	size_t page = 4096, align, size;

	for (align = 32; align <= ((size_t)1 << 24); align <<= 1) {
		for (size = 0; size <= 70000; size += size < 600 ? 1 : 997) {
			size_t u = jm_usable_size_aligned(size, align, page);

			ck_assert_uint_eq(u, jm_usable_size((size != 0 ? size : 1) + align, page) -
					      align);
			ck_assert_uint_ge(u, size != 0 ? size : 1);
			/* Any size up to the usable one frees the same block. */
			ck_assert_uint_eq(jm_usable_size(u + align, page), u + align);
		}
		ck_assert_uint_eq(jm_usable_size_aligned(JM_REQUEST_MAX - align + 1, align, page), 0);
		ck_assert_uint_eq(jm_usable_size_aligned(SIZE_MAX, align, page), 0);
	}
	ck_assert_uint_eq(jm_usable_size_aligned(1, (size_t)1 << (sizeof(size_t) * 8 - 1), page), 0);
}
END_TEST

START_TEST(test_large_round_never_wraps)
{
	size_t pages[] = { 4096, 16384, 65536 };
	size_t i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		size_t pg = pages[i];
		size_t top = JM_REQUEST_MAX & ~(pg - 1);
		size_t s;

		/* The largest representable block is still served... */
		ck_assert_uint_eq(jm_large_round(top, pg), top);
		ck_assert_uint_eq(jm_large_round(top - pg + 1, pg), top);
		/* ...and nothing past it rounds, or wraps. */
		ck_assert_uint_eq(jm_large_round(top + 1, pg), 0);
		for (s = SIZE_MAX; s > SIZE_MAX - 2 * pg; s--)
			ck_assert_uint_eq(jm_usable_size(s, pg), 0);
		ck_assert_uint_eq(jm_usable_size((size_t)PTRDIFF_MAX + 1, pg), 0);
		ck_assert_uint_eq(jm_usable_size(JM_SMALL_MAX + 1, pg),
				  JM_SMALL_MAX + pg);
	}
}
END_TEST

static Suite *sizeclass_suite(void)
{
	Suite *s = suite_create("sizeclass");
	TCase *tc = tcase_create("Core");
	TCase *lim = tcase_create("Limits");

	ref_build();
	tcase_add_test(tc, test_reference_table);
	tcase_add_loop_test(tc, test_class_of_every_small_size, 0, NPATHS);
	tcase_add_test(tc, test_class_size_is_smallest_that_fits);
	tcase_add_loop_test(tc, test_class_boundaries, 0, JM_NCLASSES);
	tcase_add_test(tc, test_class_zero_is_smallest);
	tcase_add_test(tc, test_usable_size_up_to_2mib);
	/* Alignments 32 B to 64 KiB. */
	if (JM_ALIGN_NATURAL) {
		/* Alignments 32 << _i up to JM_ALIGN_NATURAL_MAX. */
		tcase_add_loop_test(tc, test_class_of_aligned_is_smallest_multiple, 0,
				    JM_UNIT_SHIFT - 4);
		tcase_add_test(tc, test_usable_size_aligned_large);
	} else {
		tcase_add_test(tc, test_usable_size_aligned_padded);
	}
	suite_add_tcase(s, tc);
	tcase_add_test(lim, test_large_round_never_wraps);
	suite_add_tcase(s, lim);
	return s;
}

int main(void)
{
	return run_suite(sizeclass_suite());
}
