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
 * (report()); the libjmalloc runner adds checked=1 when its environment
 * has JMALLOC_CHECK=1, which asks the library for its checked path.
 *
 * The harness's own memory (size tables, slots, the decoded trace) is
 * mapped with mmap, never taken from the allocator under test, whose
 * malloc may also be the process's malloc; nothing here uses stdio.
 *
 * Workloads (sizes and seeds fixed; COUNT, LIVE and THREADS as given),
 * each described in its file:
 *   simple, simple-set, complex, complex-set, live    loops.c
 *   complex-mt, prodcons, live with -t                threads.c
 *   replay                                            replay.c
 *   phases, large                                     lifecycle.c
 *   interp                                            interp.c
 *   cxx-map, cxx-umap, cxx-vector                     containers.cc
 * and two that are not workloads:
 *   probe    the thread-safety probe (threads.c); exits 1 if the
 *            allocator handed a block out twice
 *   version  prints the allocator's name and version
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"

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

long rss_base = -1;

void rss_reset(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int ok = 0;

	if (fd >= 0) {
		ok = write(fd, "5", 1) == 1;
		close(fd);
	}
	rss_base = ok ? status_kb("VmRSS") : -1;
}

/* The peak RSS since rss_reset() above its base, in KiB, or -1. */
static long rss_end(long base)
{
	long hwm = status_kb("VmHWM");

	if (base < 0 || hwm < 0)
		return -1;
	return hwm > base ? hwm - base : 0;
}

double phase_start(void)
{
	rss_reset();
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

/* --- Main ------------------------------------------------------------------------ */

static uint64_t run(const struct params *pr, double *ns)
{
	uint64_t ops;

	if (loops_run(pr, ns, &ops) || threads_run(pr, ns, &ops) ||
	    replay_run(pr, ns, &ops) || lifecycle_run(pr, ns, &ops) ||
	    interp_run(pr, ns, &ops))
		return ops;
#if BENCH_CXX
	if (containers_run(pr, ns, &ops))
		return ops;
#endif
	die("unknown workload");
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
		return thread_probe();
	if (strcmp(pr.workload, "version") == 0) {
		version(line, sizeof(line));
		say(1, line);
		return 0;
	}
	if (pr.count == 0)
		pr.count = strcmp(pr.workload, "replay") == 0 ? UINT64_MAX : 1000000;
	make_orig_sizes();
	ops = run(&pr, &ns);
	if (bench_checked())
		report("checked", 1);
	peak = rss_end(rss_base);
	snprintf(line, sizeof(line), "ns=%.4f ops=%llu rss_kb=%ld%s\n",
		 ns / (double)ops, (unsigned long long)ops, peak, extra);
	say(1, line);
	return 0;
}
