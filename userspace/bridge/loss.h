/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loss counted once.  A route meets the same gap of its source's
 * sequence space more than once: a resume asks for a sequence that is no
 * longer retained, the connection fails before anything after the gap is
 * acknowledged, and the next resume asks for the same sequence again.
 *
 * The mark remembers which ranges were counted, not just how far: a
 * resume may also ask for messages that were sent, never acknowledged and
 * are now overwritten, below a gap counted earlier (sent 50-99, then
 * 100-199 overwritten before they were read and counted, then the
 * connection fails and 50-250 are gone): 50-99 are lost now and must be
 * counted, 100-199 must not be counted again.
 *
 * Bounded: LOSSMARK_RANGES disjoint ranges; when a new one does not fit,
 * the lowest is forgotten (meeting it again would count it twice: an
 * overcount, never a silent loss).  Cleared when the source becomes a new
 * topic (a new sequence space).
 */
#ifndef KSTREAM_BRIDGE_LOSS_H
#define KSTREAM_BRIDGE_LOSS_H

#include <stdbool.h>
#include <stdint.h>

#define LOSSMARK_RANGES 16

struct lossmark {
	int n;					/* ranges in use */
	struct { uint64_t from, to; } r[LOSSMARK_RANGES];	/* [from, to), ascending, disjoint */
};

/*
 * The first part of [*@from, @to) not counted yet: true, with it in
 * [*@pf, *@pt), now marked counted and *@from moved past it; false when
 * all of it was counted.
 */
bool lossmark_take(struct lossmark *l, uint64_t *from, uint64_t to, uint64_t *pf, uint64_t *pt);
/* Messages [@from, @to) are gone: how many of them were not counted yet (now counted). */
uint64_t lossmark_add(struct lossmark *l, uint64_t from, uint64_t to);
void lossmark_clear(struct lossmark *l);

#endif
