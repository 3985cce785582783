// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/acl.c and the ACL in topic.c's formats */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acl.h"
#include "json.h"
#include "topic.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void rights_parse(void **state)
{
	uint32_t r;

	(void)state;
	r = 0;
	assert_int_equal(0, acl_rights_parse("publish", &r));
	assert_int_equal(KSTREAM_ACL_PUBLISH, r);
	r = 0;
	assert_int_equal(0, acl_rights_parse("subscribe,admin", &r));
	assert_int_equal(KSTREAM_ACL_SUBSCRIBE | KSTREAM_ACL_ADMIN, r);
	r = 0;
	assert_int_equal(0, acl_rights_parse("all", &r));
	assert_int_equal(KSTREAM_ACL_RIGHTS_ALL, r);
	r = KSTREAM_ACL_ADMIN;			/* adds to what is there */
	assert_int_equal(0, acl_rights_parse("publish,publish", &r));
	assert_int_equal(KSTREAM_ACL_ADMIN | KSTREAM_ACL_PUBLISH, r);

	r = 0;
	assert_int_equal(-EINVAL, acl_rights_parse("", &r));
	assert_int_equal(-EINVAL, acl_rights_parse(NULL, &r));
	assert_int_equal(-EINVAL, acl_rights_parse("publish,", &r));
	assert_int_equal(-EINVAL, acl_rights_parse(",publish", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("publish,,admin", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("pub", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("publishx", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("Publish", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("read", &r));
	assert_int_equal(-EINVAL, acl_rights_parse("admin,fly", &r));
	assert_int_equal(0, r);			/* untouched on error */
}

static void rights_format(void **state)
{
	char buf[64];

	(void)state;
	acl_rights_format(KSTREAM_ACL_PUBLISH, buf, sizeof(buf));
	assert_string_equal("publish", buf);
	acl_rights_format(KSTREAM_ACL_RIGHTS_ALL, buf, sizeof(buf));
	assert_string_equal("publish,subscribe,admin", buf);
	acl_rights_format(KSTREAM_ACL_ADMIN | KSTREAM_ACL_SUBSCRIBE, buf, sizeof(buf));
	assert_string_equal("subscribe,admin", buf);
	acl_rights_format(0, buf, sizeof(buf));
	assert_string_equal("none", buf);
	acl_rights_format(KSTREAM_ACL_PUBLISH | 0x10, buf, sizeof(buf));
	assert_string_equal("publish,0x10", buf);
	acl_rights_format(0x30, buf, sizeof(buf));
	assert_string_equal("0x30", buf);
	/* truncated, never overrun */
	acl_rights_format(KSTREAM_ACL_RIGHTS_ALL, buf, 5);
	assert_string_equal("publ", buf);
}

static void args_parse_ok(void **state)
{
	char *add[] = { "imu", "user", "1001", "publish", "subscribe" };
	char *add2[] = { "imu", "group", "42", "publish,admin" };
	char *del[] = { "imu", "user", "0" };
	char *root[] = { "imu", "user", "root", "all" };
	struct acl_args a;
	char err[256] = "";

	(void)state;
	assert_int_equal(0, acl_args_parse(&a, ARGC(add), add, false, err, sizeof(err)));
	assert_string_equal("imu", a.topic);
	assert_int_equal(KSTREAM_ACL_USER, a.type);
	assert_int_equal(1001, a.id);
	assert_int_equal(KSTREAM_ACL_PUBLISH | KSTREAM_ACL_SUBSCRIBE, a.rights);
	assert_true(a.have_rights);

	assert_int_equal(0, acl_args_parse(&a, ARGC(add2), add2, false, err, sizeof(err)));
	assert_int_equal(KSTREAM_ACL_GROUP, a.type);
	assert_int_equal(42, a.id);
	assert_int_equal(KSTREAM_ACL_PUBLISH | KSTREAM_ACL_ADMIN, a.rights);

	/* del without rights: the whole entry */
	assert_int_equal(0, acl_args_parse(&a, ARGC(del), del, true, err, sizeof(err)));
	assert_false(a.have_rights);
	assert_int_equal(0, a.rights);
	assert_int_equal(0, a.id);

	/* names are looked up (root exists everywhere) */
	assert_int_equal(0, acl_args_parse(&a, ARGC(root), root, false, err, sizeof(err)));
	assert_int_equal(0, a.id);
	assert_int_equal(KSTREAM_ACL_RIGHTS_ALL, a.rights);
}

/* Parse argv, expecting -EINVAL and an error message containing want. */
static void assert_rejected(int argc, char *const argv[], bool del,
			    const char *want)
{
	struct acl_args a;
	char err[256] = "";

	assert_int_equal(-EINVAL, acl_args_parse(&a, argc, argv, del, err, sizeof(err)));
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
	/* and err may be NULL */
	assert_int_equal(-EINVAL, acl_args_parse(&a, argc, argv, del, NULL, 0));
}

static void args_parse_bad(void **state)
{
	char *none[] = { NULL };
	char *badname[] = { "a/b", "user", "1", "publish" };
	char *notype[] = { "imu" };
	char *badtype[] = { "imu", "person", "1", "publish" };
	char *noid[] = { "imu", "user" };
	char *nouser[] = { "imu", "user", "no-such-user-kstream-test", "publish" };
	char *nogroup[] = { "imu", "group", "no-such-group-kstream-test", "publish" };
	char *toobig[] = { "imu", "user", "99999999999", "publish" };
	char *minus[] = { "imu", "user", "-1", "publish" };
	char *norights[] = { "imu", "user", "1" };
	char *badrights[] = { "imu", "user", "1", "publish", "fly" };

	(void)state;
	assert_rejected(0, none, false, "missing topic name");
	assert_rejected(ARGC(badname), badname, false, "invalid topic name");
	assert_rejected(ARGC(notype), notype, false, "\"user\" or \"group\"");
	assert_rejected(ARGC(badtype), badtype, false, "not \"person\"");
	assert_rejected(ARGC(noid), noid, false, "missing user name");
	assert_rejected(ARGC(nouser), nouser, false, "no such user");
	assert_rejected(ARGC(nogroup), nogroup, true, "no such group");
	assert_rejected(ARGC(toobig), toobig, false, "no such user");
	assert_rejected(ARGC(minus), minus, false, "no such user");
	assert_rejected(ARGC(norights), norights, false, "missing rights");
	assert_rejected(ARGC(badrights), badrights, true, "invalid rights \"fly\"");
}

/* A topic like the admin guide's example, with an ACL. */
static void sensors(struct topic_info *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->name, "sensors");
	t->mode = 0660;
	t->uid = 0;
	t->gid = 100;
	t->acl[0] = (struct topic_acl_entry){ KSTREAM_ACL_USER, 1001,
		KSTREAM_ACL_PUBLISH | KSTREAM_ACL_SUBSCRIBE };
	t->acl[1] = (struct topic_acl_entry){ KSTREAM_ACL_USER, 1002,
		KSTREAM_ACL_ADMIN };
	t->acl[2] = (struct topic_acl_entry){ KSTREAM_ACL_GROUP, 200,
		KSTREAM_ACL_SUBSCRIBE };
	t->acl[3] = (struct topic_acl_entry){ 7, 5, KSTREAM_ACL_PUBLISH };
	t->nr_acl = 4;
	t->have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_MODE) |
		  (1U << KSTREAM_A_TOPIC_UID) | (1U << KSTREAM_A_TOPIC_GID) |
		  (1U << KSTREAM_A_TOPIC_ACL);
}

/* Names for some ids only, so both branches are seen. */
static const char *fake_user(uint32_t id, char *buf, size_t len)
{
	if (id == 0)
		snprintf(buf, len, "root");
	else if (id == 1001)
		snprintf(buf, len, "alice");
	else
		return NULL;
	return buf;
}

static const char *fake_group(uint32_t id, char *buf, size_t len)
{
	if (id != 200)
		return NULL;
	snprintf(buf, len, "plant \"A\"");
	return buf;
}

static const struct acl_names fake_names = {
	.user = fake_user, .group = fake_group,
};

static char *print_to_string(void (*fn)(FILE *f, const struct topic_info *t),
			     const struct topic_info *t)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	assert_non_null(f);
	fn(f, t);
	fclose(f);
	return data;
}

static void print_acl_text(FILE *f, const struct topic_info *t)
{
	acl_print_text(f, t, &fake_names);
}

static void print_acl_json(FILE *f, const struct topic_info *t)
{
	struct json j;

	json_init(&j, f);
	acl_print_json(&j, t, &fake_names);
	assert_int_equal(0, json_finish(&j));
}

static void print_topic_json(FILE *f, const struct topic_info *t)
{
	struct json j;

	json_init(&j, f);
	topic_print_json(&j, t);
	assert_int_equal(0, json_finish(&j));
}

static void text(void **state)
{
	struct topic_info t;
	char *s;

	(void)state;
	sensors(&t);
	s = print_to_string(print_acl_text, &t);
	assert_string_equal("# topic: sensors\n"
			    "# owner: root\n"
			    "# group: 100\n"
			    "# mode: 0660\n"
			    "user:alice:publish,subscribe\n"
			    "user:1002:admin\n"
			    "group:plant \"A\":subscribe\n"
			    "7:5:publish\n", s);
	free(s);

	t.nr_acl = 0;
	t.have &= ~(1U << KSTREAM_A_TOPIC_UID);
	s = print_to_string(print_acl_text, &t);
	assert_string_equal("# topic: sensors\n# group: 100\n# mode: 0660\n", s);
	free(s);
}

static void json(void **state)
{
	struct topic_info t;
	char *s;

	(void)state;
	sensors(&t);
	s = print_to_string(print_acl_json, &t);
	assert_string_equal("{\"topic\":\"sensors\",\"uid\":0,\"owner\":\"root\","
			    "\"gid\":100,\"mode\":\"0660\",\"acl\":["
			    "{\"type\":\"user\",\"id\":1001,\"name\":\"alice\","
			    "\"rights\":[\"publish\",\"subscribe\"]},"
			    "{\"type\":\"user\",\"id\":1002,\"rights\":[\"admin\"]},"
			    "{\"type\":\"group\",\"id\":200,\"name\":\"plant \\\"A\\\"\","
			    "\"rights\":[\"subscribe\"]},"
			    "{\"type\":\"7\",\"id\":5,\"rights\":[\"publish\"]}]}", s);
	free(s);

	t.nr_acl = 0;
	s = print_to_string(print_acl_json, &t);
	assert_string_equal("{\"topic\":\"sensors\",\"uid\":0,\"owner\":\"root\","
			    "\"gid\":100,\"mode\":\"0660\",\"acl\":[]}", s);
	free(s);
}

/* topic show: the acl line and the acl array, numeric. */
static void topic_formats(void **state)
{
	struct topic_info t;
	char *s;

	(void)state;
	sensors(&t);
	t.nr_acl = 3;
	t.stats[KSTREAM_STAT_DENIED] = 7;
	t.have_stats = 1U << KSTREAM_STAT_DENIED;
	t.have |= 1U << KSTREAM_A_TOPIC_STATS;
	s = print_to_string(topic_print_text, &t);
	assert_string_equal("sensors: mode 0660 owner 0 group 100\n"
			    "    denied 7\n"
			    "    acl user:1001:publish,subscribe user:1002:admin group:200:subscribe\n",
			    s);
	free(s);
	s = print_to_string(print_topic_json, &t);
	assert_string_equal("{\"name\":\"sensors\",\"mode\":\"0660\",\"uid\":0,\"gid\":100,"
			    "\"stats\":{\"denied\":7},\"acl\":["
			    "{\"type\":\"user\",\"id\":1001,\"rights\":[\"publish\",\"subscribe\"]},"
			    "{\"type\":\"user\",\"id\":1002,\"rights\":[\"admin\"]},"
			    "{\"type\":\"group\",\"id\":200,\"rights\":[\"subscribe\"]}]}", s);
	free(s);
	/* no entries: no acl line; no ACL attribute: no acl key */
	t.nr_acl = 0;
	s = print_to_string(topic_print_text, &t);
	assert_null(strstr(s, "acl"));
	free(s);
	t.have &= ~(1U << KSTREAM_A_TOPIC_ACL);
	s = print_to_string(print_topic_json, &t);
	assert_null(strstr(s, "acl"));
	free(s);
}

static void is_admin(void **state)
{
	struct topic_info t;
	uint32_t groups[] = { 300, 200 };

	(void)state;
	sensors(&t);
	assert_true(acl_is_admin(&t, 1002, 1002, NULL, 0));
	assert_false(acl_is_admin(&t, 1001, 1001, NULL, 0));	/* no admin right */
	assert_false(acl_is_admin(&t, 0, 0, NULL, 0));		/* CAP_NET_ADMIN is not asked */
	assert_false(acl_is_admin(&t, 5, 5, groups, 2));	/* group 200: subscribe */
	t.acl[2].rights |= KSTREAM_ACL_ADMIN;
	assert_true(acl_is_admin(&t, 5, 5, groups, 2));		/* supplementary */
	assert_true(acl_is_admin(&t, 5, 200, NULL, 0));		/* effective gid */
	assert_false(acl_is_admin(&t, 200, 5, NULL, 0));	/* a uid is no gid */
	assert_false(acl_is_admin(&t, 5, 5, NULL, 0));
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal("user", acl_type_name(KSTREAM_ACL_USER));
	assert_string_equal("group", acl_type_name(KSTREAM_ACL_GROUP));
	assert_null(acl_type_name(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rights_parse),
		cmocka_unit_test(rights_format),
		cmocka_unit_test(args_parse_ok),
		cmocka_unit_test(args_parse_bad),
		cmocka_unit_test(text),
		cmocka_unit_test(json),
		cmocka_unit_test(topic_formats),
		cmocka_unit_test(is_admin),
		cmocka_unit_test(type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
