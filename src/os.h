/*
 * os.h - everything the operating system provides: the only interface
 * through which the library maps and unmaps memory.  Mappings are
 * anonymous, readable and writable, MAP_PRIVATE unless configure chose
 * MAP_SHARED, and start zero-filled.
 */
#ifndef JM_OS_H
#define JM_OS_H

#include <stddef.h>

#include "common.h"

/* The page size, a power of two; read from the system once. */
size_t jm_os_page_size(void) JM_HIDDEN;

/* Map `len` bytes (a multiple of the page size); NULL with errno ENOMEM. */
void *jm_os_map(size_t len) JM_HIDDEN;

/* Unmap; 0 on success, -1 (errno set by the system) on failure. */
int jm_os_unmap(void *ptr, size_t len) JM_HIDDEN;

/*
 * Resize the mapping at `ptr` from `old_len` to `new_len` bytes (both
 * multiples of the page size), moving it if need be.  Returns the new
 * address, or NULL with errno ENOMEM when it cannot, in which case the old
 * mapping is unchanged.  Shrinking never moves and never fails for lack of
 * memory.  Where the system has no mremap, growing always fails and the
 * caller copies.
 */
void *jm_os_remap(void *ptr, size_t old_len, size_t new_len) JM_HIDDEN;

/* 1 when jm_os_remap() can grow a mapping, 0 when it cannot. */
int jm_os_can_grow(void) JM_HIDDEN;

#endif /* JM_OS_H */
