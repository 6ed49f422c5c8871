/*
 * alloc.h - the allocator under test, one per runner program, chosen by
 * a BENCH_ALLOC_* macro at compile time.  Each allocator is driven through
 * its own sized-free API where it has one, so that every allocator is told
 * the block's size on free, as libjmalloc is:
 *
 *   jmalloc   jmalloc / jmfree / jmcalloc / jmrealloc (sized realloc) /
 *             jmalloc_aligned / jmfree_aligned
 *   system    malloc / free / calloc / realloc / posix_memalign
 *   jemalloc  mallocx / sdallocx / rallocx, MALLOCX_ZERO, MALLOCX_ALIGN
 *   mimalloc  mi_malloc / mi_free_size / mi_zalloc / mi_realloc /
 *             mi_malloc_aligned / mi_free_size_aligned
 *   tcmalloc  tc_malloc / tc_free_sized / tc_calloc / tc_memalign (freed
 *             with tc_free); realloc by tc_nallocx, tc_malloc and
 *             tc_free_sized (see there)
 *   none      no allocator: every call returns the same static buffer, so
 *             that the instruction count of the harness alone can be
 *             subtracted (loops only).
 *
 * Each defines:
 *   BENCH_NAME
 *   bench_alloc(n), bench_free(p, n), bench_calloc(n) (n zeroed bytes),
 *   bench_realloc(p, old, n), bench_aligned(align, n) and
 *   bench_free_aligned(p, align, n) for align > 16, and
 *   bench_trim(): the allocator's own call to give free memory back to
 *   the system (jmalloc_trim; glibc malloc_trim(0); jemalloc a flush of
 *   the thread's cache, then a purge of every arena; mimalloc
 *   mi_collect(true); tcmalloc MallocExtension_ReleaseFreeMemory), and
 *   bench_checked(): 1 when the environment asks the allocator for a
 *   checked path instead of its fast one (libjmalloc: JMALLOC_CHECK=1;
 *   the others: never).
 * Sizes of 0 are passed to the peers as 1: jemalloc's mallocx(0) is
 * undefined, and the sized frees of the others want the size a block had.
 */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NZ(n) ((n) != 0 ? (n) : (size_t)1)

#if defined(BENCH_ALLOC_JMALLOC)
#include "jmalloc.h"
#define BENCH_NAME "jmalloc"
static inline void *bench_alloc(size_t n) { return jmalloc(n); }
static inline void bench_free(void *p, size_t n) { jmfree(p, n); }
static inline void *bench_calloc(size_t n) { return jmcalloc(1, n); }
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	return jmrealloc(p, old, n);
}
static inline void *bench_aligned(size_t align, size_t n)
{
	return jmalloc_aligned(align, n);
}
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	jmfree_aligned(p, align, n);
}
static inline void bench_trim(void) { (void)jmalloc_trim(); }
/* As the library reads it: exactly "1". */
static inline int bench_checked(void)
{
	const char *e = getenv("JMALLOC_CHECK");

	return e != NULL && strcmp(e, "1") == 0;
}
#define BENCH_HAS_CHECKED 1

#elif defined(BENCH_ALLOC_SYSTEM)
#include <malloc.h>
#define BENCH_NAME "system"
static inline void *bench_alloc(size_t n) { return malloc(n); }
static inline void bench_free(void *p, size_t n) { (void)n; free(p); }
static inline void *bench_calloc(size_t n) { return calloc(1, n); }
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	(void)old;
	return realloc(p, n);
}
static inline void *bench_aligned(size_t align, size_t n)
{
	void *p;

	return posix_memalign(&p, align, n) == 0 ? p : NULL;
}
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	(void)align;
	(void)n;
	free(p);
}
static inline void bench_trim(void)
{
#if defined(__GLIBC__)
	(void)malloc_trim(0);
#endif
}

#elif defined(BENCH_ALLOC_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define BENCH_NAME "jemalloc"
static inline void *bench_alloc(size_t n) { return mallocx(BENCH_NZ(n), 0); }
static inline void bench_free(void *p, size_t n) { sdallocx(p, BENCH_NZ(n), 0); }
static inline void *bench_calloc(size_t n)
{
	return mallocx(BENCH_NZ(n), MALLOCX_ZERO);
}
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	(void)old;
	return rallocx(p, BENCH_NZ(n), 0);
}
static inline void *bench_aligned(size_t align, size_t n)
{
	return mallocx(BENCH_NZ(n), MALLOCX_ALIGN(align));
}
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	sdallocx(p, BENCH_NZ(n), MALLOCX_ALIGN(align));
}
#define BENCH_STR_(x) #x
#define BENCH_STR(x) BENCH_STR_(x)
/* The thread's cache holds freed blocks that a purge does not see. */
static inline void bench_trim(void)
{
	(void)mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	(void)mallctl("arena." BENCH_STR(MALLCTL_ARENAS_ALL) ".purge", NULL,
		      NULL, NULL, 0);
}

#elif defined(BENCH_ALLOC_MIMALLOC)
#include <mimalloc.h>
#define BENCH_NAME "mimalloc"
static inline void *bench_alloc(size_t n) { return mi_malloc(BENCH_NZ(n)); }
static inline void bench_free(void *p, size_t n) { mi_free_size(p, BENCH_NZ(n)); }
static inline void *bench_calloc(size_t n) { return mi_zalloc(BENCH_NZ(n)); }
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	(void)old;
	return mi_realloc(p, BENCH_NZ(n));
}
static inline void *bench_aligned(size_t align, size_t n)
{
	return mi_malloc_aligned(BENCH_NZ(n), align);
}
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	mi_free_size_aligned(p, BENCH_NZ(n), align);
}
static inline void bench_trim(void) { mi_collect(true); }

#elif defined(BENCH_ALLOC_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#include <gperftools/nallocx.h>
#include <gperftools/tcmalloc.h>
#define BENCH_NAME "tcmalloc"
static inline void *bench_alloc(size_t n) { return tc_malloc(BENCH_NZ(n)); }
static inline void bench_free(void *p, size_t n) { tc_free_sized(p, BENCH_NZ(n)); }
static inline void *bench_calloc(size_t n) { return tc_calloc(1, BENCH_NZ(n)); }
/*
 * Not tc_realloc: it grows a block by at least a quarter of its size, which
 * may put the block in a larger class than that of the size it was asked
 * for, and tc_free_sized(p, size) takes the class from the size: the free
 * of such a block corrupts the heap.  So a sized realloc: in place when
 * the new size has the block's class, else a new block, a copy and a
 * sized free.
 */
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	void *q;

	if (tc_nallocx(BENCH_NZ(n), 0) == tc_nallocx(BENCH_NZ(old), 0))
		return p;
	q = tc_malloc(BENCH_NZ(n));
	if (q != NULL) {
		memcpy(q, p, old < n ? old : n);
		tc_free_sized(p, BENCH_NZ(old));
	}
	return q;
}
static inline void *bench_aligned(size_t align, size_t n)
{
	return tc_memalign(align, BENCH_NZ(n));
}
/* An aligned block may sit in a larger class than its size says. */
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	(void)align;
	(void)n;
	tc_free(p);
}
static inline void bench_trim(void) { MallocExtension_ReleaseFreeMemory(); }

#elif defined(BENCH_ALLOC_NONE)
#define BENCH_NAME "none"
#define BENCH_NONE_BYTES ((size_t)64 << 10)
static _Alignas(4096) unsigned char bench_none_mem[BENCH_NONE_BYTES];
static inline void *bench_alloc(size_t n)
{
	return n <= BENCH_NONE_BYTES ? bench_none_mem : NULL;
}
static inline void bench_free(void *p, size_t n) { (void)p; (void)n; }
static inline void *bench_calloc(size_t n)
{
	return n <= BENCH_NONE_BYTES ? memset(bench_none_mem, 0, n) : NULL;
}
static inline void *bench_realloc(void *p, size_t old, size_t n)
{
	(void)old;
	return n <= BENCH_NONE_BYTES ? p : NULL;
}
static inline void *bench_aligned(size_t align, size_t n)
{
	(void)align;
	return bench_alloc(n);
}
static inline void bench_free_aligned(void *p, size_t align, size_t n)
{
	(void)p;
	(void)align;
	(void)n;
}
static inline void bench_trim(void) {}

#else
#error "define one of BENCH_ALLOC_JMALLOC, _SYSTEM, _JEMALLOC, _MIMALLOC, _TCMALLOC, _NONE"
#endif

#ifndef BENCH_HAS_CHECKED
static inline int bench_checked(void) { return 0; }
#endif

#endif /* BENCH_ALLOC_H */
