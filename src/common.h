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

#endif /* JM_COMMON_H */
