/*
 * debug.c - the checked path: the checking mode and the announcements to
 * memory checkers.
 *
 * Checking mode (JMALLOC_CHECK=1): a table, keyed by address, holds every
 * block handed out with the size asked for and whether it is live or
 * freed.  jmfree() and jmrealloc() look the block up and stop the program
 * with one line on stderr when the pointer was never handed out, when the
 * block was already freed, or when the size is outside [asked, usable].
 * A freed block of up to 1 MiB is filled with JM_FREE_FILL over its whole
 * usable size, then the allocator writes its links into its first
 * JM_MIN_SIZE bytes; the fill past those is checked when the block is
 * handed out again, and a changed byte stops the program as a write after
 * free.  When the table cannot grow, an allocation fails with ENOMEM as it
 * would without the checking mode: only a misuse stops the program.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "debug.h"
#include "glue.h"
#include "large.h"
#include "local.h"
#include "os.h"
#include "region.h"
#include "report.h"
#include "sizeclass.h"
#include "tools.h"

#define JM_FREE_FILL 0xdf

struct jm_ctl jm_ctl; /* JM_CTL_UNSET, small_max 0: the first call reads */

/*
 * A table entry: the block's address, whose four low bits (blocks are
 * 16-byte aligned) hold its state, and the size asked for.  EMPTY is a
 * slot never used.  GONE: a freed block whose span went back to the span
 * pool, so that its memory may serve another class: no fill to check when
 * it is handed out again.
 */
enum { JM_ENTRY_EMPTY = 0, JM_ENTRY_LIVE, JM_ENTRY_FREED, JM_ENTRY_GONE };
/* Also in the low bits: the block is of a jmheap (region.h). */
#define JM_ENTRY_HEAP 8u
#define JM_ENTRY_STATE ((uintptr_t)15)

struct jm_entry {
	uintptr_t key; /* address | state */
	size_t size;   /* as asked for */
};

JM_STATIC_ASSERT(JM_MIN_SIZE > JM_ENTRY_STATE, "block addresses leave the state bits free");

static struct {
	int checking; /* JMALLOC_CHECK=1 */
	int tools;    /* a memory checker is watching */
	struct jm_entry *tab;
	size_t cap; /* a power of two, or 0 */
	size_t used;
} jm_dbg;

static void jm_dbg_lock(void)
{
	jm_lock(JM_LOCK_DEBUG);
}

static void jm_dbg_unlock(void)
{
	jm_unlock(JM_LOCK_DEBUG);
}

static void jm_forget_span(void *span, size_t blocks, size_t size);

int jm_debug_init(void)
{
	int on;

	jm_dbg_lock();
	if (jm_ctl.state == JM_CTL_UNSET) {
		const char *e = getenv("JMALLOC_CHECK");

		jm_dbg.checking = e != NULL && strcmp(e, "1") == 0;
		jm_dbg.tools = jm_tools_active();
		on = jm_dbg.checking || jm_dbg.tools;
		if (jm_dbg.checking)
			jm_arena_set_hook(jm_forget_span);
		__atomic_store_n(&jm_ctl.small_max, on ? 0 : JM_SMALL_MAX,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&jm_ctl.state, on ? JM_CTL_CHECKED : JM_CTL_FAST,
				 __ATOMIC_RELEASE);
	}
	on = jm_ctl.state == JM_CTL_CHECKED;
	jm_dbg_unlock();
	return on;
}

/* --- The table of blocks --------------------------------------------------- */

static size_t jm_slot(uintptr_t addr, size_t cap)
{
	uint64_t h = (uint64_t)(addr >> 4) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 17) & (cap - 1);
}

static unsigned jm_state(const struct jm_entry *e)
{
	return (unsigned)(e->key & 3u);
}

/* 1 when the block of entry e is of a jmheap. */
static int jm_of_heap(const struct jm_entry *e)
{
	return (e->key & JM_ENTRY_HEAP) != 0;
}

static void jm_set(struct jm_entry *e, uintptr_t addr, unsigned state)
{
	e->key = addr | state;
}

/* The entry of addr, or the empty slot where it would go (cap != 0). */
static struct jm_entry *jm_find(uintptr_t addr)
{
	size_t i = jm_slot(addr, jm_dbg.cap);

	while (jm_dbg.tab[i].key != 0 && (jm_dbg.tab[i].key & ~JM_ENTRY_STATE) != addr)
		i = (i + 1) & (jm_dbg.cap - 1);
	return &jm_dbg.tab[i];
}

/* Bytes of the mapping of a table of cap entries (0: too large). */
static size_t jm_table_bytes(size_t cap)
{
	if (cap > SIZE_MAX / sizeof(struct jm_entry))
		return 0;
	return jm_large_round(cap * sizeof(struct jm_entry), jm_os_page_size());
}

/*
 * With the lock held: room for one more entry.  The table doubles once
 * three quarters of it are used; when it cannot (no memory), it goes on
 * filling up to fifteen sixteenths, or when `must`, up to all but one
 * slot (for a block that a realloc has already moved).  0, or -1 when
 * there is no room.
 */
static int jm_table_room(int must)
{
	struct jm_entry *old = jm_dbg.tab, *tab;
	size_t old_cap = jm_dbg.cap, cap = old_cap ? 2 * old_cap : 4096, i;
	size_t len = jm_table_bytes(cap);

	if (4 * (jm_dbg.used + 1) <= 3 * old_cap)
		return 0;
	tab = len != 0 ? jm_os_map(len) : NULL;
	if (tab == NULL) {
		if (must)
			return jm_dbg.used + 2 <= old_cap ? 0 : -1;
		return 16 * (jm_dbg.used + 1) <= 15 * old_cap ? 0 : -1;
	}
	jm_dbg.tab = tab;
	jm_dbg.cap = cap;
	for (i = 0; i < old_cap; i++) {
		if (old[i].key != 0)
			*jm_find(old[i].key & ~JM_ENTRY_STATE) = old[i];
	}
	if (old != NULL)
		(void)jm_os_unmap(old, jm_table_bytes(old_cap));
	return 0;
}

/*
 * Record block p handed out with `size` bytes asked for (`heap`: of a
 * jmheap, JM_ENTRY_HEAP, or 0); first check the fill of a freed block
 * handed out again.  0, or -1 when p needs a new entry and the table has
 * no room for it (jm_table_room()).
 */
static int jm_track_alloc(const char *fn, void *p, size_t size, int must,
			  unsigned heap)
{
	struct jm_entry *e;

	jm_dbg_lock();
	e = jm_dbg.cap != 0 ? jm_find((uintptr_t)p) : NULL;
	if (e == NULL || jm_state(e) == JM_ENTRY_EMPTY) {
		if (jm_table_room(must) != 0) {
			jm_dbg_unlock();
			return -1;
		}
		e = jm_find((uintptr_t)p); /* the table may have grown */
		jm_dbg.used++;
	} else if (jm_state(e) == JM_ENTRY_FREED && jm_is_small(e->size)) {
		const unsigned char *c = p;
		size_t usable = jm_class_size(jm_class_of_small(e->size)), i;

		/* All bytes equal the fill iff the first does and each equals
		 * the next; memcmp finds a change fast, then find its byte. */
		if (usable > JM_MIN_SIZE &&
		    (c[JM_MIN_SIZE] != JM_FREE_FILL ||
		     memcmp(c + JM_MIN_SIZE, c + JM_MIN_SIZE + 1,
			    usable - JM_MIN_SIZE - 1) != 0)) {
			for (i = JM_MIN_SIZE; c[i] == JM_FREE_FILL; i++)
				;
			jm_report("%s(%zu): write after free: byte %zu of the "
				  "block at %p was changed after that block "
				  "of %zu bytes was freed",
				  fn, size, i, p, e->size);
		}
	}
	jm_set(e, (uintptr_t)p, JM_ENTRY_LIVE | heap);
	e->size = size;
	jm_dbg_unlock();
	return 0;
}

enum jm_track_action {
	JM_CHECK_ONLY, /* check the size given, change nothing */
	JM_MARK_FREED, /* check, then the block is freed */
	JM_RESIZE      /* check, then the block has new_size bytes */
};

/* Check a block given back with `size` to r (NULL: to the global
 * allocator), then do `act`. */
static void jm_track_free(const char *fn, struct jm_region *r, void *p,
			  size_t size, enum jm_track_action act, size_t new_size)
{
	struct jm_entry *e;
	size_t usable;

	jm_dbg_lock();
	e = jm_dbg.cap != 0 ? jm_find((uintptr_t)p) : NULL;
	if (e == NULL || jm_state(e) == JM_ENTRY_EMPTY)
		jm_report("%s(%p, %zu): the pointer was not allocated by "
			  "jmalloc", fn, p, size);
	if (jm_state(e) == JM_ENTRY_FREED || jm_state(e) == JM_ENTRY_GONE)
		jm_report("%s(%p, %zu): double free: the block of %zu bytes "
			  "was already freed", fn, p, size, e->size);
	if (r == NULL && jm_of_heap(e))
		jm_report("%s(%p, %zu): the block is of a jmheap: give it back "
			  "with jmheap_free", fn, p, size);
	if (r != NULL && !jm_of_heap(e))
		jm_report("%s(%p, %zu): the block is not of a jmheap: it came "
			  "from jmalloc", fn, p, size);
	if (r != NULL && !jm_region_holds(r, p, 1))
		jm_report("%s(%p, %zu): the block is of another jmheap than "
			  "%p", fn, p, size, (void *)r);
	usable = jm_usable_size(e->size, jm_os_page_size());
	if (size < e->size || size > usable)
		jm_report("%s(%p, %zu): wrong size: the block has %zu bytes "
			  "(usable %zu), so the size must be from %zu to %zu",
			  fn, p, size, e->size, usable, e->size, usable);
	if (act == JM_MARK_FREED)
		jm_set(e, (uintptr_t)p, JM_ENTRY_FREED | (unsigned)(e->key & JM_ENTRY_HEAP));
	else if (act == JM_RESIZE)
		e->size = new_size;
	jm_dbg_unlock();
}

/* The span pool takes a span back (arena.h): forget the fill of its freed
 * blocks.  Called with the pool locked, which is taken before this lock. */
static void jm_forget_span(void *span, size_t blocks, size_t size)
{
	size_t i;

	jm_dbg_lock();
	for (i = 0; i < blocks && jm_dbg.cap != 0; i++) {
		struct jm_entry *e = jm_find((uintptr_t)span + i * size);

		if (jm_state(e) == JM_ENTRY_FREED)
			jm_set(e, (uintptr_t)span + i * size, JM_ENTRY_GONE);
	}
	jm_dbg_unlock();
}

/* A jmheap is made on [mem, mem + len), which its caller may have used
 * before, for another heap or anything else: forget what the table knows
 * of blocks there (GONE: no fill to check when handed out again). */
void jm_debug_heap_create(void *mem, size_t len)
{
	uintptr_t lo = (uintptr_t)mem, hi = lo + len;
	size_t i;

	if (!jm_dbg.checking)
		return;
	jm_dbg_lock();
	for (i = 0; i < jm_dbg.cap; i++) {
		struct jm_entry *e = &jm_dbg.tab[i];
		uintptr_t a = e->key & ~JM_ENTRY_STATE;

		if (e->key != 0 && a >= lo && a < hi)
			jm_set(e, a, JM_ENTRY_GONE | (unsigned)(e->key & JM_ENTRY_HEAP));
	}
	jm_dbg_unlock();
}

/* --- The checked entry points ---------------------------------------------- */

/* A block for the checked path, from r (NULL: the global allocator's,
 * opened to the allocator itself over its usable size; a jmheap's memory
 * is the caller's, not closed to checkers): the first step of
 * jm_debug_alloc_from(). */
static void *jm_debug_take(struct jm_region *r, size_t size, int zero, size_t usable)
{
	void *p;

	if (r != NULL)
		return jm_region_alloc(r, size, zero);
	if (!jm_is_small(size))
		return jm_local_large_alloc(size, zero);
	p = jm_local_alloc_checked(jm_class_of_small(size));
	if (p != NULL)
		JM_TOOL_OPEN(p, usable);
	return p;
}

/* Give back a block from jm_debug_take() that was never handed out. */
static void jm_debug_untake(struct jm_region *r, void *p, size_t size, size_t usable)
{
	if (r != NULL) {
		jm_region_free(r, p, size);
	} else if (jm_is_small(size)) {
		jm_local_free(p, jm_class_of_small(size));
		JM_TOOL_CLOSE(p, usable);
	} else {
		if (jm_dbg.tools)
			JM_ASAN_CLOSE(p, usable);
		jm_local_large_free(p, size);
	}
}

/* jm_debug_alloc() from r (NULL: the global allocator). */
static void *jm_debug_alloc_from(struct jm_region *r, size_t size, int zero)
{
	const char *fn = r != NULL ? (zero ? "jmheap_calloc" : "jmheap_alloc")
				   : (zero ? "jmcalloc" : "jmalloc");
	size_t usable = jm_usable_size(size, jm_os_page_size());
	int attempt;
	void *p;

	if (usable == 0) {
		errno = ENOMEM;
		return NULL;
	}
	for (attempt = 0;; attempt++) {
		p = jm_debug_take(r, size, zero, usable);
		if (p == NULL)
			return NULL;
		if (!jm_dbg.checking ||
		    jm_track_alloc(fn, p, size, 0, r != NULL ? JM_ENTRY_HEAP : 0) == 0)
			break;
		/* No room in the table: the block goes back; once more after
		 * free memory has gone back to the system, else ENOMEM. */
		jm_debug_untake(r, p, size, usable);
		if (attempt == 1) {
			errno = ENOMEM;
			return NULL;
		}
		(void)jm_local_trim();
		(void)jm_large_trim();
	}
	if (zero && jm_is_small(size))
		memset(p, 0, size);
	if (jm_dbg.tools && r == NULL)
		JM_TOOL_ALLOC(p, size, usable, zero);
	return p;
}

void *jm_debug_alloc(size_t size, int zero)
{
	return jm_debug_alloc_from(NULL, size, zero);
}

void *jm_debug_heap_alloc(struct jm_region *r, size_t size, int zero)
{
	return jm_debug_alloc_from(r, size, zero);
}

/* Free to r (NULL: the global allocator) without the checks of the table
 * (done by the caller). */
static void jm_debug_release(struct jm_region *r, void *ptr, size_t size)
{
	size_t usable = jm_usable_size(size, jm_os_page_size());

	if (usable == 0)
		return; /* as jmfree(): no block has that size */
	if (r != NULL) {
		if (jm_dbg.checking && jm_is_small(size))
			memset(ptr, JM_FREE_FILL, usable);
		jm_region_free(r, ptr, size);
	} else if (jm_is_small(size)) {
		if (jm_dbg.checking) {
			JM_TOOL_OPEN(ptr, usable);
			memset(ptr, JM_FREE_FILL, usable);
		}
		if (jm_dbg.tools)
			JM_TOOL_FREE(ptr, usable);
		JM_TOOL_OPEN(ptr, sizeof(struct jm_block));
		jm_local_free(ptr, jm_class_of_small(size));
		JM_TOOL_CLOSE(ptr, sizeof(struct jm_block));
	} else {
		if (jm_dbg.tools) {
			JM_VG_FREE(ptr);
			JM_ASAN_CLOSE(ptr, usable);
		}
		jm_local_large_free(ptr, size);
	}
}

/* jm_debug_free() to r (NULL: the global allocator). */
static void jm_debug_free_to(struct jm_region *r, void *ptr, size_t size)
{
	int saved = errno;

	if (ptr == NULL)
		return;
	if (jm_dbg.checking)
		jm_track_free(r != NULL ? "jmheap_free" : "jmfree", r, ptr, size,
			      JM_MARK_FREED, 0);
	jm_debug_release(r, ptr, size);
	errno = saved;
}

void jm_debug_free(void *ptr, size_t size)
{
	jm_debug_free_to(NULL, ptr, size);
}

void jm_debug_heap_free(struct jm_region *r, void *ptr, size_t size)
{
	jm_debug_free_to(r, ptr, size);
}

void *jm_debug_heap_realloc(struct jm_region *r, void *ptr, size_t old_size,
			    size_t new_size)
{
	void *p;

	if (ptr == NULL)
		return jm_debug_alloc_from(r, new_size, 0);
	if (jm_dbg.checking)
		jm_track_free("jmheap_realloc", r, ptr, old_size, JM_CHECK_ONLY, 0);
	if (jm_resize_kind(old_size, new_size) != JM_RESIZE_MOVE) {
		/* The same block, or a large one resized, as without checks. */
		p = jm_resize_kind(old_size, new_size) == JM_RESIZE_KEEP
			    ? ptr : jm_region_realloc(r, ptr, old_size, new_size);
		if (p == NULL || !jm_dbg.checking)
			return p;
		if (p == ptr) {
			jm_track_free("jmheap_realloc", r, ptr, old_size, JM_RESIZE,
				      new_size);
		} else {
			jm_track_free("jmheap_realloc", r, ptr, old_size,
				      JM_MARK_FREED, 0);
			/* The block has moved: its entry must go in. */
			(void)jm_track_alloc("jmheap_realloc", p, new_size, 1,
					     JM_ENTRY_HEAP);
		}
		return p;
	}
	/* Else a new block and a copy, so that the old one is checked and
	 * filled as freed. */
	p = jm_debug_alloc_from(r, new_size, 0);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jm_debug_free_to(r, ptr, old_size);
	return p;
}

/*
 * Announce to checkers that the block at old is now at p (perhaps the
 * same address) with new_size bytes, of which the first
 * min(old_size, new_size) came along.  Memcheck's resize request needs
 * the size it recorded, which the size given may exceed, so the block is
 * freed and allocated again for it instead.
 */
static void jm_tools_moved(void *old, size_t old_size, void *p,
			   size_t new_size, size_t usable)
{
	size_t keep = old_size < new_size ? old_size : new_size;

	JM_VG_FREE(old);
	JM_TOOL_ALLOC(p, new_size, usable, 0);
	JM_VG_OPEN(p, keep);
}

void *jm_debug_realloc(void *ptr, size_t old_size, size_t new_size)
{
	size_t page = jm_os_page_size();
	size_t usable = jm_usable_size(new_size, page);
	size_t keep = old_size < new_size ? old_size : new_size;
	void *p;

	if (ptr == NULL)
		return jm_debug_alloc(new_size, 0);
	if (usable == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (jm_dbg.checking)
		jm_track_free("jmrealloc", NULL, ptr, old_size, JM_CHECK_ONLY, 0);
	if (usable == jm_usable_size(old_size, page) ||
	    (!jm_is_small(old_size) && !jm_is_small(new_size))) {
		/* The same block, or a large one remapped, as without checks. */
		p = usable == jm_usable_size(old_size, page)
			    ? ptr : jm_local_large_realloc(ptr, old_size, new_size);
		if (p == NULL)
			return NULL;
		if (jm_dbg.checking) {
			if (p == ptr) {
				jm_track_free("jmrealloc", NULL, ptr, old_size,
					      JM_RESIZE, new_size);
			} else {
				jm_track_free("jmrealloc", NULL, ptr, old_size,
					      JM_MARK_FREED, 0);
				/* The block has moved: its entry must go in. */
				(void)jm_track_alloc("jmrealloc", p, new_size, 1, 0);
			}
		}
		if (jm_dbg.tools)
			jm_tools_moved(ptr, old_size, p, new_size, usable);
		return p;
	}
	p = jm_debug_alloc(new_size, 0);
	if (p == NULL)
		return NULL;
	/* The slack of the old block may be part of old_size. */
	JM_TOOL_OPEN(ptr, keep);
	memcpy(p, ptr, keep);
	if (jm_dbg.checking)
		jm_track_free("jmrealloc", NULL, ptr, old_size, JM_MARK_FREED, 0);
	jm_debug_release(NULL, ptr, old_size);
	return p;
}
