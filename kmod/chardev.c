// SPDX-License-Identifier: GPL-2.0
/*
 * The "stream" device class and the char device region topics live in.
 *
 * Every topic is one minor of a dynamically allocated major.  The class
 * names nodes "stream/<name>", so devtmpfs creates /dev/stream/<name>
 * (and the directory with the first topic).
 */

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "compat.h"
#include "kstream.h"

static dev_t kstream_devt;

static char *kstream_devnode(KSTREAM_DEVNODE_CONST struct device *dev,
			     umode_t *mode)
{
	return kasprintf(GFP_KERNEL, KSTREAM_CLASS_NAME "/%s", dev_name(dev));
}

static struct class kstream_class = {
	.name = KSTREAM_CLASS_NAME,
	.devnode = kstream_devnode,
};

int __init kstream_chrdev_init(void)
{
	int err;

	err = alloc_chrdev_region(&kstream_devt, 0, MINORMASK + 1, "kstream");
	if (err)
		return err;

	err = class_register(&kstream_class);
	if (err)
		unregister_chrdev_region(kstream_devt, MINORMASK + 1);
	return err;
}

void kstream_chrdev_exit(void)
{
	class_unregister(&kstream_class);
	unregister_chrdev_region(kstream_devt, MINORMASK + 1);
}
