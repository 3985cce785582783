/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dead-letter records (struct kstream_deadletter and the payload that
 * follows it) as "streamctl deadletter show" decodes and prints them.  No
 * I/O here but the FILE * printed to, so it can be unit tested.
 */
#ifndef KSTREAM_DEADLETTER_H
#define KSTREAM_DEADLETTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kstream.h>

#include "json.h"

/* One record of a dead-letter topic, decoded. */
struct dl_record {
	uint64_t seq;			/* in the dead-letter topic */
	uint64_t ts_ns;			/* its commit there */
	struct kstream_deadletter h;	/* the header, src_topic NUL-terminated */
	const uint8_t *payload;		/* the original payload (maybe cut) */
	uint32_t payload_len;
};

/*
 * Decode the payload @p (@len bytes) of record @seq/@ts_ns of a
 * dead-letter topic.  0, or -EBADMSG if it is not a dead-letter record
 * (too short for its hdr_len, a hdr_len shorter than the known header,
 * an unterminated topic name, a payload longer than orig_len).
 */
int dl_decode(const void *p, size_t len, uint64_t seq, uint64_t ts_ns,
	      struct dl_record *r);

/*
 * Text, two lines a record:
 *
 *   seq 7 imu (id 2) reason 1 uid 1000 gid 1000 pid 4242 at 2026-12-07T02:51:22.123456789Z
 *       len 64 (truncated to 24): 00 01 02 ... (at most 32 bytes shown)
 *
 * with " producer 0x... seq N" after pid for an idempotent producer's.
 */
void dl_print_text(FILE *f, const struct dl_record *r);
/*
 * JSON object: seq, ts_ns, topic, topic_id, reason, uid, gid, pid,
 * ingress_ns, orig_len, truncated, producer_id and producer_seq (when
 * not 0), payload_hex (what the record holds, all of it).
 */
void dl_print_json(struct json *j, const struct dl_record *r);

/* An RFC 3339 UTC timestamp with ns, e.g. 2026-12-07T02:51:22.123456789Z. */
void dl_format_time(uint64_t ns, char *buf, size_t len);

#endif /* KSTREAM_DEADLETTER_H */
