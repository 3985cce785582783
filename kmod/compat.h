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
