/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The security hook layer of kstream (security.c), in the shape of the
 * kernel's LSM hooks: a policy is one table of callbacks, struct
 * kstream_security_ops; registered policies are asked in order and the
 * first that refuses decides.  Each hook is called from exactly one place:
 *
 *   hook              called from                      subject
 *   topic_create      netlink, KSTREAM_CMD_TOPIC_NEW    netlink sender
 *   topic_delete      netlink, KSTREAM_CMD_TOPIC_DEL    netlink sender
 *   topic_configure   netlink, kstream_configure(): every change of an
 *                     existing topic (KSTREAM_CMD_ACL_ADD/DEL,
 *                     FILTER_ATTACH/DETACH, STATS_RESET,
 *                     DEADLETTER_SET, TOPIC_SET); and kstream_deadletter_allowed()
 *                     for the dead-letter topic of DEADLETTER_SET and
 *                     TOPIC_NEW                         netlink sender
 *   topic_getattr     netlink, KSTREAM_CMD_TOPIC_GET and dumps, and
 *                     KSTREAM_CMD_PRODUCER_GET
 *   file_open         file.c, open() of a topic node    file->f_cred
 *   file_publish      publish.c, the ingress verdict    file->f_cred
 *   file_consume      file.c/consume.c, read and cursor operations
 *   file_mmap         mmap.c, mmap() of the ring and every fault that
 *                     (re)populates it                  file->f_cred
 *
 * Data-path hooks see the credentials the fd was opened with, never the
 * caller's.  file_publish, file_consume and file_mmap are cached per fd:
 * their answer may depend only on the fd (its f_cred, f_mode) and on the
 * policy's state for the topic, and a policy that changes that state calls
 * kstream_security_changed() (then every cached decision of the topic is
 * re-evaluated on its next use).  Hooks return 0 or a negative errno:
 * EACCES for data-path refusals, EPERM for control-plane ones, and set
 * an extended-ack message for netlink ones.
 *
 * The layer counts every denial of an existing topic in its
 * KSTREAM_STAT_DENIED, and audits every denial and every change of the
 * configuration (kstream_audit()).  Repeated denials of one fd under an
 * unchanged policy are counted, and audited once.
 */
#ifndef _KSTREAM_SECURITY_H
#define _KSTREAM_SECURITY_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <linux/kstream.h>

#include "file.h"
#include "topic.h"

struct file;
struct netlink_ext_ack;
struct sk_buff;

/*
 * Who sent a netlink request: the sender, and the file of the socket it
 * came through.  A right must be held by both (as netlink_capable()
 * requires of capabilities), so a socket handed to a more privileged
 * process does not carry that process's rights.
 */
struct kstream_subject {
	const struct cred *cred;	/* the sender's (current) credentials */
	struct file *sk_file;		/* the socket's file, or NULL */
	const struct sk_buff *skb;	/* the request */
};

/* One ACL entry (acl.c); the ids are kuids/kgids. */
struct kstream_acl_entry {
	u8 type;			/* enum kstream_acl_type */
	u8 rights;			/* KSTREAM_ACL_* */
	union {
		kuid_t uid;
		kgid_t gid;
	};
};

/* A reconfiguration of a topic (topic_configure). */
enum kstream_change_op {
	KSTREAM_CHANGE_ACL_ADD,		/* entry.rights are added */
	KSTREAM_CHANGE_ACL_DEL,		/* entry.rights are revoked */
	KSTREAM_CHANGE_FILTER_ATTACH,	/* filter replaces the topic's filter */
	KSTREAM_CHANGE_FILTER_DETACH,	/* the topic's filter is detached */
	KSTREAM_CHANGE_STATS_RESET,	/* the topic's counters are zeroed */
	/*
	 * deadletter (NULL: none) becomes the topic's dead-letter topic;
	 * asked of both topics, the source then the dead-letter topic.
	 */
	KSTREAM_CHANGE_DEADLETTER,
	KSTREAM_CHANGE_TOPIC_SET,	/* set: mode, owner, group, limits */
};

/* KSTREAM_CMD_TOPIC_SET: what changes (KSTREAM_SET_* in @what). */
#define KSTREAM_SET_MODE	BIT(0)
#define KSTREAM_SET_UID		BIT(1)
#define KSTREAM_SET_GID		BIT(2)
#define KSTREAM_SET_POLICY	BIT(3)
#define KSTREAM_SET_MSG_MAX	BIT(4)
/* Who may open it: the acl policy's state, changeable on open fds. */
#define KSTREAM_SET_OWNERSHIP	(KSTREAM_SET_MODE | KSTREAM_SET_UID | \
				 KSTREAM_SET_GID)
/* What open fds and mappings rely on: only while none is open. */
#define KSTREAM_SET_LIMITS	(KSTREAM_SET_POLICY | KSTREAM_SET_MSG_MAX)

struct kstream_topic_set {
	unsigned int what;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	enum kstream_policy policy;
	u32 msg_max;
};

struct kstream_topic_change {
	enum kstream_change_op op;
	struct kstream_acl_entry entry;	/* ACL_ADD, ACL_DEL */
	const char *filter;		/* FILTER_ATTACH: its name */
	const char *deadletter;		/* DEADLETTER: its name, or NULL */
	struct kstream_topic_set set;	/* TOPIC_SET */
};

struct kstream_security_ops {
	const char *name;

	/*
	 * May @subj create a topic as @cfg describes?  May fill the
	 * policy's initial state in @cfg (the default policy sets the
	 * creator's admin entry there).
	 */
	int (*topic_create)(const struct kstream_subject *subj,
			    struct kstream_topic_config *cfg,
			    struct netlink_ext_ack *extack);
	/*
	 * May @subj delete @t?  @t is NULL when no topic has the name
	 * asked for: refusing then hides whether it exists.
	 */
	int (*topic_delete)(const struct kstream_subject *subj,
			    struct kstream_topic *t,
			    struct netlink_ext_ack *extack);
	/* May @subj apply @change to @t (NULL: no such topic)? */
	int (*topic_configure)(const struct kstream_subject *subj,
			       struct kstream_topic *t,
			       const struct kstream_topic_change *change,
			       struct netlink_ext_ack *extack);
	/* May @subj see @t (get, or in a dump, where a refusal skips it)? */
	int (*topic_getattr)(const struct kstream_subject *subj,
			     struct kstream_topic *t,
			     struct netlink_ext_ack *extack);
	/* May @file be opened with its f_mode? */
	int (*file_open)(struct file *file, struct kstream_topic *t);
	/* Cached per fd, see above. */
	int (*file_publish)(struct file *file, struct kstream_topic *t);
	int (*file_consume)(struct file *file, struct kstream_topic *t);
	int (*file_mmap)(struct file *file, struct kstream_topic *t);
};

/*
 * Module init: add @ops to the policies asked (in order of registration).
 * The list is read-only once the module is loaded.
 */
int kstream_security_register(const struct kstream_security_ops *ops);
void kstream_security_topic_init(struct kstream_topic *t);

/* Control plane (netlink); see security.c. */
struct kstream_audit;
void kstream_subject_init(struct kstream_subject *subj,
			  const struct sk_buff *skb);
int kstream_security_topic_create(const struct kstream_subject *subj,
				  struct kstream_topic_config *cfg,
				  struct kstream_audit *a,
				  struct netlink_ext_ack *extack);
int kstream_security_topic_delete(const struct kstream_subject *subj,
				  struct kstream_topic *t,
				  struct kstream_audit *a,
				  struct netlink_ext_ack *extack);
int kstream_security_topic_configure(const struct kstream_subject *subj,
				     struct kstream_topic *t,
				     const struct kstream_topic_change *change,
				     struct kstream_audit *a,
				     struct netlink_ext_ack *extack);
int kstream_security_topic_getattr(const struct kstream_subject *subj,
				   struct kstream_topic *t,
				   struct netlink_ext_ack *extack);

/* Data plane. */
int kstream_security_file_open(struct kstream_file *kf);
int kstream_security_access_slow(struct kstream_file *kf,
				 enum kstream_access a, gfp_t gfp);
bool kstream_security_may(struct kstream_file *kf, enum kstream_access a);

static inline unsigned long kstream_sec_gen(const struct kstream_topic *t)
{
	return atomic_long_read(&t->sec.gen);
}

/*
 * May the fd @kf do @a?  0 or -EACCES.  The hot path: two loads and a
 * compare while the policy of the topic has not changed since the fd's
 * last decision.  May sleep otherwise (the policies are asked, a denial
 * audited, with @gfp).
 */
static inline int kstream_security_access_gfp(struct kstream_file *kf,
					      enum kstream_access a, gfp_t gfp)
{
	unsigned long want = (kstream_sec_gen(kf->topic) << 1) | 1;

	if (likely(READ_ONCE(kf->sec.cache[a]) == want))
		return 0;
	return kstream_security_access_slow(kf, a, gfp);
}

static inline int kstream_security_access(struct kstream_file *kf,
					  enum kstream_access a)
{
	return kstream_security_access_gfp(kf, a, GFP_KERNEL);
}

/* Has the policy changed since the fd's last decision about @a? */
static inline bool kstream_security_stale(struct kstream_file *kf,
					  enum kstream_access a)
{
	return READ_ONCE(kf->sec.cache[a]) >> 1 != kstream_sec_gen(kf->topic);
}

/*
 * A policy changed its state for @t: invalidate every cached decision.
 * Cheap; callable under the policy's locks.  When the change may have
 * taken rights away, call kstream_security_enforce() once unlocked.
 */
void kstream_security_changed(struct kstream_topic *t);
/*
 * Once unlocked, the caller makes the change bite on open fds:
 * kstream_security_enforce() (file.h).
 */

/* Audit records (type AUDIT_KERNEL_OTHER), see Documentation/security.rst. */
struct kstream_audit {
	const char *op;			/* "open", "acl_add", "stats_reset"... */
	const char *topic;		/* topic name, or NULL */
	const char *denied_by;		/* refusing policy, NULL if allowed */
	const struct cred *fd_cred;	/* data plane: the fd's opener */
	unsigned int want;		/* data plane: KSTREAM_ACL_* wanted */
	const struct kstream_acl_entry *entry;	/* ACL changes */
	const char *filter;		/* filter_attach: the filter's name */
	const char *deadletter;		/* deadletter_set: the name, "none" */
	const struct kstream_topic_set *set;	/* topic_set: what was asked */
	/* config_set: the creator group before and after (init namespace) */
	bool creator_gid;
	u32 creator_gid_old, creator_gid_new;
	int err;			/* result: 0 or -errno */
};

void kstream_audit(const struct kstream_audit *a, gfp_t gfp);

#endif /* _KSTREAM_SECURITY_H */
