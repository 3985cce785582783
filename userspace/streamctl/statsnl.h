/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streamctl: fetching topic statistics (KSTREAM_CMD_TOPIC_GET) into
 * struct topic_stats, for stats and top.
 */
#ifndef STREAMCTL_STATSNL_H
#define STREAMCTL_STATSNL_H

#include "nl.h"
#include "stats.h"

/*
 * One topic (name, with its readers) or every topic (name NULL, a dump),
 * appended to set.  Returns EXIT_OK, or prints why not and returns
 * EXIT_ERROR (set then holds what was received).
 */
int stats_fetch(struct kst_nl *nl, const char *name, struct stats_set *set);

#endif /* STREAMCTL_STATSNL_H */
