/*
 * reclaim.c - the engine's side of the span pool (arena.h): which spans a
 * heap would cut from new memory, and the reclaim pass, which finds the
 * spans whose blocks are all free and gives them back to the pool, where
 * any class can take them.  Only in the builds with memory mappings.
 */
#include "config.h"

#include <stdint.h>

#include "arena.h"
#include "heap.h"

int jm_heap_must_map(const struct jm_heap *h, size_t k)
{
	size_t units;

	if (h->fixed || h->spare[k] != NULL)
		return 0;
	(void)jm_heap_span_blocks(k, &units);
	return !jm_arena_has_units(units);
}

/* 1 when every block of the span holding p has been counted free. */
static int jm_span_free(const void *p)
{
	const struct jm_unit *u = jm_arena_head(p);

	return u->nfree == u->blocks;
}

/* Count the free blocks of h in their spans' heads. */
static void jm_heap_count_free(struct jm_heap *h)
{
	size_t k;

	for (k = 0; k < JM_NCLASSES; k++) {
		size_t sz = jm_class_size(k);
		struct jm_block *p;
		struct jm_spare *s;

		for (p = h->free[k]; p != NULL; p = jm_heap_next_open(p, k))
			jm_arena_head(p)->nfree++;
		if (h->bump[k] != NULL)
			jm_arena_head(h->bump[k])->nfree += (uint32_t)(h->left[k] / sz);
		for (s = h->spare[k]; s != NULL; s = s->next)
			jm_arena_head(s)->nfree += (uint32_t)((s->len & ~(size_t)1) / sz);
	}
}

/* Take out of h every block, span and spare of a span counted wholly
 * free, in the classes `want` names. */
static void jm_heap_drop_free(struct jm_heap *h, const unsigned char *want)
{
	size_t k;

	for (k = 0; k < JM_NCLASSES; k++) {
		struct jm_block *prev = NULL, *p, *next;
		struct jm_spare **sl = &h->spare[k], *s;
		uint32_t n = 0;
		int cut = 0; /* blocks were taken out after prev */

		if (!want[k])
			continue;
		for (p = h->free[k]; p != NULL; p = next) {
			next = jm_heap_next_open(p, k);
			if (jm_span_free(p)) {
				cut = 1;
				continue;
			}
			/* Kept: link the kept block before it past the gap. */
			if (cut && prev == NULL)
				h->free[k] = p;
			else if (cut)
				jm_heap_link(prev, p);
			cut = 0;
			prev = p;
			n++;
		}
		if (cut && prev == NULL)
			h->free[k] = NULL;
		else if (cut)
			jm_heap_link(prev, NULL);
		h->count[k] = n;
		if (h->bump[k] != NULL && jm_span_free(h->bump[k])) {
			h->bump[k] = NULL;
			h->left[k] = 0;
		}
		while ((s = *sl) != NULL) {
			if (jm_span_free(s))
				*sl = s->next;
			else
				sl = &s->next;
		}
	}
}

size_t jm_heap_reclaim(struct jm_heap *const *hs, size_t n, uint32_t now,
		       size_t *listed)
{
	unsigned char want[JM_NCLASSES] = { 0 };
	size_t i;

	*listed = 0;
	for (i = 0; i < n; i++)
		if (!hs[i]->own_region)
			jm_heap_count_free(hs[i]);
	/* The second walk only where there is something to take out. */
	if (jm_arena_mark_whole(want) != 0)
		for (i = 0; i < n; i++)
			if (!hs[i]->own_region)
				jm_heap_drop_free(hs[i], want);
	for (i = 0; i < n; i++)
		*listed += jm_heap_listed(hs[i]);
	return jm_arena_collect(now);
}

