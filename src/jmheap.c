/*
 * jmheap.c - the public entry points of heaps on the caller's memory
 * (jmheap_*): thin, over the region heaps of region.h, and through the
 * checked path (debug.h) when the checking mode is on.  The heap's own
 * bookkeeping (struct jm_region) sits at the start of the caller's
 * memory, aligned to 16 bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "debug.h"
#include "jmalloc.h"
#include "region.h"

/* 1 when the call takes the checked path (debug.h), as jmalloc() does. */
static inline int jm_checked(void)
{
	return JM_UNLIKELY(jm_debug_small_max() != JM_SMALL_MAX) && jm_debug_on();
}

struct jmheap {
	struct jm_region r;
};

struct jmheap *jmheap_create(void *mem, size_t len)
{
	uintptr_t a = (uintptr_t)mem, aligned;
	struct jmheap *h;

	if (mem == NULL) {
		errno = EINVAL;
		return NULL;
	}
	aligned = (a + (JM_MIN_SIZE - 1)) & ~(uintptr_t)(JM_MIN_SIZE - 1);
	if (aligned - a >= len) {
		errno = ENOMEM;
		return NULL;
	}
	h = (struct jmheap *)aligned;
	if (jm_region_init(&h->r, h, len - (aligned - a)) != 0)
		return NULL;
	h->r.given = len;
	if (jm_checked())
		jm_debug_heap_create(mem, len);
	return h;
}

void *jmheap_alloc(struct jmheap *h, size_t size)
{
	if (h == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (jm_checked())
		return jm_debug_heap_alloc(&h->r, size, 0);
	return jm_region_alloc(&h->r, size, 0);
}

void jmheap_free(struct jmheap *h, void *ptr, size_t size)
{
	if (h == NULL)
		return;
	if (jm_checked())
		jm_debug_heap_free(&h->r, ptr, size);
	else
		jm_region_free(&h->r, ptr, size);
}

void *jmheap_realloc(struct jmheap *h, void *ptr, size_t old_size, size_t new_size)
{
	if (h == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (jm_checked())
		return jm_debug_heap_realloc(&h->r, ptr, old_size, new_size);
	return jm_region_realloc(&h->r, ptr, old_size, new_size);
}

void *jmheap_calloc(struct jmheap *h, size_t nmemb, size_t size)
{
	size_t n;

	if (h == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (jm_mul_overflows(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (jm_checked())
		return jm_debug_heap_alloc(&h->r, n, 1);
	return jm_region_alloc(&h->r, n, 1);
}

int jmheap_stats(struct jmheap *h, struct jmalloc_stats *stats, size_t size)
{
	struct jmalloc_stats st;
	struct jm_region_stats rs;

	if (h == NULL || stats == NULL || size == 0) {
		errno = EINVAL;
		return -1;
	}
	jm_region_stats(&h->r, &rs);
	memset(&st, 0, sizeof(st));
	st.mapped = rs.given;
	st.listed = rs.listed;
	st.unused_spans = rs.free_runs;
	st.large_live = rs.big_live;
	memcpy(stats, &st, size < sizeof(st) ? size : sizeof(st));
	return 0;
}
