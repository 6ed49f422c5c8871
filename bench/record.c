/*
 * record.c - `bench record [-o FILE] [--only=NAME] [--] PROGRAM [ARGS...]`:
 * runs PROGRAM with the recorder (jmtrace.so, built next to the driver)
 * preloaded, which writes its allocator calls to FILE (default
 * trace.jmt) for `bench --trace=FILE` to replay.  --only=NAME records the
 * process of that program name (for example cc1 under gcc) instead of
 * PROGRAM itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

int cmd_record(const char *self_dir, int argc, char **argv)
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
