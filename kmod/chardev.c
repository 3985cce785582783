// SPDX-License-Identifier: GPL-2.0
/*
 * The "stream" device class and the char device region topics live in.
 *
 * Every topic is one minor of a dynamically allocated major, served by a
 * single cdev that covers the whole region: open() finds the topic by its
 * minor (topic.c).  Each topic's struct device names its node
 * "stream/<name>", so devtmpfs creates /dev/stream/<name> with the topic's
 * mode and owner (and the directory with the first topic).
 *
 * The node also carries the topic's POSIX ACL (acl.c builds it), so
 * grants work where the mode alone would refuse an open and getfacl shows
 * them.  devtmpfs is one superblock whatever namespace mounts it, so the
 * module mounts it privately (kern_mount(): the same superblock and
 * nodes) and looks the node up there, not in anybody's mount namespace,
 * with kernel credentials (a topic admin need not own the node), one
 * component at a time (no symlink followed), checking that what it found
 * is the topic's char device.  KSTREAM_CMD_TOPIC_SET changes the node's
 * owner and group the same way (notify_change(), as chown(2) would).
 *
 * May call: stats (the sysfs attributes of a topic device).  Locks: none
 * of its own; node ACLs are set under the registry lock (acl.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "chardev.h"
#include "compat.h"
#include "stats.h"
#include "topic.h"

#define KSTREAM_MINORS (MINORMASK + 1)

static dev_t kstream_devt;
static struct cdev kstream_cdev;

/* Our own mount of devtmpfs, and the credentials its nodes are set with. */
static struct vfsmount *kstream_devtmpfs;
static const struct cred *kstream_node_cred;

static struct class kstream_class = {
	.name = KSTREAM_CLASS_NAME,
};

/*
 * The node's name and owner, for devtmpfs (creation and removal) and
 * uevents (DEVNAME), always in process context.  It must not fail: the
 * driver core takes NULL for "no name of its own" and uses the device name,
 * so devtmpfs would create the node as /dev/<name> (and device_add()
 * would succeed), or look for it there at removal and leave
 * /dev/stream/<name> behind, pointing at a minor a later topic reuses.
 * The name is a few dozen bytes: __GFP_NOFAIL is cheap here.
 */
static char *kstream_devnode(KSTREAM_DEVNODE_CONST struct device *dev,
			     umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct kstream_topic *t =
		container_of(dev, struct kstream_topic, dev);

	/* Uevents ask too, whenever: TOPIC_SET may be changing them. */
	if (mode)
		*mode = READ_ONCE(t->mode);
	if (uid)
		*uid = READ_ONCE(t->uid);
	if (gid)
		*gid = READ_ONCE(t->gid);
	return kasprintf(GFP_KERNEL | __GFP_NOFAIL, KSTREAM_CLASS_NAME "/%s",
			 t->name);
}

static const struct device_type kstream_topic_type = {
	.name = "topic",
	.devnode = kstream_devnode,
};

void kstream_topic_device_init(struct kstream_topic *t)
{
	device_initialize(&t->dev);
	t->dev.class = &kstream_class;
	t->dev.type = &kstream_topic_type;
	t->dev.groups = kstream_topic_groups;
}

dev_t kstream_topic_devt(u32 id)
{
	return MKDEV(MAJOR(kstream_devt), id);
}

/*
 * @t's node on our devtmpfs mount (credentials overridden by the caller);
 * -ESTALE if what is there is not @t's (removed or replaced by root).
 * Registry lock held: the node exists until the topic is deleted under it.
 */
static struct dentry *kstream_node_lookup(struct kstream_topic *t)
{
	const char *dir = KSTREAM_CLASS_NAME;
	struct dentry *d, *node;
	struct inode *inode;

	/* One component at a time: no symlink is followed. */
	d = lookup_positive_unlocked(dir, kstream_devtmpfs->mnt_root,
				     strlen(dir));
	if (IS_ERR(d))
		return d;
	node = ERR_PTR(-ESTALE);
	if (d_is_dir(d))
		node = lookup_positive_unlocked(t->name, d, strlen(t->name));
	dput(d);
	if (IS_ERR(node))
		return node;
	inode = d_inode(node);
	if (S_ISCHR(inode->i_mode) && inode->i_rdev == t->dev.devt)
		return node;
	dput(node);
	return ERR_PTR(-ESTALE);
}

/*
 * @fn on @t's node, with kernel credentials (a topic admin need not own
 * the node).  -EOPNOTSUPP without devtmpfs.
 */
static int kstream_node_do(struct kstream_topic *t,
			   int (*fn)(struct dentry *node, void *arg),
			   void *arg)
{
	const struct cred *old;
	struct dentry *node;
	int err;

	if (!kstream_devtmpfs)
		return -EOPNOTSUPP;
	old = override_creds(kstream_node_cred);
	node = kstream_node_lookup(t);
	if (IS_ERR(node)) {
		err = PTR_ERR(node);
	} else {
		err = fn(node, arg);
		dput(node);
	}
	revert_creds(old);
	return err;
}

static int kstream_node_acl(struct dentry *node, void *acl)
{
	return kstream_set_access_acl(node, acl);
}

int kstream_node_set_acl(struct kstream_topic *t, struct posix_acl *acl)
{
	return kstream_node_do(t, kstream_node_acl, acl);
}

static int kstream_node_chown(struct dentry *node, void *attr)
{
	int err;

	inode_lock(d_inode(node));
	err = kstream_notify_change(node, attr);
	inode_unlock(d_inode(node));
	return err;
}

/* KSTREAM_CMD_TOPIC_SET: the node's owner and group follow the topic's. */
int kstream_node_set_owner(struct kstream_topic *t, kuid_t uid, kgid_t gid)
{
	struct iattr attr = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_vfsuid = VFSUIDT_INIT(uid),
		.ia_vfsgid = VFSGIDT_INIT(gid),
	};

	return kstream_node_do(t, kstream_node_chown, &attr);
}

/* Without devtmpfs (or its ACL support) nodes keep just their mode. */
static void __init kstream_node_init(void)
{
	struct file_system_type *type = get_fs_type("devtmpfs");
	struct vfsmount *mnt;

	/* devtmpfs is built in: get_fs_type() took no module reference. */
	if (!type)
		goto none;
	kstream_node_cred = prepare_kernel_cred(&init_task);
	if (!kstream_node_cred)
		goto none;
	mnt = kern_mount(type);
	if (IS_ERR(mnt)) {
		put_cred(kstream_node_cred);
		kstream_node_cred = NULL;
		goto none;
	}
	kstream_devtmpfs = mnt;
	return;
none:
	pr_info("no devtmpfs: ACL grants are not mirrored to device nodes\n");
}

static void kstream_node_exit(void)
{
	if (!kstream_devtmpfs)
		return;
	kern_unmount(kstream_devtmpfs);
	kstream_devtmpfs = NULL;
	put_cred(kstream_node_cred);
	kstream_node_cred = NULL;
}

int __init kstream_chrdev_init(const struct file_operations *fops)
{
	int err;

	err = alloc_chrdev_region(&kstream_devt, 0, KSTREAM_MINORS, "kstream");
	if (err)
		return err;

	cdev_init(&kstream_cdev, fops);
	kstream_cdev.owner = THIS_MODULE;
	err = cdev_add(&kstream_cdev, kstream_devt, KSTREAM_MINORS);
	if (err)
		goto err_region;

	err = class_register(&kstream_class);
	if (err)
		goto err_cdev;
	kstream_node_init();
	return 0;

err_cdev:
	cdev_del(&kstream_cdev);
err_region:
	unregister_chrdev_region(kstream_devt, KSTREAM_MINORS);
	return err;
}

void kstream_chrdev_exit(void)
{
	kstream_node_exit();
	class_unregister(&kstream_class);
	cdev_del(&kstream_cdev);
	unregister_chrdev_region(kstream_devt, KSTREAM_MINORS);
}
