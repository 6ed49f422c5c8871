/* example.c - a structure, and a buffer that grows as text is appended.
 * Build: cc -o example example.c $(pkg-config --cflags --libs jmalloc) */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include <jmalloc.h>

struct point {
	double x, y;
};

int main(void)
{
	struct point *pt;
	char *buf, *nbuf, line[32];
	size_t cap, len, ncap;
	int i, n;

	pt = jmalloc(sizeof(*pt));
	if (pt == NULL)
		err(1, "jmalloc");
	pt->x = 1.0;
	pt->y = 2.0;

	/* Ask for the whole usable size, so every byte of it may be used
	 * and the size to free is always the capacity. */
	cap = jmalloc_good_size(64);
	buf = jmalloc(cap);
	if (buf == NULL)
		err(1, "jmalloc");
	len = 0;
	for (i = 0; i < 1000; i++) {
		n = snprintf(line, sizeof(line), "%d\n", i);
		if (len + (size_t)n > cap) {
			ncap = jmalloc_good_size(2 * (len + (size_t)n));
			nbuf = jmrealloc(buf, cap, ncap);
			if (nbuf == NULL)
				err(1, "jmrealloc");
			buf = nbuf;
			cap = ncap;
		}
		memcpy(buf + len, line, (size_t)n);
		len += (size_t)n;
	}
	printf("%zu bytes in a buffer of %zu; point (%g, %g)\n", len, cap,
	       pt->x, pt->y);

	jmfree(buf, cap);
	jmfree(pt, sizeof(*pt));
	return 0;
}
