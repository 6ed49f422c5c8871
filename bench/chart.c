/*
 * chart.c - results.tsv and the bar chart drawn from it by gnuplot
 * (chart.gp, chart.png): each allocator's median time per op, and its
 * peak RSS where libjmalloc's is large enough for a ratio, over
 * libjmalloc's, for each workload.
 *
 * results.tsv has three blocks, two blank lines apart: the time ratios,
 * the RSS ratios, and the further figures (figures.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/* The lowest and highest ratio of a block, for the chart's axis. */
struct range {
	double lo, hi;
};

/*
 * A block of ratios to libjmalloc, of time (rss 0) or of peak RSS
 * (rss 1, only the workloads where libjmalloc's peak is large enough);
 * the number of its workloads.
 */
static int ratio_block(const struct bench *b, FILE *f, int rss,
		       struct range *range)
{
	int ri = ref_index(b), wi, i, rows = 0;
	struct table t;

	range->lo = range->hi = 1;
	by_allocator(b, &t, f, STYLE_TSV, 10);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];
		const struct result *ref = &w->res[ri];

		if (rss && (!result_ok(ref) || med_rss(ref) < RSS_RATIO_MIN_KB))
			continue;
		rows++;
		table_cell(&t, "%s%s", w->name, rss || result_ok(ref) ? "" :
			   ref->skipped ? " (" REF " skipped)" : " (no " REF ")");
		for (i = 0; i < b->nallocs; i++) {
			const struct result *r = &w->res[i];
			double v;

			if (!result_ok(r) || !result_ok(ref) ||
			    (rss && !(med_rss(r) > 0))) {
				table_cell(&t, "-");
				continue;
			}
			v = rss ? med_rss(r) / med_rss(ref) : med_ns(r) / med_ns(ref);
			range->lo = v < range->lo ? v : range->lo;
			range->hi = v > range->hi ? v : range->hi;
			table_cell(&t, "%.4f", v);
		}
		table_end_row(&t);
	}
	return rows;
}

/* One plot of the multiplot: block `index` of results.tsv. */
static void plot(const struct bench *b, FILE *f, const char *title,
		 const struct range *range, int index, const char *dat)
{
	fprintf(f,
		"set title '%s / %s (lower is better)'\n"
		"set yrange [%g:%g]\n"
		"set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2\n"
		"plot for [i=2:%d] '%s' index %d using i:xtic(1) title columnheader(i)\n",
		title, REF, range->lo / 1.5, range->hi * 1.3, b->nallocs + 1, dat,
		index);
}

void write_chart(const struct bench *b, const char *dir)
{
	char *dat = xasprintf("%s/results.tsv", dir);
	char *gp = xasprintf("%s/chart.gp", dir);
	char *png = xasprintf("%s/chart.png", dir);
	struct range time, mem;
	int nmem;
	FILE *f;

	f = fopen(dat, "w");
	if (f == NULL)
		fatal("cannot write %s", dat);
	ratio_block(b, f, 0, &time);
	fprintf(f, "\n\n");
	nmem = ratio_block(b, f, 1, &mem);
	print_figures(b, f, STYLE_TSV);
	fclose(f);

	f = fopen(gp, "w");
	if (f == NULL)
		fatal("cannot write %s", gp);
	fprintf(f,
		"# gnuplot script written by bench: %s\n"
		"set terminal pngcairo noenhanced size 1100,%d font 'sans,10'\n"
		"set output '%s'\n"
		"set datafile separator '\\t'\n"
		"set datafile missing '-'\n"
		"set style data histogram\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.85 border -1\n"
		"set boxwidth 0.9\n"
		"set key outside right top\n"
		"set grid ytics\n"
		"set xtics rotate by -30 nomirror\n"
		"set logscale y 2\n"
		"set multiplot layout %d,1 title \"libjmalloc benchmark, %s\\n%s\\n%s\"\n",
		b->command_line, nmem > 0 ? 800 : 450, png, nmem > 0 ? 2 : 1,
		b->date, b->machine, b->command_line);
	plot(b, f, "median time per op", &time, 0, dat);
	if (nmem > 0)
		plot(b, f, "peak RSS of the measured phase", &mem, 1, dat);
	fprintf(f, "unset multiplot\n");
	fclose(f);
	if (*BENCH_GNUPLOT == '\0') {
		fprintf(stderr, "bench: no gnuplot found by configure: no chart\n");
	} else {
		char *argv[3] = { BENCH_GNUPLOT, gp, NULL };

		if (run_prog(b, argv, NULL, 0, 0) != 0)
			fprintf(stderr, "bench: gnuplot failed: no chart\n");
		else
			printf("chart: %s\n", png);
	}
	free(dat);
	free(gp);
	free(png);
}
