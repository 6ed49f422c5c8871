/*
 * lifecycle.c - workloads of the memory's life cycle: whether memory
 * comes back after a peak, and what large temporaries cost.
 *
 *   phases  builds a live set of -l MiB (three quarters in small blocks of
 *           16 B to 4 KiB, mostly small; a quarter in blocks of 1-8 MiB,
 *           every page written), frees it in random order, then runs
 *           COUNT replacements of small blocks in a set of 1024.  Reports
 *           the RSS at the end (end_kb) and again after the allocator's
 *           own call to give memory back, bench_trim() (trim_kb, and the
 *           call's time, trim_us); both above the RSS at the start, as
 *           the peak is.  An op is an alloc+free pair.
 *   large   four slots of temporaries of 1-64 MiB (log-uniform sizes),
 *           filled before the measured phase; each of COUNT steps frees a
 *           random slot's block, allocates one of a new size and writes
 *           one byte of each of its pages.  Reports page faults per op
 *           (faults).  An op is one such step.
 *
 * Both report page faults per op and mark their measured phase for a
 * system call tracer (syscall_mark()).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"

#define MIB ((size_t)1 << 20)

static size_t page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

/* Write one byte of each page of a block. */
static void touch_pages(unsigned char *p, size_t n, size_t page)
{
	size_t i;

	for (i = 0; i < n; i += page)
		p[i] = 1;
	p[n - 1] = 1;
}

/* --- phases ------------------------------------------------------------------ */

/* Small sizes of 16 B to 4 KiB: half under 128 B, 5% over 2 KiB. */
static size_t phase_small_size(uint64_t r)
{
	static const struct size_mix mix = {
		20, { 10, 16, 19 }, { 16, 129, 513, 2049 }, { 113, 384, 1536, 2048 }
	};

	return mix_size(&mix, r);
}

enum { STEADY = 1024 };

struct phases {
	size_t *size;	/* the live set's sizes, in allocation order */
	void **slot;
	uint64_t *order; /* the order of the frees: a permutation */
	uint64_t n;
	void *steady[STEADY];
	size_t steady_size[STEADY];
};

/* The live set's sizes and the order of its frees, before the clock. */
static void phases_plan(struct phases *ph, uint64_t mib)
{
	uint64_t seed = 0x853c49e6748fea9bull, bytes, big = 0, small = 0, i;
	uint64_t cap;

	bytes = mib * MIB;
	cap = bytes / 16 + 1; /* an upper bound: nothing under 16 B */
	/* Count first, so that the harness maps only what it needs. */
	for (ph->n = 0; big + small < bytes; ph->n++) {
		uint64_t r = rnd(&seed);

		if (big < bytes / 4 && r % 16384 == 0)
			big += MIB + (r >> 16) % (7 * MIB + 1);
		else
			small += phase_small_size(r >> 8);
		if (ph->n == cap)
			die("phases: too many blocks");
	}
	ph->size = harness_map(ph->n * sizeof(*ph->size));
	ph->slot = harness_map(ph->n * sizeof(*ph->slot));
	ph->order = harness_map(ph->n * sizeof(*ph->order));
	seed = 0x853c49e6748fea9bull;
	big = 0;
	for (i = 0; i < ph->n; i++) {
		uint64_t r = rnd(&seed);

		if (big < bytes / 4 && r % 16384 == 0) {
			ph->size[i] = MIB + (r >> 16) % (7 * MIB + 1);
			big += ph->size[i];
		} else {
			ph->size[i] = phase_small_size(r >> 8);
		}
		ph->order[i] = i;
	}
	for (i = ph->n - 1; i > 0; i--) {
		uint64_t j = rnd(&seed) % (i + 1), t = ph->order[i];

		ph->order[i] = ph->order[j];
		ph->order[j] = t;
	}
}

static NOINLINE void bench_measured_phases(struct phases *ph, uint64_t count)
{
	uint64_t seed = 0x2545f4914f6cdd1dull, i;
	size_t page = page_size();

	for (i = 0; i < ph->n; i++) {
		void *p = bench_alloc(ph->size[i]);

		if (p == NULL)
			die("allocation failed");
		if (ph->size[i] >= MIB)
			touch_pages(p, ph->size[i], page);
		else
			touch(p);
		ph->slot[i] = p;
	}
	for (i = 0; i < ph->n; i++) {
		uint64_t k = ph->order[i];

		bench_free(ph->slot[k], ph->size[k]);
	}
	for (i = 0; i < STEADY; i++) {
		ph->steady_size[i] = phase_small_size(rnd(&seed)) / 4 + 8;
		ph->steady[i] = bench_alloc(ph->steady_size[i]);
		if (ph->steady[i] == NULL)
			die("allocation failed");
		touch(ph->steady[i]);
	}
	for (i = 0; i < count; i++) {
		uint64_t r = rnd(&seed);
		unsigned s = (unsigned)(r % STEADY);

		bench_free(ph->steady[s], ph->steady_size[s]);
		ph->steady_size[s] = phase_small_size(r >> 10) / 4 + 8;
		ph->steady[s] = bench_alloc(ph->steady_size[s]);
		if (ph->steady[s] == NULL)
			die("allocation failed");
		touch(ph->steady[s]);
	}
}

static long above_base(long kb)
{
	if (kb < 0 || rss_base < 0)
		return -1;
	return kb > rss_base ? kb - rss_base : 0;
}

static void phases(const struct params *pr, double *ns, uint64_t *ops)
{
	struct phases *ph = harness_map(sizeof(*ph));
	uint64_t f0, i;
	double t0, t1;

	phases_plan(ph, pr->live);
	f0 = page_faults();
	syscall_mark();
	t0 = phase_start();
	bench_measured_phases(ph, pr->count);
	t1 = now_ns();
	syscall_mark();
	*ns = t1 - t0;
	*ops = ph->n + STEADY + pr->count;
	report("faults", (double)(page_faults() - f0) / (double)*ops);
	/* The steady set stays live, as a running program's would. */
	report("end_kb", (double)above_base(status_kb("VmRSS")));
	t0 = now_ns();
	bench_trim();
	t1 = now_ns();
	report("trim_kb", (double)above_base(status_kb("VmRSS")));
	report("trim_us", (t1 - t0) / 1e3);
	for (i = 0; i < STEADY; i++)
		bench_free(ph->steady[i], ph->steady_size[i]);
}

/* --- large ---------------------------------------------------------------------- */

enum { LARGE_SLOTS = 4 };

/* 1 MiB to 64 MiB, as likely in each doubling; not page multiples. */
static size_t large_size(uint64_t *seed)
{
	uint64_t r = rnd(seed);
	size_t base = MIB << (r % 6);

	return base + (size_t)((r >> 8) % base);
}

struct large {
	void *slot[LARGE_SLOTS];
	size_t size[LARGE_SLOTS];
	uint64_t seed;
};

static void large_fill(struct large *lg, size_t page)
{
	unsigned s;

	for (s = 0; s < LARGE_SLOTS; s++) {
		lg->size[s] = large_size(&lg->seed);
		lg->slot[s] = bench_alloc(lg->size[s]);
		if (lg->slot[s] == NULL)
			die("allocation failed");
		touch_pages(lg->slot[s], lg->size[s], page);
	}
}

static NOINLINE void bench_measured_large(struct large *lg, uint64_t count,
					  size_t page)
{
	uint64_t i;

	for (i = 0; i < count; i++) {
		unsigned s = (unsigned)(rnd(&lg->seed) % LARGE_SLOTS);

		bench_free(lg->slot[s], lg->size[s]);
		lg->size[s] = large_size(&lg->seed);
		lg->slot[s] = bench_alloc(lg->size[s]);
		if (lg->slot[s] == NULL)
			die("allocation failed");
		touch_pages(lg->slot[s], lg->size[s], page);
	}
}

static void large(const struct params *pr, double *ns, uint64_t *ops)
{
	struct large *lg = harness_map(sizeof(*lg));
	size_t page = page_size();
	uint64_t f0;
	double t0, t1;
	unsigned s;

	lg->seed = 0xda942042e4dd58b5ull;
	large_fill(lg, page);
	f0 = page_faults();
	syscall_mark();
	t0 = phase_start();
	bench_measured_large(lg, pr->count, page);
	t1 = now_ns();
	syscall_mark();
	*ns = t1 - t0;
	*ops = pr->count;
	report("faults", (double)(page_faults() - f0) / (double)*ops);
	for (s = 0; s < LARGE_SLOTS; s++)
		bench_free(lg->slot[s], lg->size[s]);
}

int lifecycle_run(const struct params *pr, double *ns, uint64_t *ops)
{
	if (strcmp(pr->workload, "phases") == 0)
		phases(pr, ns, ops);
	else if (strcmp(pr->workload, "large") == 0)
		large(pr, ns, ops);
	else
		return 0;
	return 1;
}
