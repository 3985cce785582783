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

struct kst_nl {
	struct nl_sock *sk;
	int family;		/* generic netlink id of "kstream" */
};

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
 * EXIT_OK, or prints "streamctl: <strerror>: <extack message>" to stderr
 * and returns EXIT_ERROR.  fn may be NULL.
 */
int kst_nl_request(struct kst_nl *nl, struct nl_msg *msg, kst_reply_fn fn,
		   void *arg);

/* The same, printing nothing: 0, or the -errno the kernel (or libnl) gave. */
int kst_nl_request_quiet(struct kst_nl *nl, struct nl_msg *msg,
			 kst_reply_fn fn, void *arg);

/* Print "out of memory"; returns EXIT_ERROR. */
int kst_nl_nomem(void);

#endif /* STREAMCTL_NL_H */
