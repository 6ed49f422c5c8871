/*
 * interp.c - an interpreter's allocation pattern through a sized hook.
 *
 * Every allocation goes through one function of the form of Lua's
 * lua_Alloc, called through a pointer as a language runtime calls it:
 *
 *   void *alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
 *
 * new_size 0 frees ptr, of old_size bytes; ptr NULL allocates new_size
 * bytes (old_size then says what kind of object it is, as in Lua);
 * otherwise the block is resized from old_size to new_size.  The hook
 * maps these to the allocator's sized calls (alloc.h).
 *
 * Each of COUNT steps does one thing a runtime does (fixed seed):
 *   45%  a small object (a table or a closure) of 16-100 bytes;
 *   15%  an append to one of 256 arrays of 16-byte values, whose
 *        capacity doubles by realloc, from 4 values up to 64 Ki;
 *   15%  a run of 1-48 bytes appended to one of 32 string buffers, each
 *        grown by realloc to its size plus the run; a buffer that reaches
 *        its length (64 B to 256 KiB) becomes a string object of that
 *        size and is freed;
 *   10%  an insert into one of 256 hash tables of 32-byte nodes, whose
 *        node array is replaced by one twice as large when it is full
 *        (a new array, the old one freed), up to 16 Ki nodes;
 *   10%  a concatenation's result of 16 B to 384 KiB (log-uniform): the
 *        larger ones temporaries, freed at once, those up to 4 KiB kept
 *        as string objects half the time;
 *    5%  the newest object dies.
 * When 256 Ki objects are live, a collection frees a random half of
 * them, and of the arrays, buffers and tables.  An op is one call of the
 * hook.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "harness.h"

typedef void *(*interp_alloc)(void *ud, void *ptr, size_t old_size,
			      size_t new_size);

/* Kinds of objects, passed as old_size when ptr is NULL (as Lua does). */
enum { K_STRING = 4, K_TABLE = 5, K_CLOSURE = 6, K_BUFFER = 8 };

static void *hook(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	uint64_t *calls = ud;

	++*calls;
	if (new_size == 0) {
		if (ptr != NULL)
			bench_free(ptr, old_size);
		return NULL;
	}
	if (ptr == NULL)
		return bench_alloc(new_size);
	return bench_realloc(ptr, old_size, new_size);
}

enum {
	MAX_OBJS = 1 << 18,	/* live objects before a collection */
	ARRAYS = 256,
	BUFFERS = 32,
	TABLES = 256,
	ARRAY_MAX = 1 << 16,	/* values */
	TABLE_MAX = 1 << 14,	/* nodes */
	VALUE = 16,
	NODE = 32
};

struct obj {
	void *p;
	size_t size;
};

struct vec {
	unsigned char *p;
	size_t len, cap;	/* values, nodes or bytes */
	size_t limit;		/* buffers: the length at which it is done */
};

struct vm {
	interp_alloc frealloc;
	void *ud;
	uint64_t calls;
	uint64_t seed;
	size_t nobj;
	struct obj obj[MAX_OBJS];
	struct vec array[ARRAYS];
	struct vec buffer[BUFFERS];
	struct vec table[TABLES];
};

static void *vm_new(struct vm *vm, int kind, size_t n)
{
	void *p = vm->frealloc(vm->ud, NULL, (size_t)kind, n);

	if (p == NULL)
		die("allocation failed");
	return p;
}

static void *vm_resize(struct vm *vm, void *p, size_t old_size, size_t n)
{
	p = vm->frealloc(vm->ud, p, old_size, n);
	if (p == NULL)
		die("reallocation failed");
	return p;
}

static void vm_free(struct vm *vm, void *p, size_t n)
{
	vm->frealloc(vm->ud, p, n, 0);
}

/* Write the first bytes and one byte of each page after them. */
static void fill(unsigned char *p, size_t n)
{
	size_t i;

	memset(p, 'x', n < 64 ? n : 64);
	for (i = 4096; i < n; i += 4096)
		p[i] = 'x';
	p[n - 1] = 'x';
}

static void keep(struct vm *vm, void *p, size_t n)
{
	vm->obj[vm->nobj].p = p;
	vm->obj[vm->nobj].size = n;
	vm->nobj++;
}

/*
 * Free a vector's block and empty it.  `elem` is the bytes of one of its
 * values or nodes; 0 for a buffer, whose block has its length in bytes.
 */
static void vec_drop(struct vm *vm, struct vec *v, size_t elem)
{
	vm_free(vm, v->p, elem != 0 ? v->cap * elem : v->len);
	memset(v, 0, sizeof(*v));
}

/* A collection's share of n vectors: each live one dies at even odds. */
static void collect_vecs(struct vm *vm, struct vec *v, size_t n, size_t elem)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].p != NULL && (rnd(&vm->seed) & 1))
			vec_drop(vm, &v[i], elem);
}

static void collect(struct vm *vm)
{
	size_t i, kept = 0;

	for (i = 0; i < vm->nobj; i++) {
		if (rnd(&vm->seed) & 1)
			vm_free(vm, vm->obj[i].p, vm->obj[i].size);
		else
			vm->obj[kept++] = vm->obj[i];
	}
	vm->nobj = kept;
	collect_vecs(vm, vm->array, ARRAYS, VALUE);
	collect_vecs(vm, vm->buffer, BUFFERS, 0);
	collect_vecs(vm, vm->table, TABLES, NODE);
}

/*
 * Make room for one more value or node: a vector at its largest (max)
 * dies and starts again; one that is full doubles.  The new capacity,
 * or 0 when there is room.
 */
static size_t vec_grow(struct vm *vm, struct vec *v, size_t max, size_t elem)
{
	if (v->len == max)
		vec_drop(vm, v, elem);
	if (v->len < v->cap)
		return 0;
	return v->cap != 0 ? v->cap * 2 : 4;
}

static void array_append(struct vm *vm, struct vec *v)
{
	size_t cap = vec_grow(vm, v, ARRAY_MAX, VALUE);

	if (cap != 0) {
		v->p = v->p == NULL ? vm_new(vm, K_TABLE, cap * VALUE) :
			vm_resize(vm, v->p, v->cap * VALUE, cap * VALUE);
		v->cap = cap;
	}
	memset(v->p + v->len * VALUE, 0x11, VALUE);
	v->len++;
}

/* 64 B to 256 KiB, as likely in each doubling. */
static size_t buffer_limit(uint64_t r)
{
	size_t base = (size_t)64 << (r % 12);

	return base + (size_t)((r >> 8) % base);
}

static void buffer_append(struct vm *vm, struct vec *v, uint64_t r)
{
	size_t run = 1 + (size_t)(r % 48);

	if (v->p == NULL) {
		v->limit = buffer_limit(r >> 8);
		v->p = vm_new(vm, K_BUFFER, run);
	} else {
		v->p = vm_resize(vm, v->p, v->len, v->len + run);
	}
	memset(v->p + v->len, 'a', run);
	v->len += run;
	if (v->len >= v->limit) {
		/* The finished string: a new object, the buffer freed. */
		unsigned char *s = vm_new(vm, K_STRING, v->len);

		memcpy(s, v->p, v->len);
		vm_free(vm, v->p, v->len);
		keep(vm, s, v->len);
		memset(v, 0, sizeof(*v));
	}
}

static void table_insert(struct vm *vm, struct vec *v)
{
	size_t cap = vec_grow(vm, v, TABLE_MAX, NODE);

	if (cap != 0) {
		unsigned char *p = vm_new(vm, K_TABLE, cap * NODE);

		/* Rehash: every node is written into the new array. */
		memset(p, 0, cap * NODE);
		if (v->p != NULL)
			vm_free(vm, v->p, v->cap * NODE);
		v->p = p;
		v->cap = cap;
	}
	memset(v->p + (v->len * 7 % v->cap) * NODE, 0x22, NODE);
	v->len++;
}

/* 16 B to 384 KiB, log-uniform. */
static size_t concat_size(uint64_t r)
{
	size_t base = (size_t)16 << (r % 15);
	size_t n = base + (size_t)((r >> 8) % base);

	return n < ((size_t)384 << 10) ? n : (size_t)384 << 10;
}

static NOINLINE void bench_measured_interp(struct vm *vm, uint64_t count)
{
	uint64_t i;

	for (i = 0; i < count; i++) {
		uint64_t r = rnd(&vm->seed);
		unsigned pick = (unsigned)(r % 100);

		r >>= 8;
		if (pick < 45) {
			size_t n = 16 + (size_t)(r % 85);
			void *p = vm_new(vm, r & 256 ? K_TABLE : K_CLOSURE, n);

			memset(p, 0, n < 32 ? n : 32);
			keep(vm, p, n);
		} else if (pick < 60) {
			array_append(vm, &vm->array[r % ARRAYS]);
		} else if (pick < 75) {
			buffer_append(vm, &vm->buffer[r % BUFFERS], r >> 8);
		} else if (pick < 85) {
			table_insert(vm, &vm->table[r % TABLES]);
		} else if (pick < 95) {
			size_t n = concat_size(r);
			unsigned char *s = vm_new(vm, K_STRING, n);

			fill(s, n);
			if (n <= 4096 && (r & 1 << 20))
				keep(vm, s, n);
			else
				vm_free(vm, s, n);
		} else if (vm->nobj > 0) {
			vm->nobj--;
			vm_free(vm, vm->obj[vm->nobj].p, vm->obj[vm->nobj].size);
		}
		if (vm->nobj == MAX_OBJS)
			collect(vm);
	}
}

static void close_vecs(struct vm *vm, struct vec *v, size_t n, size_t elem)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].p != NULL)
			vec_drop(vm, &v[i], elem);
}

static void close_vm(struct vm *vm)
{
	size_t i;

	for (i = 0; i < vm->nobj; i++)
		vm_free(vm, vm->obj[i].p, vm->obj[i].size);
	close_vecs(vm, vm->array, ARRAYS, VALUE);
	close_vecs(vm, vm->buffer, BUFFERS, 0);
	close_vecs(vm, vm->table, TABLES, NODE);
}

int interp_run(const struct params *pr, double *ns, uint64_t *ops)
{
	struct vm *vm;
	uint64_t f0;
	double t0, t1;

	if (strcmp(pr->workload, "interp") != 0)
		return 0;
	vm = harness_map(sizeof(*vm));
	vm->frealloc = hook;
	vm->ud = &vm->calls;
	vm->seed = 0x6a09e667f3bcc909ull;
	f0 = page_faults();
	t0 = phase_start();
	bench_measured_interp(vm, pr->count);
	t1 = now_ns();
	*ns = t1 - t0;
	*ops = vm->calls;
	report("faults", (double)(page_faults() - f0) / (double)*ops);
	close_vm(vm);
	harness_unmap(vm, sizeof(*vm));
	return 1;
}
