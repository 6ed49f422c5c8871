/*
 * sizeclass.h - the one place that maps request sizes to size classes and
 * usable sizes.  Classes run from JM_MIN_SIZE (16 bytes, class 0) to
 * JM_SMALL_MAX (1 MiB, class JM_NCLASSES - 1), all multiples of 16 bytes;
 * larger requests are "large" and round up to whole pages.
 */
#ifndef JM_SIZECLASS_H
#define JM_SIZECLASS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/*
 * The classes: JM_CLASS_STEPS = 2^JM_CLASS_GROUP_LG classes per doubling of
 * the size.  The first JM_CLASS_STEPS classes step by JM_MIN_SIZE (16, 32,
 * ... 16 * JM_CLASS_STEPS); after them each doubling from 2^b to 2^(b+1)
 * holds the classes 2^b + i * 2^(b - JM_CLASS_GROUP_LG), i = 1 ..
 * JM_CLASS_STEPS.  JM_CLASS_GROUP_LG 2 ("fine", the default): 16-byte steps
 * up to 128 bytes, then four classes per doubling; 0 ("pow2", configure
 * --with-size-classes=pow2): the powers of two.
 */
#ifndef JM_CLASS_GROUP_LG
#define JM_CLASS_GROUP_LG 2
#endif
#define JM_CLASS_STEPS ((size_t)1 << JM_CLASS_GROUP_LG)

#define JM_MIN_SHIFT 4
#define JM_MAX_SHIFT 20
#define JM_MIN_SIZE ((size_t)1 << JM_MIN_SHIFT)
#define JM_SMALL_MAX ((size_t)1 << JM_MAX_SHIFT)
/* The linear classes, then JM_CLASS_STEPS per doubling up to 2^JM_MAX_SHIFT. */
#define JM_NCLASSES \
	(JM_CLASS_STEPS * (JM_MAX_SHIFT - JM_MIN_SHIFT - JM_CLASS_GROUP_LG + 1))

/* Largest request that can be served at all; see jm_large_round(). */
#define JM_REQUEST_MAX ((size_t)PTRDIFF_MAX)

JM_STATIC_ASSERT(JM_CLASS_GROUP_LG == 0 || JM_CLASS_GROUP_LG == 2,
		 "pow2 (1 class per doubling) or fine (4): the tables in "
		 "sizeclass.c are written for these");
JM_STATIC_ASSERT(JM_MIN_SIZE >= sizeof(void *), "a free block must hold a list node");
JM_STATIC_ASSERT(JM_MIN_SIZE % 16 == 0, "blocks must be 16-byte aligned");
JM_STATIC_ASSERT(((JM_SMALL_MAX - 1) >> JM_MIN_SHIFT) >> 16 == 0,
		 "the table path looks up (size - 1) >> JM_MIN_SHIFT in 16 bits");

/* Bit length of each byte value: 0 for 0, 1 for 1, 2 for 2..3, ... */
extern const uint8_t jm_bitlen_table[256] JM_HIDDEN;

/*
 * The class of x = size - 1 whose highest set bit is bit `top` (top >=
 * JM_MIN_SHIFT + JM_CLASS_GROUP_LG): the doubling, then the next
 * JM_CLASS_GROUP_LG bits below the highest.
 */
static inline size_t jm_class_of_top(size_t x, size_t top)
{
	return ((top - (JM_MIN_SHIFT - 1) - JM_CLASS_GROUP_LG)
		<< JM_CLASS_GROUP_LG) +
	       ((x >> (top - JM_CLASS_GROUP_LG)) & (JM_CLASS_STEPS - 1));
}

/* Size -> class through the table: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_table(size_t size)
{
	size_t x = size - 1;
	size_t q = x >> JM_MIN_SHIFT; /* < 2^16 */
	size_t len;

	if (q < JM_CLASS_STEPS)
		return q;
	len = q >> 8 ? 8 + (size_t)jm_bitlen_table[q >> 8]
		     : (size_t)jm_bitlen_table[q];
	return jm_class_of_top(x, len + (JM_MIN_SHIFT - 1));
}

#ifdef HAVE_BUILTIN_CLZ
/* Size -> class by counting leading zeros: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_clz(size_t size)
{
	size_t x = size - 1;

	if (x < JM_CLASS_STEPS << JM_MIN_SHIFT)
		return x >> JM_MIN_SHIFT;
	/* The highest set bit: width - 1 - clz, written as an exclusive or
	 * (the width is a power of two), which compilers turn into one bit
	 * scan.  In size_t, so that the result indexes arrays without a zero
	 * extension; x is not 0 here. */
	return jm_class_of_top(x, (sizeof(unsigned long) * CHAR_BIT - 1) ^
					  (size_t)__builtin_clzl((unsigned long)x));
}
#endif

/*
 * With classes between the powers of two, the sizes up to
 * JM_CLASS_DIRECT_MAX, which most requests are, find their class with one
 * load from a 64-byte table: fewer instructions than the arithmetic
 * below, from one cache line.  The powers of two need no table.
 */
#define JM_CLASS_DIRECT (JM_CLASS_GROUP_LG > 0)
#define JM_CLASS_DIRECT_MAX ((size_t)1024)

/* The class of each run of 16 sizes up to JM_CLASS_DIRECT_MAX. */
extern const uint8_t jm_class_direct[JM_CLASS_DIRECT_MAX >> JM_MIN_SHIFT] JM_HIDDEN;

/*
 * jm_class_of - the class of a small request.
 * Precondition: 1 <= size <= JM_SMALL_MAX (callers test
 * `size - 1 < JM_SMALL_MAX`, which also turns away 0).
 */
static inline size_t jm_class_of(size_t size)
{
	if (JM_CLASS_DIRECT && JM_LIKELY(size - 1 < JM_CLASS_DIRECT_MAX))
		return jm_class_direct[(size - 1) >> JM_MIN_SHIFT];
#ifdef HAVE_BUILTIN_CLZ
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

/*
 * Usable bytes of a block of class k (k < JM_NCLASSES), as a constant
 * expression: the linear classes, then in group g >= 1 the sizes
 * (JM_CLASS_STEPS + step + 1) << (g - 1 + JM_MIN_SHIFT).
 */
#define JM_CLASS_SIZE_CONST(k)                                               \
	((k) < JM_CLASS_STEPS                                                \
		 ? ((size_t)(k) + 1) << JM_MIN_SHIFT                         \
		 : (JM_CLASS_STEPS + ((size_t)(k) & (JM_CLASS_STEPS - 1)) + 1) \
			   << (((size_t)(k) >> JM_CLASS_GROUP_LG) - 1 + JM_MIN_SHIFT))

/* The same for each class, looked up where it takes more than a shift. */
extern const uint32_t jm_class_bytes[JM_NCLASSES] JM_HIDDEN;

/* Usable bytes of a block of class k (k < JM_NCLASSES). */
static inline size_t jm_class_size(size_t k)
{
	if (JM_CLASS_DIRECT)
		return jm_class_bytes[k];
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
