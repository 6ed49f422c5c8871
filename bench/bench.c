/*
 * bench.c - the original jmalloc's two benchmark loops, run for libjmalloc
 * and for the system malloc in the same process, printing ns per operation.
 *
 *   simple:  alloc/free pairs over sizes from 16 B to 2 KiB
 *   complex: 1024 live slots, each step frees a random slot's block and
 *            puts a block of a new random size there
 *
 * Usage: bench [iterations]   (default 20000000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jmalloc.h"

struct allocator {
	const char *name;
	void *(*alloc)(size_t size);
	void (*free)(void *ptr, size_t size);
};

static void *sys_alloc(size_t size)
{
	return malloc(size);
}

static void sys_free(void *ptr, size_t size)
{
	(void)size;
	free(ptr);
}

static const struct allocator allocators[] = {
	{ "jmalloc", jmalloc, jmfree },
	{ "system malloc", sys_alloc, sys_free },
};

enum { SLOTS = 1024, SIZES = 4096 };

/* Sizes drawn once from a fixed seed, so every allocator sees the same. */
static size_t sizes[SIZES];

static void make_sizes(void)
{
	uint32_t x = 2463534242u;
	int i;

	for (i = 0; i < SIZES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		sizes[i] = 16 + x % (2048 - 16 + 1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Returns ns per alloc+free pair. */
static double run_simple(const struct allocator *a, long iters)
{
	double t0 = now();
	long i;

	for (i = 0; i < iters; i++) {
		size_t sz = sizes[i & (SIZES - 1)];
		void *p = a->alloc(sz);

		if (p == NULL)
			return -1;
		*(volatile char *)p = 1;
		a->free(p, sz);
	}
	return (now() - t0) / (double)iters;
}

/* Returns ns per step (one free and one alloc). */
static double run_complex(const struct allocator *a, long iters)
{
	static void *slot[SLOTS];
	static size_t slot_size[SLOTS];
	uint32_t x = 88172645u;
	double t0;
	long i;
	int s;

	for (s = 0; s < SLOTS; s++) {
		slot_size[s] = sizes[s];
		slot[s] = a->alloc(slot_size[s]);
		if (slot[s] == NULL)
			return -1;
	}
	t0 = now();
	for (i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s = (int)(x & (SLOTS - 1));
		a->free(slot[s], slot_size[s]);
		slot_size[s] = sizes[(x >> 10) & (SIZES - 1)];
		slot[s] = a->alloc(slot_size[s]);
		if (slot[s] == NULL)
			return -1;
		*(volatile char *)slot[s] = 1;
	}
	t0 = (now() - t0) / (double)iters;
	for (s = 0; s < SLOTS; s++)
		a->free(slot[s], slot_size[s]);
	return t0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 20000000L;
	size_t i;

	if (iters <= 0) {
		fprintf(stderr, "usage: %s [iterations > 0]\n", argv[0]);
		return 2;
	}
	make_sizes();
	printf("%-14s %14s %14s\n", "allocator", "simple ns/op", "complex ns/op");
	for (i = 0; i < sizeof(allocators) / sizeof(allocators[0]); i++) {
		const struct allocator *a = &allocators[i];
		double simple = run_simple(a, iters);
		double complex_ = run_complex(a, iters);

		if (simple < 0 || complex_ < 0) {
			fprintf(stderr, "%s: allocation failed\n", a->name);
			return 1;
		}
		printf("%-14s %14.2f %14.2f\n", a->name, simple, complex_);
	}
	printf("(%ld iterations each; sizes 16 B to 2 KiB; 1024 live slots)\n",
	       iters);
	return 0;
}
