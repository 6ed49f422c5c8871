/*
 * report.h - stopping the program: one line "jmalloc: <message>" on
 * standard error, then abort(), so that a core dump shows the caller.
 * Only a misuse found by the checking mode (debug.c), a corrupted free
 * list found by the hardened build (heap.h) and a broken internal
 * assertion (JM_ASSERT, common.h) stop the program; every other failure
 * is a result the caller gets.
 */
#ifndef JM_REPORT_H
#define JM_REPORT_H

#include "common.h"

__attribute__((noreturn, format(printf, 1, 2))) void jm_report(const char *fmt, ...)
	JM_HIDDEN JM_COLD;

#endif /* JM_REPORT_H */
