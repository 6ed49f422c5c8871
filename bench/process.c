/*
 * process.c - the driver's processes: a program run with its output
 * captured and a time limit, a runner's command line and output line,
 * and the scratch directory that runs under tools and unpacked traces
 * write to (removed at exit).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

/*
 * Run argv with its standard output into `out` (NULL: discard, "-": keep
 * ours); `err_null` discards standard error.  Returns the wait status, or
 * -1 when it could not start.  The child is killed after b->timeout.
 */
int run_prog(const struct bench *b, char *const argv[], char *out,
	     size_t outlen, int err_null)
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
		alarm((unsigned)b->timeout);
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

void describe_status(int status, char *buf, size_t len)
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

/* --- Runners -------------------------------------------------------------------- */

/* The runner's arguments for workload w, into v (NULL-terminated). */
static void runner_args(const char *runner, const struct work *w, uint64_t n,
			char **v, char num[3][24])
{
	int k = 0;

	v[k++] = (char *)runner;
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
	if (w->threads > 1) {
		snprintf(num[2], 24, "%u", w->threads);
		v[k++] = "-t";
		v[k++] = num[2];
	}
	if (w->kind == K_REPLAY) {
		v[k++] = "-f";
		v[k++] = w->trace;
	}
	v[k] = NULL;
}

/*
 * One run of a runner for workload w with n ops (0: a whole trace),
 * under the tool whose command words are `tool` (NULL-terminated; NULL:
 * none).  A tool talks on standard error, which is then discarded; the
 * runner's line comes on standard output, into o.  Returns 0 when the
 * runner succeeded and printed its line; else nonzero, with the reason
 * in `why` (when not NULL).
 */
int run_runner(const struct bench *b, char *const tool[], const char *runner,
	       const struct work *w, uint64_t n, struct runner_out *o,
	       char *why, size_t whylen)
{
	char num[3][24], *v[32];
	int k = 0, status;

	while (tool != NULL && tool[k] != NULL && k < 20) {
		v[k] = tool[k];
		k++;
	}
	runner_args(runner, w, n, v + k, num);
	status = run_prog(b, v, o->line, sizeof(o->line), tool != NULL);
	if (status == 0 && sscanf(o->line, "ns=%lf ops=%llu rss_kb=%ld",
				  &o->ns, &o->ops, &o->rss_kb) == 3)
		return 0;
	if (why != NULL && status == 0)
		snprintf(why, whylen, "bad output");
	else if (why != NULL)
		describe_status(status, why, whylen);
	return status != 0 ? status : -1;
}

/*
 * One run of a runner under a tool that writes what it found to a file:
 * the tool's command words (NULL-terminated), then its option that names
 * the file, followed by the file's path, before the runner's words.
 * Returns the file, open for reading and already removed, or NULL when
 * the runner failed, did no op, or the tool wrote no file.
 */
FILE *run_under(struct bench *b, char *const tool[], const char *file_opt,
		const char *runner, const struct work *w, uint64_t n,
		struct runner_out *o)
{
	char *path, *opt, *v[16];
	FILE *f = NULL;
	int k;

	ensure_tmp(b);
	path = xasprintf("%s/tool.out", b->tmp_dir);
	opt = xasprintf("%s%s", file_opt, path);
	for (k = 0; tool[k] != NULL && k < 14; k++)
		v[k] = tool[k];
	v[k++] = opt;
	v[k] = NULL;
	unlink(path);
	if (run_runner(b, v, runner, w, n, o, NULL, 0) == 0 && o->ops > 0)
		f = fopen(path, "r");
	unlink(path);
	free(opt);
	free(path);
	return f;
}

/* The figure `key` of a runner's line (" key=value"), or -1. */
double runner_figure(const struct runner_out *o, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(o->line, pat);
	return p != NULL ? strtod(p + strlen(pat), NULL) : -1;
}

/* --- The scratch directory ---------------------------------------------------------- */

/* The directory, for the exit handler that removes it. */
static char *scratch;

static void remove_scratch(void)
{
	DIR *d;
	struct dirent *e;

	if (scratch == NULL || (d = opendir(scratch)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", scratch, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(scratch);
}

/* Make b->tmp_dir, once, in $TMPDIR or /tmp. */
void ensure_tmp(struct bench *b)
{
	const char *t = getenv("TMPDIR");

	if (b->tmp_dir != NULL)
		return;
	b->tmp_dir = xasprintf("%s/bench.XXXXXX", t != NULL && *t ? t : "/tmp");
	if (mkdtemp(b->tmp_dir) == NULL)
		fatal("cannot make a temporary directory: %s", strerror(errno));
	scratch = b->tmp_dir;
	atexit(remove_scratch);
}
