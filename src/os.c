/* os.c - the system calls behind os.h: mmap, munmap, mremap, sysconf. */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"

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

int jm_os_unmap(void *ptr, size_t len)
{
	return munmap(ptr, len);
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
	    munmap((char *)ptr + new_len, old_len - new_len) != 0) {
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
