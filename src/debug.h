/*
 * debug.h - the checked path: the checking mode (JMALLOC_CHECK=1) and the
 * announcements to memory checkers (tools.h).  When either is on, every
 * call of the entry points takes this path; otherwise the entry points'
 * fast paths never reach it.
 *
 * The switch costs the fast path nothing: jm_ctl.small_max is the bound
 * that the entry points already compare sizes against to find large
 * blocks.  It is 0 until the first call has read the environment, and
 * stays 0 when the checked path is on, so that every size takes the
 * entry points' slow branch, which then asks jm_debug_on().
 */
#ifndef JM_DEBUG_H
#define JM_DEBUG_H

#include <stddef.h>

#include "common.h"
#include "sizeclass.h"

#if JM_CHECKING
struct jm_ctl {
	size_t small_max; /* JM_SMALL_MAX, or 0: see above */
	int state;	  /* JM_CTL_* */
};

#define JM_CTL_UNSET 0	  /* environment not read yet */
#define JM_CTL_FAST 1	  /* no checks, no checker */
#define JM_CTL_CHECKED 2  /* the checked path */

extern struct jm_ctl jm_ctl JM_HIDDEN;

/* Read the environment (once) and set jm_ctl; returns 1 when the checked
 * path is on. */
int jm_debug_init(void) JM_HIDDEN;

/* 1 when calls must take the checked path (reads the environment on the
 * first call). */
static inline int jm_debug_on(void)
{
	int state = __atomic_load_n(&jm_ctl.state, __ATOMIC_ACQUIRE);

	if (JM_UNLIKELY(state == JM_CTL_UNSET))
		return jm_debug_init();
	return state == JM_CTL_CHECKED;
}

/*
 * The bound the entry points compare `size - 1` against: sizes above it,
 * and 0, take their slow branch.  JM_SMALL_MAX normally; 0 before the
 * first call and when the checked path is on, which sends every size
 * there.
 */
static inline size_t jm_debug_small_max(void)
{
	return __atomic_load_n(&jm_ctl.small_max, __ATOMIC_RELAXED);
}

/* The checked versions of the entry points, and of those of the jmheap
 * heaps (region.h), which take the same path. */
struct jm_region;
void *jm_debug_alloc(size_t size, int zero) JM_HIDDEN;
void jm_debug_free(void *ptr, size_t size) JM_HIDDEN;
void *jm_debug_realloc(void *ptr, size_t old_size, size_t new_size) JM_HIDDEN;
void *jm_debug_heap_alloc(struct jm_region *r, size_t size, int zero) JM_HIDDEN;
void jm_debug_heap_free(struct jm_region *r, void *ptr, size_t size) JM_HIDDEN;
void *jm_debug_heap_realloc(struct jm_region *r, void *ptr, size_t old_size,
			    size_t new_size) JM_HIDDEN;
/* A jmheap is made on [mem, mem + len): forget the fill of the freed
 * blocks there (a live block there stays live). */
void jm_debug_heap_create(void *mem, size_t len) JM_HIDDEN;
/* The aligned functions' (with a valid alignment, but for
 * jm_debug_free_aligned(), which checks it). */
void *jm_debug_alloc_aligned(size_t align, size_t size) JM_HIDDEN;
void jm_debug_free_aligned(void *ptr, size_t align, size_t size) JM_HIDDEN;
void *jm_debug_realloc_aligned(void *ptr, size_t align, size_t old_size,
			       size_t new_size) JM_HIDDEN;
#else
/* --disable-checking: there is no checked path; the entry points compare
 * against JM_SMALL_MAX itself, and the calls below are never made. */
static inline int jm_debug_on(void)
{
	return 0;
}

static inline size_t jm_debug_small_max(void)
{
	return JM_SMALL_MAX;
}

static inline void *jm_debug_alloc(size_t size, int zero)
{
	(void)size;
	(void)zero;
	return NULL;
}

static inline void jm_debug_free(void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
}

static inline void *jm_debug_realloc(void *ptr, size_t old_size,
				     size_t new_size)
{
	(void)ptr;
	(void)old_size;
	(void)new_size;
	return NULL;
}

static inline void *jm_debug_alloc_aligned(size_t align, size_t size)
{
	(void)align;
	(void)size;
	return NULL;
}

static inline void jm_debug_free_aligned(void *ptr, size_t align, size_t size)
{
	(void)ptr;
	(void)align;
	(void)size;
}

static inline void *jm_debug_realloc_aligned(void *ptr, size_t align,
					     size_t old_size, size_t new_size)
{
	(void)ptr;
	(void)align;
	(void)old_size;
	(void)new_size;
	return NULL;
}

struct jm_region;

static inline void *jm_debug_heap_alloc(struct jm_region *r, size_t size, int zero)
{
	(void)r;
	(void)size;
	(void)zero;
	return NULL;
}

static inline void jm_debug_heap_free(struct jm_region *r, void *ptr, size_t size)
{
	(void)r;
	(void)ptr;
	(void)size;
}

static inline void jm_debug_heap_create(void *mem, size_t len)
{
	(void)mem;
	(void)len;
}

static inline void *jm_debug_heap_realloc(struct jm_region *r, void *ptr,
					  size_t old_size, size_t new_size)
{
	(void)r;
	(void)ptr;
	(void)old_size;
	(void)new_size;
	return NULL;
}
#endif /* JM_CHECKING */

#endif /* JM_DEBUG_H */
