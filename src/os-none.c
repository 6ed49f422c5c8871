/*
 * os-none.c - the OS layer of the build without memory mappings: there is
 * no system below the allocator.  Nothing is mapped; large blocks are
 * carved from the program's region in steps of JM_MIN_SIZE bytes, which
 * stands in for the page size; the environment is not read.
 */
#include "config.h"

#include <errno.h>

#include "os.h"
#include "sizeclass.h"

size_t jm_os_page_size(void)
{
	return JM_MIN_SIZE;
}

uint64_t jm_os_random(void)
{
	/* No source of random bits: what differs from build to build and,
	 * with address-space randomisation, from run to run. */
	static char here;
	uint64_t v = (uint64_t)(uintptr_t)&here;

	v ^= (uint64_t)(uintptr_t)&v << 16;
	return v * 0x9e3779b97f4a7c15ull;
}

long jm_os_env_long(const char *name, long dflt, long min, long max)
{
	(void)name;
	(void)min;
	(void)max;
	return dflt;
}
