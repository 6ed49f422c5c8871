/*
 * thread.c - per-thread heaps for the default build.
 *
 * Each thread allocates and frees through a heap of its own, reached
 * through an initial-exec TLS pointer.  A heap keeps at most
 * 2 * jm_local_batch(k) free blocks of class k; the free that would pass
 * that bound moves the older jm_local_batch(k) of them, as one batch, to
 * the pool shared by all threads.  A thread whose list of a class is empty
 * carves from its span of that class, else takes a batch from the pool,
 * else takes a new span from the pool's memory.  So memory that one thread
 * frees and another allocates (producer/consumer) circulates through the
 * pool instead of piling up.
 *
 * When a thread exits, its free blocks, the unused rest of its spans and
 * its heap go back to the pool.  The pool is guarded by one mutex, which
 * pthread_atfork handlers hold across fork(), so that the child may go on
 * allocating.
 */
#include "config.h"

#include "local.h"

#include <errno.h>
#include <pthread.h>

#include "glue.h"
#include "large.h"
#include "lifecycle.h"

/* A batch in the pool: a NULL-terminated list of blocks whose first block
 * also links the next batch. */
struct jm_batch {
	struct jm_block *list; /* the first block's own list link */
	struct jm_batch *next;
};

JM_STATIC_ASSERT(sizeof(struct jm_batch) <= JM_MIN_SIZE,
		 "a batch link fits in the smallest block");
/* A thread's heap, and the link that keeps it for reuse after the thread
 * exits.  Carved from the pool's memory, never from blocks the program
 * freed, so that its bytes never meet the program's. */
struct jm_thread_heap {
	struct jm_heap heap; /* first: jm_tls_heap points here */
	struct jm_thread_heap *next;
};

JM_STATIC_ASSERT(sizeof(struct jm_thread_heap) <= JM_SMALL_MAX,
		 "a heap fits in a block");

static struct {
	struct jm_heap heap; /* arenas, spare spans, heaps, odd blocks */
	struct jm_batch *batches[JM_NCLASSES]; /* full batches per class */
	size_t batched;			       /* bytes in those batches */
	struct jm_thread_heap *heaps;	       /* heaps of exited threads */
	struct jm_life life; /* when the pool's memory goes back */
	pthread_key_t key;   /* destructor: jm_thread_exit */
	int key_ok;
} jm_pool;

static pthread_once_t jm_once = PTHREAD_ONCE_INIT;

/* Never written: every bin empty, every limit 0. */
static struct jm_heap jm_empty_heap;

__thread struct jm_heap *jm_tls_heap __attribute__((tls_model("initial-exec"))) =
	&jm_empty_heap;

/* The batch after b, of class k, in the pool (its link, the second word of its first
 * block, is stored as free-list links are: heap.h). */
static struct jm_batch *jm_pool_next_batch(const struct jm_batch *b, size_t k)
{
	struct jm_batch *next = (struct jm_batch *)jm_mangle(&b->next, (uintptr_t)b->next);

	if (JM_HARDEN && JM_UNLIKELY((uintptr_t)next & (JM_MIN_SIZE - 1)))
		jm_heap_bad_link(b, next, k);
	return next;
}

static void jm_pool_lock(void)
{
	jm_lock(JM_LOCK_POOL);
}

static void jm_pool_unlock(void)
{
	jm_unlock(JM_LOCK_POOL);
}

static void jm_thread_exit(void *arg);
static void jm_pool_oom(struct jm_heap *h);

static void jm_thread_once(void)
{
	jm_pool.key_ok = pthread_key_create(&jm_pool.key, jm_thread_exit) == 0;
}

/* Give the calling thread a heap of its own; NULL with errno ENOMEM. */
static struct jm_heap *jm_thread_heap_create(void)
{
	struct jm_thread_heap *th;
	struct jm_heap *h;
	size_t k;

	(void)pthread_once(&jm_once, jm_thread_once);
	jm_pool_lock();
	th = jm_pool.heaps;
	if (th != NULL)
		jm_pool.heaps = th->next;
	else {
		size_t kh = jm_class_of(sizeof(struct jm_thread_heap));

		th = jm_heap_carve(&jm_pool.heap, kh);
		if (th == NULL) {
			jm_pool_oom(NULL);
			th = jm_heap_carve(&jm_pool.heap, kh);
		}
	}
	jm_pool_unlock();
	if (th == NULL)
		return NULL;
	h = &th->heap;
	/* No region of its own: spans come from the pool's memory, which
	 * is fresh from the system. */
	jm_heap_init_region(h, NULL, 0, 1);
	for (k = 0; k < JM_NCLASSES; k++)
		h->limit[k] = 2 * jm_local_batch(k);
	if (jm_pool.key_ok)
		(void)pthread_setspecific(jm_pool.key, h);
	jm_tls_heap = h;
	return h;
}

/* With the pool locked: put n blocks, head to tail (NULL: not known),
 * into the pool. */
static void jm_pool_put(size_t k, struct jm_block *head,
			struct jm_block *tail, uint32_t n)
{
	if (n == 0)
		return;
	if (n == jm_local_batch(k)) {
		struct jm_batch *b = (struct jm_batch *)head;

		JM_TOOL_OPEN(b, sizeof(*b));
		b->next = (struct jm_batch *)jm_mangle(&b->next,
						       (uintptr_t)jm_pool.batches[k]);
		JM_TOOL_CLOSE(b, sizeof(*b));
		jm_pool.batches[k] = b;
		jm_pool.batched += n * jm_class_size(k);
	} else {
		if (tail == NULL) {
			struct jm_block *next;

			for (tail = head;; tail = next) {
				JM_TOOL_OPEN(tail, sizeof(*tail));
				next = jm_heap_next(tail, k);
				JM_TOOL_CLOSE(tail, sizeof(*tail));
				if (next == NULL)
					break;
			}
		}
		jm_heap_push_list(&jm_pool.heap, k, head, tail, n);
	}
}

/* With the pool locked: move the pool's batches onto its free lists, so
 * that a reclaim pass sees their blocks. */
static void jm_pool_unbatch(void)
{
	size_t k;

	for (k = 0; k < JM_NCLASSES; k++) {
		struct jm_batch *b;

		while ((b = jm_pool.batches[k]) != NULL) {
			struct jm_block *head = (struct jm_block *)b, *tail, *next;

			JM_TOOL_OPEN(b, sizeof(*b));
			jm_pool.batches[k] = jm_pool_next_batch(b, k);
			b->next = NULL; /* the second word of a list node */
			for (tail = head;; tail = next) {
				JM_TOOL_OPEN(tail, sizeof(*tail));
				next = jm_heap_next(tail, k);
				if (next == NULL)
					break;
			}
			jm_heap_push_list(&jm_pool.heap, k, head, tail,
					  jm_local_batch(k));
			jm_pool.batched -= jm_local_batch(k) * jm_class_size(k);
		}
	}
}

/* With the pool locked: the heaps a pass of thread heap h sees. */
static size_t jm_pool_heaps(struct jm_heap *h, struct jm_heap **hs)
{
	hs[0] = &jm_pool.heap;
	if (h == NULL || h == &jm_empty_heap)
		return 1;
	hs[1] = h;
	return 2;
}

/* With the pool locked: a tick of the decay (lifecycle.h) for thread
 * heap h. */
static void jm_pool_tick(struct jm_heap *h)
{
	struct jm_heap *hs[2];
	size_t n = jm_pool_heaps(h, hs);

	if (jm_life_pass_due(&jm_pool.life))
		jm_pool_unbatch();
	(void)jm_life_tick(&jm_pool.life, hs, n);
}

/* With the pool locked: before a span of class k for thread heap h maps a
 * new arena, a pass when enough has been freed since the last. */
static void jm_pool_grow(struct jm_heap *h, size_t k)
{
	struct jm_heap *hs[2];
	size_t n;

	if (!jm_life_grow_due(&jm_pool.life) || !jm_heap_must_map(&jm_pool.heap, k))
		return;
	n = jm_pool_heaps(h, hs);
	jm_pool_unbatch();
	jm_life_grow(&jm_pool.life, hs, n);
}

/* With the pool locked: everything the pool and thread heap h can give
 * back goes back.  Returns the bytes. */
static size_t jm_pool_trim(struct jm_heap *h)
{
	struct jm_heap *hs[2];
	size_t n = jm_pool_heaps(h, hs);

	jm_pool_unbatch();
	return jm_life_trim(&jm_pool.life, hs, n);
}

/* With the pool locked: memory ran out; take back what can be, so that
 * the caller can try again. */
static void jm_pool_oom(struct jm_heap *h)
{
	(void)jm_large_trim();
	(void)jm_pool_trim(h);
}

void jm_local_tick(void)
{
	jm_pool_lock();
	jm_pool_tick(jm_tls_heap);
	jm_pool_unlock();
}

size_t jm_local_trim(void)
{
	size_t bytes;

	jm_pool_lock();
	bytes = jm_pool_trim(jm_tls_heap);
	jm_pool_unlock();
	return bytes;
}

void jm_local_stats(struct jm_local_stats *st)
{
	struct jm_heap *h = jm_tls_heap;

	jm_pool_lock();
	st->listed = jm_heap_listed(&jm_pool.heap) + jm_pool.batched;
	if (h != &jm_empty_heap)
		st->listed += jm_heap_listed(h);
	st->returned = jm_pool.life.returned;
	jm_arena_stats(&st->arenas);
	jm_pool_unlock();
}

void *jm_local_refill(struct jm_heap *h, size_t k)
{
	struct jm_batch *b;
	void *p;

	if (JM_UNLIKELY(h == &jm_empty_heap)) {
		h = jm_thread_heap_create();
		if (h == NULL)
			return NULL;
	}
	p = jm_heap_bump(h, k);
	if (p != NULL)
		return p;

	jm_pool_lock();
	jm_pool_tick(h); /* first: a pass may take back h's used-up span */
	b = jm_pool.batches[k];
	if (b != NULL) {
		struct jm_block *head = (struct jm_block *)b;

		JM_TOOL_OPEN(b, sizeof(*b));
		jm_pool.batches[k] = jm_pool_next_batch(b, k);
		JM_TOOL_CLOSE(b, sizeof(*b));
		jm_heap_set_list(h, k, head, jm_local_batch(k));
		jm_pool.batched -= jm_local_batch(k) * jm_class_size(k);
		jm_life_taken(&jm_pool.life, jm_local_batch(k) * jm_class_size(k));
	} else if (jm_pool.heap.count[k] > 0) {
		struct jm_block *head, *tail;
		uint32_t n;

		head = jm_heap_take(&jm_pool.heap, k, jm_local_batch(k), &n, &tail);
		jm_heap_push_list(h, k, head, tail, n);
		jm_life_taken(&jm_pool.life, n * jm_class_size(k));
	} else {
		jm_pool_grow(h, k);
		if (jm_heap_give_span(&jm_pool.heap, h, k) != 0) {
			/* Out of memory: take back what can be, try again. */
			jm_pool_oom(h);
			if (jm_heap_give_span(&jm_pool.heap, h, k) != 0) {
				jm_pool_unlock();
				return NULL;
			}
		}
	}
	jm_pool_unlock();
	jm_heap_open_head(h, k);
	p = jm_heap_pop(h, k);
	return p != NULL ? p : jm_heap_bump(h, k);
}

void jm_local_overflow(struct jm_heap *h, void *p, size_t k)
{
	int saved = errno; /* a free leaves errno as it was */
	struct jm_block *rest;
	uint32_t n;

	if (JM_UNLIKELY(h == &jm_empty_heap)) {
		h = jm_thread_heap_create();
		if (h == NULL) {
			/* No heap to be had: the block goes to the pool. */
			jm_pool_lock();
			jm_heap_push(&jm_pool.heap, p, k);
			jm_pool_unlock();
			errno = saved;
			return;
		}
	}
	if (h->count[k] >= h->limit[k]) {
		/* Keep the newest blocks, which are warm in this cache. */
		rest = jm_heap_split(h, k, h->limit[k] - jm_local_batch(k), &n);
		jm_pool_lock();
		jm_pool_put(k, rest, NULL, n);
		jm_life_freed(&jm_pool.life, n * jm_class_size(k));
		jm_pool_tick(h); /* may give memory back: madvise, munmap */
		jm_pool_unlock();
	}
	jm_heap_push(h, p, k);
	errno = saved;
}

/* Thread exit: everything the heap holds goes back to the pool. */
static void jm_thread_exit(void *arg)
{
	struct jm_thread_heap *th = arg;
	struct jm_heap *h = &th->heap;
	size_t k;

	jm_tls_heap = &jm_empty_heap;
	jm_pool_lock();
	for (k = 0; k < JM_NCLASSES; k++) {
		while (h->count[k] > 0) {
			struct jm_block *head, *tail;
			uint32_t n;

			head = jm_heap_take(h, k, jm_local_batch(k), &n, &tail);
			jm_pool_put(k, head, tail, n);
			jm_life_freed(&jm_pool.life, n * jm_class_size(k));
		}
		jm_life_freed(&jm_pool.life, h->left[k]);
		jm_heap_return_span(h, &jm_pool.heap, k);
	}
	th->next = jm_pool.heaps;
	jm_pool.heaps = th;
	jm_pool_tick(NULL);
	jm_pool_unlock();
}
