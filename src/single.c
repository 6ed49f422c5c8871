/* single.c - the --disable-threads build: one heap, no locks, no TLS.
 * Not thread-safe: the program serialises all calls. */
#include "config.h"

#include "local.h"

#if !JM_THREADS
#include <stdint.h>

struct jm_heap jm_single_heap; /* all zero: maps its first arena on demand */

void *jm_local_refill(struct jm_heap *h, size_t k)
{
	return jm_heap_carve(h, k);
}

void jm_local_overflow(struct jm_heap *h, void *p, size_t k)
{
	/* No limit in a single heap: the first free of each class lifts the
	 * limit of 0 that a zeroed heap starts with. */
	h->limit[k] = UINT32_MAX;
	jm_heap_push(h, p, k);
}
#endif
