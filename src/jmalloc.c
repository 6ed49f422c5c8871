/*
 * jmalloc.c - the public entry points.  Thin: they pick a path by size,
 * use the calling thread's heap for classes and the large-block layer
 * above 1 MiB, and hand every call to the checked path (debug.c) when the
 * checking mode or a memory checker is on.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "debug.h"
#include "heap.h"
#include "jmalloc.h"
#include "large.h"
#include "local.h"
#include "os.h"
#include "sizeclass.h"

/* Sizes 0 and above JM_SMALL_MAX, and every size before the first call
 * and in the checked path. */
static JM_NOINLINE JM_COLD void *jm_alloc_cold(size_t size)
{
	if (jm_debug_on())
		return jm_debug_alloc(size, 0);
	/* Without the checked path, the only small size here is 0. */
	if (jm_is_small(size))
		return jm_local_alloc(JM_CHECKING ? jm_class_of_small(size) : 0);
	return jm_local_large_alloc(size, 0, 0);
}

void *jmalloc(size_t size)
{
	/* One test turns away 0, sizes above the bound (large ones) and the
	 * checked path (debug.h). */
	if (JM_UNLIKELY(size - 1 >= jm_debug_small_max()))
		return jm_alloc_cold(size);
	return jm_local_alloc(jm_class_of(size));
}

static JM_NOINLINE JM_COLD void jm_free_cold(void *ptr, size_t size)
{
	/* A large free may give memory back to the system, which may set
	 * errno; the region-only library has no system below. */
	int saved = JM_MMAP ? errno : 0;

	if (jm_debug_on()) {
		jm_debug_free(ptr, size);
		return;
	}
	if (jm_is_small(size))
		jm_local_free(ptr, JM_CHECKING ? jm_class_of_small(size) : 0);
	else
		jm_local_large_free(ptr, size);
	if (JM_MMAP)
		errno = saved;
}

void jmfree(void *ptr, size_t size)
{
	if (JM_UNLIKELY(ptr == NULL))
		return;
	if (JM_UNLIKELY(size - 1 >= jm_debug_small_max())) {
		jm_free_cold(ptr, size);
		return;
	}
	jm_local_free(ptr, jm_class_of(size));
}

void *jmcalloc(size_t nmemb, size_t size)
{
	size_t n;

	if (jm_mul_overflows(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (JM_UNLIKELY(jm_debug_small_max() != JM_SMALL_MAX) && jm_debug_on())
		return jm_debug_alloc(n, 1);
	if (!jm_is_small(n))
		return jm_local_large_alloc(n, 0, 1);
	return jm_local_alloc_zeroed(jm_class_of_small(n), n);
}

void *jmrealloc(void *ptr, size_t old_size, size_t new_size)
{
	void *p;

	if (JM_UNLIKELY(jm_debug_small_max() != JM_SMALL_MAX) && jm_debug_on())
		return jm_debug_realloc(ptr, old_size, new_size);
	if (ptr == NULL)
		return jmalloc(new_size);
	switch (jm_resize_kind(old_size, new_size)) {
	case JM_RESIZE_KEEP:
		return ptr;
	case JM_RESIZE_LARGE:
		return jm_local_large_realloc(ptr, old_size, new_size, 0);
	case JM_RESIZE_MOVE:
		break;
	}
	p = jmalloc(new_size);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jmfree(ptr, old_size);
	return p;
}

int jmalloc_region(void *mem, size_t len)
{
	return jm_local_region(mem, len);
}

size_t jmalloc_good_size(size_t size)
{
	return jm_usable_size(size, jm_os_page_size());
}

/*
 * The aligned functions.  An alignment of up to JM_MIN_SIZE is the
 * unaligned functions' layout; above it, the layout of sizeclass.h
 * (jm_class_of_aligned(), jm_usable_size_aligned()), which the checked
 * path follows too, or in the builds without natural alignment the padded
 * one (jm_align_padded()), which has no checked path.
 */

/* A padded block aligned to align > JM_MIN_SIZE (!JM_ALIGN_NATURAL). */
static void *jm_alloc_padded(size_t align, size_t size)
{
	size_t n = jm_align_padded(size, align);
	char *block, *p;

	if (n == 0) {
		errno = ENOMEM;
		return NULL;
	}
	block = jmalloc(n);
	if (block == NULL)
		return NULL;
	p = (char *)(((uintptr_t)block + align) & ~(uintptr_t)(align - 1));
	((size_t *)(void *)p)[-1] = (size_t)(p - block);
	return p;
}

static void jm_free_padded(void *ptr, size_t align, size_t size)
{
	char *p = ptr;
	size_t n = jm_align_padded(size, align);

	if (n != 0)
		jmfree(p - ((size_t *)(void *)p)[-1], n);
}

static JM_NOINLINE JM_COLD void *jm_alloc_aligned_cold(size_t align, size_t size)
{
	if (!JM_ALIGN_NATURAL)
		return jm_alloc_padded(align, size);
	if (jm_debug_on())
		return jm_debug_alloc_aligned(align, size);
	if (jm_aligned_is_small(size, align))
		return jm_local_alloc(jm_class_of_aligned(size, align));
	return jm_local_large_alloc(size, align, 0);
}

void *jmalloc_aligned(size_t alignment, size_t size)
{
	if (JM_UNLIKELY(!jm_align_valid(alignment))) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment <= JM_MIN_SIZE)
		return jmalloc(size);
	/* As in jmalloc(): 0, large sizes and the checked path go cold. */
	if (JM_LIKELY(alignment <= JM_ALIGN_NATURAL_MAX &&
		      size - 1 < jm_debug_small_max()))
		return jm_local_alloc(jm_class_of_aligned(size, alignment));
	return jm_alloc_aligned_cold(alignment, size);
}

static JM_NOINLINE JM_COLD void jm_free_aligned_cold(void *ptr, size_t align,
						     size_t size)
{
	int saved = errno;

	if (jm_debug_on()) {
		jm_debug_free_aligned(ptr, align, size);
		return;
	}
	if (!jm_align_valid(align))
		return;
	if (!JM_ALIGN_NATURAL && align > JM_MIN_SIZE)
		jm_free_padded(ptr, align, size);
	else if (jm_aligned_is_small(size, align))
		jm_local_free(ptr, jm_class_of_aligned(size, align));
	else
		jm_local_large_free(ptr, size);
	errno = saved;
}

void jmfree_aligned(void *ptr, size_t alignment, size_t size)
{
	if (JM_UNLIKELY(ptr == NULL))
		return;
	if (JM_LIKELY(jm_align_valid(alignment) && alignment <= JM_ALIGN_NATURAL_MAX &&
		      size - 1 < jm_debug_small_max())) {
		jm_local_free(ptr, jm_class_of_aligned(size, alignment));
		return;
	}
	jm_free_aligned_cold(ptr, alignment, size);
}

void *jmrealloc_aligned(void *ptr, size_t alignment, size_t old_size,
			size_t new_size)
{
	size_t page = jm_os_page_size(), usable;
	void *p;

	if (!jm_align_valid(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	if (JM_UNLIKELY(jm_debug_small_max() != JM_SMALL_MAX) && jm_debug_on())
		return jm_debug_realloc_aligned(ptr, alignment, old_size, new_size);
	if (ptr == NULL)
		return jmalloc_aligned(alignment, new_size);
	usable = jm_usable_size_aligned(new_size, alignment, page);
	if (usable == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (usable == jm_usable_size_aligned(old_size, alignment, page))
		return ptr;
	if (JM_ALIGN_NATURAL && !jm_aligned_is_small(old_size, alignment) &&
	    !jm_aligned_is_small(new_size, alignment))
		return jm_local_large_realloc(ptr, old_size, new_size, alignment);
	p = jmalloc_aligned(alignment, new_size);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jmfree_aligned(ptr, alignment, old_size);
	return p;
}

size_t jmalloc_good_size_aligned(size_t alignment, size_t size)
{
	if (!jm_align_valid(alignment))
		return 0;
	return jm_usable_size_aligned(size, alignment, jm_os_page_size());
}

size_t jmalloc_trim(void)
{
	int saved = errno;
	size_t bytes = jm_local_trim() + jm_large_trim();

	errno = saved;
	return bytes;
}

int jmalloc_stats(struct jmalloc_stats *stats, size_t size)
{
	struct jmalloc_stats st;
	struct jm_local_stats local;
	struct jm_large_stats large;

	if (stats == NULL || size == 0) {
		errno = EINVAL;
		return -1;
	}
	jm_local_stats(&local);
	jm_large_stats(&large);
	memset(&st, 0, sizeof(st));
	st.mapped = local.arenas.mapped + large.live + large.cached;
	st.listed = local.listed;
	st.unused_spans = local.arenas.unused;
	st.unused_dirty = local.arenas.dirty;
	st.large_live = large.live;
	st.large_cached = large.cached;
	st.returned = local.returned + large.returned;
	memcpy(stats, &st, size < sizeof(st) ? size : sizeof(st));
	return 0;
}
