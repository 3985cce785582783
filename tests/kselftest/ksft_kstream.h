/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kstream kselftests (run inside the test VM).
 */
#ifndef KSFT_KSTREAM_H
#define KSFT_KSTREAM_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

/* Path of the kstream.ko built for the running kernel (set by the suite). */
static inline const char *kst_module_path(void)
{
	const char *p = getenv("KSTREAM_KO");

	return p ? p : "kstream.ko";
}

/* Load kstream.ko; returns 0 or -errno. */
static inline int kst_load(const char *params)
{
	int fd = open(kst_module_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload kstream; returns 0 or -errno (EBUSY/EWOULDBLOCK while in use). */
static inline int kst_unload(void)
{
	return syscall(SYS_delete_module, "kstream", O_NONBLOCK) ? -errno : 0;
}

static inline int kst_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Generic netlink family id of "kstream", or -errno / negative libnl code. */
static inline int kst_family_id(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id;

	if (!sk)
		return -ENOMEM;
	id = genl_connect(sk);
	if (!id)
		id = genl_ctrl_resolve(sk, KSTREAM_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

#endif /* KSFT_KSTREAM_H */
