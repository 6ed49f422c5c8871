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
 * The classes.  Class 0 holds 16 bytes; then each doubling of the size,
 * from 2^b (exclusive) to 2^(b+1) (inclusive) for b = JM_MIN_SHIFT ..
 * JM_MAX_SHIFT - 1, holds 2^JM_LG(b) classes evenly spaced, 2^b + i *
 * 2^(b - JM_LG(b)) for i = 1 .. 2^JM_LG(b), and JM_FIRST(b) is the first
 * of them.
 *
 *  fine (the default): 16-byte steps up to 128 bytes, four classes per
 *  doubling up to 1 KiB, eight from 1 KiB to 16 KiB (where requests of a
 *  page plus a header are common: 4104 bytes take 4608, not 5120), four
 *  from there to 1 MiB: 76 classes, each less than a quarter (an eighth
 *  from 1 to 16 KiB) larger than the smallest request it serves;
 *  pow2 (configure --with-size-classes=pow2, JM_CLASSES_POW2 1): the
 *  powers of two, 17 classes.
 */
#ifndef JM_CLASSES_POW2
#define JM_CLASSES_POW2 0
#endif

#define JM_MIN_SHIFT 4
#define JM_MAX_SHIFT 20
#define JM_MIN_SIZE ((size_t)1 << JM_MIN_SHIFT)
#define JM_SMALL_MAX ((size_t)1 << JM_MAX_SHIFT)

#if JM_CLASSES_POW2
#define JM_LG(b) 0
#define JM_FIRST(b) ((b) - (JM_MIN_SHIFT - 1))
#else
#define JM_LG(b) ((b) < 6 ? (b) - 4 : (b) < 10 ? 2 : (b) < 14 ? 3 : 2)
#define JM_FIRST(b)                                                     \
	((b) < 5 ? 1 : (b) < 6 ? 2 : (b) < 10 ? 4 + 4 * ((b) - 6) :     \
	 (b) < 14 ? 20 + 8 * ((b) - 10) : 52 + 4 * ((b) - 14))
#endif
#define JM_NCLASSES ((size_t)JM_FIRST(JM_MAX_SHIFT))

/* Largest request that can be served at all; see jm_large_round(). */
#define JM_REQUEST_MAX ((size_t)PTRDIFF_MAX)

JM_STATIC_ASSERT(JM_FIRST(JM_MIN_SHIFT + 1) - JM_FIRST(JM_MIN_SHIFT) ==
			 1 << JM_LG(JM_MIN_SHIFT) &&
		 JM_FIRST(13) - JM_FIRST(12) == 1 << JM_LG(12) &&
		 JM_FIRST(JM_MAX_SHIFT) - JM_FIRST(JM_MAX_SHIFT - 1) ==
			 1 << JM_LG(JM_MAX_SHIFT - 1),
		 "JM_FIRST counts the classes of JM_LG");
JM_STATIC_ASSERT(JM_NCLASSES == (JM_CLASSES_POW2 ? 17 : 76),
		 "the tables in sizeclass.c are written for these");
JM_STATIC_ASSERT(JM_MIN_SIZE >= sizeof(void *), "a free block must hold a list node");
JM_STATIC_ASSERT(JM_MIN_SIZE % 16 == 0, "blocks must be 16-byte aligned");
JM_STATIC_ASSERT(5 - JM_LG(5) >= JM_MIN_SHIFT && 6 - JM_LG(6) >= JM_MIN_SHIFT &&
			 10 - JM_LG(10) >= JM_MIN_SHIFT,
		 "the classes step by multiples of 16 bytes (where each scheme "
		 "puts the most classes in a doubling)");
JM_STATIC_ASSERT(((JM_SMALL_MAX - 1) >> JM_MIN_SHIFT) >> 16 == 0,
		 "the table path finds the top bit of (size - 1) >> JM_MIN_SHIFT "
		 "from two bytes");

/* Bit length of each byte value: 0 for 0, 1 for 1, 2 for 2..3, ... */
extern const uint8_t jm_bitlen_table[256] JM_HIDDEN;

/* Each doubling's first class, JM_LG and 2^JM_LG - 1, indexed by b. */
struct jm_doubling {
	uint8_t first, lg, mask;
};
extern const struct jm_doubling jm_doublings[JM_MAX_SHIFT] JM_HIDDEN;

/* The class of x = size - 1 >= JM_MIN_SIZE, whose highest set bit is
 * bit b: the doubling, then the next JM_LG(b) bits below the highest. */
static inline size_t jm_class_of_bit(size_t x, size_t b)
{
#if JM_CLASSES_POW2
	(void)x;
	return b - (JM_MIN_SHIFT - 1);
#else
	const struct jm_doubling *d = &jm_doublings[b];

	return d->first + ((x >> (b - d->lg)) & d->mask);
#endif
}

/* Size -> class through the table: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_table(size_t size)
{
	size_t x = size - 1;
	size_t q = x >> JM_MIN_SHIFT; /* < 2^16 */
	size_t len;

	if (q == 0)
		return 0;
	len = q >> 8 ? 8 + (size_t)jm_bitlen_table[q >> 8]
		     : (size_t)jm_bitlen_table[q];
	return jm_class_of_bit(x, len + (JM_MIN_SHIFT - 1));
}

#ifdef HAVE_BUILTIN_CLZ
/* Size -> class by counting leading zeros: for 1 <= size <= JM_SMALL_MAX. */
static inline size_t jm_class_of_clz(size_t size)
{
	/* The low four bits set: a size of up to 16 bytes has its highest
	 * bit where 16 bytes has it (class 0), and no class looks below
	 * bit 4, so there is no branch for them; x is not 0. */
	size_t x = (size - 1) | (JM_MIN_SIZE - 1);

	/* The highest set bit: width - 1 - clz, written as an exclusive or
	 * (the width is a power of two), which compilers turn into one bit
	 * scan.  In size_t, so that the result indexes arrays without a zero
	 * extension. */
	return jm_class_of_bit(x, (sizeof(unsigned long) * CHAR_BIT - 1) ^
					  (size_t)__builtin_clzl((unsigned long)x));
}
#endif

/*
 * With classes between the powers of two, the sizes up to
 * JM_CLASS_DIRECT_MAX, which most requests are, find their class with one
 * load from a 128-byte table: fewer instructions than the arithmetic
 * above, from two cache lines.  The powers of two need no table, and the
 * region-only library, built for microcontrollers, where every byte of
 * code counts, goes without it.
 */
#define JM_CLASS_DIRECT (!JM_CLASSES_POW2 && JM_MMAP)
#define JM_CLASS_DIRECT_MAX ((size_t)2048)

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
 * Usable bytes of each class, looked up where it takes more than a shift:
 * the bytes themselves, or in the region-only library, where every byte
 * of code and table counts, in two bytes each: the 16-byte steps less one
 * (JM_CLASS_ENTRY()).
 */
#if JM_MMAP
typedef uint32_t jm_class_entry;
#define JM_CLASS_ENTRY(bytes) (bytes)
#else
typedef uint16_t jm_class_entry;
#define JM_CLASS_ENTRY(bytes) ((bytes) / JM_MIN_SIZE - 1)
#endif
JM_STATIC_ASSERT(JM_CLASS_ENTRY(JM_SMALL_MAX) <= (jm_class_entry)-1,
		 "a class table entry holds the largest class");
extern const jm_class_entry jm_class_bytes[JM_NCLASSES] JM_HIDDEN;

/* Usable bytes of a block of class k (k < JM_NCLASSES). */
static inline size_t jm_class_size(size_t k)
{
#if JM_CLASSES_POW2
	return JM_MIN_SIZE << k;
#elif JM_MMAP
	return jm_class_bytes[k];
#else
	return ((size_t)jm_class_bytes[k] + 1) << JM_MIN_SHIFT;
#endif
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

/*
 * What resizing a block from old_size to new_size bytes takes:
 * JM_RESIZE_KEEP, the same block (the same class); JM_RESIZE_LARGE, a
 * large block resized by the large-block layer (both sizes large);
 * JM_RESIZE_MOVE, a new block, the contents copied, the old one freed.
 */
enum jm_resize { JM_RESIZE_KEEP, JM_RESIZE_LARGE, JM_RESIZE_MOVE };

static inline enum jm_resize jm_resize_kind(size_t old_size, size_t new_size)
{
	if (jm_is_small(old_size) && jm_is_small(new_size))
		return jm_class_of_small(old_size) == jm_class_of_small(new_size)
			       ? JM_RESIZE_KEEP : JM_RESIZE_MOVE;
	return !jm_is_small(old_size) && !jm_is_small(new_size) ? JM_RESIZE_LARGE
								: JM_RESIZE_MOVE;
}

/* 1 when a * b does not fit in size_t; else 0, and *r gets it (calloc). */
static inline int jm_mul_overflows(size_t a, size_t b, size_t *r)
{
#if defined(__GNUC__) && defined(HAVE_BUILTIN_MUL_OVERFLOW)
	return __builtin_mul_overflow(a, b, r);
#else
	if (b != 0 && a > (size_t)-1 / b)
		return 1;
	*r = a * b;
	return 0;
#endif
}

/* The bytes of a large block of `size` bytes (0 counts as 1: an aligned
 * request of 0 bytes may be large), or 0 as jm_large_round(). */
static inline size_t jm_large_len(size_t size, size_t page)
{
	return jm_large_round(size != 0 ? size : 1, page);
}

/* Usable size of any request, or 0 when no block can have that size. */
static inline size_t jm_usable_size(size_t size, size_t page)
{
	if (jm_is_small(size))
		return jm_class_size(jm_class_of_small(size));
	return jm_large_round(size, page);
}

/*
 * Aligned blocks.  In the builds with the span pool (JM_ALIGN_NATURAL), a
 * block of a class is carved at the start of a span plus a multiple of
 * the class size, and spans start on the boundaries of the pool's units
 * of 2^JM_UNIT_SHIFT bytes (arena.h, heap.h), so every block is aligned to
 * the largest power of two that divides its class size, up to
 * JM_ALIGN_NATURAL_MAX.  A request of `size` bytes aligned to `align` (a
 * power of two) is therefore served:
 *  - for align <= JM_MIN_SIZE, as the unaligned request: every block is
 *    aligned so;
 *  - for align <= JM_ALIGN_NATURAL_MAX and size <= JM_SMALL_MAX, from the
 *    smallest class whose size holds `size` and is a multiple of `align`
 *    (there is one: JM_SMALL_MAX is a multiple of every such alignment);
 *  - otherwise by a large block of `size` bytes (at least one) rounded up
 *    to whole pages, mapped at an address aligned to `align`, which
 *    costs up to align - page bytes of address space more.
 * The tiny and region-only builds carve blocks one after another or from
 * a region the program gave, aligned to 16 bytes only: there, a block
 * aligned to more is padded (jm_align_padded()).
 */
#define JM_ALIGN_NATURAL (JM_MMAP && !JM_TINY)
#define JM_ALIGN_NATURAL_MAX (JM_ALIGN_NATURAL ? (size_t)1 << JM_UNIT_SHIFT : JM_MIN_SIZE)

JM_STATIC_ASSERT(JM_SMALL_MAX % JM_ALIGN_NATURAL_MAX == 0,
		 "the largest class is a multiple of every natural alignment");

/*
 * The padded layout of the builds without natural alignment: a request
 * of `size` bytes aligned to `align` (more than JM_MIN_SIZE) takes an
 * unaligned block of size + align bytes (size 0 counting as 1), or 0 when
 * that exceeds JM_REQUEST_MAX, and hands out its first address
 * past the block's start (by 16 to `align` bytes) that is aligned so; the
 * word before that address holds the distance back to the block's start.
 * Its usable size is the block's less `align`, so that any size from the
 * one asked for up to it frees the block of the same class.
 */
static inline size_t jm_align_padded(size_t size, size_t align)
{
	size += size == 0; /* a block of 0 bytes has a usable byte */
	return align <= JM_REQUEST_MAX && size <= JM_REQUEST_MAX - align ? size + align : 0;
}

/* 1 when `align` is a power of two (0 is not). */
static inline int jm_align_valid(size_t align)
{
	return align != 0 && (align & (align - 1)) == 0;
}

/* 1 when a request of `size` bytes aligned to `align` is served from a
 * class (jm_is_small() for align <= JM_MIN_SIZE). */
static inline int jm_aligned_is_small(size_t size, size_t align)
{
	return align <= JM_ALIGN_NATURAL_MAX && size <= JM_SMALL_MAX;
}

/*
 * The class of a request of `size` bytes aligned to `align`.
 * Precondition: align a power of two, jm_aligned_is_small(size, align).
 * At most one step per class of a doubling: the doubling that holds the
 * rounded size ends with a power of two at least `align`.
 */
static inline size_t jm_class_of_aligned(size_t size, size_t align)
{
	size_t k;

	if (align <= JM_MIN_SIZE)
		return jm_class_of_small(size);
	k = jm_class_of(size != 0 ? (size + (align - 1)) & ~(align - 1) : align);
	while ((jm_class_size(k) & (align - 1)) != 0)
		k++;
	JM_ASSERT(k < JM_NCLASSES);
	return k;
}

/*
 * Usable size of a request of `size` bytes aligned to `align` (a power of
 * two), or 0 when no such block can be had: the large block, rounded up
 * to whole pages, would exceed JM_REQUEST_MAX, or would with the address
 * space its alignment takes (the padding, in the padded layout).
 */
static inline size_t jm_usable_size_aligned(size_t size, size_t align,
					    size_t page)
{
	size_t len;

	if (align <= JM_MIN_SIZE)
		return jm_usable_size(size, page);
	if (!JM_ALIGN_NATURAL) {
		len = jm_align_padded(size, align);
		len = len != 0 ? jm_usable_size(len, page) : 0;
		return len != 0 ? len - align : 0;
	}
	if (jm_aligned_is_small(size, align))
		return jm_class_size(jm_class_of_aligned(size, align));
	len = jm_large_len(size, page);
	if (len == 0 || (align > page && align - page > JM_REQUEST_MAX - len))
		return 0;
	return len;
}

#endif /* JM_SIZECLASS_H */
