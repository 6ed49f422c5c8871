/*
 * runner.c - one run of one workload against one allocator (alloc.h),
 * in a process of its own.  The driver (bench.c) starts runners and
 * gathers what they print; a runner can also be run by hand:
 *
 *   bench-ALLOCATOR WORKLOAD [-n COUNT] [-l LIVE] [-t THREADS] [-f TRACE]
 *
 * It prints one line on standard output,
 *
 *   ns=<ns per op> ops=<ops> rss_kb=<peak RSS of the measured phase>
 *   [key=value...]
 *
 * where an op is an alloc+free pair, or one call for a trace replay or
 * of interp's allocation hook, and the peak RSS is the high-water mark of
 * the measured phase above the resident size at its start (VmHWM, reset
 * through /proc/self/clear_refs; -1 where the system cannot reset it).
 * A workload may add figures of its own after these, on the same line
 * (report()).
 *
 * The harness's own memory (size tables, slots, the decoded trace) is
 * mapped with mmap, never taken from the allocator under test, whose
 * malloc may also be the process's malloc; nothing here uses stdio.
 *
 * Workloads (sizes and seeds fixed; COUNT, LIVE and THREADS as given):
 *   simple, simple-set    alloc/free pairs over sizes of 16 B to 2 KiB
 *                         (the original jmalloc's loop); -set writes the
 *                         whole block, as the original's *set variants did
 *   complex, complex-set  1024 live slots, each step frees a random slot's
 *                         block and allocates one of a new random size
 *   complex-mt            THREADS threads, each the complex loop
 *   live                  LIVE live objects of mixed small sizes (8 B to
 *                         1 KiB, mostly small), COUNT replacements at
 *                         random, then all freed; with -t, the set and the
 *                         replacements are split between THREADS threads
 *   prodcons              one thread allocates COUNT blocks and passes them
 *                         through a 4096-entry queue to another that frees
 *                         them
 *   replay                the calls of a trace file (trace.h), in order;
 *                         with -n, only the first COUNT calls
 *   phases, large         memory given back after a peak, and large
 *                         temporaries (lifecycle.c)
 *   interp                an interpreter's sized allocation hook (interp.c)
 *   probe                 two threads check each other's blocks for a
 *                         moment; exits 1 if a block was handed out twice
 *   version               prints the allocator's name and version
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"
#include "trace.h"

/* --- Harness support: output, memory, time, RSS ------------------------ */

void say(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void die(const char *what)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "bench-%s: %s\n", BENCH_NAME, what);
	say(2, buf);
	_exit(1);
}

void *harness_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die("cannot map harness memory");
	return p;
}

void harness_unmap(void *p, size_t len)
{
	if (munmap(p, len) != 0)
		die("cannot unmap harness memory");
}

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

long status_kb(const char *key)
{
	char buf[8192];
	size_t klen = strlen(key), got = 0;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	char *p;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return strtol(p + klen + 1, NULL, 10);
	}
	return -1;
}

/* Start a measured phase: reset the RSS high-water mark; the RSS now. */
static long rss_begin(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int ok = 0;

	if (fd >= 0) {
		ok = write(fd, "5", 1) == 1;
		close(fd);
	}
	return ok ? status_kb("VmRSS") : -1;
}

/* The peak RSS since rss_begin() above its base, in KiB, or -1. */
static long rss_end(long base)
{
	long hwm = status_kb("VmHWM");

	if (base < 0 || hwm < 0)
		return -1;
	return hwm > base ? hwm - base : 0;
}

long rss_base = -1;

double phase_start(void)
{
	rss_base = rss_begin();
	return now_ns();
}

uint64_t page_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		die("getrusage failed");
	return (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
}

void syscall_mark(void)
{
	(void)getppid();
}

/* The extra figures of report(), printed after the standard ones. */
static char extra[512];

void report(const char *key, double value)
{
	size_t n = strlen(extra);

	snprintf(extra + n, sizeof(extra) - n, " %s=%.6g", key, value);
}

/* --- Size tables ------------------------------------------------------- */

enum { SIZES = 4096, SLOTS = 1024 };

/* The original loops' sizes: uniform over 16 B to 2 KiB. */
static size_t *orig_sizes;

static void make_orig_sizes(void)
{
	uint32_t x = 2463534242u;
	int i;

	orig_sizes = harness_map(SIZES * sizeof(*orig_sizes));
	for (i = 0; i < SIZES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		orig_sizes[i] = 16 + x % (2048 - 16 + 1);
	}
}

/* Mixed small sizes: 60% 8-63 B, 30% 64-255 B, 10% 256 B-1 KiB. */
static inline size_t small_size(uint64_t r)
{
	unsigned pick = (unsigned)(r % 10);
	uint64_t v = r >> 8;

	if (pick < 6)
		return 8 + (size_t)(v % 56);
	if (pick < 9)
		return 64 + (size_t)(v % 192);
	return 256 + (size_t)(v % 769);
}

/* --- The original's loops ------------------------------------------------ */

static NOINLINE void bench_measured_simple(uint64_t iters, int set)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		size_t sz = orig_sizes[i & (SIZES - 1)];
		void *p = bench_alloc(sz);

		if (p == NULL)
			die("allocation failed");
		if (set)
			memset(p, (int)i, sz);
		else
			touch(p);
		bench_free(p, sz);
	}
}

struct complex_state {
	void *slot[SLOTS];
	size_t size[SLOTS];
	uint32_t seed;
};

static void complex_fill(struct complex_state *c, uint32_t seed)
{
	int s;

	c->seed = seed;
	for (s = 0; s < SLOTS; s++) {
		c->size[s] = orig_sizes[s];
		c->slot[s] = bench_alloc(c->size[s]);
		if (c->slot[s] == NULL)
			die("allocation failed");
	}
}

static void complex_drain(struct complex_state *c)
{
	int s;

	for (s = 0; s < SLOTS; s++)
		bench_free(c->slot[s], c->size[s]);
}

static void complex_loop(struct complex_state *c, uint64_t iters, int set)
{
	uint32_t x = c->seed;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		unsigned s;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s = x & (SLOTS - 1);
		bench_free(c->slot[s], c->size[s]);
		c->size[s] = orig_sizes[(x >> 10) & (SIZES - 1)];
		c->slot[s] = bench_alloc(c->size[s]);
		if (c->slot[s] == NULL)
			die("allocation failed");
		if (set)
			memset(c->slot[s], (int)i, c->size[s]);
		else
			touch(c->slot[s]);
	}
	c->seed = x;
}

static NOINLINE void bench_measured_complex(struct complex_state *c,
					    uint64_t iters, int set)
{
	complex_loop(c, iters, set);
}

/* --- Threads --------------------------------------------------------------- */

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

static void *complex_worker(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	complex_fill(w->cs, 88172645u + 7919u * w->index);
	complex_loop(w->cs, w->count, 0);
	complex_drain(w->cs);
	return NULL;
}

/* --- Large live set -------------------------------------------------------- */

static void live_run(void **slot, size_t *size, uint64_t live, uint64_t count,
		     uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < live; i++) {
		size[i] = small_size(rnd(&seed));
		slot[i] = bench_alloc(size[i]);
		if (slot[i] == NULL)
			die("allocation failed");
		touch(slot[i]);
	}
	for (i = 0; i < count; i++) {
		uint64_t r = rnd(&seed);
		uint64_t s = r % live;

		bench_free(slot[s], size[s]);
		size[s] = small_size(rnd(&seed));
		slot[s] = bench_alloc(size[s]);
		if (slot[s] == NULL)
			die("allocation failed");
		touch(slot[s]);
	}
	for (i = 0; i < live; i++)
		bench_free(slot[i], size[i]);
}

static void *live_worker(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	live_run(w->slot, w->size, w->live, w->count,
		 0x9e3779b97f4a7c15ull + 0x1000193ull * w->index);
	return NULL;
}

static NOINLINE void bench_measured_live(void **slot, size_t *size,
					 uint64_t live, uint64_t count)
{
	live_run(slot, size, live, count, 0x9e3779b97f4a7c15ull);
}

/* --- Producer/consumer ------------------------------------------------------ */

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

struct pc {
	struct queue *q;
	uint64_t count;
	pthread_barrier_t *start;
};

static void *producer(void *arg)
{
	struct pc *pc = arg;
	struct queue *q = pc->q;
	uint64_t seed = 0x2545f4914f6cdd1dull, i;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count; i++) {
		size_t n = small_size(rnd(&seed));
		void *p = bench_alloc(n);
		unsigned spins = 0;

		if (p == NULL)
			die("allocation failed");
		touch(p);
		while (i - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= QUEUE)
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
	uint64_t i;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count; i++) {
		unsigned spins = 0;

		while (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) <= i)
			spin_wait(&spins);
		bench_free(q->item[i % QUEUE].p, q->item[i % QUEUE].n);
		__atomic_store_n(&q->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* --- Trace replay ------------------------------------------------------------ */

struct event {
	uint32_t op;
	uint32_t id;	/* the block's slot */
	uint64_t size;	/* JMT_ALIGNED: log2(alignment) in the top 8 bits */
};

#define EV_ALIGN_SHIFT 56

struct trace {
	struct event *ev;
	uint64_t n;
	uint64_t ids;	/* slots needed */
};

static void trace_load(const char *path, struct trace *t)
{
	const unsigned char *p, *end, *base;
	uint64_t cap = 0, namelen, n = 0, next = 0, nfree = 0;
	uint32_t *stack;
	unsigned char *live;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < JMT_MAGIC_LEN)
		die("cannot read the trace file");
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		die("cannot map the trace file");
	end = base + st.st_size;
	if (memcmp(base, JMT_MAGIC, JMT_MAGIC_LEN) != 0)
		die("not a trace file (bad magic)");
	p = base + JMT_MAGIC_LEN;
	if (jmt_get_varint(&p, end, &namelen) != 0 ||
	    namelen > (uint64_t)(end - p))
		die("corrupt trace header");
	p += namelen;
	/* Every record takes at least two bytes: an upper bound of events. */
	cap = (uint64_t)(end - p) / 2 + 1;
	t->ev = harness_map(cap * sizeof(*t->ev));
	stack = harness_map(cap * sizeof(*stack));
	live = harness_map(cap);
	while (p < end) {
		struct event *e = &t->ev[n];
		uint64_t a = 0, b = 0;
		unsigned op = *p++;

		if (jmt_get_varint(&p, end, &a) != 0)
			die("corrupt trace record");
		if ((op == JMT_REALLOC || op == JMT_ALIGNED) &&
		    jmt_get_varint(&p, end, &b) != 0)
			die("corrupt trace record");
		e->op = op;
		switch (op) {
		case JMT_MALLOC:
		case JMT_CALLOC:
		case JMT_ALIGNED:
			if (op == JMT_ALIGNED) {
				if (a > 63 || b >> EV_ALIGN_SHIFT)
					die("corrupt aligned record");
				e->size = b | a << EV_ALIGN_SHIFT;
			} else {
				if (a >> EV_ALIGN_SHIFT)
					die("size too large in trace");
				e->size = a;
			}
			e->id = nfree > 0 ? stack[--nfree] : (uint32_t)next++;
			live[e->id] = 1;
			break;
		case JMT_REALLOC:
		case JMT_FREE:
			if (a >= next || !live[a])
				die("trace names a block that is not live");
			e->id = (uint32_t)a;
			e->size = b;
			if (op == JMT_FREE) {
				live[a] = 0;
				stack[nfree++] = (uint32_t)a;
			} else if (b >> EV_ALIGN_SHIFT) {
				die("size too large in trace");
			}
			break;
		default:
			die("unknown record in trace");
		}
		n++;
	}
	munmap(stack, cap * sizeof(*stack));
	munmap(live, cap);
	munmap((void *)base, (size_t)st.st_size);
	t->n = n;
	t->ids = next;
}

struct tslot {
	void *p;
	uint64_t size;
	unsigned align; /* log2; 0 when no alignment was asked for */
};

#define TS_ALIGN(s) ((size_t)1 << (s)->align)
#define TS_ALIGNED(s) ((s)->align > 4) /* more than 16 bytes */

static NOINLINE void bench_measured_replay(const struct trace *t,
					   struct tslot *slot)
{
	const struct event *e = t->ev, *end = t->ev + t->n;

	for (; e < end; e++) {
		struct tslot *s = &slot[e->id];
		void *p;

		switch (e->op) {
		case JMT_MALLOC:
			s->p = p = bench_alloc(e->size);
			s->size = e->size;
			s->align = 0;
			if (p == NULL)
				die("allocation failed");
			if (e->size != 0)
				touch(p);
			break;
		case JMT_CALLOC:
			s->p = p = bench_calloc(e->size);
			s->size = e->size;
			s->align = 0;
			if (p == NULL)
				die("allocation failed");
			break;
		case JMT_ALIGNED:
			s->size = e->size & (((uint64_t)1 << EV_ALIGN_SHIFT) - 1);
			s->align = (unsigned)(e->size >> EV_ALIGN_SHIFT);
			if (TS_ALIGNED(s))
				p = bench_aligned(TS_ALIGN(s), s->size);
			else
				p = bench_alloc(s->size);
			if (p == NULL)
				die("allocation failed");
			s->p = p;
			if (s->size != 0)
				touch(p);
			break;
		case JMT_REALLOC:
			if (TS_ALIGNED(s)) {
				/* realloc keeps no alignment: move it by hand */
				p = bench_alloc(e->size);
				if (p == NULL)
					die("allocation failed");
				memcpy(p, s->p, s->size < e->size ? s->size : e->size);
				bench_free_aligned(s->p, TS_ALIGN(s), s->size);
				s->align = 0;
			} else {
				p = bench_realloc(s->p, s->size, e->size);
				if (p == NULL)
					die("reallocation failed");
			}
			s->p = p;
			if (e->size > s->size)
				touch((char *)p + s->size);
			s->size = e->size;
			break;
		case JMT_FREE:
			if (TS_ALIGNED(s))
				bench_free_aligned(s->p, TS_ALIGN(s), s->size);
			else
				bench_free(s->p, s->size);
			s->p = NULL;
			break;
		}
	}
}

/* --- Thread-safety probe -------------------------------------------------- */

static volatile int probe_bad;

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

/* --- Main ------------------------------------------------------------------------ */

static uint64_t run(const struct params *pr, double *ns)
{
	const char *wl = pr->workload;
	pthread_barrier_t start;
	struct worker *w;
	double t0, t1;
	uint64_t ops;
	unsigned i;

	if (lifecycle_run(pr, ns, &ops) || interp_run(pr, ns, &ops))
		return ops;
	if (strcmp(wl, "simple") == 0 || strcmp(wl, "simple-set") == 0) {
		int set = wl[6] != '\0';

		t0 = phase_start();
		bench_measured_simple(pr->count, set);
		t1 = now_ns();
		ops = pr->count;
	} else if (strcmp(wl, "complex") == 0 || strcmp(wl, "complex-set") == 0) {
		struct complex_state *c = harness_map(sizeof(*c));
		int set = wl[7] != '\0';

		complex_fill(c, 88172645u);
		t0 = phase_start();
		bench_measured_complex(c, pr->count, set);
		t1 = now_ns();
		complex_drain(c);
		ops = pr->count;
	} else if (strcmp(wl, "complex-mt") == 0) {
		w = harness_map(pr->threads * sizeof(*w));
		for (i = 0; i < pr->threads; i++) {
			w[i].cs = harness_map(sizeof(*w[i].cs));
			w[i].count = pr->count;
		}
		pthread_barrier_init(&start, NULL, pr->threads + 1);
		run_workers(w, pr->threads, complex_worker, &start);
		rss_base = rss_begin();
		pthread_barrier_wait(&start);
		t0 = now_ns();
		join_workers(w, pr->threads);
		t1 = now_ns();
		ops = pr->count * pr->threads;
	} else if (strcmp(wl, "live") == 0 && pr->threads <= 1) {
		void **slot = harness_map(pr->live * sizeof(*slot));
		size_t *size = harness_map(pr->live * sizeof(*size));

		t0 = phase_start();
		bench_measured_live(slot, size, pr->live, pr->count);
		t1 = now_ns();
		ops = pr->live + pr->count;
	} else if (strcmp(wl, "live") == 0) {
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
		pthread_barrier_init(&start, NULL, pr->threads + 1);
		run_workers(w, pr->threads, live_worker, &start);
		rss_base = rss_begin();
		pthread_barrier_wait(&start);
		t0 = now_ns();
		join_workers(w, pr->threads);
		t1 = now_ns();
		ops = (per + pr->count / pr->threads) * pr->threads;
	} else if (strcmp(wl, "prodcons") == 0) {
		struct pc pc;
		pthread_t a, b;

		pc.q = harness_map(sizeof(*pc.q));
		pc.count = pr->count;
		pc.start = &start;
		pthread_barrier_init(&start, NULL, 3);
		if (pthread_create(&a, NULL, producer, &pc) != 0 ||
		    pthread_create(&b, NULL, consumer, &pc) != 0)
			die("cannot create a thread");
		rss_base = rss_begin();
		pthread_barrier_wait(&start);
		t0 = now_ns();
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		t1 = now_ns();
		ops = pr->count;
	} else if (strcmp(wl, "replay") == 0) {
		struct trace t;
		struct tslot *slot;
		uint64_t k;

		if (pr->trace == NULL)
			die("replay needs a trace file (-f FILE)");
		trace_load(pr->trace, &t);
		if (t.n > pr->count)
			t.n = pr->count; /* the first COUNT calls */
		slot = harness_map((t.ids + 1) * sizeof(*slot));
		t0 = phase_start();
		bench_measured_replay(&t, slot);
		t1 = now_ns();
		for (k = 0; k < t.ids; k++) {
			struct tslot *s = &slot[k];

			if (s->p == NULL)
				continue;
			if (TS_ALIGNED(s))
				bench_free_aligned(s->p, TS_ALIGN(s), s->size);
			else
				bench_free(s->p, s->size);
		}
		ops = t.n;
	} else {
		die("unknown workload");
	}
	*ns = t1 - t0;
	return ops;
}

/* Cross-thread frees: blocks carry their sequence number to the consumer. */
static void *probe_producer(void *arg)
{
	struct pc *pc = arg;
	struct queue *q = pc->q;
	uint64_t seed = 777, i;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count && !probe_bad; i++) {
		size_t n = 16 + rnd(&seed) % 241;
		void *p = bench_alloc(n);
		unsigned spins = 0;

		if (p == NULL)
			die("allocation failed");
		memcpy(p, &i, sizeof(i));
		while (i - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= QUEUE &&
		       !probe_bad)
			spin_wait(&spins);
		q->item[i % QUEUE].p = p;
		q->item[i % QUEUE].n = n;
		__atomic_store_n(&q->head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *probe_consumer(void *arg)
{
	struct pc *pc = arg;
	struct queue *q = pc->q;
	uint64_t seed = 999, i, got;

	pthread_barrier_wait(pc->start);
	for (i = 0; i < pc->count && !probe_bad; i++) {
		unsigned spins = 0;
		size_t n = 16 + rnd(&seed) % 241;
		void *mine = bench_alloc(n); /* the consumer allocates too */

		if (mine == NULL)
			die("allocation failed");
		while (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) <= i && !probe_bad)
			spin_wait(&spins);
		if (probe_bad)
			break;
		memcpy(&got, q->item[i % QUEUE].p, sizeof(got));
		if (got != i)
			probe_bad = 1;
		bench_free(q->item[i % QUEUE].p, q->item[i % QUEUE].n);
		bench_free(mine, n);
		__atomic_store_n(&q->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Is the allocator safe to call from two threads at once?  Two threads
 * replace blocks of their own, then one allocates blocks that the other
 * frees; every block is checked for being handed out twice.  A
 * thread-unsafe allocator fails this (or crashes) almost always.
 */
static int probe(void)
{
	pthread_barrier_t start;
	struct worker w[2];
	struct pc pc;
	pthread_t a, b;
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
	pc.q = harness_map(sizeof(*pc.q));
	pc.count = 300000;
	pc.start = &start;
	if (pthread_create(&a, NULL, probe_producer, &pc) != 0 ||
	    pthread_create(&b, NULL, probe_consumer, &pc) != 0)
		die("cannot create a thread");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return probe_bad ? 1 : 0;
}

/* The allocator's name and version, as its headers give them. */
static void version(char *buf, size_t len)
{
#if defined(BENCH_ALLOC_JMALLOC)
	snprintf(buf, len, "jmalloc %s\n", JMALLOC_VERSION_STRING);
#elif defined(BENCH_ALLOC_SYSTEM) && defined(__GLIBC__)
	snprintf(buf, len, "system (glibc %d.%d)\n", __GLIBC__, __GLIBC_MINOR__);
#elif defined(BENCH_ALLOC_JEMALLOC) && defined(JEMALLOC_VERSION)
	snprintf(buf, len, "jemalloc %.*s\n",
		 (int)strcspn(JEMALLOC_VERSION, "-"), JEMALLOC_VERSION);
#elif defined(BENCH_ALLOC_MIMALLOC) && defined(MI_MALLOC_VERSION)
	snprintf(buf, len, "mimalloc %d.%d.%d\n", MI_MALLOC_VERSION / 100,
		 MI_MALLOC_VERSION / 10 % 10, MI_MALLOC_VERSION % 10);
#elif defined(BENCH_ALLOC_TCMALLOC) && defined(TC_VERSION_STRING)
	snprintf(buf, len, "tcmalloc (%s)\n", TC_VERSION_STRING);
#else
	snprintf(buf, len, "%s\n", BENCH_NAME);
#endif
}

static void usage(void)
{
	say(2, "usage: bench-" BENCH_NAME " WORKLOAD [-n COUNT] [-l LIVE] "
	       "[-t THREADS] [-f TRACE]\n");
	_exit(2);
}

static uint64_t number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0)
		usage();
	return (uint64_t)v;
}

int main(int argc, char **argv)
{
	struct params pr = { NULL, 0, 1000000, 1, NULL };
	char line[160 + sizeof(extra)];
	uint64_t ops;
	long peak;
	double ns;
	int i;

	if (argc < 2)
		usage();
	pr.workload = argv[1];
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "-n") == 0)
			pr.count = number(argv[++i]);
		else if (strcmp(argv[i], "-l") == 0)
			pr.live = number(argv[++i]);
		else if (strcmp(argv[i], "-t") == 0)
			pr.threads = (unsigned)number(argv[++i]);
		else if (strcmp(argv[i], "-f") == 0)
			pr.trace = argv[++i];
		else
			usage();
	}
	if (pr.threads > 1024)
		usage();
	if (strcmp(pr.workload, "probe") == 0)
		return probe();
	if (strcmp(pr.workload, "version") == 0) {
		version(line, sizeof(line));
		say(1, line);
		return 0;
	}
	if (pr.count == 0)
		pr.count = strcmp(pr.workload, "replay") == 0 ? UINT64_MAX : 1000000;
	make_orig_sizes();
	ops = run(&pr, &ns);
	peak = rss_end(rss_base);
	snprintf(line, sizeof(line), "ns=%.4f ops=%llu rss_kb=%ld%s\n",
		 ns / (double)ops, (unsigned long long)ops, peak, extra);
	say(1, line);
	return 0;
}
