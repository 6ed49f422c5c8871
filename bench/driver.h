/*
 * driver.h - what the benchmark driver's files share: the state of one
 * run (struct bench: its options, allocators, workloads and results),
 * the table writer, and what each file does for the others.
 *
 *   bench.c      the driver: options, the rounds of timed runs, main
 *   process.c    starting programs and runners; the scratch directory
 *   traces.c     the replay workloads: finding and unpacking trace files
 *   figures.c    the figures beyond time and peak RSS; counts under strace
 *   callgrind.c  instruction counts under callgrind
 *   report.c     medians and the reports: text, Markdown, README section
 *   table.c      the one table writer (text, Markdown, TSV)
 *   chart.c      results.tsv and the bar chart (gnuplot)
 *   record.c     `bench record`
 *   util.c       messages, strings, name lists, medians
 */
#ifndef BENCH_DRIVER_H
#define BENCH_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The allocators and tools that configure found ("": none). */
#ifndef BENCH_ALLOCATORS
#define BENCH_ALLOCATORS "jmalloc system"
#endif
#ifndef BENCH_TRACE_DIR
#define BENCH_TRACE_DIR ""
#endif
#ifndef BENCH_GNUPLOT
#define BENCH_GNUPLOT "gnuplot"
#endif
#ifndef BENCH_VALGRIND
#define BENCH_VALGRIND "valgrind"
#endif
#ifndef BENCH_XZ
#define BENCH_XZ "xz"
#endif
#ifndef BENCH_STRACE
#define BENCH_STRACE "strace"
#endif

#define MAX_ALLOC 8
#define MAX_WORK 64
#define MAX_ROUNDS 101
#define REF "jmalloc"

/* RSS ratios mean little below this many KiB. */
#define RSS_RATIO_MIN_KB 1024.0

/* How a report or a table is written. */
enum style { STYLE_TEXT, STYLE_MD, STYLE_TSV };

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
	int ir_checked;	  /* callgrind: the runner said checked=1 */
	double fig[NFIG][MAX_ROUNDS];
	int nfig[NFIG];	  /* values of each figure (rounds, or 1) */
};

/* Workload flags. */
#define W_NO_NET 1u	  /* no run of the harness alone (bench-none) */
#define W_SYSCALLS 2u	  /* count memory system calls under strace */
#define W_CXX 4u	  /* a C++ workload: left out without a C++ compiler */

/* 1 when the runners have the C++ workloads (containers.cc). */
#ifndef BENCH_CXX
#define BENCH_CXX 0
#endif

struct work {
	const char *name;      /* as the tables show it */
	const char *runner_wl; /* the runner's workload */
	enum kind kind;
	const char *unit;
	uint64_t count, quick_count;
	uint64_t live;
	unsigned threads;      /* 0 in the list of workloads: --threads */
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

/* One run of the driver: what it was asked, what it runs, what it found. */
struct bench {
	/* Options. */
	const char *allocs_opt;	/* -a: the allocators asked for; NULL: all */
	const char *works_opt;	/* -w: the workloads asked for; NULL: all */
	int rounds;
	int quick;
	double scale;
	unsigned threads;	/* of live-Nt */
	const char *out;	/* the results' directory; NULL: none */
	int callgrind;
	int callgrind_only;
	int strict;
	int strace;
	int timeout;		/* seconds a run may take */
	const char *trace_dir;
	char *traces[MAX_WORK];	/* --trace */
	int ntraces;
	/* The run. */
	char *self_dir;		/* where the driver and the runners are */
	char *tmp_dir;		/* scratch: NULL until a file needs it */
	char *command_line;
	char *date;
	char *machine;
	double seconds;		/* how long the run took, for its reports */
	struct alloc allocs[MAX_ALLOC];
	int nallocs;
	struct work works[MAX_WORK];
	int nworks;
};

/* --- util.c ----------------------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2)))
void fatal(const char *fmt, ...);
char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
int listed(const char *list, const char *s);
int ends_with(const char *s, const char *suf);
double median(const double *v, int n);

/* --- process.c ----------------------------------------------------------- */

/* What a runner printed: its standard figures, and the whole line. */
struct runner_out {
	double ns;
	unsigned long long ops;
	long rss_kb;
	char line[512];
};

int run_prog(const struct bench *b, char *const argv[], char *out,
	     size_t outlen, int err_null);
void describe_status(int status, char *buf, size_t len);
int run_runner(const struct bench *b, char *const tool[], const char *runner,
	       const struct work *w, uint64_t n, struct runner_out *o,
	       char *why, size_t whylen);
FILE *run_under(struct bench *b, char *const tool[], const char *file_opt,
		const char *runner, const struct work *w, uint64_t n,
		struct runner_out *o);
double runner_figure(const struct runner_out *o, const char *key);
void ensure_tmp(struct bench *b);

/* --- traces.c -------------------------------------------------------------- */

char *trace_about(const char *path);
void find_traces(struct bench *b);

/* --- figures.c ------------------------------------------------------------- */

void usage_figures(FILE *f);
void parse_figures(const struct runner_out *o, struct result *r);
int run_syscalls(struct bench *b);
void print_figures(const struct bench *b, FILE *f, enum style style);

/* --- callgrind.c ----------------------------------------------------------- */

int run_callgrind(struct bench *b);
void print_callgrind(const struct bench *b, FILE *f, int fenced);

/* --- report.c -------------------------------------------------------------- */

int ref_index(const struct bench *b);
int result_ok(const struct result *r);
double med_ns(const struct result *r);
double med_rss(const struct result *r);
struct table;
void by_allocator(const struct bench *b, struct table *t, FILE *f,
		  enum style style, int width);
void print_header(const struct bench *b, FILE *f, enum style style);
void print_report(const struct bench *b, FILE *f, enum style style);
void print_readme(const struct bench *b, FILE *f);

/* --- table.c ---------------------------------------------------------------- */

#define TABLE_COLS 16
#define TABLE_CELL 64

struct table {
	FILE *f;
	enum style style;
	int ncols;
	char head[TABLE_COLS][TABLE_CELL];
	int width[TABLE_COLS];	/* text: negative when left-aligned */
	int ncells;		/* of the row being built */
	char cell[TABLE_COLS][TABLE_CELL];
};

void table_init(struct table *t, FILE *f, enum style style);
void table_col(struct table *t, const char *head, int width);
void table_head(struct table *t);
__attribute__((format(printf, 2, 3)))
void table_cell(struct table *t, const char *fmt, ...);
void table_end_row(struct table *t);

/* --- chart.c ------------------------------------------------------------------ */

void write_chart(const struct bench *b, const char *dir);

/* --- record.c ----------------------------------------------------------------- */

int cmd_record(const char *self_dir, int argc, char **argv);

#endif /* BENCH_DRIVER_H */
