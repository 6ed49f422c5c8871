/* check_threads.c - the thread-safe build: concurrent use with content
 * checks, producer/consumer memory bounds, thread churn, fork. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmalloc.h"
#include "testutil.h"

/* --- Memory use ---------------------------------------------------------- */

/* A field of /proc/self/status in bytes, or 0 when it cannot be read. */
static size_t status_bytes(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kb = 0, n = strlen(field);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtoul(line + n + 1, NULL, 10);
	fclose(f);
	return kb * KiB;
}

/* Reset the peak RSS to the current RSS; 0 when the kernel can. */
static int reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * The documented bound on what one thread keeps cached, for every size
 * class up to `max_size` (found with jmalloc_good_size, so that it holds
 * for either class scheme): two batches (64 KiB worth, at most 256
 * blocks, at least one block) and one span being carved (64 KiB, or for
 * the classes above 8 KiB up to eight blocks).
 */
static size_t thread_cache_bound(size_t max_size)
{
	size_t c, total = 0;

	for (c = jmalloc_good_size(1); c <= max_size; c = jmalloc_good_size(c + 1)) {
		size_t n = 64 * KiB / c;
		size_t batch = (n > 256 ? 256 : n == 0 ? 1 : n) * c;
		size_t span = c <= 8 * KiB ? 64 * KiB : 8 * c;

		total += 2 * batch + span;
	}
	return total;
}

/*
 * What a checker or sanitizer adds to the resident memory the library's
 * bound allows: AddressSanitizer and Valgrind take memory of their own per
 * thread and for their shadow; ThreadSanitizer shadows each byte of the
 * program's memory with about four and a half more.
 */
static size_t checker_rss(size_t bound)
{
	if (TEST_TSAN)
		return 6 * bound;
	return checker_watching() ? bound + 64 * MiB : bound;
}

/* --- Concurrent random use ----------------------------------------------- */

enum { NTHREADS = 4, SLOTS = 256, MAILBOX = 64 };

struct block {
	unsigned char *p;
	size_t size;
	unsigned owner;
};

/* Blocks passed between threads: one thread puts a live block in, another
 * takes it out and frees it. */
static struct {
	pthread_mutex_t lock;
	struct block slot[MAILBOX];
} mailbox = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned char pattern(unsigned owner, size_t size, size_t i)
{
	return (unsigned char)(owner * 37 + size * 11 + i);
}

static void fill_block(const struct block *b)
{
	size_t i;

	for (i = 0; i < b->size; i++)
		b->p[i] = pattern(b->owner, b->size, i);
}

/* Returns 0 when the block still holds its owner's pattern. */
static int check_block(const struct block *b)
{
	size_t i;

	for (i = 0; i < b->size; i++)
		if (b->p[i] != pattern(b->owner, b->size, i))
			return -1;
	return 0;
}

static size_t random_size(uint64_t *x)
{
	uint64_t r = test_rand(x);

	if (r % 500 == 0)
		return MiB + (size_t)(r >> 20) % MiB;
	if (r % 50 == 1)
		return (size_t)(r >> 20) % (256 * KiB);
	return (size_t)(r >> 20) % (2 * KiB);
}

struct worker {
	unsigned id;
	long ops;
	int failed; /* 0, or the kind of failure */
};

static void *random_worker(void *arg)
{
	struct worker *w = arg;
	struct block mine[SLOTS] = { { 0 } };
	uint64_t x = 0x1234567ull + w->id * 0x9e3779b97f4a7c15ull;
	long i;
	int s;

	for (i = 0; i < w->ops && !w->failed; i++) {
		uint64_t r = test_rand(&x);
		struct block *b = &mine[r % SLOTS];

		if (b->p == NULL) {
			b->size = random_size(&x);
			b->owner = w->id;
			b->p = jmalloc(b->size);
			if (b->p == NULL) {
				w->failed = 1;
				break;
			}
			fill_block(b);
		} else if ((r >> 32) % 8 == 0) {
			/* Swap with the mailbox: the block in there, from any
			 * thread, is checked and freed by this one. */
			struct block out;
			unsigned m = (unsigned)((r >> 40) % MAILBOX);

			pthread_mutex_lock(&mailbox.lock);
			out = mailbox.slot[m];
			mailbox.slot[m] = *b;
			pthread_mutex_unlock(&mailbox.lock);
			b->p = NULL;
			if (out.p != NULL) {
				if (check_block(&out) != 0)
					w->failed = 2;
				jmfree(out.p, out.size);
			}
		} else {
			if (check_block(b) != 0)
				w->failed = 2;
			jmfree(b->p, b->size);
			b->p = NULL;
		}
	}
	for (s = 0; s < SLOTS; s++) {
		if (mine[s].p != NULL) {
			if (check_block(&mine[s]) != 0)
				w->failed = 2;
			jmfree(mine[s].p, mine[s].size);
		}
	}
	return NULL;
}

START_TEST(test_threads_random_ops_keep_contents)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i].id = (unsigned)i + 1;
		w[i].ops = test_scale(200000);
		w[i].failed = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, random_worker, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(w[i].failed != 1, "thread %d: jmalloc failed", i);
		ck_assert_msg(w[i].failed != 2, "thread %d: a block's contents changed", i);
	}
	for (i = 0; i < MAILBOX; i++) {
		struct block *b = &mailbox.slot[i];

		if (b->p != NULL) {
			ck_assert_int_eq(check_block(b), 0);
			jmfree(b->p, b->size);
			b->p = NULL;
		}
	}
}
END_TEST

/* --- Producer/consumer ----------------------------------------------------- */

enum { QUEUE = 1024 };

/* A single-producer single-consumer ring. */
static struct {
	_Atomic size_t head; /* written by the consumer */
	_Atomic size_t tail; /* written by the producer */
	struct {
		uint64_t *p;
		size_t size;
	} item[QUEUE];
} ring;

static long pc_blocks;
static _Atomic int pc_bad;

static void *producer(void *arg)
{
	uint64_t x = 42;
	long i;

	(void)arg;
	for (i = 0; i < pc_blocks; i++) {
		size_t size = 16 + (size_t)(test_rand(&x) % (2 * KiB - 16 + 1));
		uint64_t *p = jmalloc(size);
		size_t t = atomic_load_explicit(&ring.tail, memory_order_relaxed);

		if (p == NULL) {
			atomic_store(&pc_bad, 1);
			p = NULL;
		} else {
			p[0] = (uint64_t)i;
			((unsigned char *)p)[size - 1] = (unsigned char)i;
		}
		while (t - atomic_load_explicit(&ring.head, memory_order_acquire) >= QUEUE)
			sched_yield();
		ring.item[t % QUEUE].p = p;
		ring.item[t % QUEUE].size = size;
		atomic_store_explicit(&ring.tail, t + 1, memory_order_release);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < pc_blocks; i++) {
		size_t h = atomic_load_explicit(&ring.head, memory_order_relaxed);
		uint64_t *p;
		size_t size;

		while (atomic_load_explicit(&ring.tail, memory_order_acquire) == h)
			sched_yield();
		p = ring.item[h % QUEUE].p;
		size = ring.item[h % QUEUE].size;
		atomic_store_explicit(&ring.head, h + 1, memory_order_release);
		if (p == NULL)
			continue;
		if (p[0] != (uint64_t)i || ((unsigned char *)p)[size - 1] != (unsigned char)i)
			atomic_store(&pc_bad, 2);
		jmfree(p, size);
	}
	return NULL;
}

START_TEST(test_threads_producer_consumer_memory_bounded)
{
	pthread_t prod, cons;
	size_t before, peak, bound;

	pc_blocks = test_scale(10000000);
	/* Warm up the library, so its first arena's bookkeeping is counted
	 * in the baseline rather than in the bound. */
	jmfree(jmalloc(16), 16);
	ck_assert_int_eq(reset_peak_rss(), 0);
	before = status_bytes("VmRSS");
	ck_assert_uint_gt(before, 0);

	ck_assert_int_eq(pthread_create(&cons, NULL, consumer, NULL), 0);
	ck_assert_int_eq(pthread_create(&prod, NULL, producer, NULL), 0);
	ck_assert_int_eq(pthread_join(prod, NULL), 0);
	ck_assert_int_eq(pthread_join(cons, NULL), 0);
	ck_assert_msg(pc_bad != 1, "jmalloc failed in the producer");
	ck_assert_msg(pc_bad != 2, "a block changed between producer and consumer");

	peak = status_bytes("VmHWM");
	/* Two threads' caches, the blocks in the queue, and the threads'
	 * stacks and the test's own pages as slack. */
	bound = checker_rss(2 * thread_cache_bound(2 * KiB) + QUEUE * 2 * KiB +
			    16 * MiB);
	ck_assert_msg(peak - before <= bound,
		      "%ld blocks passed between threads raised peak RSS by %zu KiB; "
		      "bound %zu KiB", pc_blocks, (peak - before) / KiB, bound / KiB);
}
END_TEST

/* --- Thread churn ------------------------------------------------------------ */

enum { CHURN_BLOCKS = 300 };

static void *churn_thread(void *arg)
{
	void **keep = arg; /* NULL: free everything; else hand blocks back */
	void *p[CHURN_BLOCKS];
	int i;

	for (i = 0; i < CHURN_BLOCKS; i++) {
		p[i] = jmalloc((size_t)16 << (i % 8));
		if (p[i] == NULL)
			return (void *)1;
		memset(p[i], i, (size_t)16 << (i % 8));
	}
	if (keep != NULL) {
		/* Never frees: only its spans are left to give back. */
		memcpy(keep, p, sizeof(p));
		return NULL;
	}
	for (i = 0; i < CHURN_BLOCKS; i++)
		jmfree(p[i], (size_t)16 << (i % 8));
	return NULL;
}

START_TEST(test_threads_churn_memory_bounded)
{
	static void *kept[CHURN_BLOCKS];
	long n = test_scale(4000), i;
	size_t before, peak, bound;
	int j;

	jmfree(jmalloc(16), 16);
	ck_assert_int_eq(reset_peak_rss(), 0);
	before = status_bytes("VmRSS");
	for (i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		int keeps = (int)(i % 2);

		ck_assert_int_eq(pthread_create(&t, NULL, churn_thread,
						keeps ? kept : NULL), 0);
		ck_assert_int_eq(pthread_join(t, &ret), 0);
		ck_assert_ptr_null(ret);
		if (keeps)
			for (j = 0; j < CHURN_BLOCKS; j++)
				jmfree(kept[j], (size_t)16 << (j % 8));
	}
	peak = status_bytes("VmHWM");
	/* One live thread at a time: one thread's cache, its blocks, and
	 * slack for thread stacks. */
	bound = checker_rss(thread_cache_bound(2 * KiB) + CHURN_BLOCKS * 2 * KiB +
			    16 * MiB);
	ck_assert_msg(peak - before <= bound,
		      "%ld short-lived threads raised peak RSS by %zu KiB; bound %zu KiB",
		      n, (peak - before) / KiB, bound / KiB);
}
END_TEST

/* --- fork ------------------------------------------------------------------ */

static _Atomic int stop_busy;

static void *busy_thread(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg;

	while (!atomic_load(&stop_busy)) {
		size_t size = random_size(&x);
		unsigned char *p = jmalloc(size);

		if (p != NULL) {
			memset(p, 0x6b, size);
			jmfree(p, size);
		}
	}
	return NULL;
}

#ifndef JM_MAP_SHARED
/* In the child: allocate, check and free a mix of sizes; 0 when all held. */
static int child_work(void)
{
	uint64_t x = 99;
	struct block b[64];
	int i, round;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < 64; i++) {
			b[i].size = random_size(&x);
			b[i].owner = (unsigned)i;
			b[i].p = jmalloc(b[i].size);
			if (b[i].p == NULL)
				return 1;
			fill_block(&b[i]);
		}
		for (i = 0; i < 64; i++) {
			if (check_block(&b[i]) != 0)
				return 2;
			jmfree(b[i].p, b[i].size);
		}
	}
	return 0;
}

/* Fork children one after another while other threads run; each does
 * `work` and must exit with 0. */
static void fork_children(int (*work)(void))
{
	int i;

	for (i = 0; i < test_scale(50) + 1; i++) {
		pid_t pid = fork();
		int status;

		ck_assert_int_ne(pid, -1);
		if (pid == 0)
			_exit(work());
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "fork %d: child ended with status %d", i, status);
	}
}

START_TEST(test_threads_fork_while_others_allocate)
{
	pthread_t t[2];
	int i;

	atomic_store(&stop_busy, 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, busy_thread,
						(void *)(uintptr_t)(i + 7)), 0);
	fork_children(child_work);
	atomic_store(&stop_busy, 1);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}
END_TEST
#else
/* With MAP_SHARED the child shares the heap: it may only read (or exec,
 * or exit), and what it writes to a block is seen by the parent. */
START_TEST(test_threads_fork_child_shares_heap)
{
	pthread_t t[2];
	unsigned char *p = jmalloc(1000), *big = jmalloc(3 * MiB);
	int i, status;
	pid_t pid;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(big);
	memset(p, 1, 1000);
	memset(big, 1, 3 * MiB);
	atomic_store(&stop_busy, 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, busy_thread,
						(void *)(uintptr_t)(i + 7)), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int ok = p[999] == 1 && big[3 * MiB - 1] == 1;

		p[0] = 42;
		big[0] = 43;
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(p[0], 42);
	ck_assert_uint_eq(big[0], 43);
	atomic_store(&stop_busy, 1);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	jmfree(p, 1000);
	jmfree(big, 3 * MiB);
}
END_TEST
#endif

/* --- jmalloc_trim -------------------------------------------------------- */

static _Atomic int trim_bad;

/* Keeps 64 live blocks, replaced at random, each checked before it is
 * freed, until stop_busy. */
static void *checking_thread(void *arg)
{
	uint64_t x = (uint64_t)(uintptr_t)arg;
	struct block b[64];
	int i;

	for (i = 0; i < 64; i++) {
		b[i].size = random_size(&x);
		b[i].owner = (unsigned)i;
		b[i].p = jmalloc(b[i].size);
		if (b[i].p == NULL) {
			atomic_store(&trim_bad, 1);
			return NULL;
		}
		fill_block(&b[i]);
	}
	while (!atomic_load(&stop_busy)) {
		i = (int)(test_rand(&x) % 64);
		if (check_block(&b[i]) != 0)
			atomic_store(&trim_bad, 2);
		jmfree(b[i].p, b[i].size);
		b[i].size = random_size(&x);
		b[i].p = jmalloc(b[i].size);
		if (b[i].p == NULL) {
			atomic_store(&trim_bad, 1);
			return NULL;
		}
		fill_block(&b[i]);
	}
	for (i = 0; i < 64; i++) {
		if (check_block(&b[i]) != 0)
			atomic_store(&trim_bad, 2);
		jmfree(b[i].p, b[i].size);
	}
	return NULL;
}

/* Trims from one thread while others allocate and free: no block is
 * lost or handed out twice (contents checked), and trim keeps working. */
START_TEST(test_threads_trim_while_others_allocate)
{
	pthread_t t[2];
	int i;

	atomic_store(&stop_busy, 0);
	atomic_store(&trim_bad, 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, checking_thread,
						(void *)(uintptr_t)(i + 31)), 0);
	for (i = 0; i < test_scale(2000) + 1; i++) {
		void *p = jmalloc(3 * MiB);

		ck_assert_ptr_nonnull(p);
		jmfree(p, 3 * MiB);
		(void)jmalloc_trim();
	}
	atomic_store(&stop_busy, 1);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_int_eq(atomic_load(&trim_bad), 0);
}
END_TEST

#ifndef JM_MAP_SHARED
static void *trimming_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_busy)) {
		void *p = jmalloc(5000);

		if (p != NULL)
			jmfree(p, 5000);
		(void)jmalloc_trim();
	}
	return NULL;
}

/* The child's work, then a trim of its own. */
static int child_work_then_trim(void)
{
	int r = child_work();

	(void)jmalloc_trim();
	return r;
}

/* fork() while another thread trims: the child allocates and frees. */
START_TEST(test_threads_fork_while_trimming)
{
	pthread_t t[2];
	int i;

	atomic_store(&stop_busy, 0);
	ck_assert_int_eq(pthread_create(&t[0], NULL, trimming_thread, NULL), 0);
	ck_assert_int_eq(pthread_create(&t[1], NULL, busy_thread,
					(void *)(uintptr_t)5), 0);
	fork_children(child_work_then_trim);
	atomic_store(&stop_busy, 1);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
}
END_TEST
#endif

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("Threads");
	TCase *mem = tcase_create("Memory");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_threads_random_ops_keep_contents);
	tcase_add_test(tc, test_threads_trim_while_others_allocate);
#ifndef JM_MAP_SHARED
	tcase_add_test(tc, test_threads_fork_while_others_allocate);
	tcase_add_test(tc, test_threads_fork_while_trimming);
#else
	tcase_add_test(tc, test_threads_fork_child_shares_heap);
#endif
	suite_add_tcase(s, tc);
	tcase_set_timeout(mem, 600);
	tcase_add_test(mem, test_threads_producer_consumer_memory_bounded);
	tcase_add_test(mem, test_threads_churn_memory_bounded);
	suite_add_tcase(s, mem);
	return s;
}

int main(void)
{
	return run_suite(threads_suite());
}
