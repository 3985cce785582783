// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/topicopts.c and topic name rules */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "topic.h"
#include "topicopts.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Parse argv, expecting -EINVAL and an error message containing want. */
static void assert_rejected(int argc, char *const argv[], const char *want)
{
	struct topic_opts o;
	char err[256] = "";

	assert_int_equal(-EINVAL, topic_opts_parse(&o, argc, argv, err, sizeof(err)));
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
}

static void name_rules(void **state)
{
	static const char *const good[] = {
		"a", "sensors", "A-Z_0.9", "...", ".a", "a.", "a..b", "-",
		"_", "-rf", "0",
		"123456789012345678901234567890123456789012345678901234567890123",
	};
	static const char *const bad[] = {
		"", ".", "..", "a/b", "a b", "a\tb", "caf\xc3\xa9", "a*",
		"a:b", "../x", "a\n",
		"1234567890123456789012345678901234567890123456789012345678901234",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!topic_name_valid(good[i]))
			fail_msg("valid name \"%s\" rejected", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (topic_name_valid(bad[i]))
			fail_msg("invalid name \"%s\" accepted", bad[i]);
	assert_false(topic_name_valid(NULL));
	assert_int_equal(63, strlen(good[sizeof(good) / sizeof(good[0]) - 1]));
}

static void policy_names(void **state)
{
	uint32_t p = 99;

	(void)state;
	assert_int_equal(0, topic_policy_parse("overwrite", &p));
	assert_int_equal(KSTREAM_POLICY_OVERWRITE, p);
	assert_int_equal(0, topic_policy_parse("block", &p));
	assert_int_equal(KSTREAM_POLICY_BLOCK, p);
	assert_int_equal(-EINVAL, topic_policy_parse("Block", &p));
	assert_int_equal(-EINVAL, topic_policy_parse("", &p));
	assert_int_equal(-EINVAL, topic_policy_parse(NULL, &p));
	assert_int_equal(KSTREAM_POLICY_BLOCK, p);
	assert_string_equal("overwrite", topic_policy_name(KSTREAM_POLICY_OVERWRITE));
	assert_string_equal("block", topic_policy_name(KSTREAM_POLICY_BLOCK));
	assert_null(topic_policy_name(__KSTREAM_POLICY_MAX));
	assert_null(topic_policy_name(UINT32_MAX));
}

static void name_only(void **state)
{
	char *argv[] = { "sensors" };
	struct topic_opts o;

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, NULL, 0));
	assert_string_equal("sensors", o.name);
	assert_int_equal(0, o.set);
	assert_int_equal(0, o.ring_size);
}

static void all_options(void **state)
{
	char *argv[] = {
		"sensors", "size", "4M", "msgmax", "64K", "policy", "block",
		"mode", "0660", "owner", "1000", "group", "27",
	};
	struct topic_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, err, sizeof(err)));
	assert_string_equal("", err);
	assert_string_equal("sensors", o.name);
	assert_int_equal(TOPIC_OPT_SIZE | TOPIC_OPT_MSGMAX | TOPIC_OPT_POLICY |
			 TOPIC_OPT_MODE | TOPIC_OPT_OWNER | TOPIC_OPT_GROUP, o.set);
	assert_int_equal(4 << 20, o.ring_size);
	assert_int_equal(64 << 10, o.msg_max);
	assert_int_equal(KSTREAM_POLICY_BLOCK, o.policy);
	assert_int_equal(0660, o.mode);
	assert_int_equal(1000, o.uid);
	assert_int_equal(27, o.gid);
}

static void any_order_and_subset(void **state)
{
	char *argv[] = { "t", "mode", "600", "size", "4096" };
	struct topic_opts o;

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, NULL, 0));
	assert_int_equal(TOPIC_OPT_MODE | TOPIC_OPT_SIZE, o.set);
	assert_int_equal(0600, o.mode);
	assert_int_equal(4096, o.ring_size);
}

/* Ranges are the kernel's to check: anything that fits the u32 goes. */
static void sizes_not_range_checked(void **state)
{
	char *argv[] = { "t", "size", "1", "msgmax", "4294967295" };
	struct topic_opts o;

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, NULL, 0));
	assert_int_equal(1, o.ring_size);
	assert_int_equal(UINT32_MAX, o.msg_max);
}

static void owner_group_by_name(void **state)
{
	char *argv[] = { "t", "owner", "root", "group", "root" };
	struct topic_opts o;

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, NULL, 0));
	assert_int_equal(TOPIC_OPT_OWNER | TOPIC_OPT_GROUP, o.set);
	assert_int_equal(0, o.uid);
	assert_int_equal(0, o.gid);
}

static void owner_group_numeric_limits(void **state)
{
	char *ok[] = { "t", "owner", "4294967295", "group", "0" };
	char *big_uid[] = { "t", "owner", "4294967296" };
	char *big_gid[] = { "t", "group", "99999999999999999999999" };
	struct topic_opts o;

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(ok), ok, NULL, 0));
	assert_int_equal(UINT32_MAX, o.uid);
	assert_int_equal(0, o.gid);
	assert_rejected(ARGC(big_uid), big_uid, "invalid owner \"4294967296\"");
	assert_rejected(ARGC(big_gid), big_gid, "invalid group");
}

static void unknown_user_or_group(void **state)
{
	char *user[] = { "t", "owner", "no-such-user-kstream" };
	char *group[] = { "t", "group", "no-such-group-kstream" };
	char *empty[] = { "t", "owner", "" };

	(void)state;
	assert_rejected(ARGC(user), user, "invalid owner \"no-such-user-kstream\"");
	assert_rejected(ARGC(group), group, "invalid group \"no-such-group-kstream\"");
	assert_rejected(ARGC(empty), empty, "invalid owner \"\"");
}

static void missing_name(void **state)
{
	char *argv[] = { NULL };

	(void)state;
	assert_rejected(0, argv, "missing topic name");
}

static void invalid_names(void **state)
{
	char *dot[] = { "." };
	char *dotdot[] = { "..", "size", "4M" };
	char *slash[] = { "a/b" };
	char *empty[] = { "" };
	char *big[] = {
		"1234567890123456789012345678901234567890123456789012345678901234",
	};

	(void)state;
	assert_rejected(ARGC(dot), dot, "invalid topic name \".\"");
	assert_rejected(ARGC(dotdot), dotdot, "invalid topic name \"..\"");
	assert_rejected(ARGC(slash), slash, "invalid topic name \"a/b\"");
	assert_rejected(ARGC(empty), empty, "invalid topic name \"\"");
	assert_rejected(ARGC(big), big, "1 to 63 characters");
}

static void unknown_keyword(void **state)
{
	char *argv[] = { "t", "size", "4M", "ringsize", "8M" };
	char *upper[] = { "t", "SIZE", "4M" };

	(void)state;
	assert_rejected(ARGC(argv), argv, "unknown keyword \"ringsize\"");
	assert_rejected(ARGC(upper), upper, "unknown keyword \"SIZE\"");
}

static void missing_value(void **state)
{
	char *size[] = { "t", "size" };
	char *group[] = { "t", "mode", "0600", "group" };

	(void)state;
	assert_rejected(ARGC(size), size, "\"size\" needs a value");
	assert_rejected(ARGC(group), group, "\"group\" needs a value");
}

static void bad_sizes(void **state)
{
	static const char *const bad[] = {
		"", "4X", "-1", "4 M", "0x10", "M", "1.5M", "4G", "8G",
		"18446744073709551616",
	};
	char *argv[] = { "t", "size", NULL };
	char *msgmax[] = { "t", "msgmax", "64Q" };
	char want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[2] = (char *)bad[i];
		snprintf(want, sizeof(want), "invalid size \"%s\"", bad[i]);
		assert_rejected(ARGC(argv), argv, want);
	}
	/* a range says what it is */
	argv[2] = "5G";
	assert_rejected(ARGC(argv), argv, "power of two from 4K to 1G");
	assert_rejected(ARGC(msgmax), msgmax, "invalid msgmax \"64Q\"");
	assert_rejected(ARGC(msgmax), msgmax, "1 to min(size/4, 1M)");
}

static void bad_policy_and_mode(void **state)
{
	char *policy[] = { "t", "policy", "drop" };
	char *mode_digit[] = { "t", "mode", "0680" };
	char *mode_suid[] = { "t", "mode", "4755" };
	char *mode_empty[] = { "t", "mode", "" };

	(void)state;
	assert_rejected(ARGC(policy), policy, "overwrite or block");
	assert_rejected(ARGC(mode_digit), mode_digit, "invalid mode \"0680\"");
	assert_rejected(ARGC(mode_suid), mode_suid, "1 to 0777");
	assert_rejected(ARGC(mode_empty), mode_empty, "invalid mode");
}

static void duplicate_keyword(void **state)
{
	char *argv[] = { "t", "size", "4M", "policy", "block", "size", "8M" };

	(void)state;
	assert_rejected(ARGC(argv), argv, "\"size\" given twice");
}

/* The error buffer is optional and never overflows. */
static void error_buffer(void **state)
{
	char *argv[] = { "t", "this-keyword-is-much-longer-than-the-buffer" };
	struct topic_opts o;
	char err[8];

	(void)state;
	assert_int_equal(-EINVAL, topic_opts_parse(&o, ARGC(argv), argv, NULL, 0));
	assert_int_equal(-EINVAL, topic_opts_parse(&o, ARGC(argv), argv, err, sizeof(err)));
	assert_int_equal(7, strlen(err));
}

static void set_name(void **state)
{
	struct topic_opts o = { .name = "old" };
	char err[256];

	(void)state;
	assert_int_equal(0, topic_opts_set_name(&o, "new", err, sizeof(err)));
	assert_string_equal("new", o.name);
	assert_int_equal(-EINVAL, topic_opts_set_name(&o, "..", err, sizeof(err)));
	assert_string_equal("new", o.name);
	assert_int_equal(-EINVAL, topic_opts_set_name(&o, NULL, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_rules),
		cmocka_unit_test(policy_names),
		cmocka_unit_test(name_only),
		cmocka_unit_test(all_options),
		cmocka_unit_test(any_order_and_subset),
		cmocka_unit_test(sizes_not_range_checked),
		cmocka_unit_test(owner_group_by_name),
		cmocka_unit_test(owner_group_numeric_limits),
		cmocka_unit_test(unknown_user_or_group),
		cmocka_unit_test(missing_name),
		cmocka_unit_test(invalid_names),
		cmocka_unit_test(unknown_keyword),
		cmocka_unit_test(missing_value),
		cmocka_unit_test(bad_sizes),
		cmocka_unit_test(bad_policy_and_mode),
		cmocka_unit_test(duplicate_keyword),
		cmocka_unit_test(error_buffer),
		cmocka_unit_test(set_name),
	};

	return cmocka_run_group_tests_name("topicopts", tests, NULL, NULL);
}
