/* large.c - blocks mapped one by one. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "large.h"
#include "os.h"
#include "sizeclass.h"

void *jm_large_alloc(size_t size)
{
	size_t len = jm_large_round(size, jm_os_page_size());

	if (len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	return jm_os_map(len);
}

int jm_large_free(void *ptr, size_t size)
{
	size_t len = jm_large_round(size, jm_os_page_size());

	if (len == 0)
		return 0;
	return jm_os_unmap(ptr, len);
}

void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size)
{
	size_t page = jm_os_page_size();
	size_t old_len = jm_large_round(old_size, page);
	size_t new_len = jm_large_round(new_size, page);
	void *p;

	if (new_len == 0 || old_len == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (new_len == old_len)
		return ptr;
	if (new_len < old_len || jm_os_can_grow())
		return jm_os_remap(ptr, old_len, new_len);
	p = jm_os_map(new_len);
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, old_size);
	/* Fails only for a pointer or size that was wrong to begin with; the
	 * copy is made, so the caller gets the new block either way. */
	(void)jm_os_unmap(ptr, old_len);
	return p;
}
