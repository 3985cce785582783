// SPDX-License-Identifier: GPL-2.0
/* Loss counted once (loss.h).  Uses nothing. */
#include <string.h>

#include "loss.h"

/* Add [@from, @to) to the ranges, merging what it touches. */
static void mark(struct lossmark *l, uint64_t from, uint64_t to)
{
	int i = 0, j;

	while (i < l->n && l->r[i].to < from)
		i++;
	/* l->r[i..j) touch or overlap [from, to): they merge into one. */
	for (j = i; j < l->n && l->r[j].from <= to; j++) {
		if (l->r[j].from < from)
			from = l->r[j].from;
		if (l->r[j].to > to)
			to = l->r[j].to;
	}
	if (i == j && l->n == LOSSMARK_RANGES) {
		/* Full: forget the lowest range. */
		memmove(&l->r[0], &l->r[1], (size_t)(l->n - 1) * sizeof(l->r[0]));
		l->n--;
		if (i)
			i--;
		j = i;
	}
	memmove(&l->r[i + 1], &l->r[j], (size_t)(l->n - j) * sizeof(l->r[0]));
	l->n += 1 - (j - i);
	l->r[i].from = from;
	l->r[i].to = to;
}

bool lossmark_take(struct lossmark *l, uint64_t *from, uint64_t to, uint64_t *pf, uint64_t *pt)
{
	uint64_t f = *from, t = to;
	int i;

	for (i = 0; i < l->n && f < to; i++) {
		if (l->r[i].to <= f)
			continue;
		if (l->r[i].from <= f) {
			f = l->r[i].to;		/* counted: skip it */
			continue;
		}
		if (l->r[i].from < t)
			t = l->r[i].from;	/* uncounted up to the next range */
		break;
	}
	if (f >= to) {
		*from = to;
		return false;
	}
	if (t > to)
		t = to;
	mark(l, f, t);
	*pf = f;
	*pt = t;
	*from = t;
	return true;
}

uint64_t lossmark_add(struct lossmark *l, uint64_t from, uint64_t to)
{
	uint64_t n = 0, pf, pt;

	while (from < to && lossmark_take(l, &from, to, &pf, &pt))
		n += pt - pf;
	return n;
}

void lossmark_clear(struct lossmark *l)
{
	l->n = 0;
}
