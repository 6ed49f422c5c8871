/*
 * loops.c - the single-threaded loops: the original jmalloc's simple and
 * complex loops, and a large live set.
 *
 *   simple, simple-set    COUNT alloc/free pairs over sizes of 16 B to
 *                         2 KiB; -set writes the whole block, as the
 *                         original's *set variants did
 *   complex, complex-set  1024 live slots; each of COUNT steps frees a
 *                         random slot's block and allocates one of a new
 *                         random size
 *   live                  LIVE live objects of mixed small sizes (8 B to
 *                         1 KiB, mostly small), COUNT replacements at
 *                         random, then all freed
 *
 * An op is an alloc+free pair.  The complex and live loops also run in
 * threads (threads.c).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "harness.h"

/* --- Sizes --------------------------------------------------------------- */

size_t *orig_sizes;

void make_orig_sizes(void)
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

/* --- simple ---------------------------------------------------------------- */

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

/* --- complex ---------------------------------------------------------------- */

void complex_fill(struct complex_state *c, uint32_t seed)
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

void complex_drain(struct complex_state *c)
{
	int s;

	for (s = 0; s < SLOTS; s++)
		bench_free(c->slot[s], c->size[s]);
}

void complex_loop(struct complex_state *c, uint64_t iters, int set)
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

/* --- live ------------------------------------------------------------------- */

void live_run(void **slot, size_t *size, uint64_t live, uint64_t count,
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

static NOINLINE void bench_measured_live(void **slot, size_t *size,
					 uint64_t live, uint64_t count)
{
	live_run(slot, size, live, count, 0x9e3779b97f4a7c15ull);
}

/* --- The workloads ------------------------------------------------------------ */

int loops_run(const struct params *pr, double *ns, uint64_t *ops)
{
	const char *wl = pr->workload;
	double t0, t1;

	if (strcmp(wl, "simple") == 0 || strcmp(wl, "simple-set") == 0) {
		int set = wl[6] != '\0';

		t0 = phase_start();
		bench_measured_simple(pr->count, set);
		t1 = now_ns();
		*ops = pr->count;
	} else if (strcmp(wl, "complex") == 0 || strcmp(wl, "complex-set") == 0) {
		struct complex_state *c = harness_map(sizeof(*c));
		int set = wl[7] != '\0';

		complex_fill(c, 88172645u);
		t0 = phase_start();
		bench_measured_complex(c, pr->count, set);
		t1 = now_ns();
		complex_drain(c);
		*ops = pr->count;
	} else if (strcmp(wl, "live") == 0 && pr->threads <= 1) {
		void **slot = harness_map(pr->live * sizeof(*slot));
		size_t *size = harness_map(pr->live * sizeof(*size));

		t0 = phase_start();
		bench_measured_live(slot, size, pr->live, pr->count);
		t1 = now_ns();
		*ops = pr->live + pr->count;
	} else {
		return 0;
	}
	*ns = t1 - t0;
	return 1;
}
