/*
 * figures.c - the figures that some workloads report beyond time and peak
 * RSS (driver.h, enum figure): reading them from a runner's output line,
 * counting memory system calls in a run under strace, and writing them
 * as a table of the text and Markdown reports and a block of results.tsv.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

static const struct {
	const char *key;  /* in the runner's output; NULL: from strace */
	const char *head; /* the column's head */
	const char *tsv;  /* the column's name in results.tsv */
	double scale;	  /* to the unit of the column */
} figs[NFIG] = {
	[F_END] = { "end_kb", "end MiB", "end_mib", 1.0 / 1024 },
	[F_TRIM] = { "trim_kb", "trimmed MiB", "trimmed_mib", 1.0 / 1024 },
	[F_TRIM_US] = { "trim_us", "trim us", "trim_us", 1 },
	[F_FAULTS] = { "faults", "faults/op", "faults_per_op", 1 },
	[F_MAPS] = { NULL, "maps/op", "maps_per_op", 1 },
	[F_MADVISE] = { NULL, "madvise/op", "madvise_per_op", 1 },
};

void usage_figures(FILE *f)
{
	fprintf(f,
"\n"
"Some workloads have further figures, in a table of their own:\n"
"  phases   the RSS at the end (the run's small set still live) and again\n"
"           after the allocator's own call to give memory back (jmalloc_trim,\n"
"           malloc_trim(0), jemalloc's tcache flush and arena purge,\n"
"           mi_collect(true), MallocExtension_ReleaseFreeMemory), both above\n"
"           the RSS at the start as the peak is, and the call's time;\n"
"  phases, large, interp\n"
"           page faults per op, minor and major, from getrusage();\n"
"  phases, large\n"
"           memory system calls per op: one more run of each allocator under\n"
"           `strace -f -e trace=mmap,munmap,mremap,brk,madvise`, counting the\n"
"           calls between the marks the runner makes at the start and the end\n"
"           of its measured phase (mmap, munmap, mremap and brk together;\n"
"           madvise apart).  Needs strace (configure found: %s)\n"
"           and a system that lets a process trace its children; else \"-\".\n"
"Under callgrind, the instructions of phases and large leave out the\n"
"kernel's work on their page faults and system calls.\n",
		*BENCH_STRACE != '\0' ? BENCH_STRACE : "none");
}

void parse_figures(const struct runner_out *o, struct result *r)
{
	int f;

	for (f = 0; f < NFIG; f++) {
		double v;

		if (figs[f].key == NULL)
			continue;
		v = runner_figure(o, figs[f].key);
		if (v >= 0 && r->nfig[f] < MAX_ROUNDS)
			r->fig[f][r->nfig[f]++] = v;
	}
}

/* --- System calls under strace ------------------------------------------------ */

/*
 * The memory system calls of one run between the runner's two marks
 * (getppid() calls), per op, into r; -1 when strace could not run.
 */
static int strace_once(struct bench *b, const struct alloc *a,
		       const struct work *w, struct result *r)
{
	char *tool[] = { BENCH_STRACE, "-f", "-qq",
			 "-etrace=mmap,munmap,mremap,brk,madvise,getppid", NULL };
	double maps = 0, madv = 0;
	struct runner_out o;
	char line[1024];
	int marks = 0;
	FILE *f = run_under(b, tool, "-o", a->path, w, w->n, &o);

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && marks < 2) {
		char *p = line + strspn(line, "0123456789 ");
		size_t n = strcspn(p, "(");

		if (strstr(p, "resumed>") != NULL || p[n] != '(')
			continue; /* a call's second half, or not a call */
		if (n == 7 && strncmp(p, "getppid", 7) == 0)
			marks++;
		else if (marks == 1 && n == 7 && strncmp(p, "madvise", 7) == 0)
			madv++;
		else if (marks == 1)
			maps++;
	}
	fclose(f);
	if (marks < 2)
		return -1;
	r->fig[F_MAPS][0] = maps / (double)o.ops;
	r->fig[F_MADVISE][0] = madv / (double)o.ops;
	r->nfig[F_MAPS] = r->nfig[F_MADVISE] = 1;
	return 0;
}

/* One run under strace of each allocator for each workload that asks. */
int run_syscalls(struct bench *b)
{
	int wi, i, any = 0, failed = 0;

	for (wi = 0; wi < b->nworks; wi++)
		any |= (b->works[wi].flags & W_SYSCALLS) != 0;
	if (!any)
		return 0;
	if (*BENCH_STRACE == '\0') {
		fprintf(stderr, "bench: no strace found by configure: no system call counts\n");
		return 0;
	}
	ensure_tmp(b);
	fprintf(stderr, "%-16s", "strace");
	for (wi = 0; wi < b->nworks; wi++) {
		struct work *w = &b->works[wi];

		if (!(w->flags & W_SYSCALLS))
			continue;
		for (i = 0; i < b->nallocs; i++) {
			if (!result_ok(&w->res[i]))
				continue;
			if (strace_once(b, &b->allocs[i], w, &w->res[i]) != 0)
				failed++;
			fputc('.', stderr);
		}
	}
	fputc('\n', stderr);
	/* Not a failure of the benchmark: the system may forbid tracing. */
	if (failed > 0)
		fprintf(stderr, "bench: %d run%s under strace failed (can this "
			"process trace its children?): no count there\n", failed,
			failed == 1 ? "" : "s");
	return 0;
}

/* --- Tables ---------------------------------------------------------------------- */

static int has_figure(const struct bench *b, const struct work *w, int f)
{
	int i;

	for (i = 0; i < b->nallocs; i++)
		if (result_ok(&w->res[i]) && w->res[i].nfig[f] > 0)
			return 1;
	return 0;
}

/* Which figures a workload has (all workloads: w NULL), as bits. */
static unsigned present(const struct bench *b, const struct work *w)
{
	unsigned bits = 0;
	int wi, f;

	for (wi = 0; wi < b->nworks; wi++)
		for (f = 0; f < NFIG; f++)
			if ((w == NULL || w == &b->works[wi]) &&
			    has_figure(b, &b->works[wi], f))
				bits |= 1u << f;
	return bits;
}

/* A figure's median in the column's unit, as a table cell; "-" when none.
 * results.tsv has it to six digits. */
static void figure_cell(struct table *t, const struct result *r, int f)
{
	double v;

	if (!result_ok(r) || r->nfig[f] == 0) {
		table_cell(t, "-");
		return;
	}
	v = median(r->fig[f], r->nfig[f]) * figs[f].scale;
	if (t->style == STYLE_TSV)
		table_cell(t, "%.6g", v);
	else if (v >= 100 || v == 0)
		table_cell(t, "%.0f", v);
	else if (v >= 1)
		table_cell(t, "%.2f", v);
	else
		table_cell(t, "%.2g", v);
}

/*
 * The figures of each workload that has any, one line per allocator,
 * with its peak RSS: a table of the text and Markdown reports, or
 * block 2 of results.tsv (the columns named for scripts).
 */
void print_figures(const struct bench *b, FILE *f, enum style style)
{
	unsigned bits = present(b, NULL);
	int tsv = style == STYLE_TSV, wi, i, k;
	struct table t;

	if (bits == 0)
		return;
	if (tsv)
		fprintf(f, "\n\n");
	else
		fprintf(f, "\nFurther figures, medians over the rounds (RSS: MiB above "
			   "the RSS at the start of the measured phase; \"end\": at its end; "
			   "\"trimmed\": then after the allocator's trim call):\n\n");
	table_init(&t, f, style);
	table_col(&t, "workload", -16);
	table_col(&t, "allocator", -9);
	table_col(&t, tsv ? "peak_mib" : "peak MiB", 9);
	for (k = 0; k < NFIG; k++)
		if (bits & 1u << k)
			table_col(&t, tsv ? figs[k].tsv : figs[k].head, 11);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];

		if (present(b, w) == 0)
			continue;
		for (i = 0; i < b->nallocs; i++) {
			const struct result *r = &w->res[i];

			table_cell(&t, "%s", i == 0 || tsv ? w->name : "");
			table_cell(&t, "%s", b->allocs[i].name);
			if (!result_ok(r) || med_rss(r) < 0)
				table_cell(&t, "-");
			else
				table_cell(&t, "%.1f", med_rss(r) / 1024);
			for (k = 0; k < NFIG; k++)
				if (bits & 1u << k)
					figure_cell(&t, r, k);
			table_end_row(&t);
		}
	}
}
