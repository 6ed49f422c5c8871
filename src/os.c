/* os.c - the system calls behind os.h: mmap, munmap, mremap, madvise,
 * sysconf, clock_gettime, getenv. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif
#ifdef HAVE_SYS_AUXV_H
#include <sys/auxv.h>
#endif

#include "os.h"
#include "tools.h"

#if HAVE_DECL_MAP_ANONYMOUS
#define JM_MAP_ANON MAP_ANONYMOUS
#elif HAVE_DECL_MAP_ANON
#define JM_MAP_ANON MAP_ANON
#else
#error "configure found no anonymous mmap"
#endif

#ifdef JM_MAP_SHARED
#define JM_MAP_KIND MAP_SHARED
#else
#define JM_MAP_KIND MAP_PRIVATE
#endif

#define JM_PAGE_FALLBACK 4096u

/* The OS layer's state: the page size, 0 until first asked for. */
static struct {
	size_t page_size;
} jm_os;

size_t jm_os_page_size(void)
{
	/* Threads may race to fill it in; they all store the same value. */
	size_t page = __atomic_load_n(&jm_os.page_size, __ATOMIC_RELAXED);

	if (JM_UNLIKELY(page == 0)) {
		long v = sysconf(_SC_PAGESIZE);

		page = JM_PAGE_FALLBACK;
		if (v > 0 && ((unsigned long)v & ((unsigned long)v - 1)) == 0)
			page = (size_t)v;
		__atomic_store_n(&jm_os.page_size, page, __ATOMIC_RELAXED);
	}
	return page;
}

void *jm_os_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       JM_MAP_KIND | JM_MAP_ANON, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/*
 * AddressSanitizer keeps what the allocator poisoned in a range after the
 * range is unmapped; whatever is mapped there next (a thread's stack and
 * TLS, say) would be reported as use after poison.  So a range given back
 * is unpoisoned.
 */
int jm_os_unmap(void *ptr, size_t len)
{
	if (munmap(ptr, len) != 0)
		return -1;
	JM_ASAN_OPEN(ptr, len);
	return 0;
}

/*
 * mremap grows a private mapping; a shared anonymous one would grow past
 * the end of the memory object behind it (and fault with SIGBUS there),
 * so with MAP_SHARED growing copies instead.
 */
#if defined(HAVE_MREMAP) && HAVE_DECL_MREMAP_MAYMOVE && !defined(JM_MAP_SHARED)
void *jm_os_remap(void *ptr, size_t old_len, size_t new_len)
{
	void *p = mremap(ptr, old_len, new_len, MREMAP_MAYMOVE);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	if (p != ptr)
		JM_ASAN_OPEN(ptr, old_len); /* given back, as in jm_os_unmap */
	return p;
}

int jm_os_can_grow(void)
{
	return 1;
}
#else
void *jm_os_remap(void *ptr, size_t old_len, size_t new_len)
{
	if (new_len > old_len) {
		errno = ENOMEM;
		return NULL;
	}
	if (new_len < old_len &&
	    jm_os_unmap((char *)ptr + new_len, old_len - new_len) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	return ptr;
}

int jm_os_can_grow(void)
{
	return 0;
}
#endif

void *jm_os_map_aligned(size_t len, size_t align)
{
	char *p = jm_os_map(len);
	uintptr_t a, lead;

	if (p == NULL || ((uintptr_t)p & (align - 1)) == 0)
		return p;
	(void)jm_os_unmap(p, len);
	if (len > SIZE_MAX - align) {
		errno = ENOMEM;
		return NULL;
	}
	p = jm_os_map(len + align);
	if (p == NULL)
		return NULL;
	a = ((uintptr_t)p + (align - 1)) & ~(uintptr_t)(align - 1);
	lead = a - (uintptr_t)p;
	/* Trimming cannot fail for lack of memory; the ends are unused. */
	if (lead != 0)
		(void)jm_os_unmap(p, lead);
	if (align - lead != 0)
		(void)jm_os_unmap((char *)a + len, align - lead);
	return (void *)a;
}

int jm_os_guard(void *ptr, size_t len)
{
	return mprotect(ptr, len, PROT_NONE) == 0 ? 0 : -1;
}

int jm_os_purge(void *ptr, size_t len)
{
#if defined(JM_MAP_SHARED) && HAVE_DECL_MADV_REMOVE
	/* Shared anonymous memory is a memory object of its own: only
	 * MADV_REMOVE frees its pages. */
	return madvise(ptr, len, MADV_REMOVE) == 0 ? 0 : -1;
#elif !defined(JM_MAP_SHARED) && HAVE_DECL_MADV_DONTNEED
	return madvise(ptr, len, MADV_DONTNEED) == 0 ? 0 : -1;
#else
	(void)ptr;
	(void)len;
	return -1;
#endif
}

uint64_t jm_os_now_ms(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC_COARSE
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
		return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t jm_os_random(void)
{
	uint64_t v = 0;
	int saved = errno;

#ifdef HAVE_GETRANDOM
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v)) {
		errno = saved;
		return v;
	}
#endif
#if defined(HAVE_GETAUXVAL) && defined(AT_RANDOM)
	{
		const void *r = (const void *)getauxval(AT_RANDOM);

		if (r != NULL) {
			uint64_t a, b;

			/* The C library takes these bytes for secrets of its
			 * own: a mix of them, not one of them. */
			memcpy(&a, r, sizeof(a));
			memcpy(&b, (const char *)r + 8, sizeof(b));
			errno = saved;
			return (a ^ (b << 29 | b >> 35)) * 0x9e3779b97f4a7c15ull;
		}
	}
#endif
	errno = saved;
	/* No source of random bits: what differs from run to run. */
	v = jm_os_now_ms() * 0x9e3779b97f4a7c15ull;
	v ^= (uint64_t)(uintptr_t)&v ^ ((uint64_t)(uintptr_t)jm_os_map << 20);
	return v ^ (uint64_t)getpid();
}

long jm_os_env_long(const char *name, long dflt, long min, long max)
{
	const char *s = getenv(name);
	int saved = errno, bad;
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtol(s, &end, 10);
	bad = errno != 0 || end == s || *end != '\0' || v < min || v > max;
	errno = saved;
	return bad ? dflt : v;
}
