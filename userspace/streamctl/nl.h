/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streamctl: requests to the "kstream" generic netlink family, with the
 * kernel's extended-ack messages in the error reports.
 */
#ifndef STREAMCTL_NL_H
#define STREAMCTL_NL_H

#include <stdint.h>

#include <netlink/msg.h>
#include <netlink/socket.h>

struct kst_attr_desc;

struct kst_nl {
	struct nl_sock *sk;
	int family;		/* generic netlink id of "kstream" */
	char what[128];		/* "topic add big": errors name it ("" none) */
	const struct kst_attr_desc *attrs;	/* arguments errors can name */
};

/* Set nl->what, the command and object the following requests are for. */
__attribute__((format(printf, 2, 3)))
void kst_nl_what(struct kst_nl *nl, const char *fmt, ...);

/*
 * Connect and resolve the family.  Returns EXIT_OK, or prints why not and
 * returns EXIT_NOMODULE (no such family) or EXIT_ERROR.
 */
int kst_nl_open(struct kst_nl *nl);
void kst_nl_close(struct kst_nl *nl);

/* A kstream request for cmd with NLM_F_* flags, or NULL (out of memory). */
struct nl_msg *kst_nl_msg(const struct kst_nl *nl, uint8_t cmd, int flags);

/*
 * Called for each reply message (not for acks, errors or NLMSG_DONE).
 * Return 0, or non-zero if the message is malformed: that stops the
 * request, which then fails.
 */
typedef int (*kst_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Send msg (always freed) and process the replies until the ack (send
 * NLM_F_ACK with non-dump requests) or the end of the dump.  Returns
 * EXIT_OK, or prints "streamctl: [WHAT: ][ARG VALUE: ]<strerror>[:
 * <extack message>][ (allowed: MIN to MAX)]" (nlerr.h; WHAT is nl->what,
 * ARG named by nl->attrs) to stderr and returns EXIT_ERROR.  fn may be
 * NULL.
 */
int kst_nl_request(struct kst_nl *nl, struct nl_msg *msg, kst_reply_fn fn,
		   void *arg);

/* The same, printing nothing: 0, or the -errno the kernel (or libnl) gave. */
int kst_nl_request_quiet(struct kst_nl *nl, struct nl_msg *msg,
			 kst_reply_fn fn, void *arg);

/* Print "out of memory"; returns EXIT_ERROR. */
int kst_nl_nomem(void);

#endif /* STREAMCTL_NL_H */
