/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kstream kselftests (run inside the test VM).
 *
 * Module:   kst_load(), kst_unload(), kst_loaded(), kst_reset()
 * Netlink:  kst_nl_open()/kst_nl_close() (a generic netlink socket with
 *           NETLINK_EXT_ACK on), kst_topic_create(), kst_create(),
 *           kst_topic_delete(), kst_topic_get(), kst_topic_stats(),
 *           kst_topic_dump(), kst_acl_add(), kst_acl_del(), kst_acl_find(),
 *           and kst_nl_raw() with struct kst_buf to send
 *           hand-made (malformed) attribute streams.  All return 0 (or a
 *           count) or -errno as the kernel reported it, and leave the
 *           extended-ack message of the last request in nl->extack.
 *           kst_stats_reset(), kst_filter_attach(), kst_filter_detach().
 * Topics:   kst_open(), kst_info(), kst_set_flags(), kst_poll(),
 *           kst_wr(), kst_rd(), kst_seek(), kst_fionread(), kst_fill(),
 *           kst_check_fill(), kst_wr_msg(), kst_fill_until_eagain().
 * Waiting:  kst_wait_sleeping(), kst_wait_pid_sleeping(),
 *           kst_deadline_ms(), kst_join_ms().
 * Audit:    kst_audit_open(), kst_audit_count().
 *
 * Nothing above uses the kselftest harness, so those helpers may be called
 * from threads and forked children.  When kselftest_harness.h is included
 * first, the last part adds what fixtures share: KST_MK(), KST_OPEN(),
 * KST_STAT(), kst_fixture_load() and the teardowns.
 */
#ifndef KSFT_KSTREAM_H
#define KSFT_KSTREAM_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/kstream.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ------------------------------------------------------------ module */

/* Path of the kstream.ko built for the running kernel (set by the suite). */
static inline const char *kst_module_path(void)
{
	const char *p = getenv("KSTREAM_KO");

	return p ? p : "kstream.ko";
}

/* Load kstream.ko; returns 0 or -errno. */
static inline int kst_load(const char *params)
{
	int fd = open(kst_module_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload kstream; returns 0 or -errno (EBUSY/EWOULDBLOCK while in use). */
static inline int kst_unload(void)
{
	return syscall(SYS_delete_module, "kstream", O_NONBLOCK) ? -errno : 0;
}

static inline int kst_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static inline int kst_loaded(void)
{
	return kst_path_exists("/sys/module/kstream");
}

/* Generic netlink family id of "kstream", or -errno / negative libnl code. */
static inline int kst_family_id(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id;

	if (!sk)
		return -ENOMEM;
	id = genl_connect(sk);
	if (!id)
		id = genl_ctrl_resolve(sk, KSTREAM_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

/* ----------------------------------------------------------- netlink */

struct kst_nl {
	struct nl_sock *sk;
	int family;
	char extack[512];	/* NLMSGERR_ATTR_MSG of the last request, or "" */
	int extack_offs;	/* NLMSGERR_ATTR_OFFS, or -1 */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	int miss_nest;		/* NLMSGERR_ATTR_MISS_NEST, or -1 */
};

/* One entry of a topic's KSTREAM_A_TOPIC_ACL. */
struct kst_acl_entry {
	__u32 type, id, rights;
};

/* What a topic reply (NEW, GET, dump) carried. */
struct kst_topic {
	char name[KSTREAM_NAME_MAX + 1];
	char filter[KSTREAM_NAME_MAX + 1];	/* KSTREAM_A_FILTER_NAME */
	char deadletter[KSTREAM_NAME_MAX + 1];	/* KSTREAM_A_TOPIC_DEADLETTER */
	__u32 id, ring_size, msg_max, policy, uid, gid;
	__u16 mode;
	__u64 stats[KSTREAM_STAT_MAX + 1];
	struct kst_acl_entry acl[KSTREAM_ACL_MAX_ENTRIES + 1];
	int nr_acl;		/* entries in the reply (may exceed the array) */
	int acl_bad;		/* an entry without type, id or rights */
	__u32 attrs;		/* bit n: KSTREAM_A_n present, ABI length */
	__u32 bad_len;		/* bit n: KSTREAM_A_n present, wrong length */
	__u64 stats_present;	/* bit n: KSTREAM_STAT_n present (u64) */
	__u64 stats_bad_len;	/* bit n: KSTREAM_STAT_n of wrong length */
};

/* Attributes every topic reply must carry. */
#define KST_TOPIC_ATTRS_ALL \
	((1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_ID) | \
	 (1U << KSTREAM_A_TOPIC_RING_SIZE) | (1U << KSTREAM_A_TOPIC_MSG_MAX) | \
	 (1U << KSTREAM_A_TOPIC_POLICY) | (1U << KSTREAM_A_TOPIC_MODE) | \
	 (1U << KSTREAM_A_TOPIC_UID) | (1U << KSTREAM_A_TOPIC_GID) | \
	 (1U << KSTREAM_A_TOPIC_STATS))
/* Counters every stats nest must carry. */
#define KST_STATS_ALL (((1U << (KSTREAM_STAT_RING_USED + 1)) - 1) & \
		       ~(1U << KSTREAM_STAT_UNSPEC))

/* Optional attributes of kst_topic_create(). */
#define KST_SET_RING	(1U << 0)
#define KST_SET_MSG_MAX	(1U << 1)
#define KST_SET_POLICY	(1U << 2)
#define KST_SET_MODE	(1U << 3)
#define KST_SET_UID	(1U << 4)
#define KST_SET_GID	(1U << 5)

struct kst_topic_opts {
	const char *name;	/* NULL: no KSTREAM_A_TOPIC_NAME at all */
	unsigned int set;	/* KST_SET_* */
	__u32 ring_size, msg_max, policy;
	__u16 mode;
	__u32 uid, gid;
};

/*
 * Parses reply number @i (attributes @head, @len bytes) of a request into
 * @arg; kst__request_parse() calls it for every reply.
 */
typedef void (*kst_reply_fn)(struct nlattr *head, int len, int i, void *arg);

/* One request in flight: what came back. */
struct kst__req {
	struct kst_nl *nl;
	kst_reply_fn parse;
	void *arg;
	int n;
	int err;
	int done;
};

static inline int kst__attr_len_ok(int type, int len)
{
	switch (type) {
	case KSTREAM_A_TOPIC_NAME:
	case KSTREAM_A_FILTER_NAME:
	case KSTREAM_A_TOPIC_DEADLETTER:
		return len >= 1 && len <= KSTREAM_NAME_MAX;
	case KSTREAM_A_TOPIC_MODE:
		return len == 2;
	case KSTREAM_A_TOPIC_STATS:
	case KSTREAM_A_TOPIC_READERS:	/* nests */
	case KSTREAM_A_TOPIC_ACL:
		return 1;
	default:
		return len == 4;
	}
}

/* Parse the attributes of a topic reply into *t. */
static inline void kst__parse_acl(struct nlattr *nest, struct kst_topic *t)
{
	struct nlattr *e, *f;
	int rem, frem;

	nla_for_each_nested(e, nest, rem) {
		struct kst_acl_entry x = { 0 };
		int have = 0;

		if (nla_type(e) != KSTREAM_A_ACL_ENTRY) {
			t->acl_bad = 1;
			continue;
		}
		nla_for_each_nested(f, e, frem) {
			if (nla_len(f) != 4) {
				t->acl_bad = 1;
				continue;
			}
			switch (nla_type(f)) {
			case KSTREAM_ACL_A_TYPE:
				x.type = nla_get_u32(f);
				have |= 1;
				break;
			case KSTREAM_ACL_A_ID:
				x.id = nla_get_u32(f);
				have |= 2;
				break;
			case KSTREAM_ACL_A_RIGHTS:
				x.rights = nla_get_u32(f);
				have |= 4;
				break;
			}
		}
		if (have != 7)
			t->acl_bad = 1;
		if (t->nr_acl < KSTREAM_ACL_MAX_ENTRIES + 1)
			t->acl[t->nr_acl] = x;
		t->nr_acl++;
	}
}

static inline void kst_parse_topic(struct nlattr *head, int len,
				   struct kst_topic *t)
{
	struct nlattr *a, *s;
	int rem, srem;

	memset(t, 0, sizeof(*t));
	nla_for_each_attr(a, head, len, rem) {
		int type = nla_type(a), alen = nla_len(a);

		if (type <= 0 || type > KSTREAM_A_MAX)
			continue;
		if (!kst__attr_len_ok(type, alen)) {
			t->bad_len |= 1U << type;
			continue;
		}
		t->attrs |= 1U << type;
		switch (type) {
		case KSTREAM_A_TOPIC_NAME:
			memcpy(t->name, nla_data(a), alen);
			t->name[alen] = '\0';
			/* The ABI says NUL-terminated: flag a name that is not. */
			if (((char *)nla_data(a))[alen - 1] != '\0')
				t->bad_len |= 1U << type;
			break;
		case KSTREAM_A_FILTER_NAME:
			memcpy(t->filter, nla_data(a), alen);
			t->filter[alen] = '\0';
			break;
		case KSTREAM_A_TOPIC_DEADLETTER:
			memcpy(t->deadletter, nla_data(a), alen);
			t->deadletter[alen] = '\0';
			break;
		case KSTREAM_A_TOPIC_ID:
			t->id = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_RING_SIZE:
			t->ring_size = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_MSG_MAX:
			t->msg_max = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_POLICY:
			t->policy = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_MODE:
			t->mode = nla_get_u16(a);
			break;
		case KSTREAM_A_TOPIC_UID:
			t->uid = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_GID:
			t->gid = nla_get_u32(a);
			break;
		case KSTREAM_A_TOPIC_STATS:
			nla_for_each_nested(s, a, srem) {
				int st = nla_type(s);

				if (st <= 0 || st > KSTREAM_STAT_MAX ||
				    st == KSTREAM_STAT_PAD)
					continue;
				/* binary, u64[KSTREAM_LAT_BUCKETS]: stats_test.c */
				if (st == KSTREAM_STAT_LATENCY) {
					if (nla_len(s) != KSTREAM_LAT_BUCKETS * 8)
						t->stats_bad_len |= 1ULL << st;
					continue;
				}
				if (nla_len(s) != 8) {
					t->stats_bad_len |= 1ULL << st;
					continue;
				}
				t->stats_present |= 1ULL << st;
				memcpy(&t->stats[st], nla_data(s), 8);
			}
			break;
		case KSTREAM_A_TOPIC_ACL:
			kst__parse_acl(a, t);
			break;
		}
	}
}

static inline int kst__valid_cb(struct nl_msg *msg, void *arg)
{
	struct kst__req *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(h);

	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NL_SKIP;
	if (r->parse)
		r->parse(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), r->n,
			 r->arg);
	r->n++;
	return NL_OK;
}

/* Record the extended ack (message, offset) carried by an error/ack. */
static inline void kst__parse_extack(struct kst_nl *nl, struct nlmsghdr *h,
				     struct nlmsgerr *e)
{
	struct nlattr *a;
	size_t off = sizeof(*e);
	int rem;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);	/* the TLVs start aligned */
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	nla_for_each_attr(a, (struct nlattr *)((char *)e + off),
			  (int)(h->nlmsg_len - NLMSG_HDRLEN - off), rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			size_t n = nla_len(a);

			if (n >= sizeof(nl->extack))
				n = sizeof(nl->extack) - 1;
			memcpy(nl->extack, nla_data(a), n);
			nl->extack[n] = '\0';
		} else if (nla_type(a) == NLMSGERR_ATTR_OFFS && nla_len(a) == 4) {
			nl->extack_offs = (int)nla_get_u32(a);
		} else if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
			   nla_len(a) == 4) {
			nl->miss_type = (int)nla_get_u32(a);
		} else if (nla_type(a) == NLMSGERR_ATTR_MISS_NEST &&
			   nla_len(a) == 4) {
			nl->miss_nest = (int)nla_get_u32(a);
		}
	}
}

static inline int kst__err_cb(struct sockaddr_nl *who, struct nlmsgerr *e,
			      void *arg)
{
	struct kst__req *r = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	(void)who;
	kst__parse_extack(r->nl, h, e);
	r->err = e->error;
	r->done = 1;
	return NL_STOP;
}

static inline int kst__ack_cb(struct nl_msg *msg, void *arg)
{
	struct kst__req *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	kst__parse_extack(r->nl, h, nlmsg_data(h));
	r->done = 1;
	return NL_STOP;
}

static inline int kst__finish_cb(struct nl_msg *msg, void *arg)
{
	struct kst__req *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *a;
	int err, rem;

	/* NLMSG_DONE of a dump carries the dump's status, then ack TLVs. */
	if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(h), sizeof(err));
		if (err < 0)
			r->err = err;
	}
	if (r->err && (h->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    h->nlmsg_len > NLMSG_HDRLEN + sizeof(int)) {
		a = (struct nlattr *)((char *)nlmsg_data(h) + sizeof(int));
		rem = (int)(h->nlmsg_len - NLMSG_HDRLEN - sizeof(int));
		for (; nla_ok(a, rem); a = nla_next(a, &rem))
			if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0)
				snprintf(r->nl->extack, sizeof(r->nl->extack),
					 "%.*s", nla_len(a), (char *)nla_data(a));
	}
	r->done = 1;
	return NL_STOP;
}

/*
 * Send msg (consumed) and hand every reply to parse (if not NULL) until
 * the ack, the error or the end of the dump.  Returns 0 or -errno; *n (if
 * not NULL) gets the number of replies.
 */
static inline int kst__request_parse(struct kst_nl *nl, struct nl_msg *msg,
				     kst_reply_fn parse, void *arg, int *n)
{
	struct kst__req r = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	nl->extack[0] = '\0';
	nl->extack_offs = -1;
	nl->miss_type = -1;
	nl->miss_nest = -1;
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, kst__valid_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, kst__ack_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, kst__finish_cb, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, kst__err_cb, &r);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (!r.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !r.done) {
			nl_cb_put(cb);
			return -EIO;
		}
	}
	nl_cb_put(cb);
	if (n)
		*n = r.n;
	return r.err;
}

/* Topic replies into a kst_topic array. */
struct kst__topics {
	struct kst_topic *out;
	int max;
};

static inline void kst__topic_reply(struct nlattr *head, int len, int i,
				    void *arg)
{
	struct kst__topics *t = arg;

	if (i < t->max)
		kst_parse_topic(head, len, &t->out[i]);
}

/* kst__request_parse() collecting topic replies into out[0..max). */
static inline int kst__request(struct kst_nl *nl, struct nl_msg *msg,
			       struct kst_topic *out, int max, int *n)
{
	struct kst__topics t = { .out = out, .max = max };

	return kst__request_parse(nl, msg, out ? kst__topic_reply : NULL, &t, n);
}

/* A kstream request (cmd, flags) without attributes, or NULL. */
static inline struct nl_msg *kst__msg(struct kst_nl *nl, __u8 cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, KSTREAM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Open a kstream netlink socket with extended acks; 0 or -errno. */
static inline int kst_nl_open(struct kst_nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->extack_offs = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	if (genl_connect(nl->sk))
		goto fail;
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)))
		goto fail;
	nl->family = genl_ctrl_resolve(nl->sk, KSTREAM_GENL_NAME);
	if (nl->family < 0) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -ENOENT;
	}
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return -EIO;
}

static inline void kst_nl_close(struct kst_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/*
 * KSTREAM_CMD_TOPIC_NEW (or _SET: kst_topic_set()) with the attributes
 * opts sets.  Returns 0 or -errno; *reply (if not NULL) gets the topic
 * the kernel replied with (reply->attrs == 0 if there was none).
 */
static inline int kst__topic_cmd(struct kst_nl *nl, __u8 cmd,
				 const struct kst_topic_opts *o,
				 struct kst_topic *reply)
{
	struct nl_msg *msg = kst__msg(nl, cmd, 0);
	struct kst_topic dummy;
	int n = 0, ret;

	if (!msg)
		return -ENOMEM;
	if ((o->name && nla_put_string(msg, KSTREAM_A_TOPIC_NAME, o->name)) ||
	    ((o->set & KST_SET_RING) &&
	     nla_put_u32(msg, KSTREAM_A_TOPIC_RING_SIZE, o->ring_size)) ||
	    ((o->set & KST_SET_MSG_MAX) &&
	     nla_put_u32(msg, KSTREAM_A_TOPIC_MSG_MAX, o->msg_max)) ||
	    ((o->set & KST_SET_POLICY) &&
	     nla_put_u32(msg, KSTREAM_A_TOPIC_POLICY, o->policy)) ||
	    ((o->set & KST_SET_MODE) &&
	     nla_put_u16(msg, KSTREAM_A_TOPIC_MODE, o->mode)) ||
	    ((o->set & KST_SET_UID) &&
	     nla_put_u32(msg, KSTREAM_A_TOPIC_UID, o->uid)) ||
	    ((o->set & KST_SET_GID) &&
	     nla_put_u32(msg, KSTREAM_A_TOPIC_GID, o->gid))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	if (!reply)
		reply = &dummy;
	memset(reply, 0, sizeof(*reply));
	ret = kst__request(nl, msg, reply, 1, &n);
	if (n == 0)
		memset(reply, 0, sizeof(*reply));
	return ret;
}

static inline int kst_topic_create(struct kst_nl *nl,
				   const struct kst_topic_opts *o,
				   struct kst_topic *reply)
{
	return kst__topic_cmd(nl, KSTREAM_CMD_TOPIC_NEW, o, reply);
}

/* KSTREAM_CMD_TOPIC_SET: ring_size is sent if set (the kernel refuses it). */
static inline int kst_topic_set(struct kst_nl *nl,
				const struct kst_topic_opts *o,
				struct kst_topic *reply)
{
	return kst__topic_cmd(nl, KSTREAM_CMD_TOPIC_SET, o, reply);
}

/* The u32 attribute r->type of a reply, into r->v (found: r->found). */
struct kst__u32_reply {
	int type;
	__u32 v;
	int found;
};

static inline void kst__u32_parse(struct nlattr *head, int len, int i,
				  void *arg)
{
	struct kst__u32_reply *r = arg;
	struct nlattr *a;
	int rem;

	(void)i;
	nla_for_each_attr(a, head, len, rem)
		if (nla_type(a) == r->type && nla_len(a) == 4) {
			r->v = nla_get_u32(a);
			r->found = 1;
		}
}

/* KSTREAM_CMD_CONFIG_GET: the creator gid (or _NONE); 0 or -errno. */
static inline int kst_config_get_creator(struct kst_nl *nl, __u32 *gid)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_CONFIG_GET, 0);
	struct kst__u32_reply r = { .type = KSTREAM_A_CREATOR_GID };
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = kst__request_parse(nl, msg, kst__u32_parse, &r, NULL);
	if (!ret && !r.found)
		return -EPROTO;
	*gid = r.v;
	return ret;
}

/* KSTREAM_CMD_CONFIG_SET of the creator gid; 0 or -errno. */
static inline int kst_config_set_creator(struct kst_nl *nl, __u32 gid)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_CONFIG_SET, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KSTREAM_A_CREATOR_GID, gid)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request(nl, msg, NULL, 0, NULL);
}

/* Create name with ring size / msg_max (0: default) and policy. */
static inline int kst_create(struct kst_nl *nl, const char *name,
			     __u32 ring_size, __u32 msg_max, __u32 policy)
{
	struct kst_topic_opts o = {
		.name = name, .set = KST_SET_POLICY, .policy = policy,
		.ring_size = ring_size, .msg_max = msg_max,
	};

	if (ring_size)
		o.set |= KST_SET_RING;
	if (msg_max)
		o.set |= KST_SET_MSG_MAX;
	return kst_topic_create(nl, &o, NULL);
}

/* KSTREAM_CMD_TOPIC_DEL; 0 or -errno. */
static inline int kst_topic_delete(struct kst_nl *nl, const char *name)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_TOPIC_DEL, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request(nl, msg, NULL, 0, NULL);
}

/*
 * KSTREAM_CMD_ACL_ADD / _DEL of the entry type:id with rights (rights < 0:
 * no KSTREAM_ACL_A_RIGHTS attribute).  0 or -errno, extack in nl->extack.
 */
static inline int kst__acl(struct kst_nl *nl, __u8 cmd, const char *name,
			   __u32 type, __u32 id, long long rights)
{
	struct nl_msg *msg = kst__msg(nl, cmd, 0);
	struct nlattr *e;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name))
		goto full;
	e = nla_nest_start(msg, KSTREAM_A_ACL_ENTRY);
	if (!e || nla_put_u32(msg, KSTREAM_ACL_A_TYPE, type) ||
	    nla_put_u32(msg, KSTREAM_ACL_A_ID, id) ||
	    (rights >= 0 && nla_put_u32(msg, KSTREAM_ACL_A_RIGHTS, rights)))
		goto full;
	nla_nest_end(msg, e);
	return kst__request(nl, msg, NULL, 0, NULL);
full:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static inline int kst_acl_add(struct kst_nl *nl, const char *name,
			      __u32 type, __u32 id, __u32 rights)
{
	return kst__acl(nl, KSTREAM_CMD_ACL_ADD, name, type, id, rights);
}

/* rights < 0: revoke every right of the entry (no RIGHTS attribute). */
static inline int kst_acl_del(struct kst_nl *nl, const char *name,
			      __u32 type, __u32 id, long long rights)
{
	return kst__acl(nl, KSTREAM_CMD_ACL_DEL, name, type, id, rights);
}

/*
 * Command cmd with KSTREAM_A_TOPIC_NAME topic and KSTREAM_A_FILTER_NAME
 * filter (each left out if NULL), no reply wanted but the ack; 0 or
 * -errno, extack in nl->extack.
 */
static inline int kst_name_request(struct kst_nl *nl, __u8 cmd,
				   const char *topic, const char *filter)
{
	struct nl_msg *msg = kst__msg(nl, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if ((topic && nla_put_string(msg, KSTREAM_A_TOPIC_NAME, topic)) ||
	    (filter && nla_put_string(msg, KSTREAM_A_FILTER_NAME, filter))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request(nl, msg, NULL, 0, NULL);
}

/* KSTREAM_CMD_STATS_RESET; 0 or -errno. */
static inline int kst_stats_reset(struct kst_nl *nl, const char *topic)
{
	return kst_name_request(nl, KSTREAM_CMD_STATS_RESET, topic, NULL);
}

/* KSTREAM_CMD_FILTER_ATTACH, _DETACH; 0 or -errno. */
static inline int kst_filter_attach(struct kst_nl *nl, const char *topic,
				    const char *filter)
{
	return kst_name_request(nl, KSTREAM_CMD_FILTER_ATTACH, topic, filter);
}

static inline int kst_filter_detach(struct kst_nl *nl, const char *topic)
{
	return kst_name_request(nl, KSTREAM_CMD_FILTER_DETACH, topic, NULL);
}

/* The rights of entry type:id in a topic reply, or -1 if it has none. */
static inline long long kst_acl_find(const struct kst_topic *t, __u32 type,
				     __u32 id)
{
	int i;

	for (i = 0; i < t->nr_acl && i <= KSTREAM_ACL_MAX_ENTRIES; i++)
		if (t->acl[i].type == type && t->acl[i].id == id)
			return t->acl[i].rights;
	return -1;
}

/* KSTREAM_CMD_TOPIC_GET of one topic; 0 (and *t) or -errno. */
static inline int kst_topic_get(struct kst_nl *nl, const char *name,
				struct kst_topic *t)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_TOPIC_GET, 0);
	int n = 0, ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	memset(t, 0, sizeof(*t));
	ret = kst__request(nl, msg, t, 1, &n);
	if (!ret && n != 1)
		return -EPROTO;
	return ret;
}

/* The stats of one topic into stats[0..KSTREAM_STAT_MAX]; 0 or -errno. */
static inline int kst_topic_stats(struct kst_nl *nl, const char *name,
				  __u64 *stats)
{
	struct kst_topic t;
	int ret = kst_topic_get(nl, name, &t);

	if (ret)
		return ret;
	if ((t.stats_present & KST_STATS_ALL) != KST_STATS_ALL)
		return -EPROTO;
	memcpy(stats, t.stats, sizeof(t.stats));
	return 0;
}

/* One counter of a topic, or (__u64)-1 on error. */
static inline __u64 kst_stat(struct kst_nl *nl, const char *name, int which)
{
	__u64 stats[KSTREAM_STAT_MAX + 1];

	if (kst_topic_stats(nl, name, stats))
		return (__u64)-1;
	return stats[which];
}

/*
 * Dump every topic (NLM_F_DUMP) into out[0..max).  Returns the number of
 * topics (which may exceed max) or -errno.
 */
static inline int kst_topic_dump(struct kst_nl *nl, struct kst_topic *out,
				 int max)
{
	struct nl_msg *msg = kst__msg(nl, KSTREAM_CMD_TOPIC_GET, NLM_F_DUMP);
	int n = 0, ret;

	if (!msg)
		return -ENOMEM;
	ret = kst__request(nl, msg, out, max, &n);
	return ret ? ret : n;
}

/*
 * The names of every topic, in dump (id) order, into names[0..max).
 * Returns the number of topics (which may exceed max) or -errno.
 */
static inline int kst_topic_names(struct kst_nl *nl,
				  char (*names)[KSTREAM_NAME_MAX + 1], int max)
{
	struct kst_topic *t = calloc(max > 0 ? max : 1, sizeof(*t));
	int n, i;

	if (!t)
		return -ENOMEM;
	n = kst_topic_dump(nl, t, max);
	for (i = 0; i < n && i < max; i++)
		memcpy(names[i], t[i].name, sizeof(names[i]));
	free(t);
	return n;
}

/* A hand-made attribute stream for kst_nl_raw(). */
struct kst_buf {
	unsigned char data[2048];
	size_t len;
};

/* Append raw bytes (no alignment). */
static inline void kst_buf_bytes(struct kst_buf *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->data))
		abort();
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Append an attribute whose payload is len bytes of p, padded to 4. */
static inline void kst_buf_attr(struct kst_buf *b, __u16 type, const void *p,
				__u16 len)
{
	struct nlattr h = { .nla_len = NLA_HDRLEN + len, .nla_type = type };
	static const unsigned char zero[4];

	kst_buf_bytes(b, &h, sizeof(h));
	kst_buf_bytes(b, p, len);
	kst_buf_bytes(b, zero, NLA_ALIGN(len) - len);
}

static inline void kst_buf_str(struct kst_buf *b, __u16 type, const char *s)
{
	kst_buf_attr(b, type, s, strlen(s) + 1);
}

static inline void kst_buf_u32(struct kst_buf *b, __u16 type, __u32 v)
{
	kst_buf_attr(b, type, &v, sizeof(v));
}

static inline void kst_buf_u16(struct kst_buf *b, __u16 type, __u16 v)
{
	kst_buf_attr(b, type, &v, sizeof(v));
}

/*
 * Send command cmd (with nlmsg flags) whose payload after the genl header
 * is exactly b's bytes (b may be NULL).  Returns 0 or -errno, extack in
 * nl->extack; replies (if any) into out[0..max).
 */
static inline int kst_nl_raw(struct kst_nl *nl, __u8 cmd, int flags,
			     const struct kst_buf *b, struct kst_topic *out,
			     int max)
{
	struct nl_msg *msg = kst__msg(nl, cmd, flags);

	if (!msg)
		return -ENOMEM;
	if (b && b->len && nlmsg_append(msg, (void *)b->data, b->len, 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kst__request(nl, msg, out, max, NULL);
}

/* Delete every topic (a dump, then one delete each); count or -errno. */
static inline int kst_delete_all(struct kst_nl *nl)
{
	struct kst_topic *t = calloc(256, sizeof(*t));
	int n, i, ret = 0;

	if (!t)
		return -ENOMEM;
	n = kst_topic_dump(nl, t, 256);
	if (n < 0) {
		free(t);
		return n;
	}
	for (i = 0; i < n && i < 256; i++) {
		int err = kst_topic_delete(nl, t[i].name);

		if (err && err != -ENOENT && !ret)
			ret = err;
	}
	free(t);
	return ret ? ret : n;
}

/*
 * Bring the module to "not loaded" whatever a previous (killed) test left:
 * delete its topics and unload it.  0 or -errno.
 */
static inline int kst_reset(void)
{
	struct kst_nl nl;

	if (!kst_loaded())
		return 0;
	if (!kst_nl_open(&nl)) {
		kst_delete_all(&nl);
		kst_nl_close(&nl);
	}
	return kst_unload();
}

/* ---------------------------------------------------------- topic fds */

#define KST_DEV_DIR "/dev/" KSTREAM_CLASS_NAME

static inline void kst_dev_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, KST_DEV_DIR "/%s", name);
}

/* open(/dev/stream/name, flags); fd or -errno. */
static inline int kst_open(const char *name, int flags)
{
	char path[128];
	int fd;

	kst_dev_path(path, sizeof(path), name);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline int kst_info(int fd, struct kstream_fd_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return ioctl(fd, KSTREAM_IOC_INFO, info) ? -errno : 0;
}

static inline int kst_set_flags(int fd, __u32 flags)
{
	return ioctl(fd, KSTREAM_IOC_SET_FLAGS, &flags) ? -errno : 0;
}

/* poll(2) one fd for events; returns revents (0 on timeout) or -errno. */
static inline int kst_poll(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

static inline __u64 kst_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Is the task whose stat file is @path asleep (state S or D)? -errno if gone. */
static inline int kst__stat_sleeping(const char *path)
{
	char buf[512], *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

/* Wait (up to timeout_ms) until the task of stat file @path sleeps. */
static inline int kst__wait_stat_sleeping(const char *path, int timeout_ms)
{
	__u64 end = kst_now_ns(CLOCK_MONOTONIC) + (__u64)timeout_ms * 1000000;

	do {
		int ret = kst__stat_sleeping(path);

		if (ret)
			return ret < 0 ? ret : 0;
		usleep(1000);
	} while (kst_now_ns(CLOCK_MONOTONIC) < end);
	return -ETIMEDOUT;
}

/*
 * Wait (up to timeout_ms) until thread tid of this process is asleep
 * (state S or D), i.e. blocked in the call it announced it was making.
 * 0, or -ETIMEDOUT.
 */
static inline int kst_wait_sleeping(pid_t tid, int timeout_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	return kst__wait_stat_sleeping(path, timeout_ms);
}

/* The same for process pid (a child blocked in a call). */
static inline int kst_wait_pid_sleeping(pid_t pid, int timeout_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return kst__wait_stat_sleeping(path, timeout_ms);
}

/* CLOCK_REALTIME ms from now, for pthread_timedjoin_np(). */
static inline struct timespec kst_deadline_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* Join th within ms: 0, or -ETIMEDOUT. */
static inline int kst_join_ms(pthread_t th, int ms)
{
	struct timespec dl = kst_deadline_ms(ms);

	return pthread_timedjoin_np(th, NULL, &dl) ? -ETIMEDOUT : 0;
}

/* --------------------------------------------------------- data path */

/* write(2), read(2), lseek(2), FIONREAD with -errno for errors. */
static inline ssize_t kst_wr(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

static inline ssize_t kst_rd(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static inline off_t kst_seek(int fd, off_t off, int whence)
{
	off_t r = lseek(fd, off, whence);

	return r < 0 ? -errno : r;
}

static inline int kst_fionread(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -errno : n;
}

/* Payload of test message i: len bytes derived from i. */
static inline void kst_fill(void *buf, size_t len, unsigned int i)
{
	unsigned char *p = buf;
	size_t k;

	for (k = 0; k < len; k++)
		p[k] = (unsigned char)(i * 131 + k * 7 + 3);
}

/* Is buf (len <= 4096) the payload of message i? */
static inline int kst_check_fill(const void *buf, size_t len, unsigned int i)
{
	unsigned char want[4096];

	if (len > sizeof(want))
		return 0;
	kst_fill(want, len, i);
	return !memcmp(buf, want, len);
}

/* Write message i of len bytes; returns write(2)'s result or -errno. */
static inline ssize_t kst_wr_msg(int fd, size_t len, unsigned int i)
{
	unsigned char buf[4096];

	kst_fill(buf, len, i);
	return kst_wr(fd, buf, len);
}

/*
 * Fill a block-policy topic through a non-blocking writer with len-byte
 * messages numbered from *i (from 0 if i is NULL) until EAGAIN; returns
 * how many were written or -errno on another error.
 */
static inline int kst_fill_until_eagain(int wfd, size_t len, unsigned int *i)
{
	unsigned int first = 0, *k = i ? i : &first;
	int n = 0;
	ssize_t r;

	for (;;) {
		r = kst_wr_msg(wfd, len, *k);
		if (r == -EAGAIN)
			return n;
		if (r != (ssize_t)len)
			return r < 0 ? (int)r : -EIO;
		(*k)++;
		if (++n > 100000)
			return -E2BIG;
	}
}

/* ------------------------------------------------------------- audit */

/*
 * A socket on the audit multicast group: every audit record, auditd or
 * not (root has CAP_AUDIT_READ).  -errno if audit is unavailable.
 */
static inline int kst_audit_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1),
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * The number of AUDIT_KERNEL_OTHER records containing every one of the
 * NULL-terminated strings that arrive within @ms milliseconds; returns as
 * soon as one did if @first.
 */
static inline int kst_audit_count(int fd, int ms, int first, ...)
{
	char buf[8192];
	int found = 0;
	__u64 end = kst_now_ns(CLOCK_MONOTONIC) + (__u64)ms * 1000000;

	for (;;) {
		__u64 now = kst_now_ns(CLOCK_MONOTONIC);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *h;
		ssize_t n;

		if (now >= end || (first && found))
			return found;
		if (poll(&p, 1, (int)((end - now) / 1000000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			char *text = NLMSG_DATA(h);
			const char *s;
			va_list ap;
			int all = 1;

			if (h->nlmsg_type != AUDIT_KERNEL_OTHER)
				continue;
			text[h->nlmsg_len - NLMSG_HDRLEN] = '\0';
			va_start(ap, first);
			while ((s = va_arg(ap, const char *)))
				if (!strstr(text, s))
					all = 0;
			va_end(ap);
			found += all;
		}
	}
}

/* One record with every string, within 5 s: 1, or 0 if none came. */
#define KST_AUDITED(fd, ...) kst_audit_count(fd, 5000, 1, __VA_ARGS__, NULL)

/* ------------------------------------------------- kselftest fixtures */

#ifdef __KSELFTEST_HARNESS_H

/*
 * For tests of fixtures holding a struct kst_nl nl: create a topic, open
 * its node, read one counter, asserting (with the extack in the log).
 */
#define KST_MK(name, ring, msg_max, policy) \
	ASSERT_EQ(0, kst_create(&self->nl, (name), (ring), (msg_max), (policy))) \
		TH_LOG("create %s: %s", (name), self->nl.extack)

#define KST_OPEN(name, flags) ({					\
	int __fd = kst_open((name), (flags));				\
	ASSERT_LE(0, __fd) TH_LOG("open %s: %d", (name), __fd);	\
	__fd; })

#define KST_STAT(name, which) kst_stat(&self->nl, (name), (which))

/*
 * FIXTURE_SETUP of the suites: whatever an earlier (killed) test left is
 * cleared, the module loaded with @params, nl opened.
 */
static inline void kst_fixture_load(struct __test_metadata *_metadata,
				    struct kst_nl *nl, const char *params)
{
	ASSERT_EQ(0, kst_reset());
	ASSERT_EQ(0, kst_load(params));
	ASSERT_EQ(0, kst_nl_open(nl));
}

/*
 * FIXTURE_TEARDOWN, in the test's process: delete every topic first (it
 * wakes any thread a failed test left blocked), close every fd but nl's,
 * close nl.  Returns whether the module is loaded (for the caller to
 * unload it).
 */
static inline int kst_fixture_close(struct __test_metadata *_metadata,
				    struct kst_nl *nl)
{
	int fd, nlfd = nl->sk ? nl_socket_get_fd(nl->sk) : -1;

	if (!kst_loaded()) {
		kst_nl_close(nl);
		return 0;
	}
	EXPECT_LE(0, kst_delete_all(nl));
	for (fd = 3; fd < 1024; fd++)
		if (fd != nlfd)
			close(fd);
	kst_nl_close(nl);
	return 1;
}

/* The same, and unload the module. */
static inline void kst_fixture_unload(struct __test_metadata *_metadata,
				      struct kst_nl *nl)
{
	if (kst_fixture_close(_metadata, nl))
		EXPECT_EQ(0, kst_unload());
}

/*
 * FIXTURE_TEARDOWN_PARENT, once the test's process (its fds, mappings,
 * threads and children) is gone: delete the topics, unload the module.
 */
static inline void kst_fixture_unload_parent(struct __test_metadata *_metadata)
{
	struct kst_nl nl;

	if (!kst_loaded())
		return;
	if (!kst_nl_open(&nl)) {
		EXPECT_LE(0, kst_delete_all(&nl));
		kst_nl_close(&nl);
	}
	EXPECT_EQ(0, kst_unload());
}

/*
 * The usual fixture: a netlink socket nl, the module loaded by
 * kst_fixture_load() and unloaded by kst_fixture_unload().  Variants may
 * follow it.
 */
#define KST_FIXTURE(name)						\
	FIXTURE(name) {							\
		struct kst_nl nl;					\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		kst_fixture_load(_metadata, &self->nl, NULL);		\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		kst_fixture_unload(_metadata, &self->nl);		\
	}

#endif /* __KSELFTEST_HARNESS_H */

#endif /* KSFT_KSTREAM_H */
