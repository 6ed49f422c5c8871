/*
 * callgrind.c - instructions per op: each single-threaded workload run
 * once more for each allocator under `valgrind --tool=callgrind`,
 * counting only the measured phase (the runner's bench_measured_*
 * functions), and once with no allocator at all (bench-none) for the
 * harness's own instructions, which the "net" rows subtract.
 *
 * The libjmalloc runner says on its line when JMALLOC_CHECK=1 asked for
 * the checked path (checked=1); such counts are marked, for they say
 * nothing of the fast path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

/* Instructions per op of one callgrind run, or -1; *checked from the
 * runner's line. */
static double callgrind_once(struct bench *b, const char *runner,
			     const struct work *w, uint64_t n, int *checked)
{
	char *tool[] = { BENCH_VALGRIND, "--tool=callgrind",
			 "--collect-atstart=no",
			 "--toggle-collect=bench_measured_*", NULL };
	struct runner_out o;
	char line[512];
	double total = -1;
	FILE *f = run_under(b, tool, "--callgrind-out-file=", runner, w, n, &o);

	if (f == NULL)
		return -1;
	*checked = runner_figure(&o, "checked") == 1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0)
			total = strtod(strchr(line, ':') + 1, NULL);
	fclose(f);
	return total < 0 ? -1 : total / (double)o.ops;
}

static uint64_t cg_loop_n(const struct bench *b)
{
	return b->quick ? 200000 : 500000;
}

static uint64_t cg_replay_n(const struct bench *b)
{
	return b->quick ? 300000 : 1000000;
}

/* The ops of a workload's callgrind run (for large and interp, steps). */
static uint64_t cg_n(const struct bench *b, const struct work *w)
{
	if (w->cg_count != 0)
		return b->quick ? w->cg_count / 2 : w->cg_count;
	return w->kind == K_REPLAY ? cg_replay_n(b) : cg_loop_n(b);
}

/* The workloads counted: the single-threaded ones. */
static int cg_counted(const struct work *w)
{
	return w->kind != K_THREADS;
}

/* Count instructions for each single-threaded workload; failures. */
int run_callgrind(struct bench *b)
{
	char *none = xasprintf("%s/bench-none", b->self_dir);
	int wi, i, failures = 0, checked;

	if (*BENCH_VALGRIND == '\0') {
		fprintf(stderr, "bench: no valgrind found by configure: no instruction counts\n");
		b->callgrind = 0;
		free(none);
		return 0;
	}
	ensure_tmp(b);
	fprintf(stderr, "%-16s", "callgrind");
	for (wi = 0; wi < b->nworks; wi++) {
		struct work *w = &b->works[wi];
		uint64_t n = cg_n(b, w);

		w->ir_none = -1;
		if (!cg_counted(w))
			continue;
		if (w->kind == K_LOOP && !(w->flags & W_NO_NET) &&
		    access(none, X_OK) == 0)
			w->ir_none = callgrind_once(b, none, w, n, &checked);
		for (i = 0; i < b->nallocs; i++) {
			struct result *r = &w->res[i];

			r->ir = callgrind_once(b, b->allocs[i].path, w, n,
					       &r->ir_checked);
			if (r->ir < 0) {
				failures++;
				fprintf(stderr, "\n  %s %s: callgrind run failed",
					w->name, b->allocs[i].name);
			}
			fputc('.', stderr);
		}
	}
	fputc('\n', stderr);
	free(none);
	return failures;
}

/* What the counts are of: the ops of each kind of workload. */
static void print_intro(const struct bench *b, FILE *f)
{
	int wi;

	fprintf(f, "\nInstructions per op under callgrind, the measured phase only "
		   "(loops: %llu pairs; replays: the first %llu calls",
		(unsigned long long)cg_loop_n(b), (unsigned long long)cg_replay_n(b));
	for (wi = 0; wi < b->nworks; wi++)
		if (cg_counted(&b->works[wi]) && b->works[wi].cg_count != 0)
			fprintf(f, "; %s: %llu steps", b->works[wi].name,
				(unsigned long long)cg_n(b, &b->works[wi]));
	fprintf(f, ").\n\"net\": less the harness's own instructions (the "
		   "loop with no allocator).\n\n");
}

/*
 * The table of counts, as text; `fenced` puts it in a Markdown code
 * block, for the README section.
 */
void print_callgrind(const struct bench *b, FILE *f, int fenced)
{
	int ri = ref_index(b), wi, i, any = 0, checked = 0;
	int ratio = strcmp(b->allocs[ri].name, REF) == 0 && b->nallocs > 1;
	struct table t;

	for (wi = 0; wi < b->nworks; wi++)
		any |= cg_counted(&b->works[wi]);
	if (!any)
		return;
	print_intro(b, f);
	if (fenced)
		fprintf(f, "```\n");
	by_allocator(b, &t, f, STYLE_TEXT, 10);
	if (ratio)
		table_col(&t, REF "/best", 13);
	table_head(&t);
	for (wi = 0; wi < b->nworks; wi++) {
		const struct work *w = &b->works[wi];
		const struct result *ref = &w->res[ri];
		double base = w->ir_none > 0 ? w->ir_none : 0;
		int net;

		if (!cg_counted(w))
			continue;
		for (net = 0; net <= (w->ir_none > 0); net++) {
			double less = net ? base : 0, best = -1;

			table_cell(&t, "%s%s", w->name, net ? " net" : "");
			for (i = 0; i < b->nallocs; i++) {
				const struct result *r = &w->res[i];

				if (r->ir < 0) {
					table_cell(&t, "failed ");
					continue;
				}
				checked |= r->ir_checked;
				table_cell(&t, "%.1f%s", r->ir - less,
					   r->ir_checked ? "*" : " ");
				if (i != ri && (best < 0 || r->ir - less < best))
					best = r->ir - less;
			}
			if (ratio && best > 0 && ref->ir >= 0 && !ref->ir_checked)
				table_cell(&t, "%.2f", (ref->ir - less) / best);
			else if (ratio)
				table_cell(&t, "%s", "");
			table_end_row(&t);
		}
	}
	if (checked)
		fprintf(f, "* libjmalloc ran with JMALLOC_CHECK=1 in its environment, "
			   "which asks for its checked path:\n"
			   "  these counts are of the checks, not of the fast path.\n");
	if (fenced)
		fprintf(f, "```\n");
}
