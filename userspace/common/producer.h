/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The deduplication state of a topic as the tools see it (idempotent
 * producers, KSTREAM_CMD_PRODUCER_GET), and the text and JSON formats of
 * "streamctl topic show NAME producers [ID]".  No netlink here, so it can
 * be unit tested.
 */
#ifndef KSTREAM_PRODUCER_H
#define KSTREAM_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

/* One producer id of a topic. */
struct producer_info {
	uint64_t id;
	uint64_t last_seq;	/* valid if known */
	bool known;		/* KSTREAM_PRODUCER_KNOWN */
};

/* A growable array of them. */
struct producer_set {
	struct producer_info *v;
	size_t n, cap;
};

/* Append; 0 or -ENOMEM. */
int producer_set_add(struct producer_set *set, const struct producer_info *p);
void producer_set_free(struct producer_set *set);
/* Sort by id (the kernel sends them in table order). */
void producer_set_sort(struct producer_set *set);

/*
 * Parse a producer id: decimal, or hexadecimal with 0x; not 0.  0 or
 * -EINVAL.
 */
int producer_id_parse(const char *s, uint64_t *id);

/*
 * Text:
 *
 *   imu: 2 producer ids
 *       PRODUCER_ID         LAST_SEQ
 *       0x00000000000003e8  1500
 *       0x3ea7d447b6419afe  17
 *
 * and for one id that the topic does not know:
 *
 *   imu: producer 0x0000000000000007 unknown
 */
void producer_print_text(FILE *f, const char *topic,
			 const struct producer_set *set);
/*
 * JSON: {"topic":"imu","producers":[{"id":1000,"id_hex":"0x...",
 * "known":true,"last_seq":1500},...]}; last_seq only when known.
 */
void producer_print_json(struct json *j, const char *topic,
			 const struct producer_set *set);

#endif /* KSTREAM_PRODUCER_H */
