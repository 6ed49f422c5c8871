/*
 * classtable.c - print the size-class table of this build as the lines of
 * man/jmalloc.3 that list it, for tests/classtable.sh to compare.  The
 * first line names the scheme, as the marker comment above its table in
 * the page does.
 */
#include "config.h"

#include <stdio.h>

#include "sizeclass.h"

int main(void)
{
	size_t k, lo = 0;

	printf("classes: %s\n", JM_CLASSES_POW2 ? "pow2" : "fine");
	for (k = 0; k < JM_NCLASSES; k++) {
		size_t c = jm_class_size(k);

		printf(".It %zu to %zu Ta %zu\n", lo, c, c);
		lo = c + 1;
	}
	printf(".It over %zu Ta rounded up to whole pages\n", JM_SMALL_MAX);
	return 0;
}
