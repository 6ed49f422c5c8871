/*
 * fixed.c - the one heap of the builds without the span pool: a region
 * heap (region.h), single-threaded (the program serialises all calls),
 * with no return of memory to a system.
 *
 *  - Without memory mappings (--without-mmap): its region is the memory
 *    that the program hands over with jmalloc_region(), and large blocks
 *    (large.h) are the region's large blocks.
 *  - The tiny hosted build (--enable-tiny with mmap), the original
 *    jmalloc's: its region is an arena mapped when the last one is used
 *    up (the rest of which is left unused), and a large block is a
 *    mapping of its own, unmapped when freed.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "large.h"
#include "local.h"
#include "os.h"
#include "region.h"

/* All zero: no region yet, so every allocation fails with ENOMEM (in the
 * tiny hosted build, maps its first arena). */
struct jm_region jm_fixed;

#if JM_MMAP
/* The tiny hosted build: a class block the region cannot give comes from
 * a new arena, which becomes the region. */
void *jm_local_refill(struct jm_heap *h, size_t k)
{
	void *p = jm_heap_carve(h, k);
	void *arena;

	if (p != NULL)
		return p;
	arena = jm_os_map(JM_ARENA_SIZE);
	if (arena == NULL)
		return NULL;
	jm_heap_set_region(h, arena, JM_ARENA_SIZE, 1);
	jm_fixed.len += JM_ARENA_SIZE;
	return jm_heap_carve(h, k);
}

void *jm_large_alloc(size_t size, int zero)
{
	size_t len = jm_large_round(size, jm_os_page_size());
	void *p;

	(void)zero; /* fresh mappings read as zero */
	if (len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	p = jm_os_map(len);
	if (p != NULL)
		jm_fixed.big_live += len;
	return p;
}

void jm_large_free(void *ptr, size_t size)
{
	size_t len = jm_large_round(size, jm_os_page_size());

	if (len != 0 && jm_os_unmap(ptr, len) == 0)
		jm_fixed.big_live -= len < jm_fixed.big_live ? len : jm_fixed.big_live;
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size)
{
	size_t page = jm_os_page_size();
	size_t old_len = jm_large_round(old_size, page);
	size_t new_len = jm_large_round(new_size, page);
	void *p;

	if (old_len == 0 || new_len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	p = jm_os_remap(ptr, old_len, new_len);
	if (p == NULL) {
		/* No mremap (or it failed): a new block and a copy. */
		p = jm_large_alloc(new_size, 0);
		if (p == NULL)
			return NULL;
		memcpy(p, ptr, old_size < new_size ? old_size : new_size);
		jm_large_free(ptr, old_size);
		return p;
	}
	jm_fixed.big_live += new_len - old_len; /* wraps back on a shrink */
	return p;
}
#else
void *jm_local_refill(struct jm_heap *h, size_t k)
{
	return jm_heap_carve(h, k);
}

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

int jm_local_region(void *mem, size_t len)
{
	size_t k;

	if (jm_fixed.heap.fixed) {
		errno = EBUSY;
		return -1;
	}
	if (jm_region_init(&jm_fixed, mem, len) != 0)
		return -1;
	/* The heap keeps every free block: no limit sends a free elsewhere
	 * (the tiny build has none). */
	for (k = 0; !JM_TINY && k < JM_NCLASSES; k++)
		jm_fixed.heap.limit[k] = UINT32_MAX;
	return 0;
}

#endif

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
