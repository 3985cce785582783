/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line arguments of "streamctl topic add":
 *
 *   NAME [size SIZE] [msgmax SIZE] [policy overwrite|block] [mode MODE]
 *        [owner USER] [group GROUP] [producers N] [deadletter DLQ]
 *
 * Only what cannot be sent is rejected here (bad syntax, unknown user,
 * a size that does not fit the u32 attribute); value ranges are the
 * kernel's to check.
 */
#ifndef KSTREAM_TOPICOPTS_H
#define KSTREAM_TOPICOPTS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kstream.h>

/* Bits of topic_opts.set: options given on the command line. */
enum {
	TOPIC_OPT_SIZE		= 1U << 0,	/* ring_size */
	TOPIC_OPT_MSGMAX	= 1U << 1,	/* msg_max */
	TOPIC_OPT_POLICY	= 1U << 2,	/* policy */
	TOPIC_OPT_MODE		= 1U << 3,	/* mode */
	TOPIC_OPT_OWNER		= 1U << 4,	/* uid */
	TOPIC_OPT_GROUP		= 1U << 5,	/* gid */
	TOPIC_OPT_PRODUCERS	= 1U << 6,	/* producers_max */
	TOPIC_OPT_DEADLETTER	= 1U << 7,	/* deadletter */
};

struct topic_opts {
	char name[KSTREAM_NAME_MAX];	/* "" if none */
	unsigned int set;		/* TOPIC_OPT_* */
	uint32_t ring_size;
	uint32_t msg_max;
	uint32_t policy;		/* enum kstream_policy */
	uint32_t mode;			/* at most 0777 */
	uint32_t uid;
	uint32_t gid;
	uint32_t producers_max;		/* ids of the deduplication table */
	char deadletter[KSTREAM_NAME_MAX];	/* the dead-letter topic */
};

/*
 * Set o->name to name if it is a valid topic name (topic_name_valid());
 * otherwise return -EINVAL with a message in err (which may be NULL).
 */
int topic_opts_set_name(struct topic_opts *o, const char *name,
			char *err, size_t errlen);

/*
 * Parse argv[0..argc) (NAME, then keyword/value pairs) into *o, which is
 * cleared first.  Returns 0, or -EINVAL with a one-line message in err
 * (which may be NULL): missing or invalid name, unknown or repeated
 * keyword, missing or unparseable value.
 *
 * owner/group take a numeric id (all digits) or a user/group name looked
 * up with getpwnam()/getgrnam().
 */
int topic_opts_parse(struct topic_opts *o, int argc, char *const argv[],
		     char *err, size_t errlen);

#endif /* KSTREAM_TOPICOPTS_H */
