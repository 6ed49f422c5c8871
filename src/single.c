/* single.c - the --disable-threads build: one heap, no locks, no TLS.
 * Not thread-safe: the program serialises all calls. */
#include "config.h"

#include "local.h"

#include <errno.h>
#include <stdint.h>

#include "large.h"
#include "lifecycle.h"

struct jm_heap jm_single_heap; /* all zero: takes spans on demand */

static struct jm_life jm_single_life;

/*
 * Blocks of class k freed between two calls of jm_local_overflow(): the
 * heap keeps every free block, but lifts its limit a step at a time, so
 * that the decay (lifecycle.h) learns of frees now and then.
 */
static uint32_t jm_single_step(size_t k)
{
	size_t n = JM_SPAN_SIZE / jm_class_size(k);

	return n == 0 ? 1 : (uint32_t)n;
}

static void jm_single_tick(void)
{
	struct jm_heap *h = &jm_single_heap;
	uint64_t last = jm_single_life.last;
	size_t k;

	(void)jm_life_tick(&jm_single_life, &h, 1);
	if (jm_single_life.last != last) /* a pass shortened the lists */
		for (k = 0; k < JM_NCLASSES; k++)
			h->limit[k] = h->count[k] + jm_single_step(k);
}

void jm_local_tick(void)
{
	jm_single_tick();
}

size_t jm_local_trim(void)
{
	struct jm_heap *h = &jm_single_heap;
	size_t bytes = jm_life_trim(&jm_single_life, &h, 1), k;

	for (k = 0; k < JM_NCLASSES; k++)
		h->limit[k] = h->count[k] + jm_single_step(k);
	return bytes;
}

void jm_local_stats(struct jm_local_stats *st)
{
	st->listed = jm_heap_listed(&jm_single_heap);
	st->returned = jm_single_life.returned;
	jm_arena_stats(&st->arenas);
}

void *jm_local_refill(struct jm_heap *h, size_t k)
{
	void *p = jm_heap_bump(h, k);

	if (p != NULL)
		return p;
	if (jm_life_grow_due(&jm_single_life) && jm_heap_must_map(h, k))
		jm_life_grow(&jm_single_life, &h, 1);
	p = jm_heap_carve(h, k);

	if (p == NULL) {
		/* Out of memory: take back what can be, then try again. */
		(void)jm_large_trim();
		(void)jm_local_trim();
		p = jm_heap_carve(h, k);
	} else if (h->left[k] == 0) {
		jm_single_tick(); /* a span used up: now and then */
	}
	return p;
}

void jm_local_overflow(struct jm_heap *h, void *p, size_t k)
{
	int saved = errno; /* a free leaves errno as it was */
	uint32_t step = jm_single_step(k);

	h->limit[k] = h->count[k] + step;
	jm_life_freed(&jm_single_life, step * jm_class_size(k));
	jm_single_tick(); /* may give memory back: madvise, munmap */
	jm_heap_push(h, p, k);
	errno = saved;
}
