/*
 * contract.c - the promises of jmalloc.h, through the public interface
 * alone and without Check, so that the program builds and runs wherever
 * the library does: cross-compiled, linked statically, under an emulator.
 *
 *   bad input      sizes 0 and at the class and page limits, sizes near
 *                  PTRDIFF_MAX and SIZE_MAX, jmcalloc overflow, jmrealloc
 *                  to impossible sizes, NULL and impossible frees,
 *                  jmalloc_stats misuse, errno kept
 *   model          a seeded random sequence of jmalloc, jmcalloc,
 *                  jmrealloc and jmfree over sizes 0 to 4 MiB, checked
 *                  against a model of the blocks
 *   threads        (thread-safe build) threads doing the same and passing
 *                  blocks to each other
 *   out of memory  under a capped address space (or, in a library without
 *                  memory mappings, when its region is used up): NULL and
 *                  ENOMEM, blocks kept, memory served again once freed
 *
 * Usage: contract [SEED].  A broken promise prints a line on standard
 * error that says which; the exit status is 0 when every part held, 1
 * otherwise.  JMALLOC_TEST_SCALE divides the number of operations.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmalloc.h"
#if JMALLOC_THREADS
#include <pthread.h>
#endif
#define TESTUTIL_WITHOUT_CHECK 1
#include "testutil.h"

/* The part being run, for the messages. */
static const char *part = "";

static void complain(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void complain(int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "contract: %s: FAIL (contract.c:%d): %s\n", part, line, msg);
}

/* When `cond` is false: say what broke, and return 1. */
#define EXPECT(cond, ...)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			complain(__LINE__, __VA_ARGS__);                   \
			return 1;                                          \
		}                                                          \
	} while (0)

/* A size the compiler cannot see as a constant (it warns of huge ones). */
static size_t opaque(size_t size)
{
	volatile size_t v = size;

	return v;
}

/* What a large block's size is rounded up to: the page size, or 16 bytes
 * in a library without memory mappings, which carves them from its
 * region. */
static size_t large_unit(void)
{
	return JMALLOC_MMAP ? page_size() : 16;
}

/* The largest size a block may have: PTRDIFF_MAX rounded down to that. */
static size_t largest_block(void)
{
	return (size_t)PTRDIFF_MAX / large_unit() * large_unit();
}

/* The alignment promised to a block of usable size `good` (jmalloc(3)):
 * 16 bytes; in a library that maps its memory and is not the tiny one, up
 * to 1 MiB, the largest power of two up to JMALLOC_SPAN_SIZE that divides
 * it, and at least 16; above, the page size. */
static size_t promised_alignment(size_t good)
{
	size_t a = good & -good;

	if (!JMALLOC_MMAP || JMALLOC_TINY)
		return 16;
	if (good > MiB)
		return page_size();
	if (a > JMALLOC_SPAN_SIZE)
		a = JMALLOC_SPAN_SIZE;
	return a < 16 ? 16 : a;
}

/* 1 when large blocks are mapped between guard pages (JMALLOC_GUARD=1),
 * which jmrealloc then copies rather than resizing in place. */
static int guard_pages(void)
{
	const char *e = getenv("JMALLOC_GUARD");

	return e != NULL && strcmp(e, "1") == 0;
}

/* --- Block contents -------------------------------------------------------- */

/*
 * Every byte of a block's usable size is writable (jmalloc.h), but the
 * compiler knows a block by the size asked for (alloc_size), and
 * _FORTIFY_SOURCE would stop a write past it: the bytes past it are
 * written through a pointer the compiler cannot follow.
 */
static unsigned char *whole(void *p)
{
	unsigned char *volatile v = p;

	return v;
}

/* Word `w` of the pattern of `tag`: every block holds its own. */
static uint32_t pattern_word(uint32_t tag, size_t w)
{
	return (tag * 0x9e3779b1u) ^ ((uint32_t)w * 0x85ebca6bu) ^ (uint32_t)(w >> 16);
}

/* Write the pattern of `tag` over the first `n` bytes of `block`. */
static void tag_block(unsigned char *block, size_t n, uint32_t tag)
{
	unsigned char *p = whole(block);
	size_t w;

	for (w = 0; w < n / 4; w++) {
		uint32_t v = pattern_word(tag, w);

		memcpy(p + 4 * w, &v, 4);
	}
	if (n % 4 != 0) {
		uint32_t v = pattern_word(tag, w);

		memcpy(p + 4 * w, &v, n % 4);
	}
}

/* The offset of the first of the `n` bytes of `p` that does not hold the
 * pattern of `tag` (a multiple of 4 at most), or `n` when all do. */
static size_t first_untagged(const unsigned char *p, size_t n, uint32_t tag)
{
	size_t w;

	for (w = 0; w < n / 4; w++) {
		uint32_t v = pattern_word(tag, w);

		if (memcmp(p + 4 * w, &v, 4) != 0)
			return 4 * w;
	}
	if (n % 4 != 0) {
		uint32_t v = pattern_word(tag, w);

		if (memcmp(p + 4 * w, &v, n % 4) != 0)
			return 4 * w;
	}
	return n;
}

/* 1 when the first `n` bytes of `p` are zero. */
static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* --- Bad input ----------------------------------------------------------- */

/* jmalloc(0) and the products of 0 give unique minimum blocks. */
static int zero_sizes(void)
{
	/* Through opaque(): the compiler knows these blocks as 0 bytes long. */
	unsigned char *a = jmalloc(opaque(0)), *b = jmalloc(opaque(0));
	unsigned char *c = jmcalloc(opaque(0), opaque(SIZE_MAX));
	unsigned char *d = jmcalloc(opaque(SIZE_MAX), opaque(0));
	unsigned char *r;
	size_t min = jmalloc_good_size(0);

	EXPECT(min == 16, "jmalloc_good_size(0) is %zu, want 16", min);
	EXPECT(a != NULL && b != NULL && a != b, "jmalloc(0) twice gave %p and %p",
	       (void *)a, (void *)b);
	EXPECT(c != NULL && d != NULL && c != d,
	       "jmcalloc(0, SIZE_MAX) and jmcalloc(SIZE_MAX, 0) gave %p and %p",
	       (void *)c, (void *)d);
	EXPECT((uintptr_t)a % 16 == 0 && (uintptr_t)c % 16 == 0, "minimum blocks %p, %p "
	       "not 16-byte aligned", (void *)a, (void *)c);
	EXPECT((uintptr_t)a + min <= (uintptr_t)b || (uintptr_t)b + min <= (uintptr_t)a,
	       "two blocks of jmalloc(0), %p and %p, overlap", (void *)a, (void *)b);
	memset(whole(a), 1, writable_size(0));
	memset(whole(b), 2, writable_size(0));
	/* jmrealloc to 0 is a minimum block, not a free. */
	r = jmrealloc(c, 0, opaque(0));
	EXPECT(r != NULL, "jmrealloc(p, 0, 0) failed: errno %d", errno);
	memset(whole(r), 3, writable_size(0));
	jmfree(a, 0);
	jmfree(b, min);
	jmfree(r, 0);
	jmfree(d, 5);
	/* jmrealloc(NULL, ...) ignores old_size, even an impossible one. */
	r = jmrealloc(NULL, opaque(SIZE_MAX), 10);
	EXPECT(r != NULL, "jmrealloc(NULL, SIZE_MAX, 10) failed: errno %d", errno);
	memset(r, 4, 10);
	jmfree(r, 10);
	return 0;
}

/* The sizes where classes end and pages begin get what jmalloc.h says. */
static int limits_of_classes(void)
{
	size_t page = large_unit();
	size_t sizes[] = { 1, 15, 16, 17, 128, 129, MiB - 1, MiB, MiB + 1,
			   MiB + page - 1, MiB + page, MiB + page + 1, 4 * MiB };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t s = sizes[i], good = jmalloc_good_size(s);
		unsigned char *p = jmalloc(s);

		if (s <= MiB)
			EXPECT(good >= s && good <= MiB && good % 16 == 0,
			       "jmalloc_good_size(%zu) is %zu, want a class of up to 1 MiB", s, good);
		else
			EXPECT(good == (s + page - 1) / page * page,
			       "jmalloc_good_size(%zu) is %zu, want it rounded up to pages", s, good);
		EXPECT(jmalloc_good_size(good) == good, "jmalloc_good_size(%zu) is %zu",
		       good, jmalloc_good_size(good));
		EXPECT(p != NULL, "jmalloc(%zu) failed: errno %d", s, errno);
		EXPECT((uintptr_t)p % promised_alignment(good) == 0,
		       "jmalloc(%zu) gave %p, not aligned to %zu", s, (void *)p,
		       promised_alignment(good));
		memset(whole(p), 0x6b, writable_size(s));
		jmfree(p, good);
	}
	return 0;
}

/* Every size from SIZE_MAX down through two pages, and the sizes around
 * PTRDIFF_MAX and the largest block: the impossible ones fail with ENOMEM
 * and have a good size of 0; the others, on a system whose address space
 * can hold them, may be had. */
static int huge_sizes(void)
{
	size_t page = large_unit(), top = (size_t)PTRDIFF_MAX, largest = largest_block();
	size_t near[] = { largest - page, largest - page + 1, largest - 1, largest,
			  largest + 1, top, top + 1, top + 2, top + page, top + page + 1 };
	size_t i, k;

	for (k = 0; k < 2 * page + 64; k++) {
		size_t s = opaque(SIZE_MAX - k);

		errno = 0;
		EXPECT(jmalloc(s) == NULL && errno == ENOMEM, "jmalloc(%zu): errno %d", s, errno);
		errno = 0;
		EXPECT(jmcalloc(1, s) == NULL && errno == ENOMEM, "jmcalloc(1, %zu)", s);
		errno = 0;
		EXPECT(jmcalloc(s, 1) == NULL && errno == ENOMEM, "jmcalloc(%zu, 1)", s);
		errno = 0;
		EXPECT(jmrealloc(NULL, 0, s) == NULL && errno == ENOMEM, "jmrealloc(NULL, 0, %zu)", s);
		EXPECT(jmalloc_good_size(s) == 0, "jmalloc_good_size(%zu) is %zu", s,
		       jmalloc_good_size(s));
	}
	for (i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		size_t s = opaque(near[i]), good = jmalloc_good_size(s);
		unsigned char *p;

		errno = 0;
		p = jmalloc(s);
		if (s > largest) {
			EXPECT(p == NULL && errno == ENOMEM, "jmalloc(%zu), past the largest "
			       "block %zu, gave %p, errno %d", s, largest, (void *)p, errno);
			EXPECT(good == 0, "jmalloc_good_size(%zu) is %zu, want 0", s, good);
			continue;
		}
		EXPECT(good == (s + page - 1) / page * page,
		       "jmalloc_good_size(%zu) is %zu, want it rounded up to pages", s, good);
		if (p == NULL) {
			EXPECT(errno == ENOMEM, "jmalloc(%zu) failed with errno %d", s, errno);
			continue;
		}
		EXPECT((uintptr_t)p % page == 0, "jmalloc(%zu) gave %p", s, (void *)p);
		p[0] = 1;
		p[s - 1] = 2;
		jmfree(p, s);
	}
	return 0;
}

/* A product of jmcalloc that overflows, or that is past the largest
 * block, fails with ENOMEM. */
static int calloc_overflow(void)
{
	size_t half = (size_t)1 << (sizeof(size_t) * 4);
	size_t pairs[][2] = {
		{ SIZE_MAX, 2 }, { 2, SIZE_MAX }, { SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX / 2 + 1, 2 }, { half, half }, { half + 1, half - 1 },
		{ SIZE_MAX / 3 + 1, 3 }, { (size_t)PTRDIFF_MAX / 2 + 1, 2 },
		{ largest_block() / 16 + 1, 16 },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t n = opaque(pairs[i][0]), s = opaque(pairs[i][1]);
		void *p;

		errno = 0;
		p = jmcalloc(n, s);
		EXPECT(p == NULL && errno == ENOMEM, "jmcalloc(%zu, %zu) gave %p, errno %d",
		       n, s, p, errno);
	}
	return 0;
}

/* jmrealloc to a size no block can have fails with ENOMEM and leaves the
 * block as it was, small or large. */
static int realloc_impossible_keeps_block(void)
{
	size_t sizes[] = { 0, 100, 5000, MiB, 3 * MiB };
	size_t impossible[] = { SIZE_MAX, (size_t)PTRDIFF_MAX + 1, largest_block() + 1 };
	size_t i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t s = sizes[i], n = writable_size(s);
		unsigned char *p = jmalloc(s), *q;

		EXPECT(p != NULL, "jmalloc(%zu) failed", s);
		tag_block(p, n, (uint32_t)i);
		for (j = 0; j < sizeof(impossible) / sizeof(impossible[0]); j++) {
			size_t to = opaque(impossible[j]);

			errno = 0;
			q = jmrealloc(p, s, to);
			EXPECT(q == NULL && errno == ENOMEM, "jmrealloc(%p, %zu, %zu) gave %p, "
			       "errno %d", (void *)p, s, to, (void *)q, errno);
			EXPECT(first_untagged(p, n, (uint32_t)i) == n, "jmrealloc(p, %zu, %zu) "
			       "failed and changed byte %zu", s, to, first_untagged(p, n, (uint32_t)i));
		}
		q = jmrealloc(p, s, s + 1000);
		EXPECT(q != NULL, "jmrealloc(p, %zu, %zu) failed after the failures", s, s + 1000);
		EXPECT(first_untagged(q, n, (uint32_t)i) >= s,
		       "jmrealloc(p, %zu, %zu) lost the contents", s, s + 1000);
		jmfree(q, s + 1000);
	}
	return 0;
}

/* In a child: a size no block can have is ignored by jmfree (errno kept),
 * and the block stays its owner's. */
static int body_free_impossible_sizes(void)
{
	size_t sizes[] = { SIZE_MAX, (size_t)PTRDIFF_MAX + 1, largest_block() + 1 };
	unsigned char *p = jmalloc(100);
	size_t i;

	if (checking_mode()) /* its stop is expected: no message */
		dup2(open("/dev/null", O_WRONLY), STDERR_FILENO);
	REQUIRE(p != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		errno = EDOM;
		jmfree(p, opaque(sizes[i]));
		REQUIRE(errno == EDOM);
	}
	memset(p, 1, 100); /* still ours */
	REQUIRE(jmalloc(100) != p);
	jmfree(p, 100);
	return 0;
}

/* jmfree(NULL, any size) does nothing, and an impossible size is ignored
 * (the checking mode stops the program instead). */
static int free_null_and_impossible(void)
{
	size_t sizes[] = { 0, 1, 100, MiB + 1, SIZE_MAX, (size_t)PTRDIFF_MAX + 1 };
	size_t i;
	int status;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		errno = EDOM;
		jmfree(NULL, opaque(sizes[i]));
		EXPECT(errno == EDOM, "jmfree(NULL, %zu) changed errno to %d", sizes[i], errno);
	}
	status = child_status(body_free_impossible_sizes);
	if (checking_mode())
		EXPECT(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		       "an impossible size given to jmfree did not stop the checking mode "
		       "(status %d)", status);
	else
		EXPECT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "an impossible size given to jmfree was not ignored (status %d, see "
		       "above)", status);
	return 0;
}

/* jmfree and jmalloc_trim leave errno as it was, small block or large. */
static int errno_kept(void)
{
	size_t sizes[] = { 0, 24, 4000, MiB, 2 * MiB + 1 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = jmalloc(sizes[i]);

		EXPECT(p != NULL, "jmalloc(%zu) failed", sizes[i]);
		errno = EDOM;
		jmfree(p, sizes[i]);
		EXPECT(errno == EDOM, "jmfree(p, %zu) changed errno to %d", sizes[i], errno);
	}
	errno = ERANGE;
	(void)jmalloc_trim();
	EXPECT(errno == ERANGE, "jmalloc_trim changed errno to %d", errno);
	return 0;
}

/* jmalloc_stats: EINVAL for NULL or a size of 0; only the members that fit
 * in the size given are written, and none past the struct it knows. */
static int stats_sizes(void)
{
	union {
		struct jmalloc_stats st;
		unsigned char raw[sizeof(struct jmalloc_stats) + 64];
	} u;
	struct jmalloc_stats st;
	size_t i, one = offsetof(struct jmalloc_stats, listed), filled;
	void *p = jmalloc(100);

	memset(&filled, 0xa5, sizeof(filled));
	EXPECT(p != NULL, "jmalloc(100) failed");
	errno = 0;
	EXPECT(jmalloc_stats(NULL, sizeof(st)) == -1 && errno == EINVAL,
	       "jmalloc_stats(NULL, %zu): errno %d", sizeof(st), errno);
	errno = 0;
	EXPECT(jmalloc_stats(&st, 0) == -1 && errno == EINVAL, "jmalloc_stats(&st, 0): errno %d",
	       errno);
	/* The struct of a program that knows the first member only. */
	memset(&u, 0xa5, sizeof(u));
	EXPECT(jmalloc_stats(&u.st, one) == 0, "jmalloc_stats(&st, %zu) failed", one);
	EXPECT(u.st.mapped > 0 && u.st.mapped != filled,
	       "jmalloc_stats(&st, %zu) did not fill mapped", one);
	for (i = one; i < sizeof(u); i++)
		EXPECT(u.raw[i] == 0xa5, "jmalloc_stats(&st, %zu) wrote byte %zu", one, i);
	memset(&u, 0xa5, sizeof(u));
	EXPECT(jmalloc_stats(&u.st, sizeof(u)) == 0, "jmalloc_stats(&st, %zu) failed", sizeof(u));
	for (i = sizeof(st); i < sizeof(u); i++)
		EXPECT(u.raw[i] == 0xa5, "jmalloc_stats(&st, %zu) wrote byte %zu, past the struct",
		       sizeof(u), i);
	EXPECT(u.st.mapped >= u.st.large_live, "mapped %zu < large_live %zu", u.st.mapped,
	       u.st.large_live);
	jmfree(p, 100);
	return 0;
}

static int bad_input(void)
{
	int failed = zero_sizes() | limits_of_classes() | huge_sizes() | calloc_overflow() |
		     realloc_impossible_keeps_block() | free_null_and_impossible() |
		     errno_kept() | stats_sizes();

	if (!failed)
		printf("contract: bad input: every case gave its documented result\n");
	return failed;
}

/* --- The model ------------------------------------------------------------ */

/* What the model knows of one block. */
struct block {
	unsigned char *p;
	size_t asked;  /* the size asked for */
	size_t good;   /* jmalloc_good_size(asked) */
	size_t tagged; /* the bytes that hold the pattern of tag */
	uint32_t tag;
};

struct model {
	struct block *b;
	size_t n;
	uint64_t rng;
	uint32_t tag; /* the last tag given */
};

/* A size from 0 to 4 MiB, most of them small. */
static size_t random_size(uint64_t *rng)
{
	uint64_t pick = test_rand(rng) % 100, x = test_rand(rng);

	if (pick < 60)
		return (size_t)(x % 257);
	if (pick < 85)
		return (size_t)(x % (8 * KiB + 1));
	/* The tiny library without memory mappings keeps the memory of a
	 * large block freed before the last one carved unused (jmalloc.h):
	 * a random sequence of them would use up any region. */
	if (pick < 95 || (JMALLOC_TINY && !JMALLOC_MMAP))
		return (size_t)(x % (256 * KiB + 1));
	if (pick < 98)
		return (size_t)(x % (MiB + MiB / 2 + 1));
	return (size_t)(x % (4 * MiB + 1));
}

/* A size jmfree() takes for the block: from the size asked to its good size. */
static size_t random_free_size(struct model *m, const struct block *b)
{
	return b->asked + (size_t)(test_rand(&m->rng) % (b->good - b->asked + 1));
}

/* A block just handed out for `asked` bytes, to go into `b`: its good size,
 * alignment, and no overlap with another block of the model. */
static int check_new(struct model *m, const struct block *b, unsigned char *p, size_t asked,
		     const char *how)
{
	size_t good = jmalloc_good_size(asked), i;
	uintptr_t lo = (uintptr_t)p;

	EXPECT(p != NULL, "%s of %zu bytes failed: errno %d", how, asked, errno);
	EXPECT(good >= asked && good % 16 == 0 && jmalloc_good_size(good) == good,
	       "jmalloc_good_size(%zu) is %zu", asked, good);
	EXPECT(lo % promised_alignment(good) == 0, "%s of %zu bytes gave %p, not aligned to %zu",
	       how, asked, (void *)p, promised_alignment(good));
	for (i = 0; i < m->n; i++) {
		uintptr_t q = (uintptr_t)m->b[i].p;

		if (&m->b[i] == b || m->b[i].p == NULL)
			continue;
		EXPECT(lo + good <= q || q + m->b[i].good <= lo,
		       "%s of %zu bytes gave %p, which overlaps %p of %zu bytes", how, asked,
		       (void *)p, (void *)m->b[i].p, m->b[i].good);
	}
	return 0;
}

/* Put the block `p` of `asked` bytes into `b`, with a new tag over it. */
static void keep(struct model *m, struct block *b, unsigned char *p, size_t asked)
{
	b->p = p;
	b->asked = asked;
	b->good = jmalloc_good_size(asked);
	b->tagged = writable_size(asked);
	b->tag = ++m->tag;
	tag_block(p, b->tagged, b->tag);
}

/* The block in `b` still holds its pattern. */
static int check_intact(const struct block *b)
{
	size_t at = first_untagged(b->p, b->tagged, b->tag);

	EXPECT(at == b->tagged, "block %p of %zu bytes changed at byte %zu while in use",
	       (void *)b->p, b->asked, at);
	return 0;
}

static int model_alloc(struct model *m, struct block *b)
{
	size_t size = random_size(&m->rng);
	unsigned char *p;

	if (test_rand(&m->rng) % 2 == 0) {
		p = jmalloc(size);
		if (check_new(m, b, p, size, "jmalloc"))
			return 1;
	} else {
		size_t elem = (size_t)1 << (test_rand(&m->rng) % 5), nmemb = size / elem;

		size = nmemb * elem;
		p = jmcalloc(nmemb, elem);
		if (check_new(m, b, p, size, "jmcalloc"))
			return 1;
		EXPECT(all_zero(p, size), "jmcalloc(%zu, %zu) gave a block not cleared", nmemb,
		       elem);
	}
	keep(m, b, p, size);
	return 0;
}

static int model_free(struct model *m, struct block *b)
{
	size_t size = random_free_size(m, b);

	if (check_intact(b))
		return 1;
	errno = EDOM;
	jmfree(b->p, size);
	EXPECT(errno == EDOM, "jmfree(p, %zu) changed errno to %d", size, errno);
	b->p = NULL;
	return 0;
}

static int model_realloc(struct model *m, struct block *b)
{
	size_t old = random_free_size(m, b), size = random_size(&m->rng);
	size_t kept = b->tagged < old ? b->tagged : old, at;
	unsigned char *q;

	if (check_intact(b))
		return 1;
	q = jmrealloc(b->p, old, size);
	if (check_new(m, b, q, size, "jmrealloc"))
		return 1;
	if (size < kept)
		kept = size;
	at = first_untagged(q, kept, b->tag);
	EXPECT(at == kept, "jmrealloc(p, %zu, %zu) kept %zu bytes of %zu", old, size, at, kept);
	if (jmalloc_good_size(size) == b->good)
		EXPECT(q == b->p || (b->good > MiB && guard_pages()),
		       "jmrealloc(p, %zu, %zu) moved the block within its class", old, size);
	if (b->good > MiB && size > MiB && size < b->asked)
		EXPECT(q == b->p || guard_pages(),
		       "jmrealloc(p, %zu, %zu) moved a large block that shrank", old, size);
	keep(m, b, q, size);
	return 0;
}

/* One random operation on a random block of the model. */
static int model_step(struct model *m)
{
	struct block *b = &m->b[test_rand(&m->rng) % m->n];

	if (b->p == NULL)
		return model_alloc(m, b);
	if (test_rand(&m->rng) % 2 == 0)
		return model_free(m, b);
	return model_realloc(m, b);
}

/* Check and free every block of the model. */
static int model_free_all(struct model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->b[i].p != NULL && model_free(m, &m->b[i]))
			return 1;
	return 0;
}

/* What jmalloc_stats says agrees with the model's large blocks, and
 * jmalloc_trim keeps errno and every block. */
static int model_stats(struct model *m)
{
	struct jmalloc_stats st;
	size_t large = 0, i;

	/* The tiny library keeps no figures of large blocks (jmalloc.h). */
	for (i = 0; !JMALLOC_TINY && i < m->n; i++)
		if (m->b[i].p != NULL && m->b[i].good > MiB)
			large += m->b[i].good;
	EXPECT(jmalloc_stats(&st, sizeof(st)) == 0, "jmalloc_stats failed: errno %d", errno);
	EXPECT(st.large_live >= large && st.mapped >= st.large_live,
	       "jmalloc_stats: large_live %zu, mapped %zu, with %zu bytes of large blocks in use",
	       st.large_live, st.mapped, large);
	errno = EDOM;
	(void)jmalloc_trim();
	EXPECT(errno == EDOM, "jmalloc_trim changed errno to %d", errno);
	return 0;
}

static int run_model(uint64_t seed)
{
	struct block blocks[512];
	struct model m = { blocks, sizeof(blocks) / sizeof(blocks[0]), seed, 0 };
	long ops = test_scale(20000), k;
	struct jmalloc_stats st;

	memset(blocks, 0, sizeof(blocks));
	for (k = 0; k < ops; k++) {
		if (model_step(&m) || (k % 1000 == 999 && model_stats(&m))) {
			fprintf(stderr, "contract: model: at operation %ld of seed %llu\n", k,
				(unsigned long long)seed);
			return 1;
		}
	}
	if (model_stats(&m) || model_free_all(&m))
		return 1;
	EXPECT(jmalloc_stats(&st, sizeof(st)) == 0 && st.large_live == 0,
	       "every block freed, and large_live is %zu", st.large_live);
	printf("contract: model: %ld operations, seed %llu\n", ops, (unsigned long long)seed);
	return 0;
}

/* --- Threads ---------------------------------------------------------------- */

#if JMALLOC_THREADS
#define WORKERS 4

/* Blocks on their way from one thread to another. */
static struct {
	pthread_mutex_t lock;
	struct block b[64];
} passing = { PTHREAD_MUTEX_INITIALIZER, { { NULL, 0, 0, 0, 0 } } };

struct worker {
	pthread_t thread;
	struct block blocks[64];
	struct model m;
	long ops;
	int failed;
};

/* Swap a random block of the model with a random one on its way (either
 * may be none), and check the one received. */
static int pass_block(struct model *m)
{
	struct block *mine = &m->b[test_rand(&m->rng) % m->n], held;
	size_t j = (size_t)(test_rand(&m->rng) % 64);

	pthread_mutex_lock(&passing.lock);
	held = passing.b[j];
	passing.b[j] = *mine;
	pthread_mutex_unlock(&passing.lock);
	*mine = held;
	if (mine->p == NULL)
		return 0;
	return check_intact(mine) ||
	       check_new(m, mine, mine->p, mine->asked, "a block from another thread");
}

static void *work(void *arg)
{
	struct worker *w = arg;
	long k;

	for (k = 0; k < w->ops && !w->failed; k++)
		w->failed = test_rand(&w->m.rng) % 8 == 0 ? pass_block(&w->m) : model_step(&w->m);
	if (!w->failed)
		w->failed = model_free_all(&w->m);
	return NULL;
}

static int run_threads(uint64_t seed)
{
	static struct worker w[WORKERS];
	struct model rest = { passing.b, 64, seed, 0 };
	int i, failed = 0;

	for (i = 0; i < WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].m.b = w[i].blocks;
		w[i].m.n = sizeof(w[i].blocks) / sizeof(w[i].blocks[0]);
		w[i].m.rng = seed + (uint64_t)i + 1;
		/* Tags apart: no two blocks of two threads share a pattern. */
		w[i].m.tag = (uint32_t)i << 28;
		w[i].ops = test_scale(10000);
		EXPECT(pthread_create(&w[i].thread, NULL, work, &w[i]) == 0,
		       "pthread_create failed");
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(w[i].thread, NULL);
		failed |= w[i].failed;
	}
	EXPECT(!failed, "a thread found a broken promise (see above)");
	if (model_free_all(&rest))
		return 1;
	printf("contract: threads: %d threads of %ld operations, passing blocks\n", WORKERS,
	       w[0].ops);
	return 0;
}
#endif

/* --- Out of memory ---------------------------------------------------------- */

/* In a child: with the address space capped, memory runs out; then every
 * allocation fails with ENOMEM, a failed jmrealloc keeps its block, and
 * freed memory serves again. */
static int body_out_of_memory(void)
{
	/* At most 256 blocks of 64 MiB: 16 GiB, more than a 32-bit address
	 * space holds and than any cap here allows. */
	size_t big = 64 * MiB, most = 256;
	size_t n_big, n_small, keep_size = 3 * MiB;
	void **bigs, **smalls, *p;
	unsigned char *kept = jmalloc(keep_size), *q;

	EXPECT(kept != NULL, "jmalloc(%zu) failed before the cap", keep_size);
	tag_block(kept, keep_size, 77);
	/* Without memory mappings, the region given in main() runs out. */
	if (JMALLOC_MMAP)
		(void)cap_address_space(256 * MiB); /* RLIMIT_AS: qemu-user ignores it */
	bigs = fill_memory_upto(big, most, &n_big);
	EXPECT(n_big < most, "%zu blocks of %zu MiB and still no ENOMEM: the address space "
	       "is not capped (an emulator that ignores RLIMIT_AS needs its own cap, such as "
	       "qemu's -R)", n_big, big / MiB);
	EXPECT(n_big > 0 && errno == ENOMEM, "%zu blocks of %zu MiB, then errno %d", n_big,
	       big / MiB, errno);
	smalls = fill_memory_upto(MiB, 4096, &n_small);
	EXPECT(errno == ENOMEM, "blocks of 1 MiB ran out with errno %d", errno);

	errno = 0;
	p = jmalloc(big);
	EXPECT(p == NULL && errno == ENOMEM, "out of memory, jmalloc(%zu) gave %p, errno %d",
	       big, p, errno);
	errno = 0;
	p = jmcalloc(big / 16, 16);
	EXPECT(p == NULL && errno == ENOMEM, "out of memory, jmcalloc gave %p, errno %d", p,
	       errno);
	/* Growing in place needs less than a new mapping: twice as much. */
	errno = 0;
	q = jmrealloc(kept, keep_size, 2 * big);
	EXPECT(q == NULL && errno == ENOMEM, "out of memory, jmrealloc(p, %zu, %zu) gave %p, "
	       "errno %d", keep_size, 2 * big, (void *)q, errno);
	EXPECT(first_untagged(kept, keep_size, 77) == keep_size,
	       "a jmrealloc that failed changed its block");

	/* The tiny library without memory mappings serves large blocks again
	 * only from the end of its region (jmalloc.h): it stops here. */
	if (JMALLOC_TINY && !JMALLOC_MMAP) {
		printf("contract: out of memory: after %zu blocks of 64 MiB and %zu of 1 MiB "
		       "(the tiny library: no memory served again)\n", n_big, n_small);
		return 0;
	}
	/* A large block freed serves the next request of its size. */
	p = *bigs;
	errno = ENOMEM;
	jmfree(bigs, big);
	EXPECT(errno == ENOMEM, "jmfree out of memory changed errno to %d", errno);
	bigs = jmalloc(big);
	EXPECT(bigs != NULL, "jmalloc(%zu) failed after a block of that size was freed", big);
	*bigs = p;
	free_chain(smalls, MiB);
	free_chain(bigs, big);
	(void)jmalloc_trim();
	EXPECT(!JMALLOC_MMAP || uncap_address_space() == 0, "the cap could not be lifted");
	q = jmrealloc(kept, keep_size, big);
	EXPECT(q != NULL, "jmrealloc(p, %zu, %zu) failed with memory back: errno %d", keep_size,
	       big, errno);
	EXPECT(first_untagged(q, keep_size, 77) == keep_size, "jmrealloc lost the contents");
	jmfree(q, big);
	printf("contract: out of memory: after %zu blocks of 64 MiB and %zu of 1 MiB\n", n_big,
	       n_small);
	return 0;
}

static int out_of_memory(void)
{
	int status = child_status(body_out_of_memory);

	EXPECT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the child failed (status %d)", status);
	return 0;
}

/* ------------------------------------------------------------------------- */

/* A library without memory mappings serves from the region it is given,
 * here one of the C library's, large enough for the model's blocks and
 * for the blocks of 64 MiB of the out-of-memory part. */
static int give_region(void)
{
	size_t len = 512 * MiB;
	void *mem = malloc(len);

	if (mem == NULL) {
		printf("contract: no %zu MiB for the region\n", len / MiB);
		return 1;
	}
	errno = 0;
	if (jmalloc_region(mem, len) != 0) {
		printf("contract: FAIL: jmalloc_region(%p, %zu): errno %d\n", mem, len, errno);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240611;
	int failed = 0;

	if (seed == 0)
		seed = 1; /* xorshift stays at 0 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!JMALLOC_MMAP && give_region() != 0)
		return EXIT_FAILURE;
	part = "bad input";
	failed |= bad_input();
	part = "model";
	failed |= run_model(seed);
#if JMALLOC_THREADS
	part = "threads";
	failed |= run_threads(seed);
#endif
	part = "out of memory";
	failed |= out_of_memory();
	if (failed) {
		printf("contract: FAIL: some promise of jmalloc.h broke (see above)\n");
		return EXIT_FAILURE;
	}
	printf("contract: every promise held (%d-bit, %s-endian, %s%s)\n",
	       (int)(sizeof(void *) * 8),
	       *(const unsigned char *)&(const uint16_t){ 1 } ? "little" : "big",
	       JMALLOC_THREADS ? "thread-safe" : "single-threaded",
	       JMALLOC_MMAP ? "" : ", on a region");
	return EXIT_SUCCESS;
}
