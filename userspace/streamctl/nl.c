// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl: requests to the "kstream" generic netlink family.
 *
 * libnl 3.7 does not expose the extended ack, so the error and done
 * callbacks parse the NLMSGERR_ATTR_* TLVs that follow the nlmsgerr (or
 * the NLMSG_DONE error code) themselves.
 */
#include <errno.h>
#include <stdarg.h>
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
#include "nlerr.h"
#include "streamctl.h"

/* State of one request, shared by its callbacks. */
struct kst_req {
	kst_reply_fn fn;
	void *arg;
	struct nl_msg *msg;	/* the request, for the offsets of the ack */
	bool done;		/* ack, error or end of dump seen */
	int error;		/* positive errno of the failure, 0 if none */
	struct kst_extack ext;	/* what the kernel said about it */
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
	nl->what[0] = '\0';
	nl->attrs = NULL;
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

void kst_nl_what(struct kst_nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->what, sizeof(nl->what), fmt, ap);
	va_end(ap);
}

/* The extended ack of nlh (an NLMSG_ERROR or NLMSG_DONE) into req->ext. */
static void kst_req_extack(struct kst_req *req, const struct nlmsghdr *nlh)
{
	kst_extack_parse(nlh, nlh->nlmsg_len,
			 req->msg ? nlmsg_hdr(req->msg) : NULL, GENL_HDRLEN,
			 &req->ext);
}

static int kst_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct kst_req *req = arg;

	(void)who;
	kst_req_extack(req, nlh);
	req->error = e->error < 0 ? -e->error : EPROTO;
	req->ext.error = req->error;
	req->done = true;
	return NL_STOP;
}

/* A successful ack may still carry a warning. */
static int kst_ack_cb(struct nl_msg *msg, void *arg)
{
	struct kst_req *req = arg;

	kst_req_extack(req, nlmsg_hdr(msg));
	if (req->ext.msg[0])
		fprintf(stderr, "streamctl: warning: %s\n", req->ext.msg);
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
		kst_req_extack(req, nlh);
		req->error = -err;
		req->ext.error = req->error;
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
	req->ext.error = EPROTO;
	snprintf(req->ext.msg, sizeof(req->ext.msg), "malformed reply from the kernel");
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

static int kst_req_report(const struct kst_nl *nl, const struct kst_req *req,
			  int nlerr)
{
	char line[2 * KST_EXTACK_MAX];

	if (req->error) {
		kst_extack_format(line, sizeof(line), nl->what, &req->ext,
				  nl->attrs);
		fprintf(stderr, "streamctl: %s\n", line);
	} else if (nlerr < 0) {
		fprintf(stderr, "streamctl: %s%snetlink: %s\n", nl->what,
			nl->what[0] ? ": " : "", nl_geterror(nlerr));
	} else {
		return EXIT_OK;
	}
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
	req->msg = msg;
	err = nl_send_auto(nl->sk, msg);
	while (err >= 0 && !req->done)
		err = nl_recvmsgs(nl->sk, cb);
	req->msg = NULL;
	nlmsg_free(msg);
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
	return kst_req_report(nl, &req, err);
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
