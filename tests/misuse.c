/*
 * misuse.c - programs for the memory checkers (tests/checkers.sh):
 *   misuse ok     correct use of every function, several threads: no report
 *   misuse leak   a jmalloc'd block is lost
 *   misuse uaf    a block is written after jmfree
 *   misuse slack  a block is written past the size asked for, in its slack
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if JM_THREADS
#include <pthread.h>
#endif

#include "jmalloc.h"

/* Indexes the compiler cannot see through. */
static volatile size_t at_40 = 40, at_110 = 110;

static void *workload(void *arg)
{
	unsigned seed = (unsigned)(size_t)arg;
	void *p[300] = { 0 };
	size_t size[300];
	int i, round;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < 300; i++) {
			seed = seed * 1103515245u + 12345u;
			if (p[i] == NULL) {
				size[i] = (seed >> 8) % 3000;
				if ((seed >> 4) % 50 == 0)
					size[i] += (size_t)2 << 20;
				p[i] = (seed & 1) ? jmalloc(size[i]) : jmcalloc(size[i], 1);
				if (p[i] == NULL)
					abort();
				memset(p[i], 7, size[i]);
			} else if ((seed >> 8) % 4 == 0) {
				size_t n = (seed >> 12) % 5000;
				void *q = jmrealloc(p[i], size[i], n);

				if (q == NULL)
					abort();
				p[i] = q;
				size[i] = n;
				memset(q, 8, n);
			} else {
				jmfree(p[i], size[i]);
				p[i] = NULL;
			}
		}
	}
	for (i = 0; i < 300; i++)
		jmfree(p[i], size[i]);
	return NULL;
}

/* Lose a block: the only pointer to it goes with this frame. */
static __attribute__((noinline)) void leak_one(void)
{
	unsigned char *p = jmalloc(100);

	if (p != NULL)
		p[0] = 1;
}

/* Overwrite the stack and registers that may still hold the pointer. */
static __attribute__((noinline)) int scrub(void)
{
	volatile char buf[4096];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
	return buf[7];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned char *p;

	if (strcmp(mode, "ok") == 0) {
#if JM_THREADS
		pthread_t t[3];
		int i;

		for (i = 0; i < 3; i++)
			if (pthread_create(&t[i], NULL, workload, (void *)(size_t)(i + 1)) != 0)
				return 2;
		workload((void *)(size_t)9);
		for (i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
#else
		workload((void *)(size_t)9);
#endif
		return 0;
	}
	if (strcmp(mode, "leak") == 0) {
		/* Not the first block of the process: an arena can be mapped
		 * right after the dynamic loader's own memory, whose end
		 * pointer then equals the arena's first block. */
		void *first = jmalloc(100);

		leak_one();
		jmfree(first, 100);
		return scrub();
	}
	p = jmalloc(100);
	if (p == NULL)
		return 2;
	memset(p, 1, 100);
	if (strcmp(mode, "uaf") == 0) {
		jmfree(p, 100);
		p[at_40] = 2;
		return 0;
	}
	if (strcmp(mode, "slack") == 0) {
		/* Through a pointer the compiler cannot size, so the write
		 * reaches the library's checks. */
		unsigned char *volatile q = p;

		q[at_110] = 3; /* usable size 128, asked for 100 */
		jmfree(p, 100);
		return 0;
	}
	fprintf(stderr, "usage: misuse ok|leak|uaf|slack\n");
	return 2;
}
