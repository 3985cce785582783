// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/nodeacl.c (kstream-node-display) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>

#include "nodeacl.h"

#define UNDEF ((uint32_t)ACL_UNDEFINED_ID)

static void check_entry(const struct nodeacl_entry *e, uint16_t tag,
			uint16_t perm, uint32_t id)
{
	assert_int_equal(tag, e->tag);
	assert_int_equal(perm, e->perm);
	assert_int_equal(id, e->id);
}

/* What the module writes for mode 0640 and two data entries. */
static void parse_full(void **state)
{
	struct nodeacl a;

	(void)state;
	assert_int_equal(0, nodeacl_parse("user::rw-,user:4001:-w-,group::r--,"
					  "group:4100:r--,mask::rw-,other::---\n", &a));
	assert_int_equal(6, a.n);
	check_entry(&a.e[0], ACL_USER_OBJ, 6, UNDEF);
	check_entry(&a.e[1], ACL_USER, 2, 4001);
	check_entry(&a.e[2], ACL_GROUP_OBJ, 4, UNDEF);
	check_entry(&a.e[3], ACL_GROUP, 4, 4100);
	check_entry(&a.e[4], ACL_MASK, 6, UNDEF);
	check_entry(&a.e[5], ACL_OTHER, 0, UNDEF);
	assert_true(nodeacl_extended(&a));
	assert_int_equal(0660, nodeacl_mode(&a));	/* group bits: the mask */
}

static void parse_minimal(void **state)
{
	struct nodeacl a;

	(void)state;
	assert_int_equal(0, nodeacl_parse("user::rwx,group::r-x,other::--x\n", &a));
	assert_int_equal(3, a.n);
	assert_false(nodeacl_extended(&a));
	assert_int_equal(0751, nodeacl_mode(&a));
	/* no newline is fine too; uid 0 and the largest id are ids */
	assert_int_equal(0, nodeacl_parse("user::rw-,user:0:r--,user:4294967294:rw-,"
					  "group::---,mask::rw-,other::---", &a));
	assert_int_equal(6, a.n);
	check_entry(&a.e[1], ACL_USER, 4, 0);
	check_entry(&a.e[2], ACL_USER, 6, 4294967294U);
}

static void parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "\n", "user::rw-", "user::rw-,group::r--",
		"group::r--,user::rw-,other::---",		/* order */
		"user::rw-,group::r--,user:1:r--,mask::rw-,other::---",
		"user::rw-,group::r--,other::---,mask::rw-",
		"user::rw-,user:1:r--,group::r--,other::---",	/* no mask */
		"user::rw-,group::r--,mask::rw-,other::---",	/* mask, no entry */
		"user::rw-,group::r--,other::---,other::---",
		"user::rw-,group::r--,other::---,",
		",user::rw-,group::r--,other::---",
		"user::rw,group::r--,other::---",
		"user::rw--,group::r--,other::---",
		"user::wr-,group::r--,other::---",
		"user::RW-,group::r--,other::---",
		"user:x:rw-,group::r--,mask::rw-,other::---",
		"user:-1:rw-,group::r--,mask::rw-,other::---",
		"user:4294967295:rw-,group::r--,mask::rw-,other::---",
		"user:99999999999:rw-,group::r--,mask::rw-,other::---",
		"user::rw-,group::r--,mask:1:rw-,other::---",
		"user::rw-,group::r--,other:1:---",
		"owner::rw-,group::r--,other::---",
		"user:rw-,group::r--,other::---",
		"user::rw-,group::r--,other::---\n\n",
		"user::rw- ,group::r--,other::---",
	};
	struct nodeacl a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nodeacl_parse(bad[i], &a) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(-EINVAL, nodeacl_parse(NULL, &a));
}

/* At most 32 named entries (the module's limit), and no more than fit. */
static void parse_many(void **state)
{
	char text[4096];
	struct nodeacl a;
	size_t at;
	int i;

	(void)state;
	at = (size_t)snprintf(text, sizeof(text), "user::rw-");
	for (i = 0; i < 32; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, ",user:%d:r--", 1000 + i);
	at += (size_t)snprintf(text + at, sizeof(text) - at, ",group::---,mask::r--,other::---\n");
	assert_int_equal(0, nodeacl_parse(text, &a));
	assert_int_equal(36, a.n);
	/* one more does not fit */
	at = (size_t)snprintf(text, sizeof(text), "user::rw-");
	for (i = 0; i < 33; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, ",user:%d:r--", 1000 + i);
	snprintf(text + at, sizeof(text) - at, ",group::---,mask::r--,other::---\n");
	assert_int_equal(-EINVAL, nodeacl_parse(text, &a));
}

/* The xattr the kernel reads: version 2, then (tag, perm, id) LE. */
static void xattr(void **state)
{
	unsigned char buf[8 + NODEACL_MAX * 8], want[4 + 4 * 8] = {
		2, 0, 0, 0,
		0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
		0x02, 0, 4, 0, 0xa1, 0x0f, 0, 0,	/* 4001 */
		0x04, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
	};
	struct nodeacl a;

	(void)state;
	assert_int_equal(0, nodeacl_parse("user::rw-,user:4001:r--,group::---,"
					  "mask::r--,other::---", &a));
	assert_int_equal(5, a.n);
	assert_int_equal(4 + 5 * 8, nodeacl_xattr(&a, buf, sizeof(buf)));
	assert_memory_equal(want, buf, sizeof(want));
	assert_int_equal(0x20, buf[4 + 4 * 8]);
	assert_int_equal(0, nodeacl_xattr(&a, buf, 4 + 5 * 8 - 1));	/* too small */
}

static void uevent_ids(void **state)
{
	const char *ev = "MAJOR=240\nMINOR=3\nDEVNAME=stream/imu\nDEVMODE=0666\n"
			 "DEVUID=4001\nDEVGID=4100\n";
	unsigned long v;

	(void)state;
	assert_int_equal(0, nodeacl_uevent_id(ev, "DEVUID", 0, &v));
	assert_int_equal(4001, v);
	assert_int_equal(0, nodeacl_uevent_id(ev, "DEVGID", 0, &v));
	assert_int_equal(4100, v);
	/* root: absent, the default */
	assert_int_equal(0, nodeacl_uevent_id("MAJOR=240\nDEVMODE=0666", "DEVUID", 0, &v));
	assert_int_equal(0, v);
	/* a key is a whole name; the last line needs no newline */
	assert_int_equal(0, nodeacl_uevent_id("XDEVUID=1\nDEVUID=7", "DEVUID", 0, &v));
	assert_int_equal(7, v);
	assert_int_equal(-EINVAL, nodeacl_uevent_id("DEVUID=\n", "DEVUID", 0, &v));
	assert_int_equal(-EINVAL, nodeacl_uevent_id("DEVUID=12x\n", "DEVUID", 0, &v));
	assert_int_equal(-EINVAL, nodeacl_uevent_id("DEVUID=4294967295\n", "DEVUID", 0, &v));
}

/* When a node shows a decision: exactly, or not at all (0666, no ACL). */
static void node_shows(void **state)
{
	unsigned char x[8 + NODEACL_MAX * 8];
	struct nodeacl full, min;
	struct stat st = { .st_mode = S_IFCHR | 0666 };
	ssize_t xlen;

	(void)state;
	assert_int_equal(0, nodeacl_parse("user::rw-,user:4001:-w-,group::r--,"
					  "mask::rw-,other::---", &full));
	assert_int_equal(0, nodeacl_parse("user::rw-,group::r--,other::---", &min));
	xlen = (ssize_t)nodeacl_xattr(&full, x, sizeof(x));

	/* as devtmpfs made it: shows nothing, refuses nobody */
	assert_true(nodeacl_node_shows(&full, 4001, 4100, &st, NULL, -1));
	assert_true(nodeacl_node_shows(&min, 0, 0, &st, NULL, -1));
	/* the minimal ACL: the mode, the owner, no xattr */
	st.st_mode = S_IFCHR | 0640;
	assert_true(nodeacl_node_shows(&min, 0, 0, &st, NULL, -1));
	assert_false(nodeacl_node_shows(&min, 4001, 0, &st, NULL, -1));
	assert_false(nodeacl_node_shows(&full, 0, 0, &st, NULL, -1));
	st.st_mode = S_IFCHR | 0600;
	assert_false(nodeacl_node_shows(&min, 0, 0, &st, NULL, -1));
	/* the full one: the xattr, and the mask in the group bits */
	st.st_mode = S_IFCHR | 0660;
	assert_true(nodeacl_node_shows(&full, 0, 0, &st, x, xlen));
	assert_false(nodeacl_node_shows(&full, 0, 0, &st, x, xlen - 8));
	x[4 + 8 + 2] = 4;			/* user:4001:r-- now */
	assert_false(nodeacl_node_shows(&full, 0, 0, &st, x, xlen));
	x[4 + 8 + 2] = 2;
	st.st_uid = 4001;
	assert_false(nodeacl_node_shows(&full, 0, 0, &st, x, xlen));
	assert_true(nodeacl_node_shows(&full, 4001, 0, &st, x, xlen));
	/* an ACL on a node of mode 0666 is not "nothing" */
	st.st_mode = S_IFCHR | 0666;
	assert_false(nodeacl_node_shows(&full, 4001, 0, &st, x, xlen));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_full),
		cmocka_unit_test(parse_minimal),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(parse_many),
		cmocka_unit_test(xattr),
		cmocka_unit_test(uevent_ids),
		cmocka_unit_test(node_shows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
