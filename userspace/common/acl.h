/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic ACLs as the tools see them: the arguments of "streamctl acl add"
 * and "acl del", rights names, and the text and JSON formats of a topic's
 * ACL.  No netlink here, so it can be unit tested.
 *
 *   acl add TOPIC user|group NAME RIGHTS...
 *   acl del TOPIC user|group NAME [RIGHTS...]
 *
 * RIGHTS: one or more of publish, subscribe, admin, all, as separate
 * words or comma-separated ("publish,subscribe").
 */
#ifndef KSTREAM_ACL_H
#define KSTREAM_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kstream.h>

#include "json.h"

struct topic_info;

/* "user", "group", or NULL for a type this tool does not know. */
const char *acl_type_name(uint32_t type);

/*
 * Add the rights named in s ("publish", "subscribe", "admin", "all", or
 * several of them comma-separated) to *rights.  0 or -EINVAL.
 */
int acl_rights_parse(const char *s, uint32_t *rights);

/*
 * "publish,subscribe,admin" (in that order), "none" for 0; bits this tool
 * does not know are shown as a hex number ("publish,0x10").
 */
void acl_rights_format(uint32_t rights, char *buf, size_t len);

/* Parsed arguments of acl add / acl del. */
struct acl_args {
	char topic[KSTREAM_NAME_MAX];
	uint32_t type;		/* enum kstream_acl_type */
	uint32_t id;		/* uid or gid */
	uint32_t rights;	/* KSTREAM_ACL_*, 0 for "all" on del */
	bool have_rights;
};

/*
 * Parse argv[0..argc) (TOPIC, user|group, NAME, RIGHTS...) into *a.
 * Rights are required unless del.  NAME is a numeric id (all digits) or
 * a name looked up with getpwnam()/getgrnam().  Returns 0, or -EINVAL
 * with a one-line message in err (which may be NULL).
 */
int acl_args_parse(struct acl_args *a, int argc, char *const argv[], bool del,
		   char *err, size_t errlen);

/*
 * Names of ids, for printing: write the name of uid/gid id into buf and
 * return buf, or return NULL if it has none.  acl_default_names looks
 * them up with getpwuid()/getgrgid().
 */
struct acl_names {
	const char *(*user)(uint32_t id, char *buf, size_t len);
	const char *(*group)(uint32_t id, char *buf, size_t len);
};

extern const struct acl_names acl_default_names;

/*
 * getfacl-style text of a topic's ACL:
 *
 *   # topic: sensors
 *   # owner: root
 *   # group: plant
 *   # mode: 0660
 *   user:alice:publish,subscribe
 *   group:plant:admin
 *
 * (ids without a name are printed as numbers).
 */
void acl_print_text(FILE *f, const struct topic_info *t,
		    const struct acl_names *names);

/*
 * One JSON object: {"topic":..., "uid":..., "owner":..., "gid":...,
 * "group":..., "mode":"0660", "acl":[{"type":"user","id":1001,
 * "name":"alice","rights":["publish"]}, ...]}; "owner", "group" and
 * "name" only for ids that have a name.
 */
void acl_print_json(struct json *j, const struct topic_info *t,
		    const struct acl_names *names);

/* The "rights" array alone, as acl_print_json() writes it. */
void acl_json_rights(struct json *j, uint32_t rights);

/*
 * Would credentials with effective uid euid, effective gid egid and the
 * ngroups supplementary groups be admins of t by its ACL?  (What the
 * kernel also grants to CAP_NET_ADMIN is not considered.)
 */
bool acl_is_admin(const struct topic_info *t, uint32_t euid, uint32_t egid,
		  const uint32_t *groups, size_t ngroups);

#endif /* KSTREAM_ACL_H */
