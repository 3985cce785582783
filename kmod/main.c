// SPDX-License-Identifier: GPL-2.0
/*
 * kstream: in-kernel publish/subscribe topics.
 *
 * Module entry points and parameters: bring the parts up in dependency
 * order and take them down in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/mm.h>

#include "kstream.h"

unsigned int kstream_max_topics = 256;
module_param_named(max_topics, kstream_max_topics, uint, 0644);
MODULE_PARM_DESC(max_topics, "Maximum number of topics (default 256)");

unsigned long kstream_max_ring_memory;
module_param_named(max_ring_memory, kstream_max_ring_memory, ulong, 0644);
MODULE_PARM_DESC(max_ring_memory,
		 "Maximum bytes of ring memory over all topics (default: a quarter of RAM)");

unsigned int kstream_max_readers = 1024;
module_param_named(max_readers, kstream_max_readers, uint, 0644);
MODULE_PARM_DESC(max_readers,
		 "Maximum reader fds per topic (default 1024)");

int kstream_creator_gid = -1;
module_param_named(creator_gid, kstream_creator_gid, int, 0644);
MODULE_PARM_DESC(creator_gid,
		 "Members of this group (initial user namespace) may create topics they own without CAP_NET_ADMIN (default -1: nobody)");

static int __init kstream_init(void)
{
	int err;

	if (!kstream_max_ring_memory)
		kstream_max_ring_memory = (totalram_pages() << PAGE_SHIFT) / 4;
	err = kstream_security_init();
	if (err)
		return err;

	err = kstream_chrdev_init();
	if (err)
		return err;

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
	return err;
}

static void __exit kstream_exit(void)
{
	/* No new requests, then no topics, then no devices. */
	kstream_genl_exit();
	kstream_topic_delete_all();
	kstream_chrdev_exit();
}

module_init(kstream_init);
module_exit(kstream_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel publish/subscribe stream topics");
MODULE_AUTHOR("The kstream authors");
