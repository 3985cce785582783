/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstream topics as the tools see them: name rules, policy names, and the
 * attributes of a topic as KSTREAM_CMD_TOPIC_GET reports them, with their
 * text and JSON formats.  No netlink here, so it can be unit tested.
 */
#ifndef KSTREAM_TOPIC_H
#define KSTREAM_TOPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kstream.h>

#include "json.h"
#include "print.h"

/*
 * True if name is a valid topic name, by the kernel's rule: 1 to
 * KSTREAM_NAME_MAX - 1 characters of [A-Za-z0-9._-], neither "." nor "..".
 */
bool topic_name_valid(const char *name);

/* "overwrite", "block", or NULL for a policy this tool does not know. */
const char *topic_policy_name(uint32_t policy);

/* Parse "overwrite" or "block"; 0 or -EINVAL. */
int topic_policy_parse(const char *s, uint32_t *out);

/* One entry of a topic's ACL (KSTREAM_A_ACL_ENTRY). */
struct topic_acl_entry {
	uint32_t type;		/* enum kstream_acl_type */
	uint32_t id;		/* uid or gid */
	uint32_t rights;	/* KSTREAM_ACL_* */
};

/* A topic as reported by the kernel; fields absent from the reply are 0. */
struct topic_info {
	char name[KSTREAM_NAME_MAX];
	uint32_t id;
	uint32_t ring_size;
	uint32_t msg_max;
	uint32_t policy;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	char filter[KSTREAM_NAME_MAX];		/* KSTREAM_A_FILTER_NAME */
	uint32_t producers_max;			/* KSTREAM_A_TOPIC_PRODUCERS_MAX */
	char deadletter[KSTREAM_NAME_MAX];	/* KSTREAM_A_TOPIC_DEADLETTER */
	uint64_t stats[KSTREAM_STAT_MAX + 1];	/* by enum kstream_stat */
	struct topic_acl_entry acl[KSTREAM_ACL_MAX_ENTRIES];
	unsigned int nr_acl;	/* entries in acl[] */
	uint32_t have;		/* bit 1 << KSTREAM_A_* per attribute present */
	uint64_t have_stats;	/* bit 1 << KSTREAM_STAT_* per counter present */
};

static inline bool topic_has(const struct topic_info *t, int attr)
{
	return t->have & (1U << attr);
}

static inline bool topic_has_stat(const struct topic_info *t, int stat)
{
	return t->have_stats & (1ULL << stat);
}

/*
 * Two lines (the second only when counters are present):
 *
 * sensors: id 0 size 4M msgmax 64K policy overwrite mode 0660 owner 0 group 0 producers 1024 filter f1 deadletter bad
 *     published 10 (640 bytes) dropped 3 (filter 0 sample 3 ratelimit 0) duplicates 2 lost 0 denied 0 readers 2 writers 1 seq 0..9 used 880
 *     acl user:1001:publish,subscribe group:1002:subscribe
 *
 * Absent attributes are left out (the drop reasons need all three); the
 * acl line only when the topic has entries (ids are numeric, as owner and
 * group are).
 */
void topic_print_text(FILE *f, const struct topic_info *t);

/*
 * The name of a u64 counter of the stats nest (enum kstream_stat) in the
 * JSON output, which is also its file name in sysfs
 * (/sys/class/stream/<name>/stats/<counter>): the enum name in lower case
 * without its prefix ("published", "err_too_big", "max_lag_bytes").  NULL
 * for UNSPEC, PAD, LATENCY (not a counter) and unknown values.
 */
const char *topic_stat_name(int stat);

/*
 * One JSON object: name, id, ring_size, msg_max, policy (string), mode
 * (octal string, "0660"), uid, gid, producers_max, filter, deadletter, a
 * "stats" object (the
 * counters the kernel sent, named by topic_stat_name()) and an "acl" array
 * of {"type", "id", "rights"} objects.  Absent attributes are left out.
 */
void topic_print_json(struct json *j, const struct topic_info *t);

/*
 * The parts of a topic that "topic show" and "stats" share, in either
 * form (print.h): the configuration (the first line of the text; name,
 * id, ring_size, msg_max, policy, mode, uid, gid and filter in JSON) and
 * the ACL (the "    acl ..." line of the text, only when there are
 * entries; the "acl" array in JSON, whenever the kernel sent one).
 */
void topic_pr_config(struct pr *p, const struct topic_info *t);
void topic_pr_acl(struct pr *p, const struct topic_info *t);

#endif /* KSTREAM_TOPIC_H */
