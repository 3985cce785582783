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

void usage(FILE *f);

int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_topic(struct ctl *ctl, int argc, char **argv);
int cmd_filter(struct ctl *ctl, int argc, char **argv);

#endif /* STREAMCTL_H */
