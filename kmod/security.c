// SPDX-License-Identifier: GPL-2.0
/*
 * The security hook layer: registered policies, hook dispatch, the per-fd
 * decision cache, denial accounting and audit records.  security.h has
 * the hooks and where each one is called from; Documentation/security.rst
 * the model.
 *
 * Policies register at module init (main.c calls
 * kstream_security_register()); the list is read-only afterwards, so
 * dispatch takes no lock.  Adding a policy is one more struct
 * kstream_security_ops and one kstream_security_register().
 *
 * May call: the registered policies (through their ops only), audit and
 * events (every denial about a topic, rate-limited).
 * Locks: none of the module's; callers of the control-plane checks hold
 * the registry lock.  Making a decision bite on open files is file.c's
 * (kstream_security_enforce()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "events.h"
#include "file.h"
#include "security.h"
#include "topic.h"

#define KSTREAM_SECURITY_MAX 4

static const struct kstream_security_ops *kstream_policies[KSTREAM_SECURITY_MAX]
	__ro_after_init;
static unsigned int kstream_nr_policies __ro_after_init;

int __init kstream_security_register(const struct kstream_security_ops *ops)
{
	if (kstream_nr_policies >= ARRAY_SIZE(kstream_policies))
		return -ENOSPC;
	kstream_policies[kstream_nr_policies++] = ops;
	pr_debug("security policy %s registered\n", ops->name);
	return 0;
}

/* Every hook, and the arguments of one call of it. */
enum kstream_hook {
	KSTREAM_HOOK_CREATE,
	KSTREAM_HOOK_DELETE,
	KSTREAM_HOOK_CONFIGURE,
	KSTREAM_HOOK_GETATTR,
	KSTREAM_HOOK_OPEN,
	KSTREAM_HOOK_PUBLISH,
	KSTREAM_HOOK_CONSUME,
	KSTREAM_HOOK_MMAP,
};

struct kstream_hook_call {
	enum kstream_hook hook;
	const struct kstream_subject *subj;	/* control plane */
	struct kstream_topic_config *cfg;	/* create */
	const struct kstream_topic_change *change;	/* configure */
	struct netlink_ext_ack *extack;		/* control plane */
	struct file *file;			/* data plane */
	struct kstream_topic *t;
};

/* What policy @p says (0 if it does not implement the hook). */
static int kstream_call_one(const struct kstream_security_ops *p,
			    const struct kstream_hook_call *c)
{
	int (*file_fn)(struct file *file, struct kstream_topic *t);

	switch (c->hook) {
	case KSTREAM_HOOK_CREATE:
		return p->topic_create ?
		       p->topic_create(c->subj, c->cfg, c->extack) : 0;
	case KSTREAM_HOOK_DELETE:
		return p->topic_delete ?
		       p->topic_delete(c->subj, c->t, c->extack) : 0;
	case KSTREAM_HOOK_CONFIGURE:
		return p->topic_configure ?
		       p->topic_configure(c->subj, c->t, c->change, c->extack) : 0;
	case KSTREAM_HOOK_GETATTR:
		return p->topic_getattr ?
		       p->topic_getattr(c->subj, c->t, c->extack) : 0;
	case KSTREAM_HOOK_OPEN:
		file_fn = p->file_open;
		break;
	case KSTREAM_HOOK_PUBLISH:
		file_fn = p->file_publish;
		break;
	case KSTREAM_HOOK_CONSUME:
		file_fn = p->file_consume;
		break;
	default:
		file_fn = p->file_mmap;
		break;
	}
	return file_fn ? file_fn(c->file, c->t) : 0;
}

/*
 * Dispatch: every policy that implements the hook is asked, in order of
 * registration; the first refusal decides and *@by gets the name of the
 * refusing policy.
 */
static int kstream_call(const struct kstream_hook_call *c, const char **by)
{
	unsigned int i;
	int err;

	for (i = 0; i < kstream_nr_policies; i++) {
		err = kstream_call_one(kstream_policies[i], c);
		if (err) {
			*by = kstream_policies[i]->name;
			return err;
		}
	}
	return 0;
}

static int kstream_call_file(enum kstream_hook hook, struct file *file,
			     struct kstream_topic *t, const char **by)
{
	struct kstream_hook_call c = { .hook = hook, .file = file, .t = t };

	return kstream_call(&c, by);
}

void kstream_security_topic_init(struct kstream_topic *t)
{
	atomic_long_set(&t->sec.gen, 1);
	atomic64_set(&t->sec.denied, 0);
	mutex_init(&t->sec.recheck_lock);
}

/* Every denial about an existing topic: counted, and an event. */
static void kstream_count_denial(struct kstream_topic *t)
{
	if (!t)
		return;
	atomic64_inc(&t->sec.denied);
	kstream_event_denied(t);
}

/* ------------------------------------------------------------ audit */

static const char *const kstream_right_names[] = {
	"publish", "subscribe", "admin",
};

static void kstream_audit_rights(struct audit_buffer *ab, const char *key,
				 unsigned int rights)
{
	const char *sep = "";
	unsigned int i;

	audit_log_format(ab, " %s=", key);
	if (!rights)
		audit_log_format(ab, "none");
	for (i = 0; i < ARRAY_SIZE(kstream_right_names); i++) {
		if (rights & (1U << i)) {
			audit_log_format(ab, "%s%s", sep, kstream_right_names[i]);
			sep = ",";
		}
	}
}

/* What a topic_set asked for, ids in the initial user namespace. */
static void kstream_audit_set(struct audit_buffer *ab,
			      const struct kstream_topic_set *set)
{
	if (set->what & KSTREAM_SET_MODE)
		audit_log_format(ab, " mode=%04o", set->mode);
	if (set->what & KSTREAM_SET_UID)
		audit_log_format(ab, " ouid=%u",
				 from_kuid(&init_user_ns, set->uid));
	if (set->what & KSTREAM_SET_GID)
		audit_log_format(ab, " ogid=%u",
				 from_kgid(&init_user_ns, set->gid));
	if (set->what & KSTREAM_SET_POLICY)
		audit_log_format(ab, " policy=%s",
				 set->policy == KSTREAM_POLICY_BLOCK ?
				 "block" : "overwrite");
	if (set->what & KSTREAM_SET_MSG_MAX)
		audit_log_format(ab, " msg_max=%u", set->msg_max);
}

/*
 * One AUDIT_KERNEL_OTHER record.  Without auditd it reaches the kernel
 * log through kauditd (rate-limited) and the audit multicast group.
 * Process context, no spinlock held; @gfp without __GFP_DIRECT_RECLAIM
 * where waiting for the audit backlog is not an option.
 */
void kstream_audit(const struct kstream_audit *a, gfp_t gfp)
{
	struct audit_buffer *ab;

	ab = audit_log_start(audit_context(), gfp, AUDIT_KERNEL_OTHER);
	if (!ab)
		return;
	/* Topic names are [A-Za-z0-9._-]: nothing to escape. */
	audit_log_format(ab, "kstream op=%s topic=%s res=%d", a->op,
			 a->topic ?: "?", !a->err);
	if (a->err)
		audit_log_format(ab, " errno=%d", -a->err);
	if (a->denied_by)
		audit_log_format(ab, " denied_by=%s", a->denied_by);
	if (a->fd_cred) {
		kstream_audit_rights(ab, "want", a->want);
		audit_log_format(ab, " fd_uid=%u fd_gid=%u",
				 from_kuid(&init_user_ns, a->fd_cred->fsuid),
				 from_kgid(&init_user_ns, a->fd_cred->fsgid));
	}
	if (a->entry) {
		const struct kstream_acl_entry *e = a->entry;

		if (e->type == KSTREAM_ACL_USER)
			audit_log_format(ab, " acl=user:%u",
					 from_kuid(&init_user_ns, e->uid));
		else
			audit_log_format(ab, " acl=group:%u",
					 from_kgid(&init_user_ns, e->gid));
		kstream_audit_rights(ab, "rights", e->rights);
	}
	/* Filter names are validated as topic names are. */
	if (a->filter)
		audit_log_format(ab, " filter=%s", a->filter);
	if (a->deadletter)
		audit_log_format(ab, " deadletter=%s", a->deadletter);
	if (a->set)
		kstream_audit_set(ab, a->set);
	if (a->creator_gid)
		audit_log_format(ab, " old_creator_gid=%d creator_gid=%d",
				 (int)a->creator_gid_old, (int)a->creator_gid_new);
	audit_log_task_info(ab);
	audit_log_end(ab);
}

/* ---------------------------------------------------- control plane */

/* The sender of a netlink request and the socket it came through. */
void kstream_subject_init(struct kstream_subject *subj,
			  const struct sk_buff *skb)
{
	const struct sock *sk = NETLINK_CB(skb).sk;

	subj->cred = current_cred();
	subj->sk_file = sk && sk->sk_socket ? sk->sk_socket->file : NULL;
	subj->skb = skb;
}

/*
 * Control-plane checks.  Operations on an existing topic run them under
 * the registry lock, so the decision and the operation are atomic; the
 * caller writes the audit record @a (filled in here: the refusing policy
 * and the error) with the operation's outcome once it has unlocked.
 */

/*
 * A refusal about @t (NULL: no such topic) is counted and says why: the
 * refusing policy's message, else @msg.
 */
#define kstream_decided(a, t, extack, msg) ({				\
	struct kstream_audit *__a = (a);				\
									\
	if (__a->err) {							\
		NL_SET_ERR_MSG_WEAK(extack, msg);			\
		kstream_count_denial(t);				\
	}								\
	__a->err;							\
})

int kstream_security_topic_create(const struct kstream_subject *subj,
				  struct kstream_topic_config *cfg,
				  struct kstream_audit *a,
				  struct netlink_ext_ack *extack)
{
	struct kstream_hook_call c = {
		.hook = KSTREAM_HOOK_CREATE, .subj = subj, .cfg = cfg,
		.extack = extack,
	};

	a->err = kstream_call(&c, &a->denied_by);
	return kstream_decided(a, NULL, extack, "not allowed to create topics");
}

int kstream_security_topic_delete(const struct kstream_subject *subj,
				  struct kstream_topic *t,
				  struct kstream_audit *a,
				  struct netlink_ext_ack *extack)
{
	struct kstream_hook_call c = {
		.hook = KSTREAM_HOOK_DELETE, .subj = subj, .t = t,
		.extack = extack,
	};

	a->err = kstream_call(&c, &a->denied_by);
	return kstream_decided(a, t, extack, "not allowed to delete this topic");
}

int kstream_security_topic_configure(const struct kstream_subject *subj,
				     struct kstream_topic *t,
				     const struct kstream_topic_change *change,
				     struct kstream_audit *a,
				     struct netlink_ext_ack *extack)
{
	struct kstream_hook_call c = {
		.hook = KSTREAM_HOOK_CONFIGURE, .subj = subj, .t = t,
		.change = change, .extack = extack,
	};

	a->err = kstream_call(&c, &a->denied_by);
	return kstream_decided(a, t, extack,
			       "not allowed to configure this topic");
}

/* Reading is not audited: a dump skips what the policies hide. */
int kstream_security_topic_getattr(const struct kstream_subject *subj,
				   struct kstream_topic *t,
				   struct netlink_ext_ack *extack)
{
	struct kstream_hook_call c = {
		.hook = KSTREAM_HOOK_GETATTR, .subj = subj, .t = t,
		.extack = extack,
	};
	const char *by = NULL;

	return kstream_call(&c, &by);
}

/* ------------------------------------------------------- data plane */

static const char *const kstream_access_ops[KSTREAM_ACCESS_NR] = {
	[KSTREAM_ACCESS_PUBLISH] = "publish",
	[KSTREAM_ACCESS_CONSUME] = "consume",
	[KSTREAM_ACCESS_MMAP] = "mmap",
};

static const unsigned int kstream_access_want[KSTREAM_ACCESS_NR] = {
	[KSTREAM_ACCESS_PUBLISH] = KSTREAM_ACL_PUBLISH,
	[KSTREAM_ACCESS_CONSUME] = KSTREAM_ACL_SUBSCRIBE,
	[KSTREAM_ACCESS_MMAP] = KSTREAM_ACL_SUBSCRIBE,
};

static const enum kstream_hook kstream_access_hook[KSTREAM_ACCESS_NR] = {
	[KSTREAM_ACCESS_PUBLISH] = KSTREAM_HOOK_PUBLISH,
	[KSTREAM_ACCESS_CONSUME] = KSTREAM_HOOK_CONSUME,
	[KSTREAM_ACCESS_MMAP] = KSTREAM_HOOK_MMAP,
};

static unsigned int kstream_fmode_want(fmode_t mode)
{
	return (mode & FMODE_READ ? KSTREAM_ACL_SUBSCRIBE : 0) |
	       (mode & FMODE_WRITE ? KSTREAM_ACL_PUBLISH : 0);
}

/*
 * open() of a topic node.  On success the fd's decisions for what its
 * open mode allows are cached at the generation read before the hooks
 * ran: a change racing with the open makes the fd re-evaluate.
 */
int kstream_security_file_open(struct kstream_file *kf)
{
	struct kstream_topic *t = kf->topic;
	struct file *file = kf->file;
	struct kstream_audit a = {
		.op = "open", .topic = t->name, .fd_cred = file->f_cred,
		.want = kstream_fmode_want(file->f_mode),
	};
	unsigned long gen;
	int err;

	gen = atomic_long_read_acquire(&t->sec.gen);
	err = kstream_call_file(KSTREAM_HOOK_OPEN, file, t, &a.denied_by);
	if (err) {
		kstream_count_denial(t);
		a.err = err;
		kstream_audit(&a, GFP_KERNEL);
		return err;
	}
	if (file->f_mode & FMODE_WRITE)
		WRITE_ONCE(kf->sec.cache[KSTREAM_ACCESS_PUBLISH], (gen << 1) | 1);
	if (file->f_mode & FMODE_READ) {
		WRITE_ONCE(kf->sec.cache[KSTREAM_ACCESS_CONSUME], (gen << 1) | 1);
		WRITE_ONCE(kf->sec.cache[KSTREAM_ACCESS_MMAP], (gen << 1) | 1);
	}
	return 0;
}

/*
 * The slow path of kstream_security_access(): the fd's decision about @a
 * is missing, stale or a denial.  A denial is counted every time and
 * audited when it is new (the first under this generation).
 */
int kstream_security_access_slow(struct kstream_file *kf,
				 enum kstream_access a, gfp_t gfp)
{
	struct kstream_topic *t = kf->topic;
	unsigned long gen, cached = READ_ONCE(kf->sec.cache[a]);
	struct kstream_audit rec = {
		.op = kstream_access_ops[a], .topic = t->name,
		.fd_cred = kf->file->f_cred, .want = kstream_access_want[a],
	};
	int err;

	/* Pairs with the fully ordered increment in kstream_security_changed(). */
	gen = atomic_long_read_acquire(&t->sec.gen);
	if (cached == gen << 1) {
		kstream_count_denial(t);
		return -EACCES;
	}
	err = kstream_call_file(kstream_access_hook[a], kf->file, t,
				&rec.denied_by);
	/* Racing threads of one fd store the same decision. */
	WRITE_ONCE(kf->sec.cache[a], (gen << 1) | (err ? 0 : 1));
	if (err) {
		kstream_count_denial(t);
		rec.err = err;
		kstream_audit(&rec, gfp);
	}
	return err;
}

/*
 * For poll(): would @a be allowed now?  Uses the cached decision, or
 * asks the policies without recording anything: a poll is not a request,
 * so it neither counts nor audits.
 */
bool kstream_security_may(struct kstream_file *kf, enum kstream_access a)
{
	struct kstream_topic *t = kf->topic;
	unsigned long gen = atomic_long_read_acquire(&t->sec.gen);
	unsigned long cached = READ_ONCE(kf->sec.cache[a]);
	const char *by;

	if (cached >> 1 == gen)
		return cached & 1;
	return !kstream_call_file(kstream_access_hook[a], kf->file, t, &by);
}

void kstream_security_changed(struct kstream_topic *t)
{
	/*
	 * Fully ordered: the policy's new state is visible to whoever sees
	 * the new generation (atomic_long_read_acquire() above).
	 */
	atomic_long_inc_return(&t->sec.gen);
}
