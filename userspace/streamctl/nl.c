// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl: requests to the "kstream" generic netlink family.
 *
 * libnl 3.7 does not expose the extended ack, so the error and done
 * callbacks parse the NLMSGERR_ATTR_* TLVs that follow the nlmsgerr (or
 * the NLMSG_DONE error code) themselves.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>

#include <linux/kstream.h>

#include "nl.h"
#include "streamctl.h"

#define KST_EXTACK_MAX	256

/* State of one request, shared by its callbacks. */
struct kst_req {
	kst_reply_fn fn;
	void *arg;
	bool done;		/* ack, error or end of dump seen */
	int error;		/* positive errno of the failure, 0 if none */
	char msg[KST_EXTACK_MAX];	/* what went wrong, "" if unknown */
};

int kst_nl_nomem(void)
{
	fprintf(stderr, "streamctl: out of memory\n");
	return EXIT_ERROR;
}

static int kst_nl_fail(struct kst_nl *nl, int nlerr)
{
	fprintf(stderr, "streamctl: netlink: %s\n", nl_geterror(nlerr));
	kst_nl_close(nl);
	return EXIT_ERROR;
}

/* Best effort: kernels without extended acks just send less. */
static void kst_nl_enable_ext_ack(struct nl_sock *sk)
{
	int one = 1;

	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	/* Do not echo our request back in error messages. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));
}

int kst_nl_open(struct kst_nl *nl)
{
	int err;

	nl->family = 0;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return kst_nl_nomem();
	err = genl_connect(nl->sk);
	if (err < 0)
		return kst_nl_fail(nl, err);
	kst_nl_enable_ext_ack(nl->sk);
	err = genl_ctrl_resolve(nl->sk, KSTREAM_GENL_NAME);
	if (err == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr, "streamctl: kstream is not loaded (modprobe kstream)\n");
		kst_nl_close(nl);
		return EXIT_NOMODULE;
	}
	if (err < 0)
		return kst_nl_fail(nl, err);
	nl->family = err;
	return EXIT_OK;
}

void kst_nl_close(struct kst_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *kst_nl_msg(const struct kst_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, KSTREAM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Bytes of an NLMSG_ERROR payload before its TLVs; SIZE_MAX if truncated. */
static size_t kst_err_hdrlen(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t len = sizeof(*e);

	if (nlmsg_datalen(nlh) < (int)sizeof(*e))
		return SIZE_MAX;
	/* Unless capped, the request's payload is echoed after its header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		len += e->msg.nlmsg_len - NLMSG_HDRLEN;
	return len;
}

/*
 * Offset in the payload of nlh (an NLMSG_ERROR, or an NLMSG_DONE that
 * starts with an int error code) of its extended-ack TLVs, or -1 if it
 * has none.
 */
static int kst_extack_offset(const struct nlmsghdr *nlh)
{
	size_t datalen = nlmsg_datalen(nlh);
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return -1;
	if (nlh->nlmsg_type == NLMSG_DONE)
		off = sizeof(int);
	else if (nlh->nlmsg_type == NLMSG_ERROR)
		off = kst_err_hdrlen(nlh);
	else
		return -1;
	if (off > datalen || NLMSG_ALIGN(off) > datalen)
		return -1;
	return NLMSG_ALIGN(off);
}

/* Copy the NLMSGERR_ATTR_MSG of nlh to buf ("" if there is none). */
static void kst_extack_msg(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int off = kst_extack_offset(nlh);
	char *payload = nlmsg_data(nlh);

	buf[0] = '\0';
	if (off < 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(payload + off),
		      nlmsg_datalen(nlh) - off, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(buf, tb[NLMSGERR_ATTR_MSG], len);
}

static int kst_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct kst_req *req = arg;

	(void)who;
	req->error = e->error < 0 ? -e->error : EPROTO;
	kst_extack_msg(nlh, req->msg, sizeof(req->msg));
	req->done = true;
	return NL_STOP;
}

/* A successful ack may still carry a warning. */
static int kst_ack_cb(struct nl_msg *msg, void *arg)
{
	struct kst_req *req = arg;
	char warn[KST_EXTACK_MAX];

	kst_extack_msg(nlmsg_hdr(msg), warn, sizeof(warn));
	if (warn[0])
		fprintf(stderr, "streamctl: warning: %s\n", warn);
	req->done = true;
	return NL_STOP;
}

/* The end of a dump carries an error code: a dump can fail half-way. */
static int kst_finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct kst_req *req = arg;
	int err = 0;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		req->error = -err;
		kst_extack_msg(nlh, req->msg, sizeof(req->msg));
	}
	req->done = true;
	return NL_STOP;
}

static int kst_valid_cb(struct nl_msg *msg, void *arg)
{
	struct kst_req *req = arg;

	if (!req->fn || !req->fn(nlmsg_hdr(msg), req->arg))
		return NL_OK;
	req->error = EPROTO;
	snprintf(req->msg, sizeof(req->msg), "malformed reply from the kernel");
	req->done = true;
	return NL_STOP;
}

static struct nl_cb *kst_req_cb(struct kst_req *req)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, kst_valid_cb, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, kst_ack_cb, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, kst_finish_cb, req);
	nl_cb_err(cb, NL_CB_CUSTOM, kst_err_cb, req);
	return cb;
}

static int kst_req_report(const struct kst_req *req, int nlerr)
{
	if (req->error && req->msg[0])
		fprintf(stderr, "streamctl: %s: %s\n", strerror(req->error),
			req->msg);
	else if (req->error == EPERM)
		fprintf(stderr, "streamctl: %s (this needs CAP_NET_ADMIN)\n",
			strerror(req->error));
	else if (req->error)
		fprintf(stderr, "streamctl: %s\n", strerror(req->error));
	else if (nlerr < 0)
		fprintf(stderr, "streamctl: netlink: %s\n", nl_geterror(nlerr));
	else
		return EXIT_OK;
	return EXIT_ERROR;
}

/* Send msg (freed) and run the callbacks until done; the libnl result. */
static int kst_nl_run(struct kst_nl *nl, struct nl_msg *msg,
		      struct kst_req *req)
{
	struct nl_cb *cb = kst_req_cb(req);
	int err;

	if (!cb) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !req->done)
		err = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	return err;
}

int kst_nl_request(struct kst_nl *nl, struct nl_msg *msg, kst_reply_fn fn,
		   void *arg)
{
	struct kst_req req = { .fn = fn, .arg = arg };
	int err = kst_nl_run(nl, msg, &req);

	if (err == -NLE_NOMEM && !req.done)
		return kst_nl_nomem();
	return kst_req_report(&req, err);
}

int kst_nl_request_quiet(struct kst_nl *nl, struct nl_msg *msg,
			 kst_reply_fn fn, void *arg)
{
	struct kst_req req = { .fn = fn, .arg = arg };
	int err = kst_nl_run(nl, msg, &req);

	if (req.error)
		return -req.error;
	return err < 0 ? -EIO : 0;
}
