/* lifecycle.c - the decay policy: when a reclaim pass runs and when free
 * memory goes back to the system. */
#include "config.h"

#include "arena.h"
#include "lifecycle.h"
#include "os.h"

long jm_life_decay_ms(void)
{
	static long decay = -2; /* not read yet */
	long d = __atomic_load_n(&decay, __ATOMIC_RELAXED);

	if (d == -2) {
		d = jm_os_env_long(JM_DECAY_ENV, JM_DECAY_DEFAULT_MS, -1,
				   JM_DECAY_MAX_MS);
		__atomic_store_n(&decay, d, __ATOMIC_RELAXED);
	}
	return d;
}

static void jm_life_init(struct jm_life *l, uint64_t now)
{
	if (!l->ready) {
		l->decay = jm_life_decay_ms();
		l->last = now;
		l->next = now + (uint64_t)(l->decay > 0 ? l->decay : 0);
		l->soon = l->next;
		l->last_purge = now;
		l->ready = 1;
	}
}

/*
 * A pass.  The next pass by the clock waits a decay period, twice as long
 * after each such pass that found nothing (up to JM_PASS_BACKOFF_MAX), so
 * that a program that frees steadily without ever emptying a span does not
 * walk its free lists every period, and at least JM_PASS_BUDGET times as
 * long as this pass took, so that passes take a bounded share of the time.
 */
static void jm_life_pass(struct jm_life *l, struct jm_heap *const *hs,
			 size_t n, uint64_t now, int by_clock)
{
	size_t got = jm_heap_reclaim(hs, n, (uint32_t)now, &l->listed);
	uint64_t end = jm_os_now_ms(), wait, budget;

	if (got != 0)
		l->backoff = 0;
	else if (by_clock && l->backoff < JM_PASS_BACKOFF_MAX)
		l->backoff++;
	budget = JM_PASS_BUDGET * (end - now);
	wait = l->decay > 0 ? (uint64_t)l->decay : 0;
	l->soon = end + (wait > budget ? wait : budget);
	wait <<= l->backoff;
	l->next = end + (wait > budget ? wait : budget);
	l->freed = 0;
	l->moved = 0;
	l->last = end;
}

/* 1 when a pass by the clock is due. */
static int jm_life_due(const struct jm_life *l, uint64_t now)
{
	return l->decay >= 0 && l->moved &&
	       (now >= l->next || (l->freed >= JM_ARENA_SIZE && now >= l->soon));
}

int jm_life_pass_due(struct jm_life *l)
{
	uint64_t now = jm_os_now_ms();

	jm_life_init(l, now);
	return jm_life_due(l, now);
}

int jm_life_grow_due(const struct jm_life *l)
{
	size_t big = l->listed > JM_ARENA_SIZE ? l->listed : JM_ARENA_SIZE;

	return l->freed >= big;
}

void jm_life_grow(struct jm_life *l, struct jm_heap *const *hs, size_t n)
{
	uint64_t now = jm_os_now_ms();

	jm_life_init(l, now);
	if (jm_life_grow_due(l))
		jm_life_pass(l, hs, n, now, 0);
}

static size_t jm_life_purge(struct jm_life *l, uint64_t now, uint32_t age)
{
	size_t bytes = jm_arena_purge((uint32_t)now, age);

	l->last_purge = now;
	l->returned += bytes;
	return bytes;
}

size_t jm_life_tick(struct jm_life *l, struct jm_heap *const *hs, size_t n)
{
	uint64_t now = jm_os_now_ms();

	jm_life_init(l, now);
	if (l->decay < 0)
		return 0;
	if (jm_life_due(l, now))
		jm_life_pass(l, hs, n, now, 1);
	if (jm_arena_has_dirty() &&
	    now - l->last_purge >= (uint64_t)l->decay / 2)
		return jm_life_purge(l, now, (uint32_t)l->decay);
	return 0;
}

size_t jm_life_trim(struct jm_life *l, struct jm_heap *const *hs, size_t n)
{
	uint64_t now = jm_os_now_ms();

	jm_life_init(l, now);
	jm_life_pass(l, hs, n, now, 0);
	return jm_life_purge(l, now, 0);
}
