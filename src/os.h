/*
 * os.h - everything the operating system provides: the only interface
 * through which the library maps and unmaps memory.  Mappings are
 * anonymous, readable and writable, MAP_PRIVATE unless configure chose
 * MAP_SHARED, and start zero-filled.
 */
#ifndef JM_OS_H
#define JM_OS_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Map `len` bytes aligned to `align` (both multiples of the page size,
 * `align` a power of two); NULL with errno ENOMEM.  Tries an exact mapping
 * first and maps `len + align` to trim only when that one is misaligned.
 */
void *jm_os_map_aligned(size_t len, size_t align) JM_HIDDEN;

/* Make the pages of [ptr, ptr + len) inaccessible (page-aligned), so that
 * any access faults.  0, or -1 when the system cannot. */
int jm_os_guard(void *ptr, size_t len) JM_HIDDEN;

/*
 * Give the pages of [ptr, ptr + len) back to the system while keeping the
 * mapping: they read as zero afterwards.  Page-aligned.  0 on success, -1
 * when the system cannot (the memory then stays as it was).
 */
int jm_os_purge(void *ptr, size_t len) JM_HIDDEN;

/* Milliseconds of a monotonic clock, cheap to read (coarse where the
 * system has a coarse clock). */
uint64_t jm_os_now_ms(void) JM_HIDDEN;

/*
 * 64 random bits for a secret of the process: from getrandom(2) where the
 * system has it and it answers, else from the bytes the kernel gave the
 * process at its start (AT_RANDOM), else from the clock and addresses.
 */
uint64_t jm_os_random(void) JM_HIDDEN;

/*
 * The value of environment variable `name` as a decimal number from
 * `min` to `max`, or `dflt` when it is unset or not such a number.
 */
long jm_os_env_long(const char *name, long dflt, long min, long max) JM_HIDDEN;

#endif /* JM_OS_H */
