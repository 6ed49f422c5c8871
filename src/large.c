/* large.c - large blocks: mappings of their own, and the cache of freed
 * ones. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "glue.h"
#include "large.h"
#include "lifecycle.h"
#include "os.h"
#include "sizeclass.h"
#include "tools.h"

struct jm_extent {
	char *addr;
	size_t len;
	uint64_t since; /* ms when it became free */
};

/* The large-block layer's state, under JM_LOCK_LARGE. */
static struct {
	struct jm_extent ext[JM_LARGE_SLOTS]; /* free extents by address */
	size_t n;
	size_t cached;	 /* bytes of the extents */
	size_t live;	 /* bytes of blocks in use */
	size_t peak;	 /* the most bytes ever in use */
	size_t returned; /* bytes unmapped from the cache */
} jm_large;

/* Unmap extent i and drop it. */
static size_t jm_extent_drop(size_t i)
{
	struct jm_extent *e = &jm_large.ext[i];
	size_t len = e->len;

	if (jm_os_unmap(e->addr, len) != 0)
		return 0; /* keep it: still ours */
	jm_large.cached -= len;
	jm_large.returned += len;
	memmove(e, e + 1, (jm_large.n - i - 1) * sizeof(*e));
	jm_large.n--;
	return len;
}

/* The oldest extent (n > 0). */
static size_t jm_extent_oldest(void)
{
	size_t i, old = 0;

	for (i = 1; i < jm_large.n; i++)
		if (jm_large.ext[i].since < jm_large.ext[old].since)
			old = i;
	return old;
}

/* Keep the cache within its bounds, and drop what has aged. */
static void jm_large_prune(uint64_t now)
{
	size_t bound = jm_large.peak > JM_LARGE_CACHE_MIN ? jm_large.peak
							  : JM_LARGE_CACHE_MIN;
	long decay = jm_life_decay_ms();
	size_t i;

	while (jm_large.cached > bound && jm_large.n != 0)
		if (jm_extent_drop(jm_extent_oldest()) == 0)
			break;
	if (decay < 0)
		return;
	for (i = jm_large.n; i-- > 0;)
		if (now - jm_large.ext[i].since >= (uint64_t)decay)
			(void)jm_extent_drop(i);
}

/* Index of the first extent whose address is above p. */
static size_t jm_extent_after(const char *p)
{
	size_t lo = 0, hi = jm_large.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (jm_large.ext[mid].addr <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Put [p, p + len) in the cache, merged with its neighbours. */
static void jm_extent_put(char *p, size_t len, uint64_t now)
{
	size_t i = jm_extent_after(p);
	struct jm_extent *prev = i > 0 ? &jm_large.ext[i - 1] : NULL;
	struct jm_extent *next = i < jm_large.n ? &jm_large.ext[i] : NULL;

	jm_large.cached += len;
	/* A merged extent keeps the older date: the part of it that has
	 * been idle must still age out. */
	if (prev != NULL && prev->addr + prev->len == p) {
		prev->len += len;
		if (next != NULL && p + len == next->addr) {
			prev->len += next->len;
			if (next->since < prev->since)
				prev->since = next->since;
			memmove(next, next + 1, (jm_large.n - i - 1) * sizeof(*next));
			jm_large.n--;
		}
		return;
	}
	if (next != NULL && p + len == next->addr) {
		next->addr = p;
		next->len += len;
		return;
	}
	if (jm_large.n == JM_LARGE_SLOTS) {
		size_t old = jm_extent_oldest();

		if (jm_extent_drop(old) == 0) {
			/* No slot: give this one back instead. */
			jm_large.cached -= len;
			if (jm_os_unmap(p, len) == 0)
				jm_large.returned += len;
			return;
		}
		if (old < i)
			i--;
	}
	memmove(&jm_large.ext[i + 1], &jm_large.ext[i],
		(jm_large.n - i) * sizeof(jm_large.ext[0]));
	jm_large.ext[i].addr = p;
	jm_large.ext[i].len = len;
	jm_large.ext[i].since = now;
	jm_large.n++;
}

/* Take `len` bytes from the front of extent i. */
static char *jm_extent_take(size_t i, size_t len)
{
	struct jm_extent *e = &jm_large.ext[i];
	char *p = e->addr;

	jm_large.cached -= len;
	if (e->len == len) {
		memmove(e, e + 1, (jm_large.n - i - 1) * sizeof(*e));
		jm_large.n--;
	} else {
		e->addr += len;
		e->len -= len;
	}
	return p;
}

/*
 * Where extent e holds `len` bytes aligned to `align` (a power of two,
 * at least a page): the offset of that piece in it, or e->len when it
 * holds none.
 */
static size_t jm_extent_fit(const struct jm_extent *e, size_t len, size_t align)
{
	uintptr_t a = (uintptr_t)e->addr;
	size_t off = (size_t)(((a + (align - 1)) & ~(uintptr_t)(align - 1)) - a);

	return off < e->len && e->len - off >= len ? off : e->len;
}

/*
 * Take `len` bytes at offset `off` of extent i: the piece before them
 * stays in the cache, and so does the piece after them while there is a
 * slot for it (else it is unmapped).
 */
static char *jm_extent_take_at(size_t i, size_t off, size_t len)
{
	struct jm_extent *e = &jm_large.ext[i];
	char *p = e->addr + off, *rest = p + len;
	size_t rest_len = e->len - off - len;

	if (off == 0)
		return jm_extent_take(i, len);
	e->len = off;
	jm_large.cached -= len;
	if (rest_len == 0)
		return p;
	if (jm_large.n == JM_LARGE_SLOTS) {
		jm_large.cached -= rest_len;
		if (jm_os_unmap(rest, rest_len) == 0)
			jm_large.returned += rest_len;
		return p;
	}
	memmove(e + 2, e + 1, (jm_large.n - i - 1) * sizeof(*e));
	e[1].addr = rest;
	e[1].len = rest_len;
	e[1].since = e->since;
	jm_large.n++;
	return p;
}

/* 1 when large blocks get guard pages (JMALLOC_GUARD=1), read once. */
static int jm_large_guarded(void)
{
	static int guard = -1; /* not read yet */
	int g = __atomic_load_n(&guard, __ATOMIC_RELAXED);

	if (g < 0) {
		g = (int)jm_os_env_long(JM_GUARD_ENV, 0, 0, 1);
		__atomic_store_n(&guard, g, __ATOMIC_RELAXED);
	}
	return g;
}

/*
 * A block of len bytes (whole pages) between two guard pages, aligned to
 * `align` when that is more than a page (the caller checked that the
 * lead, align - page, fits before JM_REQUEST_MAX with len), or NULL.
 */
static void *jm_guard_map(size_t len, size_t page, size_t align)
{
	size_t lead = align > page ? align - page : 0;
	char *base;

	if (2 * page > JM_REQUEST_MAX - len - lead) {
		errno = ENOMEM;
		return NULL;
	}
	if (lead == 0) {
		base = jm_os_map(len + 2 * page);
	} else {
		/* The block at base + align, its guard pages beside it. */
		base = jm_os_map_aligned(lead + len + 2 * page, align);
		if (base != NULL) {
			(void)jm_os_unmap(base, lead);
			base += lead;
		}
	}
	if (base == NULL)
		return NULL;
	if (jm_os_guard(base, page) != 0 || jm_os_guard(base + page + len, page) != 0) {
		(void)jm_os_unmap(base, len + 2 * page);
		errno = ENOMEM;
		return NULL;
	}
	JM_TOOL_OPEN(base + page, len);
	return base + page;
}

static void jm_large_count(size_t len)
{
	jm_large.live += len;
	if (jm_large.live > jm_large.peak)
		jm_large.peak = jm_large.live;
}

void *jm_large_alloc(size_t size, size_t align, int zero)
{
	size_t page = jm_os_page_size();
	size_t len = jm_large_len(size, page);
	size_t i, best = JM_LARGE_SLOTS, off = 0;
	char *p = NULL;

	if (align < page)
		align = page;
	if (len == 0 || align - page > JM_REQUEST_MAX - len) {
		errno = ENOMEM;
		return NULL;
	}
	if (jm_large_guarded()) {
		p = jm_guard_map(len, page, align); /* zero-filled */
		if (p != NULL) {
			jm_lock(JM_LOCK_LARGE);
			jm_large_count(len);
			jm_unlock(JM_LOCK_LARGE);
		}
		return p;
	}
	jm_lock(JM_LOCK_LARGE);
	jm_large_prune(jm_os_now_ms());
	for (i = 0; i < jm_large.n; i++) {
		struct jm_extent *e = &jm_large.ext[i];
		size_t at = align == page ? 0 : jm_extent_fit(e, len, align);

		if (e->len >= len && at != e->len &&
		    (best == JM_LARGE_SLOTS || e->len < jm_large.ext[best].len)) {
			best = i;
			off = at;
		}
	}
	if (best != JM_LARGE_SLOTS) {
		p = jm_extent_take_at(best, off, len);
		jm_large_count(len);
	}
	jm_unlock(JM_LOCK_LARGE);
	if (p != NULL) {
		JM_TOOL_OPEN(p, len);
		return zero ? memset(p, 0, size) : p;
	}
	/* Zero-filled. */
	p = align == page ? jm_os_map(len) : jm_os_map_aligned(len, align);
	if (p == NULL) {
		/* Out of memory: the cache's mappings first. */
		if (jm_large_trim() == 0)
			return NULL;
		p = align == page ? jm_os_map(len) : jm_os_map_aligned(len, align);
		if (p == NULL)
			return NULL;
	}
	/* A checker may still have a mapping once unmapped at this address
	 * closed (tools.h). */
	JM_TOOL_OPEN(p, len);
	jm_lock(JM_LOCK_LARGE);
	jm_large_count(len);
	jm_unlock(JM_LOCK_LARGE);
	return p;
}

void jm_large_free(void *ptr, size_t size)
{
	size_t len = jm_large_len(size, jm_os_page_size());
	uint64_t now;

	if (len == 0)
		return;
	if (jm_large_guarded()) {
		size_t page = jm_os_page_size();

		jm_lock(JM_LOCK_LARGE);
		jm_large.live -= len < jm_large.live ? len : jm_large.live;
		if (jm_os_unmap((char *)ptr - page, len + 2 * page) == 0)
			jm_large.returned += len;
		jm_unlock(JM_LOCK_LARGE);
		return;
	}
	now = jm_os_now_ms();
	jm_lock(JM_LOCK_LARGE);
	jm_large.live -= len < jm_large.live ? len : jm_large.live;
	jm_extent_put(ptr, len, now);
	jm_large_prune(now);
	jm_unlock(JM_LOCK_LARGE);
}

/* Grow the block at ptr from old_len to new_len with the cached extent
 * right after it, if there is one large enough; 1 when done. */
static int jm_large_grow_in_place(char *ptr, size_t old_len, size_t new_len)
{
	size_t i;
	int done = 0;

	jm_lock(JM_LOCK_LARGE);
	i = jm_extent_after(ptr);
	if (i < jm_large.n && jm_large.ext[i].addr == ptr + old_len &&
	    jm_large.ext[i].len >= new_len - old_len) {
		(void)jm_extent_take(i, new_len - old_len);
		jm_large_count(new_len - old_len);
		done = 1;
	}
	jm_unlock(JM_LOCK_LARGE);
	if (done)
		JM_TOOL_OPEN(ptr + old_len, new_len - old_len);
	return done;
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size,
		       size_t align)
{
	size_t page = jm_os_page_size(), old_len, new_len;
	void *p;

	if (jm_large_lens(old_size, new_size, page, &old_len, &new_len) != 0)
		return NULL;
	if (new_len == old_len)
		return ptr;
	if (jm_large_guarded()) /* the guard page stays right after a block */
		return jm_large_move(ptr, old_size, new_size, align);
	if (new_len < old_len) {
		/* The tail goes to the cache: a free of its own. */
		jm_large_free((char *)ptr + new_len, old_len - new_len);
		return ptr;
	}
	if (jm_large_grow_in_place(ptr, old_len, new_len))
		return ptr;
	/* A remapped block is aligned to a page only. */
	if (align <= page && jm_os_can_grow()) {
		p = jm_os_remap(ptr, old_len, new_len);
		if (p != NULL) {
			JM_TOOL_OPEN(p, new_len);
			jm_lock(JM_LOCK_LARGE);
			jm_large_count(new_len - old_len);
			jm_unlock(JM_LOCK_LARGE);
			return p;
		}
	}
	/* No remapping (or it failed, as for a block that spans two
	 * mappings): a new block and a copy. */
	return jm_large_move(ptr, old_size, new_size, align);
}

size_t jm_large_trim(void)
{
	size_t bytes = 0;

	jm_lock(JM_LOCK_LARGE);
	while (jm_large.n != 0) {
		size_t len = jm_extent_drop(jm_large.n - 1);

		if (len == 0)
			break;
		bytes += len;
	}
	jm_unlock(JM_LOCK_LARGE);
	return bytes;
}

void jm_large_stats(struct jm_large_stats *st)
{
	jm_lock(JM_LOCK_LARGE);
	st->live = jm_large.live;
	st->cached = jm_large.cached;
	st->returned = jm_large.returned;
	jm_unlock(JM_LOCK_LARGE);
}
