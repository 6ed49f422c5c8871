/*
 * region.h - heaps on memory the caller owns: the public jmheap_* heaps
 * (jmheap.c) and the global heap of the region-only library
 * (region-only.c).  They never map memory, and no free byte of theirs is
 * bound to a size class for good.
 *
 * The memory is cut into units, a power of two bytes each (about a
 * JM_REGION_SPANS-th of the memory, from JM_REGION_SPAN_MIN to
 * JM_SPAN_SIZE), after the heap's bookkeeping and an entry of 16 bytes
 * for each unit.  Units not in use form runs, kept in address order and
 * described in their own first bytes; freed neighbours merge.
 *
 *  - A size class takes a span of whole units from the first run that
 *    holds it: the fewest units that waste at most an eighth of
 *    themselves.  The entry of its first unit keeps the span's own free
 *    list, the count of its blocks in use and of those not carved yet,
 *    and its place on its class's list; the entries of the others point
 *    back to it.  The span's memory holds only its blocks.  The spans of
 *    a class that have a block to give are on that class's list, and
 *    allocation takes from the first of them.
 *  - When the last block of a span comes back, the span goes back to the
 *    runs at once, where any class or a large block can take it; only the
 *    one span left on its class's list is kept, until a request finds no
 *    run that holds it (jm_region_reclaim()).
 *  - A block of more than JM_SMALL_MAX bytes is a run of its own, its size
 *    rounded up to whole pages as jm_usable_size() says, then to whole
 *    units; freed, it goes back to the runs.
 *
 * So a request fails with ENOMEM only when no run of free units holds it
 * (a span's units, or the large block's) once the empty spans are back.
 *
 * Free-list links and run links are stored mangled with the heap's own
 * key (heap.h, jm_mangle_key()), drawn when the heap is made and kept in
 * its bookkeeping, so that every process sharing the memory reads them.
 *
 * Single-threaded: the caller serialises every call on one region.
 * Complexity: a block of a class is O(1) to allocate and free, except when
 * a span is cut or given back, which is O(free runs) (the runs are looked
 * through in address order) plus the span's units (its map entries); a
 * large block is O(free runs).
 */
#ifndef JM_REGION_H
#define JM_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "heap.h"
#include "sizeclass.h"

/* What the heap knows of a unit (region.c). */
struct jm_runit;
/* A run of free units, described in its first bytes. */
struct jm_run;

struct jm_region {
	char *base;		/* the first unit (16-byte aligned) */
	size_t len;		/* bytes of the units */
	size_t given;		/* bytes of the memory given, from its start */
	struct jm_runit *units;	/* an entry for each unit, before them */
	struct jm_run *runs;	/* free runs, in address order */
	uint32_t avail[JM_NCLASSES]; /* spans with a block to give: the
					first's unit number + 1, or 0 */
	size_t big_live;	/* bytes of large blocks in use */
	uintptr_t key;		/* the links' key (0 without hardening) */
	unsigned shift;		/* log2 of a unit's bytes */
};

/*
 * Make r a region heap over the `len` bytes at `mem` (r may lie outside
 * that memory, or at its start, in which case the memory after it is
 * used).  0, or -1 with errno EINVAL when mem is NULL, ENOMEM when the
 * memory cannot hold the bookkeeping and one unit.
 */
int jm_region_init(struct jm_region *r, void *mem, size_t len) JM_HIDDEN;

/* A block of class k, or NULL with ENOMEM. */
void *jm_region_alloc_class(struct jm_region *r, size_t k) JM_HIDDEN;

/* Give back block p of class k. */
void jm_region_free_class(struct jm_region *r, void *p, size_t k) JM_HIDDEN;

/* A block of `size` bytes (any size; 0 gives the smallest class), the
 * first `size` bytes zeroed when `zero`, or NULL with ENOMEM. */
void *jm_region_alloc(struct jm_region *r, size_t size, int zero) JM_HIDDEN;

/* 1 when [p, p + len) lies in r's units. */
static inline int jm_region_holds(const struct jm_region *r, const void *p, size_t len)
{
	const char *c = p;

	return c >= r->base && c <= r->base + r->len && len <= (size_t)(r->base + r->len - c);
}

/* Give back a block; `size` obeys jmfree()'s rule.  NULL, and a size no
 * block can have, are ignored. */
void jm_region_free(struct jm_region *r, void *p, size_t size) JM_HIDDEN;

/* Resize a block as jmrealloc() does; NULL with ENOMEM leaves it. */
void *jm_region_realloc(struct jm_region *r, void *p, size_t old_size,
			size_t new_size) JM_HIDDEN;

/* Give every empty span back to the runs (those kept as their class's
 * last); returns their bytes.  O(spans with a free block). */
size_t jm_region_reclaim(struct jm_region *r) JM_HIDDEN;

/*
 * What the region holds, in bytes: the memory it was given, its free
 * blocks in spans (free lists and blocks not carved yet), its free runs,
 * and large blocks in use.  O(free runs + spans with a free block).
 */
struct jm_region_stats {
	size_t given, listed, free_runs, big_live;
};
void jm_region_stats(const struct jm_region *r, struct jm_region_stats *st) JM_HIDDEN;

/*
 * Told of each span that goes back to the runs: its first block, the
 * blocks carved from it and their size (the checking mode forgets them,
 * as it does for the span pool, arena.h).  NULL: nobody is told.
 */
typedef void jm_region_hook_fn(void *first, size_t blocks, size_t size);
void jm_region_set_hook(jm_region_hook_fn *fn) JM_HIDDEN;

/*
 * 1 when r's invariants hold: runs in address order, apart, inside the
 * units and whole units; every span on a class's list has a block to
 * give, a count of blocks in use within what it carved, and a free list
 * as long as the rest, of blocks inside it.  For tests and the expensive
 * assertions; O(free runs + free blocks).
 */
int jm_region_check(const struct jm_region *r) JM_HIDDEN;

#endif /* JM_REGION_H */
