// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl stats [show] [--prometheus] [TOPIC], streamctl stats reset
 * TOPIC: a topic's counters, latency histogram and readers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "json.h"
#include "nl.h"
#include "prom.h"
#include "stats.h"
#include "streamctl.h"
#include "statsnl.h"
#include "topic.h"
#include "topicopts.h"

/* ---------------------------------------------------------- replies */

struct stats_fetch {
	struct stats_set *set;
	bool nomem;
};

static const struct nla_policy stats_top_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_STATS]		= { .type = NLA_NESTED },
	[KSTREAM_A_TOPIC_READERS]	= { .type = NLA_NESTED },
};

/* The histogram out of the stats nest; -EPROTO if it has the wrong size. */
static int stats_get_latency(struct nlattr *nest, struct topic_stats *s)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != KSTREAM_STAT_LATENCY)
			continue;
		if (nla_len(a) != (int)sizeof(s->lat))
			return -EPROTO;
		memcpy(s->lat, nla_data(a), sizeof(s->lat));
		s->have_lat = true;
	}
	return 0;
}

/* Attribute a of a reader nest into *r; -EPROTO if its length is wrong. */
static int stats_reader_attr(struct nlattr *a, struct reader_stats *r)
{
	int type = nla_type(a), len = nla_len(a);
	uint64_t *v = NULL;

	switch (type) {
	case KSTREAM_READER_PID:
		if (len != 4)
			return -EPROTO;
		r->pid = nla_get_u32(a);
		break;
	case KSTREAM_READER_MAPPED:
		if (len != 0)
			return -EPROTO;
		r->mapped = true;
		break;
	case KSTREAM_READER_DELIVERED:
		v = &r->delivered;
		break;
	case KSTREAM_READER_LOST:
		v = &r->lost;
		break;
	case KSTREAM_READER_LAG:
		v = &r->lag;
		break;
	case KSTREAM_READER_LAG_BYTES:
		v = &r->lag_bytes;
		break;
	default:
		return 0;	/* padding, or newer than this tool */
	}
	if (v) {
		if (len != 8)
			return -EPROTO;
		*v = nla_get_u64(a);
	}
	r->have |= 1U << type;
	return 0;
}

static int stats_get_readers(struct nlattr *nest, struct topic_stats *s,
			     bool *nomem)
{
	struct nlattr *one, *a;
	int rem, rem2;

	s->have_readers = true;
	nla_for_each_nested(one, nest, rem) {
		struct reader_stats r = { 0 };

		nla_for_each_nested(a, one, rem2)
			if (stats_reader_attr(a, &r))
				return -EPROTO;
		if (topic_stats_add_reader(s, &r)) {
			*nomem = true;
			return 0;
		}
	}
	return 0;
}

static int stats_reply(struct nlmsghdr *nlh, void *arg)
{
	struct stats_fetch *sf = arg;
	struct nlattr *tb[KSTREAM_A_MAX + 1];
	struct topic_stats *s;

	if (sf->nomem)
		return 0;
	s = stats_set_add(sf->set);
	if (!s) {
		sf->nomem = true;
		return 0;
	}
	if (topic_from_msg(nlh, &s->info) ||
	    genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, stats_top_policy) < 0)
		return -EPROTO;
	if (tb[KSTREAM_A_TOPIC_STATS] &&
	    stats_get_latency(tb[KSTREAM_A_TOPIC_STATS], s))
		return -EPROTO;
	if (tb[KSTREAM_A_TOPIC_READERS] &&
	    stats_get_readers(tb[KSTREAM_A_TOPIC_READERS], s, &sf->nomem))
		return -EPROTO;
	return 0;
}

int stats_fetch(struct kst_nl *nl, const char *name, struct stats_set *set)
{
	struct stats_fetch sf = { .set = set };
	struct nl_msg *msg;
	int ret;

	msg = kst_nl_msg(nl, KSTREAM_CMD_TOPIC_GET, name ? NLM_F_ACK : NLM_F_DUMP);
	if (!msg)
		return kst_nl_nomem();
	if (name && nla_put_string(msg, KSTREAM_A_TOPIC_NAME, name)) {
		nlmsg_free(msg);
		return kst_nl_nomem();
	}
	ret = kst_nl_request(nl, msg, stats_reply, &sf);
	if (!ret && sf.nomem)
		ret = kst_nl_nomem();
	return ret;
}

/* --------------------------------------------------------- commands */

static void stats_print_set(const struct ctl *ctl, const struct stats_set *set,
			bool one)
{
	struct json j;
	size_t i;

	if (!ctl->json) {
		for (i = 0; i < set->n; i++)
			stats_print_text(stdout, &set->v[i]);
		return;
	}
	json_init(&j, stdout);
	if (!one)
		json_arr_start(&j);
	for (i = 0; i < set->n; i++)
		stats_print_json(&j, &set->v[i]);
	if (!one)
		json_arr_end(&j);
	if (!one || set->n)
		putchar('\n');
}

/* An optional or required TOPIC; "" for none. */
static int stats_name_arg(const char *cmd, const char *arg, bool required,
			  struct topic_opts *o)
{
	char err[256];

	memset(o, 0, sizeof(*o));
	if (!arg && required) {
		fprintf(stderr, "streamctl: stats %s: missing topic name\n", cmd);
		return EXIT_USAGE;
	}
	if (arg && topic_opts_set_name(o, arg, err, sizeof(err))) {
		fprintf(stderr, "streamctl: stats %s: %s\n", cmd, err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int stats_show(struct ctl *ctl, int argc, char **argv)
{
	struct stats_set set = { 0 };
	const char *name = NULL;
	bool prometheus = false;
	struct topic_opts o;
	struct kst_nl nl;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--prometheus") || !strcmp(argv[i], "-p") ||
		    !strcmp(argv[i], "prometheus")) {
			prometheus = true;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "streamctl: stats: unknown option %s\n", argv[i]);
			return EXIT_USAGE;
		} else if (name) {
			fprintf(stderr, "streamctl: stats: unexpected argument \"%s\"\n",
				argv[i]);
			return EXIT_USAGE;
		} else {
			name = argv[i];
		}
	}
	if (prometheus && ctl->json) {
		fprintf(stderr, "streamctl: stats: -j and --prometheus do not go together\n");
		return EXIT_USAGE;
	}
	ret = stats_name_arg("show", name, false, &o);
	if (ret)
		return ret;
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "stats show%s%s", name ? " " : "", name ? o.name : "");
	ret = stats_fetch(&nl, name ? o.name : NULL, &set);
	kst_nl_close(&nl);
	/* A partial exposition would look like a complete one: none at all. */
	if (prometheus && !ret)
		prom_write(stdout, set.v, set.n);
	else if (!prometheus)
		stats_print_set(ctl, &set, name != NULL);
	stats_set_free(&set);
	return ret;
}

static int stats_reset(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;
	struct topic_opts o;
	struct kst_nl nl;
	int ret;

	(void)ctl;
	if (argc > 1) {
		fprintf(stderr, "streamctl: stats reset: unexpected argument \"%s\"\n",
			argv[1]);
		return EXIT_USAGE;
	}
	ret = stats_name_arg("reset", argc ? argv[0] : NULL, true, &o);
	if (ret)
		return ret;
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "stats reset %s", o.name);
	msg = kst_nl_msg(&nl, KSTREAM_CMD_STATS_RESET, NLM_F_ACK);
	if (msg && nla_put_string(msg, KSTREAM_A_TOPIC_NAME, o.name)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = msg ? kst_nl_request(&nl, msg, NULL, NULL) : kst_nl_nomem();
	kst_nl_close(&nl);
	return ret;
}

/* streamctl stats [show] [--prometheus] [TOPIC] | reset TOPIC */
static const struct cmd stats_cmds[] = {
	{ .name = "show", .fn = stats_show, .args = "[--prometheus] [TOPIC]",
	  .help = "counters, errors by kind, ring fill, lag and\n"
		  "latency p50/p99/p999 of every topic, or of one\n"
		  "(then with its readers); -j adds the histogram;\n"
		  "--prometheus: the Prometheus text format\n"
		  "(node_exporter textfile collector); the\n"
		  "default command: stats [--prometheus] [TOPIC]" },
	{ .name = "reset", .fn = stats_reset, .args = "TOPIC",
	  .help = "zero the topic's counters and histogram" },
};

/* "stats TOPIC", "stats --prometheus": show. */
const struct cmd_table stats_table = {
	.name = "stats",
	.cmds = stats_cmds,
	.n = CMD_TABLE_SIZE(stats_cmds),
	.dflt = stats_show,
	.exact = true,
	.notes = "  A topic name goes where a command would (stats imu), so the\n"
		 "  commands of stats are not matched by prefix.  reset needs\n"
		 "  CAP_NET_ADMIN or the admin right on the topic.\n",
};
