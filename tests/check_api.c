/* check_api.c - the public contract through the shared library: a seeded
 * random model, reuse, realloc, calloc, large blocks. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jmalloc.h"
#include "testutil.h"

static int aligned16(const void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

/* 1 when the `len` bytes at p are all mapped (mincore fails otherwise). */
static int mapped(void *p, size_t len)
{
	size_t page = page_size();
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(page - 1);
	size_t n = ((uintptr_t)p + len - a + page - 1) / page;
	unsigned char *vec = malloc(n);
	int r;

	ck_assert_ptr_nonnull(vec);
	r = mincore((void *)a, n * page, vec);
	free(vec);
	return r == 0;
}

/* --- The reference model ------------------------------------------------- */

enum { SLOTS = 512 };

struct slot {
	unsigned char *p;
	size_t req;    /* size asked for */
	size_t usable; /* jmalloc_good_size(req) */
	size_t writable; /* usable, or req when a checker watches */
	unsigned char tag;
};

static struct slot model[SLOTS];
static uint64_t rng;

static uint64_t next_rand(void)
{
	return test_rand(&rng);
}

/* Mostly small sizes, now and then one past 1 MiB. */
static size_t random_size(void)
{
	uint64_t r = next_rand();

	switch (r % 200) {
	case 0:
		return MiB + (size_t)(r >> 8) % (2 * MiB);
	case 1: case 2: case 3: case 4:
		return (size_t)(r >> 8) % MiB + 1;
	case 5: case 6: case 7:
		return 0;
	default:
		return (size_t)(r >> 8) % (4 * KiB);
	}
}

static void fill(struct slot *s, size_t from)
{
	memset(s->p + from, s->tag, s->writable - from);
}

/* The first `len` bytes still hold the slot's tag; a word at a time. */
static void verify(const struct slot *s, size_t len)
{
	uint64_t want = 0x0101010101010101ull * s->tag;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s->p + i, 8);
		if (w != want)
			break;
	}
	for (; i < len; i++)
		if (s->p[i] != s->tag)
			ck_abort_msg("block %p (%zu bytes) changed at byte %zu",
				     (void *)s->p, s->req, i);
}

/* The new block in slot n overlaps no other live block. */
static void check_no_overlap(int n)
{
	const struct slot *a = &model[n];
	int i;

	for (i = 0; i < SLOTS; i++) {
		const struct slot *b = &model[i];

		if (i == n || b->p == NULL)
			continue;
		if (a->p < b->p + b->usable && b->p < a->p + a->usable)
			ck_abort_msg("blocks %p+%zu and %p+%zu overlap",
				     (void *)a->p, a->usable, (void *)b->p,
				     b->usable);
	}
}

static void take(int n, unsigned char *p, size_t req)
{
	struct slot *s = &model[n];

	ck_assert_msg(p != NULL, "allocation of %zu bytes failed", req);
	ck_assert_msg(aligned16(p), "%p is not 16-byte aligned", (void *)p);
	s->p = p;
	s->req = req;
	s->usable = jmalloc_good_size(req);
	s->writable = writable_size(req);
	ck_assert_uint_ge(s->usable, req);
	check_no_overlap(n);
}

/* A size to free with: anything from the request to the usable size. */
static size_t free_size(const struct slot *s)
{
	return s->req + (size_t)(next_rand() % (s->usable - s->req + 1));
}

START_TEST(test_api_random_sequence_matches_model)
{
	enum { OPS = 30000 };
	int i;

	rng = (uint64_t)0x9e3779b97f4a7c15u * (uint64_t)(_i + 1);
	memset(model, 0, sizeof(model));
	for (i = 0; i < OPS; i++) {
		int n = (int)(next_rand() % SLOTS);
		struct slot *s = &model[n];
		uint64_t op = next_rand() % 10;

		if (s->p == NULL) {
			size_t req = random_size();

			s->tag = (unsigned char)next_rand();
			if (op < 2) {
				size_t k = 1 + (size_t)(next_rand() % 8);

				take(n, jmcalloc(k, req / k), (req / k) * k);
				for (size_t j = 0; j < s->req; j++)
					if (s->p[j] != 0)
						ck_abort_msg("jmcalloc block %p: byte %zu is %u",
							     (void *)s->p, j, s->p[j]);
			} else if (op < 3) {
				take(n, jmrealloc(NULL, 0, req), req);
			} else {
				take(n, jmalloc(req), req);
			}
			fill(s, 0);
		} else if (op < 3) {
			size_t req = random_size();
			size_t old = free_size(s);
			size_t keep = old < s->writable ? old : s->writable;
			unsigned char *p;

			if (keep > req)
				keep = req;
			verify(s, s->writable);
			p = jmrealloc(s->p, old, req);
			take(n, p, req);
			verify(s, keep);
			fill(s, keep);
		} else {
			verify(s, s->writable);
			jmfree(s->p, free_size(s));
			s->p = NULL;
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (model[i].p != NULL) {
			verify(&model[i], model[i].writable);
			jmfree(model[i].p, model[i].req);
		}
	}
}
END_TEST

/* --- Single behaviours ---------------------------------------------------- */

START_TEST(test_api_malloc_zero_is_unique_min_block)
{
	unsigned char *a = jmalloc(0);
	unsigned char *b = jmalloc(0);
	void *first = a, *second = b;
	size_t min = jmalloc_good_size(0);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert(aligned16(a));
	/* The block is 16 bytes, though the compiler knows of 0. */
	ck_assert_uint_eq(min, 16);
	a = jmrealloc(a, 0, min);
	b = jmrealloc(b, 0, min);
	ck_assert_ptr_eq(a, first);
	ck_assert_ptr_eq(b, second);
	memset(a, 1, min);
	memset(b, 2, min);
	ck_assert_uint_eq(a[15], 1);
	ck_assert_uint_eq(jmalloc_good_size(0), 16);
	jmfree(a, min);
	jmfree(b, min);
	/* Both went to the 16-byte class: the next requests reuse them, and
	 * a block of 0 bytes is freed with 0 or any size up to 16. */
	a = jmalloc(0);
	ck_assert_ptr_eq(a, second);
	jmfree(a, 0);
	a = jmalloc(0);
	ck_assert_ptr_eq(a, second);
	jmfree(a, 16);
	ck_assert_ptr_eq(jmalloc(16), second);
	ck_assert_ptr_eq(jmalloc(1), first);
}
END_TEST

/*
 * For each class, found by walking jmalloc_good_size(): a freed block
 * serves the next request of its class, whatever size in the class is
 * asked or given back, and is aligned to the largest power of two (up to
 * 64 KiB) that divides the class size, as the manual page says.
 */
START_TEST(test_api_freed_block_serves_next_request)
{
	size_t lo = 0, c, classes = 0;

	for (c = jmalloc_good_size(0); c <= MiB; c = jmalloc_good_size(c + 1)) {
		size_t align = c & -c;
		void *p = jmalloc(lo);

		if (align > JMALLOC_SPAN_SIZE)
			align = JMALLOC_SPAN_SIZE;
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(jmalloc_good_size(lo), c);
		ck_assert_uint_eq(c % 16, 0);
		/* Blocks on a region, and of the tiny engine, are only
		 * 16-byte aligned. */
		if (JMALLOC_MMAP && !JMALLOC_TINY && (uintptr_t)p % align != 0)
			ck_abort_msg("class %zu: block %p not aligned to %zu",
				     c, p, align);
		memset(p, 0x5a, writable_size(lo));
		jmfree(p, c);
		ck_assert_ptr_eq(jmalloc(c), p);
		jmfree(p, c);
		ck_assert_ptr_eq(jmalloc(lo + (c - lo) / 2), p);
		jmfree(p, lo + (c - lo) / 2);
		lo = c + 1;
		classes++;
	}
	ck_assert_uint_eq(classes, JM_CLASSES_POW2 ? 17 : 76);
}
END_TEST

START_TEST(test_api_good_size_values)
{
	size_t page = large_step();

	ck_assert_uint_eq(jmalloc_good_size(1), 16);
	ck_assert_uint_eq(jmalloc_good_size(16), 16);
	ck_assert_uint_eq(jmalloc_good_size(17), 32);
#if !JM_CLASSES_POW2
	ck_assert_uint_eq(jmalloc_good_size(1100), 1152);
	ck_assert_uint_eq(jmalloc_good_size(4097), 4608);
	ck_assert_uint_eq(jmalloc_good_size(20000), 20480);
	ck_assert_uint_eq(jmalloc_good_size(1000), 1024);
#else
	ck_assert_uint_eq(jmalloc_good_size(1100), 2048);
	ck_assert_uint_eq(jmalloc_good_size(4097), 8192);
#endif
	ck_assert_uint_eq(jmalloc_good_size(MiB), MiB);
	ck_assert_uint_eq(jmalloc_good_size(MiB + 1), MiB + page);
	ck_assert_uint_eq(jmalloc_good_size(3 * MiB + page), 3 * MiB + page);
	ck_assert_uint_eq(jmalloc_good_size(SIZE_MAX), 0);
	ck_assert_uint_eq(jmalloc_good_size((size_t)PTRDIFF_MAX + 1), 0);
}
END_TEST

START_TEST(test_api_usable_size_is_writable)
{
	size_t sizes[] = { 0, 1, 15, 17, 100, 1000, 5000, 70000, MiB, MiB + 1, 3 * MiB + 5 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t g = jmalloc_good_size(sizes[i]);
		/* Under a checker only what is asked for is writable. */
		unsigned char *p = jmalloc(checker_watching() ? g : sizes[i]);
		unsigned char *q = jmalloc(checker_watching() ? g : sizes[i]);
		size_t j;

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_nonnull(q);
		memset(p, 0xee, g);
		/* A second block of the class, written whole, overlaps no
		 * byte of the first. */
		memset(q, 0x11, g);
		for (j = 0; j < g; j++)
			if (p[j] != 0xee)
				ck_abort_msg("size %zu: byte %zu of %zu changed",
					     sizes[i], j, g);
		jmfree(q, g);
		jmfree(p, g);
	}
}
END_TEST

START_TEST(test_api_free_null_is_noop)
{
	size_t sizes[] = { 0, 1, 16, 4096, MiB, MiB + 1, SIZE_MAX };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		errno = 1234;
		jmfree(NULL, sizes[i]);
		ck_assert_int_eq(errno, 1234);
	}
}
END_TEST

START_TEST(test_api_free_keeps_errno)
{
	void *small = jmalloc(100);
	void *large = jmalloc(2 * MiB);

	ck_assert_ptr_nonnull(small);
	ck_assert_ptr_nonnull(large);
	errno = 4321;
	jmfree(small, 100);
	jmfree(large, 2 * MiB);
	ck_assert_int_eq(errno, 4321);
}
END_TEST

/* A freed large block is cached and serves the next request of its size
 * (no new mapping); jmalloc_trim() unmaps it. */
START_TEST(test_api_large_block_cached_then_trimmed)
{
	size_t sizes[] = { MiB + 1, 2 * MiB, 5 * MiB + 123 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = jmalloc(sizes[i]);

		ck_assert_ptr_nonnull(p);
		memset(p, 1, sizes[i]);
		ck_assert(mapped(p, sizes[i]));
		jmfree(p, sizes[i]);
		ck_assert_ptr_eq(jmalloc(sizes[i]), p);
		jmfree(p, sizes[i]);
		ck_assert_uint_ge(jmalloc_trim(), jmalloc_good_size(sizes[i]));
		ck_assert_msg(!mapped(p, sizes[i]),
			      "a block of %zu bytes is still mapped after "
			      "jmfree and jmalloc_trim", sizes[i]);
	}
}
END_TEST

/* The tiny library maps each large block on its own and unmaps it when
 * freed. */
START_TEST(test_api_large_block_unmapped_when_freed)
{
	unsigned char *p = jmalloc(2 * MiB);

	ck_assert_ptr_nonnull(p);
	memset(p, 1, 2 * MiB);
	ck_assert(mapped(p, 2 * MiB));
	jmfree(p, 2 * MiB);
	ck_assert(!mapped(p, 2 * MiB));
}
END_TEST

START_TEST(test_api_calloc_zeroes_reused_and_fresh)
{
	unsigned char *p = jmalloc(3000);
	unsigned char *q;
	size_t i;

	ck_assert_ptr_nonnull(p);
	memset(p, 0xff, 3000);
	jmfree(p, 3000);
	q = jmcalloc(10, 300); /* the same class: reuses p */
	ck_assert_ptr_eq(q, p);
	for (i = 0; i < 3000; i++)
		if (q[i] != 0)
			ck_abort_msg("byte %zu of a reused block is not zero", i);
	jmfree(q, 3000);

	q = jmcalloc(3, MiB); /* large: fresh from the system */
	ck_assert_ptr_nonnull(q);
	for (i = 0; i < 3 * MiB; i += 4096)
		if (q[i] != 0)
			ck_abort_msg("byte %zu of a large block is not zero", i);
	jmfree(q, 3 * MiB);

	q = jmcalloc(0, 7);
	ck_assert_ptr_nonnull(q);
	jmfree(q, 0);
	q = jmcalloc(7, 0);
	ck_assert_ptr_nonnull(q);
	jmfree(q, 0);
}
END_TEST

static unsigned char *filled(size_t n, unsigned char seed)
{
	unsigned char *p = jmalloc(n);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i);
	return p;
}

static void check_filled(const unsigned char *p, size_t n, unsigned char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i))
			ck_abort_msg("byte %zu of %zu lost in jmrealloc", i, n);
}

START_TEST(test_api_realloc_same_class_keeps_block)
{
	unsigned char *p = filled(40, 3);
	size_t top = jmalloc_good_size(40);

	ck_assert_ptr_eq(jmrealloc(p, 40, top), p);
	ck_assert_ptr_eq(jmrealloc(p, top, 33), p);
	check_filled(p, 33, 3);
	jmfree(p, 33);
}
END_TEST

START_TEST(test_api_realloc_to_larger_and_smaller_class)
{
	unsigned char *p = filled(100, 5);
	unsigned char *q;

	q = jmrealloc(p, 100, 1000);
	ck_assert_ptr_nonnull(q);
	check_filled(q, 100, 5);
	q[999] = 1;
	p = jmrealloc(q, 1000, 50);
	ck_assert_ptr_nonnull(p);
	check_filled(p, 50, 5);
	jmfree(p, 50);
}
END_TEST

START_TEST(test_api_realloc_small_to_large_and_back)
{
	unsigned char *p = filled(5000, 7);
	unsigned char *q;

	q = jmrealloc(p, 5000, 3 * MiB);
	ck_assert_ptr_nonnull(q);
	check_filled(q, 5000, 7);
	memset(q + 5000, 9, 3 * MiB - 5000);
	p = jmrealloc(q, 3 * MiB, 200);
	ck_assert_ptr_nonnull(p);
	check_filled(p, 200, 7);
	(void)jmalloc_trim();
	ck_assert(!JMALLOC_MMAP || !mapped(q, 3 * MiB));
	jmfree(p, 200);
}
END_TEST

START_TEST(test_api_realloc_large_grow_and_shrink)
{
	size_t page = page_size();
	unsigned char *p = filled(2 * MiB, 11);
	unsigned char *q;

	/* Within the same pages: the same block. */
	ck_assert_ptr_eq(jmrealloc(p, 2 * MiB, 2 * MiB - page + 1), p);
	/* Grow: moved or extended, contents kept. */
	q = jmrealloc(p, 2 * MiB, 8 * MiB);
	ck_assert_ptr_nonnull(q);
	check_filled(q, 2 * MiB, 11);
	memset(q + 2 * MiB, 0x77, 6 * MiB);
	/* Shrink: in place, the tail given back. */
	p = jmrealloc(q, 8 * MiB, 3 * MiB);
	ck_assert_ptr_eq(p, q);
	check_filled(p, 2 * MiB, 11);
	ck_assert(mapped(p, 3 * MiB));
	(void)jmalloc_trim();
	ck_assert(mapped(p, 3 * MiB));
	ck_assert(!JMALLOC_MMAP || !mapped(p + 4 * MiB, 4 * MiB));
	jmfree(p, 3 * MiB);
	(void)jmalloc_trim();
	ck_assert(!JMALLOC_MMAP || !mapped(p, 3 * MiB));
}
END_TEST

START_TEST(test_api_realloc_to_zero_gives_min_block)
{
	unsigned char *p = filled(300, 1);
	unsigned char *q = jmrealloc(p, 300, 0);

	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(jmalloc_good_size(0), 16);
	ck_assert(aligned16(q));
	jmfree(q, 0);
	/* A minimum block stays where it is. */
	p = jmalloc(10);
	ck_assert_ptr_eq(jmrealloc(p, 10, 0), p);
	jmfree(p, 0);
	/* A large one moves to the minimum class and is given back. */
	p = filled(2 * MiB, 2);
	q = jmrealloc(p, 2 * MiB, 0);
	ck_assert_ptr_nonnull(q);
	(void)jmalloc_trim();
	ck_assert(!JMALLOC_MMAP || !mapped(p, 2 * MiB));
	jmfree(q, 0);
}
END_TEST

START_TEST(test_api_realloc_null_is_malloc)
{
	unsigned char *p = jmrealloc(NULL, 0, 500);

	ck_assert_ptr_nonnull(p);
	memset(p, 3, 500);
	jmfree(p, 500);
	p = jmrealloc(NULL, 12345, 20); /* old_size ignored */
	ck_assert_ptr_nonnull(p);
	jmfree(p, 20);
}
END_TEST

START_TEST(test_api_version_macros)
{
	char buf[64];

	/* The header's numbers are the package's version, which configure
	 * has; the string too. */
	snprintf(buf, sizeof(buf), "%d.%d.%d", JMALLOC_VERSION_MAJOR,
		 JMALLOC_VERSION_MINOR, JMALLOC_VERSION_PATCH);
	ck_assert_str_eq(buf, PACKAGE_VERSION);
	ck_assert_str_eq(JMALLOC_VERSION_STRING, PACKAGE_VERSION);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *model_tc = tcase_create("Model");
	TCase *core = tcase_create("Core");
	TCase *realloc_tc = tcase_create("Realloc");

	tcase_set_timeout(model_tc, 300);
	tcase_add_loop_test(model_tc, test_api_random_sequence_matches_model, 0, 4);
	suite_add_tcase(s, model_tc);

	tcase_add_test(core, test_api_malloc_zero_is_unique_min_block);
	tcase_add_test(core, test_api_freed_block_serves_next_request);
	tcase_add_test(core, test_api_good_size_values);
	tcase_add_test(core, test_api_usable_size_is_writable);
	tcase_add_test(core, test_api_free_null_is_noop);
	tcase_add_test(core, test_api_free_keeps_errno);
	if (JMALLOC_MMAP && !JMALLOC_TINY) /* a region keeps its memory */
		tcase_add_test(core, test_api_large_block_cached_then_trimmed);
	if (JMALLOC_MMAP && JMALLOC_TINY)
		tcase_add_test(core, test_api_large_block_unmapped_when_freed);
	tcase_add_test(core, test_api_calloc_zeroes_reused_and_fresh);
	tcase_add_test(core, test_api_version_macros);
	suite_add_tcase(s, core);

	tcase_add_test(realloc_tc, test_api_realloc_same_class_keeps_block);
	tcase_add_test(realloc_tc, test_api_realloc_to_larger_and_smaller_class);
	tcase_add_test(realloc_tc, test_api_realloc_small_to_large_and_back);
	tcase_add_test(realloc_tc, test_api_realloc_large_grow_and_shrink);
	tcase_add_test(realloc_tc, test_api_realloc_to_zero_gives_min_block);
	tcase_add_test(realloc_tc, test_api_realloc_null_is_malloc);
	suite_add_tcase(s, realloc_tc);
	return s;
}

int main(void)
{
	test_global_region((size_t)512 << 20);
	return run_suite(api_suite());
}
