// SPDX-License-Identifier: GPL-2.0
/*
 * kstream: in-kernel publish/subscribe topics.
 *
 * Module entry points: bring the parts up in dependency order and take
 * them down in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>

#include "kstream.h"

static int __init kstream_init(void)
{
	int err;

	err = kstream_chrdev_init();
	if (err)
		return err;

	/* Last: once the family is registered, userspace can reach us. */
	err = kstream_genl_init();
	if (err)
		goto err_chrdev;

	pr_info("loaded\n");
	return 0;

err_chrdev:
	kstream_chrdev_exit();
	return err;
}

static void __exit kstream_exit(void)
{
	kstream_genl_exit();
	kstream_chrdev_exit();
}

module_init(kstream_init);
module_exit(kstream_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel publish/subscribe stream topics");
MODULE_AUTHOR("The kstream authors");
