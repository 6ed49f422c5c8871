/* sizeclass.c - the table behind jm_class_of_table(). */
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
