// SPDX-License-Identifier: GPL-2.0
/*
 * Topic ACLs: arguments of streamctl acl add/del, rights names, text and
 * JSON formats; see acl.h.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"
#include "parse.h"
#include "topic.h"

static const char *const acl_right_names[] = {
	"publish", "subscribe", "admin",	/* bit 0, 1, 2 */
};

#define ACL_NR_RIGHTS (sizeof(acl_right_names) / sizeof(acl_right_names[0]))

_Static_assert(KSTREAM_ACL_PUBLISH == 1 && KSTREAM_ACL_SUBSCRIBE == 2 &&
	       KSTREAM_ACL_ADMIN == 4, "acl_right_names follows the bits");

const char *acl_type_name(uint32_t type)
{
	switch (type) {
	case KSTREAM_ACL_USER:
		return "user";
	case KSTREAM_ACL_GROUP:
		return "group";
	default:
		return NULL;
	}
}

/* One right, or "all"; 0 or -EINVAL. */
static int acl_right_parse(const char *s, size_t len, uint32_t *rights)
{
	size_t i;

	if (len == 3 && !strncmp(s, "all", 3)) {
		*rights |= KSTREAM_ACL_RIGHTS_ALL;
		return 0;
	}
	for (i = 0; i < ACL_NR_RIGHTS; i++) {
		if (strlen(acl_right_names[i]) == len &&
		    !strncmp(s, acl_right_names[i], len)) {
			*rights |= 1U << i;
			return 0;
		}
	}
	return -EINVAL;
}

int acl_rights_parse(const char *s, uint32_t *rights)
{
	uint32_t r = 0;

	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (acl_right_parse(s, len, &r))
			return -EINVAL;
		if (!s[len])
			break;
		s += len + 1;
	}
	*rights |= r;
	return 0;
}

void acl_rights_format(uint32_t rights, char *buf, size_t len)
{
	size_t i, off = 0;
	const char *sep = "";

	if (!len)
		return;
	buf[0] = '\0';
	if (!rights) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < ACL_NR_RIGHTS; i++) {
		if (!(rights & (1U << i)))
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				sep, acl_right_names[i]);
		sep = ",";
	}
	rights &= ~KSTREAM_ACL_RIGHTS_ALL;
	if (rights)
		snprintf(buf + off, off < len ? len - off : 0, "%s%#" PRIx32,
			 sep, rights);
}

__attribute__((format(printf, 3, 4)))
static int acl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A numeric id, or a user/group name; 0, -EINVAL (no such name), -ERANGE. */
static int acl_id_parse(uint32_t type, const char *s, uint32_t *id)
{
	uint64_t v;
	int err = parse_uint(s, UINT32_MAX - 1, &v);

	if (!err) {
		*id = v;
		return 0;
	}
	if (err == -ERANGE)
		return err;
	if (type == KSTREAM_ACL_USER) {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -EINVAL;
		*id = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -EINVAL;
		*id = gr->gr_gid;
	}
	return 0;
}

int acl_args_parse(struct acl_args *a, int argc, char *const argv[], bool del,
		   char *err, size_t errlen)
{
	int i;

	memset(a, 0, sizeof(*a));
	if (argc < 1 || !argv[0])
		return acl_err(err, errlen, "missing topic name");
	if (!topic_name_valid(argv[0]))
		return acl_err(err, errlen,
			       "invalid topic name \"%s\": 1 to %d characters of [A-Za-z0-9._-], not \".\" or \"..\"",
			       argv[0], KSTREAM_NAME_MAX - 1);
	strcpy(a->topic, argv[0]);
	if (argc < 2)
		return acl_err(err, errlen, "missing \"user\" or \"group\"");
	if (!strcmp(argv[1], "user"))
		a->type = KSTREAM_ACL_USER;
	else if (!strcmp(argv[1], "group"))
		a->type = KSTREAM_ACL_GROUP;
	else
		return acl_err(err, errlen,
			       "expected \"user\" or \"group\", not \"%s\"", argv[1]);
	if (argc < 3)
		return acl_err(err, errlen, "missing %s name", argv[1]);
	if (acl_id_parse(a->type, argv[2], &a->id))
		return acl_err(err, errlen,
			       "no such %s \"%s\" (a name or a numeric id)",
			       argv[1], argv[2]);
	for (i = 3; i < argc; i++) {
		if (acl_rights_parse(argv[i], &a->rights))
			return acl_err(err, errlen,
				       "invalid rights \"%s\": expected publish, subscribe, admin or all, comma-separated",
				       argv[i]);
		a->have_rights = true;
	}
	if (!a->have_rights && !del)
		return acl_err(err, errlen,
			       "missing rights (publish, subscribe, admin, all)");
	return 0;
}

static const char *acl_user_name(uint32_t id, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(id);

	if (!pw)
		return NULL;
	snprintf(buf, len, "%s", pw->pw_name);
	return buf;
}

static const char *acl_group_name(uint32_t id, char *buf, size_t len)
{
	struct group *gr = getgrgid(id);

	if (!gr)
		return NULL;
	snprintf(buf, len, "%s", gr->gr_name);
	return buf;
}

const struct acl_names acl_default_names = {
	.user = acl_user_name,
	.group = acl_group_name,
};

/* The name of entry e's id, or NULL. */
static const char *acl_entry_name(const struct acl_names *names,
				  uint32_t type, uint32_t id,
				  char *buf, size_t len)
{
	if (type == KSTREAM_ACL_USER && names->user)
		return names->user(id, buf, len);
	if (type == KSTREAM_ACL_GROUP && names->group)
		return names->group(id, buf, len);
	return NULL;
}

void acl_print_text(FILE *f, const struct topic_info *t,
		    const struct acl_names *names)
{
	char buf[256], rights[64];
	const char *n;
	unsigned int i;

	fprintf(f, "# topic: %s\n", t->name);
	if (topic_has(t, KSTREAM_A_TOPIC_UID)) {
		n = acl_entry_name(names, KSTREAM_ACL_USER, t->uid, buf, sizeof(buf));
		if (n)
			fprintf(f, "# owner: %s\n", n);
		else
			fprintf(f, "# owner: %" PRIu32 "\n", t->uid);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_GID)) {
		n = acl_entry_name(names, KSTREAM_ACL_GROUP, t->gid, buf, sizeof(buf));
		if (n)
			fprintf(f, "# group: %s\n", n);
		else
			fprintf(f, "# group: %" PRIu32 "\n", t->gid);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_MODE))
		fprintf(f, "# mode: %04" PRIo32 "\n", t->mode);
	for (i = 0; i < t->nr_acl; i++) {
		const struct topic_acl_entry *e = &t->acl[i];
		const char *type = acl_type_name(e->type);

		acl_rights_format(e->rights, rights, sizeof(rights));
		if (!type) {
			fprintf(f, "%" PRIu32 ":%" PRIu32 ":%s\n", e->type, e->id,
				rights);
			continue;
		}
		n = acl_entry_name(names, e->type, e->id, buf, sizeof(buf));
		if (n)
			fprintf(f, "%s:%s:%s\n", type, n, rights);
		else
			fprintf(f, "%s:%" PRIu32 ":%s\n", type, e->id, rights);
	}
}

void acl_json_rights(struct json *j, uint32_t rights)
{
	size_t i;

	json_arr_start(j);
	for (i = 0; i < ACL_NR_RIGHTS; i++)
		if (rights & (1U << i))
			json_str(j, acl_right_names[i]);
	json_arr_end(j);
}

void acl_print_json(struct json *j, const struct topic_info *t,
		    const struct acl_names *names)
{
	char buf[256];
	const char *n;
	unsigned int i;

	json_obj_start(j);
	json_kv_str(j, "topic", t->name);
	if (topic_has(t, KSTREAM_A_TOPIC_UID)) {
		json_kv_u64(j, "uid", t->uid);
		n = acl_entry_name(names, KSTREAM_ACL_USER, t->uid, buf, sizeof(buf));
		if (n)
			json_kv_str(j, "owner", n);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_GID)) {
		json_kv_u64(j, "gid", t->gid);
		n = acl_entry_name(names, KSTREAM_ACL_GROUP, t->gid, buf, sizeof(buf));
		if (n)
			json_kv_str(j, "group", n);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_MODE)) {
		snprintf(buf, sizeof(buf), "%04" PRIo32, t->mode);
		json_kv_str(j, "mode", buf);
	}
	json_key(j, "acl");
	json_arr_start(j);
	for (i = 0; i < t->nr_acl; i++) {
		const struct topic_acl_entry *e = &t->acl[i];
		const char *type = acl_type_name(e->type);

		json_obj_start(j);
		if (type) {
			json_kv_str(j, "type", type);
		} else {
			snprintf(buf, sizeof(buf), "%" PRIu32, e->type);
			json_kv_str(j, "type", buf);
		}
		json_kv_u64(j, "id", e->id);
		n = acl_entry_name(names, e->type, e->id, buf, sizeof(buf));
		if (n)
			json_kv_str(j, "name", n);
		json_key(j, "rights");
		acl_json_rights(j, e->rights);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

bool acl_is_admin(const struct topic_info *t, uint32_t euid, uint32_t egid,
		  const uint32_t *groups, size_t ngroups)
{
	unsigned int i;
	size_t g;

	for (i = 0; i < t->nr_acl; i++) {
		const struct topic_acl_entry *e = &t->acl[i];

		if (!(e->rights & KSTREAM_ACL_ADMIN))
			continue;
		if (e->type == KSTREAM_ACL_USER && e->id == euid)
			return true;
		if (e->type != KSTREAM_ACL_GROUP)
			continue;
		if (e->id == egid)
			return true;
		for (g = 0; g < ngroups; g++)
			if (groups[g] == e->id)
				return true;
	}
	return false;
}
