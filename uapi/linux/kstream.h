/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kstream: in-kernel publish/subscribe topics.
 *
 * Copyright (C) 2026 The kstream authors.
 *
 * This header is the complete userspace ABI of kstream.ko.
 *
 * Control plane
 * =============
 *
 * Topics are managed over the generic netlink family KSTREAM_GENL_NAME,
 * version KSTREAM_GENL_VERSION.  Resolve the family id with the generic
 * netlink controller (CTRL_CMD_GETFAMILY), as for any generic netlink
 * family.
 *
 * Data plane
 * ==========
 *
 * Each topic is a character device of class "stream", with its node at
 * /dev/stream/<name> (devtmpfs).  The directory exists while at least one
 * topic exists.
 */

#ifndef _UAPI_LINUX_KSTREAM_H
#define _UAPI_LINUX_KSTREAM_H

#define KSTREAM_GENL_NAME	"kstream"
#define KSTREAM_GENL_VERSION	1

/* Class of the topic devices: /sys/class/stream/<name>. */
#define KSTREAM_CLASS_NAME	"stream"

enum kstream_cmd {
	KSTREAM_CMD_UNSPEC,

	__KSTREAM_CMD_MAX
};

#define KSTREAM_CMD_MAX (__KSTREAM_CMD_MAX - 1)

enum kstream_attr {
	KSTREAM_A_UNSPEC,

	__KSTREAM_A_MAX
};

#define KSTREAM_A_MAX (__KSTREAM_A_MAX - 1)

#endif /* _UAPI_LINUX_KSTREAM_H */
