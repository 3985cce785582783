/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's event log: what an operator must not miss (loss above all)
 * as numbered records, kept in a fixed ring of BEV_MAX so memory stays
 * bounded, read with `streambridge events [-j] [-f]` over the control
 * socket ("events [json] SINCE": the records numbered SINCE and later).
 * A follower asks again with the next number; if the ring moved past
 * it, the answer says how many it missed.  Thread-safe (engine routes
 * run in their own threads).  Every record is also logged (blog()).
 */
#ifndef KSTREAM_BRIDGE_EVENTS_H
#define KSTREAM_BRIDGE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define BEV_MAX 1024

enum bev_kind {
	BEV_LOSS,		/* messages of a route's source that will never arrive */
	BEV_SOURCE,		/* a route's source topic deleted or its right revoked */
	BEV_PEER,		/* a connection closed, with the reason */
};

/*
 * Record (and log) an event of @kind about @what (a "route" or a
 * "listener") named @name.  For
 * BEV_LOSS, @count messages from sequence @first (BEV_NOSEQ: not known);
 * a loss right after the previous record's, with the same reason, is
 * merged into it while no reader has been given that record (a run of
 * single lapped messages is one record).  The log says it all too: the
 * record when it begins, then what was merged into it at most once a
 * second, when the next record begins, or at bev_flush().
 */
#define BEV_NOSEQ UINT64_MAX
void bev_emit(enum bev_kind kind, const char *what, const char *name, uint64_t first,
	      uint64_t count, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Log what was merged into the newest record and not logged yet: if that
 * is a second old (the main loop, each turn), or @all (at exit).
 */
void bev_flush(bool all);

/* Write the records numbered @since and later (text lines or one JSON object). */
void bev_write(FILE *f, uint64_t since, bool json);

/* Forget every record (tests). */
void bev_reset(void);

#endif
