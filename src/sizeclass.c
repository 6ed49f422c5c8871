/* sizeclass.c - the tables behind jm_class_of() and jm_class_of_table(). */
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

#if JM_CLASS_DIRECT
/* The highest set bit of x, for JM_MIN_SIZE <= x < 1024. */
#define JM_TOP_CONST(x) \
	((x) >= 512 ? 9 : (x) >= 256 ? 8 : (x) >= 128 ? 7 : (x) >= 64 ? 6 : \
	 (x) >= 32 ? 5 : 4)
/* The class of the sizes 16 * i + 1 to 16 * i + 16, by the definition. */
#define JM_DIRECT(i)                                                        \
	((i) < JM_CLASS_STEPS                                                \
		 ? (i)                                                       \
		 : ((JM_TOP_CONST(16 * (i) + 15) - (JM_MIN_SHIFT - 1) -      \
		     JM_CLASS_GROUP_LG)                                      \
		    << JM_CLASS_GROUP_LG) +                                  \
			   (((16 * (i) + 15) >>                              \
			     (JM_TOP_CONST(16 * (i) + 15) - JM_CLASS_GROUP_LG)) & \
			    (JM_CLASS_STEPS - 1)))
#define JM_D4(i) JM_DIRECT(i), JM_DIRECT(i + 1), JM_DIRECT(i + 2), JM_DIRECT(i + 3)
#define JM_D16(i) JM_D4(i), JM_D4(i + 4), JM_D4(i + 8), JM_D4(i + 12)

JM_STATIC_ASSERT(JM_CLASS_DIRECT_MAX == 1024, "the table below has 64 entries");

const uint8_t jm_class_direct[JM_CLASS_DIRECT_MAX >> JM_MIN_SHIFT] = {
	JM_D16(0), JM_D16(16), JM_D16(32), JM_D16(48),
};

#define JM_S4(k)                                                      \
	JM_CLASS_SIZE_CONST(k), JM_CLASS_SIZE_CONST(k + 1),           \
		JM_CLASS_SIZE_CONST(k + 2), JM_CLASS_SIZE_CONST(k + 3)
#define JM_S20(k) JM_S4(k), JM_S4(k + 4), JM_S4(k + 8), JM_S4(k + 12), JM_S4(k + 16)

JM_STATIC_ASSERT(JM_NCLASSES == 60, "the table below has 60 entries");

const uint32_t jm_class_bytes[JM_NCLASSES] = {
	JM_S20(0), JM_S20(20), JM_S20(40),
};
#endif
