/*
 * jmalloc.c - the public entry points.  Thin: they pick a path by size,
 * use the calling thread's heap for classes and the large-block layer
 * above 1 MiB.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "heap.h"
#include "jmalloc.h"
#include "large.h"
#include "local.h"
#include "os.h"
#include "sizeclass.h"

static inline void *jm_alloc_small(unsigned k)
{
	struct jm_heap *h = jm_local_heap();
	void *p = jm_heap_pop(h, k);

	if (JM_UNLIKELY(p == NULL))
		p = jm_local_refill(h, k);
	return p;
}

static inline void jm_free_small(void *ptr, unsigned k)
{
	struct jm_heap *h = jm_local_heap();

	if (JM_UNLIKELY(h->bin[k].count >= h->bin[k].limit))
		jm_local_overflow(h, ptr, k);
	else
		jm_heap_push(h, ptr, k);
}

/* Sizes 0 and above JM_SMALL_MAX. */
static JM_NOINLINE JM_COLD void *jm_alloc_cold(size_t size)
{
	if (size == 0)
		return jm_alloc_small(0);
	return jm_large_alloc(size);
}

void *jmalloc(size_t size)
{
	/* One test turns away both 0 and large sizes. */
	if (JM_UNLIKELY(size - 1 >= JM_SMALL_MAX))
		return jm_alloc_cold(size);
	return jm_alloc_small(jm_class_of(size));
}

static JM_NOINLINE JM_COLD void jm_free_cold(void *ptr, size_t size)
{
	int saved = errno;

	if (size == 0)
		jm_free_small(ptr, 0);
	else
		(void)jm_large_free(ptr, size); /* fails only on a wrong size */
	errno = saved;
}

void jmfree(void *ptr, size_t size)
{
	if (JM_UNLIKELY(ptr == NULL))
		return;
	if (JM_UNLIKELY(size - 1 >= JM_SMALL_MAX)) {
		jm_free_cold(ptr, size);
		return;
	}
	jm_free_small(ptr, jm_class_of(size));
}

void *jmcalloc(size_t nmemb, size_t size)
{
	struct jm_heap *h;
	unsigned k;
	size_t n;
	void *p;

#if defined(__GNUC__) && defined(HAVE_BUILTIN_MUL_OVERFLOW)
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
#else
	if (size != 0 && nmemb > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	n = nmemb * size;
#endif
	if (!jm_is_small(n))
		return jm_large_alloc(n); /* fresh mappings are zero-filled */
	k = jm_class_of_small(n);
	h = jm_local_heap();
	p = jm_heap_pop(h, k);
	if (p == NULL) {
		/* Never handed out before: zero where the heap's memory is. */
		p = jm_heap_bump(h, k);
		if (p != NULL && h->fresh_zero)
			return p;
		if (p == NULL)
			p = jm_local_refill(h, k);
		if (p == NULL)
			return NULL;
	}
	return memset(p, 0, n);
}

void *jmrealloc(void *ptr, size_t old_size, size_t new_size)
{
	void *p;

	if (ptr == NULL)
		return jmalloc(new_size);
	if (jm_is_small(old_size) && jm_is_small(new_size)) {
		if (jm_class_of_small(old_size) == jm_class_of_small(new_size))
			return ptr;
	} else if (!jm_is_small(old_size) && !jm_is_small(new_size)) {
		return jm_large_realloc(ptr, old_size, new_size);
	}
	p = jmalloc(new_size);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jmfree(ptr, old_size);
	return p;
}

size_t jmalloc_good_size(size_t size)
{
	return jm_usable_size(size, jm_os_page_size());
}
