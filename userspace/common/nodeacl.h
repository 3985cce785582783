/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "acl" attribute of a topic device (/sys/class/stream/NAME/acl): the
 * topic's data rights as a POSIX ACL in short text form, numeric ids
 * (Documentation/ABI/testing/sysfs-class-stream), parsed and turned into
 * the node's system.posix_acl_access xattr, for kstream-node-display.
 */
#ifndef KSTREAM_NODEACL_H
#define KSTREAM_NODEACL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* user::, up to 32 named entries, group::, mask::, other:: */
#define NODEACL_MAX 36

struct nodeacl_entry {
	uint16_t tag;	/* ACL_USER_OBJ ... ACL_OTHER (linux/posix_acl.h) */
	uint16_t perm;	/* ACL_READ | ACL_WRITE | ACL_EXECUTE */
	uint32_t id;	/* ACL_USER, ACL_GROUP; else ACL_UNDEFINED_ID */
};

struct nodeacl {
	unsigned int n;
	struct nodeacl_entry e[NODEACL_MAX];
};

/*
 * Parse @text (entries separated by commas, one optional newline at the
 * end) into @acl.  The entries must be in the order a POSIX ACL has them
 * (user::, user:ID:..., group::, group:ID:..., mask:: when there are
 * named entries, other::).  0, or -EINVAL (@acl undefined).
 */
int nodeacl_parse(const char *text, struct nodeacl *acl);
/* Named entries (user:ID, group:ID): an ACL the mode cannot express. */
int nodeacl_extended(const struct nodeacl *acl);
/* The permission bits of the mode that shows @acl (ls -l). */
mode_t nodeacl_mode(const struct nodeacl *acl);
/*
 * @acl as the value of system.posix_acl_access into @buf; its size, or
 * 0 if @len is too small.
 */
size_t nodeacl_xattr(const struct nodeacl *acl, void *buf, size_t len);
/*
 * KEY=decimal id in the text of a uevent file into *@val; @dflt when the
 * key is absent (the kernel leaves out DEVUID and DEVGID of root).  0 or
 * -EINVAL.
 */
int nodeacl_uevent_id(const char *uevent, const char *key, unsigned long dflt,
		      unsigned long *val);
/*
 * Does a node (@st, and its system.posix_acl_access value @x of @xlen
 * bytes, or @xlen < 0 for none) show @acl, @uid and @gid exactly, or
 * nothing at all (0666 without an ACL, as devtmpfs made it)?  Either way
 * its permissions refuse nobody @acl admits.
 */
int nodeacl_node_shows(const struct nodeacl *acl, unsigned long uid,
		       unsigned long gid, const struct stat *st, const void *x,
		       ssize_t xlen);
/* Up to @len - 1 bytes of @path into @buf, NUL-terminated; length or -errno. */
ssize_t nodeacl_read_file(const char *path, char *buf, size_t len);
/*
 * The same for /dev/stream/@name against its device's sysfs files: 1 yes,
 * 0 not (yet), -errno when it cannot tell (no node, no topic).
 */
int nodeacl_topic_node_shows(const char *name);

#endif /* KSTREAM_NODEACL_H */
