// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl acl add|del|show: a topic's ACL entries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "acl.h"
#include "json.h"
#include "nl.h"
#include "streamctl.h"
#include "topic.h"

/* KSTREAM_CMD_ACL_ADD / _DEL for a, or NULL (out of memory). */
static struct nl_msg *acl_msg(const struct kst_nl *nl, uint8_t cmd,
			      const struct acl_args *a)
{
	struct nl_msg *msg = kst_nl_msg(nl, cmd, NLM_F_ACK);
	struct nlattr *e;

	if (!msg)
		return NULL;
	if (nla_put_string(msg, KSTREAM_A_TOPIC_NAME, a->topic))
		goto fail;
	e = nla_nest_start(msg, KSTREAM_A_ACL_ENTRY);
	if (!e || nla_put_u32(msg, KSTREAM_ACL_A_TYPE, a->type) ||
	    nla_put_u32(msg, KSTREAM_ACL_A_ID, a->id) ||
	    (a->have_rights && nla_put_u32(msg, KSTREAM_ACL_A_RIGHTS, a->rights)))
		goto fail;
	nla_nest_end(msg, e);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

/* acl add / acl del: silent on success. */
static int acl_change(int argc, char **argv, bool del)
{
	const char *what = del ? "acl del" : "acl add";
	struct acl_args a;
	struct nl_msg *msg;
	struct kst_nl nl;
	char err[256];
	int ret;

	if (acl_args_parse(&a, argc, argv, del, err, sizeof(err))) {
		fprintf(stderr, "streamctl: %s%s%s: %s\n", what,
			argc > 0 && topic_name_valid(argv[0]) ? " " : "",
			argc > 0 && topic_name_valid(argv[0]) ? argv[0] : "", err);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = priv_check_admin(&nl, what, a.topic);
	kst_nl_what(&nl, "%s %s", what, a.topic);
	if (!ret) {
		msg = acl_msg(&nl, del ? KSTREAM_CMD_ACL_DEL : KSTREAM_CMD_ACL_ADD,
			      &a);
		ret = msg ? kst_nl_request(&nl, msg, NULL, NULL) : kst_nl_nomem();
	}
	kst_nl_close(&nl);
	if (!ret)
		topic_node_settle(a.topic);
	return ret;
}

static int acl_add(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	return acl_change(argc, argv, false);
}

static int acl_del(struct ctl *ctl, int argc, char **argv)
{
	(void)ctl;
	return acl_change(argc, argv, true);
}

static int acl_show(struct ctl *ctl, int argc, char **argv)
{
	struct topic_info t;
	struct kst_nl nl;
	struct json j;
	int ret;

	if (argc != 1) {
		fprintf(stderr, argc ? "streamctl: acl show: unexpected argument \"%s\"\n"
				     : "streamctl: acl show: missing topic name\n",
			argc ? argv[1] : "");
		return EXIT_USAGE;
	}
	if (!topic_name_valid(argv[0])) {
		fprintf(stderr, "streamctl: acl show: invalid topic name \"%s\"\n",
			argv[0]);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = topic_get(&nl, argv[0], &t);
	kst_nl_close(&nl);
	if (ret) {
		fprintf(stderr, "streamctl: acl show %s: %s%s\n", argv[0],
			strerror(-ret), ret == -ENOENT ? ": no such topic" : "");
		return EXIT_ERROR;
	}
	if (ctl->json) {
		json_init(&j, stdout);
		acl_print_json(&j, &t, &acl_default_names);
		putchar('\n');
	} else {
		acl_print_text(stdout, &t, &acl_default_names);
	}
	return EXIT_OK;
}

static const struct cmd acl_cmds[] = {
	{ .name = "add", .fn = acl_add, .args = "NAME user|group WHO RIGHTS...",
	  .help = "grant RIGHTS (publish, subscribe, admin,\n"
		  "all; comma-separated or several words)" },
	{ .name = "del", .fn = acl_del, .args = "NAME user|group WHO [RIGHTS...]",
	  .help = "revoke RIGHTS, or the whole entry" },
	{ .name = "delete", .fn = acl_del },
	{ .name = "show", .fn = acl_show, .args = "NAME",
	  .help = "owner, group, mode and ACL entries" },
};

const struct cmd_table acl_table = {
	.name = "acl",
	.cmds = acl_cmds,
	.n = CMD_TABLE_SIZE(acl_cmds),
	.notes = STREAMCTL_NOTE_NAME
		 "  WHO: a user or group name, or a numeric id.\n"
		 "\n  add and del need CAP_NET_ADMIN or the admin right on the topic.\n",
};
