/* arena.c - the span pool: arenas, their unit descriptors, purging. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "arena.h"
#include "os.h"
#include "sizeclass.h"
#include "tools.h"

/* The span pool's state. */
static struct {
	struct jm_arena *list; /* every arena, oldest first */
	size_t arenas;
	size_t unused;	/* units in no span, over all arenas */
	size_t dirty;	/* of those, used since last given back */
	jm_arena_hook_fn *hook;
} jm_arenas;

void jm_arena_set_hook(jm_arena_hook_fn *fn)
{
	jm_arenas.hook = fn;
}

void *jm_arena_span_start(const struct jm_unit *u)
{
	uintptr_t a = (uintptr_t)u & ~(uintptr_t)(JM_ARENA_SIZE - 1);
	const struct jm_arena *ar = (const struct jm_arena *)a;

	return (char *)a + ((size_t)(u - ar->unit) << JM_UNIT_SHIFT);
}

static struct jm_arena *jm_arena_map(void)
{
	struct jm_arena *a = jm_os_map_aligned(JM_ARENA_SIZE, JM_ARENA_SIZE);
	struct jm_arena **link = &jm_arenas.list;

	if (a == NULL)
		return NULL;
	/* A checker may still have the memory of an arena once unmapped at
	 * this address closed (tools.h). */
	JM_TOOL_OPEN(a, JM_ARENA_SIZE);
	/* Last: spans are taken first fit, oldest arenas first. */
	while (*link != NULL)
		link = &(*link)->next;
	/* Fresh memory reads as zero: every unit is free and clean. */
	a->unit[0].state = JM_UNIT_HEAD;
	a->unit[0].len = 1;
	a->used = 1;
	a->hint = 1;
	*link = a;
	jm_arenas.arenas++;
	jm_arenas.unused += JM_ARENA_UNITS - 1;
	return a;
}

/* The first of `units` free units in a, or 0. */
static size_t jm_arena_find(const struct jm_arena *a, size_t units)
{
	size_t i, run = 0;

	if (JM_ARENA_UNITS - a->used < units)
		return 0;
	for (i = a->hint; i < JM_ARENA_UNITS; i++) {
		if (a->unit[i].state != JM_UNIT_FREE) {
			run = 0;
			i += a->unit[i].len - 1u; /* a head: skip its body */
			continue;
		}
		if (++run == units)
			return i + 1 - units;
	}
	return 0;
}

void *jm_arena_take(size_t units, size_t blocks, size_t size, int *zero)
{
	struct jm_arena *a;
	size_t first = 0, i;

	JM_ASSERT(units >= 1 && units <= JM_SPAN_MAX_UNITS);
	JM_ASSERT(blocks >= 1 && blocks <= UINT16_MAX && size <= UINT32_MAX);
	for (a = jm_arenas.list; a != NULL; a = a->next) {
		first = jm_arena_find(a, units);
		if (first != 0)
			break;
	}
	if (a == NULL) {
		a = jm_arena_map();
		if (a == NULL)
			return NULL;
		first = 1;
	}
	*zero = 1;
	for (i = first; i < first + units; i++) {
		struct jm_unit *u = &a->unit[i];

		if (u->dirty) {
			*zero = 0;
			jm_arenas.dirty--;
		}
		u->dirty = 0;
		u->state = JM_UNIT_BODY;
		u->len = (uint16_t)(i - first);
	}
	a->unit[first].state = JM_UNIT_HEAD;
	a->unit[first].len = (uint16_t)units;
	a->unit[first].blocks = (uint16_t)blocks;
	a->unit[first].size = (uint32_t)size;
	if (first == a->hint)
		a->hint = first + units;
	a->unit[first].nfree = 0;
	a->used += units;
	jm_arenas.unused -= units;
	/* Units that served another span may still be closed to a memory
	 * checker (tools.h), purged or not: the engine owns them again. */
	JM_TOOL_OPEN((char *)a + (first << JM_UNIT_SHIFT), units << JM_UNIT_SHIFT);
	return (char *)a + (first << JM_UNIT_SHIFT);
}

size_t jm_arena_mark_whole(unsigned char *want)
{
	struct jm_arena *a;
	size_t n = 0;

	for (a = jm_arenas.list; a != NULL; a = a->next) {
		size_t i;

		for (i = 1; i < JM_ARENA_UNITS; i += a->unit[i].state ? a->unit[i].len : 1u) {
			const struct jm_unit *u = &a->unit[i];

			if (u->state == JM_UNIT_HEAD && u->blocks != 0 &&
			    u->nfree == u->blocks) {
				want[jm_class_of(u->size)] = 1;
				n++;
			}
		}
	}
	return n;
}

size_t jm_arena_collect(uint32_t now)
{
	struct jm_arena *a;
	size_t bytes = 0;

	for (a = jm_arenas.list; a != NULL; a = a->next) {
		size_t i, j;

		for (i = 1; i < JM_ARENA_UNITS; i += a->unit[i].state ? a->unit[i].len : 1u) {
			struct jm_unit *u = &a->unit[i];

			if (u->state != JM_UNIT_HEAD)
				continue;
			if (u->nfree != u->blocks || u->blocks == 0) {
				u->nfree = 0;
				continue;
			}
			if (jm_arenas.hook != NULL)
				jm_arenas.hook(jm_arena_span_start(u), u->blocks, u->size);
			if (i < a->hint)
				a->hint = i;
			for (j = i + u->len; j-- > i;) {
				a->unit[j].state = JM_UNIT_FREE;
				a->unit[j].dirty = 1;
				a->unit[j].since = now;
			}
			a->used -= u->len;
			jm_arenas.unused += u->len;
			jm_arenas.dirty += u->len;
			bytes += (size_t)u->len << JM_UNIT_SHIFT;
			i += u->len - 1u;
			/* The loop's step reads this unit again: now free. */
		}
	}
	return bytes;
}

/* Unmap arena a, which has no span, unlinking it through *link. */
static size_t jm_arena_unmap(struct jm_arena **link, struct jm_arena *a)
{
	struct jm_arena *next = a->next;
	size_t i, dirty = 0;

	for (i = 1; i < JM_ARENA_UNITS; i++)
		dirty += a->unit[i].dirty;
	if (jm_os_unmap(a, JM_ARENA_SIZE) != 0)
		return 0; /* kept, still described */
	*link = next;
	jm_arenas.arenas--;
	jm_arenas.unused -= JM_ARENA_UNITS - 1;
	jm_arenas.dirty -= dirty;
	/* The header's pages too. */
	return (dirty << JM_UNIT_SHIFT) +
	       jm_large_round(sizeof(*a), jm_os_page_size());
}

size_t jm_arena_purge(uint32_t now, uint32_t age)
{
	struct jm_arena **link = &jm_arenas.list, *a;
	size_t bytes = 0;

	while ((a = *link) != NULL) {
		size_t i = 1, aged = 0;

		while (i < JM_ARENA_UNITS) {
			size_t j = i;

			if (a->unit[i].state != JM_UNIT_FREE) {
				i += a->unit[i].len;
				continue;
			}
			if ((uint32_t)(now - a->unit[i].since) < age) {
				i++;
				continue;
			}
			aged++;
			if (!a->unit[i].dirty) {
				i++;
				continue;
			}
			/* A run of aged dirty free units: one call. */
			while (j < JM_ARENA_UNITS && a->unit[j].state == JM_UNIT_FREE &&
			       a->unit[j].dirty && (uint32_t)(now - a->unit[j].since) >= age)
				j++;
			if (jm_os_purge((char *)a + (i << JM_UNIT_SHIFT),
					(j - i) << JM_UNIT_SHIFT) == 0) {
				size_t n;

				for (n = i; n < j; n++)
					a->unit[n].dirty = 0;
				jm_arenas.dirty -= j - i;
				bytes += (j - i) << JM_UNIT_SHIFT;
			}
			aged += j - i - 1;
			i = j;
		}
		if (a->used == 1 && aged == JM_ARENA_UNITS - 1) {
			bytes += jm_arena_unmap(link, a);
			if (*link != a)
				continue;
		}
		link = &a->next;
	}
	return bytes;
}

int jm_arena_has_units(size_t units)
{
	const struct jm_arena *a;

	for (a = jm_arenas.list; a != NULL; a = a->next)
		if (jm_arena_find(a, units) != 0)
			return 1;
	return 0;
}

int jm_arena_has_dirty(void)
{
	return jm_arenas.dirty != 0;
}

void jm_arena_stats(struct jm_arena_stats *st)
{
	st->mapped = jm_arenas.arenas * JM_ARENA_SIZE;
	st->unused = jm_arenas.unused << JM_UNIT_SHIFT;
	st->dirty = jm_arenas.dirty << JM_UNIT_SHIFT;
}
