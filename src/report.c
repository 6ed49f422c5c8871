/* report.c - the one way the library stops the program (report.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

void jm_report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t n;
	int len;

	memcpy(buf, "jmalloc: ", 9);
	va_start(ap, fmt);
	len = vsnprintf(buf + 9, sizeof(buf) - 10, fmt, ap);
	va_end(ap);
	n = 9 + (len > 0 ? (size_t)len : 0);
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
	abort();
}

#if JM_DEBUG
void jm_assert_fail(const char *cond, const char *file, int line)
{
	jm_report("internal error at %s:%d: %s", file, line, cond);
}
#endif
