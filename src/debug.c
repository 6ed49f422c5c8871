/*
 * debug.c - the checked path: the checking mode and the announcements to
 * memory checkers.
 *
 * Checking mode (JMALLOC_CHECK=1): a table, keyed by address, holds every
 * block handed out with the size (and the alignment) asked for and
 * whether it is live or freed.  The frees and resizes look the block up
 * and stop the program with one line on stderr when the pointer was never
 * handed out, when the block was already freed, when the alignment given
 * is not the one it was allocated with (an alignment of up to JM_MIN_SIZE
 * counting as none), or when the size is outside [asked, usable].
 * A freed block of up to 1 MiB is filled with JM_FREE_FILL over its whole
 * usable size, then the allocator writes its links into its first
 * JM_MIN_SIZE bytes; the fill past those is checked when the block is
 * handed out again, and a changed byte stops the program as a write after
 * free.  When the table cannot grow, an allocation fails with ENOMEM as it
 * would without the checking mode, and so does a resize that would move a
 * block: only a misuse stops the program.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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
 * 16-byte aligned) hold its state, the size asked for, and the alignment
 * asked for from an aligned function (0 from the others).  EMPTY is a
 * slot never used.  GONE: a freed block whose span went back to the span
 * pool or to a heap's free memory (region.h), or that lies in memory a
 * heap was made on, so that its memory may have served anything since:
 * no fill to check when it is handed out again.  Nor is the fill of a
 * freed block checked when the block handed out at its address is of the
 * other kind (of a heap, or of the global allocator): that memory has
 * changed hands since.
 */
enum { JM_ENTRY_EMPTY = 0, JM_ENTRY_LIVE, JM_ENTRY_FREED, JM_ENTRY_GONE };
/* Also in the low bits: the block is of a jmheap (region.h). */
#define JM_ENTRY_HEAP 8u
#define JM_ENTRY_STATE ((uintptr_t)15)

/* Sixteen bytes, so that the table of a program full of small blocks
 * stays small: the alignment goes in the top bits of the size, as one
 * plus its log2 (0: none).  No block has 2^58 bytes. */
#define JM_ENTRY_LG_SHIFT 58
#define JM_ENTRY_SIZE_MASK (((uint64_t)1 << JM_ENTRY_LG_SHIFT) - 1)

struct jm_entry {
	uintptr_t key;	  /* address | state */
	uint64_t size_lg; /* size asked for | (1 + log2 alignment) << 58 */
};

static size_t jm_entry_size(const struct jm_entry *e)
{
	return (size_t)(e->size_lg & JM_ENTRY_SIZE_MASK);
}

/* The alignment asked for: 0 when the block is not of an aligned call. */
static size_t jm_entry_align(const struct jm_entry *e)
{
	unsigned lg = (unsigned)(e->size_lg >> JM_ENTRY_LG_SHIFT);

	return lg != 0 ? (size_t)1 << (lg - 1) : 0;
}

/* Entry e's size and alignment (a power of two, or 0). */
static void jm_entry_put(struct jm_entry *e, size_t size, size_t align)
{
	uint64_t lg = 0;

	JM_ASSERT((uint64_t)size <= JM_ENTRY_SIZE_MASK);
	if (align != 0)
		for (lg = 1; ((size_t)1 << (lg - 1)) < align; lg++)
			;
	e->size_lg = (uint64_t)size | lg << JM_ENTRY_LG_SHIFT;
}

/* A call as the program made it, for the messages. */
struct jm_call {
	const char *fn;
	const void *ptr; /* NULL for an allocation */
	int aligned;	 /* fn takes an alignment: `align` */
	size_t align, size;
	struct jm_region *heap; /* a jmheap's call: its heap; else NULL */
};

/* The call's text: fn([ptr, ][align, ]size). */
static const char *jm_call_text(const struct jm_call *c, char *buf, size_t len)
{
	if (c->ptr == NULL && c->aligned)
		snprintf(buf, len, "%s(%zu, %zu)", c->fn, c->align, c->size);
	else if (c->ptr == NULL)
		snprintf(buf, len, "%s(%zu)", c->fn, c->size);
	else if (c->aligned)
		snprintf(buf, len, "%s(%p, %zu, %zu)", c->fn, c->ptr, c->align, c->size);
	else
		snprintf(buf, len, "%s(%p, %zu)", c->fn, c->ptr, c->size);
	return buf;
}

/* The alignment a block of alignment `align` (0: none) is served with. */
static size_t jm_served_align(size_t align)
{
	return align > JM_MIN_SIZE ? align : JM_MIN_SIZE;
}

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
		if (jm_dbg.checking) {
			jm_arena_set_hook(jm_forget_span);
			jm_region_set_hook(jm_forget_span);
		}
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
 * Record block p handed out by call c with `size` bytes and alignment
 * `align` (0: none) asked for; first check the fill of a freed block
 * handed out again.  0, or -1 when p needs a new entry and the table has
 * no room for it (jm_table_room()).
 */
static int jm_track_alloc(const struct jm_call *c, void *p, size_t size,
			  size_t align, int must)
{
	struct jm_entry *e;
	char call[128];

	jm_dbg_lock();
	e = jm_dbg.cap != 0 ? jm_find((uintptr_t)p) : NULL;
	if (e == NULL || jm_state(e) == JM_ENTRY_EMPTY) {
		if (jm_table_room(must) != 0) {
			jm_dbg_unlock();
			return -1;
		}
		e = jm_find((uintptr_t)p); /* the table may have grown */
		jm_dbg.used++;
	} else if (jm_state(e) == JM_ENTRY_FREED && jm_of_heap(e) == (c->heap != NULL) &&
		   jm_aligned_is_small(jm_entry_size(e), jm_entry_align(e))) {
		/* (A freed block of the other kind is memory that changed
		 * hands since: a heap's memory freed, or a heap made on memory
		 * the allocator had used; its fill tells nothing.) */
		const unsigned char *b = p;
		size_t usable = jm_class_size(jm_class_of_aligned(jm_entry_size(e),
								  jm_entry_align(e))), i;

		/* All bytes equal the fill iff the first does and each equals
		 * the next; memcmp finds a change fast, then find its byte. */
		if (usable > JM_MIN_SIZE &&
		    (b[JM_MIN_SIZE] != JM_FREE_FILL ||
		     memcmp(b + JM_MIN_SIZE, b + JM_MIN_SIZE + 1,
			    usable - JM_MIN_SIZE - 1) != 0)) {
			for (i = JM_MIN_SIZE; b[i] == JM_FREE_FILL; i++)
				;
			jm_report("%s: write after free: byte %zu of the "
				  "block at %p was changed after that block "
				  "of %zu bytes was freed",
				  jm_call_text(c, call, sizeof(call)), i, p, jm_entry_size(e));
		}
	}
	jm_set(e, (uintptr_t)p, JM_ENTRY_LIVE | (c->heap != NULL ? JM_ENTRY_HEAP : 0));
	jm_entry_put(e, size, align);
	jm_dbg_unlock();
	return 0;
}

enum jm_track_action {
	JM_CHECK_ONLY, /* check the size given, change nothing */
	JM_MARK_FREED, /* check, then the block is freed */
	JM_RESIZE      /* check, then the block has new_size bytes */
};

/* Stop at block e given back by call c with an alignment it was not
 * allocated with. */
static void jm_wrong_align(const struct jm_call *c, const struct jm_entry *e,
			   size_t usable)
{
	char call[128];

	jm_call_text(c, call, sizeof(call));
	if (jm_entry_align(e) == 0)
		jm_report("%s: wrong alignment: the block of %zu bytes (usable "
			  "%zu) was allocated with no alignment: free it with "
			  "jmfree() or an alignment of at most %zu",
			  call, jm_entry_size(e), usable, (size_t)JM_MIN_SIZE);
	jm_report("%s: wrong alignment: the block of %zu bytes (usable %zu) "
		  "was allocated with alignment %zu: give jmfree_aligned() or "
		  "jmrealloc_aligned() that alignment",
		  call, jm_entry_size(e), usable, jm_entry_align(e));
}

/* Check the block that call c gives back, then do `act`. */
static void jm_track_free(const struct jm_call *c, enum jm_track_action act,
			  size_t new_size)
{
	void *p = (void *)(uintptr_t)c->ptr;
	struct jm_entry *e;
	size_t usable, size, align, given = c->aligned ? c->align : 0;
	char call[128];

	jm_dbg_lock();
	e = jm_dbg.cap != 0 ? jm_find((uintptr_t)p) : NULL;
	if (e == NULL || jm_state(e) == JM_ENTRY_EMPTY)
		jm_report("%s: the pointer was not allocated by jmalloc",
			  jm_call_text(c, call, sizeof(call)));
	size = jm_entry_size(e);
	align = jm_entry_align(e);
	if (jm_state(e) == JM_ENTRY_FREED || jm_state(e) == JM_ENTRY_GONE)
		jm_report("%s: double free: the block of %zu bytes "
			  "was already freed", jm_call_text(c, call, sizeof(call)),
			  size);
	if (c->heap == NULL && jm_of_heap(e))
		jm_report("%s: the block is of a jmheap: give it back with "
			  "jmheap_free", jm_call_text(c, call, sizeof(call)));
	if (c->heap != NULL && !jm_of_heap(e))
		jm_report("%s: the block is not of a jmheap: it came from "
			  "jmalloc", jm_call_text(c, call, sizeof(call)));
	if (c->heap != NULL && !jm_region_holds(c->heap, p, 1))
		jm_report("%s: the block is of another jmheap than %p",
			  jm_call_text(c, call, sizeof(call)), (void *)c->heap);
	usable = jm_usable_size_aligned(size, align, jm_os_page_size());
	if ((c->aligned && !jm_align_valid(given)) ||
	    jm_served_align(given) != jm_served_align(align))
		jm_wrong_align(c, e, usable);
	if (c->size < size || c->size > usable) {
		jm_call_text(c, call, sizeof(call));
		if (align != 0)
			jm_report("%s: wrong size: the block has %zu bytes with "
				  "alignment %zu (usable %zu), so the size must be "
				  "from %zu to %zu", call, size, align,
				  usable, size, usable);
		jm_report("%s: wrong size: the block has %zu bytes "
			  "(usable %zu), so the size must be from %zu to %zu",
			  call, size, usable, size, usable);
	}
	if (act == JM_MARK_FREED)
		jm_set(e, (uintptr_t)p, JM_ENTRY_FREED | (unsigned)(e->key & JM_ENTRY_HEAP));
	else if (act == JM_RESIZE)
		jm_entry_put(e, new_size, align);
	jm_dbg_unlock();
}

/* The span pool takes a span back (arena.h), or a heap's span goes back
 * to its free memory (region.h): forget the fill of its freed blocks.
 * Called with the pool locked, which is taken before this lock. */
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
 * before, for another heap or anything else: forget the fill of the freed
 * blocks there (GONE: no fill to check when handed out again).  A live
 * block there stays live: the memory may be a block of jmalloc's or of
 * another heap, which the program frees when it is done with this heap. */
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

		if (jm_state(e) == JM_ENTRY_FREED && a >= lo && a < hi)
			jm_set(e, a, JM_ENTRY_GONE | (unsigned)(e->key & JM_ENTRY_HEAP));
	}
	jm_dbg_unlock();
}

/* With the lock not held: 0 when the table has room for the entry of a
 * block that a resize is about to move, else -1 (the resize then fails
 * with ENOMEM instead of losing track of the block). */
static int jm_track_reserve(void)
{
	int rc;

	jm_dbg_lock();
	rc = jm_table_room(0);
	jm_dbg_unlock();
	return rc;
}

/* --- The checked entry points ---------------------------------------------- */

/*
 * Below, `align` is the alignment of the block's layout
 * (jm_usable_size_aligned()): 0, or up to JM_MIN_SIZE, for the blocks of
 * the unaligned functions.
 */

/* A block for the checked path, from r (NULL: the global allocator's,
 * opened to the allocator itself over its usable size; a jmheap's memory
 * is the caller's, not closed to checkers): the first step of
 * jm_debug_alloc_in(). */
static void *jm_debug_take(struct jm_region *r, size_t size, size_t align, int zero,
			   size_t usable)
{
	void *p;

	if (r != NULL) /* zeroed by the caller, after the fill is checked */
		return jm_region_alloc(r, size, 0);
	if (!jm_aligned_is_small(size, align))
		return jm_local_large_alloc(size, align, zero);
	p = jm_local_alloc_checked(jm_class_of_aligned(size, align));
	if (p != NULL)
		JM_TOOL_OPEN(p, usable);
	return p;
}

/* Give back a block from jm_debug_take() that was never handed out. */
static void jm_debug_untake(struct jm_region *r, void *p, size_t size, size_t align,
			    size_t usable)
{
	if (r != NULL) {
		jm_region_free(r, p, size);
	} else if (jm_aligned_is_small(size, align)) {
		jm_local_free(p, jm_class_of_aligned(size, align));
		JM_TOOL_CLOSE(p, usable);
	} else {
		if (jm_dbg.tools)
			JM_ASAN_CLOSE(p, usable);
		jm_local_large_free(p, size);
	}
}

/* An allocation by call c (the alignment it records: c->align when
 * c->aligned). */
static void *jm_debug_alloc_in(const struct jm_call *c, size_t align, int zero)
{
	size_t size = c->size;
	size_t usable = jm_usable_size_aligned(size, align, jm_os_page_size());
	int attempt;
	void *p;

	if (usable == 0) {
		errno = ENOMEM;
		return NULL;
	}
	for (attempt = 0;; attempt++) {
		p = jm_debug_take(c->heap, size, align, zero, usable);
		if (p == NULL)
			return NULL;
		if (!jm_dbg.checking ||
		    jm_track_alloc(c, p, size, c->aligned ? c->align : 0, 0) == 0)
			break;
		/* No room in the table: the block goes back; once more after
		 * free memory has gone back to the system, else ENOMEM. */
		jm_debug_untake(c->heap, p, size, align, usable);
		if (attempt == 1) {
			errno = ENOMEM;
			return NULL;
		}
		(void)jm_local_trim();
		(void)jm_large_trim();
	}
	if (zero && (c->heap != NULL || jm_is_small(size)))
		memset(p, 0, size);
	if (jm_dbg.tools && c->heap == NULL)
		JM_TOOL_ALLOC(p, size, usable, zero);
	return p;
}

void *jm_debug_alloc(size_t size, int zero)
{
	struct jm_call c = { zero ? "jmcalloc" : "jmalloc", NULL, 0, 0, size, NULL };

	return jm_debug_alloc_in(&c, 0, zero);
}

void *jm_debug_heap_alloc(struct jm_region *r, size_t size, int zero)
{
	struct jm_call c = { zero ? "jmheap_calloc" : "jmheap_alloc", NULL, 0, 0, size, r };

	return jm_debug_alloc_in(&c, 0, zero);
}

void *jm_debug_alloc_aligned(size_t align, size_t size)
{
	struct jm_call c = { "jmalloc_aligned", NULL, 1, align, size, NULL };

	return jm_debug_alloc_in(&c, align, 0);
}

/* Free to r (NULL: the global allocator) without the checks of the table
 * (done by the caller). */
static void jm_debug_release(struct jm_region *r, void *ptr, size_t size, size_t align)
{
	size_t usable = jm_usable_size_aligned(size, align, jm_os_page_size());

	if (usable == 0)
		return; /* as jmfree(): no block has that size */
	if (r != NULL) {
		if (jm_dbg.checking && jm_is_small(size))
			memset(ptr, JM_FREE_FILL, usable);
		jm_region_free(r, ptr, size);
	} else if (jm_aligned_is_small(size, align)) {
		if (jm_dbg.checking) {
			JM_TOOL_OPEN(ptr, usable);
			memset(ptr, JM_FREE_FILL, usable);
		}
		if (jm_dbg.tools)
			JM_TOOL_FREE(ptr, usable);
		JM_TOOL_OPEN(ptr, sizeof(struct jm_block));
		jm_local_free(ptr, jm_class_of_aligned(size, align));
		JM_TOOL_CLOSE(ptr, sizeof(struct jm_block));
	} else {
		if (jm_dbg.tools) {
			JM_VG_FREE(ptr);
			JM_ASAN_CLOSE(ptr, usable);
		}
		jm_local_large_free(ptr, size);
	}
}

/* The free of call c: checked, then released with the layout of `align`. */
static void jm_debug_free_in(const struct jm_call *c, size_t align)
{
	int saved = errno;
	void *ptr = (void *)(uintptr_t)c->ptr;

	if (ptr == NULL)
		return;
	if (jm_dbg.checking)
		jm_track_free(c, JM_MARK_FREED, 0);
	else if (c->aligned && !jm_align_valid(align))
		return; /* as jmfree_aligned(): nothing */
	jm_debug_release(c->heap, ptr, c->size, align);
	errno = saved;
}

void jm_debug_free(void *ptr, size_t size)
{
	struct jm_call c = { "jmfree", ptr, 0, 0, size, NULL };

	jm_debug_free_in(&c, 0);
}

void jm_debug_heap_free(struct jm_region *r, void *ptr, size_t size)
{
	struct jm_call c = { "jmheap_free", ptr, 0, 0, size, r };

	jm_debug_free_in(&c, 0);
}

void jm_debug_free_aligned(void *ptr, size_t align, size_t size)
{
	struct jm_call c = { "jmfree_aligned", ptr, 1, align, size, NULL };

	jm_debug_free_in(&c, align);
}

void *jm_debug_heap_realloc(struct jm_region *r, void *ptr, size_t old_size,
			    size_t new_size)
{
	struct jm_call c = { "jmheap_realloc", ptr, 0, 0, old_size, r };
	struct jm_call alloc = { "jmheap_realloc", NULL, 0, 0, new_size, r };
	void *p;

	if (ptr == NULL)
		return jm_debug_alloc_in(&alloc, 0, 0);
	if (jm_dbg.checking)
		jm_track_free(&c, JM_CHECK_ONLY, 0);
	if (jm_resize_kind(old_size, new_size) != JM_RESIZE_MOVE) {
		/* The same block, or a large one resized, as without checks;
		 * one that may move needs room for its entry first. */
		if (jm_resize_kind(old_size, new_size) == JM_RESIZE_LARGE &&
		    jm_dbg.checking && jm_track_reserve() != 0) {
			errno = ENOMEM;
			return NULL;
		}
		p = jm_resize_kind(old_size, new_size) == JM_RESIZE_KEEP
			    ? ptr : jm_region_realloc(r, ptr, old_size, new_size);
		if (p == NULL || !jm_dbg.checking)
			return p;
		if (p == ptr) {
			jm_track_free(&c, JM_RESIZE, new_size);
		} else {
			jm_track_free(&c, JM_MARK_FREED, 0);
			/* The block has moved: its entry must go in. */
			(void)jm_track_alloc(&alloc, p, new_size, 0, 1);
		}
		return p;
	}
	/* Else a new block and a copy, so that the old one is checked and
	 * filled as freed. */
	p = jm_debug_alloc_in(&alloc, 0, 0);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size < new_size ? old_size : new_size);
	jm_debug_free_in(&c, 0);
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

/* The resize of call c (c->size: the old size) to new_size bytes, with
 * the layout of `align`; `alloc` is the call that allocates anew. */
static void *jm_debug_realloc_in(const struct jm_call *c,
				 const struct jm_call *alloc, size_t align)
{
	void *ptr = (void *)(uintptr_t)c->ptr;
	size_t page = jm_os_page_size(), old_size = c->size, new_size = alloc->size;
	size_t usable = jm_usable_size_aligned(new_size, align, page);
	size_t old_usable = jm_usable_size_aligned(old_size, align, page);
	size_t keep = old_size < new_size ? old_size : new_size;
	void *p;

	if (ptr == NULL)
		return jm_debug_alloc_in(alloc, align, 0);
	if (usable == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (jm_dbg.checking)
		jm_track_free(c, JM_CHECK_ONLY, 0);
	if (usable == old_usable ||
	    (!jm_aligned_is_small(old_size, align) && !jm_aligned_is_small(new_size, align))) {
		/* The same block, or a large one remapped, as without checks;
		 * one that may move needs room for its entry first. */
		if (usable != old_usable && jm_dbg.checking && jm_track_reserve() != 0) {
			(void)jm_local_trim();
			if (jm_track_reserve() != 0) {
				errno = ENOMEM;
				return NULL;
			}
		}
		p = usable == old_usable
			    ? ptr : jm_local_large_realloc(ptr, old_size, new_size, align);
		if (p == NULL)
			return NULL;
		if (jm_dbg.checking) {
			if (p == ptr) {
				jm_track_free(c, JM_RESIZE, new_size);
			} else {
				jm_track_free(c, JM_MARK_FREED, 0);
				/* The block has moved: its entry must go in. */
				(void)jm_track_alloc(alloc, p, new_size,
						     alloc->aligned ? alloc->align : 0, 1);
			}
		}
		if (jm_dbg.tools)
			jm_tools_moved(ptr, old_size, p, new_size, usable);
		return p;
	}
	p = jm_debug_alloc_in(alloc, align, 0);
	if (p == NULL)
		return NULL;
	/* The slack of the old block may be part of old_size. */
	JM_TOOL_OPEN(ptr, keep);
	memcpy(p, ptr, keep);
	if (jm_dbg.checking)
		jm_track_free(c, JM_MARK_FREED, 0);
	jm_debug_release(NULL, ptr, old_size, align);
	return p;
}

void *jm_debug_realloc(void *ptr, size_t old_size, size_t new_size)
{
	struct jm_call c = { "jmrealloc", ptr, 0, 0, old_size, NULL };
	struct jm_call alloc = { "jmalloc", NULL, 0, 0, new_size, NULL };

	return jm_debug_realloc_in(&c, &alloc, 0);
}

void *jm_debug_realloc_aligned(void *ptr, size_t align, size_t old_size,
			       size_t new_size)
{
	struct jm_call c = { "jmrealloc_aligned", ptr, 1, align, old_size, NULL };
	struct jm_call alloc = { "jmalloc_aligned", NULL, 1, align, new_size, NULL };

	return jm_debug_realloc_in(&c, &alloc, align);
}
