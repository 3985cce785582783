// SPDX-License-Identifier: GPL-2.0
/*
 * kstream: in-kernel publish/subscribe topics.
 *
 * Module entry points: bring the parts up in dependency order and take
 * them down in reverse.  The parameters are in params.c.
 *
 * May call: the init and exit functions of every part.  Locks: none.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>

#include "acl.h"
#include "bpf.h"
#include "chardev.h"
#include "events.h"
#include "file.h"
#include "mmap.h"
#include "netlink.h"
#include "params.h"
#include "security.h"
#include "stats.h"
#include "topic.h"

static int __init kstream_init(void)
{
	int err;

	kstream_params_init();
	kstream_stats_setup();
	/* The default policy; a second one would register here. */
	err = kstream_security_register(&kstream_acl_policy);
	if (err)
		return err;

	err = kstream_events_init();
	if (err)
		return err;
	err = kstream_ring_fs_init();
	if (err)
		goto err_events;
	err = kstream_chrdev_init(&kstream_fops);
	if (err)
		goto err_ring_fs;

	/* Cannot fail: without eBPF support, filters are refused. */
	kstream_bpf_init();

	/* Last: once the family is registered, userspace can reach us. */
	err = kstream_genl_init();
	if (err)
		goto err_chrdev;

	pr_info("loaded\n");
	return 0;

err_chrdev:
	kstream_chrdev_exit();
err_ring_fs:
	kstream_ring_fs_exit();
err_events:
	kstream_events_exit();
	return err;
}

static void __exit kstream_exit(void)
{
	/*
	 * No new topics and none left (monitors get their deletion
	 * events), then no requests, then no topic alive, then no devices.
	 */
	kstream_topic_delete_all();
	kstream_genl_exit();
	kstream_topic_wait_all();
	kstream_ring_fs_exit();
	kstream_events_exit();
	kstream_chrdev_exit();
}

module_init(kstream_init);
module_exit(kstream_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel publish/subscribe stream topics");
MODULE_AUTHOR("The kstream authors");
MODULE_VERSION(KSTREAM_VERSION);
