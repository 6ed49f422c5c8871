/*
 * driver.h - what the benchmark driver's files share: the allocators and
 * workloads of a run and their results (bench.c), and the figures that
 * some workloads report beyond time and peak RSS (figures.c).
 */
#ifndef BENCH_DRIVER_H
#define BENCH_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The strace that configure found ("": none). */
#ifndef BENCH_STRACE
#define BENCH_STRACE "strace"
#endif

#define MAX_ALLOC 8
#define MAX_WORK 64
#define MAX_ROUNDS 101
#define REF "jmalloc"

struct alloc {
	const char *name;
	char *path;	    /* the runner */
	char *version;	    /* as the runner reports it */
	int threads_ok;	    /* passed the thread probe (or not probed) */
	int probe_failed;
};

enum kind { K_LOOP, K_THREADS, K_REPLAY };

/*
 * Figures beyond time and peak RSS: each is a "key=value" that a runner
 * prints after its standard ones (see figures.c), but for the system
 * call counts, which the driver takes from a run under strace.
 */
enum figure {
	F_END,		/* RSS at the end, KiB above the start */
	F_TRIM,		/* the same after the allocator's trim call */
	F_TRIM_US,	/* the trim call's time, microseconds */
	F_FAULTS,	/* page faults per op */
	F_MAPS,		/* mmap, munmap, mremap and brk calls per op */
	F_MADVISE,	/* madvise calls per op */
	NFIG
};

struct result {
	double ns[MAX_ROUNDS];
	long rss_kb[MAX_ROUNDS];
	int n;		  /* rounds that succeeded */
	char failure[64]; /* why a run failed, "" if none did */
	int skipped;	  /* not run: failed the thread probe */
	double ir;	  /* callgrind: instructions per op, <0 none */
	int ir_checked;	  /* callgrind: jmalloc took its checked path */
	double fig[NFIG][MAX_ROUNDS];
	int nfig[NFIG];	  /* values of each figure (rounds, or 1) */
};

/* Workload flags. */
#define W_NO_NET 1u	  /* no run of the harness alone (bench-none) */
#define W_SYSCALLS 2u	  /* count memory system calls under strace */

struct work {
	const char *name;
	const char *runner_wl; /* the runner's workload */
	enum kind kind;
	const char *unit;
	uint64_t count, quick_count;
	uint64_t live;
	unsigned threads; /* 0: --threads */
	const char *about;
	unsigned flags;
	uint64_t cg_count; /* ops under callgrind; 0: the kind's default */
	/* replays */
	char *trace;	   /* the uncompressed trace */
	char *trace_about;
	/* this run's parameters and results */
	uint64_t n;
	struct result res[MAX_ALLOC];
	double ir_none;	   /* callgrind: the harness alone, <0 none */
};

extern struct alloc allocs[MAX_ALLOC];
extern int nallocs;
extern struct work works[MAX_WORK];
extern int nworks;
extern char *tmp_dir;

/* bench.c */
__attribute__((noreturn, format(printf, 1, 2)))
void fatal(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
double median(const double *v, int n);
const char *work_name(const struct work *w);
int run_prog(char *const argv[], char *out, size_t outlen,
	     char *const env[], int err_null);
int runner_args(const struct alloc *a, const struct work *w, uint64_t n,
		char **v, char num[3][24]);
void ensure_tmp(void);
int ref_index(void);
int result_ok(const struct result *r);
double med_rss(const struct result *r);

/* figures.c */
void usage_figures(FILE *f);
void parse_figures(const char *out, struct result *r);
int run_syscalls(void);
void print_figures(FILE *f, int md);
void tsv_figures(FILE *f);

#endif /* BENCH_DRIVER_H */
