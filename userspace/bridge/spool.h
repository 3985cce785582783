/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The route's disk spool: messages consumed while the receiver cannot be
 * reached, kept in append-only segment files until acknowledged.
 *
 * Layout: DIR/ROUTE/ holds segments named by the sequence of their first
 * record, "%020llu.seg".  A record is a 32-byte header
 *
 *	magic u32 "KSSP" | len u32 | seq u64 | ts_ns u64 | crc32c u32 | zero u32
 *
 * (little-endian; the CRC32C covers the first 24 header bytes and the
 * payload), then the payload, then zero padding to 8 bytes.  Sequences
 * strictly increase through the segments.
 *
 * Bounds: the spool holds at most max_bytes of segment files, in up to
 * SPOOL_SEGMENTS segments of max_bytes / SPOOL_SEGMENTS each; when an
 * append would exceed max_bytes the oldest segment is deleted and its
 * records are counted as lost.
 *
 * Durability (fsync policy): always = fdatasync after every append;
 * batch = at spool_sync(), which the route calls once per read of its
 * source (at most every 100 ms while spooling); never = the kernel's
 * writeback.  A killed daemon loses nothing in any mode (the page cache
 * survives it); a power failure can lose what was not yet synced.  At
 * open, every segment is read back and checked: a torn or corrupt tail
 * is cut off there (counted as lost), so replay only ever sends records
 * whose CRC matched.
 */
#ifndef BRIDGE_SPOOL_H
#define BRIDGE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SPOOL_SEGMENTS		16
#define SPOOL_REC_HDR		32

struct spool;

struct spool_rec {
	uint64_t seq, ts_ns;
	uint32_t len;
	const void *data;	/* valid until the next spool_read() */
};

int spool_open(struct spool **sp, const char *dir, const char *route, uint64_t max_bytes,
	       enum bc_fsync fsync, char *err, size_t errlen);
void spool_close(struct spool *s);
/* Append one message (seq above every spooled one): 0 or -errno. */
int spool_append(struct spool *s, uint64_t seq, uint64_t ts_ns, const void *data, uint32_t len);
/* Make what was appended durable (batch policy). */
int spool_sync(struct spool *s);
/* Position the reader on the first record whose seq is above @after. */
void spool_rewind(struct spool *s, uint64_t after);
/* Rewind to the oldest record. */
void spool_rewind_all(struct spool *s);
/* The next record at the reader: 1, 0 at the end, -errno (I/O, corrupt). */
int spool_read(struct spool *s, struct spool_rec *r);
/* Forget every segment whose records are all at or below @seq. */
void spool_ack(struct spool *s, uint64_t seq);

bool spool_has_records(const struct spool *s);
bool spool_reader_at_end(const struct spool *s);
uint64_t spool_first_seq(const struct spool *s);	/* valid if has_records */
uint64_t spool_last_seq(const struct spool *s);
uint64_t spool_bytes(const struct spool *s);
uint64_t spool_records(const struct spool *s);
uint64_t spool_lost(const struct spool *s);

#endif
