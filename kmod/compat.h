/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels kstream supports (6.1 and 6.12).
 * Nothing else in the module tests LINUX_VERSION_CODE.
 */
#ifndef _KSTREAM_COMPAT_H
#define _KSTREAM_COMPAT_H

#include <linux/version.h>

/* 6.2 made the device argument of devnode callbacks const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KSTREAM_DEVNODE_CONST const
#else
#define KSTREAM_DEVNODE_CONST
#endif

/* 6.3 made vm_flags read-only behind accessors. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#include <linux/mm_types.h>

static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long f)
{
	vma->vm_flags |= f;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, unsigned long f)
{
	vma->vm_flags &= ~f;
}
#endif

/*
 * eBPF ingress filters (bpf.c) are a struct_ops type registered by the
 * module, which needs register_bpf_struct_ops() from modules (6.9) and a
 * kernel with BPF trampolines and module BTF.  Without it bpf.c builds
 * stubs that refuse every filter request with EOPNOTSUPP.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) && \
	IS_ENABLED(CONFIG_BPF_SYSCALL) && IS_ENABLED(CONFIG_BPF_JIT) && \
	IS_ENABLED(CONFIG_DEBUG_INFO_BTF_MODULES)
#define KSTREAM_HAVE_BPF_INGRESS 1
#endif

/*
 * Set the access ACL of a node we looked up on our own devtmpfs mount
 * (never idmapped).  6.2 added vfs_set_acl(), 6.3 made it take an idmap;
 * before, a POSIX ACL is set as its xattr, ids in the initial namespace.
 */
#include <linux/fs.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline int kstream_set_access_acl(struct dentry *dentry,
					 struct posix_acl *acl)
{
	return vfs_set_acl(&nop_mnt_idmap, dentry, XATTR_NAME_POSIX_ACL_ACCESS,
			   acl);
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static inline int kstream_set_access_acl(struct dentry *dentry,
					 struct posix_acl *acl)
{
	return vfs_set_acl(&init_user_ns, dentry, XATTR_NAME_POSIX_ACL_ACCESS,
			   acl);
}
#else
#include <linux/slab.h>

static inline int kstream_set_access_acl(struct dentry *dentry,
					 struct posix_acl *acl)
{
	size_t size = posix_acl_xattr_size(acl->a_count);
	void *buf = kmalloc(size, GFP_KERNEL);
	int err;

	if (!buf)
		return -ENOMEM;
	err = posix_acl_to_xattr(&init_user_ns, acl, buf, size);
	if (err >= 0)
		err = vfs_setxattr(&init_user_ns, dentry,
				   XATTR_NAME_POSIX_ACL_ACCESS, buf, size, 0);
	kfree(buf);
	return err;
}
#endif

/*
 * Change attributes of a node on our own devtmpfs mount (never idmapped):
 * 6.3 made notify_change() take an idmap instead of a user namespace.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline int kstream_notify_change(struct dentry *dentry,
					struct iattr *attr)
{
	return notify_change(&nop_mnt_idmap, dentry, attr, NULL);
}
#else
static inline int kstream_notify_change(struct dentry *dentry,
					struct iattr *attr)
{
	return notify_change(&init_user_ns, dentry, attr, NULL);
}
#endif

/* 6.2 added NL_SET_ERR_MSG_WEAK(): a message unless one is set. */
#include <linux/netlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define NL_SET_ERR_MSG_WEAK(extack, msg) do {			\
	struct netlink_ext_ack *__kst_extack = (extack);	\
								\
	if (__kst_extack && !__kst_extack->_msg)		\
		NL_SET_ERR_MSG(__kst_extack, msg);		\
} while (0)
#endif

/*
 * The attributes of a dump request, parsed by the family's policy.  6.6
 * moved them into a struct genl_info inside struct genl_dumpit_info.
 */
#include <net/genetlink.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
static inline struct nlattr **kstream_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static inline struct nlattr **kstream_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

#endif /* _KSTREAM_COMPAT_H */
