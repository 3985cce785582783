/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of kstream.ko.
 */
#ifndef _KSTREAM_H
#define _KSTREAM_H

#include <linux/types.h>
#include <linux/kstream.h>

/* chardev.c: class "stream", char major and /dev/stream/ node naming */
int kstream_chrdev_init(void);
void kstream_chrdev_exit(void);

/* netlink.c: generic netlink family "kstream" */
int kstream_genl_init(void);
void kstream_genl_exit(void);

#endif /* _KSTREAM_H */
