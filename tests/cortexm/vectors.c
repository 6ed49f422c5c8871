/*
 * vectors.c - the vector table of the Cortex-M test programs: the initial
 * stack pointer (the top of the board's second RAM, see link.ld) and the
 * reset handler, which is the C library's start-up code (newlib's _start,
 * from --specs=rdimon.specs: semihosting for output and the exit status).
 * A fault stops the program at once with the status 127.
 */
#include <unistd.h>

extern char jm_stack_top[];
extern void _start(void);
void jm_fault(void);

void jm_fault(void)
{
	_exit(127);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
	(void (*)(void))(void *)jm_stack_top, /* initial stack pointer */
	_start,				     /* reset */
	jm_fault,			     /* NMI */
	jm_fault,			     /* hard fault */
	jm_fault,			     /* memory management fault */
	jm_fault,			     /* bus fault */
	jm_fault,			     /* usage fault */
	0, 0, 0, 0,
	jm_fault, /* SVCall */
	jm_fault, /* debug monitor */
	0,
	jm_fault, /* PendSV */
	jm_fault, /* SysTick */
};
