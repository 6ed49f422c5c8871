/*
 * traces.c - the replay workloads: one for each trace file, the bundled
 * ones (--traces, found in BENCH_TRACE_DIR by default) or those given
 * with --trace; a compressed trace is unpacked into the scratch
 * directory first.  Also what a trace's header and length say of it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

/* The trace's program name and call count, for the table's legend. */
char *trace_about(const char *path)
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
static void add_trace(struct bench *b, const char *file)
{
	const char *base = strrchr(file, '/');
	char *name, *dot, *plain;
	struct work *w;

	base = base != NULL ? base + 1 : file;
	name = xstrdup(base);
	dot = strstr(name, ".jmt");
	if (dot != NULL)
		*dot = '\0';
	if (b->nworks >= MAX_WORK)
		fatal("too many workloads");
	if (access(file, R_OK) != 0)
		fatal("cannot read the trace %s", file);
	if (ends_with(file, ".xz") || ends_with(file, ".gz")) {
		char *argv[4];
		int status, fd;
		pid_t pid;

		ensure_tmp(b);
		plain = xasprintf("%s/%s.jmt", b->tmp_dir, name);
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
	w = &b->works[b->nworks++];
	memset(w, 0, sizeof(*w));
	w->name = xasprintf("replay-%s", name);
	w->runner_wl = "replay";
	w->kind = K_REPLAY;
	w->unit = "call";
	w->threads = 1;
	w->trace = plain;
	w->trace_about = trace_about(plain);
	w->about = xasprintf("replay of a recorded trace (%s)", w->trace_about);
	free(name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void find_traces(struct bench *b)
{
	char *files[MAX_WORK];
	int n = 0, i;
	DIR *d;
	struct dirent *e;

	if (b->ntraces > 0) {
		for (i = 0; i < b->ntraces; i++)
			add_trace(b, b->traces[i]);
		return;
	}
	if (b->trace_dir == NULL || *b->trace_dir == '\0' ||
	    (d = opendir(b->trace_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < MAX_WORK) {
		if (ends_with(e->d_name, ".jmt") || ends_with(e->d_name, ".jmt.xz") ||
		    ends_with(e->d_name, ".jmt.gz"))
			files[n++] = xasprintf("%s/%s", b->trace_dir, e->d_name);
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(*files), cmp_str);
	for (i = 0; i < n; i++) {
		char *name = strrchr(files[i], '/') + 1;
		char *probe = xasprintf("replay-%.*s", (int)strcspn(name, "."), name);

		/* Decompress only the traces that were asked for. */
		if (b->works_opt == NULL || listed(b->works_opt, probe))
			add_trace(b, files[i]);
		free(probe);
		free(files[i]);
	}
}

