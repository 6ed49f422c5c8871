/*
 * report.c - the results of a run: the medians over its rounds, and the
 * reports made of them, all through the one table writer (table.c):
 *
 *   text      (standard output, table.txt) every workload and allocator
 *             on a line of its own: median [min - max] ns per op, peak
 *             RSS, ratios to libjmalloc; the further figures; the
 *             workloads; libjmalloc against the best other allocator
 *   Markdown  (table.md) a table of times and one of peak RSS, workloads
 *             by allocators, with ratios; the further figures; the same
 *             comparison with the best
 *   README    (readme.md) the section "Latest results" of README.md: the
 *             run's identity, the chart, the tables of times, peak RSS
 *             and the best, and the instruction counts (callgrind.c)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "driver.h"

/* --- Medians ------------------------------------------------------------------ */

/* Index of the reference allocator (jmalloc, else the first). */
int ref_index(const struct bench *b)
{
	int i;

	for (i = 0; i < b->nallocs; i++)
		if (strcmp(b->allocs[i].name, REF) == 0)
			return i;
	return 0;
}

int result_ok(const struct result *r)
{
	return r->n > 0 && r->failure[0] == '\0' && !r->skipped;
}

double med_ns(const struct result *r)
{
	return median(r->ns, r->n);
}

double med_rss(const struct result *r)
{
	double v[MAX_ROUNDS];
	int i;

	for (i = 0; i < r->n; i++) {
		if (r->rss_kb[i] < 0)
			return -1;
		v[i] = (double)r->rss_kb[i];
	}
	return median(v, r->n);
}

static double min_of(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Decimals of a time in ns: none for the long ops of large blocks. */
static int ns_digits(double ns)
{
	return ns >= 1e5 ? 0 : 2;
}

/* --- Tables -------------------------------------------------------------------- */

/* Begin a table of workloads by allocators, a column of `width` each;
 * the caller may add columns before it writes the head. */
void by_allocator(const struct bench *b, struct table *t, FILE *f,
		  enum style style, int width)
{
	int i;

	table_init(t, f, style);
	table_col(t, "workload", -16);
	for (i = 0; i < b->nallocs; i++)
		table_col(t, b->allocs[i].name, width);
}

/* The run's identity; Markdown ends each line with a line break. */
void print_header(const struct bench *b, FILE *f, enum style style)
{
	int md = style == STYLE_MD, i;
	const char *br = md ? "  " : "";

	fprintf(f, "libjmalloc benchmark, %s%s\n", b->date, br);
	fprintf(f, "machine: %s%s\n", b->machine, br);
	fprintf(f, "command: %s%s%s%s\n", md ? "`" : "", b->command_line,
		md ? "`" : "", br);
	fprintf(f, "allocators:");
	for (i = 0; i < b->nallocs; i++)
		fprintf(f, "%s %s", i ? "," : "", b->allocs[i].version);
	fprintf(f, "%s\n", br);
	fprintf(f, "%d round%s, the allocators interleaved, each run in a process "
		   "of its own; median [min - max] ns per op; peak RSS of the "
		   "measured phase above the RSS at its start; ratio = allocator / "
		   "%s\n", b->rounds, b->rounds == 1 ? "" : "s", REF);
}

/* Every workload and allocator on a line of its own. */
static void long_table(const struct bench *b, FILE *f)
{
	int ri = ref_index(b), wi, i;
	struct table t;

	fputc('\n', f);
	table_init(&t, f, STYLE_TEXT);
	table_col(&t, "workload", -16);
	table_col(&t, "allocator", -9);
	table_col(&t, "ns/op", 9);
	table_col(&t, "[min - max]", 21);
	table_col(&t, "ratio", 7);
	table_col(&t, "peak MiB", 10);
	table_col(&t, "ratio", 7);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];
		const struct result *ref = &w->res[ri];

		for (i = 0; i < b->nallocs; i++) {
			const struct result *r = &w->res[i];
			double lo, hi;

			table_cell(&t, "%s", i == 0 ? w->name : "");
			table_cell(&t, "%s", b->allocs[i].name);
			if (!result_ok(r)) {
				table_cell(&t, "%s", r->skipped ?
					   "skipped: failed the thread-safety probe" :
					   r->failure[0] ? r->failure : "not run");
				table_end_row(&t);
				continue;
			}
			lo = min_of(r->ns, r->n);
			hi = max_of(r->ns, r->n);
			table_cell(&t, "%.*f", ns_digits(med_ns(r)), med_ns(r));
			table_cell(&t, "[%.*f - %.*f]", ns_digits(lo), lo,
				   ns_digits(hi), hi);
			if (result_ok(ref))
				table_cell(&t, "%.2f", med_ns(r) / med_ns(ref));
			else
				table_cell(&t, "-");
			if (med_rss(r) >= 0)
				table_cell(&t, "%.1f", med_rss(r) / 1024);
			else
				table_cell(&t, "n/a");
			if (result_ok(ref) && med_rss(ref) >= RSS_RATIO_MIN_KB &&
			    med_rss(r) >= 0)
				table_cell(&t, "%.2f", med_rss(r) / med_rss(ref));
			else
				table_cell(&t, "-");
			table_end_row(&t);
		}
	}
}

/*
 * Workloads by allocators: the median time per op (rss 0) or peak RSS in
 * MiB (rss 1), with each allocator's ratio to libjmalloc ("1.23x"; for
 * RSS, where libjmalloc's peak is large enough for one).
 */
static void wide_table(const struct bench *b, FILE *f, enum style style,
		       int rss)
{
	int ri = ref_index(b), wi, i;
	struct table t;

	by_allocator(b, &t, f, style, 16);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];
		const struct result *ref = &w->res[ri];
		int ratios = result_ok(ref) &&
			     (!rss || med_rss(ref) >= RSS_RATIO_MIN_KB);

		table_cell(&t, "%s", w->name);
		for (i = 0; i < b->nallocs; i++) {
			const struct result *r = &w->res[i];
			double v;
			int digits;

			if (!result_ok(r) || (rss && med_rss(r) < 0)) {
				table_cell(&t, "%s", rss ? "-" : r->skipped ?
					   "skipped" : r->failure[0] ? "failed" : "-");
				continue;
			}
			v = rss ? med_rss(r) / 1024 : med_ns(r);
			digits = rss ? 1 : ns_digits(v);
			if (i != ri && ratios)
				table_cell(&t, "%.*f (%.2fx)", digits, v, rss ?
					   med_rss(r) / med_rss(ref) :
					   med_ns(r) / med_ns(ref));
			else
				table_cell(&t, "%.*f", digits, v);
		}
		table_end_row(&t);
	}
}

/* libjmalloc against the best other allocator of each workload. */
static void targets_table(const struct bench *b, FILE *f, enum style style)
{
	int ri = ref_index(b), wi, i;
	struct table t;

	table_init(&t, f, style);
	table_col(&t, "workload", -16);
	table_col(&t, "time", 6);
	table_col(&t, "best on time", -12);
	table_col(&t, "peak RSS", 8);
	table_col(&t, "best on RSS", -11);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];
		const struct result *ref = &w->res[ri];
		int bt = -1, bm = -1;

		for (i = 0; i < b->nallocs; i++) {
			const struct result *r = &w->res[i];

			if (i == ri || !result_ok(r))
				continue;
			if (bt < 0 || med_ns(r) < med_ns(&w->res[bt]))
				bt = i;
			if (med_rss(r) >= 0 &&
			    (bm < 0 || med_rss(r) < med_rss(&w->res[bm])))
				bm = i;
		}
		if (!result_ok(ref) || bt < 0)
			continue;
		if (med_rss(ref) < RSS_RATIO_MIN_KB)
			bm = -1; /* too little memory for a ratio */
		if (bm >= 0 && med_rss(&w->res[bm]) <= 0)
			bm = -1;
		table_cell(&t, "%s", w->name);
		table_cell(&t, "%.2f", med_ns(ref) / med_ns(&w->res[bt]));
		table_cell(&t, "%s", b->allocs[bt].name);
		if (bm >= 0) {
			table_cell(&t, "%.2f", med_rss(ref) / med_rss(&w->res[bm]));
			table_cell(&t, "%s", b->allocs[bm].name);
		} else {
			table_cell(&t, "-");
			table_cell(&t, "-");
		}
		table_end_row(&t);
	}
}

/* Is there another allocator to compare libjmalloc with? */
static int has_targets(const struct bench *b)
{
	return strcmp(b->allocs[ref_index(b)].name, REF) == 0 && b->nallocs > 1;
}

/* What each workload does, and its work size. */
static void legend(const struct bench *b, FILE *f)
{
	int wi;

	fprintf(f, "\nWorkloads (an op is an alloc+free pair; for a replay or interp, one call):\n");
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];

		if (w->kind == K_REPLAY)
			fprintf(f, "  %-16s %s\n", w->name, w->about);
		else
			fprintf(f, "  %-16s %s; %llu %ss%s\n", w->name, w->about,
				(unsigned long long)w->n, w->unit,
				w->threads > 1 && strcmp(w->runner_wl, "complex-mt") == 0 ?
				" per thread" : "");
	}
}

/* --- Reports --------------------------------------------------------------------- */

/* The text report (STYLE_TEXT) or the Markdown one (STYLE_MD). */
void print_report(const struct bench *b, FILE *f, enum style style)
{
	print_header(b, f, style);
	if (style == STYLE_MD) {
		fprintf(f, "\nMedian ns per op (x = / %s):\n\n", REF);
		wide_table(b, f, style, 0);
		fprintf(f, "\nPeak RSS of the measured phase, MiB (x = / %s):\n\n", REF);
		wide_table(b, f, style, 1);
	} else {
		long_table(b, f);
	}
	print_figures(b, f, style);
	if (style != STYLE_MD)
		legend(b, f);
	if (has_targets(b)) {
		fprintf(f, "\n%s / best other allocator (below 1: %s is ahead):\n\n",
			REF, REF);
		targets_table(b, f, style);
	}
}

/* How long the run took, in words. */
static void print_duration(const struct bench *b, FILE *f)
{
	if (b->seconds >= 120)
		fprintf(f, "%.0f minutes", b->seconds / 60);
	else
		fprintf(f, "%.0f seconds", b->seconds);
}

/* The reference allocator, as the README names it. */
static const char *ref_label(const struct bench *b)
{
	const char *name = b->allocs[ref_index(b)].name;

	return strcmp(name, REF) == 0 ? "libjmalloc" : name;
}

/*
 * The section "Latest results" of README.md, ready to stand between its
 * markers (bench/readme.sh puts it there): what ran where, the chart,
 * the tables, the instruction counts.
 */
void print_readme(const struct bench *b, FILE *f)
{
	int i;

	fprintf(f, "From `%s` on %s; %s; ", b->command_line, b->date, b->machine);
	for (i = 0; i < b->nallocs; i++)
		fprintf(f, "%s%s", i ? ", " : "", b->allocs[i].version);
	fprintf(f, ".  The run took ");
	print_duration(b, f);
	if (!b->callgrind_only) {
		fprintf(f, ", over %d round%s.  Times vary from run to run (the "
			   "minimum and maximum of each are in `%s/table.txt`): "
			   "compare allocators within one run.\n\n", b->rounds,
			b->rounds == 1 ? "" : "s", b->out);
		fprintf(f, "![bar chart of the latest results](bench/chart.png)\n\n");
		fprintf(f, "Median ns per op, and each allocator's ratio to %s:\n\n",
			ref_label(b));
		wide_table(b, f, STYLE_MD, 0);
		fprintf(f, "\nPeak RSS of the measured phase in MiB, and ratio to %s "
			   "(given where %s's peak is at least %.0f MiB):\n\n",
			ref_label(b), ref_label(b), RSS_RATIO_MIN_KB / 1024);
		wide_table(b, f, STYLE_MD, 1);
		if (has_targets(b)) {
			fprintf(f, "\nlibjmalloc against the best other allocator of "
				   "each workload (below 1: libjmalloc is ahead):\n\n");
			targets_table(b, f, STYLE_MD);
		}
	} else {
		fprintf(f, ".\n");
	}
	if (b->callgrind)
		print_callgrind(b, f, 1);
}
