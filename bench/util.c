/*
 * util.c - small functions that the driver's files share: a fatal
 * error, strings that cannot fail, lists of names as the options give
 * them, medians.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

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

char *xstrdup(const char *s)
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

/* Does `list` (comma- or space-separated) name `s`?  An item may end
 * in '*' to match a prefix. */
int listed(const char *list, const char *s)
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

int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
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
