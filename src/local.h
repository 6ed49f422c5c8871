/*
 * local.h - which heap serves the calling thread, and what happens when
 * one of its free lists runs empty or past its limit.  Four builds:
 *
 *  threads (default): each thread has a heap of its own, reached through
 *  one initial-exec TLS pointer; surplus blocks go to a shared pool in
 *  batches and empty lists refill from it (thread.c).
 *
 *  --disable-threads: one heap for the process, no TLS, no locks
 *  (single.c).
 *
 *  --enable-tiny: one heap of the tiny engine (heap.h), which carves from
 *  an arena mapped at a time, or from the memory of jmalloc_region()
 *  without mmap (tiny.c).
 *
 *  the region-only library (--without-mmap): one region heap (region.h)
 *  over the memory of jmalloc_region(), whose spans go back to its free
 *  memory when empty (region-only.c).
 *
 * The fast paths in the entry points need neither a lock nor an atomic
 * operation: pop or push on the local heap, with `count` kept against the
 * bin's `limit` (a region heap's own calls, in the region-only library).
 */
#ifndef JM_LOCAL_H
#define JM_LOCAL_H

#include <errno.h>
#include <string.h>

#include "arena.h"
#include "common.h"
#include "heap.h"
#include "large.h"
#include "region.h"

#if JM_THREADS
/* The calling thread's heap; until the thread first needs one, a shared
 * empty heap whose limits of 0 send every call to the slow paths. */
extern __thread struct jm_heap *jm_tls_heap
	__attribute__((tls_model("initial-exec"))) JM_HIDDEN;

static inline struct jm_heap *jm_local_heap(void)
{
	return jm_tls_heap;
}

/*
 * Blocks in a batch of class k, which the thread layer moves between a
 * thread's heap and the shared pool: as many as fill JM_SPAN_SIZE
 * (64 KiB), but at most JM_BATCH_MAX and at least one: 4 KiB of 16-byte
 * blocks, 64 KiB of 256-byte ones, one block of 64 KiB and above.  A
 * thread's heap keeps at most two batches of a class.
 */
#define JM_BATCH_MAX 256u

static inline uint32_t jm_local_batch(size_t k)
{
	size_t n = JM_SPAN_SIZE / jm_class_size(k);

	if (n > JM_BATCH_MAX)
		return JM_BATCH_MAX;
	return n == 0 ? 1 : (uint32_t)n;
}
#elif JM_MMAP && !JM_TINY
extern struct jm_heap jm_single_heap JM_HIDDEN;

static inline struct jm_heap *jm_local_heap(void)
{
	return &jm_single_heap;
}
#elif JM_TINY
/* The tiny library: one heap of the tiny engine (tiny.c), and the bytes
 * of memory it was given (for jmalloc_stats). */
struct jm_tiny {
	struct jm_heap heap;
	size_t len;
};
extern struct jm_tiny jm_tiny JM_HIDDEN;

static inline struct jm_heap *jm_local_heap(void)
{
	return &jm_tiny.heap;
}
#else
/* The region-only library: one region heap (region-only.c). */
extern struct jm_region jm_global JM_HIDDEN;
#endif

/*
 * jmalloc_region(): give the heap of the build without mmap its memory.
 * 0, or -1 with errno EINVAL, ENOMEM or EBUSY (jmalloc.h); in the builds
 * with mmap, -1 with ENOTSUP.
 */
#if JM_MMAP
static inline int jm_local_region(void *mem, size_t len)
{
	(void)mem;
	(void)len;
	errno = ENOTSUP;
	return -1;
}
#else
int jm_local_region(void *mem, size_t len) JM_HIDDEN;
#endif

/*
 * Give back to the system every free span and arena that the calling
 * thread can reach (its own heap and the shared pool); returns the bytes.
 */
size_t jm_local_trim(void) JM_HIDDEN;

/* A slow path outside the size classes (a large block): give the decay
 * (lifecycle.h) a chance to run. */
void jm_local_tick(void) JM_HIDDEN;

/* What the calling thread's heap and the shared pool hold. */
struct jm_local_stats {
	size_t listed;	 /* bytes on free lists */
	size_t returned; /* bytes given back to the system, ever */
	struct jm_arena_stats arenas;
};
void jm_local_stats(struct jm_local_stats *st) JM_HIDDEN;

#if JM_MMAP || JM_TINY
/* A block of class k for heap h, whose free list of k is empty: carved,
 * or taken from elsewhere.  NULL with errno ENOMEM. */
void *jm_local_refill(struct jm_heap *h, size_t k) JM_HIDDEN;

/* Free block p of class k into heap h, whose list of k is at its limit. */
void jm_local_overflow(struct jm_heap *h, void *p, size_t k) JM_HIDDEN;

/* A block of class k for the calling thread, or NULL with errno ENOMEM. */
static inline void *jm_local_alloc(size_t k)
{
	struct jm_heap *h = jm_local_heap();
	void *p = jm_heap_pop(h, k);

	/* A program that builds up its data carves most of its blocks:
	 * from the heap's span here, without a call. */
	if (JM_UNLIKELY(p == NULL)) {
		p = jm_heap_bump(h, k);
		if (p == NULL)
			p = jm_local_refill(h, k);
	}
	return p;
}

/* jm_local_alloc() for the checked path, which keeps the links of free
 * blocks closed to memory checkers: the link it pops is opened first. */
static inline void *jm_local_alloc_checked(size_t k)
{
	jm_heap_open_head(jm_local_heap(), k);
	return jm_local_alloc(k);
}

/* A block of class k for the calling thread whose first n bytes read as
 * zero, or NULL with errno ENOMEM. */
static inline void *jm_local_alloc_zeroed(size_t k, size_t n)
{
	struct jm_heap *h = jm_local_heap();
	void *p = jm_heap_pop(h, k);
	int zeroed;

	if (p == NULL) {
		/* Never handed out before: zero where the span is. */
		p = jm_heap_bump_zeroed(h, k, &zeroed);
		if (p != NULL && zeroed)
			return p;
		if (p == NULL)
			p = jm_local_refill(h, k);
		if (p == NULL)
			return NULL;
	}
	return memset(p, 0, n);
}

/* Give back a block of class k from the calling thread. */
static inline void jm_local_free(void *p, size_t k)
{
	struct jm_heap *h = jm_local_heap();

	/* The tiny build's one heap keeps every free block: no limit. */
	if (!JM_TINY && JM_UNLIKELY(h->count[k] >= h->limit[k]))
		jm_local_overflow(h, p, k);
	else
		jm_heap_push(h, p, k);
}

#else
/* The region-only library: the calls of its one region heap. */
static inline void *jm_local_alloc(size_t k)
{
	return jm_region_alloc_class(&jm_global, k);
}

static inline void *jm_local_alloc_zeroed(size_t k, size_t n)
{
	void *p = jm_region_alloc_class(&jm_global, k);

	return p != NULL ? memset(p, 0, n) : NULL;
}

static inline void jm_local_free(void *p, size_t k)
{
	jm_region_free_class(&jm_global, p, k);
}
#endif

/* A large block (large.h; `align` 0 for a page); when memory is short,
 * what the calling thread can reach goes back to the system first.  NULL
 * with errno ENOMEM. */
static inline void *jm_local_large_alloc(size_t size, size_t align, int zero)
{
	void *p = jm_large_alloc(size, align, zero);

	if (JM_TINY) /* nothing to give back first */
		return p;
	jm_local_tick();
	if (p == NULL && jm_local_trim() != 0)
		p = jm_large_alloc(size, align, zero);
	return p;
}

/* jm_large_realloc(), likewise. */
static inline void *jm_local_large_realloc(void *ptr, size_t old_size,
					   size_t new_size, size_t align)
{
	void *p = jm_large_realloc(ptr, old_size, new_size, align);

	if (p == NULL && !JM_TINY && jm_local_trim() != 0)
		p = jm_large_realloc(ptr, old_size, new_size, align);
	return p;
}

/* Free a large block (large.h). */
static inline void jm_local_large_free(void *ptr, size_t size)
{
	jm_large_free(ptr, size);
	if (!JM_TINY)
		jm_local_tick();
}

#endif /* JM_LOCAL_H */
