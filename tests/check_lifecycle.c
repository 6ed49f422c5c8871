/* check_lifecycle.c - memory that comes back: jmalloc_trim(), the decay,
 * the large-block cache, out-of-memory recovery across classes, and
 * jmalloc_stats(). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jmalloc.h"
#include "testutil.h"
#if JMALLOC_THREADS
#include <pthread.h>
#endif

/* The decay this suite runs with (main() sets it before any call). */
#define DECAY_MS 100

/* Field `i` of /proc/self/statm (0: size, 1: resident) in bytes. */
static size_t statm(int i)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long v[2] = { 0, 0 };

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &v[0], &v[1]) != 2)
			v[0] = v[1] = 0;
		fclose(f);
	}
	return (size_t)v[i] * page_size();
}

static size_t rss(void)
{
	return statm(1);
}


static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* --- A peak of 256 MiB, freed ---------------------------------------------- */

struct peak {
	void **ptr;
	size_t *size;
	size_t n, cap;
};

/*
 * Allocate `total` bytes: three quarters in mixed small classes (16 B to
 * 4 KiB), a quarter in large blocks of 2 to 8 MiB, every page written.
 * The bookkeeping is mapped apart, before the caller measures.
 */
static void peak_make(struct peak *pk, size_t total)
{
	size_t cap = total / 256;

	pk->ptr = mmap(NULL, cap * sizeof(void *), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pk->size = mmap(NULL, cap * sizeof(size_t), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(pk->ptr != MAP_FAILED && pk->size != MAP_FAILED);
	/* Resident before the caller measures. */
	memset(pk->ptr, 0, cap * sizeof(void *));
	memset(pk->size, 0, cap * sizeof(size_t));
	pk->cap = cap;
	pk->n = 0;
}

static void peak_fill(struct peak *pk, size_t total, uint64_t seed)
{
	size_t bytes = 0;

	while (bytes < total) {
		uint64_t r = test_rand(&seed);
		size_t s;
		unsigned char *p;

		if (bytes < total / 4)
			s = 2 * MiB + (size_t)(r % (6 * MiB));
		else
			s = 16 + (size_t)(r % (r & 1 ? 256 : 4096));
		p = jmalloc(s);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_lt(pk->n, pk->cap);
		memset(p, 0x33, s < 64 ? s : 64);
		if (s > 4096) {
			size_t o;

			for (o = 0; o < s; o += 4096)
				p[o] = 1;
		}
		pk->ptr[pk->n] = p;
		pk->size[pk->n++] = s;
		bytes += s;
	}
}

/* Free every block, in an order shuffled by `seed`. */
static void peak_free(struct peak *pk, uint64_t seed)
{
	size_t i;

	for (i = pk->n; i > 1; i--) {
		size_t j = (size_t)(test_rand(&seed) % i);
		void *p = pk->ptr[i - 1];
		size_t s = pk->size[i - 1];

		pk->ptr[i - 1] = pk->ptr[j];
		pk->size[i - 1] = pk->size[j];
		pk->ptr[j] = p;
		pk->size[j] = s;
	}
	for (i = 0; i < pk->n; i++)
		jmfree(pk->ptr[i], pk->size[i]);
	pk->n = 0;
}

/*
 * Resident memory within `slack` of `start`.  Under a memory checker the
 * checker's own memory (shadow, quarantine) grows with the peak, so the
 * allocator's own figures are checked instead: nothing resident left in
 * free spans, free lists or the large cache beyond the slack.
 */
static void assert_given_back(size_t start, size_t slack, const char *when)
{
	struct jmalloc_stats st;

	if (!checker_watching()) {
		ck_assert_msg(rss() <= start + slack,
			      "resident %zu MiB %s, %zu MiB at the start",
			      rss() / MiB, when, start / MiB);
		return;
	}
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	ck_assert_msg(st.unused_dirty + st.listed + st.large_cached <= slack,
		      "%s: %zu MiB free but resident", when,
		      (st.unused_dirty + st.listed + st.large_cached) / MiB);
}

START_TEST(test_lifecycle_trim_returns_peak)
{
	struct jmalloc_stats a, b;
	struct peak pk;
	size_t start, bytes;

	peak_make(&pk, 256 * MiB);
	start = rss();
	peak_fill(&pk, 256 * MiB, 7);
	ck_assert_uint_gt(rss(), start + 200 * MiB);
	ck_assert_int_eq(jmalloc_stats(&a, sizeof(a)), 0);
	peak_free(&pk, 9);
	bytes = jmalloc_trim();
	ck_assert_int_eq(jmalloc_stats(&b, sizeof(b)), 0);
	/* The decay may have given some back while the blocks were freed
	 * (on a slow machine, more than a period passes). */
	ck_assert_uint_le(bytes, b.returned - a.returned);
	ck_assert_msg(b.returned - a.returned >= 200 * MiB,
		      "jmalloc_trim() and the decay gave back %zu bytes",
		      b.returned - a.returned);
	assert_given_back(start, 8 * MiB, "after trim");
	/* Nothing left to give back. */
	ck_assert_uint_eq(jmalloc_trim(), 0);
	/* And the memory serves again. */
	peak_fill(&pk, 64 * MiB, 11);
	peak_free(&pk, 13);
}
END_TEST

/* Calls that reach the allocator's slow paths: a class's cache emptied
 * and overflowed, and a large block. */
static void poke(void)
{
	void *b[600];
	size_t i;

	for (i = 0; i < 600; i++) {
		b[i] = jmalloc(1000);
		ck_assert_ptr_nonnull(b[i]);
	}
	for (i = 0; i < 600; i++)
		jmfree(b[i], 1000);
	b[0] = jmalloc(2 * MiB);
	ck_assert_ptr_nonnull(b[0]);
	jmfree(b[0], 2 * MiB);
}

START_TEST(test_lifecycle_decay_returns_peak_without_trim)
{
	struct peak pk;
	size_t start, end = 0;
	int i;

	peak_make(&pk, 256 * MiB);
	poke();
	start = rss();
	peak_fill(&pk, 256 * MiB, 17);
	peak_free(&pk, 19);
	/* The documented bound: within a few decay periods, at the slow
	 * paths, all but the thread's caches and the last large block; and
	 * at least JM_PASS_BUDGET times as long as a pass took, which on a
	 * loaded machine can be seconds (so up to 250 periods are waited). */
	for (i = 0; i < 400; i++) {
		struct jmalloc_stats st;

		sleep_ms(DECAY_MS * 6 / 10);
		poke();
		ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
		end = checker_watching() ? start + st.unused_dirty + st.listed +
						   st.large_cached
					 : rss();
		if (end <= start + 16 * MiB)
			break;
	}
	assert_given_back(start, 16 * MiB, "after the decay periods waited");
}
END_TEST

/* --- The large-block cache ---------------------------------------------- */

START_TEST(test_lifecycle_large_temporaries_reuse_memory)
{
	enum { LIVE = 4, OPS = 200 };
	void *live[LIVE] = { 0 };
	size_t size[LIVE] = { 0 };
	uint64_t seed = 5;
	long faults = 0;
	size_t pages = 0;
	int i;

	for (i = 0; i < OPS; i++) {
		int s = (int)(test_rand(&seed) % LIVE);
		struct rusage ru0, ru1;
		unsigned char *p;
		size_t o;

		if (live[s] != NULL)
			jmfree(live[s], size[s]);
		size[s] = MiB + (size_t)(test_rand(&seed) % (15 * MiB));
		getrusage(RUSAGE_SELF, &ru0);
		p = jmalloc(size[s]);
		ck_assert_ptr_nonnull(p);
		for (o = 0; o < size[s]; o += page_size())
			p[o] = (unsigned char)i;
		getrusage(RUSAGE_SELF, &ru1);
		live[s] = p;
		if (i >= OPS / 2) { /* steady state */
			faults += ru1.ru_minflt - ru0.ru_minflt;
			pages += size[s] / page_size();
		}
	}
	for (i = 0; i < LIVE; i++)
		jmfree(live[i], size[i]);
	/* Without the cache every page is a fault. */
	if (!checker_watching())
		ck_assert_msg((size_t)faults * 4 < pages,
			      "%ld page faults for %zu pages written", faults, pages);
}
END_TEST

START_TEST(test_lifecycle_large_same_size_same_block)
{
	void *p = jmalloc(8 * MiB), *q;
	int i;

	ck_assert_ptr_nonnull(p);
	jmfree(p, 8 * MiB);
	for (i = 0; i < 50; i++) {
		q = jmalloc(8 * MiB);
		ck_assert_ptr_eq(q, p);
		jmfree(q, 8 * MiB - 5);
	}
	/* A smaller block is the front of the cached one, a calloc reads
	 * zero though the memory was used. */
	memset(p = jmalloc(8 * MiB), 0xee, 8 * MiB);
	jmfree(p, 8 * MiB);
	q = jmcalloc(3, MiB);
	ck_assert_ptr_eq(q, p);
	for (i = 0; i < (int)(3 * MiB); i += 512)
		ck_assert_uint_eq(((unsigned char *)q)[i], 0);
	jmfree(q, 3 * MiB);
}
END_TEST

/* The cache is bounded: max(64 MiB, the most bytes live at once). */
START_TEST(test_lifecycle_large_cache_bounded)
{
	struct jmalloc_stats st;
	void *p[8];
	int i;

	for (i = 0; i < 8; i++) {
		p[i] = jmalloc(16 * MiB);
		ck_assert_ptr_nonnull(p[i]);
	}
	for (i = 0; i < 8; i++)
		jmfree(p[i], 16 * MiB);
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	ck_assert_uint_le(st.large_cached, 128 * MiB);
	ck_assert_uint_eq(st.large_live, 0);
	ck_assert_uint_ge(jmalloc_trim(), st.large_cached);
	ck_assert_int_eq(jmalloc_stats(&st, sizeof(st)), 0);
	ck_assert_uint_eq(st.large_cached, 0);
}
END_TEST

/* --- Out of memory -------------------------------------------------------- */

/* After the fill: every class and a large block. */
static int every_class_then_large(void)
{
	size_t s;

	for (s = 16; s <= MiB; s *= 2) {
		void *a = jmalloc(s), *b = jmalloc(s + s / 2 + 1);

		if (a == NULL || b == NULL) {
			fprintf(stderr, "no block of %zu or %zu bytes after the "
				"fill was freed\n", s, s + s / 2 + 1);
			return 1;
		}
		memset(a, 1, s);
		jmfree(a, s);
		jmfree(b, s + s / 2 + 1);
	}
	REQUIRE(jmalloc(2 * MiB) != NULL);
	REQUIRE(jmcalloc(1, 24 * MiB) != NULL);
	return 0;
}

static int body_oom_recovers_across_classes(void)
{
	size_t n;
	void **chain;

	REQUIRE(cap_address_space(192 * MiB) == 0);
	chain = fill_memory(256, &n);
	REQUIRE(errno == ENOMEM);
	REQUIRE(n > 100000);
	free_chain(chain, 256);
	return every_class_then_large();
}

START_TEST(test_lifecycle_oom_recovers_across_classes)
{
	in_child(body_oom_recovers_across_classes);
}
END_TEST

/* The same with large blocks filling memory first. */
static int body_oom_large_then_small(void)
{
	size_t n;
	void **chain;

	REQUIRE(cap_address_space(192 * MiB) == 0);
	/* A memory checker's own mappings take their share of the cap:
	 * only the recovery is asserted under one. */
	chain = fill_memory(3 * MiB, &n);
	REQUIRE(n > (checker_watching() ? 0u : 20u));
	free_chain(chain, 3 * MiB);
	chain = fill_memory(64, &n);
	REQUIRE(n > (checker_watching() ? 0u : 100000u));
	free_chain(chain, 64);
	return every_class_then_large();
}

START_TEST(test_lifecycle_oom_large_then_small)
{
	in_child(body_oom_large_then_small);
}
END_TEST

#if JMALLOC_THREADS
struct chain_arg {
	void **chain;
	size_t size;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state; /* 0: wait, 1: free the chain, 2: freed, 3: exit */
};

static void chain_wait(struct chain_arg *c, int state)
{
	pthread_mutex_lock(&c->lock);
	while (c->state != state)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

static void chain_say(struct chain_arg *c, int state)
{
	pthread_mutex_lock(&c->lock);
	c->state = state;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Frees the chain when told, then keeps its cache until told to exit. */
static void *freeing_thread(void *arg)
{
	struct chain_arg *c = arg;

	chain_wait(c, 1);
	free_chain(c->chain, c->size);
	chain_say(c, 2);
	chain_wait(c, 3);
	return NULL;
}

static int body_oom_freed_by_other_thread(void)
{
	struct chain_arg c = { .size = 512, .lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER };
	pthread_t t;
	size_t n;
	int rc;

	REQUIRE(pthread_create(&t, NULL, freeing_thread, &c) == 0);
	REQUIRE(cap_address_space(192 * MiB) == 0);
	c.chain = fill_memory(c.size, &n);
	REQUIRE(n > 50000);
	chain_say(&c, 1);
	chain_wait(&c, 2);
	rc = every_class_then_large();
	chain_say(&c, 3);
	pthread_join(t, NULL);
	return rc;
}

START_TEST(test_lifecycle_oom_freed_by_other_thread)
{
	in_child(body_oom_freed_by_other_thread);
}
END_TEST

/*
 * A thread's first call can be a jmfree(), which gives the thread its
 * heap.  When memory has run out, that heap cannot be had, and the block
 * goes where every thread can use it; either way jmfree() leaves errno
 * as it was.  NEWCOMERS threads take their first call in turn once
 * memory is full: the memory kept for new heaps serves a few of them,
 * and the others find none.
 */
enum { NEWCOMERS = 100 };

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int turn; /* the thread whose turn it is; NEWCOMERS + 1: all exit */
	void *block[NEWCOMERS];
	int err[NEWCOMERS];
} newcomers = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1, { 0 }, { 0 } };

static void newcomers_wait(int turn)
{
	pthread_mutex_lock(&newcomers.lock);
	while (newcomers.turn != turn && newcomers.turn != NEWCOMERS + 1)
		pthread_cond_wait(&newcomers.cond, &newcomers.lock);
	pthread_mutex_unlock(&newcomers.lock);
}

static void newcomers_set(int turn)
{
	pthread_mutex_lock(&newcomers.lock);
	newcomers.turn = turn;
	pthread_cond_broadcast(&newcomers.cond);
	pthread_mutex_unlock(&newcomers.lock);
}

static void *newcomer_thread(void *arg)
{
	int i = (int)(intptr_t)arg;

	newcomers_wait(i);
	errno = EDOM;
	jmfree(newcomers.block[i], 16);
	newcomers.err[i] = errno;
	newcomers_set(i + 1);
	newcomers_wait(NEWCOMERS + 1); /* keep the heap, if it got one */
	return NULL;
}

static int body_oom_first_free_keeps_errno(void)
{
	pthread_t t[NEWCOMERS];
	pthread_attr_t attr;
	void **chain;
	size_t n;
	int i;

	REQUIRE(pthread_attr_init(&attr) == 0);
	REQUIRE(pthread_attr_setstacksize(&attr, 256 * KiB) == 0);
	for (i = 0; i < NEWCOMERS; i++) {
		REQUIRE(pthread_create(&t[i], &attr, newcomer_thread,
				       (void *)(intptr_t)i) == 0);
		REQUIRE((newcomers.block[i] = jmalloc(16)) != NULL);
	}
	REQUIRE(cap_address_space(64 * MiB) == 0);
	chain = fill_memory(16, &n);
	REQUIRE(n > 1000);
	newcomers_set(0);
	newcomers_wait(NEWCOMERS);
	for (i = 0; i < NEWCOMERS; i++)
		if (newcomers.err[i] != EDOM) {
			fprintf(stderr, "thread %d: jmfree set errno %d\n", i,
				newcomers.err[i]);
			return 1;
		}
	newcomers_set(NEWCOMERS + 1);
	for (i = 0; i < NEWCOMERS; i++)
		REQUIRE(pthread_join(t[i], NULL) == 0);
	free_chain(chain, 16);
	REQUIRE(uncap_address_space() == 0);
	return 0;
}

START_TEST(test_lifecycle_oom_first_free_keeps_errno)
{
	in_child(body_oom_first_free_keeps_errno);
}
END_TEST
#endif

/* --- jmalloc_stats ---------------------------------------------------------- */

START_TEST(test_lifecycle_stats_follow_use)
{
	struct jmalloc_stats a, b;
	void *big, *small[1000];
	int i;

	ck_assert_int_eq(jmalloc_stats(&a, sizeof(a)), 0);
	big = jmalloc(5 * MiB);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 1000; i++)
		ck_assert_ptr_nonnull(small[i] = jmalloc(100));
	ck_assert_int_eq(jmalloc_stats(&b, sizeof(b)), 0);
	ck_assert_uint_ge(b.large_live, a.large_live + 5 * MiB);
	ck_assert_uint_ge(b.mapped, b.large_live + b.large_cached);
	jmfree(big, 5 * MiB);
	for (i = 0; i < 1000; i++)
		jmfree(small[i], 100);
	ck_assert_int_eq(jmalloc_stats(&a, sizeof(a)), 0);
	ck_assert_uint_eq(a.large_live, b.large_live - jmalloc_good_size(5 * MiB));
	ck_assert_uint_ge(a.large_cached, jmalloc_good_size(5 * MiB));
	ck_assert_uint_ge(a.listed, 1000 * jmalloc_good_size(100));
	(void)jmalloc_trim();
	ck_assert_int_eq(jmalloc_stats(&b, sizeof(b)), 0);
	ck_assert_uint_ge(b.returned, a.returned + jmalloc_good_size(5 * MiB));
	ck_assert_uint_eq(b.large_cached, 0);
	ck_assert_uint_lt(b.listed, a.listed);
	ck_assert_uint_le(b.unused_dirty, b.unused_spans);
}
END_TEST

/* An older caller's smaller struct: only what fits is written. */
START_TEST(test_lifecycle_stats_short_struct)
{
	union {
		struct jmalloc_stats st;
		unsigned char bytes[sizeof(struct jmalloc_stats)];
	} u;
	void *p = jmalloc(3 * MiB);

	ck_assert_ptr_nonnull(p);
	memset(&u, 0xab, sizeof(u));
	ck_assert_int_eq(jmalloc_stats(&u.st, sizeof(size_t)), 0);
	ck_assert_uint_ge(u.st.mapped, 3 * MiB);
	for (size_t i = sizeof(size_t); i < sizeof(u); i++)
		ck_assert_uint_eq(u.bytes[i], 0xab);
	jmfree(p, 3 * MiB);
}
END_TEST

START_TEST(test_lifecycle_stats_bad_input)
{
	struct jmalloc_stats st;

	errno = 0;
	ck_assert_int_eq(jmalloc_stats(NULL, sizeof(st)), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(jmalloc_stats(&st, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_lifecycle_trim_keeps_errno_and_blocks)
{
	unsigned char *keep = jmalloc(100);
	void *tmp[300];
	int i;

	ck_assert_ptr_nonnull(keep);
	memset(keep, 0x5c, 100);
	for (i = 0; i < 300; i++)
		ck_assert_ptr_nonnull(tmp[i] = jmalloc(100));
	for (i = 0; i < 300; i++)
		jmfree(tmp[i], 100);
	errno = 1234;
	(void)jmalloc_trim();
	ck_assert_int_eq(errno, 1234);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(keep[i], 0x5c);
	jmfree(keep, 100);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *trim = tcase_create("Trim");
	TCase *large = tcase_create("LargeCache");
	TCase *oom = tcase_create("OutOfMemory");
	TCase *stats = tcase_create("Stats");

	tcase_set_timeout(trim, 120);
	tcase_add_test(trim, test_lifecycle_trim_returns_peak);
	tcase_add_test(trim, test_lifecycle_decay_returns_peak_without_trim);
	tcase_add_test(trim, test_lifecycle_trim_keeps_errno_and_blocks);
	suite_add_tcase(s, trim);
	tcase_add_test(large, test_lifecycle_large_temporaries_reuse_memory);
	tcase_add_test(large, test_lifecycle_large_same_size_same_block);
	tcase_add_test(large, test_lifecycle_large_cache_bounded);
	suite_add_tcase(s, large);
	tcase_set_timeout(oom, 120);
	/* Under Valgrind the cap on the address space also holds the
	 * tool's own shadow memory, and the tool stops before the library
	 * runs out: these run in every other build (ASan's included). */
	if (!under_valgrind()) {
		tcase_add_test(oom, test_lifecycle_oom_recovers_across_classes);
		tcase_add_test(oom, test_lifecycle_oom_large_then_small);
#if JMALLOC_THREADS
		tcase_add_test(oom, test_lifecycle_oom_freed_by_other_thread);
		tcase_add_test(oom, test_lifecycle_oom_first_free_keeps_errno);
#endif
	} else {
		fprintf(stderr, "check_lifecycle: out-of-memory tests not run "
			"under Valgrind (its shadow memory shares the cap)\n");
	}
	suite_add_tcase(s, oom);
	tcase_add_test(stats, test_lifecycle_stats_follow_use);
	tcase_add_test(stats, test_lifecycle_stats_short_struct);
	tcase_add_test(stats, test_lifecycle_stats_bad_input);
	suite_add_tcase(s, stats);
	return s;
}

int main(void)
{
	char ms[16];

	snprintf(ms, sizeof(ms), "%d", DECAY_MS);
	setenv("JMALLOC_DECAY_MS", ms, 1);
	return run_suite(lifecycle_suite());
}
