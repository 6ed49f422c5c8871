/*
 * heap.h - the heap engine: one LIFO free list per size class, and for each
 * class a span of memory of its own that new blocks are carved from by
 * bumping a pointer.  Spans are cut from a region: arenas mapped through
 * the OS layer, or one region the caller owns.  Keeping each class in its
 * own spans keeps the blocks of a class close together, so the free list's
 * next block is usually a neighbour in the cache.
 *
 * Single-threaded: no locks, no thread-local storage.  The caller decides
 * which heap a call uses.
 */
#ifndef JM_HEAP_H
#define JM_HEAP_H

#include <stddef.h>
#include <string.h>

#include "common.h"
#include "sizeclass.h"

/* Bytes of a span: the unit that a class takes from the region. */
#define JM_SPAN_SIZE ((size_t)64 << 10)
/* Bytes of an arena mapped when the region runs out. */
#define JM_ARENA_SIZE ((size_t)32 << 20)

JM_STATIC_ASSERT(JM_SPAN_SIZE % JM_MIN_SIZE == 0, "spans hold whole blocks");
JM_STATIC_ASSERT(JM_ARENA_SIZE % JM_SMALL_MAX == 0, "arenas hold whole spans");

struct jm_block {
	struct jm_block *next;
};

struct jm_heap {
	struct jm_block *free[JM_NCLASSES]; /* free lists, LIFO */
	char *bump[JM_NCLASSES];	    /* next unused byte of each span */
	char *end[JM_NCLASSES];		    /* end of each class's span */
	char *region;			    /* unused part of the region */
	char *region_end;
	int fixed;			    /* 1: caller's region, never map */
	int fresh_zero;			    /* 1: unused region reads as zero */
};

/* An empty heap that maps arenas as it needs them (all fields zero also
 * make one, so a static heap needs no call). */
void jm_heap_init(struct jm_heap *h) JM_HIDDEN;

/*
 * An empty heap that carves only from the caller's `len` bytes at `base`
 * and never maps memory.  `zeroed` says whether the region reads as zero,
 * so that jm_heap_calloc() need not clear fresh blocks.
 */
void jm_heap_init_region(struct jm_heap *h, void *base, size_t len,
			 int zeroed) JM_HIDDEN;

/* Carve a new block of class k: NULL with errno ENOMEM on failure. */
void *jm_heap_carve(struct jm_heap *h, unsigned k) JM_HIDDEN;

/*
 * 1 when the heap's invariants hold: free blocks aligned and inside no
 * unused span, lists acyclic within `limit` nodes, bump <= end, spans
 * holding whole blocks.  For tests and debugging; O(free blocks).
 */
int jm_heap_check(const struct jm_heap *h, size_t limit) JM_HIDDEN;

/* A block of class k, or NULL with errno ENOMEM. */
static inline void *jm_heap_alloc(struct jm_heap *h, unsigned k)
{
	struct jm_block *b = h->free[k];

	if (JM_LIKELY(b != NULL)) {
		h->free[k] = b->next;
		return b;
	}
	return jm_heap_carve(h, k);
}

/* A block of class k whose first `n` bytes are zero. */
static inline void *jm_heap_calloc(struct jm_heap *h, unsigned k, size_t n)
{
	struct jm_block *b = h->free[k];

	if (b != NULL) {
		h->free[k] = b->next;
		return memset(b, 0, n);
	}
	b = jm_heap_carve(h, k);
	if (b != NULL && !h->fresh_zero)
		memset(b, 0, n);
	return b;
}

/* Give back a block of class k. */
static inline void jm_heap_free(struct jm_heap *h, void *p, unsigned k)
{
	struct jm_block *b = p;

	b->next = h->free[k];
	h->free[k] = b;
}

#endif /* JM_HEAP_H */
