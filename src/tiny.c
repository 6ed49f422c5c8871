/*
 * tiny.c - the one heap of the tiny library (--enable-tiny), the original
 * jmalloc's engine (heap.h with JM_TINY): single-threaded (the program
 * serialises all calls), blocks carved one after another from one region,
 * no counts, nothing given back to a system.
 *
 *  - With memory mappings: the region is an arena mapped when the last
 *    one is used up (the rest of which is left unused), and a large block
 *    is a mapping of its own, unmapped when freed.
 *  - Without (--without-mmap): the region is the memory that the program
 *    hands over with jmalloc_region(); large blocks are carved from it and
 *    go back to it only when last.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "large.h"
#include "local.h"
#include "os.h"

/* All zero: no region yet, so every allocation fails with ENOMEM (with
 * mmap, maps its first arena). */
struct jm_tiny jm_tiny;

#if JM_MMAP
/* The tiny hosted build: a class block the region cannot give (the heap
 * has tried) comes from a new arena, which becomes the region. */
void *jm_local_refill(struct jm_heap *h, size_t k)
{
	void *arena = jm_os_map(JM_ARENA_SIZE);

	if (arena == NULL)
		return NULL;
	jm_heap_set_region(h, arena, JM_ARENA_SIZE, 1);
	jm_tiny.len += JM_ARENA_SIZE;
	return jm_heap_bump(h, k);
}

/* A large block: a mapping of `size` bytes, which the system rounds up to
 * whole pages (and refuses, with ENOMEM, past what it can map); no figures
 * are kept of them. */
void *jm_large_alloc(size_t size, size_t align, int zero)
{
	JM_ASSERT(align <= JM_MIN_SIZE); /* jm_align_padded() */
	(void)align;
	(void)zero; /* fresh mappings read as zero */
	return jm_os_map(size);
}

void jm_large_free(void *ptr, size_t size)
{
	/* Any size from the one asked for to jmalloc_good_size() covers the
	 * same pages; one no block can have is refused by the system. */
	(void)jm_os_unmap(ptr, size);
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size, size_t align)
{
	JM_ASSERT(align <= JM_MIN_SIZE);
	(void)align;
	size_t old_len, new_len;
	void *p;

	if (jm_large_lens(old_size, new_size, jm_os_page_size(), &old_len, &new_len) != 0)
		return NULL;
	p = jm_os_remap(ptr, old_len, new_len);
	if (p == NULL) /* no mremap, or it failed: a new block and a copy */
		return jm_large_move(ptr, old_size, new_size, 0);
	return p;
}
#else
/* The tiny library without mmap: what the heap cannot carve (it has
 * tried before it calls here), there is no memory for. */
void *jm_local_refill(struct jm_heap *h, size_t k)
{
	(void)h;
	(void)k;
	errno = ENOMEM;
	return NULL;
}

/* Large blocks are carved from the region as the class blocks are, in
 * steps of 16 bytes; a freed one goes back to the region when it is the
 * last block carved (else its memory stays unused). */
void *jm_large_alloc(size_t size, size_t align, int zero)
{
	JM_ASSERT(align <= JM_MIN_SIZE); /* jm_align_padded() */
	(void)align;
	struct jm_heap *h = &jm_tiny.heap;
	size_t len = jm_large_round(size, JM_MIN_SIZE);
	char *p = h->region;

	if (len == 0 || h->region_left < len) {
		errno = ENOMEM;
		return NULL;
	}
	h->region_left -= len;
	h->region = p + len;
	return zero ? memset(p, 0, size) : p;
}

void jm_large_free(void *ptr, size_t size)
{
	struct jm_heap *h = &jm_tiny.heap;
	size_t len = jm_large_round(size, JM_MIN_SIZE);

	if (len != 0 && (char *)ptr + len == h->region) {
		h->region = ptr;
		h->region_left += len;
	}
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size, size_t align)
{
	JM_ASSERT(align <= JM_MIN_SIZE);
	(void)align;
	struct jm_heap *h = &jm_tiny.heap;
	size_t old_len, new_len;

	if (jm_large_lens(old_size, new_size, JM_MIN_SIZE, &old_len, &new_len) != 0)
		return NULL;
	/* The last block carved grows and shrinks in place. */
	if ((char *)ptr + old_len == h->region &&
	    (new_len <= old_len || new_len - old_len <= h->region_left)) {
		h->region_left -= new_len - old_len; /* wraps back on a shrink */
		h->region = (char *)ptr + new_len;
		return ptr;
	}
	/* Another one shrinks in place too; its tail stays unused, as the
	 * memory of a block freed before the last one does. */
	if (new_len <= old_len)
		return ptr;
	return jm_large_move(ptr, old_size, new_size, 0);
}
#endif

#if !JM_MMAP
int jm_local_region(void *mem, size_t len)
{
	/* The heap alone: no large blocks, so no more of a region. */
	int err = EBUSY;

	if (!jm_tiny.heap.fixed) {
		err = EINVAL;
		if (mem != NULL) {
			jm_heap_set_region(&jm_tiny.heap, mem, len, 0);
			if (jm_tiny.heap.region_left >= JM_MIN_SIZE) {
				jm_tiny.len = len; /* for jmalloc_stats */
				return 0;
			}
			jm_tiny.heap.fixed = 0;
			err = ENOMEM;
		}
	}
	errno = err;
	return -1;
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
	st->listed = jm_heap_listed(&jm_tiny.heap);
	st->returned = 0;
	st->arenas.mapped = jm_tiny.len;
	st->arenas.unused = jm_tiny.heap.region_left;
	st->arenas.dirty = 0;
}

size_t jm_large_trim(void)
{
	return 0;
}

void jm_large_stats(struct jm_large_stats *st)
{
	memset(st, 0, sizeof(*st)); /* no figures are kept of large blocks */
}
