/*
 * arena.h - the span pool.  Memory for the size classes comes from arenas
 * of JM_ARENA_SIZE bytes, mapped through the OS layer at an address
 * aligned to their size and cut into units of JM_UNIT_SIZE bytes.  A span
 * is a run of consecutive units that holds blocks of one class; when a
 * reclaim pass (heap.c) finds every block of a span free, the span's units
 * come back here, where a span of any class can take them, and from here
 * they go back to the system (purged after they have stayed free for a
 * while, or at once by a trim; a wholly free arena is unmapped).
 *
 * The first unit of each arena holds its header: one descriptor per unit.
 * Any address inside a span finds its descriptor by masking, so the
 * blocks themselves carry nothing.
 *
 * Single-threaded: the caller serialises every call (the pool's lock in
 * the thread-safe build).
 */
#ifndef JM_ARENA_H
#define JM_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "sizeclass.h"

/*
 * The geometry, set by configure (--with-span-size, --with-arena-size):
 * units of 2^JM_UNIT_SHIFT bytes (64 KiB by default), arenas of
 * 2^JM_ARENA_SHIFT (32 MiB).
 */
#ifndef JM_ARENA_SHIFT
#define JM_ARENA_SHIFT 25
#endif
#define JM_UNIT_SIZE ((size_t)1 << JM_UNIT_SHIFT)
#define JM_ARENA_SIZE ((size_t)1 << JM_ARENA_SHIFT)
#define JM_ARENA_UNITS (JM_ARENA_SIZE >> JM_UNIT_SHIFT)
/* Units a span may have at most: twice those of the largest class's
 * block (heap.c looks for the fewest that waste at most an eighth), but
 * no more than half an arena. */
#define JM_SPAN_UNITS_WANT ((size_t)2 << (JM_MAX_SHIFT > JM_UNIT_SHIFT ? \
					   JM_MAX_SHIFT - JM_UNIT_SHIFT : 0))
#define JM_SPAN_MAX_UNITS \
	(JM_SPAN_UNITS_WANT < JM_ARENA_UNITS / 2 ? JM_SPAN_UNITS_WANT : JM_ARENA_UNITS / 2)

enum { JM_UNIT_FREE = 0, JM_UNIT_HEAD, JM_UNIT_BODY };

/* The descriptor of one unit. */
struct jm_unit {
	union {
		uint32_t since; /* free: when it was freed (ms, truncated) */
		uint32_t nfree; /* head: free blocks found by a reclaim pass */
	};
	uint32_t size;	 /* head: bytes of each block */
	uint16_t len;	 /* head: units of the span; body: units back to its head */
	uint16_t blocks; /* head: blocks of the span */
	uint8_t state;	 /* JM_UNIT_* */
	uint8_t dirty;	 /* free: used since it was last given back */
};

struct jm_arena {
	struct jm_arena *next;
	size_t used; /* units in spans, the header's included */
	size_t hint; /* no free unit below this one */
	struct jm_unit unit[JM_ARENA_UNITS];
};

JM_STATIC_ASSERT(sizeof(struct jm_arena) <= JM_UNIT_SIZE,
		 "an arena's header fits in its first unit: --with-arena-size is "
		 "at most (span size)^2 / 16 bytes, less a little");
JM_STATIC_ASSERT(JM_SPAN_MAX_UNITS < JM_ARENA_UNITS,
		 "a span of the largest class fits in an arena");
JM_STATIC_ASSERT((JM_UNIT_SIZE >> JM_MIN_SHIFT) <= UINT16_MAX,
		 "a unit's blocks are counted in 16 bits");

/* What the span pool holds, for jmalloc_stats(). */
struct jm_arena_stats {
	size_t mapped;	/* bytes of the arenas */
	size_t unused;	/* bytes of units in no span */
	size_t dirty;	/* of those, used since they were last given back */
};

/*
 * A span of `units` units for `blocks` blocks of `size` bytes: free units
 * of an arena, else a new arena.  *zero is set to 1 when the whole span
 * reads as zero.  NULL with errno ENOMEM when no arena can be mapped.
 */
void *jm_arena_take(size_t units, size_t blocks, size_t size,
		    int *zero) JM_HIDDEN;

/*
 * A function that jm_arena_collect() calls for each span it takes back,
 * with the span's start, its blocks and their size, before the span can
 * serve another class (the checking mode forgets the blocks).  NULL: none.
 */
typedef void jm_arena_hook_fn(void *span, size_t blocks, size_t size);
void jm_arena_set_hook(jm_arena_hook_fn *fn) JM_HIDDEN;

/* The head descriptor of the span that holds address p, which must lie in
 * a span taken from jm_arena_take(). */
static inline struct jm_unit *jm_arena_head(const void *p)
{
	struct jm_arena *a = (struct jm_arena *)((uintptr_t)p &
						  ~(uintptr_t)(JM_ARENA_SIZE - 1));
	struct jm_unit *u = &a->unit[((uintptr_t)p & (JM_ARENA_SIZE - 1)) >>
				     JM_UNIT_SHIFT];

	JM_ASSERT(u->state != JM_UNIT_FREE);
	return u->state == JM_UNIT_BODY ? u - u->len : u;
}

/* The first byte of the span whose head descriptor is u. */
void *jm_arena_span_start(const struct jm_unit *u) JM_HIDDEN;

/*
 * In a reclaim pass, after the counting: set want[k] to 1 for each class
 * k that has a span whose head counts as many free blocks as it has, and
 * return how many such spans there are.
 */
size_t jm_arena_mark_whole(unsigned char *want) JM_HIDDEN;

/*
 * The end of a reclaim pass: every span whose head counts as many free
 * blocks as it has comes back to the pool (its units free and dirty, as
 * of `now`), and every count is cleared.  Returns the bytes of the spans
 * that came back.
 */
size_t jm_arena_collect(uint32_t now) JM_HIDDEN;

/*
 * Give back to the system the free units that have been free for at
 * least `age` ms (all of them for 0), and unmap every arena left without
 * a span for that long.  Returns the bytes given back of memory that had
 * been used (an arena's never-used units are not counted).
 */
size_t jm_arena_purge(uint32_t now, uint32_t age) JM_HIDDEN;

/* 1 when an arena has `units` consecutive free units. */
int jm_arena_has_units(size_t units) JM_HIDDEN;

/* 1 when some free unit has been used since it was last given back. */
int jm_arena_has_dirty(void) JM_HIDDEN;

void jm_arena_stats(struct jm_arena_stats *st) JM_HIDDEN;

#endif /* JM_ARENA_H */
