/* common.h - compiler helpers shared by every internal file. */
#ifndef JM_COMMON_H
#define JM_COMMON_H

#if defined(__GNUC__)
#define JM_LIKELY(x) __builtin_expect(!!(x), 1)
#define JM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define JM_HIDDEN __attribute__((visibility("hidden")))
#define JM_NOINLINE __attribute__((noinline))
#define JM_COLD __attribute__((cold))
#else
#define JM_LIKELY(x) (x)
#define JM_UNLIKELY(x) (x)
#define JM_HIDDEN
#define JM_NOINLINE
#define JM_COLD
#endif

#define JM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

/* The build (configure): JM_TINY 1 for the tiny engine (heap.h), JM_MMAP
 * 0 for the region-only library; JM_UNIT_SHIFT, log2 of the span pool's
 * unit (arena.h). */
#ifndef JM_TINY
#define JM_TINY 0
#endif
#ifndef JM_MMAP
#define JM_MMAP 1
#endif
#ifndef JM_UNIT_SHIFT
#define JM_UNIT_SHIFT 16
#endif

/*
 * JM_ASSERT(cond): a precondition or invariant of the internals, checked
 * in a library configured with --enable-debug (JM_DEBUG 1), where a
 * broken one stops the program with one line naming it, where it broke;
 * compiled out otherwise (and `cond` not evaluated).  It is never a check
 * of the program's input: that gets a defined result in every build.
 */
#ifndef JM_DEBUG
#define JM_DEBUG 0
#endif
#if JM_DEBUG
__attribute__((noreturn)) void jm_assert_fail(const char *cond, const char *file,
					       int line) JM_HIDDEN JM_COLD;
#define JM_ASSERT(cond) \
	(JM_LIKELY(cond) ? (void)0 : jm_assert_fail(#cond, __FILE__, __LINE__))
#else
#define JM_ASSERT(cond) ((void)0)
#endif

#endif /* JM_COMMON_H */
