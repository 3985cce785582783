// SPDX-License-Identifier: GPL-2.0
/*
 * kstream-node-display NODE: show a topic's permissions on its device node.
 *
 * Run by udev (packaging/udev/60-kstream.rules) on "add" and "change" of a
 * topic device, as root.  kstream decides every open of a node itself
 * (nodes are 0666, so every open reaches it); this program only makes the
 * node show that decision: the topic's owner and group (ls -l) and its
 * data rights as the node's POSIX ACL (getfacl), read from the device's
 * sysfs files (uevent: DEVUID, DEVGID; acl: the ACL in text form).
 *
 * The ACL it sets is the very POSIX ACL kstream decides by, so the VFS
 * refuses nobody kstream would admit once it has run.  When it cannot show
 * the decision exactly (no POSIX ACLs on /dev, an attribute it cannot
 * parse) it leaves the node 0666 without an ACL, so that the display never
 * takes away what kstream grants, says why on stderr and exits 1.
 *
 * It acts on the node it opened (O_PATH, no symlink followed) and only if
 * that node is a character device of the "stream" class.
 *
 * Exit: 0 shown (or the topic is gone); 1 not shown (node left 0666);
 * 2 usage, or NODE is not a topic's node (nothing touched).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "nodeacl.h"

#define XATTR_ACL "system.posix_acl_access"

static const char *prog = "kstream-node-display";

/* Is the device of @sys (/sys/dev/char/M:m) of the class "stream"? */
static int is_stream(const char *sys)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/subsystem", sys);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	base = strrchr(link, '/');
	return !strcmp(base ? base + 1 : link, "stream");
}

/* The node shows nothing: 0666, no ACL (kstream decides alone). */
static int fail_open(const char *node, const char *self, const char *why)
{
	fprintf(stderr, "%s: %s: %s; the node is left 0666 (kstream's own check decides every open)\n",
		prog, node, why);
	if (removexattr(self, XATTR_ACL) && errno != ENODATA &&
	    errno != EOPNOTSUPP)
		fprintf(stderr, "%s: %s: removing its ACL: %s\n", prog, node,
			strerror(errno));
	if (chmod(self, 0666))
		fprintf(stderr, "%s: %s: chmod 0666: %s\n", prog, node,
			strerror(errno));
	return 1;
}

/* Show the decision on @node, opened as @fd (a "stream" char device). */
static int show(const char *node, int fd, const char *sys)
{
	char path[128], self[64], text[4096], uevent[4096];
	unsigned char xattr[8 + NODEACL_MAX * 8];
	unsigned long uid, gid;
	struct nodeacl acl;
	size_t xlen;
	ssize_t n;

	/* Every change goes through the inode we checked. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), "%s/uevent", sys);
	n = nodeacl_read_file(path, uevent, sizeof(uevent));
	if (n < 0)
		return n == -ENOENT ? 0 : fail_open(node, self, "cannot read its uevent file");
	if (nodeacl_uevent_id(uevent, "DEVUID", 0, &uid) ||
	    nodeacl_uevent_id(uevent, "DEVGID", 0, &gid))
		return fail_open(node, self, "unexpected DEVUID or DEVGID");
	snprintf(path, sizeof(path), "%s/acl", sys);
	n = nodeacl_read_file(path, text, sizeof(text));
	if (n < 0)
		return n == -ENOENT ? 0 : fail_open(node, self, "cannot read its acl attribute");
	if (nodeacl_parse(text, &acl))
		return fail_open(node, self, "cannot parse its acl attribute");

	/*
	 * The owner first (chown(2) keeps an ACL): the owner bits of the ACL
	 * are the topic owner's, and on anybody else they would refuse
	 * someone kstream admits.
	 */
	if (fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH)) {
		snprintf(text, sizeof(text), "cannot chown it to %lu:%lu (%s)",
			 uid, gid, strerror(errno));
		return fail_open(node, self, text);
	}
	/* A minimal ACL sets the mode and removes the xattr (the kernel's job). */
	xlen = nodeacl_xattr(&acl, xattr, sizeof(xattr));
	if (!setxattr(self, XATTR_ACL, xattr, xlen, 0))
		return 0;
	/* The mode alone says it all, exactly. */
	if (!nodeacl_extended(&acl) && !chmod(self, nodeacl_mode(&acl)))
		return 0;
	snprintf(text, sizeof(text), "cannot set its POSIX ACL (%s)",
		 strerror(errno));
	return fail_open(node, self, text);
}

int main(int argc, char **argv)
{
	struct stat st;
	char sys[64];
	int fd, ret;

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: %s /dev/stream/NAME (run by udev)\n", prog);
		return 2;
	}
	fd = open(argv[1], O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;			/* the topic is gone */
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
		return 2;
	}
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a character device\n", prog, argv[1]);
		close(fd);
		return 2;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	if (is_stream(sys)) {
		ret = show(argv[1], fd, sys);
	} else if (access(sys, F_OK) && errno == ENOENT) {
		ret = 0;			/* gone meanwhile */
	} else {
		fprintf(stderr, "%s: %s: not a kstream topic's node\n", prog, argv[1]);
		ret = 2;
	}
	close(fd);
	return ret;
}
