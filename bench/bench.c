/*
 * bench.c - the benchmark driver: runs every workload against every
 * allocator, each run in a process of its own (a runner, runner.c), the
 * allocators interleaved over several rounds, and prints a table of median
 * ns per operation with min and max, the peak RSS of the measured phase,
 * and each allocator's ratio to libjmalloc.  It also writes the table as
 * text, Markdown and TSV, and a bar chart of it (with gnuplot).
 *
 *   bench [options]                 run the suite; `bench --help` lists them
 *   bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]
 *                                   record PROGRAM's allocator calls into a
 *                                   trace that `bench --trace=FILE` replays
 *
 * The runners are the programs bench-ALLOCATOR next to this one.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

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

/* --- Small helpers ------------------------------------------------------------ */

void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		fatal("out of memory");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Does `list` (comma- or space-separated) name `s`?  An item may end
 * in '*' to match a prefix. */
static int listed(const char *list, const char *s)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ", ");
		const char *e = p[n] != '\0' ? p + n : NULL;

		if (n > 0 && p[n - 1] == '*' && strncmp(p, s, n - 1) == 0)
			return 1;
		if (n == strlen(s) && strncmp(p, s, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

/* --- What runs --------------------------------------------------------------- */

struct alloc allocs[MAX_ALLOC];
int nallocs;
struct work works[MAX_WORK];
int nworks;

#define WORK(nm, wl, k, cnt, quick, lv, thr, ab) \
	{ .name = nm, .runner_wl = wl, .kind = k, .unit = "pair", .count = cnt, \
	  .quick_count = quick, .live = lv, .threads = thr, .about = ab }

static const struct work builtin_works[] = {
	WORK("simple", "simple", K_LOOP, 20000000, 4000000, 0, 1,
	     "alloc+free pairs, 16 B-2 KiB (the original's loop)"),
	WORK("simple-set", "simple-set", K_LOOP, 4000000, 1000000, 0, 1,
	     "the same, writing the whole block"),
	WORK("complex", "complex", K_LOOP, 20000000, 4000000, 0, 1,
	     "1024 live slots replaced at random (the original's loop)"),
	WORK("complex-set", "complex-set", K_LOOP, 4000000, 1000000, 0, 1,
	     "the same, writing the whole block"),
	WORK("complex-2t", "complex-mt", K_THREADS, 10000000, 2000000, 0, 2,
	     "2 threads, each the complex loop"),
	WORK("live", "live", K_LOOP, 4000000, 1000000, 1000000, 1,
	     "1M live objects of 8 B-1 KiB, replaced at random"),
	WORK("live-2t", "live", K_THREADS, 4000000, 1000000, 1000000, 2,
	     "the same, split between 2 threads"),
	WORK("live-Nt", "live", K_THREADS, 4000000, 1000000, 1000000, 0,
	     "the same, split between N threads"),
	WORK("prodcons", "prodcons", K_THREADS, 4000000, 1000000, 0, 2,
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
};

/* Options. */
static const char *opt_allocs;
static const char *opt_works;
static int opt_rounds = -1;
static int opt_quick;
static double opt_scale = 1;
static unsigned opt_threads = 4;
static const char *opt_out;
static int opt_callgrind;
static int opt_callgrind_only;
static int opt_strict;
static int opt_strace = 1;
static int opt_timeout = 600;
static const char *opt_trace_dir = BENCH_TRACE_DIR;
static char *opt_traces[MAX_WORK];
static int nopt_traces;
static char *self_dir;
char *tmp_dir;
static char *command_line;

const char *work_name(const struct work *w)
{
	static char buf[MAX_WORK][32];
	int i = (int)(w - works);

	if (strcmp(w->name, "live-Nt") != 0)
		return w->name;
	snprintf(buf[i], sizeof(buf[i]), "live-%ut", opt_threads);
	return buf[i];
}

static unsigned work_threads(const struct work *w)
{
	return w->threads != 0 ? w->threads : opt_threads;
}

/* --- Processes ------------------------------------------------------------------- */

/*
 * Run argv with its standard output into `out` (NULL: discard, "-": keep
 * ours); `err_null` discards standard error.  Returns the wait status, or
 * -1 when it could not start.  The child is killed after opt_timeout.
 */
int run_prog(char *const argv[], char *out, size_t outlen,
	     char *const env[], int err_null)
{
	int pfd[2] = { -1, -1 }, status;
	size_t got = 0;
	pid_t pid;

	if (out != NULL && pipe(pfd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (out != NULL) {
			dup2(pfd[1], 1);
			close(pfd[0]);
			close(pfd[1]);
		} else if (null >= 0) {
			dup2(null, 1);
		}
		if (err_null && null >= 0)
			dup2(null, 2);
		if (null > 2)
			close(null);
		alarm((unsigned)opt_timeout);
		if (env != NULL)
			execve(argv[0], argv, env);
		else
			execvp(argv[0], argv);
		fprintf(stderr, "bench: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (out != NULL) {
		close(pfd[1]);
		for (;;) {
			ssize_t n = read(pfd[0], out + got, outlen - 1 - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
			if (got == outlen - 1)
				break;
		}
		out[got] = '\0';
		close(pfd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "could not start");
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(buf, len, "timed out");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

/* The runner's argument vector for workload w, into v (NULL-terminated). */
int runner_args(const struct alloc *a, const struct work *w, uint64_t n,
		char **v, char num[3][24])
{
	int k = 0;

	v[k++] = a->path;
	v[k++] = (char *)w->runner_wl;
	if (w->kind != K_REPLAY || n != 0) {
		snprintf(num[0], 24, "%llu", (unsigned long long)n);
		v[k++] = "-n";
		v[k++] = num[0];
	}
	if (w->live != 0) {
		snprintf(num[1], 24, "%llu", (unsigned long long)w->live);
		v[k++] = "-l";
		v[k++] = num[1];
	}
	if (work_threads(w) > 1) {
		snprintf(num[2], 24, "%u", work_threads(w));
		v[k++] = "-t";
		v[k++] = num[2];
	}
	if (w->kind == K_REPLAY) {
		v[k++] = "-f";
		v[k++] = w->trace;
	}
	v[k] = NULL;
	return k;
}

/* One timed run; 0 on success. */
static int run_once(const struct alloc *a, struct work *w, struct result *r)
{
	char out[512], num[3][24], *v[16];
	unsigned long long ops;
	double ns;
	long rss;
	int status;

	runner_args(a, w, w->n, v, num);
	status = run_prog(v, out, sizeof(out), NULL, 0);
	if (status != 0 ||
	    sscanf(out, "ns=%lf ops=%llu rss_kb=%ld", &ns, &ops, &rss) != 3) {
		if (status == 0)
			snprintf(r->failure, sizeof(r->failure), "bad output");
		else
			describe_status(status, r->failure, sizeof(r->failure));
		return -1;
	}
	r->ns[r->n] = ns;
	r->rss_kb[r->n] = rss;
	r->n++;
	parse_figures(out, r);
	return 0;
}

/* --- Machine, traces, set-up ------------------------------------------------------ */

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

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

void ensure_tmp(void)
{
	const char *t = getenv("TMPDIR");

	if (tmp_dir != NULL)
		return;
	tmp_dir = xasprintf("%s/bench.XXXXXX", t != NULL && *t ? t : "/tmp");
	if (mkdtemp(tmp_dir) == NULL)
		fatal("cannot make a temporary directory: %s", strerror(errno));
}

static void remove_tmp(void)
{
	DIR *d;
	struct dirent *e;

	if (tmp_dir == NULL || (d = opendir(tmp_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", tmp_dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(tmp_dir);
}

/* The trace's program name and call count, for the table's legend. */
static char *trace_about(const char *path)
{
	unsigned char buf[1 << 16];
	unsigned long long calls = 0;
	char name[256] = "?";
	size_t n, i = 0, skip = 0;
	int first = 1, varints = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return xstrdup("?");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		i = 0;
		if (first) {
			size_t len;

			first = 0;
			if (n < 10 || memcmp(buf, "JMTRACE1", 8) != 0)
				break;
			len = buf[8] & 0x7f; /* names are under 256 bytes */
			if (len > 0 && (buf[8] & 0x80) == 0 && 9 + len <= n) {
				memcpy(name, buf + 9, len);
				name[len] = '\0';
			}
			i = 9 + len;
		}
		/* Count records: an opcode byte, then 1 or 2 varints. */
		for (; i < n; i++) {
			if (skip > 0) {
				if (!(buf[i] & 0x80))
					skip--;
				continue;
			}
			calls++;
			varints = buf[i] == 3 || buf[i] == 5 ? 2 : 1;
			skip = (size_t)varints;
		}
	}
	fclose(f);
	return xasprintf("%s, %.2fM calls", name, (double)calls / 1e6);
}

/* Add a replay workload for a trace file (.jmt, .jmt.xz or .jmt.gz). */
static void add_trace(const char *file)
{
	const char *base = strrchr(file, '/');
	char *name, *dot, *plain;
	struct work *w;

	base = base != NULL ? base + 1 : file;
	name = xstrdup(base);
	dot = strstr(name, ".jmt");
	if (dot != NULL)
		*dot = '\0';
	if (nworks >= MAX_WORK)
		fatal("too many workloads");
	if (access(file, R_OK) != 0)
		fatal("cannot read the trace %s", file);
	if (ends_with(file, ".xz") || ends_with(file, ".gz")) {
		char *argv[4];
		int status, fd;
		pid_t pid;

		ensure_tmp();
		plain = xasprintf("%s/%s.jmt", tmp_dir, name);
		argv[0] = ends_with(file, ".xz") ? BENCH_XZ : "gzip";
		argv[1] = "-dc";
		argv[2] = (char *)file;
		argv[3] = NULL;
		fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			fatal("cannot write %s", plain);
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			dup2(fd, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		close(fd);
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
			fatal("cannot decompress %s with %s", file, argv[0]);
	} else {
		plain = xstrdup(file);
	}
	w = &works[nworks++];
	memset(w, 0, sizeof(*w));
	w->name = xasprintf("replay-%s", name);
	w->runner_wl = "replay";
	w->kind = K_REPLAY;
	w->unit = "call";
	w->trace = plain;
	w->trace_about = trace_about(plain);
	w->about = xasprintf("replay of a recorded trace (%s)", w->trace_about);
	free(name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void find_traces(void)
{
	char *files[MAX_WORK];
	int n = 0, i;
	DIR *d;
	struct dirent *e;

	if (nopt_traces > 0) {
		for (i = 0; i < nopt_traces; i++)
			add_trace(opt_traces[i]);
		return;
	}
	if (opt_trace_dir == NULL || *opt_trace_dir == '\0' ||
	    (d = opendir(opt_trace_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < MAX_WORK) {
		if (ends_with(e->d_name, ".jmt") || ends_with(e->d_name, ".jmt.xz") ||
		    ends_with(e->d_name, ".jmt.gz"))
			files[n++] = xasprintf("%s/%s", opt_trace_dir, e->d_name);
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(*files), cmp_str);
	for (i = 0; i < n; i++) {
		char *name = strrchr(files[i], '/') + 1;
		char *probe = xasprintf("replay-%.*s", (int)strcspn(name, "."), name);

		/* Decompress only the traces that were asked for. */
		if (opt_works == NULL || listed(opt_works, probe))
			add_trace(files[i]);
		free(probe);
		free(files[i]);
	}
}

static void setup_allocs(void)
{
	char *list = xstrdup(BENCH_ALLOCATORS), *tok, *save = NULL;

	for (tok = strtok_r(list, " ,", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,", &save)) {
		struct alloc *a;

		if (opt_allocs != NULL && !listed(opt_allocs, tok))
			continue;
		if (nallocs >= MAX_ALLOC)
			break;
		a = &allocs[nallocs];
		a->name = xstrdup(tok);
		a->path = xasprintf("%s/bench-%s", self_dir, tok);
		if (access(a->path, X_OK) != 0) {
			fprintf(stderr, "bench: %s is not built (make %s); left out\n",
				a->path, "bench");
			continue;
		}
		a->threads_ok = 1;
		nallocs++;
	}
	free(list);
	if (opt_allocs != NULL) {
		/* Every name asked for must exist. */
		char *l = xstrdup(opt_allocs);

		for (tok = strtok_r(l, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save))
			if (strchr(tok, '*') == NULL && !listed(BENCH_ALLOCATORS, tok) &&
			    strcmp(tok, "none") != 0)
				fatal("no allocator %s in this build (built: %s)", tok,
				      BENCH_ALLOCATORS);
		free(l);
	}
	if (nallocs == 0)
		fatal("no allocator to run");
}

static void setup_works(void)
{
	size_t i;

	for (i = 0; i < sizeof(builtin_works) / sizeof(builtin_works[0]); i++) {
		works[nworks] = builtin_works[i];
		if (opt_works == NULL || listed(opt_works, work_name(&works[nworks])) ||
		    listed(opt_works, works[nworks].name))
			nworks++;
	}
	find_traces();
	for (i = 0; i < (size_t)nworks; i++) {
		struct work *w = &works[i];
		double c = (double)(opt_quick ? w->quick_count : w->count) * opt_scale;

		if (w->kind == K_REPLAY)
			w->n = 0; /* the whole trace */
		else
			w->n = c < 1 ? 1 : (uint64_t)c;
	}
	if (nworks == 0)
		fatal("no workload selected (see bench --list)");
}

static void get_versions(void)
{
	int i;

	for (i = 0; i < nallocs; i++) {
		char out[256], *v[3] = { allocs[i].path, "version", NULL };

		if (run_prog(v, out, sizeof(out), NULL, 0) == 0) {
			out[strcspn(out, "\n")] = '\0';
			allocs[i].version = xstrdup(out);
		} else {
			allocs[i].version = xstrdup(allocs[i].name);
		}
	}
}

/* Run the thread probe for each allocator, if a threaded workload runs. */
static void probe_threads(void)
{
	int i, any = 0;

	for (i = 0; i < nworks; i++)
		any |= works[i].kind == K_THREADS;
	if (!any)
		return;
	for (i = 0; i < nallocs; i++) {
		char *v[3] = { allocs[i].path, "probe", NULL };
		int status = 0, tries;

		/* A race may pass unseen once: three tries, all must pass. */
		for (tries = 0; tries < 3 && status == 0; tries++)
			status = run_prog(v, NULL, 0, NULL, 1);
		if (status != 0) {
			char why[64];

			describe_status(status, why, sizeof(why));
			allocs[i].threads_ok = 0;
			allocs[i].probe_failed = 1;
			fprintf(stderr,
				"bench: %s failed the thread-safety probe (%s): its "
				"threaded workloads are skipped\n",
				allocs[i].name, why);
		}
	}
}

/* --- The timed suite ---------------------------------------------------------------- */

static int run_suite(void)
{
	int rounds = opt_rounds, failures = 0, wi, r, k;

	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];

		fprintf(stderr, "%-16s", work_name(w));
		for (r = 0; r < rounds; r++) {
			for (k = 0; k < nallocs; k++) {
				/* Each round starts with the next allocator. */
				int ai = (k + r) % nallocs;
				struct alloc *a = &allocs[ai];
				struct result *res = &w->res[ai];

				if (w->kind == K_THREADS && !a->threads_ok) {
					res->skipped = 1;
					continue;
				}
				if (res->failure[0] != '\0')
					continue; /* failed once: not again */
				if (run_once(a, w, res) != 0) {
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

/* Index of the reference allocator (jmalloc, else the first). */
int ref_index(void)
{
	int i;

	for (i = 0; i < nallocs; i++)
		if (strcmp(allocs[i].name, REF) == 0)
			return i;
	return 0;
}

int result_ok(const struct result *r)
{
	return r->n > 0 && r->failure[0] == '\0' && !r->skipped;
}

static double med_ns(const struct result *r)
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

/* RSS ratios mean little below this many KiB. */
#define RSS_RATIO_MIN_KB 1024.0

/* The run's identity; `md` ends each line with a Markdown line break. */
static void print_header(FILE *f, const char *date, const char *machine,
			 int md)
{
	const char *br = md ? "  " : "";
	int i;

	fprintf(f, "libjmalloc benchmark, %s%s\n", date, br);
	fprintf(f, "machine: %s%s\n", machine, br);
	fprintf(f, "command: %s%s%s%s\n", md ? "`" : "", command_line,
		md ? "`" : "", br);
	fprintf(f, "allocators:");
	for (i = 0; i < nallocs; i++)
		fprintf(f, "%s %s", i ? "," : "", allocs[i].version);
	fprintf(f, "%s\n", br);
	fprintf(f, "%d rounds, the allocators interleaved, each run in a process "
		   "of its own; median [min - max] ns per op; peak RSS of the "
		   "measured phase above the RSS at its start; ratio = allocator / "
		   "%s\n", opt_rounds, REF);
}

static void print_long(FILE *f, const char *date, const char *machine)
{
	int ri = ref_index(), wi, i;

	print_header(f, date, machine, 0);
	fprintf(f, "\n%-16s %-9s %9s %21s %7s %10s %7s\n", "workload",
		"allocator", "ns/op", "[min - max]", "ratio", "peak MiB",
		"ratio");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];

		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];
			char range[40], tr[16] = "-", mr[16] = "-", mem[16] = "n/a";

			fprintf(f, "%-16s %-9s ", i == 0 ? work_name(w) : "",
				allocs[i].name);
			if (!result_ok(r)) {
				fprintf(f, "%s\n", r->skipped ?
					"skipped: failed the thread-safety probe" :
					r->failure[0] ? r->failure : "not run");
				continue;
			}
			snprintf(range, sizeof(range), "[%.*f - %.*f]",
				 ns_digits(min_of(r->ns, r->n)), min_of(r->ns, r->n),
				 ns_digits(max_of(r->ns, r->n)), max_of(r->ns, r->n));
			if (result_ok(ref))
				snprintf(tr, sizeof(tr), "%.2f", med_ns(r) / med_ns(ref));
			if (med_rss(r) >= 0)
				snprintf(mem, sizeof(mem), "%.1f", med_rss(r) / 1024);
			if (result_ok(ref) && med_rss(ref) >= RSS_RATIO_MIN_KB &&
			    med_rss(r) >= 0)
				snprintf(mr, sizeof(mr), "%.2f", med_rss(r) / med_rss(ref));
			fprintf(f, "%9.*f %21s %7s %10s %7s\n", ns_digits(med_ns(r)),
				med_ns(r), range, tr, mem, mr);
		}
	}
	print_figures(f, 0);
	fprintf(f, "\nWorkloads (an op is an alloc+free pair; for a replay or interp, one call):\n");
	for (wi = 0; wi < nworks; wi++) {
		const struct work *w = &works[wi];

		if (w->kind == K_REPLAY)
			fprintf(f, "  %-16s %s\n", work_name(w), w->about);
		else
			fprintf(f, "  %-16s %s; %llu %ss%s\n", work_name(w), w->about,
				(unsigned long long)w->n, w->unit,
				work_threads(w) > 1 && strcmp(w->runner_wl, "complex-mt") == 0 ?
				" per thread" : "");
	}
}

/* jmalloc against the best other allocator of each workload. */
static void print_targets(FILE *f, int md)
{
	int ri = ref_index(), wi, i;

	if (strcmp(allocs[ri].name, REF) != 0 || nallocs < 2)
		return;
	fprintf(f, "\n%s / best other allocator (below 1: %s is ahead)%s\n",
		REF, REF, md ? ":\n" : "");
	if (md)
		fprintf(f, "| workload | time | best on time | peak RSS | best on RSS |\n"
			   "|---|---|---|---|---|\n");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];
		int bt = -1, bm = -1;
		char t[32] = "-", m[32] = "-";

		for (i = 0; i < nallocs; i++) {
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
		snprintf(t, sizeof(t), "%.2f", med_ns(ref) / med_ns(&w->res[bt]));
		if (bm >= 0)
			snprintf(m, sizeof(m), "%.2f", med_rss(ref) / med_rss(&w->res[bm]));
		if (md)
			fprintf(f, "| %s | %s | %s | %s | %s |\n", work_name(w), t,
				allocs[bt].name, m, bm >= 0 ? allocs[bm].name : "-");
		else
			fprintf(f, "  %-16s time %5s (best: %-8s)  peak RSS %5s (best: %s)\n",
				work_name(w), t, allocs[bt].name, m,
				bm >= 0 ? allocs[bm].name : "-");
	}
}

static void print_markdown(FILE *f, const char *date, const char *machine)
{
	int ri = ref_index(), wi, i;

	print_header(f, date, machine, 1);
	fprintf(f, "\nMedian ns per op (x = / %s):\n\n| workload |", REF);
	for (i = 0; i < nallocs; i++)
		fprintf(f, " %s |", allocs[i].name);
	fprintf(f, "\n|---|");
	for (i = 0; i < nallocs; i++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];

		fprintf(f, "| %s |", work_name(w));
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			if (!result_ok(r))
				fprintf(f, " %s |", r->skipped ? "skipped" :
					r->failure[0] ? "failed" : "-");
			else if (i != ri && result_ok(ref))
				fprintf(f, " %.*f (%.2fx) |", ns_digits(med_ns(r)),
					med_ns(r), med_ns(r) / med_ns(ref));
			else
				fprintf(f, " %.*f |", ns_digits(med_ns(r)), med_ns(r));
		}
		fputc('\n', f);
	}
	fprintf(f, "\nPeak RSS of the measured phase, MiB (x = / %s):\n\n| workload |", REF);
	for (i = 0; i < nallocs; i++)
		fprintf(f, " %s |", allocs[i].name);
	fprintf(f, "\n|---|");
	for (i = 0; i < nallocs; i++)
		fprintf(f, "---:|");
	fputc('\n', f);
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];

		fprintf(f, "| %s |", work_name(w));
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			if (!result_ok(r) || med_rss(r) < 0)
				fprintf(f, " - |");
			else if (i != ri && result_ok(ref) &&
				 med_rss(ref) >= RSS_RATIO_MIN_KB)
				fprintf(f, " %.1f (%.2fx) |", med_rss(r) / 1024,
					med_rss(r) / med_rss(ref));
			else
				fprintf(f, " %.1f |", med_rss(r) / 1024);
		}
		fputc('\n', f);
	}
	print_figures(f, 1);
	print_targets(f, 1);
}

/* --- Chart ------------------------------------------------------------------------------ */

static void write_chart(const char *dir, const char *date, const char *machine)
{
	char *dat = xasprintf("%s/results.tsv", dir);
	char *gp = xasprintf("%s/chart.gp", dir);
	char *png = xasprintf("%s/chart.png", dir);
	int ri = ref_index(), wi, i, status, nmem = 0;
	double lo[2] = { 1, 1 }, hi[2] = { 1, 1 }, v;
	FILE *f;

	f = fopen(dat, "w");
	if (f == NULL)
		fatal("cannot write %s", dat);
	/* Block 0: time ratios; block 1: RSS ratios (workloads with memory). */
	fprintf(f, "workload");
	for (i = 0; i < nallocs; i++)
		fprintf(f, "\t%s", allocs[i].name);
	fprintf(f, "\n");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];

		fprintf(f, "%s%s", work_name(w), result_ok(ref) ? "" :
			w->res[ri].skipped ? " (" REF " skipped)" : " (no " REF ")");
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			if (result_ok(r) && result_ok(ref)) {
				v = med_ns(r) / med_ns(ref);
				lo[0] = v < lo[0] ? v : lo[0];
				hi[0] = v > hi[0] ? v : hi[0];
				fprintf(f, "\t%.4f", v);
			} else {
				fprintf(f, "\t-");
			}
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n\nworkload");
	for (i = 0; i < nallocs; i++)
		fprintf(f, "\t%s", allocs[i].name);
	fprintf(f, "\n");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		const struct result *ref = &w->res[ri];

		if (!result_ok(ref) || med_rss(ref) < RSS_RATIO_MIN_KB)
			continue;
		nmem++;
		fprintf(f, "%s", work_name(w));
		for (i = 0; i < nallocs; i++) {
			const struct result *r = &w->res[i];

			if (result_ok(r) && med_rss(r) > 0) {
				v = med_rss(r) / med_rss(ref);
				lo[1] = v < lo[1] ? v : lo[1];
				hi[1] = v > hi[1] ? v : hi[1];
				fprintf(f, "\t%.4f", v);
			} else {
				fprintf(f, "\t-");
			}
		}
		fprintf(f, "\n");
	}
	tsv_figures(f);
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
		"set multiplot layout %d,1 title \"libjmalloc benchmark, %s\\n%s\\n%s\"\n"
		"set title 'median time per op / %s (lower is better)'\n"
		"set yrange [%g:%g]\n"
		"set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2\n"
		"plot for [i=2:%d] '%s' index 0 using i:xtic(1) title columnheader(i)\n",
		command_line, nmem > 0 ? 800 : 450, png, nmem > 0 ? 2 : 1, date,
		machine, command_line, REF, lo[0] / 1.5, hi[0] * 1.3, nallocs + 1,
		dat);
	if (nmem > 0)
		fprintf(f,
			"set title 'peak RSS of the measured phase / %s (lower is better)'\n"
			"set yrange [%g:%g]\n"
			"set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2\n"
			"plot for [i=2:%d] '%s' index 1 using i:xtic(1) title columnheader(i)\n",
			REF, lo[1] / 1.5, hi[1] * 1.3, nallocs + 1, dat);
	fprintf(f, "unset multiplot\n");
	fclose(f);
	if (*BENCH_GNUPLOT == '\0') {
		fprintf(stderr, "bench: no gnuplot found by configure: no chart\n");
	} else {
		char *argv[3] = { BENCH_GNUPLOT, gp, NULL };

		status = run_prog(argv, NULL, 0, NULL, 0);
		if (status != 0)
			fprintf(stderr, "bench: gnuplot failed: no chart\n");
		else
			printf("chart: %s\n", png);
	}
	free(dat);
	free(gp);
	free(png);
}

/* --- Instruction counts ----------------------------------------------------------- */

/*
 * Instructions per op of one callgrind run, or -1.  *checked is set when
 * libjmalloc ran its checked path (JMALLOC_CHECK=1), whose counts say
 * nothing of the fast path.
 */
static double callgrind_once(const char *runner, const struct work *w,
			     uint64_t n, int *checked)
{
	char *out = xasprintf("%s/callgrind.out", tmp_dir), line[512];
	char num[3][24], *rv[16], *v[32], *outopt, res[512];
	unsigned long long ops;
	double total = -1, x;
	struct alloc a;
	long r;
	FILE *f;
	int k = 0, i, status;

	memset(&a, 0, sizeof(a));
	a.path = (char *)runner;
	outopt = xasprintf("--callgrind-out-file=%s", out);
	v[k++] = BENCH_VALGRIND;
	v[k++] = "--tool=callgrind";
	v[k++] = "--collect-atstart=no";
	v[k++] = "--toggle-collect=bench_measured_*";
	v[k++] = outopt;
	runner_args(&a, w, n, rv, num);
	for (i = 0; rv[i] != NULL; i++)
		v[k++] = rv[i];
	v[k] = NULL;
	unlink(out);
	/* valgrind talks on stderr; the runner's line comes on stdout. */
	status = run_prog(v, res, sizeof(res), NULL, 1);
	free(outopt);
	if (status != 0 ||
	    sscanf(res, "ns=%lf ops=%llu rss_kb=%ld", &x, &ops, &r) != 3 ||
	    ops == 0 || (f = fopen(out, "r")) == NULL) {
		free(out);
		return -1;
	}
	*checked = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "totals:", 7) == 0 || strncmp(line, "summary:", 8) == 0)
			total = strtod(strchr(line, ':') + 1, NULL);
		if (strncmp(line, "fn=", 3) == 0 && strstr(line, " jm_debug_alloc") != NULL)
			*checked = 1;
	}
	fclose(f);
	unlink(out);
	free(out);
	return total < 0 ? -1 : total / (double)ops;
}

static uint64_t cg_loop_n(void)
{
	return opt_quick ? 200000 : 500000;
}

static uint64_t cg_replay_n(void)
{
	return opt_quick ? 300000 : 1000000;
}

/* The ops of a workload's callgrind run (for large and interp, steps). */
static uint64_t cg_n(const struct work *w)
{
	if (w->cg_count != 0)
		return opt_quick ? w->cg_count / 2 : w->cg_count;
	return w->kind == K_REPLAY ? cg_replay_n() : cg_loop_n();
}

/* The workloads counted: the single-threaded ones. */
static int cg_counted(const struct work *w)
{
	return w->kind != K_THREADS;
}

/* Count instructions for each single-threaded workload; failures. */
static int run_callgrind(void)
{
	char *none = xasprintf("%s/bench-none", self_dir);
	int wi, i, failures = 0, checked;

	if (*BENCH_VALGRIND == '\0') {
		fprintf(stderr, "bench: no valgrind found by configure: no instruction counts\n");
		opt_callgrind = 0;
		return 0;
	}
	ensure_tmp();
	fprintf(stderr, "%-16s", "callgrind");
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		uint64_t n = cg_n(w);

		w->ir_none = -1;
		if (!cg_counted(w))
			continue;
		if (w->kind == K_LOOP && !(w->flags & W_NO_NET) &&
		    access(none, X_OK) == 0)
			w->ir_none = callgrind_once(none, w, n, &checked);
		for (i = 0; i < nallocs; i++) {
			w->res[i].ir = callgrind_once(allocs[i].path, w, n,
						      &w->res[i].ir_checked);
			if (w->res[i].ir < 0) {
				failures++;
				fprintf(stderr, "\n  %s %s: callgrind run failed",
					work_name(w), allocs[i].name);
			}
			fputc('.', stderr);
		}
	}
	fputc('\n', stderr);
	free(none);
	return failures;
}

static void print_callgrind(FILE *out)
{
	int ri = ref_index(), wi, i, any = 0, checked = 0;

	for (wi = 0; wi < nworks; wi++)
		any |= cg_counted(&works[wi]);
	if (!any)
		return;
	fprintf(out, "\nInstructions per op under callgrind, the measured phase only "
		     "(loops: %llu pairs; replays: the first %llu calls",
		(unsigned long long)cg_loop_n(), (unsigned long long)cg_replay_n());
	for (wi = 0; wi < nworks; wi++)
		if (cg_counted(&works[wi]) && works[wi].cg_count != 0)
			fprintf(out, "; %s: %llu steps", work_name(&works[wi]),
				(unsigned long long)cg_n(&works[wi]));
	fprintf(out, ").\n\"net\": less the harness's own instructions (the "
		     "loop with no allocator).\n\n");
	fprintf(out, "%-16s", "workload");
	for (i = 0; i < nallocs; i++)
		fprintf(out, " %10s", allocs[i].name);
	if (strcmp(allocs[ri].name, REF) == 0 && nallocs > 1)
		fprintf(out, "  %s/best", REF);
	fputc('\n', out);
	for (wi = 0; wi < nworks; wi++) {
		struct work *w = &works[wi];
		double base = w->ir_none > 0 ? w->ir_none : 0;
		int net;

		if (!cg_counted(w))
			continue;
		for (net = 0; net <= (w->ir_none > 0); net++) {
			char label[48];
			double best = -1;

			snprintf(label, sizeof(label), "%s%s", work_name(w),
				 net ? " net" : "");
			fprintf(out, "%-16s", label);
			for (i = 0; i < nallocs; i++) {
				double v = w->res[i].ir - (net ? base : 0);

				if (w->res[i].ir < 0) {
					fprintf(out, " %10s", "failed");
					continue;
				}
				if (w->res[i].ir_checked)
					checked = 1;
				fprintf(out, " %9.1f%s", v, w->res[i].ir_checked ? "*" : " ");
				if (i != ri && (best < 0 || v < best))
					best = v;
			}
			if (strcmp(allocs[ri].name, REF) == 0 && best > 0 &&
			    w->res[ri].ir >= 0 && !w->res[ri].ir_checked)
				fprintf(out, "  %.2f",
					(w->res[ri].ir - (net ? base : 0)) / best);
			fputc('\n', out);
		}
	}
	if (checked)
		fprintf(out, "* libjmalloc took its checked path (JMALLOC_CHECK=1 "
			     "in the environment, or a build that takes it under\n"
			     "  this tool): these counts are of the checks, not of "
			     "the fast path.\n");
}

/* --- record -------------------------------------------------------------------------------- */

static int cmd_record(int argc, char **argv)
{
	const char *out = "trace.jmt", *only = NULL;
	char *lib = xasprintf("%s/.libs/jmtrace.so", self_dir);
	char *pre, pid[24];
	const char *old;
	int i = 1, status;
	pid_t p;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--only=", 7) == 0) {
			only = argv[i] + 7;
			i++;
		} else {
			fatal("usage: bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]");
		}
	}
	if (i >= argc)
		fatal("usage: bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]");
	if (access(lib, R_OK) != 0)
		fatal("no recorder at %s: build it with `make bench/jmtrace.la`", lib);
	old = getenv("LD_PRELOAD");
	pre = old != NULL && *old ? xasprintf("%s:%s", lib, old) : xstrdup(lib);
	fflush(NULL);
	p = fork();
	if (p < 0)
		fatal("fork: %s", strerror(errno));
	if (p == 0) {
		setenv("LD_PRELOAD", pre, 1);
		setenv("JMTRACE_OUT", out, 1);
		if (only != NULL) {
			setenv("JMTRACE_ONLY", only, 1);
		} else {
			snprintf(pid, sizeof(pid), "%ld", (long)getpid());
			setenv("JMTRACE_PID", pid, 1);
		}
		execvp(argv[i], argv + i);
		fprintf(stderr, "bench record: cannot run %s: %s\n", argv[i],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(p, &status, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid: %s", strerror(errno));
	if (access(out, R_OK) == 0)
		fprintf(stderr, "bench record: %s: %s\n", out, trace_about(out));
	else
		fprintf(stderr, "bench record: no trace was written%s\n",
			only != NULL ? " (did a process of that name run?)" : "");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* --- Main ----------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench [options]\n"
"       bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]\n"
"\n"
"Runs each workload against each allocator, every run in a process of its\n"
"own, the allocators interleaved over several rounds, and prints median ns\n"
"per op [min - max], the peak RSS of the measured phase and the ratios to\n"
"jmalloc.  Writes table.txt, table.md, results.tsv and chart.png to --out.\n"
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

static void find_self(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n > 0) {
		buf[n] = '\0';
	} else {
		snprintf(buf, sizeof(buf), "%s", argv0);
	}
	slash = strrchr(buf, '/');
	self_dir = slash != NULL ? xasprintf("%.*s", (int)(slash - buf), buf)
				 : xstrdup(".");
}

int main(int argc, char **argv)
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
	int c, list = 0, failures = 0, i;
	char *date, *machine;
	FILE *f;

	find_self(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines keep their place among the progress dots */
	if (argc > 1 && strcmp(argv[1], "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	command_line = join_args(argc, argv);
	while ((c = getopt_long(argc, argv, "a:w:r:qs:t:o:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': opt_allocs = optarg; break;
		case 'w': opt_works = optarg; break;
		case 'r': opt_rounds = atoi(optarg); break;
		case 'q': opt_quick = 1; break;
		case 's': opt_scale = strtod(optarg, NULL); break;
		case 't': opt_threads = (unsigned)atoi(optarg); break;
		case 'T':
			if (nopt_traces >= MAX_WORK)
				fatal("too many traces");
			opt_traces[nopt_traces++] = optarg;
			break;
		case 'D': opt_trace_dir = optarg; break;
		case 'c': opt_callgrind = 1; break;
		case 'C': opt_callgrind = opt_callgrind_only = 1; break;
		case 'o': opt_out = optarg; break;
		case 'M': opt_timeout = atoi(optarg); break;
		case 'S': opt_strict = 1; break;
		case 'N': opt_strace = 0; break;
		case 'l': list = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (opt_rounds < 0)
		opt_rounds = opt_quick ? 3 : 5;
	if (opt_rounds < 1 || opt_rounds > MAX_ROUNDS)
		fatal("--rounds must be from 1 to %d", MAX_ROUNDS);
	if (!(opt_scale > 0))
		fatal("--scale must be above 0");
	if (opt_threads < 1 || opt_threads > 1024)
		fatal("--threads must be from 1 to 1024");
	if (opt_timeout < 1)
		fatal("--timeout must be at least 1");

	setup_allocs();
	setup_works();
	atexit(remove_tmp);
	if (list) {
		printf("allocators:");
		for (i = 0; i < nallocs; i++)
			printf(" %s", allocs[i].name);
		printf("\nworkloads:\n");
		for (i = 0; i < nworks; i++)
			printf("  %-16s %s\n", work_name(&works[i]), works[i].about);
		return 0;
	}
	get_versions();
	date = date_line();
	machine = machine_line();
	if (!opt_callgrind_only) {
		probe_threads();
		if (opt_strict)
			for (i = 0; i < nallocs; i++)
				failures += allocs[i].probe_failed;
		failures += run_suite();
		if (opt_strace)
			failures += run_syscalls();
		print_long(stdout, date, machine);
		print_targets(stdout, 0);
	}
	if (opt_callgrind) {
		failures += run_callgrind();
		if (opt_callgrind_only)
			print_header(stdout, date, machine, 0);
		if (opt_callgrind)
			print_callgrind(stdout);
	}
	if (opt_out != NULL)
		mkdir(opt_out, 0777);
	if (opt_out != NULL && opt_callgrind) {
		char *p = xasprintf("%s/callgrind.txt", opt_out);

		if ((f = fopen(p, "w")) == NULL)
			fatal("cannot write %s", p);
		print_header(f, date, machine, 0);
		print_callgrind(f);
		fclose(f);
		free(p);
	}
	if (opt_out != NULL && !opt_callgrind_only) {
		char *p;

		p = xasprintf("%s/table.txt", opt_out);
		if ((f = fopen(p, "w")) == NULL)
			fatal("cannot write %s", p);
		print_long(f, date, machine);
		print_targets(f, 0);
		fclose(f);
		free(p);
		p = xasprintf("%s/table.md", opt_out);
		if ((f = fopen(p, "w")) == NULL)
			fatal("cannot write %s", p);
		print_markdown(f, date, machine);
		fclose(f);
		free(p);
		write_chart(opt_out, date, machine);
	}
	if (failures > 0)
		fprintf(stderr, "bench: %d run%s failed\n", failures,
			failures == 1 ? "" : "s");
	return failures > 0 ? 1 : 0;
}
