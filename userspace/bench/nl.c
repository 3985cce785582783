// SPDX-License-Identifier: GPL-2.0
/*
 * The few generic netlink requests the topics workload makes (create and
 * delete topics, timed), on a plain netlink socket: no library between
 * the benchmark and the kernel, so the rates are the kernel's and one
 * round trip each, not a tool's start-up.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/kstream.h>

#include "bench.h"

struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[256];
};

static void nl_put(struct nl_req *r, uint16_t type, const void *p, size_t len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, p, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * Send @r, read until the ack: 0 or the kernel's -errno.  A reply before
 * the ack goes to @reply (if not NULL, @len bytes).
 */
static int nl_talk(struct bench_nl *nl, struct nl_req *r, void *reply, size_t len)
{
	static char buf[16384];

	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r, r->n.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (reply)
				memcpy(reply, h, h->nlmsg_len < len ? h->nlmsg_len : len);
		}
	}
}

static void nl_init(struct nl_req *r, uint16_t type, uint8_t cmd, uint8_t version)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->g.cmd = cmd;
	r->g.version = version;
}

int bench_nl_open(struct bench_nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char reply[4096];
	struct nl_req r;
	struct nlattr *a;
	int len, err;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	nl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, KSTREAM_GENL_NAME, sizeof(KSTREAM_GENL_NAME));
	err = nl_talk(nl, &r, reply, sizeof(reply));
	if (err) {
		close(nl->fd);
		return err;
	}
	len = (int)((struct nlmsghdr *)reply)->nlmsg_len - (int)NLMSG_LENGTH(GENL_HDRLEN);
	if (len > (int)(sizeof(reply) - NLMSG_LENGTH(GENL_HDRLEN)))
		len = (int)(sizeof(reply) - NLMSG_LENGTH(GENL_HDRLEN));
	for (a = (void *)(reply + NLMSG_LENGTH(GENL_HDRLEN));
	     len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			nl->family = *(uint16_t *)((char *)a + NLA_HDRLEN);
	if (nl->family)
		return 0;
	errno = ENOENT;
fail:
	err = -errno;
	close(nl->fd);
	return err;
}

int bench_nl_topic_add(struct bench_nl *nl, const char *name, uint32_t ring,
		       uint32_t policy)
{
	struct nl_req r;

	nl_init(&r, nl->family, KSTREAM_CMD_TOPIC_NEW, KSTREAM_GENL_VERSION);
	nl_put(&r, KSTREAM_A_TOPIC_NAME, name, strlen(name) + 1);
	nl_put(&r, KSTREAM_A_TOPIC_RING_SIZE, &ring, sizeof(ring));
	nl_put(&r, KSTREAM_A_TOPIC_POLICY, &policy, sizeof(policy));
	return nl_talk(nl, &r, NULL, 0);
}

int bench_nl_topic_del(struct bench_nl *nl, const char *name)
{
	struct nl_req r;

	nl_init(&r, nl->family, KSTREAM_CMD_TOPIC_DEL, KSTREAM_GENL_VERSION);
	nl_put(&r, KSTREAM_A_TOPIC_NAME, name, strlen(name) + 1);
	return nl_talk(nl, &r, NULL, 0);
}

void bench_nl_close(struct bench_nl *nl)
{
	close(nl->fd);
}
