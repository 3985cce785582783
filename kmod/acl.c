// SPDX-License-Identifier: GPL-2.0
/*
 * The default security policy ("acl"): a topic's owner, group and mode,
 * and its ACL entries user:UID / group:GID -> publish, subscribe, admin.
 *
 * Data rights (publish, subscribe) are decided exactly as the POSIX ACL
 * made of the mode and the entries that grant data rights would decide
 * them (posix_acl_permission()): the owner gets the owner bits; a user
 * with an entry gets that entry; otherwise every matching group (the
 * owning group, named groups) is considered and one of them must grant
 * all that is wanted; otherwise the other bits.  Read bits mean
 * subscribe, write bits publish.  The mask of that ACL is the union of its
 * group class, so it never restricts.  This policy decides, in open and
 * on every use of an fd; device nodes are 0666 (chardev.c), so every open
 * reaches it, and a node whose permissions were changed (or created
 * elsewhere with mknod) grants nothing.  The topic device's "acl"
 * attribute shows that POSIX ACL (kstream_acl_show()), for userspace to
 * display on the node.  As generic_permission() does,
 * CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH for subscribing) of the
 * opener, in the initial user namespace, overrides the ACL.
 *
 * Admin rights come from CAP_NET_ADMIN in the initial user namespace or
 * from an entry granting admin to the sender's effective uid, effective
 * gid or a supplementary group; the credentials a request's socket was
 * opened with must hold the right too.  Entries granting only admin take
 * no part in data decisions and are not in the displayed ACL.  Creating a
 * topic needs CAP_NET_ADMIN or membership of the creator_gid group; such
 * a creator must own the topic and gets an admin entry for it.
 *
 * Entries are kept in an RCU-protected array, users by uid then groups by
 * gid (the order a POSIX ACL needs).  Writers hold the registry lock.
 *
 * May call: security (kstream_security_changed()) and chardev (the change
 * uevent).  Locks: none of its own; RCU to read the entries.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/sysfs.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/uidgid.h>

#include "acl.h"
#include "chardev.h"
#include "params.h"
#include "registry.h"
#include "security.h"
#include "topic.h"

#define KSTREAM_DATA_RIGHTS (KSTREAM_ACL_PUBLISH | KSTREAM_ACL_SUBSCRIBE)

struct kstream_acl {
	struct rcu_head rcu;
	unsigned int count;
	struct kstream_acl_entry e[] __counted_by(count);
};

/* ---------------------------------------------------------- storage */

static struct kstream_acl *kstream_acl_locked(struct kstream_topic *t)
{
	return rcu_dereference_protected(t->acl, kstream_topics_held());
}

/* Entries sort users by uid, then groups by gid. */
static int kstream_acl_cmp(const struct kstream_acl_entry *a,
			   const struct kstream_acl_entry *b)
{
	u32 x, y;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	x = a->type == KSTREAM_ACL_USER ? __kuid_val(a->uid) : __kgid_val(a->gid);
	y = b->type == KSTREAM_ACL_USER ? __kuid_val(b->uid) : __kgid_val(b->gid);
	return x < y ? -1 : x > y;
}

/* The initial ACL: an admin entry for a creator without CAP_NET_ADMIN. */
int kstream_acl_init(struct kstream_topic *t,
		     const struct kstream_topic_config *cfg)
{
	struct kstream_acl *acl;

	RCU_INIT_POINTER(t->acl, NULL);
	if (!uid_valid(cfg->admin_uid))
		return 0;
	acl = kzalloc(struct_size(acl, e, 1), GFP_KERNEL_ACCOUNT);
	if (!acl)
		return -ENOMEM;
	acl->count = 1;
	acl->e[0].type = KSTREAM_ACL_USER;
	acl->e[0].uid = cfg->admin_uid;
	acl->e[0].rights = KSTREAM_ACL_ADMIN;
	RCU_INIT_POINTER(t->acl, acl);
	return 0;
}

/* The topic is being freed: nobody can look at its ACL any more. */
void kstream_acl_free(struct kstream_topic *t)
{
	kfree(rcu_dereference_protected(t->acl, 1));
}

/* A copy of the entries into @out (KSTREAM_ACL_MAX_ENTRIES); the count. */
unsigned int kstream_acl_snapshot(struct kstream_topic *t,
				  struct kstream_acl_entry *out)
{
	const struct kstream_acl *acl;
	unsigned int n = 0;

	rcu_read_lock();
	acl = rcu_dereference(t->acl);
	if (acl) {
		n = min_t(unsigned int, acl->count, KSTREAM_ACL_MAX_ENTRIES);
		memcpy(out, acl->e, n * sizeof(*out));
	}
	rcu_read_unlock();
	return n;
}

/* "rwx" for the permission bits @perm (4 read, 2 write, 1 execute). */
static int kstream_perm_emit(char *buf, int at, unsigned int perm)
{
	return sysfs_emit_at(buf, at, "%c%c%c", perm & 4 ? 'r' : '-',
			     perm & 2 ? 'w' : '-', perm & 1 ? 'x' : '-');
}

static unsigned int kstream_rights_perm(unsigned int rights)
{
	return (rights & KSTREAM_ACL_SUBSCRIBE ? 4 : 0) |
	       (rights & KSTREAM_ACL_PUBLISH ? 2 : 0);
}

/*
 * The "acl" attribute of a topic device: the mode and the entries with
 * data rights as the POSIX ACL that decides as this policy does, in the
 * short text form with numeric ids of the initial user namespace
 * (user::rw-,user:1001:-w-,group::r--,mask::rw-,other::---), one line.
 * Users come before groups, as the entries are kept.  The mask (the union
 * of the group class, so it never restricts) is there when named entries
 * are.  The mode and the entries are read without the registry lock: a
 * reader racing with a change may see a mix, and the change's uevent
 * (kstream_topic_node_changed()) tells it to read again.
 */
ssize_t kstream_acl_show(struct kstream_topic *t, char *buf)
{
	umode_t mode = READ_ONCE(t->mode);
	const struct kstream_acl *acl;
	unsigned int i, n, mask, named = 0;
	int at;

	at = sysfs_emit(buf, "user::");
	at += kstream_perm_emit(buf, at, (mode >> 6) & 7);
	mask = (mode >> 3) & 7;
	rcu_read_lock();
	acl = rcu_dereference(t->acl);
	n = acl ? acl->count : 0;
	for (i = 0; i < n; i++) {
		const struct kstream_acl_entry *e = &acl->e[i];

		if (!(e->rights & KSTREAM_DATA_RIGHTS) ||
		    e->type != KSTREAM_ACL_USER)
			continue;
		at += sysfs_emit_at(buf, at, ",user:%u:",
				    from_kuid_munged(&init_user_ns, e->uid));
		at += kstream_perm_emit(buf, at, kstream_rights_perm(e->rights));
		mask |= kstream_rights_perm(e->rights);
		named++;
	}
	at += sysfs_emit_at(buf, at, ",group::");
	at += kstream_perm_emit(buf, at, (mode >> 3) & 7);
	for (i = 0; i < n; i++) {
		const struct kstream_acl_entry *e = &acl->e[i];

		if (!(e->rights & KSTREAM_DATA_RIGHTS) ||
		    e->type != KSTREAM_ACL_GROUP)
			continue;
		at += sysfs_emit_at(buf, at, ",group:%u:",
				    from_kgid_munged(&init_user_ns, e->gid));
		at += kstream_perm_emit(buf, at, kstream_rights_perm(e->rights));
		mask |= kstream_rights_perm(e->rights);
		named++;
	}
	rcu_read_unlock();
	if (named) {
		at += sysfs_emit_at(buf, at, ",mask::");
		at += kstream_perm_emit(buf, at, mask);
	}
	at += sysfs_emit_at(buf, at, ",other::");
	at += kstream_perm_emit(buf, at, mode & 7);
	at += sysfs_emit_at(buf, at, "\n");
	return at;
}

/*
 * Apply @c to @t (registry lock held; the topic is live and the caller
 * passed topic_configure).  Returns 0 or -errno with an extack message;
 * *@changed tells whether the ACL changed, *@revoked whether rights may
 * have been taken away (for kstream_security_enforce()).
 */
int kstream_acl_change(struct kstream_topic *t,
		       const struct kstream_topic_change *c, bool *changed,
		       bool *revoked, struct netlink_ext_ack *extack)
{
	struct kstream_acl *old = kstream_acl_locked(t), *acl;
	unsigned int i, pos, n = old ? old->count : 0, count;
	u8 rights, was = 0;
	bool found = false;

	*changed = false;
	*revoked = false;
	for (pos = 0; pos < n; pos++) {
		int cmp = kstream_acl_cmp(&old->e[pos], &c->entry);

		if (cmp >= 0) {
			found = !cmp;
			break;
		}
	}
	if (!found && c->op == KSTREAM_CHANGE_ACL_DEL) {
		NL_SET_ERR_MSG(extack, "no ACL entry for this user or group");
		return -ENOENT;
	}
	if (found)
		was = old->e[pos].rights;
	if (c->op == KSTREAM_CHANGE_ACL_ADD)
		rights = was | c->entry.rights;
	else
		rights = was & ~c->entry.rights;
	if (found && rights == was)
		return 0;	/* nothing changes */
	if (!found && n >= KSTREAM_ACL_MAX_ENTRIES) {
		NL_SET_ERR_MSG(extack, "a topic has at most "
			       __stringify(KSTREAM_ACL_MAX_ENTRIES) " ACL entries");
		return -ENOSPC;
	}

	count = n + !found - (found && !rights);
	acl = kzalloc(struct_size(acl, e, count), GFP_KERNEL_ACCOUNT);
	if (!acl)
		return -ENOMEM;
	acl->count = count;
	for (i = 0; i < pos; i++)
		acl->e[i] = old->e[i];
	if (rights) {
		acl->e[i] = c->entry;
		acl->e[i++].rights = rights;
	}
	for (pos += found; pos < n; pos++)
		acl->e[i++] = old->e[pos];

	rcu_assign_pointer(t->acl, acl);
	kstream_security_changed(t);
	kfree_rcu(old, rcu);
	*changed = true;
	*revoked = (was & ~rights) != 0;

	/* The display of the data rights ("acl" attribute) changed. */
	if ((was ^ rights) & KSTREAM_DATA_RIGHTS)
		kstream_topic_node_changed(t);
	return 0;
}

/*
 * KSTREAM_CMD_TOPIC_SET: the mode, owner and group in @set become @t's
 * (registry lock held, the caller past topic_configure).  Open fds decide
 * again (kstream_security_changed(); the caller enforces), and userspace
 * is told (a change uevent: the node's owner, group and display).
 */
void kstream_acl_set_ownership(struct kstream_topic *t,
			       const struct kstream_topic_set *set)
{
	if (!(set->what & KSTREAM_SET_OWNERSHIP))
		return;
	if (set->what & KSTREAM_SET_MODE)
		WRITE_ONCE(t->mode, set->mode);
	if (set->what & KSTREAM_SET_UID)
		WRITE_ONCE(t->uid, set->uid);
	if (set->what & KSTREAM_SET_GID)
		WRITE_ONCE(t->gid, set->gid);
	kstream_security_changed(t);
	kstream_topic_node_changed(t);
}

/* ------------------------------------------------------- decisions */

/* Is @gid @cred's @primary gid or one of its supplementary groups? */
static bool kstream_cred_in_group(const struct cred *cred, kgid_t primary,
				  kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	unsigned int left = 0, right = gi->ngroups;

	if (gid_eq(primary, gid))
		return true;
	/*
	 * groups_search(), which is not exported (in_group_p() and
	 * in_egroup_p() are, but ask about current's credentials, not an
	 * fd's opener or a netlink socket's): the array is sorted.
	 */
	while (left < right) {
		unsigned int mid = (left + right) / 2;

		if (gid_gt(gid, gi->gid[mid]))
			left = mid + 1;
		else if (gid_lt(gid, gi->gid[mid]))
			right = mid;
		else
			return true;
	}
	return false;
}

static unsigned int kstream_mode_rights(umode_t bits)
{
	return (bits & 4 ? KSTREAM_ACL_SUBSCRIBE : 0) |
	       (bits & 2 ? KSTREAM_ACL_PUBLISH : 0);
}

/*
 * posix_acl_permission() over the mode and the data entries.  That helper
 * is not exported, and would not do: it decides for current's fsuid and
 * groups against an inode, where a data-path decision is about the
 * credentials an fd was opened with (f_cred) and a topic, which may have
 * no node at all (created elsewhere with mknod, or none).  The owner,
 * group and mode change under us (KSTREAM_CMD_TOPIC_SET): a decision
 * taken on a mix of old and new is cached at the old generation, which
 * the change's kstream_security_changed() makes stale.
 */
static bool kstream_acl_permits(const struct cred *cred,
				struct kstream_topic *t, unsigned int want)
{
	umode_t mode = READ_ONCE(t->mode);
	const struct kstream_acl *acl;
	bool found = false, ok = false;
	unsigned int i, n;

	if (uid_eq(cred->fsuid, READ_ONCE(t->uid)))
		return (kstream_mode_rights(mode >> 6) & want) == want;

	rcu_read_lock();
	acl = rcu_dereference(t->acl);
	n = acl ? acl->count : 0;
	for (i = 0; i < n; i++) {
		const struct kstream_acl_entry *e = &acl->e[i];

		if (e->type == KSTREAM_ACL_USER &&
		    (e->rights & KSTREAM_DATA_RIGHTS) &&
		    uid_eq(e->uid, cred->fsuid)) {
			ok = (e->rights & want) == want;
			goto out;
		}
	}
	if (kstream_cred_in_group(cred, cred->fsgid, READ_ONCE(t->gid))) {
		found = true;
		ok = (kstream_mode_rights(mode >> 3) & want) == want;
	}
	for (i = 0; i < n && !ok; i++) {
		const struct kstream_acl_entry *e = &acl->e[i];

		if (e->type == KSTREAM_ACL_GROUP &&
		    (e->rights & KSTREAM_DATA_RIGHTS) &&
		    kstream_cred_in_group(cred, cred->fsgid, e->gid)) {
			found = true;
			ok = (e->rights & want) == want;
		}
	}
	if (!found)
		ok = (kstream_mode_rights(mode) & want) == want;
out:
	rcu_read_unlock();
	return ok;
}

/* The data-path decision for the opener of @file. */
static int kstream_acl_file_perm(struct file *file, struct kstream_topic *t,
				 unsigned int want)
{
	if (kstream_acl_permits(file->f_cred, t, want))
		return 0;
	/* generic_permission()'s overrides, in the initial namespace only. */
	if (file_ns_capable(file, &init_user_ns, CAP_DAC_OVERRIDE))
		return 0;
	if (want == KSTREAM_ACL_SUBSCRIBE &&
	    file_ns_capable(file, &init_user_ns, CAP_DAC_READ_SEARCH))
		return 0;
	return -EACCES;
}

static int kstream_acl_file_open(struct file *file, struct kstream_topic *t)
{
	unsigned int want = 0;

	if (file->f_mode & FMODE_READ)
		want |= KSTREAM_ACL_SUBSCRIBE;
	if (file->f_mode & FMODE_WRITE)
		want |= KSTREAM_ACL_PUBLISH;
	return want ? kstream_acl_file_perm(file, t, want) : 0;
}

static int kstream_acl_file_publish(struct file *file, struct kstream_topic *t)
{
	return kstream_acl_file_perm(file, t, KSTREAM_ACL_PUBLISH);
}

static int kstream_acl_file_consume(struct file *file, struct kstream_topic *t)
{
	return kstream_acl_file_perm(file, t, KSTREAM_ACL_SUBSCRIBE);
}

/* ---------------------------------------------------- control plane */

static bool kstream_acl_cred_admin(const struct cred *cred,
				   struct kstream_topic *t)
{
	const struct kstream_acl *acl;
	bool admin = false;
	unsigned int i;

	rcu_read_lock();
	acl = rcu_dereference(t->acl);
	for (i = 0; acl && i < acl->count && !admin; i++) {
		const struct kstream_acl_entry *e = &acl->e[i];

		if (!(e->rights & KSTREAM_ACL_ADMIN))
			continue;
		if (e->type == KSTREAM_ACL_USER)
			admin = uid_eq(e->uid, cred->euid);
		else
			admin = kstream_cred_in_group(cred, cred->egid, e->gid);
	}
	rcu_read_unlock();
	return admin;
}

/*
 * Does the subject hold a right, granted to a credential by @grant or by
 * CAP_NET_ADMIN in the initial user namespace?  Both the sender and the
 * socket's opener must (netlink_capable() asks the same of capabilities).
 * The grant is looked at first, so holding it needs no capability check.
 */
static bool kstream_acl_subject_has(const struct kstream_subject *subj,
				    struct kstream_topic *t,
				    bool (*grant)(const struct cred *cred,
						  struct kstream_topic *t))
{
	if (!grant(subj->cred, t) && !ns_capable(&init_user_ns, CAP_NET_ADMIN))
		return false;
	return !subj->sk_file || grant(subj->sk_file->f_cred, t) ||
	       file_ns_capable(subj->sk_file, &init_user_ns, CAP_NET_ADMIN);
}

static bool kstream_acl_admin_grant(const struct cred *cred,
				    struct kstream_topic *t)
{
	return t && kstream_acl_cred_admin(cred, t);
}

static bool kstream_acl_creator_grant(const struct cred *cred,
				      struct kstream_topic *t)
{
	kgid_t creators = make_kgid(&init_user_ns,
				    (gid_t)READ_ONCE(kstream_creator_gid));

	return gid_valid(creators) &&
	       kstream_cred_in_group(cred, cred->egid, creators);
}

static int kstream_acl_topic_create(const struct kstream_subject *subj,
				    struct kstream_topic_config *cfg,
				    struct netlink_ext_ack *extack)
{
	const struct cred *cred = subj->cred;

	if (!kstream_acl_subject_has(subj, NULL, kstream_acl_creator_grant)) {
		NL_SET_ERR_MSG(extack,
			       "creating topics needs CAP_NET_ADMIN, or membership of the group of the creator_gid module parameter");
		return -EPERM;
	}
	/* Creators without CAP_NET_ADMIN create for themselves only. */
	if (ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN))
		return 0;
	if (!uid_eq(cfg->uid, cred->euid)) {
		NL_SET_ERR_MSG(extack,
			       "a creator without CAP_NET_ADMIN must own the topic (owner: its effective uid)");
		return -EPERM;
	}
	if (!kstream_cred_in_group(cred, cred->egid, cfg->gid)) {
		NL_SET_ERR_MSG(extack,
			       "a creator without CAP_NET_ADMIN may only give the topic one of its own groups");
		return -EPERM;
	}
	/* It administers what it created: an explicit, removable entry. */
	cfg->admin_uid = cred->euid;
	return 0;
}

static int kstream_acl_topic_delete(const struct kstream_subject *subj,
				    struct kstream_topic *t,
				    struct netlink_ext_ack *extack)
{
	if (kstream_acl_subject_has(subj, t, kstream_acl_admin_grant))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "deleting a topic needs CAP_NET_ADMIN or the admin right on it");
	return -EPERM;
}

/*
 * TOPIC_SET by an admin without CAP_NET_ADMIN: it may hand the topic only
 * to itself and its own groups, as a creator without it may create.
 */
static int kstream_acl_set_allowed(const struct kstream_subject *subj,
				   const struct kstream_topic_set *set,
				   struct netlink_ext_ack *extack)
{
	const struct cred *cred = subj->cred;

	if (!(set->what & (KSTREAM_SET_UID | KSTREAM_SET_GID)) ||
	    ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN))
		return 0;
	if ((set->what & KSTREAM_SET_UID) && !uid_eq(set->uid, cred->euid)) {
		NL_SET_ERR_MSG(extack,
			       "without CAP_NET_ADMIN, a topic's new owner must be the caller's effective uid");
		return -EPERM;
	}
	if ((set->what & KSTREAM_SET_GID) &&
	    !kstream_cred_in_group(cred, cred->egid, set->gid)) {
		NL_SET_ERR_MSG(extack,
			       "without CAP_NET_ADMIN, a topic's new group must be one of the caller's groups");
		return -EPERM;
	}
	return 0;
}

static int kstream_acl_topic_configure(const struct kstream_subject *subj,
				       struct kstream_topic *t,
				       const struct kstream_topic_change *c,
				       struct netlink_ext_ack *extack)
{
	if (kstream_acl_subject_has(subj, t, kstream_acl_admin_grant))
		return c->op == KSTREAM_CHANGE_TOPIC_SET ?
		       kstream_acl_set_allowed(subj, &c->set, extack) : 0;
	switch (c->op) {
	case KSTREAM_CHANGE_FILTER_ATTACH:
	case KSTREAM_CHANGE_FILTER_DETACH:
		NL_SET_ERR_MSG(extack,
			       "attaching or detaching a topic's filter needs CAP_NET_ADMIN or the admin right on it");
		break;
	case KSTREAM_CHANGE_STATS_RESET:
		NL_SET_ERR_MSG(extack,
			       "resetting a topic's counters needs CAP_NET_ADMIN or the admin right on it");
		break;
	case KSTREAM_CHANGE_DEADLETTER:
		NL_SET_ERR_MSG(extack,
			       "setting a dead-letter topic needs CAP_NET_ADMIN or the admin right on both topics");
		break;
	case KSTREAM_CHANGE_TOPIC_SET:
		NL_SET_ERR_MSG(extack,
			       "changing a topic's settings needs CAP_NET_ADMIN or the admin right on it");
		break;
	default:
		NL_SET_ERR_MSG(extack,
			       "changing a topic's ACL needs CAP_NET_ADMIN or the admin right on it");
		break;
	}
	return -EPERM;
}

const struct kstream_security_ops kstream_acl_policy = {
	.name = "acl",
	.topic_create = kstream_acl_topic_create,
	.topic_delete = kstream_acl_topic_delete,
	.topic_configure = kstream_acl_topic_configure,
	.file_open = kstream_acl_file_open,
	.file_publish = kstream_acl_file_publish,
	.file_consume = kstream_acl_file_consume,
	.file_mmap = kstream_acl_file_consume,
};
