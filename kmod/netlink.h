/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "kstream" (netlink.c): the control plane.
 * The top of the module: main.c starts and stops it; kstream_notify()
 * and kstream_notify_lapped() send events.
 */
#ifndef _KSTREAM_NETLINK_H
#define _KSTREAM_NETLINK_H

#include <linux/types.h>
#include <linux/kstream.h>

struct kstream_topic;

int kstream_genl_init(void);
void kstream_genl_exit(void);
void kstream_notify(struct kstream_topic *t, enum kstream_event event,
		    u64 lost, pid_t pid);
void kstream_notify_lapped(struct kstream_topic *t, u64 lost);

#endif /* _KSTREAM_NETLINK_H */
