/*
 * embedded.c - what a program on a small system relies on, in one run of
 * one process, without Check, so that it also runs on a microcontroller
 * (built with the region-only library for a Cortex-M and run under an
 * emulator, see .ci/cortexm.sh):
 *
 *   region   the global allocator's region (jmalloc_region): bad input,
 *            allocations that fail before it and serve from it after it,
 *            every class inside it, used up (ENOMEM), served again once
 *            freed (by another class too, but for the tiny library); in
 *            a library with memory mappings, ENOTSUP
 *   heaps    a jmheap on a small static buffer: every class up to 1 KiB,
 *            used up, reused, by another class too, its figures,
 *            calloc's zeros, realloc's contents, bad input
 *
 * The exit status is 0 when every check held; a failed one prints a line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jmalloc.h"

static int failures;

/* A size the compiler must not see as a constant (it warns of it). */
static volatile size_t huge = SIZE_MAX;

#define EXPECT(cond)                                                        \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("embedded: FAIL (embedded.c:%d): %s\n", __LINE__, #cond); \
			failures++;                                         \
		}                                                           \
	} while (0)

static _Alignas(16) unsigned char region[256 * 1024];
static _Alignas(16) unsigned char buffer[64 * 1024];
static void *blocks[256 * 1024 / 16];

static int inside(const void *p, size_t n, const unsigned char *mem, size_t len)
{
	const unsigned char *c = p;

	return c >= mem && c <= mem + len && n <= (size_t)(mem + len - c);
}

/* Allocate `size` until none is left; every block inside [mem, mem+len). */
static size_t use_up(void *(*alloc)(size_t), size_t size,
		     const unsigned char *mem, size_t len)
{
	size_t n = 0;
	void *p;

	while (n < sizeof(blocks) / sizeof(blocks[0]) && (p = alloc(size)) != NULL) {
		EXPECT(inside(p, size, mem, len));
		EXPECT((uintptr_t)p % 16 == 0);
		blocks[n++] = p;
	}
	EXPECT(errno == ENOMEM);
	return n;
}

static void global_region(void)
{
	size_t c, n, m, i;
	void *p;

	if (JMALLOC_MMAP) {
		errno = 0;
		EXPECT(jmalloc_region(region, sizeof(region)) == -1 && errno == ENOTSUP);
		return;
	}
	errno = 0;
	EXPECT(jmalloc(16) == NULL && errno == ENOMEM);
	errno = 0;
	EXPECT(jmalloc_region(NULL, sizeof(region)) == -1 && errno == EINVAL);
	errno = 0;
	EXPECT(jmalloc_region(region, 8) == -1 && errno == ENOMEM);
	EXPECT(jmalloc_region(region, sizeof(region)) == 0);
	errno = 0;
	EXPECT(jmalloc_region(region, sizeof(region)) == -1 && errno == EBUSY);
	for (c = jmalloc_good_size(0); c <= 4096; c = jmalloc_good_size(c + 1)) {
		unsigned char *q = jmalloc(c);

		EXPECT(q != NULL && inside(q, c, region, sizeof(region)));
		if (q != NULL) {
			memset(q, 0x5a, c);
			jmfree(q, c);
		}
	}
	n = use_up(jmalloc, 48, region, sizeof(region));
	EXPECT(n * 48 > sizeof(region) / 2);
	for (i = 0; i < n; i++)
		jmfree(blocks[i], 48);
	for (i = 0; i < n; i++)
		EXPECT((blocks[i] = jmalloc(40)) != NULL);
	for (i = 0; i < n; i++)
		jmfree(blocks[i], 40);
	if (!JMALLOC_TINY) {
		/* The spans of one class, all freed, serve another. */
		m = use_up(jmalloc, 400, region, sizeof(region));
		EXPECT(m * 400 > sizeof(region) / 2);
		for (i = 0; i < m; i++)
			jmfree(blocks[i], 400);
	}
	p = jmcalloc(10, 10);
	EXPECT(p != NULL);
	jmfree(p, 100);
	EXPECT(jmalloc_trim() == 0);
}

static struct jmheap *heap;

static void *heap_alloc(size_t size)
{
	return jmheap_alloc(heap, size);
}

static void heaps(void)
{
	struct jmalloc_stats st;
	unsigned char *p, *q;
	size_t c, n, m, i;

	errno = 0;
	EXPECT(jmheap_create(NULL, 4096) == NULL && errno == EINVAL);
	errno = 0;
	EXPECT(jmheap_create(buffer, 32) == NULL && errno == ENOMEM);
	heap = jmheap_create(buffer, sizeof(buffer));
	EXPECT(heap != NULL);
	if (heap == NULL)
		return;
	/* Every class up to 1 KiB from 64 KiB. */
	for (c = jmalloc_good_size(0); c <= 1024; c = jmalloc_good_size(c + 1))
		EXPECT(jmheap_alloc(heap, c) != NULL);
	heap = jmheap_create(buffer, sizeof(buffer));
	n = use_up(heap_alloc, 32, buffer, sizeof(buffer));
	EXPECT(n > 0);
	for (i = 0; i < n; i++)
		jmheap_free(heap, blocks[i], 32);
	m = use_up(heap_alloc, 20, buffer, sizeof(buffer));
	EXPECT(m == n);
	/* Freed, the spans of that class serve any other. */
	for (i = 0; i < m; i++)
		jmheap_free(heap, blocks[i], 20);
	m = use_up(heap_alloc, 500, buffer, sizeof(buffer));
	EXPECT(m * 500 > sizeof(buffer) / 2);
	for (i = 0; i < m; i++)
		jmheap_free(heap, blocks[i], 500);
	EXPECT(jmheap_stats(heap, &st, sizeof(st)) == 0);
	EXPECT(st.mapped == sizeof(buffer));
	EXPECT(st.mapped - st.listed - st.unused_spans < sizeof(buffer) / 8);
	errno = 0;
	EXPECT(jmheap_stats(NULL, &st, sizeof(st)) == -1 && errno == EINVAL);
	/* Memory that does not read as zero: calloc zeroes. */
	memset(buffer, 0xa5, sizeof(buffer));
	heap = jmheap_create(buffer, sizeof(buffer));
	p = jmheap_calloc(heap, 50, 4);
	EXPECT(p != NULL);
	for (i = 0; p != NULL && i < 200; i++)
		EXPECT(p[i] == 0);
	errno = 0;
	EXPECT(jmheap_calloc(heap, huge / 2, 3) == NULL && errno == ENOMEM);
	for (i = 0; p != NULL && i < 200; i++)
		p[i] = (unsigned char)i;
	q = jmheap_realloc(heap, p, 200, 3000);
	EXPECT(q != NULL);
	for (i = 0; q != NULL && i < 200; i++)
		EXPECT(q[i] == (unsigned char)i);
	jmheap_free(heap, q, 3000);
	errno = EDOM;
	jmheap_free(heap, NULL, 10);
	EXPECT(errno == EDOM);
}

int main(void)
{
	global_region();
	heaps();
	printf("embedded: %s (%s library)\n", failures == 0 ? "ok" : "FAILED",
	       JMALLOC_MMAP ? "mapping" : "region-only");
	return failures == 0 ? 0 : 1;
}
