/*
 * check_harden.c - the hardened build (--enable-hardening): a write after
 * free into a free block's link does not steer the allocator, and a block
 * freed twice in a row is caught.  Each case runs in a child.
 *
 * The program frees two 48-byte blocks, then writes a value of its
 * choosing over the first word of the one freed last, where a plain free
 * list keeps its link, and allocates again: without hardening the second
 * allocation would return that value.  Hardened, the value decodes (with
 * the process's secret key) to a misaligned pointer fifteen times in
 * sixteen, and the allocation that reads it stops the program with one
 * line; otherwise it decodes to an address the program did not choose.
 * So each kind of forged value is tried in CHILDREN children: each must
 * be stopped with the message, or go on without handing out the forged
 * address, and at least one must be stopped.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jmalloc.h"
#include "testutil.h"

enum { CHILDREN = 8 };

/* What the child writes over the freed block's link. */
enum forged { TO_TARGET, TO_INSIDE_BLOCK, TO_NULL, TO_MISALIGNED, NFORGED };

static const char *const forged_name[NFORGED] = {
	"an address of the program's", "the middle of another block", "NULL",
	"a misaligned address",
};

static _Alignas(64) unsigned char target[256];
static int kind;

/* Exits 3 when the allocator went on without stopping. */
static void forge_link(char *e, size_t len)
{
	unsigned char *a = jmalloc(48), *b = jmalloc(48), *other = jmalloc(48);
	uintptr_t v;

	if (a == NULL || b == NULL || other == NULL)
		_exit(1);
	jmfree(a, 48);
	jmfree(b, 48);
	switch (kind) {
	case TO_TARGET:
		v = (uintptr_t)target;
		break;
	case TO_INSIDE_BLOCK:
		v = (uintptr_t)other + 16;
		break;
	case TO_NULL:
		v = 0;
		break;
	default:
		v = (uintptr_t)target + 3;
		break;
	}
	say(e, len, "corrupted free list: the free block of %zu bytes at %p links to",
	    jmalloc_good_size(48), (void *)b);
	memcpy(b, &v, sizeof(v)); /* the bug: a write after free */
	if (jmalloc(48) != b) /* b again; reads the forged link */
		_exit(5);
	/* Not stopped: the link decoded to an aligned address the program
	 * did not choose (the next allocation would hand it out; it is not
	 * made here, for that address need not be mapped). */
	_exit(3);
}

START_TEST(test_harden_forged_link_is_caught)
{
	int i, stopped = 0;

	kind = _i;
	for (i = 0; i < CHILDREN; i++) {
		char out[512];
		int status = child_output(forge_link, out, sizeof(out));

		if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
			continue; /* decoded aligned: one time in sixteen */
		check_stopped(forged_name[kind], out, status);
		stopped++;
	}
	ck_assert_msg(stopped > 0, "%s: no child of %d was stopped",
		      forged_name[kind], CHILDREN);
}
END_TEST

static void double_free(char *e, size_t len)
{
	void *p = jmalloc(48);

	jmfree(p, 48);
	say(e, len, "jmfree(%p): double free: the block of %zu bytes is already free",
	    p, jmalloc_good_size(48));
	jmfree(p, 48);
}

START_TEST(test_harden_double_free_is_caught)
{
	expect_abort(double_free, "double free");
}
END_TEST

/* A jmheap's free block forged, then the heap walks its free memory, or
 * pops the block's link. */
static _Alignas(16) unsigned char heap_mem[16 << 20];

static void forge_heap_run(char *e, size_t len)
{
	struct jmheap *h = jmheap_create(heap_mem, sizeof(heap_mem));
	unsigned char *a = jmheap_alloc(h, 2 << 20), *b = jmheap_alloc(h, 2 << 20);
	uintptr_t v = (uintptr_t)a + 24;

	if (a == NULL || b == NULL)
		_exit(1);
	jmheap_free(h, a, 2 << 20);
	say(e, len, "corrupted free memory: the free run at %p of a heap links to", (void *)a);
	memcpy(a, &v, sizeof(v)); /* the bug: a write after free */
	if (jmheap_alloc(h, 3 << 20) == NULL) /* walks the runs */
		_exit(4);
	_exit(3);
}

static void forge_heap_link(char *e, size_t len)
{
	struct jmheap *h = jmheap_create(heap_mem, sizeof(heap_mem));
	unsigned char *a = jmheap_alloc(h, 48), *b = jmheap_alloc(h, 48);
	uintptr_t v = (uintptr_t)target;

	if (a == NULL || b == NULL)
		_exit(1);
	jmheap_free(h, a, 48);
	jmheap_free(h, b, 48);
	say(e, len, "corrupted free list: the free block of %zu bytes at %p links to",
	    jmalloc_good_size(48), (void *)b);
	memcpy(b, &v, sizeof(v));
	if (jmheap_alloc(h, 48) != b) /* b again; reads the forged link */
		_exit(5);
	_exit(3);
}

static void heap_double_free(char *e, size_t len)
{
	struct jmheap *h = jmheap_create(heap_mem, sizeof(heap_mem));
	void *p = jmheap_alloc(h, 48), *q = jmheap_alloc(h, 48);

	if (p == NULL || q == NULL)
		_exit(1);
	jmheap_free(h, p, 48);
	say(e, len, "jmfree(%p): double free: the block of %zu bytes is already free",
	    p, jmalloc_good_size(48));
	jmheap_free(h, p, 48);
	_exit(3);
}

START_TEST(test_harden_heap_forgery_is_caught)
{
	static const struct {
		void (*misuse)(char *, size_t);
		const char *what;
	} cases[] = {
		{ forge_heap_run, "a heap's free run forged" },
		{ forge_heap_link, "a heap's free block forged" },
		{ heap_double_free, "a heap's double free" },
	};

	expect_abort(cases[_i].misuse, cases[_i].what);
}
END_TEST

/* Correct use is undisturbed, and the links of blocks that threads and
 * classes pass around decode. */
START_TEST(test_harden_correct_use_passes)
{
	enum { N = 4096 };
	static void *p[N];
	static size_t size[N];
	uint64_t x = 7;
	int round, i;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < N; i++) {
			size[i] = (size_t)(test_rand(&x) % 5000);
			ck_assert_ptr_nonnull(p[i] = jmalloc(size[i]));
			memset(p[i], i & 0xff, size[i]);
		}
		for (i = 0; i < N; i++)
			jmfree(p[i], size[i]);
	}
	(void)jmalloc_trim();
}
END_TEST

static Suite *harden_suite(void)
{
	Suite *s = suite_create("harden");
	TCase *tc = tcase_create("Hardening");

	tcase_add_test(tc, test_harden_correct_use_passes);
	/* Under a memory checker the write to a freed block is the
	 * checker's to report, and the checking mode reports a double free
	 * itself (tests/check_debug). */
	if (!checker_watching() && getenv("JMALLOC_CHECK") == NULL) {
		tcase_add_loop_test(tc, test_harden_forged_link_is_caught, 0, NFORGED);
		tcase_add_test(tc, test_harden_double_free_is_caught);
		tcase_add_loop_test(tc, test_harden_heap_forgery_is_caught, 0, 3);
	} else {
		fprintf(stderr, "check_harden: the forged-link and double-free cases "
			"run without a memory checker or the checking mode\n");
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	test_global_region((size_t)256 << 20);
	return run_suite(harden_suite());
}
