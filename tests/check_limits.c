/* check_limits.c - bad input and exhausted memory: every case ends in a
 * defined result, never a crash, an abort or a wrapped size. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmalloc.h"
#include "testutil.h"

/* Sizes the compiler must not see as constants (it warns of them). */
static volatile size_t huge = SIZE_MAX;

static void assert_enomem(void *p, const char *what, size_t size)
{
	/* Plain tests: this runs for thousands of sizes. */
	if (p != NULL)
		ck_abort_msg("%s(%zu) returned %p, want NULL", what, size, p);
	if (errno != ENOMEM)
		ck_abort_msg("%s(%zu): errno %d, want ENOMEM", what, size, errno);
}

/* Every size from SIZE_MAX down through two pages: rounding up to pages
 * would wrap for all of them. */
START_TEST(test_limits_sizes_near_size_max)
{
	size_t span = 2 * page_size() + 64;
	size_t s;

	for (s = SIZE_MAX; s > SIZE_MAX - span; s--) {
		errno = 0;
		assert_enomem(jmalloc(s), "jmalloc", s);
		errno = 0;
		assert_enomem(jmcalloc(1, s), "jmcalloc", s);
		errno = 0;
		assert_enomem(jmrealloc(NULL, 0, s), "jmrealloc", s);
		if (jmalloc_good_size(s) != 0)
			ck_abort_msg("jmalloc_good_size(%zu) is not 0", s);
	}
}
END_TEST

/*
 * Around PTRDIFF_MAX, the largest size any block may have: a size that
 * rounds up to whole pages past it gets ENOMEM and a good size of 0; one
 * that does not gets its good size, and ENOMEM or, where the address space
 * can hold half of what pointers reach (32-bit), a block.
 */
START_TEST(test_limits_sizes_near_ptrdiff_max)
{
	size_t page = large_step();
	size_t top = (size_t)PTRDIFF_MAX;
	size_t largest = top / page * page;
	size_t s;

	for (s = top - 2 * page; s != top + 2 * page; s++) {
		size_t good = jmalloc_good_size(s);
		unsigned char *p;

		errno = 0;
		p = jmalloc(s);
		if (s > largest) {
			assert_enomem(p, "jmalloc", s);
			if (good != 0)
				ck_abort_msg("jmalloc_good_size(%zu) is %zu, want 0",
					     s, good);
			continue;
		}
		if (good < s || good % page != 0)
			ck_abort_msg("jmalloc_good_size(%zu) is %zu", s, good);
		if (p == NULL) {
			assert_enomem(p, "jmalloc", s);
			continue;
		}
		if (sizeof(void *) >= 8)
			ck_abort_msg("jmalloc(%zu) returned %p: no 64-bit "
				     "system maps that much", s, (void *)p);
		p[0] = 1;
		p[s - 1] = 1;
		jmfree(p, s);
	}
}
END_TEST

START_TEST(test_limits_calloc_overflow)
{
	static const size_t pairs[][2] = {
		{ SIZE_MAX, 2 },
		{ 2, SIZE_MAX },
		{ SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX / 2 + 1, 2 },
		{ (SIZE_MAX >> (sizeof(size_t) * 4)) + 1, (SIZE_MAX >> (sizeof(size_t) * 4)) + 1 },
		{ SIZE_MAX / 3 + 1, 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		errno = 0;
		ck_assert_ptr_null(jmcalloc(pairs[i][0], pairs[i][1]));
		ck_assert_int_eq(errno, ENOMEM);
	}
}
END_TEST

START_TEST(test_limits_realloc_too_large_keeps_block)
{
	size_t sizes[] = { 100, 5000, 3 * MiB };
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = jmalloc(sizes[i]);

		ck_assert_ptr_nonnull(p);
		memset(p, 0x3c, sizes[i]);
		errno = 0;
		ck_assert_ptr_null(jmrealloc(p, sizes[i], huge));
		ck_assert_int_eq(errno, ENOMEM);
		errno = 0;
		ck_assert_ptr_null(jmrealloc(p, sizes[i], (size_t)PTRDIFF_MAX));
		ck_assert_int_eq(errno, ENOMEM);
		for (j = 0; j < sizes[i]; j++)
			if (p[j] != 0x3c)
				ck_abort_msg("byte %zu of %zu changed", j, sizes[i]);
		jmfree(p, sizes[i]);
	}
}
END_TEST

/* No block can have SIZE_MAX bytes: jmfree ignores such a size, and the
 * checking mode stops the program. */
static int body_free_impossible_size(void)
{
	unsigned char *p = jmalloc(100);

	REQUIRE(p != NULL);
	jmfree(p, SIZE_MAX);
	jmfree(p, (size_t)PTRDIFF_MAX + 1);
	p[99] = 1; /* still ours */
	jmfree(p, 100);
	return 0;
}

START_TEST(test_limits_free_impossible_size_is_ignored)
{
	int status = child_status(body_free_impossible_size);

	if (checking_mode())
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	else
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* No arena yet: the first small request and a large one fail, then work
 * once the limit is lifted. */
static int body_first_arena_fails(void)
{
	void *p;

	REQUIRE(address_space_in_use() > 0);
	REQUIRE(cap_address_space(JMALLOC_ARENA_SIZE / 4) == 0);
	errno = 0;
	REQUIRE(jmalloc(16) == NULL && errno == ENOMEM);
	errno = 0;
	REQUIRE(jmalloc(0) == NULL && errno == ENOMEM);
	errno = 0;
	REQUIRE(jmalloc(64 * MiB) == NULL && errno == ENOMEM);
	errno = 0;
	REQUIRE(jmcalloc(4, 100) == NULL && errno == ENOMEM);
	errno = 0;
	REQUIRE(jmrealloc(NULL, 0, 100) == NULL && errno == ENOMEM);
	REQUIRE(uncap_address_space() == 0);
	p = jmalloc(16);
	REQUIRE(p != NULL);
	jmfree(p, 16);
	p = jmalloc(64 * MiB);
	REQUIRE(p != NULL);
	memset(p, 1, 64 * MiB);
	jmfree(p, 64 * MiB);
	return 0;
}

/* An arena in use runs out: the next class that needs a new arena fails,
 * a freed block is served again, a large realloc fails and keeps its
 * block. */
static int body_arena_exhausted(void)
{
	void *blocks[64];
	unsigned char *big;
	int n = 0, i;

	big = jmalloc(2 * MiB);
	REQUIRE(big != NULL);
	memset(big, 0x42, 2 * MiB);
	REQUIRE(jmalloc(16) != NULL); /* maps the first arena */
	REQUIRE(cap_address_space(JMALLOC_ARENA_SIZE / 8) == 0);
	for (;;) {
		void *p = jmalloc(MiB);

		if (p == NULL)
			break;
		REQUIRE(n < 64);
		blocks[n++] = p;
	}
	REQUIRE(errno == ENOMEM);
	REQUIRE((size_t)n >= JMALLOC_ARENA_SIZE / MiB / 2); /* most of the arena */
	errno = 0;
	REQUIRE(jmrealloc(big, 2 * MiB, 64 * MiB) == NULL && errno == ENOMEM);
	for (i = 0; i < (int)(2 * MiB); i += 4096)
		REQUIRE(big[i] == 0x42);
	jmfree(blocks[3], MiB);
	REQUIRE(jmalloc(MiB) == blocks[3]);
	REQUIRE(uncap_address_space() == 0);
	REQUIRE(jmalloc(MiB) != NULL);
	jmfree(big, 2 * MiB);
	return 0;
}

START_TEST(test_limits_mmap_failure_first_arena)
{
	in_child(body_first_arena_fails);
}
END_TEST

START_TEST(test_limits_mmap_failure_later_arena)
{
	in_child(body_arena_exhausted);
}
END_TEST

static Suite *limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("Limits");
	TCase *oom = tcase_create("OutOfMemory");

	tcase_add_test(tc, test_limits_sizes_near_size_max);
	tcase_add_test(tc, test_limits_sizes_near_ptrdiff_max);
	tcase_add_test(tc, test_limits_calloc_overflow);
	tcase_add_test(tc, test_limits_realloc_too_large_keeps_block);
	tcase_add_test(tc, test_limits_free_impossible_size_is_ignored);
	suite_add_tcase(s, tc);
	/* Without mmap, memory runs out when the region does (check_region). */
	if (JMALLOC_MMAP) {
		tcase_add_test(oom, test_limits_mmap_failure_first_arena);
		tcase_add_test(oom, test_limits_mmap_failure_later_arena);
	}
	suite_add_tcase(s, oom);
	return s;
}

int main(void)
{
	test_global_region((size_t)512 << 20);
	return run_suite(limits_suite());
}
