/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What streamctl says when the kernel refuses a request: the kernel's
 * extended ack (NLMSGERR_ATTR_*) read from the raw NLMSG_ERROR, the
 * refused attribute found in the request by its offset, and one line
 * naming the command and its object, the argument and the value refused,
 * and for a range the allowed range:
 *
 *   topic add big: size 3G: Numerical result out of range: integer out
 *   of range (allowed: 4K to 1G)
 *   topic show nope: No such file or directory: no such topic
 *
 * No libnl here (only the uapi headers), so it can be unit tested on
 * messages built by hand.
 */
#ifndef KSTREAM_NLERR_H
#define KSTREAM_NLERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#define KST_EXTACK_MAX 256

/* How the value of an attribute is shown. */
enum kst_attr_fmt {
	KST_FMT_U32,		/* decimal */
	KST_FMT_SIZE,		/* bytes, with the largest exact K/M/G suffix */
	KST_FMT_MODE,		/* octal, 4 digits */
	KST_FMT_POLICY,		/* overwrite, block */
	KST_FMT_STR,		/* a string attribute */
};

/* An argument of a command: the attribute that carries it. */
struct kst_attr_desc {
	int type;		/* KSTREAM_A_* (top level of the request) */
	const char *name;	/* as the command line says it: "size" */
	enum kst_attr_fmt fmt;
};

/* The attributes of topic add (and of what else carries them). */
extern const struct kst_attr_desc kst_topic_attrs[];

/* What the kernel said about a refused request. */
struct kst_extack {
	int error;			/* positive errno; 0: none */
	char msg[KST_EXTACK_MAX];	/* NLMSGERR_ATTR_MSG, or "" */
	int attr;			/* type of the refused attribute, or -1 */
	uint64_t value;			/* its value in the request (integers) */
	char str[KST_EXTACK_MAX];	/* its value (strings) */
	bool have_value;
	bool have_range;		/* the policy's range, from NLMSGERR_ATTR_POLICY */
	uint64_t min, max;
	int missing;			/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
};

/*
 * Read the NLMSG_ERROR (or the NLMSG_DONE of a failed dump) nlh, of len
 * bytes at most, into *e; req is the request it answers (to find the
 * attribute NLMSGERR_ATTR_OFFS points at; NULL if unknown), hdrlen the
 * bytes of family header before its attributes (GENL_HDRLEN).
 */
void kst_extack_parse(const struct nlmsghdr *nlh, size_t len,
		      const struct nlmsghdr *req, size_t hdrlen,
		      struct kst_extack *e);

/*
 * The line streamctl prints (without "streamctl: " and the newline):
 * "[WHAT: ][NAME VALUE: ]strerror[: msg][ (allowed: MIN to MAX)]",
 * "[...]: missing NAME" for a missing attribute.  attrs (ending with a
 * NULL name) says how the arguments are called and shown; an attribute
 * not in it is not named.
 */
void kst_extack_format(char *buf, size_t len, const char *what,
		       const struct kst_extack *e,
		       const struct kst_attr_desc *attrs);

#endif /* KSTREAM_NLERR_H */
