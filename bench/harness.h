/*
 * harness.h - what the runner's files share: the parameters of a run,
 * the harness's own memory, time and RSS, and the extra figures a
 * workload reports.  runner.c defines these; lifecycle.c and interp.c
 * hold workloads of their own and use them.
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

/* Start the measured phase: reset the peak RSS, then read the clock. */
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

/* Workloads of lifecycle.c and interp.c: nonzero when `pr->workload`
 * is theirs, with the measured time in *ns and the op count in *ops. */
int lifecycle_run(const struct params *pr, double *ns, uint64_t *ops);
int interp_run(const struct params *pr, double *ns, uint64_t *ops);

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

static inline void touch(void *p)
{
	*(volatile unsigned char *)p = 1;
}

#endif /* BENCH_HARNESS_H */
