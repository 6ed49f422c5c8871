/* region.c - heaps on memory the caller owns (region.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "os.h"
#include "region.h"
#include "report.h"
#include "sizeclass.h"

/*
 * What the heap knows of each unit, in an array before the units.  Of the
 * first unit of a span: the span's free list, its counts and its place on
 * its class's list.  Of every other unit of a span: how many units back
 * its first is, with `left` JM_RUNIT_BODY.  Blocks are carved from the
 * last down, so that the blocks not carved yet are the first `left` and
 * no end need be kept; the span's memory holds only its blocks.
 */
struct jm_runit {
	uint32_t next, prev; /* its class's list: unit number + 1, or 0 */
	uint32_t free;	     /* its first free block: offset in the span + 1,
				or 0 (a body unit: units back to the first);
				the blocks' links are mangled pointers */
	uint16_t live;	     /* blocks in use */
	uint16_t left;	     /* blocks not carved yet */
};

#define JM_RUNIT_BODY UINT16_MAX

/* A run of free units, in its first bytes. */
struct jm_run {
	struct jm_run *next; /* mangled as free-list links are */
	size_t len;	     /* bytes, whole units */
};

JM_STATIC_ASSERT(sizeof(struct jm_run) <= JM_REGION_SPAN_MIN,
		 "a unit holds a run's header");
JM_STATIC_ASSERT(JM_SPAN_SIZE / JM_MIN_SIZE < JM_RUNIT_BODY &&
			 (JM_SMALL_MAX + JM_REGION_SPAN_MIN) / JM_REGION_SPAN_MIN * 9 <= UINT16_MAX,
		 "a span's blocks and units are counted in 16 bits");
JM_STATIC_ASSERT(sizeof(struct jm_runit) == 16, "a unit's entry takes 16 bytes");
JM_STATIC_ASSERT(JM_REGION_SPAN_MIN <= JM_SPAN_SIZE &&
			 (JM_REGION_SPAN_MIN & (JM_REGION_SPAN_MIN - 1)) == 0,
		 "units are powers of two");

static jm_region_hook_fn *jm_region_hook;

void jm_region_set_hook(jm_region_hook_fn *fn)
{
	jm_region_hook = fn;
}

/* --- Runs of free units ------------------------------------------------------ */

static struct jm_run *jm_run_next(const struct jm_region *r, const struct jm_run *b)
{
	struct jm_run *next = (struct jm_run *)jm_mangle_key(&b->next, (uintptr_t)b->next, r->key);

	/* Hardened: a link the heap did not store leads outside the units,
	 * or into the middle of one. */
	if (JM_HARDEN && next != NULL &&
	    (!jm_region_holds(r, next, sizeof(*next)) ||
	     ((size_t)((char *)next - r->base) & (((size_t)1 << r->shift) - 1)) != 0))
		jm_report("corrupted free memory: the free run at %p of a heap links "
			  "to %p, where no run can be (written after it was freed?)",
			  (const void *)b, (void *)next);
	return next;
}

static void jm_run_link(const struct jm_region *r, struct jm_run *b, struct jm_run *next)
{
	b->next = (struct jm_run *)jm_mangle_key(&b->next, (uintptr_t)next, r->key);
}

/* Put [p, p + len) back on the runs, merged with a free neighbour on
 * either side. */
static void jm_run_put(struct jm_region *r, char *p, size_t len)
{
	struct jm_run *pprev = NULL, *prev = NULL, *next = r->runs, *b;

	JM_ASSERT(len != 0 && len % ((size_t)1 << r->shift) == 0);
	JM_ASSERT(jm_region_holds(r, p, len));
	while (next != NULL && (char *)next < p) {
		pprev = prev;
		prev = next;
		next = jm_run_next(r, next);
	}
	JM_ASSERT(next == NULL || p + len <= (char *)next);
	if (next != NULL && p + len == (char *)next) {
		len += next->len; /* the next run joins this one */
		next = jm_run_next(r, next);
	}
	if (prev != NULL && (char *)prev + prev->len == p) {
		p = (char *)prev; /* this one joins the one before */
		len += prev->len;
		prev = pprev;
	}
	b = (struct jm_run *)(void *)p;
	jm_run_link(r, b, next);
	b->len = len;
	if (prev == NULL)
		r->runs = b;
	else
		jm_run_link(r, prev, b);
}

/* Take the first len bytes of run b (prev: the run before it, or NULL). */
static char *jm_run_front(struct jm_region *r, struct jm_run *prev, struct jm_run *b,
			  size_t len)
{
	struct jm_run *next = jm_run_next(r, b);

	JM_ASSERT(b->len >= len);
	if (b->len > len) {
		struct jm_run *rest = (struct jm_run *)(void *)((char *)b + len);

		rest->len = b->len - len;
		jm_run_link(r, rest, next);
		next = rest;
	}
	if (prev == NULL)
		r->runs = next;
	else
		jm_run_link(r, prev, next);
	return (char *)b;
}

/* The front of the first run of at least len bytes that starts at `at`
 * (NULL: anywhere), or NULL. */
static char *jm_run_find(struct jm_region *r, size_t len, const char *at)
{
	struct jm_run *b, *prev = NULL;

	for (b = r->runs; b != NULL; prev = b, b = jm_run_next(r, b)) {
		if (at != NULL && (char *)b != at) {
			if ((char *)b > at)
				return NULL;
			continue;
		}
		if (b->len >= len)
			return jm_run_front(r, prev, b, len);
		if (at != NULL)
			return NULL;
	}
	return NULL;
}

/* len bytes of free units: the first run that holds them, once more after
 * the empty spans went back; else NULL with ENOMEM. */
static char *jm_run_take(struct jm_region *r, size_t len)
{
	char *p = jm_run_find(r, len, NULL);

	if (p == NULL && jm_region_reclaim(r) != 0)
		p = jm_run_find(r, len, NULL);
	if (p == NULL)
		errno = ENOMEM;
	return p;
}

/* --- Spans ------------------------------------------------------------------- */

/* Units of a span of blocks of sz bytes: the fewest that hold one and
 * waste at most an eighth of themselves; *blocks gets its blocks (at most
 * a unit's bytes over 16, for a span of more than one unit holds fewer
 * than nine). */
static size_t jm_rspan_units(const struct jm_region *r, size_t sz, size_t *blocks)
{
	size_t n = (sz + ((size_t)1 << r->shift) - 1) >> r->shift;

	for (;; n++) {
		size_t bytes = n << r->shift;

		*blocks = bytes / sz;
		if ((bytes - *blocks * sz) * 8 <= bytes)
			return n;
	}
}

static struct jm_runit *jm_unit_at(const struct jm_region *r, uint32_t ref)
{
	return &r->units[ref - 1];
}

static uint32_t jm_unit_ref(const struct jm_region *r, const struct jm_runit *e)
{
	return (uint32_t)(e - r->units) + 1;
}

/* The memory of the span whose first unit's entry is e. */
static char *jm_unit_mem(const struct jm_region *r, const struct jm_runit *e)
{
	return r->base + ((size_t)(e - r->units) << r->shift);
}

/* The entry of the first unit of the span that holds p. */
static struct jm_runit *jm_unit_of(const struct jm_region *r, const void *p)
{
	struct jm_runit *e = &r->units[(size_t)((const char *)p - r->base) >> r->shift];

	return e->left == JM_RUNIT_BODY ? e - e->free : e;
}

/* Put span e first on the list of class k. */
static void jm_rspan_push(struct jm_region *r, size_t k, struct jm_runit *e)
{
	e->prev = 0;
	e->next = r->avail[k];
	if (e->next != 0)
		jm_unit_at(r, e->next)->prev = jm_unit_ref(r, e);
	r->avail[k] = jm_unit_ref(r, e);
}

/* Take span e off the list of class k. */
static void jm_rspan_unlink(struct jm_region *r, size_t k, struct jm_runit *e)
{
	if (e->prev != 0)
		jm_unit_at(r, e->prev)->next = e->next;
	else
		r->avail[k] = e->next;
	if (e->next != 0)
		jm_unit_at(r, e->next)->prev = e->prev;
	e->next = 0;
	e->prev = 0;
}

/* A new span of class k, first on its list; NULL with ENOMEM. */
static struct jm_runit *jm_rspan_new(struct jm_region *r, size_t k)
{
	size_t blocks, n = jm_rspan_units(r, jm_class_size(k), &blocks), i;
	char *p = jm_run_take(r, n << r->shift);
	struct jm_runit *e;

	if (p == NULL)
		return NULL;
	e = &r->units[(size_t)(p - r->base) >> r->shift];
	for (i = 1; i < n; i++) {
		e[i].left = JM_RUNIT_BODY;
		e[i].free = (uint32_t)i;
	}
	e->free = 0;
	e->live = 0;
	e->left = (uint16_t)blocks;
	jm_rspan_push(r, k, e);
	return e;
}

/* Span e of class k, off every list, goes back to the runs. */
static void jm_rspan_release(struct jm_region *r, size_t k, struct jm_runit *e)
{
	size_t sz = jm_class_size(k), blocks;
	size_t n = jm_rspan_units(r, sz, &blocks);

	JM_ASSERT(e->live == 0 && e->left <= blocks);
	if (jm_region_hook != NULL)
		jm_region_hook(jm_unit_mem(r, e) + e->left * sz, blocks - e->left, sz);
	jm_run_put(r, jm_unit_mem(r, e), n << r->shift);
}

/* 1 when span e has a block to give (so is on its class's list). */
static int jm_rspan_has_free(const struct jm_runit *e)
{
	return e->free != 0 || e->left != 0;
}

/* Stop at free block b of class k in span e, whose link was written
 * over: a link the heap stored leads to a carved block of the same span.
 * (The entries of units in no span are never written: read with care.) */
static void jm_rspan_check_link(const struct jm_region *r, const struct jm_runit *e,
				const struct jm_block *b, const char *next, size_t k)
{
	const char *mem = jm_unit_mem(r, e);
	size_t u = (size_t)(next - r->base) >> r->shift;
	const struct jm_runit *f = &r->units[u];

	if (next < mem + (size_t)e->left * jm_class_size(k) || next >= r->base + r->len ||
	    (size_t)(next - mem) % jm_class_size(k) != 0 ||
	    (f != e && (f->left != JM_RUNIT_BODY || f->free > u || f - f->free != e)))
		jm_heap_bad_link(b, next, k);
}

void *jm_region_alloc_class(struct jm_region *r, size_t k)
{
	struct jm_runit *e;
	struct jm_block *b;
	char *mem;

	JM_ASSERT(k < JM_NCLASSES);
	if (r->avail[k] != 0)
		e = jm_unit_at(r, r->avail[k]);
	else if ((e = jm_rspan_new(r, k)) == NULL)
		return NULL;
	mem = jm_unit_mem(r, e);
	if (e->free != 0) {
		char *next;

		b = (struct jm_block *)(void *)(mem + e->free - 1);
		next = (char *)jm_mangle_key(&b->next, (uintptr_t)b->next, r->key);
		/* Hardened: a link the heap did not store leads outside the
		 * span's carved blocks, or between two. */
		if (JM_HARDEN && next != NULL)
			jm_rspan_check_link(r, e, b, next, k);
		e->free = next != NULL ? (uint32_t)(next - mem) + 1 : 0;
	} else {
		b = (struct jm_block *)(void *)(mem + (size_t)--e->left * jm_class_size(k));
	}
	e->live++;
	if (!jm_rspan_has_free(e))
		jm_rspan_unlink(r, k, e);
	return b;
}

void jm_region_free_class(struct jm_region *r, void *p, size_t k)
{
	struct jm_runit *e = jm_unit_of(r, p);
	char *mem = jm_unit_mem(r, e);
	char *first = e->free != 0 ? mem + e->free - 1 : NULL;
	struct jm_block *b = p;
	int listed = jm_rspan_has_free(e);

	JM_ASSERT(k < JM_NCLASSES && jm_region_holds(r, p, jm_class_size(k)));
	JM_ASSERT(e->live != 0);
	if (JM_HARDEN && JM_UNLIKELY((char *)b == first))
		jm_report("jmfree(%p): double free: the block of %zu bytes is "
			  "already free", p, jm_class_size(k));
	b->next = (struct jm_block *)jm_mangle_key(&b->next, (uintptr_t)first, r->key);
	e->free = (uint32_t)((char *)b - mem) + 1;
	if (--e->live != 0) {
		if (!listed)
			jm_rspan_push(r, k, e);
		return;
	}
	/* Empty: back to the runs, but the class's last span. */
	if (listed)
		jm_rspan_unlink(r, k, e);
	if (r->avail[k] == 0)
		jm_rspan_push(r, k, e);
	else
		jm_rspan_release(r, k, e);
}

size_t jm_region_reclaim(struct jm_region *r)
{
	size_t k, bytes = 0;

	for (k = 0; k < JM_NCLASSES; k++) {
		uint32_t ref = r->avail[k];

		while (ref != 0) {
			struct jm_runit *e = jm_unit_at(r, ref);

			ref = e->next;
			if (e->live == 0) {
				size_t blocks;

				bytes += jm_rspan_units(r, jm_class_size(k), &blocks) << r->shift;
				jm_rspan_unlink(r, k, e);
				jm_rspan_release(r, k, e);
			}
		}
	}
	return bytes;
}

/* --- The heap ------------------------------------------------------------------ */

int jm_region_init(struct jm_region *r, void *mem, size_t len)
{
	uintptr_t a = (uintptr_t)mem;
	uintptr_t start = (a + (JM_MIN_SIZE - 1)) & ~(uintptr_t)(JM_MIN_SIZE - 1);
	size_t avail, used = 0, n, map;
	unsigned shift = 8;

	JM_STATIC_ASSERT(JM_REGION_SPAN_MIN == (size_t)1 << 8, "the smallest unit");
	if (mem == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((uintptr_t)r == start) /* the heap at the start of its memory */
		used = (sizeof(*r) + (JM_MIN_SIZE - 1)) & ~(size_t)(JM_MIN_SIZE - 1);
	if (start - a > len || len - (start - a) < used + JM_REGION_SPAN_MIN) {
		errno = ENOMEM;
		return -1;
	}
	start += used;
	avail = len - (start - a);
	/* Units: a power of two about a JM_REGION_SPANS-th of the memory. */
	while (((size_t)2 << shift) <= avail / JM_REGION_SPANS &&
	       ((size_t)2 << shift) <= JM_SPAN_SIZE)
		shift++;
	/* As many units as fit after their entries. */
	for (n = avail >> shift;; n--) {
		map = n * sizeof(struct jm_runit);
		if (n == 0) {
			errno = ENOMEM;
			return -1;
		}
		if (map + (n << shift) <= avail)
			break;
	}
	memset(r, 0, sizeof(*r));
	r->key = JM_HARDEN ? (uintptr_t)jm_os_random() : 0;
	r->units = (struct jm_runit *)start;
	r->base = (char *)start + map;
	r->len = n << shift;
	r->given = len;
	r->shift = shift;
	r->runs = (struct jm_run *)(void *)r->base;
	r->runs->len = r->len;
	jm_run_link(r, r->runs, NULL);
	return 0;
}

/* Bytes of a large block of `size` bytes: whole pages (jm_usable_size()),
 * then whole units; 0 when no block can have that size. */
static size_t jm_big_len(const struct jm_region *r, size_t size)
{
	size_t len = jm_large_round(size, jm_os_page_size());

	return len != 0 ? jm_large_round(len, (size_t)1 << r->shift) : 0;
}

void *jm_region_alloc(struct jm_region *r, size_t size, int zero)
{
	size_t len;
	char *p;

	if (jm_is_small(size)) {
		p = jm_region_alloc_class(r, jm_class_of_small(size));
		if (p != NULL && zero)
			memset(p, 0, size);
		return p;
	}
	len = jm_big_len(r, size);
	if (len == 0 || len > r->len) {
		errno = ENOMEM;
		return NULL;
	}
	p = jm_run_take(r, len);
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
		jm_region_free_class(r, p, jm_class_of_small(size));
		return;
	}
	len = jm_big_len(r, size);
	if (len == 0 || !jm_region_holds(r, p, len))
		return; /* no block has that size */
	JM_ASSERT(r->big_live >= len);
	r->big_live -= len;
	jm_run_put(r, p, len);
}

/* Resize a large block to new_size, both of more than JM_SMALL_MAX
 * bytes: in place when it shrinks or the units after it are free, else
 * moved.  NULL with ENOMEM leaves it. */
static void *jm_big_resize(struct jm_region *r, char *p, size_t old_size,
			   size_t new_size)
{
	size_t old_len = jm_big_len(r, old_size), new_len = jm_big_len(r, new_size);
	char *q;

	if (old_len == 0 || new_len == 0 || new_len > r->len) {
		errno = ENOMEM;
		return NULL;
	}
	if (new_len <= old_len) {
		if (new_len < old_len) {
			r->big_live -= old_len - new_len;
			jm_run_put(r, p + new_len, old_len - new_len);
		}
		return p;
	}
	if (jm_run_find(r, new_len - old_len, p + old_len) != NULL) {
		r->big_live += new_len - old_len;
		return p;
	}
	q = jm_run_take(r, new_len);
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
	const struct jm_run *b;
	size_t k;

	st->given = r->given;
	st->big_live = r->big_live;
	st->free_runs = 0;
	for (b = r->runs; b != NULL; b = jm_run_next(r, b))
		st->free_runs += b->len;
	st->listed = 0;
	for (k = 0; k < JM_NCLASSES; k++) {
		size_t sz = jm_class_size(k), blocks;
		uint32_t ref;

		(void)jm_rspan_units(r, sz, &blocks);
		for (ref = r->avail[k]; ref != 0; ref = jm_unit_at(r, ref)->next)
			st->listed += (blocks - jm_unit_at(r, ref)->live) * sz;
	}
}

int jm_region_check(const struct jm_region *r)
{
	const struct jm_run *b, *prev = NULL;
	size_t unit = (size_t)1 << r->shift, k;

	for (b = r->runs; b != NULL; prev = b, b = jm_run_next(r, b)) {
		if (!jm_region_holds(r, b, b->len) || b->len == 0 || b->len % unit != 0 ||
		    (size_t)((const char *)b - r->base) % unit != 0)
			return 0;
		/* In address order, apart (touching runs would have merged). */
		if (prev != NULL && (const char *)prev + prev->len >= (const char *)b)
			return 0;
	}
	for (k = 0; k < JM_NCLASSES; k++) {
		uint32_t ref, prev_ref = 0;
		size_t sz = jm_class_size(k), blocks;

		(void)jm_rspan_units(r, sz, &blocks);
		for (ref = r->avail[k]; ref != 0; prev_ref = ref, ref = jm_unit_at(r, ref)->next) {
			const struct jm_runit *e = jm_unit_at(r, ref);
			const char *first = jm_unit_mem(r, e);
			const char *c = e->free != 0 ? first + e->free - 1 : NULL;
			size_t listed = 0, carved = blocks - e->left;

			if (ref > r->len >> r->shift || !jm_region_holds(r, first, blocks * sz) ||
			    e->prev != prev_ref || !jm_rspan_has_free(e) || e->left > blocks ||
			    e->live > carved)
				return 0;
			while (c != NULL) {
				const struct jm_block *p = (const void *)c;

				/* Carved blocks: from the left-th on. */
				if (c < first + e->left * sz || c >= first + blocks * sz ||
				    (size_t)(c - first) % sz != 0 || ++listed > carved)
					return 0;
				c = (const char *)jm_mangle_key(&p->next, (uintptr_t)p->next, r->key);
			}
			if (listed + e->live != carved)
				return 0;
		}
	}
	return 1;
}
