/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open topic file (file.c): its state, its file operations, and
 * making a policy change bite on the open files of a topic.
 */
#ifndef _KSTREAM_FILE_H
#define _KSTREAM_FILE_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "consume.h"
#include "dedup.h"

struct kstream_topic;

/* What an open fd does with its topic; one cached decision each. */
enum kstream_access {
	KSTREAM_ACCESS_PUBLISH,
	KSTREAM_ACCESS_CONSUME,
	KSTREAM_ACCESS_MMAP,

	KSTREAM_ACCESS_NR
};

/*
 * The per-fd decision cache of the security layer (security.h):
 * gen << 1 | allowed, 0 before the first decision.
 */
struct kstream_file_sec {
	unsigned long cache[KSTREAM_ACCESS_NR];
};

/*
 * Who opened a file for writing, as the ingress verdict sees its
 * messages: the file's credentials (f_cred) and the opener's process.
 */
struct kstream_producer_cred {
	kuid_t uid;		/* f_cred->euid */
	kgid_t gid;		/* f_cred->egid */
	pid_t tgid;		/* opener's thread group, initial pid namespace */
};

/*
 * A producer fd's staging buffer for messages too big for the stack,
 * kept and reused: allocating (and, with init_on_alloc, zeroing) one per
 * message cost more than copying it.  Whoever holds @lock uses it; a
 * concurrent writer on the same fd allocates its own (publish.c).
 */
struct kstream_stage {
	struct mutex lock;	/* held while a writer uses buf */
	void *buf;
	size_t size;
};

/*
 * Per open file of a topic.  kstream_file.lock serialises the cursor
 * operations of one fd (read, lseek, ioctl), so threads sharing an fd see
 * one cursor; it is never held while waiting.
 */
struct kstream_file {
	struct kstream_topic *topic;	/* holds a reference */
	struct file *file;		/* ours; f_cred is the fd's subject */
	struct kstream_file_sec sec;	/* cached decisions (security.c) */
	struct mutex lock;
	u32 flags;			/* KSTREAM_FD_*, under lock */
	struct kstream_reader reader;	/* when opened for reading */
	struct kstream_producer_cred producer;	/* set at open, then constant */
	struct kstream_prod prod;	/* producer id (topic lock) */
	struct kstream_stage stage;
	/* A recheck pass (file.c), under the topic's sec.recheck_lock. */
	struct list_head recheck;
	bool recheck_allowed;
};

extern const struct file_operations kstream_fops;

/*
 * After kstream_security_changed(), once unlocked (process context):
 * readers that lost their right to subscribe stop holding a block
 * topic's producers back (and start again when it is granted back).  If
 * @revoked (rights may have been taken away), also make that bite on open
 * fds: wake blocked readers, writers and pollers (they re-check and fail)
 * and take down every ring mapping of the topic (mmap.c; faults re-check,
 * a revoked fd's raise SIGBUS).
 */
void kstream_security_enforce(struct kstream_topic *t, bool revoked);

#endif /* _KSTREAM_FILE_H */
