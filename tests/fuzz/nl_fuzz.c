// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: a generic netlink fuzzer for the "kstream" family.
 *
 *   nl_fuzz [-s SEED] [-n MESSAGES]
 *
 * Sends MESSAGES requests to the family, deterministic for a SEED: valid
 * requests with mutated attributes, random attribute soup, truncated and
 * oversized attribute lengths, bogus nesting, unknown commands and flags,
 * and dumps.  Topic names come from a small pool so creates, deletes and
 * gets collide.  Checks that every request gets exactly one final answer
 * (ack, error or end of dump) with an errno from the documented set, and
 * that every reply parses.  The kernel side is checked by the VM harness
 * (any splat fails the run) and by unloading the module afterwards (the
 * suite: no leak, no refcount left behind).  Exits 1 on any violation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fuzz_nl.h"

#define BUF 65536

static uint64_t rng;

static uint64_t rnd(void)
{
	return frand(&rng);
}

static unsigned int pick(unsigned int n)
{
	return n ? rnd() % n : 0;
}

struct msg {
	char buf[BUF];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (m->len + n > sizeof(m->buf))
		return;
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

/* An attribute with a (possibly lying) length field and real payload. */
static void attr(struct msg *m, uint16_t type, uint16_t claimed,
		 const void *p, size_t n)
{
	struct nlattr a = { .nla_len = claimed, .nla_type = type };
	static const char zero[4];

	put(m, &a, sizeof(a));
	put(m, p, n);
	put(m, zero, NLA_ALIGN(n) - n);
}

static void good_attr(struct msg *m, uint16_t type, const void *p, size_t n)
{
	attr(m, type, NLA_HDRLEN + n, p, n);
}

static const char *const names[] = {
	"f0", "f1", "f2", "f3", "imu", "a.b-c_d", "x", ".", "..", "",
	"0123456789012345678901234567890123456789012345678901234567890123",
	"bad/name", "bad name", "f3",
};

static void name_attr(struct msg *m)
{
	const char *n = names[pick(sizeof(names) / sizeof(names[0]))];
	size_t len = strlen(n) + 1;

	switch (pick(8)) {
	case 0:		/* not NUL-terminated */
		good_attr(m, KSTREAM_A_TOPIC_NAME, n, len - 1);
		break;
	case 1:		/* length field beyond the message */
		attr(m, KSTREAM_A_TOPIC_NAME, len + NLA_HDRLEN + pick(64), n, len);
		break;
	default:
		good_attr(m, KSTREAM_A_TOPIC_NAME, n, len);
	}
}

static uint32_t interesting_u32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 7, 511, 0777, 01000, 1023, 1024, 1025, 4095, 4096,
		4097, 8192, 65536, 1 << 20, (1 << 20) + 1, 1 << 30,
		(1u << 30) + 1, 1u << 31, 0xfffffffe, 0xffffffff,
	};

	return pick(4) ? v[pick(sizeof(v) / sizeof(v[0]))] : (uint32_t)rnd();
}

/* A number attribute of type @type with a random (often wrong) width. */
static void num_attr(struct msg *m, uint16_t type)
{
	uint64_t v = interesting_u32();
	static const size_t widths[] = { 4, 4, 4, 4, 2, 1, 8, 0, 3, 16 };
	size_t w = widths[pick(sizeof(widths) / sizeof(widths[0]))];
	char b[16] = { 0 };

	memcpy(b, &v, w < 8 ? w : 8);
	good_attr(m, type, b, w);
}

static void random_attrs(struct msg *m, int depth)
{
	unsigned int i, n = pick(6);

	for (i = 0; i < n; i++) {
		uint16_t type = pick(KSTREAM_A_MAX + 4);
		char junk[96];
		size_t len = pick(sizeof(junk));
		size_t k;

		for (k = 0; k < len; k++)
			junk[k] = rnd();
		switch (pick(6)) {
		case 0:
			name_attr(m);
			break;
		case 1:
			num_attr(m, type);
			break;
		case 2:
			if (depth < 3) {	/* a nest holding more soup */
				size_t start = m->len;
				struct nlattr *a;

				good_attr(m, type | (pick(2) ? NLA_F_NESTED : 0), NULL, 0);
				random_attrs(m, depth + 1);
				a = (struct nlattr *)(m->buf + start);
				a->nla_len = m->len - start;
			}
			break;
		case 3:		/* a length that lies */
			attr(m, type, pick(2) ? pick(NLA_HDRLEN) : len + pick(200),
			     junk, len);
			break;
		default:
			good_attr(m, type, junk, len);
		}
	}
}

static void build(struct msg *m, uint16_t family, uint32_t seq, int *dump)
{
	struct nlmsghdr *h;
	struct genlmsghdr g = { .version = KSTREAM_GENL_VERSION };
	unsigned int kind = pick(10);

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	/* Mostly real commands, so the fuzzing reaches past dispatch. */
	g.cmd = pick(5) ? 1 + pick(KSTREAM_CMD_MAX) : pick(256);
	if (!pick(20))
		g.version = pick(256);
	if (!pick(30))
		g.reserved = rnd();
	put(m, &g, sizeof(g));

	*dump = 0;
	switch (kind) {
	case 0: case 1: case 2: case 3:	/* plausible requests */
		name_attr(m);
		if (pick(2))
			num_attr(m, KSTREAM_A_TOPIC_RING_SIZE);
		if (pick(2))
			num_attr(m, KSTREAM_A_TOPIC_MSG_MAX);
		if (pick(2))
			num_attr(m, KSTREAM_A_TOPIC_POLICY);
		if (pick(3))
			num_attr(m, KSTREAM_A_TOPIC_MODE);
		if (!pick(4))
			num_attr(m, pick(KSTREAM_A_MAX + 2));
		break;
	case 4: case 5: case 6:
		random_attrs(m, 0);
		break;
	case 7: {		/* raw bytes after the genl header */
		size_t n = pick(256), k;

		for (k = 0; k < n; k++) {
			char c = rnd();

			put(m, &c, 1);
		}
		break;
	}
	case 8:
		*dump = 1;
		if (pick(2))
			random_attrs(m, 0);
		break;
	default:		/* truncated: cut anywhere */
		name_attr(m);
		random_attrs(m, 0);
		m->len = NLMSG_HDRLEN + pick(m->len - NLMSG_HDRLEN + 1);
		break;
	}

	h = (struct nlmsghdr *)m->buf;
	h->nlmsg_len = m->len;
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (*dump ? NLM_F_DUMP : 0);
	if (!pick(25))
		h->nlmsg_flags |= rnd() & 0x0f00;
	h->nlmsg_seq = seq;
}

static int errno_expected(int e)
{
	switch (e) {
	case 0: case EINVAL: case ERANGE: case EEXIST: case ENOENT:
	case ENOSPC: case EOPNOTSUPP: case EMSGSIZE: case ENOMEM:
		return 1;
	}
	return 0;
}

/* Read replies to @seq until its final answer; 0 ok, -1 on a violation. */
static int drain(int fd, uint32_t seq, uint64_t *errs)
{
	static char buf[BUF];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == ENOBUFS)
				continue;
			perror("recv");
			return -1;
		}
		for (h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq) {
				fprintf(stderr, "reply for seq %u while waiting for %u\n",
					h->nlmsg_seq, seq);
				return -1;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				errs[0]++;
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				int err = -e->error;

				if (!errno_expected(err)) {
					fprintf(stderr, "seq %u: unexpected errno %d (%s)\n",
						seq, err, strerror(err));
					return -1;
				}
				errs[err < 256 ? err : 255]++;
				return 0;
			}
		}
		if (n) {
			fprintf(stderr, "seq %u: %zd bytes of unparsable reply\n", seq, n);
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t count = 100000, i, errs[256] = { 0 }, dumps = 0, seed = 1;
	int fd, family, opt, e;
	static struct msg m;
	struct fnl nl = { 0 };

	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else if (opt == 'n')
			count = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	rng = frand_seed(seed);

	if (fnl_open(&nl)) {
		fprintf(stderr, "nl_fuzz: kstream family not found\n");
		return 1;
	}
	fd = nl.fd;
	family = nl.family;

	for (i = 0; i < count; i++) {
		int dump;

		build(&m, family, i + 2, &dump);
		dumps += dump;
		if (send(fd, m.buf, m.len, 0) < 0) {
			/* The socket layer refuses some framings itself. */
			if (errno == EINVAL || errno == EMSGSIZE)
				continue;
			perror("send");
			return 1;
		}
		if (drain(fd, i + 2, errs))
			return 1;
	}
	printf("nl_fuzz: seed %" PRIu64 ", %" PRIu64 " messages (%" PRIu64 " dumps): %" PRIu64 " ok",
	       seed, count, dumps, errs[0]);
	for (e = 1; e < 256; e++)
		if (errs[e])
			printf(", %" PRIu64 " %s", errs[e], strerror(e));
	printf("\n");
	close(fd);
	return 0;
}
