// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl config show|set: the module's settings (KSTREAM_CMD_CONFIG_GET
 * and _SET).  Today one: the creator group, whose members may create
 * topics without CAP_NET_ADMIN.  Changing it needs CAP_SYS_ADMIN and is
 * audited by the kernel; the creator_gid module parameter only shows it.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <linux/kstream.h>

#include "json.h"
#include "nl.h"
#include "nlerr.h"
#include "parse.h"
#include "streamctl.h"

static const struct kst_attr_desc config_attrs[] = {
	{ KSTREAM_A_CREATOR_GID, "creator-group", KST_FMT_U32 },
	{ 0, NULL, KST_FMT_U32 },
};

static int config_reply(struct nlmsghdr *nlh, void *arg)
{
	static const struct nla_policy pol[KSTREAM_A_MAX + 1] = {
		[KSTREAM_A_CREATOR_GID] = { .type = NLA_U32 },
	};
	struct nlattr *tb[KSTREAM_A_MAX + 1];
	uint32_t *gid = arg;

	if (genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, pol) < 0 ||
	    !tb[KSTREAM_A_CREATOR_GID])
		return -EPROTO;
	*gid = nla_get_u32(tb[KSTREAM_A_CREATOR_GID]);
	return 0;
}

static int config_show(struct ctl *ctl, int argc, char **argv)
{
	uint32_t gid = KSTREAM_CREATOR_GID_NONE;
	struct group *gr = NULL;
	struct nl_msg *msg;
	struct kst_nl nl;
	struct json j;
	int ret;

	if (argc > 0) {
		fprintf(stderr, "streamctl: config show: unexpected argument \"%s\"\n",
			argv[0]);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "config show");
	msg = kst_nl_msg(&nl, KSTREAM_CMD_CONFIG_GET, NLM_F_ACK);
	ret = msg ? kst_nl_request(&nl, msg, config_reply, &gid) : kst_nl_nomem();
	kst_nl_close(&nl);
	if (ret)
		return ret;
	if (gid != KSTREAM_CREATOR_GID_NONE)
		gr = getgrgid(gid);
	if (ctl->json) {
		json_init(&j, stdout);
		json_obj_start(&j);
		if (gid == KSTREAM_CREATOR_GID_NONE) {
			json_key(&j, "creator_gid");
			json_null(&j);
		} else {
			json_kv_u64(&j, "creator_gid", gid);
		}
		if (gr)
			json_kv_str(&j, "creator_group", gr->gr_name);
		json_obj_end(&j);
		putchar('\n');
	} else if (gid == KSTREAM_CREATOR_GID_NONE) {
		printf("creator-group none\n");
	} else if (gr) {
		printf("creator-group %s (%u)\n", gr->gr_name, gid);
	} else {
		printf("creator-group %u\n", gid);
	}
	return EXIT_OK;
}

/* A group name, a numeric gid, or none. */
static int config_parse_group(const char *s, uint32_t *gid)
{
	struct group *gr;
	uint64_t v;

	if (!strcmp(s, "none")) {
		*gid = KSTREAM_CREATOR_GID_NONE;
		return 0;
	}
	if (!parse_uint(s, UINT32_MAX - 1, &v)) {
		*gid = (uint32_t)v;
		return 0;
	}
	gr = getgrnam(s);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

static int config_set(struct ctl *ctl, int argc, char **argv)
{
	struct nl_msg *msg;
	struct kst_nl nl;
	uint32_t gid;
	int ret;

	(void)ctl;
	if (argc != 2 || strcmp(argv[0], "creator-group")) {
		fprintf(stderr, "streamctl: config set: expected creator-group GROUP|none\n");
		return EXIT_USAGE;
	}
	if (config_parse_group(argv[1], &gid)) {
		fprintf(stderr, "streamctl: config set creator-group: invalid group \"%s\": not a group name, a numeric gid or none\n",
			argv[1]);
		return EXIT_USAGE;
	}
	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	kst_nl_what(&nl, "config set creator-group %s", argv[1]);
	nl.attrs = config_attrs;
	msg = kst_nl_msg(&nl, KSTREAM_CMD_CONFIG_SET, NLM_F_ACK);
	if (!msg || nla_put_u32(msg, KSTREAM_A_CREATOR_GID, gid)) {
		nlmsg_free(msg);
		kst_nl_close(&nl);
		return kst_nl_nomem();
	}
	ret = kst_nl_request(&nl, msg, NULL, NULL);
	kst_nl_close(&nl);
	return ret;
}

static int config_default(struct ctl *ctl, int argc, char **argv)
{
	return config_show(ctl, argc, argv);
}

static const struct cmd config_cmds[] = {
	{ .name = "show", .fn = config_show,
	  .help = "the module's settings (the default command)" },
	{ .name = "set", .fn = config_set, .args = "creator-group GROUP|none",
	  .help = "members of GROUP may create topics they own\n"
		  "without CAP_NET_ADMIN (none: nobody); needs\n"
		  "CAP_SYS_ADMIN, audited by the kernel" },
};

const struct cmd_table config_table = {
	.name = "config",
	.cmds = config_cmds,
	.n = CMD_TABLE_SIZE(config_cmds),
	.dflt = config_default,
	.notes = STREAMCTL_NOTE_USER,
};
