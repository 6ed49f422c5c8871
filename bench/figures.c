/*
 * figures.c - the figures that some workloads report beyond time and peak
 * RSS (driver.h, enum figure): reading them from a runner's output line,
 * counting memory system calls in a run under strace, and writing them
 * as a text table, a Markdown table and a block of results.tsv.
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

void parse_figures(const char *out, struct result *r)
{
	int f;

	for (f = 0; f < NFIG; f++) {
		char key[32];
		const char *p;
		double v;

		if (figs[f].key == NULL)
			continue;
		snprintf(key, sizeof(key), " %s=", figs[f].key);
		p = strstr(out, key);
		if (p == NULL)
			continue;
		v = strtod(p + strlen(key), NULL);
		if (v >= 0 && r->nfig[f] < MAX_ROUNDS)
			r->fig[f][r->nfig[f]++] = v;
	}
}

/* --- System calls under strace ------------------------------------------------ */

/*
 * The memory system calls of one run between the runner's two marks
 * (getppid() calls), per op, into r; -1 when strace could not run.
 */
static int strace_once(const struct alloc *a, const struct work *w,
		       struct result *r)
{
	char *log = xasprintf("%s/strace.out", tmp_dir), *outopt, *rv[16], *v[32];
	char num[3][24], out[512], line[1024];
	unsigned long long ops;
	double maps = 0, madv = 0, ns;
	int k = 0, i, status, marks = 0;
	long rss;
	FILE *f;

	outopt = xasprintf("-o%s", log);
	v[k++] = BENCH_STRACE;
	v[k++] = "-f";
	v[k++] = "-qq";
	v[k++] = outopt;
	v[k++] = "-etrace=mmap,munmap,mremap,brk,madvise,getppid";
	runner_args(a, w, w->n, rv, num);
	for (i = 0; rv[i] != NULL; i++)
		v[k++] = rv[i];
	v[k] = NULL;
	unlink(log);
	status = run_prog(v, out, sizeof(out), NULL, 1);
	free(outopt);
	if (status != 0 ||
	    sscanf(out, "ns=%lf ops=%llu rss_kb=%ld", &ns, &ops, &rss) != 3 ||
	    ops == 0 || (f = fopen(log, "r")) == NULL) {
		free(log);
		return -1;
	}
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
	unlink(log);
	free(log);
	if (marks < 2)
		return -1;
	r->fig[F_MAPS][0] = maps / (double)ops;
	r->fig[F_MADVISE][0] = madv / (double)ops;
	r->nfig[F_MAPS] = r->nfig[F_MADVISE] = 1;
	return 0;
}

/* One run under strace of each allocator for each workload that asks. */
int run_syscalls(void)
{
	int wi, i, any = 0, failed = 0;

	for (wi = 0; wi < nworks; wi++)
		any |= (works[wi].flags & W_SYSCALLS) != 0;
	if (!any)
		return 0;
	if (*BENCH_STRACE == '\0') {
		fprintf(stderr, "bench: no strace found by configure: no system call counts\n");
		return 0;
	}
	ensure_tmp();
	fprintf(stderr, "%-16s", "strace");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];

		if (!(w->flags & W_SYSCALLS))
			continue;
		for (i = 0; i < nallocs; i++) {
			if (!result_ok(&w->res[i]))
				continue;
			if (strace_once(&allocs[i], w, &w->res[i]) != 0)
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

static int has_figure(const struct work *w, int f)
{
	int i;

	for (i = 0; i < nallocs; i++)
		if (result_ok(&w->res[i]) && w->res[i].nfig[f] > 0)
			return 1;
	return 0;
}

static int work_has_figures(const struct work *w)
{
	int f;

	for (f = 0; f < NFIG; f++)
		if (has_figure(w, f))
			return 1;
	return 0;
}

/* Which figures any workload of the run has, as bits. */
static unsigned present(void)
{
	unsigned bits = 0;
	int wi, f;

	for (wi = 0; wi < nworks; wi++)
		for (f = 0; f < NFIG; f++)
			if (has_figure(&works[wi], f))
				bits |= 1u << f;
	return bits;
}

/* A figure's median in the column's unit, as text; "-" when none. */
static void format(char *buf, size_t len, const struct result *r, int f)
{
	double v;

	if (!result_ok(r) || r->nfig[f] == 0) {
		snprintf(buf, len, "-");
		return;
	}
	v = median(r->fig[f], r->nfig[f]) * figs[f].scale;
	if (v >= 100 || v == 0)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.2g", v);
}

/* The peak RSS column, in MiB. */
static void format_peak(char *buf, size_t len, const struct result *r)
{
	if (!result_ok(r) || med_rss(r) < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", med_rss(r) / 1024);
}

void print_figures(FILE *f, int md)
{
	unsigned bits = present();
	char buf[32];
	int wi, i, k;

	if (bits == 0)
		return;
	fprintf(f, "\nFurther figures, medians over the rounds (RSS: MiB above "
		   "the RSS at the start of the measured phase; \"end\": at its end; "
		   "\"trimmed\": then after the allocator's trim call):\n\n");
	if (md)
		fprintf(f, "| workload | allocator | peak MiB |");
	else
		fprintf(f, "%-16s %-9s %9s", "workload", "allocator", "peak MiB");
	for (k = 0; k < NFIG; k++)
		if (bits & 1u << k) {
			if (md)
				fprintf(f, " %s |", figs[k].head);
			else
				fprintf(f, " %11s", figs[k].head);
		}
	if (md) {
		fprintf(f, "\n|---|---|---:|");
		for (k = 0; k < NFIG; k++)
			if (bits & 1u << k)
				fprintf(f, "---:|");
	}
	fputc('\n', f);
	for (wi = 0; wi < nworks; wi++) {
		const struct work *w = &works[wi];

		if (!work_has_figures(w))
			continue;
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			format_peak(buf, sizeof(buf), r);
			if (md)
				fprintf(f, "| %s | %s | %s |", i == 0 ? work_name(w) : "",
					allocs[i].name, buf);
			else
				fprintf(f, "%-16s %-9s %9s", i == 0 ? work_name(w) : "",
					allocs[i].name, buf);
			for (k = 0; k < NFIG; k++) {
				if (!(bits & 1u << k))
					continue;
				format(buf, sizeof(buf), r, k);
				if (md)
					fprintf(f, " %s |", buf);
				else
					fprintf(f, " %11s", buf);
			}
			fputc('\n', f);
		}
	}
}

/* Block 2 of results.tsv: the figures, one line per workload and
 * allocator, in the columns' units. */
void tsv_figures(FILE *f)
{
	unsigned bits = present();
	char buf[32];
	int wi, i, k;

	if (bits == 0)
		return;
	fprintf(f, "\n\nworkload\tallocator\tpeak_mib");
	for (k = 0; k < NFIG; k++)
		if (bits & 1u << k)
			fprintf(f, "\t%s", figs[k].tsv);
	fputc('\n', f);
	for (wi = 0; wi < nworks; wi++) {
		const struct work *w = &works[wi];

		if (!work_has_figures(w))
			continue;
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			format_peak(buf, sizeof(buf), r);
			fprintf(f, "%s\t%s\t%s", work_name(w), allocs[i].name, buf);
			for (k = 0; k < NFIG; k++) {
				if (!(bits & 1u << k))
					continue;
				if (!result_ok(r) || r->nfig[k] == 0)
					fprintf(f, "\t-");
				else
					fprintf(f, "\t%.6g", median(r->fig[k], r->nfig[k]) *
						figs[k].scale);
			}
			fputc('\n', f);
		}
	}
}
