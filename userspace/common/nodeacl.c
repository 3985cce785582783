// SPDX-License-Identifier: GPL-2.0
/* The "acl" attribute of a topic device, for its node's display. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <unistd.h>
#include <sys/xattr.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>

#include "nodeacl.h"

/* "rwx" with '-' for what is not granted: the bits, or -1. */
static int perm_parse(const char *s, size_t len)
{
	static const char bits[] = "rwx";
	int perm = 0, i;

	if (len != 3)
		return -1;
	for (i = 0; i < 3; i++) {
		if (s[i] == bits[i])
			perm |= 4 >> i;
		else if (s[i] != '-')
			return -1;
	}
	return perm;
}

/* A decimal id of @len characters (not the undefined id), or -1. */
static long long id_parse(const char *s, size_t len)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v >= UINT32_MAX ? -1 : (long long)v;
}

/* A pseudo tag: before the first entry. */
#define ORDER_START 0x40

/* The tags (and ORDER_START) that @tag may follow in a POSIX ACL. */
static unsigned int tag_may_follow(uint16_t tag)
{
	switch (tag) {
	case ACL_USER_OBJ:
		return ORDER_START;
	case ACL_USER:
	case ACL_GROUP_OBJ:
		return ACL_USER_OBJ | ACL_USER;
	case ACL_GROUP:
	case ACL_MASK:
		return ACL_GROUP_OBJ | ACL_GROUP;
	default: /* ACL_OTHER */
		return ACL_GROUP_OBJ | ACL_GROUP | ACL_MASK;
	}
}

/* One entry, "tag:id:perm" of @len characters, after @prev (a tag). */
static int entry_parse(const char *s, size_t len, uint16_t prev,
		       struct nodeacl_entry *e)
{
	const char *c1 = memchr(s, ':', len), *c2;
	size_t tlen, idlen;
	long long id = -1;
	int perm;

	if (!c1)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (!c2)
		return -EINVAL;
	tlen = (size_t)(c1 - s);
	idlen = (size_t)(c2 - c1 - 1);
	perm = perm_parse(c2 + 1, len - (size_t)(c2 + 1 - s));
	if (perm < 0)
		return -EINVAL;
	if (idlen) {
		id = id_parse(c1 + 1, idlen);
		if (id < 0)
			return -EINVAL;
	}
	if (tlen == 4 && !memcmp(s, "user", 4))
		e->tag = idlen ? ACL_USER : ACL_USER_OBJ;
	else if (tlen == 5 && !memcmp(s, "group", 5))
		e->tag = idlen ? ACL_GROUP : ACL_GROUP_OBJ;
	else if (tlen == 4 && !memcmp(s, "mask", 4) && !idlen)
		e->tag = ACL_MASK;
	else if (tlen == 5 && !memcmp(s, "other", 5) && !idlen)
		e->tag = ACL_OTHER;
	else
		return -EINVAL;
	/* The order of a POSIX ACL: each tag after one it may follow. */
	if (!(tag_may_follow(e->tag) & (prev ? prev : ORDER_START)))
		return -EINVAL;
	e->perm = (uint16_t)perm;
	e->id = idlen ? (uint32_t)id : (uint32_t)ACL_UNDEFINED_ID;
	return 0;
}

int nodeacl_parse(const char *text, struct nodeacl *acl)
{
	size_t len = text ? strlen(text) : 0;
	const char *p = text, *end;
	int named = 0, mask = 0;

	if (len && text[len - 1] == '\n')
		len--;
	if (!len)
		return -EINVAL;
	end = text + len;
	acl->n = 0;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		struct nodeacl_entry *e;

		if (acl->n == NODEACL_MAX)
			return -EINVAL;
		e = &acl->e[acl->n];
		if (entry_parse(p, (size_t)(stop - p),
				acl->n ? acl->e[acl->n - 1].tag : 0, e))
			return -EINVAL;
		named += e->tag == ACL_USER || e->tag == ACL_GROUP;
		mask += e->tag == ACL_MASK;
		acl->n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	/* Ends with other::, and has a mask exactly when named entries. */
	if (acl->e[acl->n - 1].tag != ACL_OTHER || mask != !!named)
		return -EINVAL;
	return 0;
}

int nodeacl_extended(const struct nodeacl *acl)
{
	return acl->n > 3;
}

mode_t nodeacl_mode(const struct nodeacl *acl)
{
	mode_t mode = 0;
	unsigned int i;

	for (i = 0; i < acl->n; i++) {
		const struct nodeacl_entry *e = &acl->e[i];

		if (e->tag == ACL_USER_OBJ)
			mode |= (mode_t)e->perm << 6;
		else if (e->tag == ACL_OTHER)
			mode |= e->perm;
		/* The group bits show the mask, when there is one. */
		else if (e->tag == ACL_MASK ||
			 (e->tag == ACL_GROUP_OBJ && !nodeacl_extended(acl)))
			mode |= (mode_t)e->perm << 3;
	}
	return mode;
}

size_t nodeacl_xattr(const struct nodeacl *acl, void *buf, size_t len)
{
	struct posix_acl_xattr_header h = {
		.a_version = htole32(POSIX_ACL_XATTR_VERSION),
	};
	size_t need = sizeof(h) + acl->n * sizeof(struct posix_acl_xattr_entry);
	unsigned char *p = buf;
	unsigned int i;

	if (len < need)
		return 0;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	for (i = 0; i < acl->n; i++) {
		struct posix_acl_xattr_entry x = {
			.e_tag = htole16(acl->e[i].tag),
			.e_perm = htole16(acl->e[i].perm),
			.e_id = htole32(acl->e[i].id),
		};

		memcpy(p, &x, sizeof(x));
		p += sizeof(x);
	}
	return need;
}

int nodeacl_uevent_id(const char *uevent, const char *key, unsigned long dflt,
		      unsigned long *val)
{
	size_t klen = strlen(key);
	const char *p = uevent;
	char *end;

	while (*p) {
		const char *nl = strchrnul(p, '\n');

		if (!strncmp(p, key, klen) && p[klen] == '=') {
			errno = 0;
			*val = strtoul(p + klen + 1, &end, 10);
			return errno || end == p + klen + 1 || end != nl ||
			       *val >= 0xffffffffUL ? -EINVAL : 0;
		}
		p = *nl ? nl + 1 : nl;
	}
	*val = dflt;
	return 0;
}

int nodeacl_node_shows(const struct nodeacl *acl, unsigned long uid,
		       unsigned long gid, const struct stat *st, const void *x,
		       ssize_t xlen)
{
	unsigned char want[8 + NODEACL_MAX * 8];
	size_t wlen;

	if (xlen < 0 && (st->st_mode & 07777) == 0666)
		return 1;		/* as devtmpfs made it */
	if (st->st_uid != uid || st->st_gid != gid)
		return 0;
	if (!nodeacl_extended(acl))
		return xlen < 0 && (st->st_mode & 07777) == nodeacl_mode(acl);
	wlen = nodeacl_xattr(acl, want, sizeof(want));
	return xlen >= 0 && (size_t)xlen == wlen && !memcmp(x, want, wlen) &&
	       (st->st_mode & 07777) == nodeacl_mode(acl);
}

ssize_t nodeacl_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	n = n < 0 ? -errno : n;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int nodeacl_topic_node_shows(const char *name)
{
	char path[160], text[4096], uevent[4096];
	unsigned char x[8 + NODEACL_MAX * 8 + 8];
	unsigned long uid, gid;
	struct nodeacl acl;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/stream/%s/acl", name);
	n = nodeacl_read_file(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	snprintf(path, sizeof(path), "/sys/class/stream/%s/uevent", name);
	n = nodeacl_read_file(path, uevent, sizeof(uevent));
	if (n < 0)
		return (int)n;
	if (nodeacl_parse(text, &acl) ||
	    nodeacl_uevent_id(uevent, "DEVUID", 0, &uid) ||
	    nodeacl_uevent_id(uevent, "DEVGID", 0, &gid))
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/stream/%s", name);
	if (lstat(path, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	n = lgetxattr(path, "system.posix_acl_access", x, sizeof(x));
	if (n < 0 && errno != ENODATA && errno != EOPNOTSUPP)
		return -errno;
	return nodeacl_node_shows(&acl, uid, gid, &st, x, n < 0 ? -1 : n);
}
