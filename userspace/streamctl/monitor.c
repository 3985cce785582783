// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl monitor [-n COUNT]: print the events of the "events"
 * multicast group of the kstream family as they happen (with -j, one
 * JSON object per line).  Also listens to the controller's "notify"
 * group, to notice that the module was unloaded.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>

#include <linux/kstream.h>

#include "event.h"
#include "json.h"
#include "nl.h"
#include "parse.h"
#include "streamctl.h"

#define MONITOR_RCVBUF	(1 << 20)

static volatile sig_atomic_t monitor_stop;

static void monitor_on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

struct monitor {
	const struct ctl *ctl;
	int family;
	uint64_t count;		/* events to print, 0: until stopped */
	uint64_t seen;
	bool unloaded;		/* the kstream family went away */
	bool failed;		/* stdout failed */
};

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct nla_policy event_policy[KSTREAM_A_MAX + 1] = {
	[KSTREAM_A_TOPIC_NAME]	= { .type = NLA_STRING },
	[KSTREAM_A_TOPIC_ID]	= { .type = NLA_U32 },
	[KSTREAM_A_EVENT]	= { .type = NLA_U32 },
	[KSTREAM_A_EVENT_LOST]	= { .type = NLA_U64 },
	[KSTREAM_A_EVENT_PID]	= { .type = NLA_U32 },
};

static void monitor_event(struct monitor *m, struct nlmsghdr *nlh)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[KSTREAM_A_MAX + 1];
	struct kst_event e = { .time_ns = real_ns() };
	struct json j;

	if (g->cmd != KSTREAM_CMD_EVENT ||
	    genlmsg_parse(nlh, 0, tb, KSTREAM_A_MAX, event_policy) < 0 ||
	    !tb[KSTREAM_A_EVENT]) {
		fprintf(stderr, "streamctl: monitor: malformed event from the kernel\n");
		return;
	}
	e.event = nla_get_u32(tb[KSTREAM_A_EVENT]);
	if (tb[KSTREAM_A_TOPIC_NAME])
		nla_strlcpy(e.topic, tb[KSTREAM_A_TOPIC_NAME], sizeof(e.topic));
	if (tb[KSTREAM_A_TOPIC_ID]) {
		e.id = nla_get_u32(tb[KSTREAM_A_TOPIC_ID]);
		e.have_id = true;
	}
	if (tb[KSTREAM_A_EVENT_PID]) {
		e.pid = nla_get_u32(tb[KSTREAM_A_EVENT_PID]);
		e.have_pid = true;
	}
	if (tb[KSTREAM_A_EVENT_LOST]) {
		e.lost = nla_get_u64(tb[KSTREAM_A_EVENT_LOST]);
		e.have_lost = true;
	}
	if (m->ctl->json) {
		json_init(&j, stdout);
		kst_event_print_json(&j, &e);
		putchar('\n');
	} else {
		kst_event_print_text(stdout, &e);
	}
	/* Whoever reads a pipe wants each event when it happens. */
	if (fflush(stdout) || ferror(stdout))
		m->failed = true;
	m->seen++;
}

/* The controller announces families going away (rmmod kstream). */
static void monitor_ctrl(struct monitor *m, struct nlmsghdr *nlh)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (g->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return;
	if (tb[CTRL_ATTR_FAMILY_ID] && nla_len(tb[CTRL_ATTR_FAMILY_ID]) >= 2 &&
	    nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == m->family)
		m->unloaded = true;
}

static int monitor_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct monitor *m = arg;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NL_SKIP;
	if (nlh->nlmsg_type == m->family)
		monitor_event(m, nlh);
	else if (nlh->nlmsg_type == GENL_ID_CTRL)
		monitor_ctrl(m, nlh);
	if (m->unloaded || m->failed || (m->count && m->seen >= m->count))
		return NL_STOP;
	return NL_OK;
}

/* Join the multicast groups; EXIT_* (errors printed). */
static int monitor_subscribe(struct kst_nl *nl, struct monitor *m)
{
	int grp, ctrl;

	grp = genl_ctrl_resolve_grp(nl->sk, KSTREAM_GENL_NAME, KSTREAM_MCGRP_EVENTS);
	if (grp == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr, "streamctl: monitor: the loaded kstream module has no \"%s\" group (too old?)\n",
			KSTREAM_MCGRP_EVENTS);
		return EXIT_ERROR;
	}
	if (grp < 0) {
		fprintf(stderr, "streamctl: monitor: netlink: %s\n", nl_geterror(grp));
		return EXIT_ERROR;
	}
	ctrl = genl_ctrl_resolve_grp(nl->sk, "nlctrl", "notify");
	if (nl_socket_add_membership(nl->sk, grp) ||
	    (ctrl >= 0 && nl_socket_add_membership(nl->sk, ctrl))) {
		fprintf(stderr, "streamctl: monitor: cannot join the events group: %s\n",
			strerror(errno));
		return EXIT_ERROR;
	}
	(void)nl_socket_set_buffer_size(nl->sk, MONITOR_RCVBUF, 0);
	(void)nl_socket_set_nonblocking(nl->sk);
	m->family = nl->family;
	return EXIT_OK;
}

/* Events are not answers to a request: any sequence number goes. */
static int monitor_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int monitor_loop(struct kst_nl *nl, struct monitor *m,
			const sigset_t *waitmask)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = 0, ret = EXIT_OK;

	if (!cb)
		return kst_nl_nomem();
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, monitor_valid, m);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, monitor_any_seq, NULL);
	while (!monitor_stop && !m->unloaded && !m->failed &&
	       (!m->count || m->seen < m->count)) {
		struct pollfd p = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };

		if (ppoll(&p, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "streamctl: monitor: poll: %s\n", strerror(errno));
			ret = EXIT_ERROR;
			break;
		}
		err = nl_recvmsgs(nl->sk, cb);
		if (err == -NLE_AGAIN || err >= 0)
			continue;
		if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW) {
			/* ENOBUFS: the socket overflowed, events were dropped. */
			fprintf(stderr, "streamctl: monitor: events were lost (receive buffer overrun)\n");
			continue;
		}
		fprintf(stderr, "streamctl: monitor: netlink: %s\n", nl_geterror(err));
		ret = EXIT_ERROR;
		break;
	}
	nl_cb_put(cb);
	if (!ret && m->unloaded) {
		fprintf(stderr, "streamctl: monitor: kstream was unloaded\n");
		ret = EXIT_NOMODULE;
	}
	if (!ret && m->failed)
		ret = EXIT_ERROR;
	return ret;
}

/* streamctl monitor [-n COUNT] */
int cmd_monitor(struct ctl *ctl, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = monitor_on_signal };
	struct monitor m = { .ctl = ctl };
	sigset_t block, waitmask;
	struct kst_nl nl;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if ((strcmp(argv[i], "-n") && strcmp(argv[i], "--count")) ||
		    i + 1 >= argc) {
			fprintf(stderr, "streamctl: monitor: unexpected argument \"%s\"\n",
				argv[i]);
			return EXIT_USAGE;
		}
		if (parse_uint(argv[i + 1], UINT32_MAX, &m.count) || !m.count) {
			fprintf(stderr, "streamctl: monitor: bad count \"%s\" (1 or more)\n",
				argv[i + 1]);
			return EXIT_USAGE;
		}
		i++;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = kst_nl_open(&nl);
	if (ret)
		return ret;
	ret = monitor_subscribe(&nl, &m);
	if (!ret)
		ret = monitor_loop(&nl, &m, &waitmask);
	kst_nl_close(&nl);
	return ret;
}
