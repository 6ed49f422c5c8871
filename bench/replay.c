/*
 * replay.c - the replay workload: the calls of a trace file (trace.h),
 * in order, with the sizes they asked for.
 *
 *   replay  -f TRACE; with -n, only the first COUNT calls
 *
 * The trace is decoded into harness memory before the measured phase,
 * each block named by a slot of a dense array; an op is one call.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "harness.h"
#include "trace.h"

struct event {
	uint32_t op;
	uint32_t id;	/* the block's slot */
	uint64_t size;	/* JMT_ALIGNED: log2(alignment) in the top 8 bits */
};

#define EV_ALIGN_SHIFT 56

struct trace {
	struct event *ev;
	uint64_t n;
	uint64_t ids;	/* slots needed */
};

static void trace_load(const char *path, struct trace *t)
{
	const unsigned char *p, *end, *base;
	uint64_t cap = 0, namelen, n = 0, next = 0, nfree = 0;
	uint32_t *stack;
	unsigned char *live;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < JMT_MAGIC_LEN)
		die("cannot read the trace file");
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		die("cannot map the trace file");
	end = base + st.st_size;
	if (memcmp(base, JMT_MAGIC, JMT_MAGIC_LEN) != 0)
		die("not a trace file (bad magic)");
	p = base + JMT_MAGIC_LEN;
	if (jmt_get_varint(&p, end, &namelen) != 0 ||
	    namelen > (uint64_t)(end - p))
		die("corrupt trace header");
	p += namelen;
	/* Every record takes at least two bytes: an upper bound of events. */
	cap = (uint64_t)(end - p) / 2 + 1;
	t->ev = harness_map(cap * sizeof(*t->ev));
	stack = harness_map(cap * sizeof(*stack));
	live = harness_map(cap);
	while (p < end) {
		struct event *e = &t->ev[n];
		uint64_t a = 0, b = 0;
		unsigned op = *p++;

		if (jmt_get_varint(&p, end, &a) != 0)
			die("corrupt trace record");
		if ((op == JMT_REALLOC || op == JMT_ALIGNED) &&
		    jmt_get_varint(&p, end, &b) != 0)
			die("corrupt trace record");
		e->op = op;
		switch (op) {
		case JMT_MALLOC:
		case JMT_CALLOC:
		case JMT_ALIGNED:
			if (op == JMT_ALIGNED) {
				if (a > 63 || b >> EV_ALIGN_SHIFT)
					die("corrupt aligned record");
				e->size = b | a << EV_ALIGN_SHIFT;
			} else {
				if (a >> EV_ALIGN_SHIFT)
					die("size too large in trace");
				e->size = a;
			}
			e->id = nfree > 0 ? stack[--nfree] : (uint32_t)next++;
			live[e->id] = 1;
			break;
		case JMT_REALLOC:
		case JMT_FREE:
			if (a >= next || !live[a])
				die("trace names a block that is not live");
			e->id = (uint32_t)a;
			e->size = b;
			if (op == JMT_FREE) {
				live[a] = 0;
				stack[nfree++] = (uint32_t)a;
			} else if (b >> EV_ALIGN_SHIFT) {
				die("size too large in trace");
			}
			break;
		default:
			die("unknown record in trace");
		}
		n++;
	}
	munmap(stack, cap * sizeof(*stack));
	munmap(live, cap);
	munmap((void *)base, (size_t)st.st_size);
	t->n = n;
	t->ids = next;
}

struct tslot {
	void *p;
	uint64_t size;
	unsigned align; /* log2; 0 when no alignment was asked for */
};

#define TS_ALIGN(s) ((size_t)1 << (s)->align)
#define TS_ALIGNED(s) ((s)->align > 4) /* more than 16 bytes */

/* A new block of n bytes in slot s, with no alignment asked for. */
static inline void slot_new(struct tslot *s, void *p, uint64_t n)
{
	if (p == NULL)
		die("allocation failed");
	s->p = p;
	s->size = n;
	s->align = 0;
}

static NOINLINE void bench_measured_replay(const struct trace *t,
					   struct tslot *slot)
{
	const struct event *e = t->ev, *end = t->ev + t->n;

	for (; e < end; e++) {
		struct tslot *s = &slot[e->id];
		void *p;

		switch (e->op) {
		case JMT_MALLOC:
			slot_new(s, bench_alloc(e->size), e->size);
			if (e->size != 0)
				touch(s->p);
			break;
		case JMT_CALLOC:
			slot_new(s, bench_calloc(e->size), e->size);
			break;
		case JMT_ALIGNED:
			s->size = e->size & (((uint64_t)1 << EV_ALIGN_SHIFT) - 1);
			s->align = (unsigned)(e->size >> EV_ALIGN_SHIFT);
			if (TS_ALIGNED(s))
				p = bench_aligned(TS_ALIGN(s), s->size);
			else
				p = bench_alloc(s->size);
			if (p == NULL)
				die("allocation failed");
			s->p = p;
			if (s->size != 0)
				touch(p);
			break;
		case JMT_REALLOC:
			if (TS_ALIGNED(s)) {
				/* realloc keeps no alignment: move it by hand */
				p = bench_alloc(e->size);
				if (p == NULL)
					die("allocation failed");
				memcpy(p, s->p, s->size < e->size ? s->size : e->size);
				bench_free_aligned(s->p, TS_ALIGN(s), s->size);
				s->align = 0;
			} else {
				p = bench_realloc(s->p, s->size, e->size);
				if (p == NULL)
					die("reallocation failed");
			}
			s->p = p;
			if (e->size > s->size)
				touch((char *)p + s->size);
			s->size = e->size;
			break;
		case JMT_FREE:
			if (TS_ALIGNED(s))
				bench_free_aligned(s->p, TS_ALIGN(s), s->size);
			else
				bench_free(s->p, s->size);
			s->p = NULL;
			break;
		}
	}
}

/* Free what the replay left live. */
static void replay_drain(const struct trace *t, struct tslot *slot)
{
	uint64_t k;

	for (k = 0; k < t->ids; k++) {
		struct tslot *s = &slot[k];

		if (s->p == NULL)
			continue;
		if (TS_ALIGNED(s))
			bench_free_aligned(s->p, TS_ALIGN(s), s->size);
		else
			bench_free(s->p, s->size);
	}
}

int replay_run(const struct params *pr, double *ns, uint64_t *ops)
{
	struct trace t;
	struct tslot *slot;
	double t0, t1;

	if (strcmp(pr->workload, "replay") != 0)
		return 0;
	if (pr->trace == NULL)
		die("replay needs a trace file (-f FILE)");
	trace_load(pr->trace, &t);
	if (t.n > pr->count)
		t.n = pr->count; /* the first COUNT calls */
	slot = harness_map((t.ids + 1) * sizeof(*slot));
	t0 = phase_start();
	bench_measured_replay(&t, slot);
	t1 = now_ns();
	replay_drain(&t, slot);
	*ns = t1 - t0;
	*ops = t.n;
	return 1;
}
