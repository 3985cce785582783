/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "stream" device class, the char device region and the
 * /dev/stream/<name> nodes (chardev.c).
 */
#ifndef _KSTREAM_CHARDEV_H
#define _KSTREAM_CHARDEV_H

#include <linux/fs.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct kstream_topic;
struct posix_acl;

/* Every minor of the region is served by @fops. */
int kstream_chrdev_init(const struct file_operations *fops);
void kstream_chrdev_exit(void);
/* Make @t->dev a "stream" device; the caller sets its release. */
void kstream_topic_device_init(struct kstream_topic *t);
dev_t kstream_topic_devt(u32 id);
/* Registry locked: set the access ACL of @t's node. */
int kstream_node_set_acl(struct kstream_topic *t, struct posix_acl *acl);
/* Registry locked: make @uid and @gid the owner and group of @t's node. */
int kstream_node_set_owner(struct kstream_topic *t, kuid_t uid, kgid_t gid);

#endif /* _KSTREAM_CHARDEV_H */
