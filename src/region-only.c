/*
 * region-only.c - the one heap of the region-only library (configure
 * --without-mmap): a region heap (region.h) over the memory that the
 * program hands over with jmalloc_region(), serving the classes and the
 * large blocks alike; single-threaded (the program serialises all calls),
 * with no system to give memory back to.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "large.h"
#include "local.h"
#include "region.h"

/* No memory yet, so every allocation fails with ENOMEM; units of
 * JM_REGION_SPAN_MIN bytes, so that a span's are counted quickly. */
struct jm_region jm_global = { .shift = 8 };

JM_STATIC_ASSERT(JM_REGION_SPAN_MIN == (size_t)1 << 8, "the unit before a region");

int jm_local_region(void *mem, size_t len)
{
	if (jm_global.len != 0) {
		errno = EBUSY;
		return -1;
	}
	return jm_region_init(&jm_global, mem, len);
}

void *jm_large_alloc(size_t size, size_t align, int zero)
{
	JM_ASSERT(align <= JM_MIN_SIZE); /* jm_align_padded() */
	(void)align;
	return jm_region_alloc(&jm_global, size, zero);
}

void jm_large_free(void *ptr, size_t size)
{
	jm_region_free(&jm_global, ptr, size);
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size, size_t align)
{
	JM_ASSERT(align <= JM_MIN_SIZE);
	(void)align;
	return jm_region_realloc(&jm_global, ptr, old_size, new_size);
}

/* The empty spans kept go back to the region's free memory; nothing goes
 * to a system, so no bytes are counted as given back. */
size_t jm_local_trim(void)
{
	if (jm_global.len != 0)
		(void)jm_region_reclaim(&jm_global);
	return 0;
}

void jm_local_tick(void)
{
}

void jm_local_stats(struct jm_local_stats *st)
{
	struct jm_region_stats rs;

	memset(&rs, 0, sizeof(rs));
	if (jm_global.len != 0)
		jm_region_stats(&jm_global, &rs);
	st->listed = rs.listed;
	st->returned = 0;
	st->arenas.mapped = rs.given - rs.big_live;
	st->arenas.unused = rs.free_runs;
	st->arenas.dirty = 0;
}

size_t jm_large_trim(void)
{
	return 0;
}

void jm_large_stats(struct jm_large_stats *st)
{
	st->live = jm_global.big_live;
	st->cached = 0; /* a freed large block is free memory of the region */
	st->returned = 0;
}
