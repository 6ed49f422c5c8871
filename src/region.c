/* region.c - heaps on memory the caller owns (region.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "os.h"
#include "region.h"
#include "sizeclass.h"

struct jm_big {
	struct jm_big *next; /* mangled as free-list links are (heap.h) */
	size_t len;
};

JM_STATIC_ASSERT(sizeof(struct jm_big) <= JM_MIN_SIZE,
		 "a freed large block's header fits in its first 16 bytes");

int jm_region_init(struct jm_region *r, void *mem, size_t len)
{
	char *start = mem;

	if (mem == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((char *)r == start) {
		/* The region heap at the start of its own memory. */
		size_t used = (sizeof(*r) + (JM_MIN_SIZE - 1)) & ~(JM_MIN_SIZE - 1);

		if (len < used + JM_MIN_SIZE) {
			errno = ENOMEM; /* r itself does not fit */
			return -1;
		}
		start += used;
		len -= used;
	}
	jm_heap_init_region(&r->heap, start, len, 0);
	if (r->heap.region_left < JM_MIN_SIZE) {
		jm_heap_init(&r->heap); /* as it was: no region */
		errno = ENOMEM;
		return -1;
	}
	r->big = NULL;
	r->base = r->heap.region;
	r->len = r->heap.region_left;
	r->big_live = 0;
	return 0;
}

/* Bytes of a large block of `size` bytes, or 0 when none can have it. */
static size_t jm_big_len(size_t size)
{
	return jm_large_round(size, jm_os_page_size());
}

static struct jm_big *jm_big_next(const struct jm_big *b)
{
	return (struct jm_big *)jm_mangle(&b->next, (uintptr_t)b->next);
}

static void jm_big_link(struct jm_big *b, struct jm_big *next)
{
	b->next = (struct jm_big *)jm_mangle(&b->next, (uintptr_t)next);
}

/*
 * Put [p, p + len) on the freed large blocks, which are kept in address
 * order, merged with a freed neighbour on either side; a block that then
 * ends where what is left of the memory starts goes back to it.
 */
static void jm_big_put(struct jm_region *r, char *p, size_t len)
{
	struct jm_heap *h = &r->heap;
	struct jm_big *pprev = NULL, *prev = NULL, *next = r->big, *b;

	while (next != NULL && (char *)next < p) {
		pprev = prev;
		prev = next;
		next = jm_big_next(next);
	}
	if (next != NULL && p + len == (char *)next) {
		len += next->len; /* the next one joins this one */
		next = jm_big_next(next);
	}
	if (prev != NULL && (char *)prev + prev->len == p) {
		p = (char *)prev; /* this one joins the one before */
		len += prev->len;
		prev = pprev;
	}
	if (h->region != NULL && p + len == h->region) {
		/* The last of them (next is NULL): back to the memory left. */
		h->region = p;
		h->region_left += len;
		b = next;
	} else {
		b = (struct jm_big *)(void *)p;
		jm_big_link(b, next);
		b->len = len;
	}
	if (prev == NULL)
		r->big = b;
	else
		jm_big_link(prev, b);
}

/* A large block of len bytes: the front of the first freed one that
 * holds it, else carved from what is left of the memory, else NULL. */
static char *jm_big_take(struct jm_region *r, size_t len)
{
	struct jm_heap *h = &r->heap;
	struct jm_big *b, *prev = NULL;
	char *p;

	for (b = r->big; b != NULL; prev = b, b = jm_big_next(b)) {
		struct jm_big *next;
		size_t blen = b->len;

		if (blen < len)
			continue;
		next = jm_big_next(b);
		if (prev == NULL)
			r->big = next;
		else
			jm_big_link(prev, next);
		p = (char *)b;
		if (blen > len)
			jm_big_put(r, p + len, blen - len);
		return p;
	}
	if (h->region == NULL || h->region_left < len) {
		errno = ENOMEM;
		return NULL;
	}
	p = h->region;
	h->region_left -= len;
	h->region = h->region_left != 0 ? p + len : NULL;
	return p;
}

void *jm_region_alloc(struct jm_region *r, size_t size, int zero)
{
	size_t len;
	char *p;

	if (jm_is_small(size)) {
		p = jm_heap_alloc(&r->heap, jm_class_of_small(size));
		if (p != NULL && zero)
			memset(p, 0, size);
		return p;
	}
	len = jm_big_len(size);
	if (len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	p = jm_big_take(r, len);
	if (p == NULL)
		return NULL;
	r->big_live += len;
	return zero ? memset(p, 0, size) : p;
}

void jm_region_free(struct jm_region *r, void *p, size_t size)
{
	size_t len;

	if (p == NULL)
		return;
	if (jm_is_small(size)) {
		jm_heap_push(&r->heap, p, jm_class_of_small(size));
		return;
	}
	len = jm_big_len(size);
	if (len == 0)
		return; /* no block has that size */
	r->big_live -= len < r->big_live ? len : r->big_live;
	jm_big_put(r, p, len);
}

/* Resize a large block to new_size, both of more than JM_SMALL_MAX
 * bytes: in place when it shrinks or what follows it is left of the
 * memory, else moved.  NULL with ENOMEM leaves it. */
static void *jm_big_resize(struct jm_region *r, char *p, size_t old_size,
			   size_t new_size)
{
	struct jm_heap *h = &r->heap;
	size_t old_len = jm_big_len(old_size), new_len = jm_big_len(new_size);
	char *q;

	if (old_len == 0 || new_len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (new_len <= old_len) {
		if (new_len < old_len) {
			r->big_live -= old_len - new_len;
			jm_big_put(r, p + new_len, old_len - new_len);
		}
		return p;
	}
	if (h->region != NULL && p + old_len == h->region &&
	    h->region_left >= new_len - old_len) {
		h->region_left -= new_len - old_len;
		h->region = h->region_left != 0 ? p + new_len : NULL;
		r->big_live += new_len - old_len;
		return p;
	}
	q = jm_big_take(r, new_len);
	if (q == NULL)
		return NULL;
	r->big_live += new_len;
	memcpy(q, p, old_size);
	jm_region_free(r, p, old_size);
	return q;
}

void *jm_region_realloc(struct jm_region *r, void *p, size_t old_size,
			size_t new_size)
{
	void *q;

	if (p == NULL)
		return jm_region_alloc(r, new_size, 0);
	switch (jm_resize_kind(old_size, new_size)) {
	case JM_RESIZE_KEEP:
		return p;
	case JM_RESIZE_LARGE:
		return jm_big_resize(r, p, old_size, new_size);
	case JM_RESIZE_MOVE:
		break;
	}
	q = jm_region_alloc(r, new_size, 0);
	if (q == NULL)
		return NULL;
	memcpy(q, p, old_size < new_size ? old_size : new_size);
	jm_region_free(r, p, old_size);
	return q;
}

void jm_region_stats(const struct jm_region *r, struct jm_region_stats *st)
{
	const struct jm_big *b;

	st->len = r->len;
	st->left = r->heap.region_left;
	st->big_live = r->big_live;
	st->big_free = 0;
	for (b = r->big; b != NULL; b = jm_big_next(b))
		st->big_free += b->len;
}
