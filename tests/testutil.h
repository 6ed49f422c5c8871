/*
 * testutil.h - helpers shared by the test suites.  A program built without
 * Check (tests/contract.c) defines TESTUTIL_WITHOUT_CHECK first and gets
 * the helpers that do not assert through Check.
 */
#ifndef JM_TESTUTIL_H
#define JM_TESTUTIL_H

#ifndef TESTUTIL_WITHOUT_CHECK
#include <check.h>
#endif
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

#include "jmalloc.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* TEST_ASAN, TEST_TSAN: 1 in a build with AddressSanitizer or
 * ThreadSanitizer, whichever compiler says so. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifndef TEST_ASAN
#define TEST_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#ifndef TEST_TSAN
#define TEST_TSAN 0
#endif

/*
 * 1 when a memory checker watches this process: the library then marks
 * the slack past the size asked for as inaccessible, so a test that
 * writes a block's whole usable size must ask for that size.
 */
static inline int checker_watching(void)
{
	if (TEST_ASAN)
		return 1;
#ifdef HAVE_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return 1;
#endif
	return 0;
}

/* 1 under Valgrind (any of its tools). */
static inline int under_valgrind(void)
{
#ifdef HAVE_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	return 0;
#endif
}

/* The bytes of a block from jmalloc(size) that a test may write. */
static inline size_t writable_size(size_t size)
{
	return checker_watching() ? size : jmalloc_good_size(size);
}

/* 1 when the checking mode is on (JMALLOC_CHECK=1 in the environment). */
static inline int checking_mode(void)
{
	const char *e = getenv("JMALLOC_CHECK");

	return e != NULL && strcmp(e, "1") == 0;
}

/* Work sizes: `n` divided by JMALLOC_TEST_SCALE when it is above 1, which
 * shortens them for slow builds (ThreadSanitizer's, Valgrind). */
static inline long test_scale(long n)
{
	const char *s = getenv("JMALLOC_TEST_SCALE");
	long d = s != NULL ? strtol(s, NULL, 10) : 1;

	return d > 1 ? n / d : n;
}

/* The system's page size. */
static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The step in which blocks of over 1 MiB grow: the page size where the
 * library maps its memory, 16 bytes in the region-only library. */
static inline size_t large_step(void)
{
	return JMALLOC_MMAP ? page_size() : 16;
}

/* xorshift64*: fixed seeds give the same sequence on every machine. */
static inline uint64_t test_rand(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

/*
 * In the body of a test run in a child (in_child()): when `cond` is
 * false, say where on stderr and return 1, which fails the test.
 */
#define REQUIRE(cond)                                                      \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__,   \
				__LINE__, #cond);                          \
			return 1;                                          \
		}                                                          \
	} while (0)

/* Run `body` in a child process, which exits with its result: the
 * child's wait status, or -1 when there was no child to wait for. */
static inline int child_status(int (*body)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0)
		_exit(body());
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Bytes of address space the process has mapped (0 when unknown). */
static inline size_t address_space_in_use(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (f != NULL) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return (size_t)pages * page_size();
}

/* Cap the address space at what is in use plus `extra` bytes, so that a
 * mapping past that fails (in a child: in_child()).  0, or -1. */
static inline int cap_address_space(size_t extra)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return -1;
	rl.rlim_cur = (rlim_t)(address_space_in_use() + extra);
	return setrlimit(RLIMIT_AS, &rl);
}

/* Lift the cap again.  0, or -1. */
static inline int uncap_address_space(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_AS, &rl);
}

/* Blocks of `size` (at least a pointer) until memory runs out, or until
 * there are `most` of them, chained through their first word; returns the
 * last (NULL when there was none) and their number in *n. */
static inline void **fill_memory_upto(size_t size, size_t most, size_t *n)
{
	void **last = NULL, **p;

	*n = 0;
	while (*n < most && (p = jmalloc(size)) != NULL) {
		*p = last;
		last = p;
		++*n;
	}
	return last;
}

/* Blocks of `size` until memory runs out: fill_memory_upto(), unbounded. */
static inline void **fill_memory(size_t size, size_t *n)
{
	return fill_memory_upto(size, SIZE_MAX, n);
}

/* Free a chain that fill_memory() made. */
static inline void free_chain(void **last, size_t size)
{
	while (last != NULL) {
		void **prev = *last;

		jmfree(last, size);
		last = prev;
	}
}

#ifndef TESTUTIL_WITHOUT_CHECK
/* Run `body` in a child process, which must exit with its result 0. */
static inline void in_child(int (*body)(void))
{
	int status = child_status(body);

	ck_assert_int_ne(status, -1);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child failed (status %d); see its message above", status);
}

/*
 * Run `body` in a child whose standard error goes to a pipe; what it
 * writes there comes back in out[0..cap) as a string.  `body` gets a
 * buffer of its own for say().  Returns the child's wait status.
 */
static inline int child_output(void (*body)(char *expect, size_t len),
			       char *out, size_t cap)
{
	char expect[256] = "";
	int fd[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		body(expect, sizeof(expect));
		_exit(0);
	}
	close(fd[1]);
	while (got < cap - 1 && (n = read(fd[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	out[got] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* In a child of child_output(): write the part of the message the test
 * expects as the first line of standard error. */
static inline void say(char *expect, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void say(char *expect, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expect, len, fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "%s\n", expect);
}

/*
 * The library's stop: after what `misuse` said (say()), the child wrote
 * exactly one line, "jmalloc: ..." holding it, and was stopped by SIGABRT.
 * `out` is what child_output() gave, `status` the child's status.
 */
static inline void check_stopped(const char *what, char *out, int status)
{
	char *nl = strchr(out, '\n');

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		      "%s: the program was not stopped by SIGABRT (status %d)",
		      what, status);
	ck_assert_msg(nl != NULL, "%s: no output", what);
	*nl = '\0';
	ck_assert_msg(strstr(nl + 1, out) != NULL,
		      "%s: message\n  %s\nlacks\n  %s", what, nl + 1, out);
	ck_assert_msg(strncmp(nl + 1, "jmalloc: ", 9) == 0,
		      "%s: message does not start with 'jmalloc: '", what);
	ck_assert_msg(strchr(nl + 1, '\n') != NULL && strchr(nl + 1, '\n')[1] == '\0',
		      "%s: not exactly one line: %s", what, nl + 1);
}

/* Run `misuse` in a child, which the library must stop (check_stopped). */
static inline void expect_abort(void (*misuse)(char *expect, size_t len),
				const char *what)
{
	char out[512];
	int status = child_output(misuse, out, sizeof(out));

	check_stopped(what, out, status);
}

/*
 * In the library without memory mappings (JMALLOC_MMAP 0), give the
 * global allocator a region of `len` bytes, taken from the C library's
 * malloc, as a program on such a system gives it its memory; else
 * nothing.  For main(), before the suite runs.
 */
static inline void test_global_region(size_t len)
{
	void *mem;

	if (JMALLOC_MMAP)
		return;
	mem = malloc(len);
	if (mem == NULL || jmalloc_region(mem, len) != 0) {
		fprintf(stderr, "no region of %zu bytes for the allocator\n", len);
		exit(EXIT_FAILURE);
	}
}

/* Run a suite; the exit status for main(). */
static inline int run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
#endif /* TESTUTIL_WITHOUT_CHECK */

#endif /* JM_TESTUTIL_H */
