/*
 * lifecycle.h - when memory goes back.  The layer that owns heaps (the
 * shared pool of the thread-safe build, the one heap of the other) calls
 * jm_life_freed() as blocks reach the heaps a pass can see, and
 * jm_life_tick() on its slow paths; a tick runs the reclaim pass
 * (jm_heap_reclaim) and gives back to the system what has stayed free
 * long enough:
 *
 *  - a pass runs when JMALLOC_DECAY_MS (default JM_DECAY_DEFAULT_MS) have
 *    passed since the last one and blocks were freed since; twice as long
 *    after each such pass that found nothing (see JM_PASS_BACKOFF_MAX),
 *    but no more than one period once more than an arena's worth has been
 *    freed since (a peak let go after a long steady phase), and at least
 *    JM_PASS_BUDGET times as long as the last pass took;
 *  - before the owner maps a new arena, a pass runs when the free lists
 *    have grown since the last pass by more than an arena and more than
 *    they held after it, so that memory freed in one class serves another
 *    before the footprint grows (jm_life_grow());
 *  - spans and arenas that have stayed free for JMALLOC_DECAY_MS go back
 *    to the system at the next tick after that (so between one and two
 *    periods after the pass that found them free);
 *  - JMALLOC_DECAY_MS=-1 turns automatic return off; 0 returns at every
 *    tick, at the cost of a pass over the free lists each time.
 *
 * jm_life_trim() gives back everything it can reach at once, as
 * jmalloc_trim() and the out-of-memory path do.  The caller serialises.
 */
#ifndef JM_LIFECYCLE_H
#define JM_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "heap.h"

#define JM_DECAY_ENV "JMALLOC_DECAY_MS"
#define JM_DECAY_DEFAULT_MS 1000L
#define JM_DECAY_MAX_MS 3600000L
/* A pass waits at least this many times as long as the last one took. */
#define JM_PASS_BUDGET 20u
/* A pass by the clock that finds nothing doubles the wait for the next,
 * up to 2^JM_PASS_BACKOFF_MAX periods. */
#define JM_PASS_BACKOFF_MAX 6

struct jm_life {
	uint64_t last;	     /* ms of the last pass */
	uint64_t next;	     /* ms before which the clock calls for none */
	uint64_t soon;	     /* the same once an arena's worth is freed */
	uint64_t last_purge; /* ms of the last purge */
	size_t freed;	     /* growth of the heaps' free lists since the pass */
	int moved;	     /* blocks were freed into them since */
	size_t listed;	     /* bytes left on their free lists by it */
	size_t returned;     /* bytes given back to the system, ever */
	long decay;	     /* ms; -1: never; read at the first tick */
	unsigned backoff;    /* see JM_PASS_BACKOFF_MAX */
	int ready;
};

/* Note `bytes` freed into the heaps that the passes see. */
static inline void jm_life_freed(struct jm_life *l, size_t bytes)
{
	l->freed += bytes;
	l->moved = 1;
}

/* Note `bytes` of free blocks taken out of them again. */
static inline void jm_life_taken(struct jm_life *l, size_t bytes)
{
	l->freed -= bytes < l->freed ? bytes : l->freed;
}

/* The decay period in ms from the environment, read once; -1 for never. */
long jm_life_decay_ms(void) JM_HIDDEN;

/* 1 when the next jm_life_tick() will run a pass (reads the clock). */
int jm_life_pass_due(struct jm_life *l) JM_HIDDEN;

/* 1 when memory freed since the last pass calls for one before the
 * footprint grows. */
int jm_life_grow_due(const struct jm_life *l) JM_HIDDEN;

/* Before the owner of hs[0..n) maps new memory: a pass, if
 * jm_life_grow_due(). */
void jm_life_grow(struct jm_life *l, struct jm_heap *const *hs,
		  size_t n) JM_HIDDEN;

/* Run a pass over hs[0..n) and give memory back, when due.  Returns the
 * bytes given back to the system. */
size_t jm_life_tick(struct jm_life *l, struct jm_heap *const *hs,
		    size_t n) JM_HIDDEN;

/* A pass over hs[0..n), then give back every free span and arena.
 * Returns the bytes given back to the system. */
size_t jm_life_trim(struct jm_life *l, struct jm_heap *const *hs,
		    size_t n) JM_HIDDEN;

#endif /* JM_LIFECYCLE_H */
