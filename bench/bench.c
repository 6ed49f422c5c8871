/*
 * bench.c - the benchmark driver: runs every workload against every
 * allocator, each run in a process of its own (a runner, runner.c), the
 * allocators interleaved over several rounds, and reports the median ns
 * per operation with min and max, the peak RSS of the measured phase,
 * and each allocator's ratio to libjmalloc (report.c).  With --out it
 * also writes the reports as text, Markdown and TSV, a section for the
 * README, and a bar chart (chart.c).
 *
 *   bench [options]                 run the suite; `bench --help` lists them
 *   bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]
 *                                   record PROGRAM's allocator calls into a
 *                                   trace that `bench --trace=FILE` replays
 *                                   (record.c)
 *
 * The runners are the programs bench-ALLOCATOR next to this one.  This
 * file holds the options, the allocators and workloads of a run, and the
 * rounds of timed runs; driver.h says where the rest is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

/* --- What runs --------------------------------------------------------------- */

/* A single-threaded loop of the runner's workload `nm`. */
#define LOOP(nm, cnt, quick, ab) \
	{ .name = nm, .runner_wl = nm, .kind = K_LOOP, .unit = "pair", \
	  .count = cnt, .quick_count = quick, .threads = 1, .about = ab }
/* A workload of `thr` threads (0: --threads). */
#define THREADED(nm, wl, thr, cnt, quick, ab) \
	{ .name = nm, .runner_wl = wl, .kind = K_THREADS, .unit = "pair", \
	  .count = cnt, .quick_count = quick, .threads = thr, .about = ab }
/* The live set of a million objects, replaced 4M times (1M in the short
 * mode) in `thr` threads. */
#define LIVE(nm, thr, ab) \
	{ .name = nm, .runner_wl = "live", .kind = thr == 1 ? K_LOOP : K_THREADS, \
	  .unit = "pair", .count = 4000000, .quick_count = 1000000, \
	  .live = 1000000, .threads = thr, .about = ab }

static const struct work builtin_works[] = {
	LOOP("simple", 20000000, 4000000,
	     "alloc+free pairs, 16 B-2 KiB (the original's loop)"),
	LOOP("simple-set", 4000000, 1000000, "the same, writing the whole block"),
	LOOP("complex", 20000000, 4000000,
	     "1024 live slots replaced at random (the original's loop)"),
	LOOP("complex-set", 4000000, 1000000, "the same, writing the whole block"),
	THREADED("complex-2t", "complex-mt", 2, 10000000, 2000000,
		 "2 threads, each the complex loop"),
	LIVE("live", 1, "1M live objects of 8 B-1 KiB, replaced at random"),
	LIVE("live-2t", 2, "the same, split between 2 threads"),
	LIVE("live-Nt", 0, "the same, split between N threads"),
	THREADED("prodcons", "prodcons", 2, 4000000, 1000000,
		 "one thread allocates, another frees"),
	/*
	 * No run of the harness alone for these: bench-none cannot hold
	 * their blocks.  Under callgrind, large takes 100 steps and interp
	 * 1M (half in the short mode).
	 */
	{ .name = "phases", .runner_wl = "phases", .kind = K_LOOP, .unit = "pair",
	  .count = 4000000, .quick_count = 1000000, .live = 256, .threads = 1,
	  .flags = W_NO_NET | W_SYSCALLS,
	  .about = "256 MiB live (16 B-4 KiB, 1-8 MiB), all freed, then small "
		   "replacements" },
	{ .name = "large", .runner_wl = "large", .kind = K_LOOP, .unit = "pair",
	  .count = 400, .quick_count = 100, .threads = 1,
	  .flags = W_NO_NET | W_SYSCALLS, .cg_count = 100,
	  .about = "4 live blocks of 1-64 MiB replaced at random, every page "
		   "written" },
	{ .name = "interp", .runner_wl = "interp", .kind = K_LOOP, .unit = "call",
	  .count = 20000000, .quick_count = 4000000, .threads = 1,
	  .flags = W_NO_NET, .cg_count = 1000000,
	  .about = "an interpreter's sized hook (lua_Alloc): realloc-grown "
		   "arrays and strings, collections" },
	/*
	 * The C++ containers (containers.cc), each allocator through a C++
	 * allocator of its own: jm::allocator, std::allocator for the
	 * system, the peers' sized calls for them.  bench-none cannot hold
	 * their nodes.
	 */
	{ .name = "cxx-map", .runner_wl = "cxx-map", .kind = K_LOOP, .unit = "pair",
	  .count = 2000000, .quick_count = 500000, .live = 100000, .threads = 1,
	  .flags = W_NO_NET | W_CXX, .cg_count = 200000,
	  .about = "std::map of 100k entries: erase one, insert one" },
	{ .name = "cxx-umap", .runner_wl = "cxx-umap", .kind = K_LOOP, .unit = "pair",
	  .count = 4000000, .quick_count = 1000000, .live = 100000, .threads = 1,
	  .flags = W_NO_NET | W_CXX, .cg_count = 200000,
	  .about = "std::unordered_map of 100k entries: erase one, insert one" },
	{ .name = "cxx-vector", .runner_wl = "cxx-vector", .kind = K_LOOP,
	  .unit = "vector", .count = 400000, .quick_count = 100000, .live = 64,
	  .threads = 1, .flags = W_NO_NET | W_CXX, .cg_count = 20000,
	  .about = "std::vector grown by push_back to 1-1000 elements, 64 kept" },
};

static void setup_allocs(struct bench *b)
{
	char *list = xstrdup(BENCH_ALLOCATORS), *tok, *save = NULL;

	for (tok = strtok_r(list, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		struct alloc *a;

		if (b->allocs_opt != NULL && !listed(b->allocs_opt, tok))
			continue;
		if (b->nallocs >= MAX_ALLOC)
			break;
		a = &b->allocs[b->nallocs];
		a->name = xstrdup(tok);
		a->path = xasprintf("%s/bench-%s", b->self_dir, tok);
		if (access(a->path, X_OK) != 0) {
			fprintf(stderr, "bench: %s is not built (make %s); left out\n",
				a->path, "bench");
			continue;
		}
		a->threads_ok = 1;
		b->nallocs++;
	}
	free(list);
	if (b->allocs_opt != NULL) {
		/* Every name asked for must exist. */
		char *l = xstrdup(b->allocs_opt);

		for (tok = strtok_r(l, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			if (strchr(tok, '*') == NULL && !listed(BENCH_ALLOCATORS, tok) &&
			    strcmp(tok, "none") != 0)
				fatal("no allocator %s in this build (built: %s)", tok,
				      BENCH_ALLOCATORS);
		free(l);
	}
	if (b->nallocs == 0)
		fatal("no allocator to run");
}

/* The built-in workloads asked for (live-Nt named for its threads), then
 * the replays; each one's ops and threads for this run. */
static void setup_works(struct bench *b)
{
	size_t i;

	for (i = 0; i < sizeof(builtin_works) / sizeof(builtin_works[0]); i++) {
		struct work *w = &b->works[b->nworks];

		*w = builtin_works[i];
		if ((w->flags & W_CXX) && !BENCH_CXX)
			continue; /* no C++ compiler: not built */
		if (w->threads == 0) {
			w->threads = b->threads;
			w->name = xasprintf("live-%ut", b->threads);
		}
		if (b->works_opt == NULL || listed(b->works_opt, w->name) ||
		    listed(b->works_opt, builtin_works[i].name))
			b->nworks++;
	}
	find_traces(b);
	for (i = 0; i < (size_t)b->nworks; i++) {
		struct work *w = &b->works[i];
		double c = (double)(b->quick ? w->quick_count : w->count) * b->scale;

		if (w->kind == K_REPLAY)
			w->n = 0; /* the whole trace */
		else
			w->n = c < 1 ? 1 : (uint64_t)c;
	}
	if (b->nworks == 0)
		fatal("no workload selected (see bench --list)");
}

static void get_versions(struct bench *b)
{
	int i;

	for (i = 0; i < b->nallocs; i++) {
		struct alloc *a = &b->allocs[i];
		char out[256], *v[3] = { a->path, "version", NULL };

		if (run_prog(b, v, out, sizeof(out), 0) == 0) {
			out[strcspn(out, "\n")] = '\0';
			a->version = xstrdup(out);
		} else {
			a->version = xstrdup(a->name);
		}
	}
}

/* Run the thread probe for each allocator, if a threaded workload runs. */
static void probe_threads(struct bench *b)
{
	int i, any = 0;

	for (i = 0; i < b->nworks; i++)
		any |= b->works[i].kind == K_THREADS;
	if (!any)
		return;
	for (i = 0; i < b->nallocs; i++) {
		struct alloc *a = &b->allocs[i];
		char *v[3] = { a->path, "probe", NULL };
		int status = 0, tries;

		/* A race may pass unseen once: three tries, all must pass. */
		for (tries = 0; tries < 3 && status == 0; tries++)
			status = run_prog(b, v, NULL, 0, 1);
		if (status != 0) {
			char why[64];

			describe_status(status, why, sizeof(why));
			a->threads_ok = 0;
			a->probe_failed = 1;
			fprintf(stderr,
				"bench: %s failed the thread-safety probe (%s): its "
				"threaded workloads are skipped\n", a->name, why);
		}
	}
}

/* --- The timed suite ---------------------------------------------------------------- */

/* One timed run; 0 on success. */
static int run_once(struct bench *b, const struct alloc *a, struct work *w,
		    struct result *r)
{
	struct runner_out o;

	if (run_runner(b, NULL, a->path, w, w->n, &o, r->failure,
		       sizeof(r->failure)) != 0)
		return -1;
	r->ns[r->n] = o.ns;
	r->rss_kb[r->n] = o.rss_kb;
	r->n++;
	parse_figures(&o, r);
	return 0;
}

static int run_suite(struct bench *b)
{
	int failures = 0, wi, r, k;

	for (wi = 0; wi < b->nworks; wi++) {
		struct work *w = &b->works[wi];

		fprintf(stderr, "%-16s", w->name);
		for (r = 0; r < b->rounds; r++) {
			for (k = 0; k < b->nallocs; k++) {
				/* Each round starts with the next allocator. */
				int ai = (k + r) % b->nallocs;
				struct alloc *a = &b->allocs[ai];
				struct result *res = &w->res[ai];

				if (w->kind == K_THREADS && !a->threads_ok) {
					res->skipped = 1;
					continue;
				}
				if (res->failure[0] != '\0')
					continue; /* failed once: not again */
				if (run_once(b, a, w, res) != 0) {
					failures++;
					fprintf(stderr, "\n  %s: %s", a->name, res->failure);
				}
			}
			fputc('.', stderr);
		}
		fputc('\n', stderr);
	}
	return failures;
}

/* --- The run's identity ------------------------------------------------------------- */

static char *cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	if (f == NULL)
		return xstrdup("unknown CPU");
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			fclose(f);
			c++;
			while (*c == ' ' || *c == '\t')
				c++;
			c[strcspn(c, "\n")] = '\0';
			return xstrdup(c);
		}
	}
	fclose(f);
	return xstrdup("unknown CPU");
}

static char *machine_line(void)
{
	struct utsname u;
	char *cpu = cpu_model(), *s;

	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	s = xasprintf("%s, %ld CPUs, %s %s %s", cpu,
		      sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release,
		      u.machine);
	free(cpu);
	return s;
}

static char *date_line(void)
{
	char buf[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	return xstrdup(buf);
}

/* The command line as a shell would take it back. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	s = calloc(1, len);
	if (s == NULL)
		fatal("out of memory");
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		int quote = *a == '\0' || strpbrk(a, " \t'\"*?$;&|<>()\\") != NULL;

		if (i > 0)
			strcat(s, " ");
		if (!quote) {
			strcat(s, a);
			continue;
		}
		strcat(s, "'");
		for (; *a; a++) {
			if (*a == '\'')
				strcat(s, "'\\''");
			else
				strncat(s, a, 1);
		}
		strcat(s, "'");
	}
	return s;
}

/* The directory of this program, where its runners are. */
static char *find_self(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n > 0)
		buf[n] = '\0';
	else
		snprintf(buf, sizeof(buf), "%s", argv0);
	slash = strrchr(buf, '/');
	return slash != NULL ? xasprintf("%.*s", (int)(slash - buf), buf)
			     : xstrdup(".");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- Options ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench [options]\n"
"       bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]\n"
"\n"
"Runs each workload against each allocator, every run in a process of its\n"
"own, the allocators interleaved over several rounds, and prints median ns\n"
"per op [min - max], the peak RSS of the measured phase and the ratios to\n"
"jmalloc.  Writes table.txt, table.md, results.tsv, chart.png and\n"
"readme.md (the README's \"Latest results\") to --out.\n"
"\n"
"  -a, --allocators=LIST  allocators to run, comma-separated (built: %s)\n"
"  -w, --workloads=LIST   workloads to run, comma-separated; NAME* matches\n"
"                         a prefix (default: all; see --list)\n"
"  -r, --rounds=N         rounds (default 5; 3 with --quick)\n"
"  -q, --quick            smaller work sizes and 3 rounds, for CI\n"
"  -s, --scale=F          multiply the work sizes by F\n"
"  -t, --threads=N        threads of live-Nt (default 4)\n"
"      --trace=FILE       replay this trace (.jmt, .jmt.xz, .jmt.gz); may be\n"
"                         repeated; replaces the bundled traces\n"
"      --traces=DIR       the directory of bundled traces\n"
"      --callgrind        also count instructions per op under valgrind\n"
"      --callgrind-only   count instructions only\n"
"  -o, --out=DIR          where to write the results (default: none)\n"
"      --timeout=S        kill a run after S seconds (default 600)\n"
"      --strict           an allocator that fails the thread-safety probe is\n"
"                         an error (default: its threaded workloads are\n"
"                         skipped)\n"
"      --no-strace        do not count system calls under strace (below)\n"
"  -l, --list             list the allocators and workloads\n"
"  -h, --help             this text\n"
"\n"
"bench record runs PROGRAM with the recorder preloaded and writes its\n"
"allocator calls to FILE (default trace.jmt); --only=NAME records the\n"
"process of that program name (for example cc1 under gcc) instead of\n"
"PROGRAM itself.\n",
		BENCH_ALLOCATORS);
	usage_figures(f);
}

/* Read the options into b; -1 to stop with status 2, 1 for --list. */
static int parse_options(struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allocators", required_argument, NULL, 'a' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "scale", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "trace", required_argument, NULL, 'T' },
		{ "traces", required_argument, NULL, 'D' },
		{ "callgrind", no_argument, NULL, 'c' },
		{ "callgrind-only", no_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'M' },
		{ "strict", no_argument, NULL, 'S' },
		{ "no-strace", no_argument, NULL, 'N' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, list = 0;

	b->rounds = -1;
	b->scale = 1;
	b->threads = 4;
	b->strace = 1;
	b->timeout = 600;
	b->trace_dir = BENCH_TRACE_DIR;
	while ((c = getopt_long(argc, argv, "a:w:r:qs:t:o:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': b->allocs_opt = optarg; break;
		case 'w': b->works_opt = optarg; break;
		case 'r': b->rounds = atoi(optarg); break;
		case 'q': b->quick = 1; break;
		case 's': b->scale = strtod(optarg, NULL); break;
		case 't': b->threads = (unsigned)atoi(optarg); break;
		case 'T':
			if (b->ntraces >= MAX_WORK)
				fatal("too many traces");
			b->traces[b->ntraces++] = optarg;
			break;
		case 'D': b->trace_dir = optarg; break;
		case 'c': b->callgrind = 1; break;
		case 'C': b->callgrind = b->callgrind_only = 1; break;
		case 'o': b->out = optarg; break;
		case 'M': b->timeout = atoi(optarg); break;
		case 'S': b->strict = 1; break;
		case 'N': b->strace = 0; break;
		case 'l': list = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -1;
	}
	if (b->rounds < 0)
		b->rounds = b->quick ? 3 : 5;
	if (b->rounds < 1 || b->rounds > MAX_ROUNDS)
		fatal("--rounds must be from 1 to %d", MAX_ROUNDS);
	if (!(b->scale > 0))
		fatal("--scale must be above 0");
	if (b->threads < 1 || b->threads > 1024)
		fatal("--threads must be from 1 to 1024");
	if (b->timeout < 1)
		fatal("--timeout must be at least 1");
	return list;
}

/* --- Main ----------------------------------------------------------------------------- */

/* The result file `name` of --out, open for writing. */
static FILE *out_file(const struct bench *b, const char *name)
{
	char *p = xasprintf("%s/%s", b->out, name);
	FILE *f = fopen(p, "w");

	if (f == NULL)
		fatal("cannot write %s", p);
	free(p);
	return f;
}

static void close_out(const struct bench *b, FILE *f, const char *name)
{
	if (fclose(f) != 0)
		fatal("cannot write %s/%s", b->out, name);
}

int main(int argc, char **argv)
{
	static struct bench run;
	struct bench *b = &run;
	double start = now_s();
	int list, failures = 0, i;
	FILE *f;

	b->self_dir = find_self(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines keep their place among the progress dots */
	if (argc > 1 && strcmp(argv[1], "record") == 0)
		return cmd_record(b->self_dir, argc - 1, argv + 1);
	b->command_line = join_args(argc, argv);
	list = parse_options(b, argc, argv);
	if (list < 0)
		return 2;
	setup_allocs(b);
	setup_works(b);
	if (list) {
		printf("allocators:");
		for (i = 0; i < b->nallocs; i++)
			printf(" %s", b->allocs[i].name);
		printf("\nworkloads:\n");
		for (i = 0; i < b->nworks; i++)
			printf("  %-16s %s\n", b->works[i].name, b->works[i].about);
		return 0;
	}
	get_versions(b);
	b->date = date_line();
	b->machine = machine_line();
	if (!b->callgrind_only) {
		probe_threads(b);
		if (b->strict)
			for (i = 0; i < b->nallocs; i++)
				failures += b->allocs[i].probe_failed;
		failures += run_suite(b);
		if (b->strace)
			failures += run_syscalls(b);
		print_report(b, stdout, STYLE_TEXT);
	}
	if (b->callgrind) {
		failures += run_callgrind(b);
		if (b->callgrind_only)
			print_header(b, stdout, STYLE_TEXT);
		if (b->callgrind)
			print_callgrind(b, stdout, 0);
	}
	b->seconds = now_s() - start;
	if (b->out != NULL && mkdir(b->out, 0777) != 0 && errno != EEXIST)
		fatal("cannot make %s: %s", b->out, strerror(errno));
	if (b->out != NULL && b->callgrind) {
		f = out_file(b, "callgrind.txt");
		print_header(b, f, STYLE_TEXT);
		print_callgrind(b, f, 0);
		close_out(b, f, "callgrind.txt");
	}
	if (b->out != NULL && !b->callgrind_only) {
		f = out_file(b, "table.txt");
		print_report(b, f, STYLE_TEXT);
		close_out(b, f, "table.txt");
		f = out_file(b, "table.md");
		print_report(b, f, STYLE_MD);
		close_out(b, f, "table.md");
		write_chart(b, b->out);
	}
	if (b->out != NULL) {
		f = out_file(b, "readme.md");
		print_readme(b, f);
		close_out(b, f, "readme.md");
	}
	if (failures > 0)
		fprintf(stderr, "bench: %d run%s failed\n", failures,
			failures == 1 ? "" : "s");
	return failures > 0 ? 1 : 0;
}
