/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streamctl: control tool for kstream topics.
 */
#ifndef STREAMCTL_H
#define STREAMCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"		/* the command tables, and the exit codes */

struct ctl {
	bool json;
};

struct nlmsghdr;
struct topic_info;

void usage(FILE *f);

/* topic.c: fill *t from a KSTREAM_CMD_TOPIC_GET reply; -EPROTO if malformed. */
int topic_from_msg(struct nlmsghdr *nlh, struct topic_info *t);

/* The objects' command tables (cmd.h), and the top-level commands. */
extern const struct cmd_table topic_table;
extern const struct cmd_table filter_table;
extern const struct cmd_table stats_table;
extern const struct cmd_table acl_table;
extern const struct cmd_table deadletter_table;
extern const struct cmd_table config_table;

/* argv[0] is the first argument after the command's name (cmd.h). */
int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_top(struct ctl *ctl, int argc, char **argv);
int cmd_monitor(struct ctl *ctl, int argc, char **argv);
int cmd_probe(struct ctl *ctl, int argc, char **argv);

/* The argument kinds the help of several objects explains. */
#define STREAMCTL_NOTE_NAME \
	"  NAME, TOPIC: 1 to 63 characters of [A-Za-z0-9._-], not \".\" or \"..\".\n"
#define STREAMCTL_NOTE_SIZE \
	"  SIZE: bytes with an optional K, M or G suffix (64K, 4M).\n"
#define STREAMCTL_NOTE_MODE \
	"  MODE: octal permission bits of the topic (0660); read is subscribe, write publish.\n"
#define STREAMCTL_NOTE_USER \
	"  USER, GROUP, WHO: a name or a numeric id.\n"

struct kst_nl;
struct topic_info;

/* KSTREAM_CMD_TOPIC_GET of one topic, printing nothing: 0 or -errno. */
int topic_get(struct kst_nl *nl, const char *name, struct topic_info *t);
/*
 * After a change of @name's data rights, mode, owner or group: wait until
 * its node's display (udev's rule) no longer shows the rights before it.
 */
void topic_node_settle(const char *name);

/*
 * Privilege checks made before a request is sent (priv.c, libcap).  They
 * refuse only what the kernel would refuse, print what is missing and
 * return EXIT_ERROR; EXIT_OK otherwise (the kernel still decides).
 */
int priv_check_create(const char *what);
int priv_check_admin(struct kst_nl *nl, const char *what, const char *topic);

#endif /* STREAMCTL_H */
