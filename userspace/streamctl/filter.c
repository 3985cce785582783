// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl filter attach|detach|list|show|load|unload: eBPF ingress
 * filters of kstream topics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "bpfload.h"
#include "filteropts.h"
#include "json.h"
#include "nl.h"
#include "streamctl.h"
#include "topic.h"

static const struct nla_policy filter_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_FILTER_NAME]		= { .type = NLA_STRING },
	[KSTREAM_A_FILTER_ID]		= { .type = NLA_U32 },
	[KSTREAM_A_FILTER_TOPICS]	= { .type = NLA_NESTED },
};

/* What to do with the filters the kernel replies with. */
struct filter_out {
	bool json;
	bool quiet;		/* only checking that filters are supported */
	struct json j;
};

static int filter_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[KSTREAM_A_MAX + 1], *a;
	struct filter_out *out = arg;
	char name[KSTREAM_NAME_MAX];
	const char *sep = " ";
	int rem;

	if (genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, filter_policy) < 0 ||
	    !tb[KSTREAM_A_FILTER_NAME])
		return -EPROTO;
	if (out->quiet)
		return 0;
	nla_strlcpy(name, tb[KSTREAM_A_FILTER_NAME], sizeof(name));
	if (out->json) {
		json_obj_start(&out->j);
		json_kv_str(&out->j, "name", name);
		if (tb[KSTREAM_A_FILTER_ID])
			json_kv_u64(&out->j, "id",
				    nla_get_u32(tb[KSTREAM_A_FILTER_ID]));
		json_key(&out->j, "topics");
		json_arr_start(&out->j);
	} else {
		printf("%s:", name);
		if (tb[KSTREAM_A_FILTER_ID])
			printf(" id %u", nla_get_u32(tb[KSTREAM_A_FILTER_ID]));
		printf(" topics");
	}
	if (tb[KSTREAM_A_FILTER_TOPICS]) {
		nla_for_each_nested(a, tb[KSTREAM_A_FILTER_TOPICS], rem) {
			char topic[KSTREAM_NAME_MAX];

			if (nla_type(a) != KSTREAM_A_TOPIC_NAME)
				continue;
			nla_strlcpy(topic, a, sizeof(topic));
			if (out->json) {
				json_str(&out->j, topic);
			} else {
				printf("%s%s", sep, topic);
				sep = ",";
			}
		}
	}
	if (out->json) {
		json_arr_end(&out->j);
		json_obj_end(&out->j);
	} else {
		printf("%s\n", *sep == ' ' ? " -" : "");
	}
	return 0;
}

/*
 * FILTER_GET: one filter (name) or all (NULL).  With quiet, only whether
 * the kernel supports filters at all (and the module is loaded).
 */
static int filter_get(struct ctl *ctl, const char *name, bool quiet)
{
	struct filter_out out = { .json = ctl->json && !quiet, .quiet = quiet };
	struct nl_msg *msg;
	struct kst_nl nl;
	int ret;

	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	if (name)
		kst_nl_what(&nl, "filter show %s", name);
	msg = kst_nl_msg(&nl, KSTREAM_CMD_FILTER_GET,
			 name ? NLM_F_ACK : NLM_F_DUMP);
	if (msg && name && nla_put_string(msg, KSTREAM_A_FILTER_NAME, name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg) {
		kst_nl_close(&nl);
		return kst_nl_nomem();
	}
	json_init(&out.j, stdout);
	if (out.json && !name)
		json_arr_start(&out.j);
	ret = kst_nl_request(&nl, msg, filter_reply, &out);
	if (out.json) {
		if (!name)
			json_arr_end(&out.j);
		if (!name || !ret)
			putchar('\n');
	}
	kst_nl_close(&nl);
	return ret;
}

/*
 * A request with a topic name and optionally a filter name; errors name
 * the command and its objects ("filter attach TOPIC NAME: ...").
 */
static int filter_request(uint8_t cmd, const char *topic, const char *filter)
{
	struct nl_msg *msg;
	struct kst_nl nl;
	int ret;

	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "filter %s %s%s%s",
		    cmd == KSTREAM_CMD_FILTER_ATTACH ? "attach" : "detach",
		    topic, filter ? " " : "", filter ? filter : "");
	msg = kst_nl_msg(&nl, cmd, NLM_F_ACK);
	if (msg && (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, topic) ||
		    (filter && nla_put_string(msg, KSTREAM_A_FILTER_NAME, filter)))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (msg)
		ret = kst_nl_request(&nl, msg, NULL, NULL);
	else
		ret = kst_nl_nomem();
	kst_nl_close(&nl);
	return ret;
}

/* Check that argv holds exactly n valid names. */
static int filter_names(const char *cmd, int argc, char **argv, int n,
			const char *what)
{
	int i;

	if (argc < n) {
		fprintf(stderr, "streamctl: filter %s: missing %s\n", cmd, what);
		return EXIT_USAGE;
	}
	if (argc > n) {
		fprintf(stderr, "streamctl: filter %s: unexpected argument \"%s\"\n",
			cmd, argv[n]);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (!topic_name_valid(argv[i])) {
			fprintf(stderr, "streamctl: filter %s: \"%s\" is not a valid name (1-63 characters of [A-Za-z0-9._-], not . or ..)\n",
				cmd, argv[i]);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int filter_attach(struct ctl *ctl, int argc, char **argv)
{
	int ret = filter_names("attach", argc, argv, 2, "TOPIC and NAME");

	(void)ctl;
	if (ret)
		return ret;
	return filter_request(KSTREAM_CMD_FILTER_ATTACH, argv[0], argv[1]);
}

static int filter_detach(struct ctl *ctl, int argc, char **argv)
{
	int ret = filter_names("detach", argc, argv, 1, "TOPIC");

	(void)ctl;
	if (ret)
		return ret;
	return filter_request(KSTREAM_CMD_FILTER_DETACH, argv[0], NULL);
}

static int filter_list(struct ctl *ctl, int argc, char **argv)
{
	int ret = filter_names("list", argc, argv, 0, "");

	if (ret)
		return ret;
	return filter_get(ctl, NULL, false);
}

static int filter_show(struct ctl *ctl, int argc, char **argv)
{
	int ret;

	if (argc == 0)
		return filter_get(ctl, NULL, false);
	ret = filter_names("show", argc, argv, 1, "NAME");
	if (ret)
		return ret;
	return filter_get(ctl, argv[0], false);
}

static int filter_load(struct ctl *ctl, int argc, char **argv)
{
	struct filter_load l;
	char err[256];
	int ret;

	if (filter_load_parse(&l, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "streamctl: filter load: %s\n", err);
		return EXIT_USAGE;
	}
	/* Module loaded, kernel new enough?  The kernel says why not. */
	ret = filter_get(ctl, NULL, true);
	if (ret)
		return ret;
	return kst_bpf_load(&l);
}

static int filter_unload(struct ctl *ctl, int argc, char **argv)
{
	int ret = filter_names("unload", argc, argv, 1, "NAME");

	(void)ctl;
	if (ret)
		return ret;
	return kst_bpf_unload(argv[0]);
}

static int filter_default(struct ctl *ctl, int argc, char **argv)
{
	return filter_list(ctl, argc, argv);
}

static const struct cmd filter_cmds[] = {
	{ .name = "load", .fn = filter_load,
	  .args = "pass NAME\n"
		  "| filter NAME [action keep|drop] RULE...\n"
		  "| sample NAME every N | random P\n"
		  "| sample NAME adaptive offset OFF TYPE band LO HI\n"
		  "  normal R anomaly R\n"
		  "| ratelimit NAME rate MSGS/S [burst N] [per topic|uid|pid]\n"
		  "  [buckets N]\n"
		  "| file OBJECT NAME",
	  .help = "load a program and register it as filter NAME\n"
		  "(file: a program of your own, Documentation/bpf.rst);\n"
		  "loaded filters stay pinned in /sys/fs/bpf/kstream" },
	{ .name = "unload", .fn = filter_unload, .args = "NAME",
	  .help = "unpin and unregister (detaches it everywhere)" },
	{ .name = "attach", .fn = filter_attach, .args = "TOPIC NAME",
	  .help = "judge TOPIC's messages with filter NAME\n"
		  "(replaces the filter it had)" },
	{ .name = "detach", .fn = filter_detach, .args = "TOPIC",
	  .help = "let TOPIC's messages through unjudged" },
	{ .name = "list", .fn = filter_list,
	  .help = "registered filters and their topics (the\n"
		  "default command)" },
	{ .name = "show", .fn = filter_show, .args = "[NAME]",
	  .help = "one filter, or all" },
};

const struct cmd_table filter_table = {
	.name = "filter",
	.cmds = filter_cmds,
	.n = CMD_TABLE_SIZE(filter_cmds),
	.dflt = filter_default,
	.notes = "  RULE: offset OFF TYPE [mask M] OP VALUE | offset OFF TYPE\n"
		 "        [mask M] range LO HI | len OP VALUE | len range LO HI\n"
		 "  TYPE: u8 u16 u32 u64 s8 s16 s32 s64 [be|le suffix]\n"
		 "  OP: eq ne lt le gt ge\n"
		 "  R: 1 in R messages, or one per duration R (100ms)\n"
		 "\n  attach and detach need CAP_NET_ADMIN or the admin right on\n"
		 "  the topic; load and unload the bpf syscall's (CAP_BPF, CAP_PERFMON).\n",
};
