/*
 * large.h - blocks larger than JM_SMALL_MAX: mappings rounded up to whole
 * pages, and a bounded cache of freed ones.
 *
 * A freed large block is kept in the cache, an address-ordered set of free
 * extents in which neighbours merge; a later request takes the front of
 * the smallest extent that holds it, so that a program that keeps making
 * and dropping large temporaries maps no memory and faults in no page in
 * steady state.  The cache holds at most max(JM_LARGE_CACHE_MIN, the most
 * bytes of large blocks live at once) in at most JM_LARGE_SLOTS extents,
 * unmapping its oldest extents past that; an extent unused for
 * JMALLOC_DECAY_MS (lifecycle.h) is unmapped at the next large-block call
 * after that.  jm_large_trim() unmaps all.  Thread-safe: one lock
 * (glue.h).
 *
 * With JMALLOC_GUARD=1 in the environment (read once), each large block
 * is mapped on its own between two inaccessible guard pages, so that an
 * overrun past its last page or an underrun before its start faults at
 * once, and is unmapped when freed: no cache, and a resize copies.
 */
#define JM_GUARD_ENV "JMALLOC_GUARD"
#ifndef JM_LARGE_H
#define JM_LARGE_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common.h"
#include "sizeclass.h"

#define JM_LARGE_CACHE_MIN ((size_t)64 << 20)
#define JM_LARGE_SLOTS 64

/* A block of `size` bytes (at least 1; more than JM_SMALL_MAX but for an
 * aligned block) aligned to `align` (a power of two; 0 or up to a page:
 * to a page), or NULL (ENOMEM); zero-filled when `zero` is 1.  A cached
 * extent serves when it holds an aligned piece of the block's pages.  In
 * the builds without the span pool (tiny.c, region-only.c), whose blocks
 * are aligned to 16 bytes only, `align` is at most JM_MIN_SIZE: jmalloc.c
 * pads the blocks of the aligned functions there (jm_align_padded()). */
void *jm_large_alloc(size_t size, size_t align, int zero) JM_HIDDEN;

/* Give a large block back to the cache (a size of 0 counts as 1); a size
 * no block can have is ignored. */
void jm_large_free(void *ptr, size_t size) JM_HIDDEN;

/*
 * Resize a large block to `new_size` bytes (as for jm_large_alloc()),
 * keeping its alignment `align`: in place when the page count is
 * unchanged or shrinks, or when the cache holds the pages after it; else
 * by remapping (for an alignment of up to a page), or by copying.  NULL
 * with ENOMEM leaves the block as it was.
 */
void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size,
		       size_t align) JM_HIDDEN;

/* The whole pages of a large block resized from old_size to new_size
 * bytes, in *old_len and *new_len: 0, or -1 with errno ENOMEM when either
 * size is one no block can have.  `page` is the page size. */
static inline int jm_large_lens(size_t old_size, size_t new_size, size_t page,
				size_t *old_len, size_t *new_len)
{
	*old_len = jm_large_len(old_size, page);
	*new_len = jm_large_len(new_size, page);
	if (*old_len == 0 || *new_len == 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* A new large block of new_size bytes aligned to `align` (as for
 * jm_large_alloc()) with the contents of the old one, which is freed: how
 * jm_large_realloc() moves a block.  NULL (ENOMEM) leaves the old block
 * as it was. */
static inline void *jm_large_move(void *ptr, size_t old_size, size_t new_size,
				  size_t align)
{
	void *p = jm_large_alloc(new_size, align, 0);

	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jm_large_free(ptr, old_size);
	return p;
}

/* Unmap every cached extent; returns their bytes. */
size_t jm_large_trim(void) JM_HIDDEN;

struct jm_large_stats {
	size_t live;	 /* bytes of large blocks in use */
	size_t cached;	 /* bytes in the cache */
	size_t returned; /* bytes unmapped from the cache, ever */
};
void jm_large_stats(struct jm_large_stats *st) JM_HIDDEN;

#endif /* JM_LARGE_H */
