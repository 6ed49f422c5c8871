/* heap.c - the heap engine's slow paths: spans, regions, invariants. */
#include "config.h"

#include <errno.h>
#include <stdint.h>

#include "heap.h"
#include "os.h"


uintptr_t jm_link_key;

void jm_heap_bad_link(const void *blk, const void *next, size_t k)
{
	jm_report("corrupted free list: the free block of %zu bytes at %p "
		  "links to %p, where no block can be (written after it was "
		  "freed?)", jm_class_size(k), blk, next);
}

/* Draw the key of the hardened links, once, before the first span is
 * cut (so before any link is stored). */
static void jm_heap_key_init(void)
{
	uintptr_t zero = 0, key;

	if (!JM_HARDEN || __atomic_load_n(&jm_link_key, __ATOMIC_ACQUIRE) != 0)
		return;
	key = (uintptr_t)jm_os_random();
	if (key == 0)
		key = 1;
	(void)__atomic_compare_exchange_n(&jm_link_key, &zero, key, 0,
					  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void jm_heap_init(struct jm_heap *h)
{
	memset(h, 0, sizeof(*h));
}

void jm_heap_set_region(struct jm_heap *h, void *base, size_t len, int zeroed)
{
	uintptr_t a = (uintptr_t)base;
	uintptr_t aligned = (a + (JM_MIN_SIZE - 1)) & ~(uintptr_t)(JM_MIN_SIZE - 1);

	h->fixed = 1;
	if (!JM_TINY) { /* the tiny engine has no other regions and spans */
		h->own_region = base != NULL;
		h->region = NULL;
		h->region_left = 0;
	}
	h->region_zero = zeroed != 0;
	if (base == NULL || aligned - a > len)
		return;
	h->region = (char *)aligned;
	h->region_left = len - (aligned - a);
	if (JM_TINY)
		return; /* no spans */
	h->span_max = h->region_left / JM_REGION_SPANS;
	if (h->span_max < JM_REGION_SPAN_MIN)
		h->span_max = JM_REGION_SPAN_MIN;
	if (h->span_max > JM_SPAN_SIZE)
		h->span_max = JM_SPAN_SIZE;
}

void jm_heap_init_region(struct jm_heap *h, void *base, size_t len,
			 int zeroed)
{
	jm_heap_init(h);
	jm_heap_set_region(h, base, len, zeroed);
}

size_t jm_heap_span_blocks(size_t k, size_t *units)
{
	size_t sz = jm_class_size(k), u;

	/* The fewest units that waste at most an eighth of themselves. */
	for (u = 1; u <= JM_SPAN_MAX_UNITS; u++) {
		size_t bytes = u << JM_UNIT_SHIFT, n = bytes / sz;

		if (n != 0 && (bytes - n * sz) * 8 <= bytes) {
			*units = u;
			return n;
		}
	}
	*units = (sz + JM_UNIT_SIZE - 1) >> JM_UNIT_SHIFT;
	return 1;
}

#if JM_MMAP && !JM_TINY
/* A span of class k for `to` from the span pool (arena.h).  0, or -1
 * with ENOMEM. */
static int jm_heap_cut_pool(size_t k, struct jm_heap *to)
{
	size_t sz = jm_class_size(k), units;
	size_t span = jm_heap_span_blocks(k, &units) * sz;
	int zero;
	char *p = jm_arena_take(units, span / sz, sz, &zero);

	if (p == NULL)
		return -1;
	to->bump[k] = p;
	to->left[k] = span;
	to->zero[k] = (unsigned char)zero;
	return 0;
}
#else
/* The build without mmap, and the tiny one, have no span pool: every heap
 * has a region. */
static int jm_heap_cut_pool(size_t k, struct jm_heap *to)
{
	(void)k;
	(void)to;
	errno = ENOMEM;
	return -1;
}
#endif

/* Cut a span for class k out of the region of fixed heap h for `to`: as
 * many whole blocks as fit in h->span_max, at least one, or what is left
 * of the region.  0, or -1 with ENOMEM. */
static int jm_heap_cut_region(struct jm_heap *h, size_t k, struct jm_heap *to)
{
	size_t sz = jm_class_size(k);
	size_t span = h->span_max > sz ? h->span_max - h->span_max % sz : sz;

	if (span > h->region_left) {
		/* What is left of the region: a smaller span still helps. */
		span = h->region_left - h->region_left % sz;
		if (span == 0) {
			errno = ENOMEM;
			return -1;
		}
	}
	to->bump[k] = h->region;
	to->left[k] = span;
	to->zero[k] = (unsigned char)h->region_zero;
	h->region_left -= span;
	h->region = h->region_left != 0 ? h->region + span : NULL;
	return 0;
}

/*
 * Cut a span for class k out of h and make it `to`'s: a spare span of
 * that class, else the region of a fixed heap (one that never uses the
 * span pool), else the span pool.  0, or -1 with ENOMEM.
 */
static int jm_heap_cut_span(struct jm_heap *h, size_t k, struct jm_heap *to)
{
	struct jm_spare *s = h->spare[k];

	JM_ASSERT(k < JM_NCLASSES);
	/* The span it replaces is used up. */
	JM_ASSERT(to->bump[k] == NULL && to->left[k] == 0);
	jm_heap_key_init();
	if (s != NULL) {
		h->spare[k] = s->next;
		to->bump[k] = (char *)s;
		to->left[k] = s->len & ~(size_t)1;
		to->zero[k] = (unsigned char)(s->len & 1);
		memset(s, 0, sizeof(*s)); /* as fresh as the rest of it */
		return 0;
	}
	if (h->fixed)
		return jm_heap_cut_region(h, k, to);
	return jm_heap_cut_pool(k, to);
}

int jm_heap_give_span(struct jm_heap *from, struct jm_heap *to, size_t k)
{
	return jm_heap_cut_span(from, k, to);
}

void jm_heap_return_span(struct jm_heap *h, struct jm_heap *to, size_t k)
{
	JM_ASSERT(k < JM_NCLASSES && h != to);
	if (h->left[k] >= jm_class_size(k)) {
		struct jm_spare *s = (void *)h->bump[k];

		s->next = to->spare[k];
		s->len = h->left[k] | h->zero[k];
		to->spare[k] = s;
	}
	h->bump[k] = NULL;
	h->left[k] = 0;
}

void *jm_heap_carve(struct jm_heap *h, size_t k)
{
	void *p = jm_heap_bump(h, k);

	if (p == NULL) {
		if (JM_TINY) { /* the region is used up: no spans to cut */
			errno = ENOMEM;
			return NULL;
		}
		if (jm_heap_cut_span(h, k, h) != 0)
			return NULL;
		p = jm_heap_bump(h, k);
	}
	return p;
}

static void jm_set_link(struct jm_block *p, struct jm_block *next)
{
	JM_TOOL_OPEN(p, sizeof(*p));
	jm_heap_link(p, next);
}

/*
 * The node `i` steps after `p` on a list of class k (i < the list's
 * length).  A thread's cache hands over a batch by this walk, so the
 * links are opened only when a checker watches, found once per walk.
 */
static struct jm_block *jm_list_at(struct jm_block *p, uint32_t i, size_t k)
{
	if (jm_tools_active()) {
		while (i-- > 0)
			p = jm_heap_next_open(p, k);
		return p;
	}
	while (i-- > 0)
		p = jm_heap_next(p, k);
	return p;
}

struct jm_block *jm_heap_split(struct jm_heap *h, size_t k, uint32_t keep,
			       uint32_t *n)
{
	struct jm_block *last, *rest;

	JM_ASSERT(k < JM_NCLASSES);
	*n = 0;
	if (keep >= h->count[k])
		return NULL;
	if (keep == 0) {
		rest = h->free[k];
		h->free[k] = NULL;
	} else {
		last = jm_list_at(h->free[k], keep - 1, k);
		rest = jm_heap_next_open(last, k);
		jm_set_link(last, NULL);
	}
	*n = h->count[k] - keep;
	h->count[k] = keep;
	return rest;
}

struct jm_block *jm_heap_take(struct jm_heap *h, size_t k, uint32_t max,
			      uint32_t *n, struct jm_block **tail)
{
	struct jm_block *head = h->free[k];

	JM_ASSERT(k < JM_NCLASSES && max != 0);
	*n = h->count[k] < max ? h->count[k] : max;
	if (*n == 0) {
		*tail = NULL;
		return NULL;
	}
	*tail = jm_list_at(head, *n - 1, k);
	h->free[k] = jm_heap_next_open(*tail, k);
	h->count[k] -= *n;
	jm_set_link(*tail, NULL);
	return head;
}

/* The link of free block p, decoded but unchecked (jm_heap_check()
 * reports a bad one rather than stop at it). */
static const struct jm_block *jm_link_raw(const struct jm_block *p)
{
	JM_TOOL_OPEN(p, sizeof(*p));
	return (const struct jm_block *)jm_mangle(&p->next, (uintptr_t)p->next);
}

size_t jm_heap_listed(const struct jm_heap *h)
{
	size_t k, bytes = 0;

	for (k = 0; k < JM_NCLASSES; k++) {
		size_t n = h->count[k];

		if (JM_TINY) { /* the tiny engine keeps no counts: walk */
			const struct jm_block *p;

			for (n = 0, p = h->free[k]; p != NULL; p = jm_link_raw(p))
				n++;
		}
		bytes += n * jm_class_size(k);
	}
	return bytes;
}

int jm_heap_check(const struct jm_heap *h, size_t limit)
{
	size_t k;

	if (!JM_TINY && (h->region == NULL) != (h->region_left == 0))
		return 0;
	for (k = 0; k < JM_NCLASSES; k++) {
		size_t sz = jm_class_size(k);
		const struct jm_block *p;
		const struct jm_spare *s;
		size_t n = 0;

		if ((h->bump[k] == NULL) != (h->left[k] == 0) || h->left[k] % sz != 0)
			return 0;
		for (p = h->free[k]; p != NULL; p = jm_link_raw(p)) {
			const char *c = (const char *)p;

			if (++n > limit)
				return 0;
			if ((uintptr_t)p % JM_MIN_SIZE != 0)
				return 0;
			/* A free block is never in unused memory. */
			if (h->bump[k] != NULL && c >= h->bump[k] && c < h->bump[k] + h->left[k])
				return 0;
			if (h->region != NULL && c >= h->region &&
			    c < h->region + h->region_left)
				return 0;
		}
		if (!JM_TINY && n != h->count[k])
			return 0;
		n = 0;
		for (s = h->spare[k]; s != NULL; s = s->next) {
			if (++n > limit || (uintptr_t)s % JM_MIN_SIZE != 0)
				return 0;
			if ((s->len & ~(size_t)1) == 0 || (s->len & ~(size_t)1) % sz != 0)
				return 0;
		}
	}
	return 1;
}
