/* sizeclass.c - the tables behind jm_class_of(), jm_class_of_table() and
 * jm_class_size(), written out from JM_FIRST and JM_LG (sizeclass.h). */
#include "config.h"

#include "sizeclass.h"

#define JM_B2(n) n, n
#define JM_B4(n) JM_B2(n), JM_B2(n)
#define JM_B8(n) JM_B4(n), JM_B4(n)
#define JM_B16(n) JM_B8(n), JM_B8(n)
#define JM_B32(n) JM_B16(n), JM_B16(n)
#define JM_B64(n) JM_B32(n), JM_B32(n)
#define JM_B128(n) JM_B64(n), JM_B64(n)

const uint8_t jm_bitlen_table[256] = {
	0, 1, JM_B2(2), JM_B4(3), JM_B8(4), JM_B16(5), JM_B32(6), JM_B64(7),
	JM_B128(8),
};

/* The doublings below JM_MIN_SHIFT hold no class; their entries are
 * never read. */
#define JM_DBL(b) \
	{ (uint8_t)JM_FIRST(b), (uint8_t)JM_LG(b), (uint8_t)((1u << JM_LG(b)) - 1u) }
#define JM_DBL4(b) JM_DBL(b), JM_DBL(b + 1), JM_DBL(b + 2), JM_DBL(b + 3)

JM_STATIC_ASSERT(JM_MAX_SHIFT == 20, "the table below has 20 entries");

#if !JM_CLASSES_POW2 /* the powers of two need no table */
const struct jm_doubling jm_doublings[JM_MAX_SHIFT] = {
	{ 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 },
	JM_DBL4(4), JM_DBL4(8), JM_DBL4(12), JM_DBL4(16),
};
#endif

/* The table entries (JM_CLASS_ENTRY) of the classes of doubling b: 1, 2,
 * 4 or 8 of them. */
#define JM_STEP(b) ((1u << (b)) >> JM_LG(b))
#define JM_SZ(b, i) JM_CLASS_ENTRY((1u << (b)) + (i) * JM_STEP(b))
#define JM_SZ1(b) JM_SZ(b, 1)
#define JM_SZ2(b) JM_SZ1(b), JM_SZ(b, 2)
#define JM_SZ4(b) JM_SZ2(b), JM_SZ(b, 3), JM_SZ(b, 4)
#define JM_SZ8(b) JM_SZ4(b), JM_SZ(b, 5), JM_SZ(b, 6), JM_SZ(b, 7), JM_SZ(b, 8)

#if JM_CLASS_DIRECT
/* The highest set bit of x, for JM_MIN_SIZE <= x < 2048. */
#define JM_TOP_CONST(x) \
	((x) >= 1024 ? 10 : (x) >= 512 ? 9 : (x) >= 256 ? 8 : (x) >= 128 ? 7 : \
	 (x) >= 64 ? 6 : (x) >= 32 ? 5 : 4)
/* The class of the sizes 16 * i + 1 to 16 * i + 16, by the definition:
 * jm_class_of_bit() of x = 16 * i + 15, worked out at compile time. */
#define JM_DIRECT(i)                                                     \
	((i) == 0 ? 0                                                    \
		  : JM_FIRST(JM_TOP_CONST(16 * (i) + 15)) +              \
			    (((16 * (i) + 15) >>                         \
			      (JM_TOP_CONST(16 * (i) + 15) -             \
			       JM_LG(JM_TOP_CONST(16 * (i) + 15)))) &    \
			     ((1 << JM_LG(JM_TOP_CONST(16 * (i) + 15))) - 1)))
#define JM_D4(i) JM_DIRECT(i), JM_DIRECT(i + 1), JM_DIRECT(i + 2), JM_DIRECT(i + 3)
#define JM_D16(i) JM_D4(i), JM_D4(i + 4), JM_D4(i + 8), JM_D4(i + 12)

JM_STATIC_ASSERT(JM_CLASS_DIRECT_MAX == 2048, "the table below has 128 entries");

const uint8_t jm_class_direct[JM_CLASS_DIRECT_MAX >> JM_MIN_SHIFT] = {
	JM_D16(0), JM_D16(16), JM_D16(32), JM_D16(48),
	JM_D16(64), JM_D16(80), JM_D16(96), JM_D16(112),
};
#endif

#if !JM_CLASSES_POW2

/* The fine classes, doubling by doubling as JM_LG gives them. */
const jm_class_entry jm_class_bytes[] = {
	JM_CLASS_ENTRY(16u), JM_SZ1(4), JM_SZ2(5),
	JM_SZ4(6), JM_SZ4(7), JM_SZ4(8), JM_SZ4(9),
	JM_SZ8(10), JM_SZ8(11), JM_SZ8(12), JM_SZ8(13),
	JM_SZ4(14), JM_SZ4(15), JM_SZ4(16), JM_SZ4(17), JM_SZ4(18), JM_SZ4(19),
};

JM_STATIC_ASSERT(sizeof(jm_class_bytes) / sizeof(jm_class_bytes[0]) == JM_NCLASSES,
		 "one entry per class");
#endif
