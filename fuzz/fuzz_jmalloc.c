/*
 * fuzz_jmalloc.c - a libFuzzer target: random sequences of jmalloc, jmfree,
 * jmrealloc and jmcalloc over sizes from 0 to several MiB, with every
 * block's contents written and checked, and the checking mode
 * (JMALLOC_CHECK=1) as the oracle for the library's own bookkeeping.
 *
 * Each input is read as a program of commands, one byte of opcode and
 * its operands:
 *   op % 6 == 0, 1  jmalloc   slot, size
 *   op % 6 == 2     jmcalloc  slot, count, size
 *   op % 6 == 3     jmrealloc slot, size
 *   op % 6 == 4     jmfree    slot, size offset (a size from the request
 *                             up to jmalloc_good_size of it)
 *   op % 6 == 5     check     slot
 * A size is two bytes: a range selector and a value (up to 4 MiB).
 *
 * Build (see .ci/fuzz.sh):
 *   clang -fsanitize=fuzzer,address,undefined fuzz_jmalloc.c libjmalloc.a
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmalloc.h"

enum { SLOTS = 64 };

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

struct input {
	const uint8_t *data;
	size_t len;
};

static unsigned next(struct input *in)
{
	if (in->len == 0)
		return 0;
	in->len--;
	return *in->data++;
}

/* Mostly small, sometimes up to 4 MiB: one byte picks the range. */
static size_t next_size(struct input *in)
{
	unsigned r = next(in), v = next(in);

	switch (r % 16) {
	case 0: case 1:
		return v % 17; /* 0 to 16 */
	case 2: case 3: case 4: case 5: case 6: case 7:
		return (size_t)v * 8 + r / 16; /* to 2 KiB */
	case 8: case 9: case 10: case 11: case 12:
		return (size_t)v * 257 + r; /* to 64 KiB */
	case 13: case 14:
		return ((size_t)v << 12) + r; /* to 1 MiB */
	default:
		return ((size_t)1 << 20) + ((size_t)v << 12) * 3 + r; /* to 4 MiB */
	}
}

/* Every byte of a block holds its slot's tag, which differs from the tags
 * of the other live blocks. */
static void fill(struct slot *s, size_t from)
{
	memset(s->p + from, s->tag, s->size - from);
}

static void verify(const struct slot *s, size_t len)
{
	/* All bytes equal the tag iff the first does and each equals the
	 * next. */
	if (len > 0 && (s->p[0] != s->tag || memcmp(s->p, s->p + 1, len - 1) != 0)) {
		fprintf(stderr, "block %p of %zu bytes: its contents changed\n",
			(void *)s->p, s->size);
		abort();
	}
}

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jmalloc: %s\n", what);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Before the library's first call, which reads it. */
	setenv("JMALLOC_CHECK", "1", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct slot slot[SLOTS];
	struct input in = { data, len };
	unsigned tag = 0;
	int i;

	memset(slot, 0, sizeof(slot));
	while (in.len > 0) {
		unsigned op = next(&in) % 6;
		struct slot *s = &slot[next(&in) % SLOTS];

		if (op <= 2 && s->p == NULL) {
			size_t size = next_size(&in);

			if (op == 2) {
				size_t n = next(&in) % 8 + 1;

				size /= n;
				s->p = jmcalloc(n, size);
				size *= n;
				need(s->p != NULL, "jmcalloc failed");
				/* Zero iff the first byte is and each equals
				 * the next: one memcmp.  A loop over the bytes,
				 * each comparison traced by the fuzzer, took
				 * most of the run time. */
				need(size == 0 ||
				     (s->p[0] == 0 &&
				      memcmp(s->p, s->p + 1, size - 1) == 0),
				     "jmcalloc block not zero");
			} else {
				s->p = jmalloc(size);
				need(s->p != NULL, "jmalloc failed");
			}
			need(((uintptr_t)s->p & 15) == 0, "block not 16-byte aligned");
			need(jmalloc_good_size(size) >= size, "good size too small");
			s->size = size;
			s->tag = (unsigned char)++tag;
			fill(s, 0);
		} else if (op == 3 && s->p != NULL) {
			size_t size = next_size(&in);
			size_t keep = size < s->size ? size : s->size;
			unsigned char *p;

			verify(s, s->size);
			p = jmrealloc(s->p, s->size, size);
			need(p != NULL, "jmrealloc failed");
			s->p = p;
			s->size = size;
			verify(s, keep);
			fill(s, keep);
		} else if (op == 4 && s->p != NULL) {
			size_t good = jmalloc_good_size(s->size);
			size_t off = next(&in) % (good - s->size + 1);

			verify(s, s->size);
			/* The library's own checks stop the program if the
			 * size is refused. */
			jmfree(s->p, s->size + off);
			s->p = NULL;
		} else if (op == 5 && s->p != NULL) {
			verify(s, s->size);
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (slot[i].p != NULL) {
			verify(&slot[i], slot[i].size);
			jmfree(slot[i].p, slot[i].size);
		}
	}
	return 0;
}
