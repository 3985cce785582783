// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters: the limits and the group of topic creators.
 *
 * Calls nothing; takes the kernel's parameter lock of this module to
 * change creator_gid.  Every part of the module reads these with
 * READ_ONCE(), and root may write the writable ones at any time.
 */

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kstream.h>

#include "params.h"

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

unsigned int kstream_max_producers = KSTREAM_PRODUCERS_MAX_DEFAULT;
module_param_named(max_producers, kstream_max_producers, uint, 0644);
MODULE_PARM_DESC(max_producers,
		 "Producer ids a topic's deduplication table holds, for topics created without their own setting (default 1024, at most 65536)");

/*
 * A security policy setting: read-only here, changed at run time only by
 * KSTREAM_CMD_CONFIG_SET, which needs CAP_SYS_ADMIN and is audited.
 */
int kstream_creator_gid = -1;
module_param_named(creator_gid, kstream_creator_gid, int, 0444);
MODULE_PARM_DESC(creator_gid,
		 "Members of this group (initial user namespace) may create topics they own without CAP_NET_ADMIN (default -1: nobody; change it with streamctl config set creator-group)");

/* The old value; the parameter's sysfs file shows the new one. */
int kstream_creator_gid_set(int gid)
{
	int old;

	kernel_param_lock(THIS_MODULE);
	old = kstream_creator_gid;
	WRITE_ONCE(kstream_creator_gid, gid);
	kernel_param_unlock(THIS_MODULE);
	return old;
}

/* Defaults that depend on the machine. */
void __init kstream_params_init(void)
{
	if (!kstream_max_ring_memory)
		kstream_max_ring_memory = (totalram_pages() << PAGE_SHIFT) / 4;
}
