/*
 * tools.h - annotations for memory checkers: Valgrind's memcheck (client
 * requests, when configure found valgrind/valgrind.h) and AddressSanitizer
 * (when the library is built with -fsanitize=address).  Without either,
 * every macro is empty.
 *
 * A live block is accessible over the size asked for; its slack up to the
 * usable size, and a free block, are not.  The allocator opens the words
 * it keeps in free blocks (list links) around each access.
 */
#ifndef JM_TOOLS_H
#define JM_TOOLS_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define JM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JM_ASAN 1
#endif
#endif

#ifdef JM_ASAN
#include <sanitizer/asan_interface.h>
#define JM_ASAN_OPEN(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define JM_ASAN_CLOSE(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#else
#define JM_ASAN_OPEN(p, n) ((void)(p), (void)(n))
#define JM_ASAN_CLOSE(p, n) ((void)(p), (void)(n))
#endif

#ifdef HAVE_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
/*
 * 1 under memcheck only: other tools (callgrind, cachegrind) must see the
 * fast paths they measure.  Memcheck answers a request for a byte's
 * validity bits with 1; every other tool leaves it unanswered (0).
 */
static inline int jm_vg_memcheck(void)
{
	static char probe, vbits;

	if (!RUNNING_ON_VALGRIND)
		return 0;
	return VALGRIND_GET_VBITS(&probe, &vbits, 1) == 1;
}
#define JM_VG_RUNNING() jm_vg_memcheck()
#define JM_VG_OPEN(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#define JM_VG_CLOSE(p, n) ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#define JM_VG_ALLOC(p, size, zeroed) \
	VALGRIND_MALLOCLIKE_BLOCK((p), (size), 0, (zeroed))
#define JM_VG_FREE(p) VALGRIND_FREELIKE_BLOCK((p), 0)
#else
#define JM_VG_RUNNING() 0
#define JM_VG_OPEN(p, n) ((void)(p), (void)(n))
#define JM_VG_CLOSE(p, n) ((void)(p), (void)(n))
#define JM_VG_ALLOC(p, size, zeroed) ((void)(p), (void)(size), (void)(zeroed))
#define JM_VG_FREE(p) ((void)(p))
#endif

/* 1 when blocks must be announced to a checker in this process. */
static inline int jm_tools_active(void)
{
#ifdef JM_ASAN
	return 1;
#else
	return JM_VG_RUNNING();
#endif
}

/* Make n bytes at p accessible (and defined) to the allocator itself. */
#define JM_TOOL_OPEN(p, n) do { JM_ASAN_OPEN(p, n); JM_VG_OPEN(p, n); } while (0)
/* Make them inaccessible again. */
#define JM_TOOL_CLOSE(p, n) do { JM_ASAN_CLOSE(p, n); JM_VG_CLOSE(p, n); } while (0)

/* A block of `size` bytes (usable `usable`) handed to the program. */
#define JM_TOOL_ALLOC(p, size, usable, zeroed) \
	do { \
		JM_ASAN_OPEN((p), (size)); \
		JM_ASAN_CLOSE((char *)(p) + (size), (usable) - (size)); \
		JM_VG_ALLOC((p), (size), (zeroed)); \
		JM_VG_CLOSE((char *)(p) + (size), (usable) - (size)); \
	} while (0)

/* A live block of `usable` bytes given back by the program. */
#define JM_TOOL_FREE(p, usable) \
	do { \
		JM_VG_FREE(p); \
		JM_VG_CLOSE((p), (usable)); \
		JM_ASAN_CLOSE((p), (usable)); \
	} while (0)

#endif /* JM_TOOLS_H */
