// SPDX-License-Identifier: GPL-2.0
/*
 * The "stream" device class and the char device region topics live in.
 *
 * Every topic is one minor of a dynamically allocated major, served by a
 * single cdev that covers the whole region: open() finds the topic by its
 * minor (topic.c).  Each topic's struct device names its node
 * "stream/<name>", so devtmpfs creates /dev/stream/<name> with the topic's
 * mode and owner (and the directory with the first topic).
 */

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "compat.h"
#include "kstream.h"

#define KSTREAM_MINORS (MINORMASK + 1)

static dev_t kstream_devt;
static struct cdev kstream_cdev;

static struct class kstream_class = {
	.name = KSTREAM_CLASS_NAME,
};

static char *kstream_devnode(KSTREAM_DEVNODE_CONST struct device *dev,
			     umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct kstream_topic *t =
		container_of(dev, struct kstream_topic, dev);

	if (mode)
		*mode = t->mode;
	if (uid)
		*uid = t->uid;
	if (gid)
		*gid = t->gid;
	return kasprintf(GFP_KERNEL, KSTREAM_CLASS_NAME "/%s", t->name);
}

static void kstream_topic_dev_release(struct device *dev)
{
	kstream_topic_release(to_topic(dev));
}

static const struct device_type kstream_topic_type = {
	.name = "topic",
	.devnode = kstream_devnode,
};

/* Make @t->dev a "stream" device; from here put_device() frees @t. */
void kstream_topic_device_init(struct kstream_topic *t)
{
	device_initialize(&t->dev);
	t->dev.class = &kstream_class;
	t->dev.type = &kstream_topic_type;
	t->dev.groups = kstream_topic_groups;
	t->dev.release = kstream_topic_dev_release;
}

dev_t kstream_topic_devt(u32 id)
{
	return MKDEV(MAJOR(kstream_devt), id);
}

int __init kstream_chrdev_init(void)
{
	int err;

	err = alloc_chrdev_region(&kstream_devt, 0, KSTREAM_MINORS, "kstream");
	if (err)
		return err;

	cdev_init(&kstream_cdev, &kstream_fops);
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
