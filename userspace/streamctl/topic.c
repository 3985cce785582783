// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl topic add|set|del|show|list|deadletter: manage kstream topics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "json.h"
#include "nl.h"
#include "nlerr.h"
#include "nodeacl.h"
#include "producer.h"
#include "streamctl.h"
#include "topic.h"
#include "topicopts.h"

/* What to do with the topics the kernel replies with. */
struct topic_out {
	bool json;
	bool names_only;	/* topic list */
	bool silent;		/* topic add without -j */
	bool array;		/* a dump: all topics, as a JSON array */
	unsigned int count;	/* topics received */
	struct json j;
};

static const struct nla_policy topic_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME]		= { .type = NLA_STRING },
	[KSTREAM_A_TOPIC_ID]		= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_RING_SIZE]	= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_MSG_MAX]	= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_POLICY]	= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_MODE]		= { .type = NLA_U16 },
	[KSTREAM_A_TOPIC_UID]		= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_GID]		= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_STATS]		= { .type = NLA_NESTED },
	[KSTREAM_A_FILTER_NAME]		= { .type = NLA_STRING },
	[KSTREAM_A_TOPIC_ACL]		= { .type = NLA_NESTED },
	[KSTREAM_A_TOPIC_PRODUCERS_MAX]	= { .type = NLA_U32 },
	[KSTREAM_A_PRODUCER_ID]		= { .type = NLA_U64 },
	[KSTREAM_A_PRODUCER_LAST_SEQ]	= { .type = NLA_U64 },
	[KSTREAM_A_PRODUCER_FLAGS]	= { .type = NLA_U32 },
	[KSTREAM_A_TOPIC_DEADLETTER]	= { .type = NLA_STRING },
};

static const struct nla_policy acl_entry_policy[KSTREAM_ACL_A_MAX + 1] = {
	[KSTREAM_ACL_A_TYPE]		= { .type = NLA_U32 },
	[KSTREAM_ACL_A_ID]		= { .type = NLA_U32 },
	[KSTREAM_ACL_A_RIGHTS]		= { .type = NLA_U32 },
};

static const struct nla_policy topic_stats_policy[KSTREAM_STAT_MAX + 1] = {
	[KSTREAM_STAT_PUBLISHED]	= { .type = NLA_U64 },
	[KSTREAM_STAT_PUBLISHED_BYTES]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED]		= { .type = NLA_U64 },
	[KSTREAM_STAT_LOST]		= { .type = NLA_U64 },
	[KSTREAM_STAT_READERS]		= { .type = NLA_U64 },
	[KSTREAM_STAT_WRITERS]		= { .type = NLA_U64 },
	[KSTREAM_STAT_HEAD_SEQ]		= { .type = NLA_U64 },
	[KSTREAM_STAT_TAIL_SEQ]		= { .type = NLA_U64 },
	[KSTREAM_STAT_RING_USED]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED_FILTER]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED_SAMPLE]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED_RATELIMIT] = { .type = NLA_U64 },
	[KSTREAM_STAT_DELIVERED]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DELIVERED_BYTES]	= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_EMPTY]	= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_TOO_BIG]	= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_FULL]		= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_INTR]		= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_FAULT]	= { .type = NLA_U64 },
	[KSTREAM_STAT_ERR_GONE]		= { .type = NLA_U64 },
	[KSTREAM_STAT_MAX_LAG]		= { .type = NLA_U64 },
	[KSTREAM_STAT_MAX_LAG_BYTES]	= { .type = NLA_U64 },
	/* KSTREAM_STAT_LATENCY: binary, parsed by stats.c */
	[KSTREAM_STAT_DENIED]		= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED_DUPLICATE] = { .type = NLA_U64 },
	[KSTREAM_STAT_PRODUCER_GAPS]	= { .type = NLA_U64 },
	[KSTREAM_STAT_PRODUCERS_EVICTED] = { .type = NLA_U64 },
	[KSTREAM_STAT_PRODUCERS]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DROPPED_DEADLETTER] = { .type = NLA_U64 },
	[KSTREAM_STAT_DEADLETTERED]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DEADLETTER_LOST]	= { .type = NLA_U64 },
	[KSTREAM_STAT_DEADLETTER_IN]	= { .type = NLA_U64 },
};

/* --------------------------------------------------------- requests */

static int topic_put_opts(struct nl_msg *msg, const struct topic_opts *o)
{
	int err = 0;

	if (o->name[0])
		err |= nla_put_string(msg, KSTREAM_A_TOPIC_NAME, o->name);
	if (o->set & TOPIC_OPT_SIZE)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_RING_SIZE, o->ring_size);
	if (o->set & TOPIC_OPT_MSGMAX)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_MSG_MAX, o->msg_max);
	if (o->set & TOPIC_OPT_POLICY)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_POLICY, o->policy);
	if (o->set & TOPIC_OPT_MODE)
		err |= nla_put_u16(msg, KSTREAM_A_TOPIC_MODE, o->mode);
	if (o->set & TOPIC_OPT_OWNER)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_UID, o->uid);
	if (o->set & TOPIC_OPT_GROUP)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_GID, o->gid);
	if (o->set & TOPIC_OPT_PRODUCERS)
		err |= nla_put_u32(msg, KSTREAM_A_TOPIC_PRODUCERS_MAX,
				   o->producers_max);
	if (o->set & TOPIC_OPT_DEADLETTER)
		err |= nla_put_string(msg, KSTREAM_A_TOPIC_DEADLETTER,
				      o->deadletter);
	return err;
}

/* A request for cmd with the attributes of o, or NULL (out of memory). */
static struct nl_msg *topic_msg(const struct kst_nl *nl, uint8_t cmd,
				int flags, const struct topic_opts *o)
{
	struct nl_msg *msg = kst_nl_msg(nl, cmd, flags);

	if (msg && topic_put_opts(msg, o)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* ---------------------------------------------------------- replies */

static void topic_get_u32(struct nlattr **tb, int attr, uint32_t *v,
			  struct topic_info *t)
{
	if (!tb[attr])
		return;
	*v = nla_get_u32(tb[attr]);
	t->have |= 1U << attr;
}

static int topic_get_stats(struct nlattr *nest, struct topic_info *t)
{
	struct nlattr *st[KSTREAM_STAT_MAX + 1];
	int i;

	if (nla_parse_nested(st, KSTREAM_STAT_MAX, nest, topic_stats_policy) < 0)
		return -EPROTO;
	for (i = 1; i <= KSTREAM_STAT_MAX; i++) {
		if (!st[i] || topic_stats_policy[i].type != NLA_U64)
			continue;
		t->stats[i] = nla_get_u64(st[i]);
		t->have_stats |= 1ULL << i;
	}
	t->have |= 1U << KSTREAM_A_TOPIC_STATS;
	return 0;
}

static int topic_get_acl(struct nlattr *nest, struct topic_info *t)
{
	struct nlattr *e;
	int rem;

	nla_for_each_nested(e, nest, rem) {
		struct nlattr *tb[KSTREAM_ACL_A_MAX + 1];
		struct topic_acl_entry *a;

		if (nla_type(e) != KSTREAM_A_ACL_ENTRY)
			continue;
		if (t->nr_acl >= KSTREAM_ACL_MAX_ENTRIES ||
		    nla_parse_nested(tb, KSTREAM_ACL_A_MAX, e, acl_entry_policy) < 0 ||
		    !tb[KSTREAM_ACL_A_TYPE] || !tb[KSTREAM_ACL_A_ID] ||
		    !tb[KSTREAM_ACL_A_RIGHTS])
			return -EPROTO;
		a = &t->acl[t->nr_acl++];
		a->type = nla_get_u32(tb[KSTREAM_ACL_A_TYPE]);
		a->id = nla_get_u32(tb[KSTREAM_ACL_A_ID]);
		a->rights = nla_get_u32(tb[KSTREAM_ACL_A_RIGHTS]);
	}
	t->have |= 1U << KSTREAM_A_TOPIC_ACL;
	return 0;
}

/* Fill *t from a KSTREAM_CMD_TOPIC_GET-style reply; -EPROTO if malformed. */
int topic_from_msg(struct nlmsghdr *nlh, struct topic_info *t)
{
	struct nlattr *tb[KSTREAM_A_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, topic_policy) < 0 ||
	    !tb[KSTREAM_A_TOPIC_NAME])
		return -EPROTO;
	nla_strlcpy(t->name, tb[KSTREAM_A_TOPIC_NAME], sizeof(t->name));
	t->have |= 1U << KSTREAM_A_TOPIC_NAME;
	topic_get_u32(tb, KSTREAM_A_TOPIC_ID, &t->id, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_RING_SIZE, &t->ring_size, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_MSG_MAX, &t->msg_max, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_POLICY, &t->policy, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_UID, &t->uid, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_GID, &t->gid, t);
	topic_get_u32(tb, KSTREAM_A_TOPIC_PRODUCERS_MAX, &t->producers_max, t);
	if (tb[KSTREAM_A_FILTER_NAME]) {
		nla_strlcpy(t->filter, tb[KSTREAM_A_FILTER_NAME],
			    sizeof(t->filter));
		t->have |= 1U << KSTREAM_A_FILTER_NAME;
	}
	if (tb[KSTREAM_A_TOPIC_DEADLETTER]) {
		nla_strlcpy(t->deadletter, tb[KSTREAM_A_TOPIC_DEADLETTER],
			    sizeof(t->deadletter));
		t->have |= 1U << KSTREAM_A_TOPIC_DEADLETTER;
	}
	if (tb[KSTREAM_A_TOPIC_MODE]) {
		t->mode = nla_get_u16(tb[KSTREAM_A_TOPIC_MODE]);
		t->have |= 1U << KSTREAM_A_TOPIC_MODE;
	}
	if (tb[KSTREAM_A_TOPIC_STATS] &&
	    topic_get_stats(tb[KSTREAM_A_TOPIC_STATS], t))
		return -EPROTO;
	if (tb[KSTREAM_A_TOPIC_ACL])
		return topic_get_acl(tb[KSTREAM_A_TOPIC_ACL], t);
	return 0;
}

static int topic_one_reply(struct nlmsghdr *nlh, void *arg)
{
	return topic_from_msg(nlh, arg) ? -EPROTO : 0;
}

int topic_get(struct kst_nl *nl, const char *name, struct topic_info *t)
{
	struct nl_msg *msg = kst_nl_msg(nl, KSTREAM_CMD_TOPIC_GET, NLM_F_ACK);

	memset(t, 0, sizeof(*t));
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return kst_nl_request_quiet(nl, msg, topic_one_reply, t);
}

static void topic_out_begin(struct topic_out *out)
{
	json_init(&out->j, stdout);
	if (out->json && out->array)
		json_arr_start(&out->j);
}

/* Close the JSON array even after an error, so stdout stays valid JSON. */
static void topic_out_end(struct topic_out *out)
{
	if (!out->json)
		return;
	if (out->array)
		json_arr_end(&out->j);
	if (out->array || (out->count && !out->silent))
		putchar('\n');
}

static int topic_reply(struct nlmsghdr *nlh, void *arg)
{
	struct topic_out *out = arg;
	struct topic_info t;

	if (topic_from_msg(nlh, &t))
		return -EPROTO;
	out->count++;
	if (out->silent)
		return 0;
	if (out->names_only && out->json)
		json_str(&out->j, t.name);
	else if (out->names_only)
		puts(t.name);
	else if (out->json)
		topic_print_json(&out->j, &t);
	else
		topic_print_text(stdout, &t);
	return 0;
}

/* --------------------------------------------------------- commands */

/* An optional or required NAME as the only argument. */
static int topic_name_arg(const char *cmd, int argc, char **argv,
			  bool required, struct topic_opts *o)
{
	char err[256];

	memset(o, 0, sizeof(*o));
	if (argc > 1) {
		fprintf(stderr, "streamctl: topic %s: unexpected argument \"%s\"\n",
			cmd, argv[1]);
		return EXIT_USAGE;
	}
	if (argc == 0 && required) {
		fprintf(stderr, "streamctl: topic %s: missing topic name\n", cmd);
		return EXIT_USAGE;
	}
	if (argc == 1 && topic_opts_set_name(o, argv[0], err, sizeof(err))) {
		fprintf(stderr, "streamctl: topic %s: %s\n", cmd, err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * Send cmd with the attributes of o; the replies go to out.  Errors name
 * "topic WHAT NAME" and the argument refused.
 */
static int topic_run(const char *what, uint8_t cmd, int flags,
		     const struct topic_opts *o, struct topic_out *out)
{
	struct nl_msg *msg;
	struct kst_nl nl;
	int ret;

	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "topic %s%s%s", what, o->name[0] ? " " : "", o->name);
	nl.attrs = kst_topic_attrs;
	msg = topic_msg(&nl, cmd, flags, o);
	if (msg) {
		topic_out_begin(out);
		ret = kst_nl_request(&nl, msg, topic_reply, out);
		topic_out_end(out);
	} else {
		ret = kst_nl_nomem();
	}
	kst_nl_close(&nl);
	return ret;
}

/*
 * kstream decides at once; the node shows the decision once udev has run
 * the rule for the change event (kstream-node-display), and until then
 * the VFS applies the rights before the change to opens through it.  Wait
 * for that (at most 2 s): a grant then works through the node when
 * streamctl returns.  A node as devtmpfs made it (0666, no ACL: no
 * display, or not yet) refuses nobody: nothing to wait for.
 */
void topic_node_settle(const char *name)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		if (nodeacl_topic_node_shows(name) != 0)
			return;		/* shows it, or cannot tell */
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "streamctl: warning: /dev/stream/%s does not show the change yet (udev has not run its rule); until it does, opens through it are also decided by the rights before the change\n",
		name);
}

/* Silent, except that with -j it prints the new topic as "show" would. */
static int topic_add(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = { .json = ctl->json, .silent = !ctl->json };
	struct topic_opts o;
	char err[256];
	int ret;

	if (topic_opts_parse(&o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "streamctl: topic add%s%s: %s\n",
			o.name[0] ? " " : "", o.name, err);
		return EXIT_USAGE;
	}
	ret = priv_check_create("topic add");
	if (ret)
		return ret;
	return topic_run("add", KSTREAM_CMD_TOPIC_NEW, NLM_F_ACK, &o, &out);
}

/*
 * What topic set refuses before sending: what cannot change on a live
 * topic, and why (uapi/linux/kstream.h, KSTREAM_CMD_TOPIC_SET).
 */
static const struct {
	unsigned int bit;
	const char *why;
} topic_set_fixed[] = {
	{ TOPIC_OPT_SIZE, "size cannot change on a live topic: its ring is allocated (and mapped by readers) once; delete and re-create the topic to resize it" },
	{ TOPIC_OPT_PRODUCERS, "producers is fixed at creation (the deduplication table is sized once)" },
	{ TOPIC_OPT_DEADLETTER, "the dead-letter topic is set with topic deadletter NAME DLQ|none" },
};

/* Like add, silent unless -j (then the topic as it is now). */
static int topic_set(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = { .json = ctl->json, .silent = !ctl->json };
	struct topic_opts o;
	struct kst_nl nl;
	char err[256];
	size_t i;
	int ret;

	if (topic_opts_parse(&o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "streamctl: topic set%s%s: %s\n",
			o.name[0] ? " " : "", o.name, err);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(topic_set_fixed) / sizeof(topic_set_fixed[0]); i++) {
		if (o.set & topic_set_fixed[i].bit) {
			fprintf(stderr, "streamctl: topic set %s: %s\n", o.name,
				topic_set_fixed[i].why);
			return EXIT_USAGE;
		}
	}
	if (!o.set) {
		fprintf(stderr, "streamctl: topic set %s: nothing to set (mode, owner, group, policy or msgmax)\n",
			o.name);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = priv_check_admin(&nl, "topic set", o.name);
	kst_nl_close(&nl);
	if (ret)
		return ret;
	ret = topic_run("set", KSTREAM_CMD_TOPIC_SET, NLM_F_ACK, &o, &out);
	if (!ret)
		topic_node_settle(o.name);
	return ret;
}

static int topic_del(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = { .json = ctl->json, .silent = true };
	struct topic_opts o;
	struct kst_nl nl;
	int ret;

	ret = topic_name_arg("del", argc, argv, true, &o);
	if (ret)
		return ret;
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = priv_check_admin(&nl, "topic del", o.name);
	kst_nl_close(&nl);
	if (ret)
		return ret;
	return topic_run("del", KSTREAM_CMD_TOPIC_DEL, NLM_F_ACK, &o, &out);
}

/* One KSTREAM_CMD_PRODUCER_GET reply into the set. */
static int producer_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[KSTREAM_A_MAX + 1];
	struct producer_info p = { 0 };

	if (genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, topic_policy) < 0 ||
	    !tb[KSTREAM_A_PRODUCER_ID] || !tb[KSTREAM_A_PRODUCER_FLAGS])
		return -EPROTO;
	p.id = nla_get_u64(tb[KSTREAM_A_PRODUCER_ID]);
	p.known = nla_get_u32(tb[KSTREAM_A_PRODUCER_FLAGS]) &
		  KSTREAM_PRODUCER_KNOWN;
	if (p.known && tb[KSTREAM_A_PRODUCER_LAST_SEQ])
		p.last_seq = nla_get_u64(tb[KSTREAM_A_PRODUCER_LAST_SEQ]);
	return producer_set_add(arg, &p) ? -ENOMEM : 0;
}

/*
 * topic show NAME producers [ID]: the ids the topic deduplicates and
 * their last sequences (sorted by id), or one id.
 */
static int topic_show_producers(struct ctl *ctl, const char *name,
				const char *id_arg)
{
	struct producer_set set = { 0 };
	struct nl_msg *msg;
	struct kst_nl nl;
	uint64_t id = 0;
	struct json j;
	int ret;

	if (id_arg && producer_id_parse(id_arg, &id)) {
		fprintf(stderr, "streamctl: topic show: invalid producer id \"%s\": expected a non-zero number (0x for hex)\n",
			id_arg);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	msg = kst_nl_msg(&nl, KSTREAM_CMD_PRODUCER_GET,
			 id ? NLM_F_ACK : NLM_F_DUMP);
	if (!msg || nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name) ||
	    (id && nla_put_u64(msg, KSTREAM_A_PRODUCER_ID, id))) {
		nlmsg_free(msg);
		kst_nl_close(&nl);
		return kst_nl_nomem();
	}
	ret = kst_nl_request(&nl, msg, producer_reply, &set);
	kst_nl_close(&nl);
	if (!ret) {
		producer_set_sort(&set);
		if (ctl->json) {
			json_init(&j, stdout);
			producer_print_json(&j, name, &set);
			putchar('\n');
		} else {
			producer_print_text(stdout, name, &set);
		}
	}
	producer_set_free(&set);
	return ret;
}

static int topic_show(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = { .json = ctl->json, .array = argc == 0 };
	struct topic_opts o;
	int ret;

	if (argc >= 2 && !strcmp(argv[1], "producers")) {
		if (argc > 3) {
			fprintf(stderr, "streamctl: topic show: unexpected argument \"%s\"\n",
				argv[3]);
			return EXIT_USAGE;
		}
		ret = topic_name_arg("show", 1, argv, true, &o);
		if (ret)
			return ret;
		return topic_show_producers(ctl, o.name, argc == 3 ? argv[2] : NULL);
	}
	ret = topic_name_arg("show", argc, argv, false, &o);
	if (ret)
		return ret;
	return topic_run("show", KSTREAM_CMD_TOPIC_GET,
			 out.array ? NLM_F_DUMP : NLM_F_ACK, &o, &out);
}

static int topic_list(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = {
		.json = ctl->json, .names_only = true, .array = true,
	};
	struct topic_opts o = { .name = "" };

	if (argc > 0) {
		fprintf(stderr, "streamctl: topic list: unexpected argument \"%s\"\n",
			argv[0]);
		return EXIT_USAGE;
	}
	return topic_run("list", KSTREAM_CMD_TOPIC_GET, NLM_F_DUMP, &o, &out);
}

/* topic deadletter NAME DLQ|none: set or clear the dead-letter topic. */
static int topic_deadletter(struct ctl *ctl, int argc, char **argv)
{
	struct topic_out out = { .json = ctl->json, .silent = true };
	struct topic_opts o;
	struct kst_nl nl;
	struct nl_msg *msg;
	char err[256];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "streamctl: topic deadletter: expected NAME and a dead-letter topic or none\n");
		return EXIT_USAGE;
	}
	if (topic_opts_set_name(&o, argv[0], err, sizeof(err)) ||
	    (strcmp(argv[1], "none") && !topic_name_valid(argv[1]))) {
		fprintf(stderr, "streamctl: topic deadletter: invalid topic name \"%s\"\n",
			topic_name_valid(argv[0]) ? argv[1] : argv[0]);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = priv_check_admin(&nl, "topic deadletter", argv[0]);
	if (!ret && strcmp(argv[1], "none"))
		ret = priv_check_admin(&nl, "topic deadletter", argv[1]);
	if (ret) {
		kst_nl_close(&nl);
		return ret;
	}
	msg = kst_nl_msg(&nl, KSTREAM_CMD_DEADLETTER_SET, NLM_F_ACK);
	if (!msg || nla_put_string(msg, KSTREAM_A_TOPIC_NAME, argv[0]) ||
	    (strcmp(argv[1], "none") &&
	     nla_put_string(msg, KSTREAM_A_TOPIC_DEADLETTER, argv[1]))) {
		nlmsg_free(msg);
		kst_nl_close(&nl);
		return kst_nl_nomem();
	}
	ret = kst_nl_request(&nl, msg, topic_reply, &out);
	kst_nl_close(&nl);
	return ret;
}

static int topic_default(struct ctl *ctl, int argc, char **argv)
{
	return topic_show(ctl, argc, argv);
}

static const struct cmd topic_cmds[] = {
	{ .name = "add", .fn = topic_add,
	  .args = "NAME [size SIZE] [msgmax SIZE] [policy overwrite|block]\n"
		  "[mode MODE] [owner USER] [group GROUP] [producers N]\n"
		  "[deadletter DLQ]",
	  .help = "create a topic; defaults: size 1M,\n"
		  "msgmax min(64K, size/4), policy overwrite,\n"
		  "mode 0600, owner and group the caller's,\n"
		  "producers: the module's max_producers (1024)" },
	/* "s" stays show, as before set existed */
	{ .name = "set", .fn = topic_set, .min = 2,
	  .args = "NAME [mode MODE] [owner USER] [group GROUP]\n"
		  "[policy overwrite|block] [msgmax SIZE]",
	  .help = "change a topic in place (its messages stay);\n"
		  "mode, owner and group at any time (rights they\n"
		  "take away are revoked from open fds), policy\n"
		  "and msgmax while no fd is open on it (msgmax\n"
		  "lowered: only while it retains no message);\n"
		  "the size never changes: delete and re-create" },
	{ .name = "del", .fn = topic_del, .args = "NAME",
	  .help = "delete a topic" },
	{ .name = "delete", .fn = topic_del },
	{ .name = "show", .fn = topic_show, .args = "[NAME [producers [ID]]]",
	  .help = "one topic, or all (the default command),\n"
		  "with their counters; NAME producers: the\n"
		  "idempotent producers the topic deduplicates\n"
		  "and the last sequence of each" },
	{ .name = "list", .fn = topic_list,
	  .help = "topic names, one per line" },
	{ .name = "deadletter", .fn = topic_deadletter, .args = "NAME DLQ|none",
	  .help = "messages the topic's filter rejects as\n"
		  "invalid go to DLQ (admin right on both)" },
};

const struct cmd_table topic_table = {
	.name = "topic",
	.cmds = topic_cmds,
	.n = CMD_TABLE_SIZE(topic_cmds),
	.dflt = topic_default,
	.notes = STREAMCTL_NOTE_NAME STREAMCTL_NOTE_SIZE STREAMCTL_NOTE_MODE
		 STREAMCTL_NOTE_USER
		 "\n  add needs CAP_NET_ADMIN or membership of the module's creator\n"
		 "  group; set and del need CAP_NET_ADMIN or the admin right on the\n"
		 "  topic (without CAP_NET_ADMIN, set gives the topic only to the\n"
		 "  caller and its groups).\n",
};
