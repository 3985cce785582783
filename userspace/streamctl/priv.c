// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl: what a request needs, checked with libcap before it is sent,
 * so that a refusal says what is missing.  The checks refuse only what
 * the kernel would refuse (the kernel decides in the end: inside a user
 * namespace, say, a capability libcap reports is not one the kernel
 * honours, and the request is refused there with its own message).
 */
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>

#include "acl.h"
#include "nl.h"
#include "streamctl.h"
#include "topic.h"

#define CREATOR_GID_PARAM "/sys/module/kstream/parameters/creator_gid"

/* Is CAP_NET_ADMIN in this process's effective set? */
static bool priv_net_admin(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	if (cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &v))
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

/* Our supplementary groups into *groups (malloc'ed); their number. */
static size_t priv_groups(uint32_t **groups)
{
	int n = getgroups(0, NULL);
	gid_t *g;
	size_t i;

	*groups = NULL;
	if (n <= 0)
		return 0;
	g = calloc(n, sizeof(*g));
	*groups = calloc(n, sizeof(**groups));
	if (!g || !*groups || getgroups(n, g) != n) {
		free(g);
		free(*groups);
		*groups = NULL;
		return 0;
	}
	for (i = 0; i < (size_t)n; i++)
		(*groups)[i] = g[i];
	free(g);
	return n;
}

static const char *priv_group_name(long gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(buf, len, "%s (%ld)", gr->gr_name, gid);
	else
		snprintf(buf, len, "%ld", gid);
	return buf;
}

int priv_check_create(const char *what)
{
	long gid = -1;
	uint32_t *groups;
	size_t n, i;
	char buf[300];
	FILE *f;
	bool member = false;

	if (priv_net_admin())
		return EXIT_OK;
	f = fopen(CREATOR_GID_PARAM, "r");
	if (!f)
		return EXIT_OK;	/* not loaded: the request says so */
	if (fscanf(f, "%ld", &gid) != 1)
		gid = -1;
	fclose(f);
	if (gid >= 0) {
		member = (long)getegid() == gid;
		n = priv_groups(&groups);
		for (i = 0; i < n && !member; i++)
			member = groups[i] == (uint32_t)gid;
		free(groups);
	}
	if (member)
		return EXIT_OK;
	if (gid >= 0)
		fprintf(stderr,
			"streamctl: %s: creating topics needs CAP_NET_ADMIN, which this process does not have, or membership of the creator group %s\n",
			what, priv_group_name(gid, buf, sizeof(buf)));
	else
		fprintf(stderr,
			"streamctl: %s: creating topics needs CAP_NET_ADMIN, which this process does not have (no creator group is set: streamctl config set creator-group GROUP)\n",
			what);
	return EXIT_ERROR;
}

int priv_check_admin(struct kst_nl *nl, const char *what, const char *topic)
{
	struct topic_info *t;
	uint32_t *groups;
	size_t n;
	bool admin;
	int err;

	if (priv_net_admin())
		return EXIT_OK;
	t = malloc(sizeof(*t));
	if (!t)
		return kst_nl_nomem();
	err = topic_get(nl, topic, t);
	admin = false;
	if (!err) {
		n = priv_groups(&groups);
		admin = acl_is_admin(t, geteuid(), getegid(), groups, n);
		free(groups);
	}
	free(t);
	if (admin)
		return EXIT_OK;
	if (err && err != -ENOENT)
		return EXIT_OK;	/* cannot tell: let the kernel decide */
	fprintf(stderr,
		"streamctl: %s: needs CAP_NET_ADMIN, which this process does not have, or the admin right on topic \"%s\", which uid %u does not have%s\n",
		what, topic, (unsigned int)geteuid(),
		err == -ENOENT ? " (no such topic)" : "");
	return EXIT_ERROR;
}
