// SPDX-License-Identifier: GPL-2.0
/*
 * The "stream" device class and the char device region topics live in.
 *
 * Every topic is one minor of a dynamically allocated major, served by a
 * single cdev that covers the whole region: open() finds the topic by its
 * minor (topic.c).  Each topic's struct device names its node
 * "stream/<name>", so devtmpfs creates /dev/stream/<name> (and the
 * directory with the first topic).
 *
 * The driver is the gate, as for /dev/net/tun: the node's mode is 0666, so
 * every open() reaches kstream, whose open hook decides with the topic's
 * mode, owner, group and ACL (security.c, acl.c) and refuses with EACCES.
 * The node carries the topic's owner and group (ls -l shows them; with
 * mode 0666 they decide nothing).  The kernel never changes a node after
 * devtmpfs made it: what userspace (udev) does with the node's
 * permissions is display, and cannot take away what kstream grants as
 * long as it leaves the node 0666 (packaging/udev/60-kstream.rules).
 *
 * For that display, each topic device has a read-only "acl" attribute
 * (the topic's decision as a POSIX ACL in text form, acl.c), and a change
 * of the topic's data rights, mode, owner or group sends a KOBJ_CHANGE
 * uevent (kstream_topic_node_changed()).
 *
 * May call: stats (the sysfs attributes of a topic device), acl (the
 * "acl" attribute).  Locks: none of its own.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "acl.h"
#include "chardev.h"
#include "compat.h"
#include "stats.h"
#include "topic.h"

#define KSTREAM_MINORS (MINORMASK + 1)

/*
 * The mode of every node, and of DEVMODE in its uevents: open() reaches
 * kstream, which decides.  udev applies DEVMODE when no rule sets MODE,
 * so on a change uevent it loosens a node, never narrows it.
 */
#define KSTREAM_NODE_MODE 0666

static dev_t kstream_devt;
static struct cdev kstream_cdev;

static struct class kstream_class = {
	.name = KSTREAM_CLASS_NAME,
};

/*
 * The node's name, mode and owner, for devtmpfs (creation and removal)
 * and uevents (DEVNAME, DEVMODE, DEVUID, DEVGID), always in process
 * context.  It must not fail: the driver core takes NULL for "no name of
 * its own" and uses the device name, so devtmpfs would create the node as
 * /dev/<name> (and device_add() would succeed), or look for it there at
 * removal and leave /dev/stream/<name> behind, pointing at a minor a later
 * topic reuses.  The name is a few dozen bytes: __GFP_NOFAIL is cheap
 * here.
 */
static char *kstream_devnode(KSTREAM_DEVNODE_CONST struct device *dev,
			     umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct kstream_topic *t =
		container_of(dev, struct kstream_topic, dev);

	if (mode)
		*mode = KSTREAM_NODE_MODE;
	/* Uevents ask too, whenever: TOPIC_SET may be changing them. */
	if (uid)
		*uid = READ_ONCE(t->uid);
	if (gid)
		*gid = READ_ONCE(t->gid);
	return kasprintf(GFP_KERNEL | __GFP_NOFAIL, KSTREAM_CLASS_NAME "/%s",
			 t->name);
}

/*
 * "acl": the topic's data rights as the POSIX ACL they are decided by,
 * for display (Documentation/ABI/testing/sysfs-class-stream).  Read under
 * RCU only: device_del() waits for readers of the attribute with the
 * registry lock held, so taking that lock here could deadlock.
 */
static ssize_t acl_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return kstream_acl_show(to_topic(dev), buf);
}
static DEVICE_ATTR_RO(acl);

static struct attribute *kstream_node_attrs[] = {
	&dev_attr_acl.attr,
	NULL
};
ATTRIBUTE_GROUPS(kstream_node);

static const struct device_type kstream_topic_type = {
	.name = "topic",
	.groups = kstream_node_groups,
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
 * The topic's data rights, mode, owner or group changed: tell userspace
 * (KOBJ_CHANGE; udev's rule refreshes the node's display).  Registry lock
 * held, so @t is registered.  A uevent that cannot be sent (no memory)
 * leaves the display behind until the next change; kstream's decisions do
 * not depend on it.
 */
void kstream_topic_node_changed(struct kstream_topic *t)
{
	int err = kobject_uevent(&t->dev.kobj, KOBJ_CHANGE);

	if (err)
		pr_debug("topic %s: no change uevent (error %d)\n", t->name,
			 err);
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
	return 0;

err_cdev:
	cdev_del(&kstream_cdev);
err_region:
	unregister_chrdev_region(kstream_devt, KSTREAM_MINORS);
	return err;
}

void kstream_chrdev_exit(void)
{
	class_unregister(&kstream_class);
	cdev_del(&kstream_cdev);
	unregister_chrdev_region(kstream_devt, KSTREAM_MINORS);
}
