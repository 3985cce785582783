/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loss counted once.  A route meets the same gap of its source's
 * sequence space more than once: a resume asks for a sequence that is no
 * longer retained, the connection fails before anything after the gap is
 * acknowledged, and the next resume asks for the same sequence again.
 * The mark remembers how far gaps were counted; it is cleared when the
 * source becomes a new topic (a new sequence space).
 */
#ifndef KSTREAM_BRIDGE_LOSS_H
#define KSTREAM_BRIDGE_LOSS_H

#include <stdbool.h>
#include <stdint.h>

struct lossmark {
	bool set;
	uint64_t to;		/* gaps below here are counted */
};

/* Messages [@from, @to) are gone: how many of them were not counted yet. */
static inline uint64_t lossmark_add(struct lossmark *l, uint64_t from, uint64_t to)
{
	if (l->set && from < l->to)
		from = l->to;
	if (to <= from)
		return 0;
	l->set = true;
	l->to = to;
	return to - from;
}

static inline void lossmark_clear(struct lossmark *l)
{
	l->set = false;
}

#endif
