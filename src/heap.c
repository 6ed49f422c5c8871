/* heap.c - the heap engine's slow paths: spans, regions, invariants. */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "heap.h"
#include "os.h"

void jm_heap_init(struct jm_heap *h)
{
	memset(h, 0, sizeof(*h));
}

void jm_heap_init_region(struct jm_heap *h, void *base, size_t len,
			 int zeroed)
{
	uintptr_t a = (uintptr_t)base;
	uintptr_t aligned = (a + (JM_MIN_SIZE - 1)) & ~(uintptr_t)(JM_MIN_SIZE - 1);

	jm_heap_init(h);
	h->fixed = 1;
	h->fresh_zero = zeroed != 0;
	if (base == NULL || aligned - a > len)
		return;
	h->region = (char *)aligned;
	h->region_end = h->region + (len - (aligned - a));
}

/*
 * Hand what is left of the region to the free lists, largest blocks
 * first, so that no memory is thrown away when a new region is taken.
 */
static void jm_heap_retire_region(struct jm_heap *h)
{
	unsigned k = JM_NCLASSES;

	while (k-- > 0) {
		size_t sz = jm_class_size(k);

		while ((size_t)(h->region_end - h->region) >= sz) {
			jm_heap_free(h, h->region, k);
			h->region += sz;
		}
	}
	h->region = h->region_end = NULL;
}

/* Give class k a new span; 0 on success, -1 with errno ENOMEM. */
static int jm_heap_new_span(struct jm_heap *h, unsigned k)
{
	size_t sz = jm_class_size(k);
	size_t span = sz > JM_SPAN_SIZE ? sz : JM_SPAN_SIZE;

	if ((size_t)(h->region_end - h->region) < span) {
		char *arena;

		if (h->fixed) {
			/* The caller's region: a smaller span still helps. */
			span = (size_t)(h->region_end - h->region);
			span -= span % sz;
			if (span == 0) {
				errno = ENOMEM;
				return -1;
			}
		} else {
			arena = jm_os_map(JM_ARENA_SIZE);
			if (arena == NULL)
				return -1;
			jm_heap_retire_region(h);
			h->region = arena;
			h->region_end = arena + JM_ARENA_SIZE;
			h->fresh_zero = 1;
		}
	}
	h->bump[k] = h->region;
	h->end[k] = h->region + span;
	h->region += span;
	return 0;
}

void *jm_heap_carve(struct jm_heap *h, unsigned k)
{
	size_t sz = jm_class_size(k);
	char *p;

	if ((size_t)(h->end[k] - h->bump[k]) < sz) {
		if (jm_heap_new_span(h, k) != 0)
			return NULL;
	}
	p = h->bump[k];
	h->bump[k] = p + sz;
	return p;
}

int jm_heap_check(const struct jm_heap *h, size_t limit)
{
	unsigned k;

	if (h->region > h->region_end)
		return 0;
	for (k = 0; k < JM_NCLASSES; k++) {
		size_t sz = jm_class_size(k);
		const struct jm_block *b;
		size_t n = 0;

		if (h->bump[k] > h->end[k])
			return 0;
		if ((size_t)(h->end[k] - h->bump[k]) % sz != 0)
			return 0;
		for (b = h->free[k]; b != NULL; b = b->next) {
			const char *c = (const char *)b;

			if (++n > limit)
				return 0;
			if ((uintptr_t)b % JM_MIN_SIZE != 0)
				return 0;
			/* A free block is never in unused memory. */
			if (c >= h->bump[k] && c < h->end[k])
				return 0;
			if (c >= h->region && c < h->region_end)
				return 0;
		}
	}
	return 1;
}
