/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streamctl: control tool for kstream topics.
 */
#ifndef STREAMCTL_H
#define STREAMCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes scripts can rely on (documented in streamctl --help). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the kernel refused the request */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOMODULE = 3,	/* kstream module not loaded */
};

struct ctl {
	bool json;
};

struct nlmsghdr;
struct topic_info;

void usage(FILE *f);

/* topic.c: fill *t from a KSTREAM_CMD_TOPIC_GET reply; -EPROTO if malformed. */
int topic_from_msg(struct nlmsghdr *nlh, struct topic_info *t);

int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_topic(struct ctl *ctl, int argc, char **argv);
int cmd_filter(struct ctl *ctl, int argc, char **argv);
int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_top(struct ctl *ctl, int argc, char **argv);
int cmd_monitor(struct ctl *ctl, int argc, char **argv);
int cmd_probe(struct ctl *ctl, int argc, char **argv);
int cmd_acl(struct ctl *ctl, int argc, char **argv);
int cmd_deadletter(struct ctl *ctl, int argc, char **argv);

struct kst_nl;
struct topic_info;

/* KSTREAM_CMD_TOPIC_GET of one topic, printing nothing: 0 or -errno. */
int topic_get(struct kst_nl *nl, const char *name, struct topic_info *t);

/*
 * Privilege checks made before a request is sent (priv.c, libcap).  They
 * refuse only what the kernel would refuse, print what is missing and
 * return EXIT_ERROR; EXIT_OK otherwise (the kernel still decides).
 */
int priv_check_create(const char *what);
int priv_check_admin(struct kst_nl *nl, const char *what, const char *topic);

#endif /* STREAMCTL_H */
