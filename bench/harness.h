/*
 * harness.h - what the runner's files share: the parameters of a run,
 * the harness's own memory, time and RSS, the extra figures a workload
 * reports, and the workloads of each file.  runner.c defines the
 * harness; loops.c, threads.c, replay.c, lifecycle.c and interp.c hold
 * the workloads.
 *
 * Nothing here takes memory from the allocator under test.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define NOINLINE __attribute__((noinline))

struct params {
	const char *workload;
	uint64_t count;
	uint64_t live;	/* live objects; for phases, MiB of the live set */
	unsigned threads;
	const char *trace;
};

void say(int fd, const char *s);
__attribute__((noreturn)) void die(const char *what);

/* Zeroed, already-faulted harness memory, outside any allocator. */
void *harness_map(size_t len);
void harness_unmap(void *p, size_t len);

double now_ns(void);

/* A "VmXXX:" field of /proc/self/status in KiB, or -1. */
long status_kb(const char *key);

/* The RSS at the start of the measured phase, in KiB (-1: unknown). */
extern long rss_base;

/* Reset the peak RSS and set rss_base to the RSS now. */
void rss_reset(void);

/* Start the measured phase: rss_reset(), then read the clock. */
double phase_start(void);

/* Page faults (minor and major) of the process so far. */
uint64_t page_faults(void);

/*
 * Marks the start and the end of a measured phase for a system call
 * tracer: each is one getppid() call, a system call that nothing else in
 * the runner makes.  The driver counts the memory-mapping calls that
 * strace sees between the two marks.
 */
void syscall_mark(void);

/* An extra figure for the output line: " key=value", after the others. */
void report(const char *key, double value);

/*
 * The workloads of each file: nonzero when `pr->workload` is theirs,
 * with the measured time in *ns and the op count in *ops.
 */
int loops_run(const struct params *pr, double *ns, uint64_t *ops);
int threads_run(const struct params *pr, double *ns, uint64_t *ops);
int replay_run(const struct params *pr, double *ns, uint64_t *ops);
int lifecycle_run(const struct params *pr, double *ns, uint64_t *ops);
int interp_run(const struct params *pr, double *ns, uint64_t *ops);
/* containers.cc, built where configure found a C++ compiler
 * (BENCH_CXX 1). */
int containers_run(const struct params *pr, double *ns, uint64_t *ops);

/* The thread-safety probe (threads.c): the runner's exit status. */
int thread_probe(void);

/* --- Sizes and loops of loops.c that threads.c runs in threads too --------- */

enum { SIZES = 4096, SLOTS = 1024 };

/* The original loops' sizes: SIZES of them, uniform over 16 B to 2 KiB. */
extern size_t *orig_sizes;
void make_orig_sizes(void);

/* The complex loop's live slots. */
struct complex_state {
	void *slot[SLOTS];
	size_t size[SLOTS];
	uint32_t seed;
};

void complex_fill(struct complex_state *c, uint32_t seed);
void complex_loop(struct complex_state *c, uint64_t iters, int set);
void complex_drain(struct complex_state *c);

/* The live loop: `live` objects, `count` replacements, then all freed. */
void live_run(void **slot, size_t *size, uint64_t live, uint64_t count,
	      uint64_t seed);

/* xorshift64*: fixed seeds give every allocator the same sequence. */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * A size from a mix of up to four ranges: r % picks chooses range k, the
 * first whose `below` it is under (the last range when none), and r >> 8
 * a size in it, from lo[k] to lo[k] + n[k] - 1.  A mix of three ranges
 * sets below[2] to picks.  Given a constant mix, the compiler folds it
 * into the code, with no division by a variable.
 */
struct size_mix {
	unsigned picks;
	unsigned below[3];
	size_t lo[4], n[4];
};

static inline size_t mix_size(const struct size_mix *m, uint64_t r)
{
	unsigned pick = (unsigned)(r % m->picks);
	uint64_t v = r >> 8;

	if (pick < m->below[0])
		return m->lo[0] + (size_t)(v % m->n[0]);
	if (pick < m->below[1])
		return m->lo[1] + (size_t)(v % m->n[1]);
	if (pick < m->below[2])
		return m->lo[2] + (size_t)(v % m->n[2]);
	return m->lo[3] + (size_t)(v % m->n[3]);
}

/* Mixed small sizes: 60% 8-63 B, 30% 64-255 B, 10% 256 B-1 KiB. */
static inline size_t small_size(uint64_t r)
{
	static const struct size_mix mix = {
		10, { 6, 9, 10 }, { 8, 64, 256, 0 }, { 56, 192, 769, 1 }
	};

	return mix_size(&mix, r);
}

static inline void touch(void *p)
{
	*(volatile unsigned char *)p = 1;
}

#endif /* BENCH_HARNESS_H */
