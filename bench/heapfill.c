/*
 * heapfill.c - how much of a jmheap's memory a program can have in use
 * before a request fails: seeded runs of random requests on one heap,
 * each of which allocates two times in three and frees a random live
 * block one time in three, so that what is live keeps growing while freed
 * memory is asked for again by other sizes; the run stops at the first
 * ENOMEM.  Prints, for each heap length and mix of sizes, the bytes live
 * at that point as a fraction of the heap's length (minimum, median and
 * maximum over the seeds), and the fraction that o1heap's published
 * bound guarantees for the same largest request: no failure while the
 * arena holds 2M(1 + ceil(log2 n)) bytes for M bytes live at most and n
 * the largest request.  Then, for the same heaps and mixes, how many
 * requests fail in a long run whose live bytes stay under a quarter of
 * the heap (none should).
 *
 *   bench/heapfill [SEEDS]          (default 21 seeds)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmalloc.h"

enum { SLOTS = 1 << 16 };

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A size from `lo` to `hi` bytes, spread evenly over the doublings (as a
 * program's sizes and the size classes are). */
static size_t mix_size(uint64_t *x, size_t lo, size_t hi)
{
	unsigned lg_lo = 0, lg_hi = 0, b;
	size_t n;

	while (((size_t)2 << lg_lo) <= lo)
		lg_lo++;
	while (((size_t)2 << lg_hi) <= hi)
		lg_hi++;
	b = lg_lo + (unsigned)(next_rand(x) % (lg_hi - lg_lo + 1));
	n = ((size_t)1 << b) + (size_t)(next_rand(x) % ((size_t)1 << b));
	return n < lo ? lo : n > hi ? hi : n;
}

static void *slot_p[SLOTS];
static size_t slot_n[SLOTS];

/* Free a random one of the n live blocks of h; returns its size. */
static size_t drop(struct jmheap *h, size_t *n, uint64_t *x)
{
	size_t i = (size_t)(next_rand(x) % *n), size = slot_n[i];

	jmheap_free(h, slot_p[i], size);
	--*n;
	slot_p[i] = slot_p[*n];
	slot_n[i] = slot_n[*n];
	return size;
}

/* One run: the fraction of `len` live at the first ENOMEM. */
static double run(unsigned char *mem, size_t len, size_t lo, size_t hi, uint64_t seed)
{
	struct jmheap *h = jmheap_create(mem, len);
	size_t live = 0, n = 0;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	if (h == NULL) {
		perror("heapfill: jmheap_create");
		exit(1);
	}
	for (;;) {
		if (n > 0 && next_rand(&x) % 3 == 0) {
			live -= drop(h, &n, &x);
			continue;
		}
		slot_n[n] = mix_size(&x, lo, hi);
		errno = 0;
		slot_p[n] = jmheap_alloc(h, slot_n[n]);
		if (slot_p[n] == NULL) {
			if (errno != ENOMEM) {
				perror("heapfill: jmheap_alloc");
				exit(1);
			}
			break;
		}
		memset(slot_p[n], 0x5a, slot_n[n] < 64 ? slot_n[n] : 64);
		live += slot_n[n++];
		if (n == SLOTS) {
			fprintf(stderr, "heapfill: more than %d blocks live\n", SLOTS);
			exit(1);
		}
	}
	return (double)live / (double)len;
}

/* Another run: `steps` requests, each an allocation or a free of a random
 * live block, the allocations that would take what is live past a
 * quarter of `len` left out; returns how many requests failed. */
static long quarter(unsigned char *mem, size_t len, size_t lo, size_t hi, uint64_t seed,
		    long steps)
{
	struct jmheap *h = jmheap_create(mem, len);
	size_t live = 0, n = 0, size;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	long failed = 0, step;

	if (h == NULL) {
		perror("heapfill: jmheap_create");
		exit(1);
	}
	for (step = 0; step < steps; step++) {
		if (n > 0 && next_rand(&x) % 2 == 0) {
			live -= drop(h, &n, &x);
			continue;
		}
		size = mix_size(&x, lo, hi);
		if (live + size > len / 4 || n == SLOTS)
			continue;
		slot_p[n] = jmheap_alloc(h, size);
		if (slot_p[n] == NULL) {
			failed++;
			continue;
		}
		slot_n[n] = size;
		live += slot_n[n++];
	}
	return failed;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const struct {
		size_t len, lo, hi;
	} cases[] = {
		{ 64 << 10, 1, 1 << 10 },
		{ 1 << 20, 1, 1 << 10 },
		{ 1 << 20, 1, 64 << 10 },
		{ 1 << 20, 1, 256 << 10 },
		{ 16 << 20, 1, 64 << 10 },
		{ 16 << 20, 1, 2 << 20 },
	};
	int seeds = argc > 1 ? atoi(argv[1]) : 21;
	double *f;
	size_t c;
	int s;

	if (seeds < 1 || seeds > 1000) {
		fprintf(stderr, "usage: heapfill [SEEDS (1 to 1000)]\n");
		return 2;
	}
	f = malloc((size_t)seeds * sizeof(*f));
	if (f == NULL)
		return 1;
	printf("jmheap: bytes live at the first ENOMEM of a growing random mix, "
	       "as a fraction of the heap (%d seeds)\n", seeds);
	printf("%-10s %-16s %8s %8s %8s %14s\n", "heap", "sizes", "min", "median",
	       "max", "o1heap bound");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned char *mem = malloc(cases[c].len);
		unsigned lg = 0;
		char heap[32], sizes[32];

		if (mem == NULL)
			return 1;
		for (s = 0; s < seeds; s++)
			f[s] = run(mem, cases[c].len, cases[c].lo, cases[c].hi, (uint64_t)s + 1);
		qsort(f, (size_t)seeds, sizeof(*f), cmp);
		while (((size_t)1 << lg) < cases[c].hi)
			lg++;
		snprintf(heap, sizeof(heap), "%zu KiB", cases[c].len >> 10);
		snprintf(sizes, sizeof(sizes), "%zu B-%zu KiB", cases[c].lo, cases[c].hi >> 10);
		printf("%-10s %-16s %8.3f %8.3f %8.3f %14.3f\n", heap, sizes, f[0],
		       f[seeds / 2], f[seeds - 1], 1.0 / (2.0 * (1 + lg)));
		free(mem);
	}
	printf("\njmheap: requests refused in 200000 steps of a random mix whose live "
	       "bytes stay under a quarter of the heap (seed 1)\n");
	printf("%-10s %-16s %8s\n", "heap", "sizes", "refused");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned char *mem = malloc(cases[c].len);
		char heap[32], sizes[32];

		if (mem == NULL)
			return 1;
		snprintf(heap, sizeof(heap), "%zu KiB", cases[c].len >> 10);
		snprintf(sizes, sizeof(sizes), "%zu B-%zu KiB", cases[c].lo, cases[c].hi >> 10);
		printf("%-10s %-16s %8ld\n", heap, sizes,
		       quarter(mem, cases[c].len, cases[c].lo, cases[c].hi, 1, 200000));
		free(mem);
	}
	free(f);
	return 0;
}
