/*
 * threads.c - the threaded workloads, and the probe that tells whether
 * an allocator may run them.
 *
 *   complex-mt  THREADS threads, each the complex loop (loops.c) on slots
 *               of its own, COUNT steps each
 *   live        with -t, the live loop's set and its replacements split
 *               between THREADS threads
 *   prodcons    one thread allocates COUNT blocks and passes them through
 *               a 4096-entry queue to another that frees them
 *   probe       (not a workload) two threads check each other's blocks
 *               for a moment; exit status 1 if a block was handed out
 *               twice
 *
 * The measured phase starts when the threads are released from a
 * barrier, and ends when the last has finished.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "harness.h"

/* --- Workers ---------------------------------------------------------------- */

struct worker {
	pthread_t tid;
	pthread_barrier_t *start;
	unsigned index;
	uint64_t count;
	uint64_t live;
	void **slot;
	size_t *size;
	struct complex_state *cs;
};

static void run_workers(struct worker *w, unsigned n, void *(*fn)(void *),
			pthread_barrier_t *start)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		w[i].start = start;
		w[i].index = i;
		if (pthread_create(&w[i].tid, NULL, fn, &w[i]) != 0)
			die("cannot create a thread");
	}
}

static void join_workers(struct worker *w, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
}

/* Start the measured phase: reset the peak RSS, let the threads waiting
 * at `start` go, and read the clock. */
static double release(pthread_barrier_t *start)
{
	rss_reset();
	pthread_barrier_wait(start);
	return now_ns();
}

/* Run n workers of fn, measured from their release to the last one's end. */
static double measure_workers(struct worker *w, unsigned n,
			      void *(*fn)(void *))
{
	pthread_barrier_t start;
	double t0;

	pthread_barrier_init(&start, NULL, n + 1);
	run_workers(w, n, fn, &start);
	t0 = release(&start);
	join_workers(w, n);
	return now_ns() - t0;
}

static void *complex_worker(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	complex_fill(w->cs, 88172645u + 7919u * w->index);
	complex_loop(w->cs, w->count, 0);
	complex_drain(w->cs);
	return NULL;
}

static void *live_worker(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	live_run(w->slot, w->size, w->live, w->count,
		 0x9e3779b97f4a7c15ull + 0x1000193ull * w->index);
	return NULL;
}

/* --- Producer and consumer ----------------------------------------------------- */

enum { QUEUE = 4096 };

struct queue {
	_Alignas(64) uint64_t head; /* written by the producer */
	_Alignas(64) uint64_t tail; /* written by the consumer */
	_Alignas(64) struct {
		void *p;
		size_t n;
	} item[QUEUE];
};

static void spin_wait(unsigned *spins)
{
	if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	} else {
		sched_yield();
	}
}

/* Set by the probe when a block was handed out twice: every thread stops. */
static volatile int probe_bad;

struct pc {
	struct queue *q;
	uint64_t count;
	pthread_barrier_t *start;
	/* The probe: each block carries its sequence number for the consumer
	 * to check, and the consumer allocates blocks of its own too. */
	int check;
};

static int stopped(const struct pc *pc)
{
	return pc->check && probe_bad;
}

static void *producer(void *arg)
{
	struct pc *pc = arg;
	struct queue *q = pc->q;
	uint64_t seed = 0x2545f4914f6cdd1dull, i;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count && !stopped(pc); i++) {
		size_t n = small_size(rnd(&seed));
		void *p = bench_alloc(n);
		unsigned spins = 0;

		if (p == NULL)
			die("allocation failed");
		if (pc->check)
			memcpy(p, &i, sizeof(i)); /* small sizes start at 8 B */
		else
			touch(p);
		while (i - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= QUEUE &&
		       !stopped(pc))
			spin_wait(&spins);
		q->item[i % QUEUE].p = p;
		q->item[i % QUEUE].n = n;
		__atomic_store_n(&q->head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct pc *pc = arg;
	struct queue *q = pc->q;
	uint64_t seed = 999, i, got;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count && !stopped(pc); i++) {
		unsigned spins = 0;
		size_t n = 0;
		void *mine = NULL;

		if (pc->check) {
			n = small_size(rnd(&seed));
			mine = bench_alloc(n);
			if (mine == NULL)
				die("allocation failed");
		}
		while (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) <= i &&
		       !stopped(pc))
			spin_wait(&spins);
		if (stopped(pc))
			break;
		if (pc->check) {
			memcpy(&got, q->item[i % QUEUE].p, sizeof(got));
			if (got != i)
				probe_bad = 1;
		}
		bench_free(q->item[i % QUEUE].p, q->item[i % QUEUE].n);
		if (mine != NULL)
			bench_free(mine, n);
		__atomic_store_n(&q->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The producer and the consumer of pc, from their release to their end;
 * `waiting` is the barrier's count beyond the two threads. */
static double run_pair(struct pc *pc, unsigned waiting)
{
	pthread_barrier_t start;
	pthread_t a, b;
	double t0 = 0;

	pc->q = harness_map(sizeof(*pc->q));
	pc->start = &start;
	pthread_barrier_init(&start, NULL, 2 + waiting);
	if (pthread_create(&a, NULL, producer, pc) != 0 ||
	    pthread_create(&b, NULL, consumer, pc) != 0)
		die("cannot create a thread");
	if (waiting)
		t0 = release(&start);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return waiting ? now_ns() - t0 : 0;
}

/* --- Thread-safety probe ---------------------------------------------------------- */

/* Replace blocks that carry the thread's mark, checking the mark first. */
static void *probe_worker(void *arg)
{
	struct worker *w = arg;
	uint32_t mark = 0x5a5a0000u + w->index;
	uint64_t seed = 12345 + w->index, i;
	unsigned s;

	pthread_barrier_wait(w->start);
	for (s = 0; s < SLOTS; s++) {
		w->size[s] = 16 + rnd(&seed) % 241;
		w->slot[s] = bench_alloc(w->size[s]);
		if (w->slot[s] == NULL)
			die("allocation failed");
		memcpy(w->slot[s], &mark, sizeof(mark));
	}
	for (i = 0; i < w->count && !probe_bad; i++) {
		uint32_t got;

		s = (unsigned)(rnd(&seed) % SLOTS);
		memcpy(&got, w->slot[s], sizeof(got));
		if (got != mark) {
			probe_bad = 1;
			break;
		}
		bench_free(w->slot[s], w->size[s]);
		w->size[s] = 16 + rnd(&seed) % 241;
		w->slot[s] = bench_alloc(w->size[s]);
		if (w->slot[s] == NULL)
			die("allocation failed");
		memcpy(w->slot[s], &mark, sizeof(mark));
	}
	return NULL;
}

/*
 * Is the allocator safe to call from two threads at once?  Two threads
 * replace blocks of their own, then the producer allocates blocks that
 * the consumer frees; every block is checked for being handed out twice.
 * A thread-unsafe allocator fails this (or crashes) almost always.
 */
int thread_probe(void)
{
	pthread_barrier_t start;
	struct worker w[2];
	struct pc pc;
	unsigned i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].slot = harness_map(SLOTS * sizeof(void *));
		w[i].size = harness_map(SLOTS * sizeof(size_t));
		w[i].count = 1000000;
	}
	pthread_barrier_init(&start, NULL, 2);
	run_workers(w, 2, probe_worker, &start);
	join_workers(w, 2);
	if (probe_bad)
		return 1;
	memset(&pc, 0, sizeof(pc));
	pc.count = 300000;
	pc.check = 1;
	run_pair(&pc, 0);
	return probe_bad ? 1 : 0;
}

/* --- The workloads ------------------------------------------------------------------ */

int threads_run(const struct params *pr, double *ns, uint64_t *ops)
{
	const char *wl = pr->workload;
	struct worker *w;
	unsigned i;

	if (strcmp(wl, "complex-mt") == 0) {
		w = harness_map(pr->threads * sizeof(*w));
		for (i = 0; i < pr->threads; i++) {
			w[i].cs = harness_map(sizeof(*w[i].cs));
			w[i].count = pr->count;
		}
		*ns = measure_workers(w, pr->threads, complex_worker);
		*ops = pr->count * pr->threads;
	} else if (strcmp(wl, "live") == 0 && pr->threads > 1) {
		uint64_t per = pr->live / pr->threads;
		void **slot = harness_map(pr->live * sizeof(*slot));
		size_t *size = harness_map(pr->live * sizeof(*size));

		if (per == 0)
			die("fewer live objects than threads");
		w = harness_map(pr->threads * sizeof(*w));
		for (i = 0; i < pr->threads; i++) {
			w[i].slot = slot + per * i;
			w[i].size = size + per * i;
			w[i].live = per;
			w[i].count = pr->count / pr->threads;
		}
		*ns = measure_workers(w, pr->threads, live_worker);
		*ops = (per + pr->count / pr->threads) * pr->threads;
	} else if (strcmp(wl, "prodcons") == 0) {
		struct pc pc;

		memset(&pc, 0, sizeof(pc));
		pc.count = pr->count;
		*ns = run_pair(&pc, 1);
		*ops = pr->count;
	} else {
		return 0;
	}
	return 1;
}
