// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/common/nlerr.c: the kernel's refusals, read
 * from NLMSG_ERROR / NLMSG_DONE messages built here as the kernel builds
 * them, and the line streamctl prints for them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <linux/genetlink.h>
#include <linux/kstream.h>

#include "nlerr.h"

/* A netlink message under construction, in an aligned buffer. */
struct msg {
	union {
		struct nlmsghdr h;
		char b[1024];
	} u;
	size_t len;
};

static void msg_init(struct msg *m, uint16_t type, uint16_t flags)
{
	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	m->u.h.nlmsg_type = type;
	m->u.h.nlmsg_flags = flags;
	m->u.h.nlmsg_len = m->len;
}

static void msg_put(struct msg *m, const void *data, size_t len)
{
	assert_true(m->len + NLMSG_ALIGN(len) <= sizeof(m->u.b));
	memcpy(m->u.b + m->len, data, len);
	m->len += NLMSG_ALIGN(len);
	m->u.h.nlmsg_len = m->len;
}

/* An attribute; returns its offset in the message. */
static size_t msg_attr(struct msg *m, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };
	size_t at = m->len;

	assert_true(m->len + NLA_HDRLEN + NLA_ALIGN(len) <= sizeof(m->u.b));
	memcpy(m->u.b + m->len, &a, sizeof(a));
	memcpy(m->u.b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	m->u.h.nlmsg_len = m->len;
	return at;
}

static size_t msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
	return msg_attr(m, type, &v, sizeof(v));
}

/* A topic add request: name, size, mode. */
static void request(struct msg *req, size_t *name_at, size_t *size_at,
		    size_t *mode_at)
{
	struct genlmsghdr g = { .cmd = KSTREAM_CMD_TOPIC_NEW, .version = 1 };
	uint16_t mode = 0;

	msg_init(req, 0x20, NLM_F_REQUEST | NLM_F_ACK);
	msg_put(req, &g, sizeof(g));
	*name_at = msg_attr(req, KSTREAM_A_TOPIC_NAME, "big", 4);
	*size_at = msg_u32(req, KSTREAM_A_TOPIC_RING_SIZE, 3U << 30);
	*mode_at = msg_attr(req, KSTREAM_A_TOPIC_MODE, &mode, sizeof(mode));
}

/* The kernel's NLMSG_ERROR for req, capped (NETLINK_CAP_ACK) or not. */
static void error_msg(struct msg *m, const struct msg *req, int error,
		      bool capped)
{
	struct nlmsgerr e = { .error = -error, .msg = req->u.h };

	msg_init(m, NLMSG_ERROR, NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0));
	msg_put(m, &e, sizeof(e));
	if (!capped) {
		/* the request's payload, echoed; msg_put aligns */
		m->len -= NLMSG_ALIGN(sizeof(e));
		m->len += sizeof(e);
		msg_put(m, req->u.b + NLMSG_HDRLEN, req->len - NLMSG_HDRLEN);
	}
}

/* NLMSGERR_ATTR_POLICY with an unsigned range. */
static void policy_range(struct msg *m, uint64_t min, uint64_t max)
{
	char nest[64];
	struct nlattr a;
	size_t n = 0;

	a.nla_len = NLA_HDRLEN + 8;
	a.nla_type = NL_POLICY_TYPE_ATTR_MIN_VALUE_U;
	memcpy(nest + n, &a, sizeof(a));
	memcpy(nest + n + NLA_HDRLEN, &min, 8);
	n += NLA_HDRLEN + 8;
	a.nla_type = NL_POLICY_TYPE_ATTR_MAX_VALUE_U;
	memcpy(nest + n, &a, sizeof(a));
	memcpy(nest + n + NLA_HDRLEN, &max, 8);
	n += NLA_HDRLEN + 8;
	msg_attr(m, NLMSGERR_ATTR_POLICY | NLA_F_NESTED, nest, n);
}

static void assert_line(const struct msg *m, const struct msg *req,
			const char *what, const struct kst_attr_desc *attrs,
			const char *want)
{
	struct kst_extack e;
	char line[512];

	kst_extack_parse(&m->u.h, m->len, req ? &req->u.h : NULL, GENL_HDRLEN, &e);
	kst_extack_format(line, sizeof(line), what, &e, attrs);
	assert_string_equal(want, line);
}

/* -------------------------------------------------------------- tests */

static void range_names_argument_value_and_range(void **state)
{
	size_t name_at, size_at, mode_at;
	struct msg req, m;
	int capped;

	(void)state;
	request(&req, &name_at, &size_at, &mode_at);
	for (capped = 0; capped <= 1; capped++) {
		error_msg(&m, &req, ERANGE, capped);
		msg_attr(&m, NLMSGERR_ATTR_MSG, "integer out of range", 21);
		msg_u32(&m, NLMSGERR_ATTR_OFFS, size_at);
		policy_range(&m, KSTREAM_RING_SIZE_MIN, KSTREAM_RING_SIZE_MAX);
		assert_line(&m, &req, "topic add big", kst_topic_attrs,
			    "topic add big: size 3G: Numerical result out of range: "
			    "integer out of range (allowed: 4K to 1G)");
	}

	/* mode 0: octal, in the policy's range */
	error_msg(&m, &req, ERANGE, true);
	msg_attr(&m, NLMSGERR_ATTR_MSG, "integer out of range", 21);
	msg_u32(&m, NLMSGERR_ATTR_OFFS, mode_at);
	policy_range(&m, 1, 0777);
	assert_line(&m, &req, "topic add big", kst_topic_attrs,
		    "topic add big: mode 0000: Numerical result out of range: "
		    "integer out of range (allowed: 0001 to 0777)");
}

static void kernel_message_for_named_object(void **state)
{
	size_t name_at, size_at, mode_at;
	struct msg req, m;

	(void)state;
	request(&req, &name_at, &size_at, &mode_at);
	/* the name is the object, already in WHAT: not named again */
	error_msg(&m, &req, ENOENT, true);
	msg_attr(&m, NLMSGERR_ATTR_MSG, "no such topic", 14);
	msg_u32(&m, NLMSGERR_ATTR_OFFS, name_at);
	assert_line(&m, &req, "topic show nope", kst_topic_attrs,
		    "topic show nope: No such file or directory: no such topic");
	/* the kernel's own explanation, without attribute */
	error_msg(&m, &req, EINVAL, true);
	msg_attr(&m, NLMSGERR_ATTR_MSG, "ring size must be a power of two", 33);
	msg_u32(&m, NLMSGERR_ATTR_OFFS, size_at);
	assert_line(&m, &req, "topic add big", kst_topic_attrs,
		    "topic add big: size 3G: Invalid argument: ring size must be a power of two");
}

static void no_extack(void **state)
{
	size_t name_at, size_at, mode_at;
	struct msg req, m;

	(void)state;
	request(&req, &name_at, &size_at, &mode_at);
	error_msg(&m, &req, EEXIST, true);
	m.u.h.nlmsg_flags &= ~NLM_F_ACK_TLVS;
	assert_line(&m, &req, "topic add big", kst_topic_attrs,
		    "topic add big: File exists");
	error_msg(&m, &req, EPERM, true);
	assert_line(&m, &req, "acl add imu", NULL,
		    "acl add imu: Operation not permitted (this needs CAP_NET_ADMIN)");
	/* nothing to name: the error alone, as before */
	assert_line(&m, NULL, NULL, NULL,
		    "Operation not permitted (this needs CAP_NET_ADMIN)");
}

static void missing_attribute(void **state)
{
	size_t name_at, size_at, mode_at;
	struct msg req, m;

	(void)state;
	request(&req, &name_at, &size_at, &mode_at);
	error_msg(&m, &req, EINVAL, true);
	msg_u32(&m, NLMSGERR_ATTR_MISS_TYPE, KSTREAM_A_TOPIC_MSG_MAX);
	assert_line(&m, &req, "topic add big", kst_topic_attrs,
		    "topic add big: Invalid argument: missing msgmax");
}

static void failed_dump(void **state)
{
	struct msg m;
	int err = -EMSGSIZE;

	(void)state;
	msg_init(&m, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS);
	msg_put(&m, &err, sizeof(err));
	msg_attr(&m, NLMSGERR_ATTR_MSG, "dump interrupted", 17);
	assert_line(&m, NULL, "stats show", NULL,
		    "stats show: Message too long: dump interrupted");
}

/* Whatever arrives, parsing stays inside the message. */
static void truncated_messages(void **state)
{
	size_t name_at, size_at, mode_at, cut;
	struct msg req, m;
	struct kst_extack e;
	char line[512];

	(void)state;
	request(&req, &name_at, &size_at, &mode_at);
	error_msg(&m, &req, ERANGE, false);
	msg_attr(&m, NLMSGERR_ATTR_MSG, "integer out of range", 21);
	msg_u32(&m, NLMSGERR_ATTR_OFFS, size_at);
	policy_range(&m, 1, 2);
	for (cut = 0; cut <= m.len; cut++) {
		struct msg t = m;

		t.u.h.nlmsg_len = cut;
		kst_extack_parse(&t.u.h, cut, &req.u.h, GENL_HDRLEN, &e);
		kst_extack_format(line, sizeof(line), "x", &e, kst_topic_attrs);
		assert_non_null(strstr(line, "x: "));
	}
	/* an offset past the request names nothing */
	error_msg(&m, &req, ERANGE, true);
	msg_u32(&m, NLMSGERR_ATTR_OFFS, 4000);
	kst_extack_parse(&m.u.h, m.len, &req.u.h, GENL_HDRLEN, &e);
	assert_int_equal(-1, e.attr);
	/* a tiny buffer is filled, not overrun */
	kst_extack_format(line, 8, "topic add big", &e, kst_topic_attrs);
	assert_string_equal("topic a", line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_names_argument_value_and_range),
		cmocka_unit_test(kernel_message_for_named_object),
		cmocka_unit_test(no_extack),
		cmocka_unit_test(missing_attribute),
		cmocka_unit_test(failed_dump),
		cmocka_unit_test(truncated_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
