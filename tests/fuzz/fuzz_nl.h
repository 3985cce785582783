/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the fuzzers: no library between them and the
 * bytes they send.  Single-threaded use per socket.
 */
#ifndef FUZZ_NL_H
#define FUZZ_NL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/kstream.h>

struct fnl {
	int fd;
	int family;
	uint32_t seq;
};

struct fnl_req {
	struct nlmsghdr h;
	struct genlmsghdr g;
	char attrs[256];
};

static inline void fnl_attr(struct fnl_req *r, uint16_t type, const void *p,
			    size_t n)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + n;
	memcpy(a + 1, p, n);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void fnl_init(struct fnl_req *r, uint16_t type, uint8_t cmd,
			    uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->g.cmd = cmd;
	r->g.version = version;
}

/* Send @r and return the final answer: 0 or -errno (replies skipped). */
static inline int fnl_call(struct fnl *nl, struct fnl_req *r, void *reply,
			   size_t reply_len)
{
	static char buf[32768];
	ssize_t n;

	r->h.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (reply && h->nlmsg_len <= reply_len)
				memcpy(reply, h, h->nlmsg_len);
		}
	}
}

static inline int fnl_open(struct fnl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char reply[8192];
	struct fnl_req r;
	struct nlattr *a;
	int one = 1, len;

	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	fnl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	fnl_attr(&r, CTRL_ATTR_FAMILY_NAME, KSTREAM_GENL_NAME,
		 sizeof(KSTREAM_GENL_NAME));
	memset(reply, 0, sizeof(reply));
	if (fnl_call(nl, &r, reply, sizeof(reply)))
		return -ENOENT;
	len = ((struct nlmsghdr *)reply)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (void *)(reply + NLMSG_LENGTH(GENL_HDRLEN)); len >= NLA_HDRLEN;
	     len -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			nl->family = *(uint16_t *)(a + 1);
			return 0;
		}
	return -ENOENT;
}

static inline int fnl_create(struct fnl *nl, const char *name, uint32_t ring,
			     uint32_t msg_max, uint32_t policy, uint16_t mode)
{
	struct fnl_req r;

	fnl_init(&r, nl->family, KSTREAM_CMD_TOPIC_NEW, KSTREAM_GENL_VERSION);
	fnl_attr(&r, KSTREAM_A_TOPIC_NAME, name, strlen(name) + 1);
	fnl_attr(&r, KSTREAM_A_TOPIC_RING_SIZE, &ring, sizeof(ring));
	fnl_attr(&r, KSTREAM_A_TOPIC_MSG_MAX, &msg_max, sizeof(msg_max));
	fnl_attr(&r, KSTREAM_A_TOPIC_POLICY, &policy, sizeof(policy));
	fnl_attr(&r, KSTREAM_A_TOPIC_MODE, &mode, sizeof(mode));
	return fnl_call(nl, &r, NULL, 0);
}

static inline int fnl_delete(struct fnl *nl, const char *name)
{
	struct fnl_req r;

	fnl_init(&r, nl->family, KSTREAM_CMD_TOPIC_DEL, KSTREAM_GENL_VERSION);
	fnl_attr(&r, KSTREAM_A_TOPIC_NAME, name, strlen(name) + 1);
	return fnl_call(nl, &r, NULL, 0);
}

/* A deterministic PRNG (xorshift64*), one state per user. */
static inline uint64_t frand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static inline uint64_t frand_seed(uint64_t seed)
{
	return seed * 0x9E3779B97F4A7C15ull + 1;
}

#endif /* FUZZ_NL_H */
