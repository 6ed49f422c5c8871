/*
 * heap.h - the heap engine: one LIFO free list per size class, and for each
 * class a span of memory of its own that new blocks are carved from by
 * bumping a pointer.  Spans come from the span pool (arena.h), or from one
 * region the caller owns.  Keeping each class in its
 * own spans keeps the blocks of a class close together, so the free list's
 * next block is usually a neighbour in the cache.
 *
 * Single-threaded: no locks, no thread-local storage.  The caller decides
 * which heap a call uses and serialises calls on one heap.
 *
 * Memory checkers (tools.h): a free block is closed to them.  The engine
 * opens a link word before it reads or writes it; the checked path
 * (debug.c) closes a block's link again after freeing it.  The fast
 * inlines open links only in AddressSanitizer builds: under Valgrind,
 * every call takes the checked path, which opens the block it pops.
 */
#ifndef JM_HEAP_H
#define JM_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "common.h"
#include "report.h"
#include "sizeclass.h"
#include "tools.h"

/* Bytes a span of the smallest classes has: one unit of the span pool. */
#define JM_SPAN_SIZE JM_UNIT_SIZE

JM_STATIC_ASSERT(JM_SPAN_SIZE % JM_MIN_SIZE == 0, "spans hold whole blocks");
JM_STATIC_ASSERT(JM_SMALL_MAX <= JM_SPAN_MAX_UNITS * JM_UNIT_SIZE,
		 "a span holds a block of the largest class");

/*
 * The tiny engine (configure --enable-tiny, JM_TINY 1), the original
 * jmalloc's: a fixed heap carves every block straight from its region, one
 * after another whatever their class, instead of from a span of the
 * class, and keeps no counts of its free blocks; the fields of the spans
 * go unused.  The smallest code, for microcontrollers and the smallest
 * hosted build.
 */
struct jm_block {
	struct jm_block *next; /* mangled in the hardened build: below */
};

/*
 * Pointers the allocator keeps in free memory (a free block's link, a
 * batch's link): with --enable-hardening (JM_HARDEN 1) each is stored
 * mangled with the address it is stored at and a random key of the
 * process, as glibc's safe-linking does with the address alone, so that
 * a write after free cannot plant an address for the allocator to hand
 * out: a value the allocator did not store decodes to a misaligned
 * pointer 15 times in 16, and reading one stops the program
 * (jm_heap_next()).  The key is drawn when the first span is cut, before
 * any pointer is stored, and a forked child keeps it with the links it
 * inherits.  Without hardening these are plain loads and stores.
 */
#ifndef JM_HARDEN
#define JM_HARDEN 0
#endif

extern uintptr_t jm_link_key JM_HIDDEN;

/* The value to store at `slot` for v with `key`, or the value v that a
 * word read at `slot` stands for: the mangling is its own inverse.  The
 * heaps on a caller's memory have a key of their own (region.h). */
static inline uintptr_t jm_mangle_key(const void *slot, uintptr_t v, uintptr_t key)
{
#if JM_HARDEN
	return v ^ ((uintptr_t)slot >> 12) ^ key;
#else
	(void)slot;
	(void)key;
	return v;
#endif
}

/* jm_mangle_key() with the process's key. */
static inline uintptr_t jm_mangle(const void *slot, uintptr_t v)
{
	return jm_mangle_key(slot, v, jm_link_key);
}

/* Stop the program at a free block whose link was overwritten. */
__attribute__((noreturn)) void jm_heap_bad_link(const void *blk, const void *next,
						 size_t k) JM_HIDDEN JM_COLD;

/* The block after free block p of class k on its list (or NULL). */
static inline struct jm_block *jm_heap_next(const struct jm_block *p, size_t k)
{
	struct jm_block *next =
		(struct jm_block *)jm_mangle(&p->next, (uintptr_t)p->next);

	if (JM_HARDEN && JM_UNLIKELY((uintptr_t)next & (JM_MIN_SIZE - 1)))
		jm_heap_bad_link(p, next, k);
	(void)k;
	return next;
}

/* jm_heap_next(), the link opened to a memory checker first.  It is left
 * open: whether it was closed before cannot be told here, and the
 * engine's own tests touch links directly. */
static inline struct jm_block *jm_heap_next_open(struct jm_block *p, size_t k)
{
	JM_TOOL_OPEN(p, sizeof(*p));
	return jm_heap_next(p, k);
}

/* Make `next` the block after free block p. */
static inline void jm_heap_link(struct jm_block *p, struct jm_block *next)
{
	p->next = (struct jm_block *)jm_mangle(&p->next, (uintptr_t)next);
}

/* A span given back, described in its own first bytes.  `len` is the
 * bytes of the span left, plus 1 when they read as zero. */
struct jm_spare {
	struct jm_spare *next;
	size_t len;
};

JM_STATIC_ASSERT(sizeof(struct jm_spare) <= JM_MIN_SIZE,
		 "a spare span's header fits in its first block");

/*
 * Per size class k: its free list and its span, in arrays of their own, so
 * that the fast paths index each with one addressing mode.  The span and
 * the region are kept as a start and a byte count, and a used-up span's
 * start is cleared: an end pointer would equal the first block of the
 * memory after it, and a leak checker would take it for a pointer to that
 * block.
 */
struct jm_heap {
	struct jm_block *free[JM_NCLASSES]; /* free lists, LIFO */
	uint32_t count[JM_NCLASSES];	    /* blocks on each free list (not
						       kept by the tiny engine) */
	uint32_t limit[JM_NCLASSES];	    /* what the owner allows; below */
	char *bump[JM_NCLASSES];	    /* next unused block, or NULL */
	size_t left[JM_NCLASSES];	    /* bytes of the span from bump on */
	struct jm_spare *spare[JM_NCLASSES]; /* spans given back, per class */
	unsigned char zero[JM_NCLASSES];     /* 1: the span reads as zero */
	char *region;			     /* unused part of the region */
	size_t region_left;		     /* its bytes */
	size_t span_max;		     /* region: bytes of a span, below */
	int fixed;	 /* 1: never take spans from the span pool itself */
	int own_region;	 /* 1: a caller's region, outside the span pool */
	int region_zero; /* 1: the caller's region reads as zero */
};

/*
 * `limit` is not used by the engine: the layer that owns a heap sets it
 * and compares `count` against it before jm_heap_push(), to hand surplus
 * blocks elsewhere.
 */

/* An empty heap that takes its spans from the span pool (arena.h) as it
 * needs them (all fields zero also make one, so a static heap needs no
 * call). */
void jm_heap_init(struct jm_heap *h) JM_HIDDEN;

/*
 * An empty heap that carves only from the caller's `len` bytes at `base`
 * and never maps memory (base NULL: no region at all, so that memory comes
 * only through jm_heap_give_span()).  `zeroed` says whether the region
 * reads as zero, so that calloc need not clear fresh blocks.  Its spans
 * follow the region's size: a JM_REGION_SPANS-th of it (so that a span of
 * every class takes at most half of it), from JM_REGION_SPAN_MIN to
 * JM_SPAN_SIZE bytes, and at least one block, so that a small region
 * serves many classes.
 */
#define JM_REGION_SPANS (2 * JM_NCLASSES)
#define JM_REGION_SPAN_MIN ((size_t)256)

/* Give fixed heap h the region of jm_heap_init_region() in place of the
 * one it had (what is left of that is dropped); its free lists and spans
 * stay. */
void jm_heap_set_region(struct jm_heap *h, void *base, size_t len,
			int zeroed) JM_HIDDEN;
void jm_heap_init_region(struct jm_heap *h, void *base, size_t len,
			 int zeroed) JM_HIDDEN;

/*
 * Blocks a span of class k holds; *units gets the units of the span pool
 * it takes.  The span's bytes are the blocks' bytes; the rest of its last
 * unit, if any, stays unused.
 */
size_t jm_heap_span_blocks(size_t k, size_t *units) JM_HIDDEN;

/*
 * A block of class k carved from the heap's memory: its span, else a new
 * span from its spare spans, its region or the span pool.  NULL with
 * errno ENOMEM when there is none.
 */
void *jm_heap_carve(struct jm_heap *h, size_t k) JM_HIDDEN;

/* 1 when the next span of class k that h cuts must come from a new
 * arena (no spare span, no free units in the span pool). */
int jm_heap_must_map(const struct jm_heap *h, size_t k) JM_HIDDEN;

/*
 * Move one span of class k from `from` (its spare spans, its region, or
 * the span pool) to `to`, whose span of class k must be used up.  0 on
 * success, -1 with errno ENOMEM.
 */
int jm_heap_give_span(struct jm_heap *from, struct jm_heap *to,
		      size_t k) JM_HIDDEN;

/* Hand h's unused span of class k to `to`'s spare spans (h keeps none). */
void jm_heap_return_span(struct jm_heap *h, struct jm_heap *to,
			 size_t k) JM_HIDDEN;

/*
 * Detach from the free list of class k every block after the first
 * `keep`, returning them as a NULL-terminated list; *n gets their number.
 * O(keep).
 */
struct jm_block *jm_heap_split(struct jm_heap *h, size_t k, uint32_t keep,
			       uint32_t *n) JM_HIDDEN;

/*
 * Detach the first `max` blocks (or all, when fewer) from the free list of
 * class k, returning them as a NULL-terminated list; *n gets their number
 * and *tail the last of them.  O(max).
 */
struct jm_block *jm_heap_take(struct jm_heap *h, size_t k, uint32_t max,
			      uint32_t *n, struct jm_block **tail) JM_HIDDEN;

/*
 * The reclaim pass: find every span of the span pool all of whose blocks
 * are free in the heaps hs[0..n) (on their free lists, in their spare
 * spans, or not yet carved from their current spans), take those blocks
 * out of the heaps and give the spans back to the span pool, where any
 * class can take them.  Heaps on a caller's region are passed over.
 * `now` dates the spans given back.  Sets *listed to the bytes left on
 * the heaps' free lists; returns the bytes of the spans given back.
 * O(free blocks + arenas).
 */
size_t jm_heap_reclaim(struct jm_heap *const *hs, size_t n, uint32_t now,
		       size_t *listed) JM_HIDDEN;

/* Bytes on h's free lists. O(classes). */
size_t jm_heap_listed(const struct jm_heap *h) JM_HIDDEN;

/*
 * 1 when the heap's invariants hold: free blocks aligned and inside no
 * unused span, lists acyclic within `limit` nodes and as long as their
 * counts, spans holding whole blocks.  For tests and debugging; O(free
 * blocks).
 */
int jm_heap_check(const struct jm_heap *h, size_t limit) JM_HIDDEN;

/* A block from the free list of class k, or NULL when it is empty. */
static inline void *jm_heap_pop(struct jm_heap *h, size_t k)
{
	struct jm_block *p = h->free[k];

	JM_ASSERT(k < JM_NCLASSES);
	JM_ASSERT(JM_TINY || (p == NULL) == (h->count[k] == 0));
	if (JM_LIKELY(p != NULL)) {
		JM_ASAN_OPEN(p, sizeof(*p));
		h->free[k] = jm_heap_next(p, k);
		if (!JM_TINY)
			h->count[k]--;
	}
	return p;
}

/* Give back a block of class k. */
static inline void jm_heap_push(struct jm_heap *h, void *p, size_t k)
{
	struct jm_block *blk = p;

	JM_ASSERT(k < JM_NCLASSES);
	JM_ASSERT(p != NULL && (uintptr_t)p % JM_MIN_SIZE == 0);
	JM_ASSERT(h->count[k] < UINT32_MAX);
	/* The hardened build's cheap double-free check: a block freed twice
	 * in a row is still the first on its list. */
	if (JM_HARDEN && JM_UNLIKELY(blk == h->free[k]))
		jm_report("jmfree(%p): double free: the block of %zu bytes is "
			  "already free", p, jm_class_size(k));
	JM_ASAN_OPEN(blk, sizeof(*blk));
	jm_heap_link(blk, h->free[k]);
	h->free[k] = blk;
	if (!JM_TINY)
		h->count[k]++;
}

/* Put a list of `n` blocks of class k, ending at `tail`, on the free list. */
static inline void jm_heap_push_list(struct jm_heap *h, size_t k,
				     struct jm_block *head,
				     struct jm_block *tail, uint32_t n)
{
	JM_ASSERT(k < JM_NCLASSES && head != NULL && tail != NULL && n != 0);
	JM_ASSERT(h->count[k] + (uint64_t)n <= UINT32_MAX);
	JM_TOOL_OPEN(tail, sizeof(*tail));
	jm_heap_link(tail, h->free[k]);
	h->free[k] = head;
	h->count[k] += n;
}

/* Give the empty free list of class k the NULL-terminated list of `n`
 * blocks that starts at `head`. */
static inline void jm_heap_set_list(struct jm_heap *h, size_t k,
				    struct jm_block *head, uint32_t n)
{
	JM_ASSERT(k < JM_NCLASSES && h->free[k] == NULL && h->count[k] == 0);
	JM_ASSERT((head == NULL) == (n == 0));
	h->free[k] = head;
	h->count[k] = n;
}

/* Open the link of the first block on the free list of class k to memory
 * checkers, for the checked path, which keeps free blocks closed to them
 * (tools.h) and pops through the inlines above. */
static inline void jm_heap_open_head(struct jm_heap *h, size_t k)
{
	JM_ASSERT(k < JM_NCLASSES);
	if (h->free[k] != NULL)
		JM_TOOL_OPEN(h->free[k], sizeof(struct jm_block));
}

/* A block of class k from the free list, else carved (jm_heap_carve). */
static inline void *jm_heap_alloc(struct jm_heap *h, size_t k)
{
	void *p = jm_heap_pop(h, k);

	return JM_LIKELY(p != NULL) ? p : jm_heap_carve(h, k);
}

/* A block carved from the current span of class k only (tiny: from the
 * region), or NULL. */
static inline void *jm_heap_bump(struct jm_heap *h, size_t k)
{
	size_t sz = jm_class_size(k);
	char *p = JM_TINY ? h->region : h->bump[k];

	JM_ASSERT(k < JM_NCLASSES);
	if (JM_TINY) {
		if (h->region_left < sz)
			return NULL;
		/* The tiny engine keeps its region's end when it is used
		 * up: it carves nothing else. */
		h->region_left -= sz;
		h->region = p + sz;
		return p;
	}
	JM_ASSERT((p == NULL) == (h->left[k] == 0) && h->left[k] % sz == 0);
	if (h->left[k] < sz)
		return NULL;
	h->left[k] -= sz;
	h->bump[k] = h->left[k] != 0 ? p + sz : NULL;
	return p;
}

/* As jm_heap_bump(); *zeroed tells whether the block reads as zero. */
static inline void *jm_heap_bump_zeroed(struct jm_heap *h, size_t k,
					int *zeroed)
{
	*zeroed = JM_TINY ? h->region_zero : h->zero[k];
	return jm_heap_bump(h, k);
}

#endif /* JM_HEAP_H */
