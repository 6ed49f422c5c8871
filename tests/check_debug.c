/* check_debug.c - the checking mode (JMALLOC_CHECK=1): each misuse stops
 * the program with one line naming the function, the address, the size
 * given and the size the block has; correct use goes on undisturbed. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmalloc.h"
#include "testutil.h"

static void free_too_small(char *e, size_t len)
{
	void *p = jmalloc(100);

	say(e, len, "jmfree(%p, 50): wrong size: the block has 100 bytes (usable %zu)",
	    p, jmalloc_good_size(100));
	jmfree(p, 50);
}

static void free_too_large(char *e, size_t len)
{
	void *p = jmalloc(100);
	size_t over = jmalloc_good_size(100) + 1;

	say(e, len, "jmfree(%p, %zu): wrong size: the block has 100 bytes (usable %zu)",
	    p, over, over - 1);
	jmfree(p, over);
}

static void free_large_wrong_size(char *e, size_t len)
{
	void *p = jmalloc(3 * MiB);
	size_t page = page_size();

	say(e, len, "jmfree(%p, %zu): wrong size: the block has %zu bytes (usable %zu)",
	    p, 2 * MiB, 3 * MiB, 3 * MiB + (page - (3 * MiB) % page) % page);
	jmfree(p, 2 * MiB);
}

static void free_foreign_pointer(char *e, size_t len)
{
	static char not_ours[64];

	say(e, len, "jmfree(%p, 64): the pointer was not allocated by jmalloc",
	    (void *)not_ours);
	jmfree(not_ours, 64);
}

static void free_interior_pointer(char *e, size_t len)
{
	char *p = jmalloc(256);

	say(e, len, "jmfree(%p, 16): the pointer was not allocated by jmalloc",
	    (void *)(p + 16));
	jmfree(p + 16, 16);
}

static void free_twice(char *e, size_t len)
{
	void *p = jmalloc(40);

	jmfree(p, 40);
	say(e, len, "jmfree(%p, 40): double free: the block of 40 bytes was already freed", p);
	jmfree(p, 40);
}

static void free_large_twice(char *e, size_t len)
{
	void *p = jmalloc(2 * MiB);

	jmfree(p, 2 * MiB);
	say(e, len, "jmfree(%p, %zu): double free: the block of %zu bytes",
	    p, 2 * MiB, 2 * MiB);
	jmfree(p, 2 * MiB);
}

static void realloc_wrong_size(char *e, size_t len)
{
	void *p = jmalloc(100);

	say(e, len, "jmrealloc(%p, 10): wrong size: the block has 100 bytes (usable %zu)",
	    p, jmalloc_good_size(100));
	p = jmrealloc(p, 10, 5000);
}

static void realloc_after_free(char *e, size_t len)
{
	void *p = jmalloc(300);

	jmfree(p, 300);
	say(e, len, "jmrealloc(%p, 300): double free: the block of 300 bytes", p);
	p = jmrealloc(p, 300, 20);
}

/* --- Aligned blocks -------------------------------------------------------- */

static void aligned_free_wrong_alignment(char *e, size_t len)
{
	void *p = jmalloc_aligned(64, 100);

	say(e, len, "jmfree_aligned(%p, 32, 100): wrong alignment: the block of "
	    "100 bytes (usable %zu) was allocated with alignment 64",
	    p, jmalloc_good_size_aligned(64, 100));
	jmfree_aligned(p, 32, 100);
}

static void aligned_free_bad_alignment(char *e, size_t len)
{
	void *p = jmalloc_aligned(256, 1000);

	say(e, len, "jmfree_aligned(%p, 48, 1000): wrong alignment: the block of "
	    "1000 bytes (usable %zu) was allocated with alignment 256",
	    p, jmalloc_good_size_aligned(256, 1000));
	jmfree_aligned(p, 48, 1000);
}

static void aligned_free_zero_alignment(char *e, size_t len)
{
	void *p = jmalloc(100);

	say(e, len, "jmfree_aligned(%p, 0, 100): wrong alignment: the block of "
	    "100 bytes (usable %zu) was allocated with no alignment",
	    p, jmalloc_good_size(100));
	jmfree_aligned(p, 0, 100);
}

static void aligned_free_too_small(char *e, size_t len)
{
	void *p = jmalloc_aligned(128, 300);

	say(e, len, "jmfree_aligned(%p, 128, 200): wrong size: the block has 300 "
	    "bytes with alignment 128 (usable %zu)",
	    p, jmalloc_good_size_aligned(128, 300));
	jmfree_aligned(p, 128, 200);
}

static void aligned_free_too_large(char *e, size_t len)
{
	void *p = jmalloc_aligned(4096, 5000);
	size_t over = jmalloc_good_size_aligned(4096, 5000) + 1;

	say(e, len, "jmfree_aligned(%p, 4096, %zu): wrong size: the block has 5000 "
	    "bytes with alignment 4096 (usable %zu)", p, over, over - 1);
	jmfree_aligned(p, 4096, over);
}

static void aligned_large_wrong_size(char *e, size_t len)
{
	void *p = jmalloc_aligned(MiB, 3 * MiB);

	say(e, len, "jmfree_aligned(%p, %zu, %zu): wrong size: the block has %zu "
	    "bytes with alignment %zu (usable %zu)", p, MiB, 2 * MiB, 3 * MiB,
	    MiB, jmalloc_good_size_aligned(MiB, 3 * MiB));
	jmfree_aligned(p, MiB, 2 * MiB);
}

static void aligned_block_given_to_jmfree(char *e, size_t len)
{
	void *p = jmalloc_aligned(64, 100);

	say(e, len, "jmfree(%p, 100): wrong alignment: the block of 100 bytes "
	    "(usable %zu) was allocated with alignment 64",
	    p, jmalloc_good_size_aligned(64, 100));
	jmfree(p, 100);
}

static void plain_block_given_to_jmfree_aligned(char *e, size_t len)
{
	void *p = jmalloc(100);

	say(e, len, "jmfree_aligned(%p, 64, 100): wrong alignment: the block of "
	    "100 bytes (usable %zu) was allocated with no alignment",
	    p, jmalloc_good_size(100));
	jmfree_aligned(p, 64, 100);
}

static void aligned_realloc_wrong_alignment(char *e, size_t len)
{
	void *p = jmalloc_aligned(64, 100);

	say(e, len, "jmrealloc_aligned(%p, 128, 100): wrong alignment: the block "
	    "of 100 bytes (usable %zu) was allocated with alignment 64",
	    p, jmalloc_good_size_aligned(64, 100));
	p = jmrealloc_aligned(p, 128, 100, 5000);
}

static void aligned_double_free(char *e, size_t len)
{
	void *p = jmalloc_aligned(1024, 10);

	jmfree_aligned(p, 1024, 10);
	say(e, len, "jmfree_aligned(%p, 1024, 10): double free: the block of 10 "
	    "bytes was already freed", p);
	jmfree_aligned(p, 1024, 10);
}

START_TEST(test_debug_aligned_free_wrong_alignment)
{
	expect_abort(aligned_free_wrong_alignment, "jmfree_aligned with another alignment");
}
END_TEST

START_TEST(test_debug_aligned_free_bad_alignment)
{
	expect_abort(aligned_free_bad_alignment, "jmfree_aligned with an alignment not a power of two");
}
END_TEST

START_TEST(test_debug_aligned_free_zero_alignment)
{
	expect_abort(aligned_free_zero_alignment, "jmfree_aligned with alignment 0");
}
END_TEST

START_TEST(test_debug_aligned_free_too_small_size)
{
	expect_abort(aligned_free_too_small, "jmfree_aligned with a size below the request");
}
END_TEST

START_TEST(test_debug_aligned_free_too_large_size)
{
	expect_abort(aligned_free_too_large, "jmfree_aligned with a size above the usable size");
}
END_TEST

START_TEST(test_debug_aligned_large_block_wrong_size)
{
	expect_abort(aligned_large_wrong_size, "jmfree_aligned of a large block, wrong size");
}
END_TEST

START_TEST(test_debug_aligned_block_given_to_jmfree)
{
	expect_abort(aligned_block_given_to_jmfree, "jmfree of an aligned block");
}
END_TEST

START_TEST(test_debug_plain_block_given_to_jmfree_aligned)
{
	expect_abort(plain_block_given_to_jmfree_aligned, "jmfree_aligned of a jmalloc block");
}
END_TEST

START_TEST(test_debug_aligned_realloc_wrong_alignment)
{
	expect_abort(aligned_realloc_wrong_alignment, "jmrealloc_aligned with another alignment");
}
END_TEST

START_TEST(test_debug_aligned_double_free)
{
	expect_abort(aligned_double_free, "double free of an aligned block");
}
END_TEST

/* Correct use of the aligned functions is never stopped: every
 * alignment, every size the contract allows on free, resizes, and the
 * alignments of up to 16 mixed with jmalloc and jmfree. */
START_TEST(test_debug_aligned_correct_use_passes)
{
	uint64_t x = 4242;
	enum { N = 200 };
	unsigned char *p[N] = { 0 };
	size_t size[N], align[N];
	int i, round;

	for (round = 0; round < 40; round++) {
		for (i = 0; i < N; i++) {
			uint64_t r = test_rand(&x);

			if (p[i] == NULL) {
				align[i] = (size_t)1 << (r % 22);
				size[i] = (size_t)(r >> 24) % 9000;
				if (r % 89 == 0)
					size[i] += 2 * MiB;
				p[i] = jmalloc_aligned(align[i], size[i]);
				ck_assert_ptr_nonnull(p[i]);
				ck_assert_uint_eq((uintptr_t)p[i] % align[i], 0);
				memset(p[i], i, size[i]);
			} else if (r % 3 == 0) {
				size_t n = (size_t)(r >> 20) % 7000, keep = n < size[i] ? n : size[i], j;

				p[i] = jmrealloc_aligned(p[i], align[i], size[i], n);
				ck_assert_ptr_nonnull(p[i]);
				ck_assert_uint_eq((uintptr_t)p[i] % align[i], 0);
				for (j = 0; j < keep; j++)
					if (p[i][j] != (unsigned char)i)
						ck_abort_msg("jmrealloc_aligned lost byte %zu", j);
				size[i] = n;
				memset(p[i], i, n);
			} else {
				size_t g = jmalloc_good_size_aligned(align[i], size[i]);
				size_t n = size[i] + (size_t)(r >> 33) % (g - size[i] + 1);

				if (align[i] <= JMALLOC_MIN_ALIGNMENT && (r & 16))
					jmfree(p[i], n);
				else
					jmfree_aligned(p[i], align[i], n);
				p[i] = NULL;
			}
		}
	}
	for (i = 0; i < N; i++)
		jmfree_aligned(p[i], align[i], size[i]);
	jmfree_aligned(NULL, 3, 12345);
}
END_TEST

#if !TEST_ASAN
static void write_after_free(char *e, size_t len)
{
	unsigned char *p = jmalloc(100);

	jmfree(p, 100);
	p[50] = 1; /* the bug */
	say(e, len, "jmalloc(110): write after free: byte 50 of the block at %p "
	    "was changed after that block of 100 bytes was freed", (void *)p);
	p = jmalloc(110); /* the same class: the same block comes back */
}

/* A trim in between: a block whose span still holds a live block keeps
 * its fill and its check. */
static void write_after_free_across_trim(char *e, size_t len)
{
	unsigned char *keep = jmalloc(100), *p = jmalloc(100);

	jmfree(p, 100);
	(void)jmalloc_trim();
	p[60] = 1; /* the bug */
	say(e, len, "jmalloc(100): write after free: byte 60 of the block at %p "
	    "was changed after that block of 100 bytes was freed", (void *)p);
	p = jmalloc(100);
	jmfree(keep, 100);
}
#endif

/* The table outlives a trim that gives the block's span back. */
static void free_twice_across_trim(char *e, size_t len)
{
	void *p = jmalloc(40);
	size_t i;

	jmfree(p, 40);
	(void)jmalloc_trim();
	for (i = 0; i < 1000; i++) /* the span may serve another class */
		jmfree(jmalloc(3000), 3000);
	/* Of whichever block last had that address. */
	say(e, len, "jmfree(%p, 40): double free: the block of", p);
	jmfree(p, 40);
}

static void wrong_size_across_trim(char *e, size_t len)
{
	void *p = jmalloc(100);

	(void)jmalloc_trim();
	say(e, len, "jmfree(%p, 50): wrong size: the block has 100 bytes (usable %zu)",
	    p, jmalloc_good_size(100));
	jmfree(p, 50);
}

START_TEST(test_debug_trim_keeps_double_free_check)
{
	expect_abort(free_twice_across_trim, "double free across jmalloc_trim");
}
END_TEST

START_TEST(test_debug_trim_keeps_size_check)
{
	expect_abort(wrong_size_across_trim, "wrong size across jmalloc_trim");
}
END_TEST

#if !TEST_ASAN
START_TEST(test_debug_trim_keeps_fill_check)
{
	expect_abort(write_after_free_across_trim, "write after free across jmalloc_trim");
}
END_TEST
#endif

/* Blocks of a span given back and taken by another class are handed out
 * without a false report. */
START_TEST(test_debug_trim_then_reuse_passes)
{
	void *p[2000];
	int i, round;

	for (round = 0; round < 3; round++) {
		size_t s = round == 1 ? 700 : 48;

		for (i = 0; i < 2000; i++) {
			p[i] = jmalloc(s);
			ck_assert_ptr_nonnull(p[i]);
			memset(p[i], 0x11, s);
		}
		for (i = 0; i < 2000; i++)
			jmfree(p[i], s);
		ck_assert_uint_gt(jmalloc_trim(), 0);
	}
}
END_TEST

START_TEST(test_debug_free_too_small_size)
{
	expect_abort(free_too_small, "jmfree with a size below the request");
}
END_TEST

START_TEST(test_debug_free_too_large_size)
{
	expect_abort(free_too_large, "jmfree with a size above the usable size");
}
END_TEST

START_TEST(test_debug_free_large_block_wrong_size)
{
	expect_abort(free_large_wrong_size, "jmfree of a large block, wrong size");
}
END_TEST

START_TEST(test_debug_free_foreign_pointer)
{
	expect_abort(free_foreign_pointer, "jmfree of a pointer not from jmalloc");
}
END_TEST

START_TEST(test_debug_free_interior_pointer)
{
	expect_abort(free_interior_pointer, "jmfree of a pointer into a block");
}
END_TEST

START_TEST(test_debug_double_free)
{
	expect_abort(free_twice, "double free");
}
END_TEST

START_TEST(test_debug_double_free_large)
{
	expect_abort(free_large_twice, "double free of a large block");
}
END_TEST

START_TEST(test_debug_realloc_wrong_size)
{
	expect_abort(realloc_wrong_size, "jmrealloc with a wrong old size");
}
END_TEST

START_TEST(test_debug_realloc_after_free)
{
	expect_abort(realloc_after_free, "jmrealloc of a freed block");
}
END_TEST

#if !TEST_ASAN
START_TEST(test_debug_write_after_free)
{
	expect_abort(write_after_free, "write after free");
}
END_TEST
#endif

/* Correct use, with every size the contract allows on free, is never
 * stopped, and contents survive. */
START_TEST(test_debug_correct_use_passes)
{
	uint64_t x = 77;
	enum { N = 200 };
	unsigned char *p[N] = { 0 };
	size_t size[N];
	int i, round;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < N; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (p[i] == NULL) {
				size[i] = (size_t)(x % 5000);
				if (x % 97 == 0)
					size[i] += 2 * MiB;
				p[i] = (x & 1) ? jmalloc(size[i]) : jmcalloc(1, size[i]);
				ck_assert_ptr_nonnull(p[i]);
				memset(p[i], i, size[i]);
			} else if (x % 3 == 0) {
				size_t n = (size_t)(x >> 20) % 3000;
				size_t keep = n < size[i] ? n : size[i];
				size_t j;

				p[i] = jmrealloc(p[i], size[i], n);
				ck_assert_ptr_nonnull(p[i]);
				for (j = 0; j < keep; j++)
					if (p[i][j] != (unsigned char)i)
						ck_abort_msg("jmrealloc lost byte %zu", j);
				size[i] = n;
				memset(p[i], i, n);
			} else {
				/* Any size from the request to the usable size. */
				size_t g = jmalloc_good_size(size[i]);

				jmfree(p[i], size[i] + (size_t)(x >> 33) % (g - size[i] + 1));
				p[i] = NULL;
			}
		}
	}
	for (i = 0; i < N; i++)
		jmfree(p[i], size[i]);
	jmfree(NULL, 12345);
}
END_TEST

/*
 * Out of memory, the checking mode fails as the library does without it:
 * NULL and ENOMEM, never a stop.  16-byte blocks until none is left: the
 * table of blocks (24 bytes an entry, doubling at three quarters full)
 * runs out of room before the blocks do.  Then freed blocks serve again.
 */
static int body_oom_gives_enomem(void)
{
	void *keep[64];
	void **chain;
	size_t n, i;

	for (i = 0; i < 64; i++)
		REQUIRE((keep[i] = jmalloc(16)) != NULL);
	REQUIRE(cap_address_space(192 * MiB) == 0);
	errno = 0;
	chain = fill_memory(16, &n);
	REQUIRE(errno == ENOMEM);
	REQUIRE(n > 100000);
	errno = 0;
	REQUIRE(jmcalloc(1, 16) == NULL && errno == ENOMEM);
	for (i = 0; i < 64; i++)
		jmfree(keep[i], 16);
	for (i = 0; i < 64; i++)
		REQUIRE((keep[i] = jmalloc(16)) != NULL);
	for (i = 0; i < 64; i++)
		jmfree(keep[i], 16);
	free_chain(chain, 16);
	REQUIRE(uncap_address_space() == 0);
	REQUIRE((chain = jmalloc(100)) != NULL);
	jmfree(chain, 100);
	return 0;
}

START_TEST(test_debug_oom_gives_enomem)
{
	in_child(body_oom_gives_enomem);
}
END_TEST

/* --- The checking mode on jmheap heaps ------------------------------------- */

static _Alignas(16) unsigned char heap_mem[2][256 * 1024];

static struct jmheap *new_heap(int i)
{
	struct jmheap *h = jmheap_create(heap_mem[i], sizeof(heap_mem[i]));

	if (h == NULL)
		_exit(2);
	return h;
}

static void heap_wrong_size(char *e, size_t len)
{
	struct jmheap *h = new_heap(0);
	void *p = jmheap_alloc(h, 100);

	say(e, len, "jmheap_free(%p, 50): wrong size: the block has 100 bytes (usable %zu)",
	    p, jmalloc_good_size(100));
	jmheap_free(h, p, 50);
}

static void heap_double_free(char *e, size_t len)
{
	struct jmheap *h = new_heap(0);
	void *p = jmheap_alloc(h, 100);

	jmheap_free(h, p, 100);
	say(e, len, "jmheap_free(%p, 100): double free: the block of 100 bytes", p);
	jmheap_free(h, p, 100);
}

static void heap_block_to_jmfree(char *e, size_t len)
{
	struct jmheap *h = new_heap(0);
	void *p = jmheap_alloc(h, 100);

	say(e, len, "jmfree(%p, 100): the block is of a jmheap: give it back with jmheap_free", p);
	jmfree(p, 100);
}

static void jmalloc_block_to_heap(char *e, size_t len)
{
	struct jmheap *h = new_heap(0);
	void *p = jmalloc(100);

	say(e, len, "jmheap_free(%p, 100): the block is not of a jmheap: it came from jmalloc", p);
	jmheap_free(h, p, 100);
}

static void block_of_other_heap(char *e, size_t len)
{
	struct jmheap *a = new_heap(0), *b = new_heap(1);
	void *p = jmheap_alloc(a, 100);

	say(e, len, "jmheap_free(%p, 100): the block is of another jmheap than %p",
	    p, (void *)b);
	jmheap_free(b, p, 100);
}

static void heap_write_after_free(char *e, size_t len)
{
	struct jmheap *h = new_heap(0);
	unsigned char *p = jmheap_alloc(h, 100);

	jmheap_free(h, p, 100);
	p[50] = 1; /* the bug */
	say(e, len, "jmheap_alloc(110): write after free: byte 50 of the block at %p "
	    "was changed after that block of 100 bytes was freed", (void *)p);
	p = jmheap_alloc(h, 110); /* the same class: the same block */
}

START_TEST(test_debug_heap_misuse_is_caught)
{
	static const struct {
		void (*misuse)(char *, size_t);
		const char *what;
	} cases[] = {
		{ heap_wrong_size, "jmheap wrong size" },
		{ heap_double_free, "jmheap double free" },
		{ heap_block_to_jmfree, "jmheap block to jmfree" },
		{ jmalloc_block_to_heap, "jmalloc block to jmheap_free" },
		{ block_of_other_heap, "block of another heap" },
		{ heap_write_after_free, "jmheap write after free" },
	};

	expect_abort(cases[_i].misuse, cases[_i].what);
}
END_TEST

/* Correct use of heaps passes, and memory used before for a heap (whose
 * blocks were freed, then written over) serves a new heap without a false
 * report. */
START_TEST(test_debug_heap_correct_use_passes)
{
	struct jmheap *h = new_heap(0);
	unsigned char *p[64];
	int round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 64; i++) {
			p[i] = jmheap_alloc(h, (size_t)(16 + 40 * i));
			ck_assert_ptr_nonnull(p[i]);
			memset(p[i], i, (size_t)(16 + 40 * i));
		}
		p[0] = jmheap_realloc(h, p[0], 16, 5000);
		ck_assert_ptr_nonnull(p[0]);
		p[0] = jmheap_realloc(h, p[0], 5000, 16);
		ck_assert_ptr_nonnull(p[0]);
		for (i = 0; i < 64; i++)
			jmheap_free(h, p[i], (size_t)(16 + 40 * i));
		memset(heap_mem[0], 0x77, sizeof(heap_mem[0])); /* reused whole */
		h = new_heap(0);
	}
}
END_TEST

/* A freed block of a heap handed out again by jmheap_calloc: zeroed after
 * its fill was checked, not before (which read as a write after free). */
START_TEST(test_debug_heap_calloc_reuses_freed_block)
{
	struct jmheap *h = new_heap(0);
	unsigned char *p = jmheap_alloc(h, 100), *q;
	size_t i;

	ck_assert_ptr_nonnull(p);
	memset(p, 0x33, 100);
	jmheap_free(h, p, 100);
	q = jmheap_calloc(h, 1, 100);
	ck_assert_ptr_eq(q, p); /* the same block, from its span's free list */
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(q[i], 0);
	jmheap_free(h, q, 100);
}
END_TEST

/* A heap made in a block of jmalloc's, or of another heap: the block
 * stays live, and is freed when the heap is done with. */
START_TEST(test_debug_heap_in_a_block_then_block_freed)
{
	unsigned char *mem = jmalloc(65536), *m2;
	struct jmheap *h, *outer, *inner;
	void *a, *b;

	ck_assert_ptr_nonnull(mem);
	h = jmheap_create(mem, 65536);
	ck_assert_ptr_nonnull(h);
	a = jmheap_alloc(h, 100);
	b = jmheap_alloc(h, 200);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	jmheap_free(h, a, 100); /* b is left: the heap is dropped whole */
	jmfree(mem, 65536);
	outer = new_heap(1);
	m2 = jmheap_alloc(outer, 32768);
	ck_assert_ptr_nonnull(m2);
	inner = jmheap_create(m2, 32768);
	ck_assert_ptr_nonnull(inner);
	a = jmheap_alloc(inner, 48);
	ck_assert_ptr_nonnull(a);
	jmheap_free(inner, a, 48);
	jmheap_free(outer, m2, 32768);
	/* The memory serves again, a new heap in it too. */
	mem = jmalloc(65536);
	ck_assert_ptr_nonnull(mem);
	h = jmheap_create(mem, 65536);
	ck_assert_ptr_nonnull(h);
	a = jmheap_alloc(h, 300);
	ck_assert_ptr_nonnull(a);
	jmheap_free(h, a, 300);
	jmfree(mem, 65536);
}
END_TEST

/* A heap's memory given back (to jmfree, then the system by
 * jmalloc_trim; or unmapped by the program) and used again by the
 * allocator: its blocks' old records tell nothing of the new ones. */
START_TEST(test_debug_heap_memory_reused_by_the_allocator)
{
	enum { N = 2000, ROUNDS = 3 };
	static void *p[N * 8];
	unsigned char *mem;
	struct jmheap *h;
	int round, i;

	for (round = 0; round < ROUNDS; round++) {
		mem = jmalloc(MiB);
		ck_assert_ptr_nonnull(mem);
		h = jmheap_create(mem, MiB);
		ck_assert_ptr_nonnull(h);
		for (i = 0; i < N; i++) {
			p[i] = jmheap_alloc(h, 128);
			ck_assert_ptr_nonnull(p[i]);
			memset(p[i], 0x44, 128);
		}
		for (i = 0; i < N; i++)
			jmheap_free(h, p[i], 128);
		jmfree(mem, MiB);
		(void)jmalloc_trim();
		for (i = 0; i < N * 8; i++) {
			p[i] = jmalloc(128);
			ck_assert_ptr_nonnull(p[i]);
			memset(p[i], 0x55, 128);
		}
		for (i = 0; i < N * 8; i++)
			jmfree(p[i], 128);
	}
	/* On memory the program maps, unmaps, and the allocator maps next. */
	for (round = 0; round < ROUNDS; round++) {
		mem = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert(mem != MAP_FAILED);
		h = jmheap_create(mem, 4 * MiB);
		ck_assert_ptr_nonnull(h);
		for (i = 0; i < N; i++) {
			p[i] = jmheap_alloc(h, 64 + (size_t)(i % 7) * 16);
			ck_assert_ptr_nonnull(p[i]);
		}
		for (i = 0; i < N; i++)
			jmheap_free(h, p[i], 64 + (size_t)(i % 7) * 16);
		ck_assert_int_eq(munmap(mem, 4 * MiB), 0);
		p[0] = jmalloc(3 * MiB);
		ck_assert_ptr_nonnull(p[0]);
		memset(p[0], 0x66, 3 * MiB);
		jmfree(p[0], 3 * MiB);
		(void)jmalloc_trim();
		for (i = 0; i < N * 8; i++) {
			p[i] = jmalloc(64 + (size_t)(i % 7) * 16);
			ck_assert_ptr_nonnull(p[i]);
		}
		for (i = 0; i < N * 8; i++)
			jmfree(p[i], 64 + (size_t)(i % 7) * 16);
	}
}
END_TEST

/*
 * Under memory pressure (no mapping can grow the table of blocks), a
 * jmheap_realloc that moves a large block either succeeds and the block
 * is known at its new place, or fails with ENOMEM and the old block is
 * as it was: the frees that follow are never taken for misuse.
 */
static int body_heap_realloc_under_pressure(void)
{
	enum { N = 300, HEAP = 1 << 30 };
	static unsigned char *b[N];
	static size_t size[N];
	unsigned char *mem = mmap(NULL, HEAP, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct jmheap *h;
	void **chain, *keep;
	size_t n;
	int i, moved = 0, refused = 0;

	REQUIRE(mem != MAP_FAILED);
	REQUIRE((h = jmheap_create(mem, HEAP)) != NULL);
	for (i = 0; i < N; i++) {
		size[i] = MiB + 1;
		REQUIRE((b[i] = jmheap_alloc(h, size[i])) != NULL);
		b[i][0] = b[i][size[i] - 1] = (unsigned char)i;
	}
	/* An arena for 16-byte blocks, then no more mappings: the blocks
	 * fill the table of blocks up to where it refuses one. */
	REQUIRE((keep = jmalloc(16)) != NULL);
	REQUIRE(cap_address_space(0) == 0);
	errno = 0;
	chain = fill_memory(16, &n);
	REQUIRE(errno == ENOMEM && n > N);
	for (i = 0; i < N; i++) {
		unsigned char *q;

		errno = 0;
		q = jmheap_realloc(h, b[i], size[i], 2 * MiB);
		if (q == NULL) {
			REQUIRE(errno == ENOMEM);
			refused++;
		} else {
			b[i] = q;
			size[i] = 2 * MiB;
			moved++;
		}
		REQUIRE(b[i][0] == (unsigned char)i);
	}
	for (i = 0; i < N; i++)
		jmheap_free(h, b[i], size[i]);
	free_chain(chain, 16);
	jmfree(keep, 16);
	REQUIRE(uncap_address_space() == 0);
	REQUIRE(moved + refused == N && refused > 0);
	return munmap(mem, HEAP) == 0 ? 0 : 1;
}

START_TEST(test_debug_heap_realloc_under_pressure)
{
	in_child(body_heap_realloc_under_pressure);
}
END_TEST

static Suite *debug_suite(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("Checking");

	tcase_add_test(tc, test_debug_free_too_small_size);
	tcase_add_test(tc, test_debug_free_too_large_size);
	tcase_add_test(tc, test_debug_free_large_block_wrong_size);
	tcase_add_test(tc, test_debug_free_foreign_pointer);
	tcase_add_test(tc, test_debug_free_interior_pointer);
	tcase_add_test(tc, test_debug_double_free);
	tcase_add_test(tc, test_debug_double_free_large);
	tcase_add_test(tc, test_debug_realloc_wrong_size);
	tcase_add_test(tc, test_debug_realloc_after_free);
#if !TEST_ASAN
	/* Built with AddressSanitizer, the write itself is reported first
	 * (see tests/checkers.sh). */
	tcase_add_test(tc, test_debug_write_after_free);
	tcase_add_test(tc, test_debug_trim_keeps_fill_check);
#endif
	tcase_add_test(tc, test_debug_correct_use_passes);
	tcase_add_test(tc, test_debug_aligned_free_wrong_alignment);
	tcase_add_test(tc, test_debug_aligned_free_bad_alignment);
	tcase_add_test(tc, test_debug_aligned_free_zero_alignment);
	tcase_add_test(tc, test_debug_aligned_free_too_small_size);
	tcase_add_test(tc, test_debug_aligned_free_too_large_size);
	tcase_add_test(tc, test_debug_aligned_large_block_wrong_size);
	tcase_add_test(tc, test_debug_aligned_block_given_to_jmfree);
	tcase_add_test(tc, test_debug_plain_block_given_to_jmfree_aligned);
	tcase_add_test(tc, test_debug_aligned_realloc_wrong_alignment);
	tcase_add_test(tc, test_debug_aligned_double_free);
	tcase_add_test(tc, test_debug_aligned_correct_use_passes);
	tcase_add_test(tc, test_debug_trim_keeps_double_free_check);
	tcase_add_test(tc, test_debug_trim_keeps_size_check);
	tcase_add_test(tc, test_debug_trim_then_reuse_passes);
	tcase_add_loop_test(tc, test_debug_heap_misuse_is_caught, 0, 6);
	tcase_add_test(tc, test_debug_heap_correct_use_passes);
	tcase_add_test(tc, test_debug_heap_calloc_reuses_freed_block);
	tcase_add_test(tc, test_debug_heap_in_a_block_then_block_freed);
	tcase_add_test(tc, test_debug_heap_memory_reused_by_the_allocator);
	/* Under Valgrind the cap on the address space also holds the tool's
	 * own memory, which runs out first. */
	if (!under_valgrind()) {
		tcase_add_test(tc, test_debug_oom_gives_enomem);
		tcase_add_test(tc, test_debug_heap_realloc_under_pressure);
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* Before the first call: the library reads it once. */
	setenv("JMALLOC_CHECK", "1", 1);
	return run_suite(debug_suite());
}
