/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "stream" device class, the char device region and the
 * /dev/stream/<name> nodes (chardev.c).
 */
#ifndef _KSTREAM_CHARDEV_H
#define _KSTREAM_CHARDEV_H

#include <linux/fs.h>
#include <linux/types.h>

struct kstream_topic;

/* Every minor of the region is served by @fops. */
int kstream_chrdev_init(const struct file_operations *fops);
void kstream_chrdev_exit(void);
/* Make @t->dev a "stream" device; the caller sets its release. */
void kstream_topic_device_init(struct kstream_topic *t);
dev_t kstream_topic_devt(u32 id);
/*
 * Registry locked: @t's data rights, mode, owner or group changed; a
 * KOBJ_CHANGE uevent tells userspace (the node's display).
 */
void kstream_topic_node_changed(struct kstream_topic *t);

#endif /* _KSTREAM_CHARDEV_H */
