/*
 * sizeclass.h - the one place that maps request sizes to size classes and
 * usable sizes.  Classes are powers of two from JM_MIN_SIZE (16 bytes,
 * class 0) to JM_SMALL_MAX (1 MiB, class JM_NCLASSES - 1); larger requests
 * are "large" and round up to whole pages.
 */
#ifndef JM_SIZECLASS_H
#define JM_SIZECLASS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define JM_MIN_SHIFT 4
#define JM_MAX_SHIFT 20
#define JM_MIN_SIZE ((size_t)1 << JM_MIN_SHIFT)
#define JM_SMALL_MAX ((size_t)1 << JM_MAX_SHIFT)
#define JM_NCLASSES (JM_MAX_SHIFT - JM_MIN_SHIFT + 1)

/* Largest request that can be served at all; see jm_large_round(). */
#define JM_REQUEST_MAX ((size_t)PTRDIFF_MAX)

JM_STATIC_ASSERT(JM_MIN_SIZE >= sizeof(void *), "a free block must hold a list node");
JM_STATIC_ASSERT(JM_MIN_SIZE % 16 == 0, "blocks must be 16-byte aligned");
JM_STATIC_ASSERT(JM_SMALL_MAX < ((size_t)1 << 24), "table path covers 24 bits");

/* Bit length of each byte value: 0 for 0, 1 for 1, 2 for 2..3, ... */
extern const uint8_t jm_bitlen_table[256] JM_HIDDEN;

/* Size -> class through the table: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_table(size_t size)
{
	size_t q = (size - 1) >> JM_MIN_SHIFT; /* < 2^16 */

	if (q >> 8)
		return 8 + (size_t)jm_bitlen_table[q >> 8];
	return jm_bitlen_table[q];
}

#ifdef HAVE_BUILTIN_CLZ
/* Size -> class by counting leading zeros: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_clz(size_t size)
{
	/* (size - 1) | 15 is never 0 and fits in 21 bits. */
	/* In size_t, so that the result indexes arrays without a
	 * zero extension. */
	unsigned long x = (unsigned long)((size - 1) | (JM_MIN_SIZE - 1));

	return (size_t)(sizeof(unsigned long) * CHAR_BIT - JM_MIN_SHIFT) -
	       (size_t)__builtin_clzl(x);
}
#endif

/*
 * jm_class_of - the class of a small request.
 * Precondition: 1 <= size <= JM_SMALL_MAX (callers test
 * `size - 1 < JM_SMALL_MAX`, which also turns away 0).
 */
static inline size_t jm_class_of(size_t size)
{
#if defined(HAVE_BUILTIN_CLZ) && !defined(JM_FORCE_TABLE)
	return jm_class_of_clz(size);
#else
	return jm_class_of_table(size);
#endif
}

/* True when `size` is served from a class (0 counts as the smallest). */
static inline int jm_is_small(size_t size)
{
	return size <= JM_SMALL_MAX;
}

/* Class of any small size, 0 included. */
static inline size_t jm_class_of_small(size_t size)
{
	return size == 0 ? 0 : jm_class_of(size);
}

/* Usable bytes of a block of class k. */
static inline size_t jm_class_size(size_t k)
{
	return JM_MIN_SIZE << k;
}

/*
 * jm_large_round - a large request rounded up to whole pages, or 0 when
 * the result would exceed JM_REQUEST_MAX (no wrap is possible).
 * `page` is a power of two.
 */
static inline size_t jm_large_round(size_t size, size_t page)
{
	if (size > JM_REQUEST_MAX - (page - 1))
		return 0;
	return (size + (page - 1)) & ~(page - 1);
}

/* Usable size of any request, or 0 when no block can have that size. */
static inline size_t jm_usable_size(size_t size, size_t page)
{
	if (jm_is_small(size))
		return jm_class_size(jm_class_of_small(size));
	return jm_large_round(size, page);
}

#endif /* JM_SIZECLASS_H */
