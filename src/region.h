/*
 * region.h - heaps on memory the caller owns.  A region heap carves the
 * spans of its size classes from the caller's memory (heap.h,
 * jm_heap_init_region) and never maps any; a block of more than
 * JM_SMALL_MAX bytes is carved from what is left of the memory, rounded
 * up as jm_usable_size() rounds it, and when freed is kept on a list of
 * its own, which later large requests take from first (the front of the
 * first that is large enough), or given back to what is left when it
 * ends there.  The public jmheap_* heaps and the global heap of the
 * build without mmap are region heaps.
 *
 * Single-threaded: the caller serialises every call on one region.
 * O(1) for blocks of the classes; a large request looks through the
 * freed large blocks.
 */
#ifndef JM_REGION_H
#define JM_REGION_H

#include <stddef.h>

#include "common.h"
#include "heap.h"

/* A freed large block of a region, described in its first bytes. */
struct jm_big;

struct jm_region {
	struct jm_heap heap; /* first: the classes; its region is the memory */
	struct jm_big *big;  /* freed large blocks, most recent first */
	char *base;	     /* the memory's start (16-byte aligned) */
	size_t len;	     /* bytes of the memory */
	size_t big_live;     /* bytes of large blocks in use */
};

JM_STATIC_ASSERT(offsetof(struct jm_region, heap) == 0,
		 "a region is reached as its heap (local.h)");

/*
 * Make r a region heap over the `len` bytes at `mem` (r may lie outside
 * that memory, or at its start, in which case the memory after it is
 * used).  0, or -1 with errno EINVAL when mem is NULL, ENOMEM when the
 * memory cannot hold one block of the smallest class.
 */
int jm_region_init(struct jm_region *r, void *mem, size_t len) JM_HIDDEN;

/* A block of `size` bytes (any size; 0 gives the smallest class), the
 * first `size` bytes zeroed when `zero`, or NULL with ENOMEM. */
void *jm_region_alloc(struct jm_region *r, size_t size, int zero) JM_HIDDEN;

/* 1 when [p, p + len) lies in r's memory. */
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

/* What the region holds: its memory, the part not yet carved, and large
 * blocks in use and freed. */
struct jm_region_stats {
	size_t len, left, big_live, big_free;
};
void jm_region_stats(const struct jm_region *r, struct jm_region_stats *st) JM_HIDDEN;

#endif /* JM_REGION_H */
