/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "kstream" (netlink/): the control plane.
 * The top of the module: only main.c calls it.  It delivers events
 * through the notifier it registers with events.c.
 */
#ifndef _KSTREAM_NETLINK_H
#define _KSTREAM_NETLINK_H

#include <linux/types.h>
#include <linux/kstream.h>

int kstream_genl_init(void);
void kstream_genl_exit(void);

#endif /* _KSTREAM_NETLINK_H */
