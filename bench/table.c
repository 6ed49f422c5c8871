/*
 * table.c - the one table writer of the driver's reports: a table is
 * built column by column and row by row, and written as aligned text,
 * as a Markdown table, or as tab-separated values (driver.h, struct
 * table).
 *
 * Text pads each cell to its column's width, right-aligned (or left, for
 * a negative width), with one space between columns and none at the end
 * of a line.  Markdown aligns its columns the same way.  A row with
 * fewer cells than columns is allowed: in text its last cell runs on
 * unpadded (a message in place of figures), elsewhere the missing cells
 * are empty.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

void table_init(struct table *t, FILE *f, enum style style)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->style = style;
}

void table_col(struct table *t, const char *head, int width)
{
	if (t->ncols == TABLE_COLS)
		fatal("a table of more than %d columns", TABLE_COLS);
	snprintf(t->head[t->ncols], sizeof(t->head[0]), "%s", head);
	t->width[t->ncols++] = width;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;

	if (t->ncells == t->ncols)
		fatal("a table row of more than %d cells", t->ncols);
	va_start(ap, fmt);
	vsnprintf(t->cell[t->ncells++], sizeof(t->cell[0]), fmt, ap);
	va_end(ap);
}

/* Cut the spaces at the end of s. */
static void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

static void write_row(struct table *t, char cell[][TABLE_CELL], int n)
{
	char line[TABLE_COLS * (TABLE_CELL + 3) + 2] = "";
	size_t len = 0;
	int i, last = t->style == STYLE_TEXT ? n : t->ncols;

	for (i = 0; i < last; i++) {
		const char *sep = i == 0 ? "" : t->style == STYLE_TSV ? "\t" : " ";
		const char *c = i < n ? cell[i] : "";
		int w = t->width[i];

		if (t->style != STYLE_TEXT && i < n)
			trim(cell[i]);
		if (t->style == STYLE_MD)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						"%s %s |", i == 0 ? "|" : "", c);
		else if (t->style == STYLE_TSV || (i == n - 1 && n < t->ncols))
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						"%s%s", sep, c);
		else
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						"%s%*s", sep, w, c);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	if (t->style == STYLE_TEXT)
		trim(line);
	fprintf(t->f, "%s\n", line);
}

void table_head(struct table *t)
{
	int i;

	write_row(t, t->head, t->ncols);
	if (t->style != STYLE_MD)
		return;
	fputc('|', t->f);
	for (i = 0; i < t->ncols; i++)
		fputs(t->width[i] < 0 ? "---|" : "---:|", t->f);
	fputc('\n', t->f);
}

void table_end_row(struct table *t)
{
	write_row(t, t->cell, t->ncells);
	t->ncells = 0;
}
