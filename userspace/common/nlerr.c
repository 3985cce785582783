// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's refusals as streamctl reports them; see nlerr.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/kstream.h>

#include "nlerr.h"
#include "parse.h"
#include "topic.h"

const struct kst_attr_desc kst_topic_attrs[] = {
	{ KSTREAM_A_TOPIC_RING_SIZE, "size", KST_FMT_SIZE },
	{ KSTREAM_A_TOPIC_MSG_MAX, "msgmax", KST_FMT_SIZE },
	{ KSTREAM_A_TOPIC_POLICY, "policy", KST_FMT_POLICY },
	{ KSTREAM_A_TOPIC_MODE, "mode", KST_FMT_MODE },
	{ KSTREAM_A_TOPIC_UID, "owner", KST_FMT_U32 },
	{ KSTREAM_A_TOPIC_GID, "group", KST_FMT_U32 },
	{ 0, NULL, KST_FMT_U32 },
};

/* The attributes in [p, p + len), one by one; NULL at the end or if malformed. */
static const struct nlattr *nla_next(const char *p, size_t len, size_t *off)
{
	const struct nlattr *a;

	if (*off + NLA_HDRLEN > len)
		return NULL;
	a = (const struct nlattr *)(p + *off);
	if (a->nla_len < NLA_HDRLEN || *off + a->nla_len > len)
		return NULL;
	*off += NLA_ALIGN(a->nla_len);
	return a;
}

static const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t nla_plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint64_t nla_uint(const struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	switch (nla_plen(a)) {
	case 1:
		memcpy(&v8, nla_payload(a), 1);
		return v8;
	case 2:
		memcpy(&v16, nla_payload(a), 2);
		return v16;
	case 4:
		memcpy(&v32, nla_payload(a), 4);
		return v32;
	case 8:
		memcpy(&v64, nla_payload(a), 8);
		return v64;
	}
	return 0;
}

static bool nla_is_uint(const struct nlattr *a)
{
	size_t n = nla_plen(a);

	return n == 1 || n == 2 || n == 4 || n == 8;
}

static void nla_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n = nla_plen(a);

	if (n >= len)
		n = len - 1;
	memcpy(buf, nla_payload(a), n);
	buf[n] = '\0';
}

/* The range of the refused attribute's policy (NL_POLICY_TYPE_ATTR_*). */
static void extack_policy(const struct nlattr *nest, struct kst_extack *e)
{
	bool have_min = false, have_max = false;
	const struct nlattr *a;
	size_t off = 0;
	int64_t s;

	while ((a = nla_next(nla_payload(nest), nla_plen(nest), &off))) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			e->min = nla_uint(a);
			have_min = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			e->max = nla_uint(a);
			have_max = true;
			break;
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			s = (int64_t)nla_uint(a);
			if (!have_min && s >= 0) {
				e->min = (uint64_t)s;
				have_min = true;
			}
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			s = (int64_t)nla_uint(a);
			if (!have_max && s >= 0) {
				e->max = (uint64_t)s;
				have_max = true;
			}
			break;
		}
	}
	e->have_range = have_min && have_max;
}

/* The attribute of req at offset offs (from the start of req). */
static void extack_find_attr(const struct nlmsghdr *req, size_t hdrlen,
			     uint32_t offs, struct kst_extack *e)
{
	size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen), off = 0;
	const char *p = (const char *)req + start;
	const struct nlattr *a;
	size_t at;

	if (req->nlmsg_len < start)
		return;
	for (;;) {
		at = start + off;
		a = nla_next(p, req->nlmsg_len - start, &off);
		if (!a)
			return;
		if (offs < at || offs >= at + a->nla_len)
			continue;
		e->attr = a->nla_type & NLA_TYPE_MASK;
		if (offs != at)
			return;		/* inside a nest: name the nest only */
		if (nla_is_uint(a))
			e->value = nla_uint(a);
		nla_str(a, e->str, sizeof(e->str));
		e->have_value = true;
		return;
	}
}

void kst_extack_parse(const struct nlmsghdr *nlh, size_t len,
		      const struct nlmsghdr *req, size_t hdrlen,
		      struct kst_extack *e)
{
	const char *data = NLMSG_DATA(nlh);
	const struct nlattr *a;
	size_t dlen, off, tlv;
	bool have_offs = false;
	uint32_t offs = 0;
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->attr = -1;
	e->missing = -1;
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len > len)
		return;
	dlen = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *ne = (const void *)data;

		if (dlen < sizeof(*ne))
			return;
		err = ne->error;
		tlv = sizeof(*ne);
		/* unless capped, the request's payload follows its header */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    ne->msg.nlmsg_len > NLMSG_HDRLEN)
			tlv += ne->msg.nlmsg_len - NLMSG_HDRLEN;
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		if (dlen < sizeof(int))
			return;
		memcpy(&err, data, sizeof(err));
		tlv = sizeof(int);
	} else {
		return;
	}
	e->error = err < 0 ? -err : 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	tlv = NLMSG_ALIGN(tlv);
	if (tlv > dlen)
		return;
	off = 0;
	while ((a = nla_next(data + tlv, dlen - tlv, &off))) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			nla_str(a, e->msg, sizeof(e->msg));
			break;
		case NLMSGERR_ATTR_OFFS:
			offs = (uint32_t)nla_uint(a);
			have_offs = true;
			break;
		case NLMSGERR_ATTR_POLICY:
			extack_policy(a, e);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			e->missing = (int)nla_uint(a);
			break;
		}
	}
	if (have_offs && req)
		extack_find_attr(req, hdrlen, offs, e);
}

static const struct kst_attr_desc *attr_desc(const struct kst_attr_desc *attrs,
					     int type)
{
	for (; attrs && attrs->name; attrs++)
		if (attrs->type == type)
			return attrs;
	return NULL;
}

static void attr_value(char *buf, size_t len, enum kst_attr_fmt fmt,
		       uint64_t v, const char *str)
{
	const char *name;

	switch (fmt) {
	case KST_FMT_SIZE:
		format_size(v, buf, len);
		return;
	case KST_FMT_MODE:
		snprintf(buf, len, "%04" PRIo64, v);
		return;
	case KST_FMT_POLICY:
		name = v <= UINT32_MAX ? topic_policy_name((uint32_t)v) : NULL;
		if (name) {
			snprintf(buf, len, "%s", name);
			return;
		}
		break;
	case KST_FMT_STR:
		snprintf(buf, len, "%s", str);
		return;
	case KST_FMT_U32:
		break;
	}
	snprintf(buf, len, "%" PRIu64, v);
}

void kst_extack_format(char *buf, size_t len, const char *what,
		       const struct kst_extack *e,
		       const struct kst_attr_desc *attrs)
{
	const struct kst_attr_desc *d = attr_desc(attrs, e->attr);
	const struct kst_attr_desc *miss = attr_desc(attrs, e->missing);
	char v[64], lo[64], hi[64];
	size_t n = 0;

#define ADD(...) do {							\
		if (n < len)						\
			n += snprintf(buf + n, len - n, __VA_ARGS__);	\
	} while (0)

	if (!len)
		return;
	buf[0] = '\0';
	if (what && *what)
		ADD("%s: ", what);
	if (d && e->have_value) {
		attr_value(v, sizeof(v), d->fmt, e->value, e->str);
		ADD("%s %s: ", d->name, v);
	}
	ADD("%s", strerror(e->error ? e->error : EPROTO));
	if (e->msg[0])
		ADD(": %s", e->msg);
	else if (miss)
		ADD(": missing %s", miss->name);
	else if (e->error == EPERM)
		ADD(" (this needs CAP_NET_ADMIN)");
	if (e->have_range) {
		enum kst_attr_fmt fmt = d ? d->fmt : KST_FMT_U32;

		attr_value(lo, sizeof(lo), fmt, e->min, "");
		attr_value(hi, sizeof(hi), fmt, e->max, "");
		ADD(" (allowed: %s to %s)", lo, hi);
	}
#undef ADD
}
