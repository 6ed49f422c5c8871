/*
 * jmtrace.c - an LD_PRELOAD recorder of a program's allocator calls.
 *
 *   JMTRACE_OUT=prog.jmt LD_PRELOAD=/path/to/jmtrace.so prog args...
 *
 * It stands between an unmodified program and its malloc: each call of
 * malloc, calloc, realloc, reallocarray, free, posix_memalign, memalign,
 * aligned_alloc, valloc and pvalloc is passed on to the real function and
 * recorded, with the size the program asked for, in the trace format of
 * trace.h.  The program's memory still comes from its own allocator.
 *
 * Environment:
 *   JMTRACE_OUT   the trace file; "%p" in it stands for the process id
 *                 (default "jmtrace.%p.jmt").
 *   JMTRACE_ONLY  record only a process whose program name is this (for
 *                 example "cc1" under the gcc driver); others pass through.
 *   JMTRACE_PID   record only the process with this id.
 * A child made by fork() without exec stops recording; a program it then
 * executes starts afresh under the rules above.
 *
 * Threads: calls are recorded under one lock, in the order in which they
 * reached the allocator, so the trace is one serial sequence.
 *
 * The recorder itself allocates only with mmap and a small static buffer
 * (for the calls that dlsym makes before the real functions are known).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace.h"

#define EXPORT __attribute__((visibility("default")))

/* --- The real functions ---------------------------------------------------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void (*real__exit)(int);

/*
 * Allocations made while dlsym looks the real functions up come from here.
 * Each block has a 16-byte header holding its size.
 */
static struct {
	_Alignas(16) unsigned char mem[64 << 10];
	size_t used;
} boot;

static int is_boot(const void *p)
{
	return (const unsigned char *)p >= boot.mem &&
	       (const unsigned char *)p < boot.mem + sizeof(boot.mem);
}

static void *boot_alloc(size_t n)
{
	size_t need = 16 + ((n + 15) & ~(size_t)15);
	unsigned char *p;

	if (n > sizeof(boot.mem) || sizeof(boot.mem) - boot.used < need)
		return NULL;
	p = boot.mem + boot.used;
	boot.used += need;
	memcpy(p, &n, sizeof(n));
	return p + 16; /* static memory reads as zero: calloc is served too */
}

static size_t boot_size(const void *p)
{
	size_t n;

	memcpy(&n, (const unsigned char *)p - 16, sizeof(n));
	return n;
}

/* --- Recorder state --------------------------------------------------------- */

enum { ST_NONE, ST_INITIALISING, ST_READY };

struct slot {
	uintptr_t addr; /* 0: empty */
	uint64_t id;
};

static struct {
	int state;
	int recording;
	int final;		/* after the destructor: write each record */
	int fd;
	pthread_mutex_t lock;
	/* live blocks: address -> id, open addressing, linear probing */
	struct slot *map;
	size_t map_cap;		/* a power of two */
	size_t map_len;
	/* released ids, LIFO */
	uint64_t *ids;
	size_t ids_cap;
	size_t ids_len;
	uint64_t next_id;
	/* output */
	size_t out_len;
	unsigned char out[1 << 20];
} rec = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

/* Set while this thread is inside the recorder: calls pass straight on. */
static __thread int in_hook __attribute__((tls_model("initial-exec")));

static void *map_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void out_flush(void)
{
	size_t off = 0;

	while (off < rec.out_len) {
		ssize_t n = write(rec.fd, rec.out + off, rec.out_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rec.recording = 0; /* disk full or the like: give up */
			break;
		}
		off += (size_t)n;
	}
	rec.out_len = 0;
}

static void out_record(unsigned op, uint64_t a, int two, uint64_t b)
{
	unsigned char *p;

	if (sizeof(rec.out) - rec.out_len < 1 + 2 * JMT_VARINT_MAX)
		out_flush();
	p = rec.out + rec.out_len;
	*p++ = (unsigned char)op;
	p = jmt_put_varint(p, a);
	if (two)
		p = jmt_put_varint(p, b);
	rec.out_len = (size_t)(p - rec.out);
	if (rec.final)
		out_flush();
}

static size_t map_hash(uintptr_t a, size_t cap)
{
	return (size_t)(((uint64_t)a >> 4) * 0x9e3779b97f4a7c15ull >> 17) &
	       (cap - 1);
}

static int map_grow(void)
{
	size_t cap = rec.map_cap ? rec.map_cap * 2 : (size_t)1 << 16;
	struct slot *m = map_mem(cap * sizeof(*m));
	size_t i;

	if (m == NULL)
		return -1;
	for (i = 0; i < rec.map_cap; i++) {
		size_t j;

		if (rec.map[i].addr == 0)
			continue;
		j = map_hash(rec.map[i].addr, cap);
		while (m[j].addr != 0)
			j = (j + 1) & (cap - 1);
		m[j] = rec.map[i];
	}
	if (rec.map != NULL)
		munmap(rec.map, rec.map_cap * sizeof(*rec.map));
	rec.map = m;
	rec.map_cap = cap;
	return 0;
}

static int map_put(uintptr_t a, uint64_t id)
{
	size_t j;

	if ((rec.map_len + 1) * 2 > rec.map_cap && map_grow() != 0)
		return -1;
	j = map_hash(a, rec.map_cap);
	while (rec.map[j].addr != 0 && rec.map[j].addr != a)
		j = (j + 1) & (rec.map_cap - 1);
	if (rec.map[j].addr == 0)
		rec.map_len++;
	rec.map[j].addr = a;
	rec.map[j].id = id;
	return 0;
}

/* Remove a; returns 0 with its id in *id, or -1 when a is not tracked. */
static int map_take(uintptr_t a, uint64_t *id)
{
	size_t mask = rec.map_cap - 1, i, j;

	if (rec.map_cap == 0)
		return -1;
	i = map_hash(a, rec.map_cap);
	while (rec.map[i].addr != a) {
		if (rec.map[i].addr == 0)
			return -1;
		i = (i + 1) & mask;
	}
	*id = rec.map[i].id;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (j = (i + 1) & mask; rec.map[j].addr != 0; j = (j + 1) & mask) {
		size_t h = map_hash(rec.map[j].addr, rec.map_cap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			rec.map[i] = rec.map[j];
			i = j;
		}
	}
	rec.map[i].addr = 0;
	rec.map_len--;
	return 0;
}

static uint64_t id_take(void)
{
	if (rec.ids_len > 0)
		return rec.ids[--rec.ids_len];
	return rec.next_id++;
}

static void id_release(uint64_t id)
{
	if (rec.ids_len == rec.ids_cap) {
		size_t cap = rec.ids_cap ? rec.ids_cap * 2 : (size_t)1 << 16;
		uint64_t *n = map_mem(cap * sizeof(*n));

		if (n == NULL) {
			rec.recording = 0;
			return;
		}
		if (rec.ids != NULL) {
			memcpy(n, rec.ids, rec.ids_len * sizeof(*n));
			munmap(rec.ids, rec.ids_cap * sizeof(*n));
		}
		rec.ids = n;
		rec.ids_cap = cap;
	}
	rec.ids[rec.ids_len++] = id;
}

/* A new block p: record op with its arguments.  Called under the lock. */
static void note_new(void *p, unsigned op, uint64_t a, int two, uint64_t b)
{
	uint64_t id = id_take();

	if (map_put((uintptr_t)p, id) != 0) {
		rec.recording = 0;
		return;
	}
	out_record(op, a, two, b);
}

/* Block p is freed: record it if it is tracked.  Called under the lock. */
static void note_free(void *p)
{
	uint64_t id;

	if (map_take((uintptr_t)p, &id) != 0)
		return;
	out_record(JMT_FREE, id, 0, 0);
	id_release(id);
}

/* --- Set-up -------------------------------------------------------------- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&rec.lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&rec.lock);
}

static void fork_child(void)
{
	/* The trace belongs to the parent: the child stops recording. */
	rec.recording = 0;
	rec.out_len = 0;
	pthread_mutex_unlock(&rec.lock);
}

/* Should this process record, by JMTRACE_ONLY and JMTRACE_PID? */
static int wanted(void)
{
	const char *only = getenv("JMTRACE_ONLY");
	const char *pid = getenv("JMTRACE_PID");

	if (only != NULL && *only != '\0' &&
	    strcmp(only, program_invocation_short_name) != 0)
		return 0;
	if (pid != NULL && *pid != '\0' && atol(pid) != (long)getpid())
		return 0;
	return 1;
}

/* JMTRACE_OUT with %p replaced by the process id, into buf. */
static int out_path(char *buf, size_t len)
{
	const char *pat = getenv("JMTRACE_OUT");
	size_t o = 0;

	if (pat == NULL || *pat == '\0')
		pat = "jmtrace.%p.jmt";
	for (; *pat != '\0'; pat++) {
		char num[24];
		size_t k = 0, n;
		unsigned long v;

		if (pat[0] != '%' || pat[1] != 'p') {
			if (o + 1 >= len)
				return -1;
			buf[o++] = *pat;
			continue;
		}
		pat++;
		v = (unsigned long)getpid();
		do {
			num[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		if (o + k >= len)
			return -1;
		for (n = 0; n < k; n++)
			buf[o++] = num[k - 1 - n];
	}
	buf[o] = '\0';
	return 0;
}

static void init(void)
{
	char path[4096];
	unsigned char *p;
	size_t namelen;

	if (rec.state != ST_NONE)
		return;
	rec.state = ST_INITIALISING;
	in_hook++;
	/* free first: what dlsym allocates later can then be freed. */
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_posix_memalign = (int (*)(void **, size_t, size_t))
		dlsym(RTLD_NEXT, "posix_memalign");
	real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
	real_aligned_alloc = (void *(*)(size_t, size_t))
		dlsym(RTLD_NEXT, "aligned_alloc");
	real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
	real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
	real__exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
	if (real_malloc != NULL && real_calloc != NULL && real_realloc != NULL &&
	    real_free != NULL && wanted() && out_path(path, sizeof(path)) == 0) {
		rec.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (rec.fd >= 0) {
			memcpy(rec.out, JMT_MAGIC, JMT_MAGIC_LEN);
			namelen = strlen(program_invocation_short_name);
			if (namelen > 255)
				namelen = 255;
			p = jmt_put_varint(rec.out + JMT_MAGIC_LEN, namelen);
			memcpy(p, program_invocation_short_name, namelen);
			rec.out_len = (size_t)(p - rec.out) + namelen;
			out_flush(); /* a valid, empty trace from the start */
			pthread_atfork(fork_prepare, fork_parent, fork_child);
			rec.recording = 1;
		}
	}
	in_hook--;
	rec.state = ST_READY;
}

__attribute__((constructor)) static void jmtrace_start(void)
{
	init();
}

__attribute__((destructor)) static void jmtrace_stop(void)
{
	pthread_mutex_lock(&rec.lock);
	if (rec.recording) {
		out_flush();
		rec.final = 1; /* frees made later still reach the file */
	}
	pthread_mutex_unlock(&rec.lock);
}

/*
 * A program that ends with _exit() runs no destructor: write what is
 * buffered first.  (exit() is not interposed: it runs the destructor.)
 */
static void flush_now(void)
{
	if (in_hook)
		return;
	pthread_mutex_lock(&rec.lock);
	if (rec.recording)
		out_flush();
	pthread_mutex_unlock(&rec.lock);
}

EXPORT void _exit(int status)
{
	flush_now();
	if (real__exit != NULL)
		real__exit(status);
	for (;;)
		_Exit(status);
}

/* 1 when the call at hand is to be recorded: then the lock is held. */
static int enter(void)
{
	if (rec.state != ST_READY)
		init();
	if (in_hook || !rec.recording)
		return 0;
	in_hook++;
	pthread_mutex_lock(&rec.lock);
	if (!rec.recording) {
		pthread_mutex_unlock(&rec.lock);
		in_hook--;
		return 0;
	}
	return 1;
}

static void leave(void)
{
	pthread_mutex_unlock(&rec.lock);
	in_hook--;
}

static unsigned log2_ceil(size_t a)
{
	unsigned k = 0;

	while (k < 63 && ((size_t)1 << k) < a)
		k++;
	return k;
}

/* --- The interposed functions ----------------------------------------------- */

EXPORT void *malloc(size_t n)
{
	void *p;

	if (real_malloc == NULL) {
		init();
		if (real_malloc == NULL)
			return boot_alloc(n);
	}
	if (!enter())
		return real_malloc(n);
	p = real_malloc(n);
	if (p != NULL)
		note_new(p, JMT_MALLOC, n, 0, 0);
	leave();
	return p;
}

EXPORT void *calloc(size_t n, size_t m)
{
	void *p;

	if (real_calloc == NULL) {
		init();
		if (real_calloc == NULL)
			return m != 0 && n > (size_t)-1 / m ? NULL : boot_alloc(n * m);
	}
	if (!enter())
		return real_calloc(n, m);
	p = real_calloc(n, m);
	if (p != NULL) /* the product did not overflow */
		note_new(p, JMT_CALLOC, (uint64_t)n * m, 0, 0);
	leave();
	return p;
}

EXPORT void free(void *p)
{
	if (p == NULL || is_boot(p))
		return;
	if (real_free == NULL) {
		init();
		if (real_free == NULL)
			return; /* cannot happen after set-up: leak it */
	}
	if (!enter()) {
		real_free(p);
		return;
	}
	note_free(p); /* before the real free, so the address is not reused first */
	real_free(p);
	leave();
}

EXPORT void *realloc(void *p, size_t n)
{
	uint64_t id;
	void *q;

	if (p != NULL && is_boot(p)) {
		size_t old = boot_size(p);

		q = malloc(n);
		if (q != NULL)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (real_realloc == NULL) {
		init();
		if (real_realloc == NULL)
			return p == NULL ? boot_alloc(n) : NULL;
	}
	if (!enter())
		return real_realloc(p, n);
	q = real_realloc(p, n);
	if (p == NULL) {
		if (q != NULL)
			note_new(q, JMT_MALLOC, n, 0, 0);
	} else if (q == NULL) {
		if (n == 0)
			note_free(p); /* realloc(p, 0) freed p */
	} else if (map_take((uintptr_t)p, &id) == 0) {
		if (map_put((uintptr_t)q, id) != 0)
			rec.recording = 0;
		else
			out_record(JMT_REALLOC, id, 1, n);
	} else {
		note_new(q, JMT_MALLOC, n, 0, 0); /* p was never seen */
	}
	leave();
	return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t m)
{
	if (m != 0 && n > (size_t)-1 / m) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * m);
}

static void note_aligned(void *p, size_t align, size_t n)
{
	note_new(p, JMT_ALIGNED, log2_ceil(align), 1, n);
}

/* Nonzero when the real function is known, after a first set-up if it
 * was not yet. */
#define KNOWN(real) ((real) != NULL || (init(), (real) != NULL))

EXPORT int posix_memalign(void **pp, size_t align, size_t n)
{
	int r;

	if (!KNOWN(real_posix_memalign))
		return ENOMEM;
	if (!enter())
		return real_posix_memalign(pp, align, n);
	r = real_posix_memalign(pp, align, n);
	if (r == 0)
		note_aligned(*pp, align, n);
	leave();
	return r;
}

/* memalign and aligned_alloc: the same call but for the real function. */
static void *align_call(void *(**real)(size_t, size_t), size_t align,
			size_t n)
{
	void *p;

	if (!KNOWN(*real))
		return NULL;
	if (!enter())
		return (*real)(align, n);
	p = (*real)(align, n);
	if (p != NULL)
		note_aligned(p, align, n);
	leave();
	return p;
}

EXPORT void *memalign(size_t align, size_t n)
{
	return align_call(&real_memalign, align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return align_call(&real_aligned_alloc, align, n);
}

/*
 * valloc and pvalloc: page-aligned blocks.  `whole` says that the real
 * function rounds the size up to whole pages (pvalloc), and so is the
 * size recorded.
 */
static void *page_call(void *(**real)(size_t), size_t n, int whole)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (!KNOWN(*real))
		return NULL;
	if (!enter())
		return (*real)(n);
	p = (*real)(n);
	if (p != NULL)
		note_aligned(p, page, !whole ? n :
			     n == 0 ? page : (n + page - 1) & ~(page - 1));
	leave();
	return p;
}

EXPORT void *valloc(size_t n)
{
	return page_call(&real_valloc, n, 0);
}

EXPORT void *pvalloc(size_t n)
{
	return page_call(&real_pvalloc, n, 1);
}
