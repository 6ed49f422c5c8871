/* assert.c - the failure of an internal assertion (JM_ASSERT, common.h),
 * in a library configured with --enable-debug. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

void jm_assert_fail(const char *cond, const char *file, int line)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "jmalloc: internal error at %s:%d: %s\n",
			 file, line, cond);

	if (n > 0)
		(void)!write(STDERR_FILENO, buf,
			     (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	abort();
}
