/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A numeric field of a message: where it is and how to read it.  Shared
 * by the filter and sample programs and by streamctl, which fills it in
 * ("offset 4 u16be").  With __bpf__, also the program side:
 * kst_field_read().
 */
#ifndef KSTREAM_BPF_FIELD_H
#define KSTREAM_BPF_FIELD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KST_FIELD_SIGNED	0x1	/* two's complement: compare signed */
#define KST_FIELD_BE		0x2	/* big-endian (default little) */

struct kst_field {
	__u32 offset;		/* bytes from the start of the payload */
	__u8 size;		/* 1, 2, 4 or 8 */
	__u8 flags;		/* KST_FIELD_* */
	__u8 pad[2];
};

#ifdef __bpf__

/* Little-endian load of a constant-size field at a variable offset. */
#define KST_LOAD(ctx, off, type, out) ({				\
	const __u8 *__p = bpf_kstream_msg_bytes(ctx, off, sizeof(type));	\
	if (__p)							\
		*(out) = *(const type *)__p;				\
	__p != 0; })

/*
 * Read field f of the message into *val (sign-extended if signed).
 * false if the message is too short to hold it.
 */
static __always_inline bool kst_field_read(struct kstream_ingress_ctx *ctx,
					   const volatile struct kst_field *f,
					   __u64 *val)
{
	__u32 off = f->offset;
	bool be = f->flags & KST_FIELD_BE;
	bool sgn = f->flags & KST_FIELD_SIGNED;
	__u8 v8;
	__u16 v16;
	__u32 v32;
	__u64 v64;

	switch (f->size) {
	case 1:
		if (!KST_LOAD(ctx, off, __u8, &v8))
			return false;
		*val = sgn ? (__u64)(__s64)(__s8)v8 : v8;
		return true;
	case 2:
		if (!KST_LOAD(ctx, off, __u16, &v16))
			return false;
		if (be)
			v16 = __builtin_bswap16(v16);
		*val = sgn ? (__u64)(__s64)(__s16)v16 : v16;
		return true;
	case 4:
		if (!KST_LOAD(ctx, off, __u32, &v32))
			return false;
		if (be)
			v32 = __builtin_bswap32(v32);
		*val = sgn ? (__u64)(__s64)(__s32)v32 : v32;
		return true;
	case 8:
		if (!KST_LOAD(ctx, off, __u64, &v64))
			return false;
		*val = be ? __builtin_bswap64(v64) : v64;
		return true;
	}
	return false;
}

/* a <= b in the field's signedness. */
static __always_inline bool kst_field_le(const volatile struct kst_field *f,
					 __u64 a, __u64 b)
{
	if (f->flags & KST_FIELD_SIGNED)
		return (__s64)a <= (__s64)b;
	return a <= b;
}

#endif /* __bpf__ */

#endif /* KSTREAM_BPF_FIELD_H */
