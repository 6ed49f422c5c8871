/*
 * large.h - blocks larger than JM_SMALL_MAX: each is a mapping of its own,
 * rounded up to whole pages, unmapped when freed.
 */
#ifndef JM_LARGE_H
#define JM_LARGE_H

#include <stddef.h>

#include "common.h"

/* A zero-filled block of `size` > JM_SMALL_MAX bytes, or NULL (ENOMEM). */
void *jm_large_alloc(size_t size) JM_HIDDEN;

/* Unmap a large block; a size no block can have is ignored.  Returns 0, or
 * -1 when the system refused (a wrong pointer or size). */
int jm_large_free(void *ptr, size_t size) JM_HIDDEN;

/*
 * Resize a large block to `new_size` > JM_SMALL_MAX bytes: in place when
 * the page count is unchanged or shrinks, by remapping or copying when it
 * grows.  NULL with ENOMEM leaves the block as it was.
 */
void *jm_large_realloc(void *ptr, size_t old_size, size_t new_size) JM_HIDDEN;

#endif /* JM_LARGE_H */
