/* testutil.h - helpers shared by the test suites. */
#ifndef JM_TESTUTIL_H
#define JM_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#ifdef HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

#include "jmalloc.h"

/*
 * 1 when a memory checker watches this process: the library then marks
 * the slack past the size asked for as inaccessible, so a test that
 * writes a block's whole usable size must ask for that size.
 */
static inline int checker_watching(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 1;
#endif
#endif
#ifdef HAVE_VALGRIND
	if (RUNNING_ON_VALGRIND)
		return 1;
#endif
	return 0;
}

/* The bytes of a block from jmalloc(size) that a test may write. */
static inline size_t writable_size(size_t size)
{
	return checker_watching() ? size : jmalloc_good_size(size);
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

#endif /* JM_TESTUTIL_H */
