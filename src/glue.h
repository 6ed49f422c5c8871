/*
 * glue.h - the locks of the library and what fork() needs of them.  In the
 * thread-safe build each lock is a pthread mutex, and fork handlers take
 * every lock in the order below (the order in which they may nest), so
 * that a child can go on allocating; with --disable-threads every call
 * is empty.
 */
#ifndef JM_GLUE_H
#define JM_GLUE_H

#include "common.h"

/* The locks, in the order in which one may be taken while holding
 * another. */
enum jm_lock_id {
	JM_LOCK_POOL,  /* the shared pool and the span pool (thread.c) */
	JM_LOCK_DEBUG, /* the checking mode's table (debug.c) */
	JM_LOCK_LARGE, /* the cache of large mappings (large.c) */
	JM_NLOCKS
};

#if JM_THREADS
void jm_lock(enum jm_lock_id id) JM_HIDDEN;
void jm_unlock(enum jm_lock_id id) JM_HIDDEN;
#else
static inline void jm_lock(enum jm_lock_id id)
{
	(void)id;
}

static inline void jm_unlock(enum jm_lock_id id)
{
	(void)id;
}
#endif

#endif /* JM_GLUE_H */
