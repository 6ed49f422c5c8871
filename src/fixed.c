/*
 * fixed.c - the one heap of the build without memory mappings
 * (--without-mmap): a region heap (region.h) over the memory that the
 * program hands over with jmalloc_region().  No span pool, no return to
 * a system, no threads: the program serialises all calls.  Large blocks
 * (large.h) are the region's large blocks.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "large.h"
#include "local.h"
#include "region.h"

/* All zero: no region yet, so every allocation fails with ENOMEM. */
struct jm_region jm_fixed;

int jm_local_region(void *mem, size_t len)
{
	size_t k;

	if (jm_fixed.heap.fixed) {
		errno = EBUSY;
		return -1;
	}
	if (jm_region_init(&jm_fixed, mem, len) != 0)
		return -1;
	/* The heap keeps every free block: no limit sends a free elsewhere. */
	for (k = 0; k < JM_NCLASSES; k++)
		jm_fixed.heap.limit[k] = UINT32_MAX;
	return 0;
}

void *jm_local_refill(struct jm_heap *h, size_t k)
{
	return jm_heap_carve(h, k);
}

void jm_local_overflow(struct jm_heap *h, void *p, size_t k)
{
	jm_heap_push(h, p, k); /* before jmalloc_region(): no block is ours */
}

size_t jm_local_trim(void)
{
	return 0; /* there is no system to give memory back to */
}

void jm_local_tick(void)
{
}

void jm_local_stats(struct jm_local_stats *st)
{
	struct jm_region_stats rs;

	jm_region_stats(&jm_fixed, &rs);
	st->listed = jm_heap_listed(&jm_fixed.heap);
	st->returned = 0;
	st->arenas.mapped = rs.len - rs.big_live - rs.big_free;
	st->arenas.unused = rs.left;
	st->arenas.dirty = 0;
}

/* --- Large blocks: the region's ----------------------------------------- */

void *jm_large_alloc(size_t size, int zero)
{
	return jm_region_alloc(&jm_fixed, size, zero);
}

void jm_large_free(void *ptr, size_t size)
{
	jm_region_free(&jm_fixed, ptr, size);
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size)
{
	return jm_region_realloc(&jm_fixed, ptr, old_size, new_size);
}

size_t jm_large_trim(void)
{
	return 0;
}

void jm_large_stats(struct jm_large_stats *st)
{
	struct jm_region_stats rs;

	jm_region_stats(&jm_fixed, &rs);
	st->live = rs.big_live;
	st->cached = rs.big_free;
	st->returned = 0;
}
