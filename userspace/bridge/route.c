// SPDX-License-Identifier: GPL-2.0
/*
 * Routes: the sending side.  A route consumes a local topic with
 * libkstream's zero-copy consumer, batches messages into DATA frames and
 * sends them to a receiver over its own connection (stream id 1).
 *
 * Life of a connection: connect (non-blocking) -> TLS handshake -> HELLO
 * both ways -> OPEN -> RESUME -> the consumer is repositioned right after
 * the receiver's last committed sequence -> DATA/ACK.  Any failure closes
 * the connection and schedules a reconnect with exponential backoff and
 * jitter.  The consumer is read only while the connection can take a whole
 * frame and the unacknowledged bytes are below the window (backpressure:
 * a block source then holds its producers back).
 *
 * Uses: conn.c, frame.c, libkstream, spool.c.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/kstream.h>

#include "daemon.h"
#include "events.h"
#include "libkstream.h"
#include "spool.h"
#include "tls.h"

#define STREAM_ID 1

static void route_close_conn(struct route *r, const char *why, bool failure);
static void spool_position(struct route *r);
static void pump(struct route *r);
static int open_source(struct route *r);
static void close_source(struct route *r);
static bool spooling(const struct route *r);
static void ack_upto(struct route *r, uint64_t seq);
static void source_retry(struct route *r, uint64_t now);
static int position(struct route *r, enum ks_whence how, uint64_t seq);
static int start_position(struct route *r);
static void spool_loss_event(struct route *r, uint64_t before, const char *why);

static uint32_t batch_cap(const struct route *r)
{
	return r->d->cfg->node.max_frame - BF_DATA_HDR_LEN;
}

int route_start(struct daemon *d, const struct bc_route *cfg, struct route **rp)
{
	struct route *r = calloc(1, sizeof(*r));
	char err[256];
	int e;

	if (!r)
		return -ENOMEM;
	r->d = d;
	r->cfg = *cfg;
	r->ev_sock = (struct ev){ .kind = EV_ROUTE_SOCK, .obj = r, .fd = -1 };
	r->ev_src = (struct ev){ .kind = EV_ROUTE_SRC, .obj = r, .fd = -1 };
	r->backoff_ms = d->cfg->node.reconnect_min_ms;
	if (bf_batch_init(&r->batch, batch_cap(r))) {
		free(r);
		return -ENOMEM;
	}
	if (!cfg->tls.insecure) {
		r->ctx = btls_ctx(&cfg->tls, false, err, sizeof(err));
		if (!r->ctx) {
			blog("route %s: %s", cfg->name, err);
			bf_batch_free(&r->batch);
			free(r);
			return -EINVAL;
		}
	}
	r->src_backoff_ms = d->cfg->node.reconnect_min_ms;
	source_retry(r, now_ms());
	if (cfg->spool_dir[0]) {
		r->bounce = malloc(KSTREAM_MSG_MAX_LIMIT);
		e = r->bounce ? spool_open(&r->spool, cfg->spool_dir, cfg->name, cfg->spool_size,
					   cfg->spool_fsync, err, sizeof(err)) : -ENOMEM;
		if (e) {
			blog("route %s: spool: %s", cfg->name, r->bounce ? err : "out of memory");
			route_stop(r, false);
			return e;
		}
		spool_loss_event(r, 0, "a torn or corrupt record at the spool's end, cut off");
		if (spool_has_records(r->spool))
			blog("route %s: spool %s/%s holds %llu messages (%llu-%llu) to replay",
			     cfg->name, cfg->spool_dir, cfg->name,
			     (unsigned long long)spool_records(r->spool),
			     (unsigned long long)spool_first_seq(r->spool),
			     (unsigned long long)spool_last_seq(r->spool));
		/* Spool from now on, until a connection streams. */
		spool_position(r);
		pump(r);
	}
	r->retry_at_ms = 0;	/* connect at the first tick */
	snprintf(r->state_msg, sizeof(r->state_msg), "starting");
	*rp = r;
	return 0;
}

void route_stop(struct route *r, bool graceful)
{
	if (!r)
		return;
	r->draining = true;	/* no spooling on the way out */
	if (r->have_conn) {
		if (graceful && r->conn.state == CONN_READY) {
			char err[128];

			conn_send_error(&r->conn, BF_CLOSE, BF_C_OK, "route stopped");
			conn_flush(&r->conn, err, sizeof(err));
		}
		route_close_conn(r, "stopped", false);
	}
	close_source(r);
	if (r->ctx)
		SSL_CTX_free(r->ctx);
	spool_close(r->spool);
	free(r->bounce);
	bf_batch_free(&r->batch);
	r->d->freed = true;
	free(r);
}

/* ---- connection ---- */

/* When to try again, and the next backoff (doubled up to the maximum). */
static uint64_t backoff(const struct route *r, uint64_t *backoff_ms)
{
	uint64_t b = *backoff_ms;

	*backoff_ms = b * 2 > r->d->cfg->node.reconnect_max_ms ?
		r->d->cfg->node.reconnect_max_ms : b * 2;
	/* "Equal jitter": half the backoff fixed, half random. */
	return now_ms() + b / 2 + (uint64_t)random() % (b / 2 + 1);
}

static void schedule_retry(struct route *r)
{
	r->retry_at_ms = backoff(r, &r->backoff_ms);
}

static void route_close_conn(struct route *r, const char *why, bool failure)
{
	if (!r->have_conn)
		return;
	if (failure)
		bev_emit(BEV_PEER, "route", r->cfg.name, BEV_NOSEQ, 0,
			 "connection to %s:%s closed: %s", r->cfg.host, r->cfg.port, why);
	snprintf(r->state_msg, sizeof(r->state_msg), "%s", why);
	ev_del(r->d, &r->ev_sock);
	conn_free(&r->conn);
	r->have_conn = false;
	r->state = R_IDLE;
	r->positioned = false;
	/*
	 * What was sent and not acknowledged is sent again after RESUME; the
	 * in-flight list stays until then, so that what RESUME reports as
	 * committed is counted as delivered.
	 */
	bf_batch_reset(&r->batch);
	ev_del(r->d, &r->ev_src);
	schedule_retry(r);
	if (r->spool && !r->draining) {
		/* What is unacknowledged goes to the spool, then what comes next. */
		spool_position(r);
		pump(r);
	}
}

static void route_connect(struct route *r)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *ai = NULL;
	char err[256];
	int fd, one = 1, e;

	e = getaddrinfo(r->cfg.host, r->cfg.port, &hints, &ai);
	if (e) {
		snprintf(r->state_msg, sizeof(r->state_msg), "resolve %.100s: %s", r->cfg.host,
			 gai_strerror(e));
		schedule_retry(r);
		return;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		snprintf(r->state_msg, sizeof(r->state_msg), "socket: %s", strerror(errno));
		schedule_retry(r);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		snprintf(r->state_msg, sizeof(r->state_msg), "connect %.100s:%s: %s", r->cfg.host,
			 r->cfg.port, strerror(errno));
		freeaddrinfo(ai);
		close(fd);
		schedule_retry(r);
		return;
	}
	freeaddrinfo(ai);
	/* A route only receives small frames: it announces and accepts the minimum. */
	if (conn_init(&r->conn, fd, r->ctx, false, r->cfg.host, BF_MIN_FRAME,
		      2 * ((size_t)r->d->cfg->node.max_frame + BF_HDR_LEN))) {
		close(fd);
		snprintf(r->state_msg, sizeof(r->state_msg), "out of memory");
		schedule_retry(r);
		return;
	}
	snprintf(r->conn.addr, sizeof(r->conn.addr), "%.70s:%s", r->cfg.host, r->cfg.port);
	r->have_conn = true;
	r->state = R_CONNECTING;
	r->st.connects++;
	if (r->st.connects > 1)
		r->st.reconnects++;
	(void)err;
	ev_set(r->d, &r->ev_sock, fd, EPOLLOUT);
}

/* ---- the source ---- */

/* Place the consumer at @seq (or the oldest retained after it); count what is gone. */
/*
 * The anchor: a second reader of the source that never reads, kept on the
 * oldest message the route may still need (the first unacknowledged one,
 * or, while spooling, the next one to spool).  A block source's producers
 * then wait rather than overwrite what was sent but not acknowledged, so
 * a resume after a reconnect finds it.  Overwrite sources ignore readers;
 * there the spool is what bridges outages.
 */
static void anchor_to(struct route *r, uint64_t seq)
{
	int64_t at;

	if (!r->anchor || (r->anchor_set && r->anchor_at == seq))
		return;
	at = ks_seek(r->anchor, KS_SEEK_SEQ, seq);
	if (at < 0) {
		blog("route %s: anchor seek in %s: %s", r->cfg.name, r->cfg.source,
		     strerror((int)-at));
		return;
	}
	r->anchor_set = true;
	r->anchor_at = seq;
}

static int open_source(struct route *r)
{
	int e = ks_consumer_open(&r->src, r->cfg.source, KS_ZEROCOPY | KS_NONBLOCK);
	struct kstream_fd_info info;

	if (e) {
		r->src = NULL;
		return e;
	}
	/*
	 * A spooled overwrite source: keep what is in flight within half its
	 * ring, so that a connection that stalls leaves the unacknowledged
	 * messages in the ring for the spool to take (falling_behind()).
	 */
	r->ring_window = 0;
	if (!ioctl(ks_consumer_fd(r->src), KSTREAM_IOC_INFO, &info) &&
	    info.policy == KSTREAM_POLICY_OVERWRITE)
		r->ring_window = info.ring_size / 2;
	e = ks_consumer_open(&r->anchor, r->cfg.source, KS_NONBLOCK);
	if (e) {
		blog("route %s: anchor on %s: %s (a block source may overwrite unacknowledged "
		     "messages)", r->cfg.name, r->cfg.source, strerror(-e));
		r->anchor = NULL;
	}
	r->anchor_set = false;
	return 0;
}

static void close_source(struct route *r)
{
	ev_del(r->d, &r->ev_src);
	ks_consumer_close(r->src);
	ks_consumer_close(r->anchor);
	r->src = NULL;
	r->anchor = NULL;
	r->positioned = false;
	r->src_hup = false;
}

static const char *const source_states[] = {
	[SRC_OPEN] = "open", [SRC_MISSING] = "missing", [SRC_DENIED] = "denied",
	[SRC_GONE] = "deleted", [SRC_FAILED] = "failed",
};

const char *route_source_state(const struct route *r)
{
	return source_states[r->src_state];
}

static enum source_state source_state_of(int e)
{
	switch (e) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return SRC_MISSING;
	case -EACCES:
	case -EPERM:
		return SRC_DENIED;
	default:
		return SRC_FAILED;
	}
}

/*
 * The source went away under the route: deleted (-EPIPE, once what it
 * held was read: a deleted topic stays readable to its end), or the right
 * to subscribe was revoked (-EACCES: the ring is not touched again, the
 * kernel no longer serves its pages).  Logged, counted, shown in status;
 * the connection stays (what was sent is still acknowledged) and the
 * topic is opened again with the reconnect backoff (route_tick).
 */
static void source_lost(struct route *r, int e)
{
	enum source_state st = e == -EPIPE ? SRC_GONE : source_state_of(e);

	if (st == SRC_GONE) {
		bool read = r->have_expect && r->expect > 0;

		r->st.source_deleted++;
		/* The highest sequence of the old topic the receiver may hold. */
		r->gone_known = read || r->have_acked;
		r->gone_end = read ? r->expect - 1 : 0;
		if (r->have_acked && r->acked > r->gone_end)
			r->gone_end = r->acked;
		/* Sent and not acknowledged: lost if the connection fails first (resume()). */
		r->gone_unacked = read && (!r->have_acked || r->acked < r->expect - 1);
		bev_emit(BEV_SOURCE, "route", r->cfg.name, BEV_NOSEQ, 0,
			 "source topic %s was deleted (read to its end, sequence %llu); "
			 "retrying to open it", r->cfg.source, (unsigned long long)r->gone_end);
	} else {
		if (st == SRC_DENIED)
			r->st.source_denied++;
		bev_emit(BEV_SOURCE, "route", r->cfg.name, BEV_NOSEQ, 0,
			 "source topic %s: %s; retrying to open it",
			 r->cfg.source, strerror(-e));
	}
	snprintf(r->state_msg, sizeof(r->state_msg), "source %s: %s", r->cfg.source,
		 st == SRC_GONE ? "deleted" : strerror(-e));
	close_source(r);
	r->src_state = st;
	r->src_backoff_ms = r->d->cfg->node.reconnect_min_ms;
	r->src_retry_at_ms = backoff(r, &r->src_backoff_ms);
}

/* Place a newly opened source where the route needs it. */
static void source_place(struct route *r)
{
	if (r->src_recreated) {
		/*
		 * A new topic under the old name numbers its messages from 0
		 * again: what the receiver has of the old one (up to gone_end)
		 * would hide the new topic's messages with the same sequence
		 * as duplicates.  They are counted as loss (take()), and all
		 * that the new topic holds is read.
		 */
		r->src_recreated = false;
		lossmark_clear(&r->lost);	/* a new sequence space */
		r->have_floor = r->gone_known;
		r->floor = r->gone_end;
		r->have_floor_done = false;
		if (r->have_floor)
			blog("route %s: %s is a new topic: its messages up to sequence %llu "
			     "collide with the deleted one's at the receiver and are counted "
			     "as lost", r->cfg.name, r->cfg.source,
			     (unsigned long long)r->floor);
		if (r->spool || r->state == R_STREAMING)
			position(r, KS_SEEK_OLDEST, 0);
		return;
	}
	if (r->spool)
		spool_position(r);
	else if (r->state == R_STREAMING && r->have_pos)
		position(r, KS_SEEK_SEQ, r->pos);
	else if (r->state == R_STREAMING)
		start_position(r);
	/* Otherwise the next RESUME places it. */
}

/* Open the source if it is not; on failure try again later (backoff). */
static void source_retry(struct route *r, uint64_t now)
{
	enum source_state was = r->src_state;
	int e;

	if (r->src || r->draining || now < r->src_retry_at_ms)
		return;
	e = open_source(r);
	if (e) {
		enum source_state st = source_state_of(e);

		/* A deleted source stays "deleted" until it is back. */
		if (was != SRC_GONE)
			r->src_state = st;
		if (st != was && was != SRC_GONE)
			blog("route %s: source topic %s: %s (retrying)", r->cfg.name,
			     r->cfg.source, strerror(-e));
		snprintf(r->state_msg, sizeof(r->state_msg), "source %s: %s", r->cfg.source,
			 was == SRC_GONE ? "deleted" : strerror(-e));
		if (!r->src_backoff_ms)
			r->src_backoff_ms = r->d->cfg->node.reconnect_min_ms;
		r->src_retry_at_ms = backoff(r, &r->src_backoff_ms);
		return;
	}
	r->src_state = SRC_OPEN;
	r->src_backoff_ms = r->d->cfg->node.reconnect_min_ms;
	if (was != SRC_OPEN) {
		blog("route %s: source topic %s open%s", r->cfg.name, r->cfg.source,
		     was == SRC_GONE ? " again (a new topic)" : "");
		if (r->state == R_STREAMING)
			snprintf(r->state_msg, sizeof(r->state_msg), "streaming");
	}
	r->src_recreated = was == SRC_GONE;
	source_place(r);
	pump(r);
}

/*
 * @n messages of the source from @first (BEV_NOSEQ: not known) will never
 * reach the receiver: every loss of a kstream route is counted here, and
 * logged and recorded as an event (events.h).
 */
static void __attribute__((format(printf, 4, 5)))
route_lose(struct route *r, uint64_t first, uint64_t n, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	r->st.loss += n;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	bev_emit(BEV_LOSS, "route", r->cfg.name, first, n, "%s: %s", r->cfg.source, why);
}

/*
 * What the spool dropped since it counted @before (spool_lost(): status
 * adds it to the route's loss itself): an event, and logged.
 */
static void spool_loss_event(struct route *r, uint64_t before, const char *why)
{
	uint64_t now = spool_lost(r->spool);

	if (now <= before)
		return;
	bev_emit(BEV_LOSS, "route", r->cfg.name, BEV_NOSEQ, now - before, "%s: %s", r->cfg.source,
		 why);
}

/* Messages [@from, @to) of the source are gone: counted once (loss.h). */
static void count_gap(struct route *r, uint64_t from, uint64_t to, const char *why)
{
	uint64_t pf, pt;

	while (lossmark_take(&r->lost, &from, to, &pf, &pt))
		route_lose(r, pf, pt - pf, "%s", why);
}

static int position(struct route *r, enum ks_whence how, uint64_t seq)
{
	int64_t at;

	if (!r->src) {
		r->positioned = false;
		return 0;	/* placed when it opens (source_place()) */
	}
	/* What a recreated source holds at or below the floor is counted in take(). */
	if (how == KS_SEEK_SEQ && r->have_floor && seq <= r->floor + 1)
		how = KS_SEEK_OLDEST;
	at = ks_seek(r->src, how, seq);

	if (at < 0) {
		blog("route %s: seek in %s: %s", r->cfg.name, r->cfg.source, strerror((int)-at));
		return (int)at;
	}
	if (how == KS_SEEK_SEQ && (uint64_t)at > seq) {
		count_gap(r, seq, (uint64_t)at, "no longer retained when the route resumed");
	} else if (how == KS_SEEK_SEQ && (uint64_t)at < seq) {
		/* Sequences restarted: the topic was recreated (see source_place()). */
		blog("route %s: source %s is behind the receiver (head %lld, resume at %llu): "
		     "recreated? its messages up to %llu are counted as lost", r->cfg.name,
		     r->cfg.source, (long long)at, (unsigned long long)seq,
		     (unsigned long long)seq - 1);
		if (!r->have_floor || r->floor < seq - 1) {
			r->have_floor = true;
			r->floor = seq - 1;
		}
	}
	r->have_expect = true;
	r->expect = (uint64_t)at;
	r->positioned = true;
	anchor_to(r, (uint64_t)at);
	return 0;
}

static int start_position(struct route *r)
{
	switch (r->cfg.start) {
	case BC_START_OLDEST:
		return position(r, KS_SEEK_OLDEST, 0);
	case BC_START_SEQ:
		return position(r, KS_SEEK_SEQ, r->cfg.start_seq);
	default:
		return position(r, KS_SEEK_LIVE, 0);
	}
}

/* With a spool: the consumer goes right after what the spool holds or what is unacknowledged. */
static void spool_position(struct route *r)
{
	uint64_t at;

	if (!r->src)
		return;
	if (spool_has_records(r->spool)) {
		at = spool_last_seq(r->spool) + 1;
		if (r->have_pos && r->pos > at)
			at = r->pos;
		position(r, KS_SEEK_SEQ, at);
	} else if (r->have_pos) {
		position(r, KS_SEEK_SEQ, r->pos);
	} else if (!r->positioned) {
		start_position(r);
	}
}

/* RESUME with a spool: replay what it holds above the receiver's last sequence. */
static int resume_spool(struct route *r, const struct bf_resume *rs)
{
	bool known = rs->flags & BF_RESUME_KNOWN;

	if (known) {
		spool_ack(r->spool, rs->last_seq);
		spool_rewind(r->spool, rs->last_seq);
	} else if (r->have_pos && r->pos) {
		spool_rewind(r->spool, r->pos - 1);
	} else {
		spool_rewind_all(r->spool);
	}
	if (!spool_reader_at_end(r->spool)) {
		/* Replay; the consumer keeps appending after the spool. */
		if (!r->positioned)
			position(r, KS_SEEK_SEQ, spool_last_seq(r->spool) + 1);
		return 0;
	}
	if (known)
		return position(r, KS_SEEK_SEQ, rs->last_seq + 1);
	if (r->have_pos)
		return position(r, KS_SEEK_SEQ, r->pos);
	return r->positioned ? 0 : start_position(r);
}

/*
 * Messages of a deleted source sent and not acknowledged cannot be sent
 * again: what the receiver lacks of them (and no spool holds) is lost,
 * counted once, at the first RESUME after the deletion.
 */
static void gone_account(struct route *r, const struct bf_resume *rs)
{
	uint64_t have;

	if (!r->gone_unacked)
		return;
	r->gone_unacked = false;
	if (rs->flags & BF_RESUME_KNOWN)
		have = rs->last_seq;
	else if (r->have_acked)
		have = r->acked;
	else
		return;
	if (r->spool && spool_has_records(r->spool) && spool_last_seq(r->spool) > have)
		have = spool_last_seq(r->spool);
	if (have >= r->gone_end)
		return;
	route_lose(r, have + 1, r->gone_end - have,
		   "sent before the topic was deleted and never acknowledged");
}

static int resume(struct route *r, const struct bf_resume *rs)
{
	r->st.resumes++;
	gone_account(r, rs);
	if (rs->flags & BF_RESUME_KNOWN) {
		r->have_acked = true;
		r->acked = rs->last_seq;
		r->have_pos = true;
		r->pos = rs->last_seq + 1;
		ack_upto(r, rs->last_seq);
	}
	/* The rest of what was in flight is sent again. */
	r->infl_head = r->infl_n = 0;
	r->infl_bytes = 0;
	r->infl_raw = 0;
	if (r->spool)
		return resume_spool(r, rs);
	if (!r->src)
		return 0;	/* placed when it opens (source_place()) */
	if (rs->flags & BF_RESUME_KNOWN)
		return position(r, KS_SEEK_SEQ, rs->last_seq + 1);
	if (r->have_pos)
		return position(r, KS_SEEK_SEQ, r->pos);
	return start_position(r);
}

static bool can_send(const struct route *r)
{
	return r->state == R_STREAMING && !r->draining &&
	       conn_room(&r->conn) >= BF_HDR_LEN + (size_t)r->conn.peer_max &&
	       r->infl_bytes < r->cfg.window_bytes && r->infl_n < ROUTE_INFLIGHT_MAX &&
	       (!r->spool || !r->ring_window || r->infl_raw < r->ring_window);
}

static enum bf_codec codec(const struct route *r)
{
	if (r->cfg.compression == BF_CODEC_LZ4 && (r->conn.features & BF_FEAT_LZ4))
		return BF_CODEC_LZ4;
	if (r->cfg.compression == BF_CODEC_ZSTD && (r->conn.features & BF_FEAT_ZSTD))
		return BF_CODEC_ZSTD;
	return BF_CODEC_NONE;
}

static void flush_batch(struct route *r)
{
	struct bf_batch *bt = &r->batch;
	uint32_t wire = 0, slot;
	int e;

	if (!bt->count)
		return;
	e = bf_put_data(&r->conn.out, STREAM_ID, bt, codec(r), r->cfg.compression_level, &wire);
	if (e) {	/* cannot happen: can_send() checked the room */
		blog("route %s: DATA frame: %s", r->cfg.name, bf_strerror(e));
		route_close_conn(r, "internal error", true);
		return;
	}
	slot = (r->infl_head + r->infl_n) % ROUTE_INFLIGHT_MAX;
	r->infl[slot].last_seq = bt->last_seq;
	r->infl[slot].msgs = bt->count;
	r->infl[slot].bytes = (uint32_t)bt->payload_bytes;
	r->infl[slot].frame = BF_HDR_LEN + wire;
	r->infl[slot].raw = (uint32_t)bt->len;
	r->infl_n++;
	r->infl_bytes += BF_HDR_LEN + wire;
	r->infl_raw += bt->len;
	if (!r->have_pos) {
		r->have_pos = true;
		r->pos = bt->first_seq;
	}
	r->st.batches++;
	r->st.sent_messages += bt->count;
	r->st.sent_bytes += bt->payload_bytes;
	r->st.raw_bytes += bt->len;
	r->st.wire_bytes += wire - BF_DATA_HDR_LEN;
	bf_batch_reset(bt);
}

/*
 * The next message of the source, with loss accounting: 1 (*m valid until
 * ks_release), 0 none now, -errno.  A deleted source is read to its end
 * (poll said EPOLLHUP: nothing left now means nothing ever again) and then
 * closed, as is one whose right to subscribe was revoked (source_lost()).
 */
static int take(struct route *r, struct ks_msg *m)
{
	bool skipped = false;
	int e;

again:
	e = ks_next(r->src, m);
	if (e == 0 && r->src_hup)
		e = -EPIPE;
	/* Skipped messages are not needed again: a block source may overwrite them. */
	if (skipped)
		anchor_to(r, e == 1 ? m->seq : r->expect);
	if (e <= 0) {
		if (e == -EPIPE || e == -EACCES) {
			source_lost(r, e);
		} else if (e < 0) {
			blog("route %s: reading %s: %s", r->cfg.name, r->cfg.source, strerror(-e));
			snprintf(r->state_msg, sizeof(r->state_msg), "source: %s", strerror(-e));
		}
		return e;
	}
	if (r->have_floor && m->seq <= r->floor) {
		/* A recreated source's message the receiver would take for a duplicate. */
		if (!r->have_floor_done || m->seq > r->floor_done) {
			route_lose(r, m->seq, 1, "a new topic's message the receiver takes for "
				   "the deleted one's");
			r->have_floor_done = true;
			r->floor_done = m->seq;
		}
		r->have_expect = true;
		r->expect = m->seq + 1;
		ks_release(r->src);
		skipped = true;
		goto again;
	}
	if (r->have_floor && m->seq > r->floor)
		r->have_floor = false;
	if (r->have_expect && m->seq > r->expect)
		count_gap(r, r->expect, m->seq, "overwritten before it was read");
	r->have_expect = true;
	r->expect = m->seq + 1;
	return 1;
}

/* Room in the batch for one more record of @len; 0, or -1 if it can never be sent. */
static int make_room(struct route *r, uint64_t seq, uint32_t len)
{
	if ((size_t)len + BF_REC_HDR_LEN > batch_cap(r) ||
	    (size_t)len + BF_REC_HDR_LEN + BF_DATA_HDR_LEN > r->conn.peer_max) {
		route_lose(r, seq, 1, "larger than a frame");
		return -1;
	}
	if (r->batch.count &&
	    (r->batch.len + BF_REC_HDR_LEN + len > batch_cap(r) ||
	     r->batch.len + BF_REC_HDR_LEN + len + BF_DATA_HDR_LEN > r->conn.peer_max))
		flush_batch(r);
	if (!r->batch.count)
		r->batch_started_ms = now_ms();
	return 0;
}

/* Source -> batches, while the connection can take them.  Returns false when the source is empty. */
static bool direct(struct route *r)
{
	struct ks_msg m;
	int e;

	while (r->positioned && r->src && can_send(r)) {
		if (take(r, &m) <= 0)
			return false;
		if (make_room(r, m.seq, m.len)) {
			ks_release(r->src);
			continue;
		}
		e = bf_batch_add(&r->batch, r->d->cfg->node.id, m.seq, m.ts_ns, m.data, m.len);
		if (ks_release(r->src) == -ESTALE) {
			/* Lapped while we copied: the bytes may be torn; the kernel counted it. */
			if (!e) {
				r->batch.len -= BF_REC_HDR_LEN + m.len;
				r->batch.count--;
				r->batch.payload_bytes -= m.len;
				if (!r->batch.count)
					bf_batch_reset(&r->batch);
			}
			route_lose(r, m.seq, 1, "overwritten while it was read");
			continue;
		}
		if (e) {
			blog("route %s: batch: %s", r->cfg.name, bf_strerror(e));
			route_close_conn(r, "internal error", true);
			return false;
		}
		if (r->batch.len >= r->cfg.batch_bytes)
			flush_batch(r);
	}
	return true;
}

/* Spooling: no connection to send on, or the spool is being replayed. */
static bool spooling(const struct route *r)
{
	return r->spool && (r->state != R_STREAMING || !spool_reader_at_end(r->spool));
}

/* Source -> spool (bounded: the spool drops its oldest when full, counted). */
static bool spool_in(struct route *r)
{
	uint64_t dropped = spool_lost(r->spool);
	struct ks_msg m;
	int n = 0, e;

	while (r->positioned && r->src && n < 4096 && take(r, &m) > 0) {
		n++;
		/* Copy out first: an overwrite source may lap a zero-copy reader. */
		memcpy(r->bounce, m.data, m.len);
		if (ks_release(r->src) == -ESTALE) {
			route_lose(r, m.seq, 1, "overwritten while it was read");
			continue;
		}
		e = spool_append(r->spool, m.seq, m.ts_ns, r->bounce, m.len);
		if (e)
			route_lose(r, m.seq, 1, "cannot be spooled: %s", strerror(-e));
	}
	spool_loss_event(r, dropped, "dropped from the full spool, oldest first");
	if (n && r->cfg.spool_fsync == BC_FSYNC_BATCH && now_ms() - r->spool_synced_ms >= 100) {
		spool_sync(r->spool);
		r->spool_synced_ms = now_ms();
	}
	/* What is spooled no longer needs the source. */
	if (n && r->have_expect)
		anchor_to(r, r->expect);
	return true;
}

/* Spool -> batches while the connection can take them. */
static void spool_out(struct route *r)
{
	struct spool_rec rec;
	int x = 0;

	while (can_send(r) && (x = spool_read(r->spool, &rec)) == 1) {
		if (make_room(r, rec.seq, rec.len))
			continue;
		if (bf_batch_add(&r->batch, r->d->cfg->node.id, rec.seq, rec.ts_ns, rec.data,
				 rec.len)) {
			/*
			 * Not above the batch's last (make_room() made room): the
			 * receiver takes the later one first and this one for a
			 * repeat.  Not expected; counted and logged, never silent.
			 */
			route_lose(r, rec.seq, 1, "spool replay out of order (batch at %llu)",
				   (unsigned long long)r->batch.last_seq);
			continue;
		}
		if (r->batch.len >= r->cfg.batch_bytes)
			flush_batch(r);
	}
	if (x < 0) {
		blog("route %s: spool read: %s", r->cfg.name, strerror(-x));
		spool_rewind(r->spool, spool_last_seq(r->spool));	/* skip what cannot be read */
	}
}

/*
 * A revoked subscribe right makes the kernel stop serving the source's
 * ring: the next access raises SIGBUS, possibly before poll reports
 * EPOLLERR.  The ring is read only under ring_guard() (spool_in(),
 * direct()); a SIGBUS there jumps back out of it and the source is closed
 * as revoked.  Nothing is left half done: a batch or the spool takes a
 * message only once it was copied whole, and the consumer is closed.  A
 * SIGBUS anywhere else is not ours and ends the process as it would have.
 */
static sigjmp_buf *ring_jmp;

static void on_sigbus(int sig)
{
	if (ring_jmp)
		siglongjmp(*ring_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* @fn(@r) with ring faults caught: its result, or @fail if the ring went away. */
static bool ring_guard(struct route *r, bool (*fn)(struct route *), bool fail)
{
	static bool installed;
	/* What is used after sigsetjmp() returns twice: not in registers. */
	struct route *volatile vr = r;
	bool (*volatile vfn)(struct route *) = fn;
	volatile bool vfail = fail;
	sigjmp_buf jb;
	bool ret;

	if (!installed) {
		struct sigaction sa = { .sa_handler = on_sigbus };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
		installed = true;
	}
	if (sigsetjmp(jb, 1)) {
		ring_jmp = NULL;
		source_lost(vr, -EACCES);
		return vfail;
	}
	ring_jmp = &jb;
	ret = vfn(vr);
	ring_jmp = NULL;
	return ret;
}

/*
 * A spooled route on an overwrite source that the link cannot keep up
 * with (slow, or stalled with the connection still up): the oldest
 * message it may still have to send again, the first unacknowledged one,
 * has fallen into the older half of what the ring retains, with the
 * window full.  Left streaming directly, a connection failure would find
 * the unacknowledged messages overwritten, and reading on the ring would
 * lap it (counted loss, although the spool has room).  Instead the
 * connection is given up as if it had failed: what is unacknowledged is
 * read again from the ring into the spool (route_close_conn()), the route
 * keeps spooling, and after the reconnect it sends from the spool until
 * it has caught up.  (Switching to the spool on a live connection would
 * leave the batches in flight outside the spool: a failure before their
 * ACK would lose them.)
 */
static bool falling_behind(struct route *r)
{
	struct kstream_fd_info info;
	uint64_t from;

	if (!r->spool || r->state != R_STREAMING || !r->src || !r->have_expect || can_send(r))
		return false;
	if (ioctl(ks_consumer_fd(r->src), KSTREAM_IOC_INFO, &info) ||
	    info.policy != KSTREAM_POLICY_OVERWRITE)
		return false;
	from = r->have_pos && r->pos < r->expect ? r->pos : r->expect;
	/* Unacknowledged and overwritten already: only the connection can deliver them. */
	if (from < info.tail_seq)
		from = r->expect;
	if (info.head_seq <= from)
		return false;
	return (info.head_seq - from) * 2 > info.head_seq - info.tail_seq;
}

/* Move messages: source -> spool -> connection, or source -> connection. */
static void pump(struct route *r)
{
	char err[256];
	bool more = true;

	if (falling_behind(r)) {
		r->st.spills++;
		route_close_conn(r, "the link cannot keep up with the overwrite source: spooling "
				 "until it has caught up", true);
		return;	/* route_close_conn() spooled */
	}
	if (spooling(r) && r->src)
		ring_guard(r, spool_in, true);
	if (r->state == R_STREAMING) {
		if (r->spool && !spool_reader_at_end(r->spool))
			spool_out(r);
		/* No source (deleted, revoked): nothing more will come, flush. */
		if (!r->spool || spool_reader_at_end(r->spool))
			more = r->src ? ring_guard(r, direct, false) : false;
		if (!r->have_conn)
			return;
		if (r->batch.count && (!more || r->draining) &&
		    (r->cfg.linger_ms == 0 || r->draining ||
		     now_ms() - r->batch_started_ms >= r->cfg.linger_ms) &&
		    conn_room(&r->conn) >= BF_HDR_LEN + (size_t)r->conn.peer_max)
			flush_batch(r);
		if (conn_flush(&r->conn, err, sizeof(err))) {
			route_close_conn(r, err, true);
			return;
		}
	}
	/* Wait on the source only when we could take what it has. */
	if (r->src && r->positioned && !r->draining && (spooling(r) || can_send(r)))
		ev_set(r->d, &r->ev_src, ks_consumer_fd(r->src), EPOLLIN);
	else
		ev_del(r->d, &r->ev_src);
}

/* ---- frames from the receiver ---- */

/* Whole in-flight batches up to @seq are delivered. */
static void ack_upto(struct route *r, uint64_t seq)
{
	while (r->infl_n && r->infl[r->infl_head].last_seq <= seq) {
		r->st.messages += r->infl[r->infl_head].msgs;
		r->st.bytes += r->infl[r->infl_head].bytes;
		r->infl_bytes -= r->infl[r->infl_head].frame;
		r->infl_raw -= r->infl[r->infl_head].raw;
		r->infl_head = (r->infl_head + 1) % ROUTE_INFLIGHT_MAX;
		r->infl_n--;
	}
}

static void on_ack(struct route *r, uint64_t seq)
{
	if (r->have_acked && seq < r->acked) {
		r->st.protocol_errors++;
		route_close_conn(r, "ACK went backwards", true);
		return;
	}
	r->have_acked = true;
	r->acked = seq;
	r->have_pos = true;
	r->pos = seq + 1;
	ack_upto(r, seq);
	if (r->gone_unacked && seq >= r->gone_end)
		r->gone_unacked = false;
	if (r->spool)
		spool_ack(r->spool, seq);
	if (!spooling(r))
		anchor_to(r, seq + 1);
	/* A working connection: the next failure starts the backoff again. */
	r->backoff_ms = r->d->cfg->node.reconnect_min_ms;
}

static void send_open(struct route *r)
{
	struct bf_open o = { .producer_id = bc_producer_id(r->d->cfg->node.id, r->cfg.source),
			     .origin_node = r->d->cfg->node.id };

	strcpy(o.topic, r->cfg.topic);
	strcpy(o.source, r->cfg.source);
	bf_put_open(&r->conn.out, STREAM_ID, &o);
}

static int on_frame(struct route *r, const struct bf_frame *f, char *err, size_t errlen)
{
	struct bf_resume rs;
	struct bf_error e;
	uint64_t v;
	int x;

	if (r->conn.state == CONN_HELLO) {
		if (conn_hello(&r->conn, f, &r->d->hello, err, errlen))
			return -1;
		send_open(r);
		bf_batch_reset(&r->batch);
		bf_batch_limit(&r->batch, r->conn.peer_max - BF_DATA_HDR_LEN);
		r->state = R_OPENING;
		return 0;
	}
	switch (f->type) {
	case BF_RESUME:
		if (r->state != R_OPENING || f->stream != STREAM_ID)
			goto proto;
		x = bf_parse_resume(f, &rs);
		if (x)
			goto bad;
		if (rs.producer_id != bc_producer_id(r->d->cfg->node.id, r->cfg.source)) {
			snprintf(err, errlen, "RESUME for another producer id");
			goto proto_msg;
		}
		if (resume(r, &rs)) {
			snprintf(err, errlen, "%s", r->state_msg);
			return -1;
		}
		r->state = R_STREAMING;
		snprintf(r->state_msg, sizeof(r->state_msg), "streaming");
		blog("route %s: streaming %s to %s:%s/%s (%s, peer %s, resume %s%llu)",
		     r->cfg.name, r->cfg.source, r->cfg.host, r->cfg.port, r->cfg.topic,
		     r->conn.ssl ? SSL_get_version(r->conn.ssl) : "plaintext", r->conn.peer.name,
		     rs.flags & BF_RESUME_KNOWN ? "after " : "at ",
		     (unsigned long long)(rs.flags & BF_RESUME_KNOWN ? rs.last_seq : r->expect));
		return 0;
	case BF_ACK:
		if (r->state != R_STREAMING || f->stream != STREAM_ID)
			goto proto;
		x = bf_parse_ack(f, &v);
		if (x)
			goto bad;
		on_ack(r, v);
		return r->have_conn ? 0 : -2;
	case BF_KEEPALIVE:
		x = bf_parse_keepalive(f, &v);
		return x ? (snprintf(err, errlen, "%s", bf_strerror(x)), r->st.protocol_errors++, -1) : 0;
	case BF_ERROR:
	case BF_CLOSE:
		x = bf_parse_error(f, &e);
		if (x)
			goto bad;
		if (f->type == BF_ERROR && (e.code == BF_C_DENIED || e.code == BF_C_NO_TOPIC))
			r->st.refused++;
		snprintf(err, errlen, "peer %s: %.160s (code %u)",
			 f->type == BF_CLOSE ? "closed" : "refused", e.text, e.code);
		return -1;
	default:
		goto proto;
	}
bad:
	snprintf(err, errlen, "malformed frame type %u: %s", f->type, bf_strerror(x));
	r->st.protocol_errors++;
	conn_send_error(&r->conn, BF_ERROR, BF_C_PROTOCOL, bf_strerror(x));
	return -1;
proto:
	snprintf(err, errlen, "unexpected frame type %u on stream %u", f->type, f->stream);
proto_msg:
	r->st.protocol_errors++;
	conn_send_error(&r->conn, BF_ERROR, BF_C_PROTOCOL, err);
	return -1;
}

/* Our HELLO: a route receives only small frames, so it accepts only the minimum. */
static void send_hello(struct route *r)
{
	struct bf_hello h = r->d->hello;

	h.max_frame = BF_MIN_FRAME;
	bf_put_hello(&r->conn.out, &h);
}

static void on_socket(struct route *r, uint32_t events)
{
	struct bf_frame f;
	char err[256] = "";
	int x;

	if (r->conn.state == CONN_CONNECTING || r->conn.state == CONN_HANDSHAKE) {
		x = conn_handshake(&r->conn, err, sizeof(err));
		if (x < 0) {
			if (r->conn.state == CONN_HANDSHAKE)
				r->st.tls_failures++;
			route_close_conn(r, err, true);
			return;
		}
		if (x == 0) {
			ev_set(r->d, &r->ev_sock, r->conn.fd, conn_events(&r->conn, true));
			return;
		}
		if (r->ctx && r->cfg.tls.has_pin &&
		    (!r->conn.has_identity || memcmp(r->conn.peer_pin, r->cfg.tls.pin, 32))) {
			r->st.tls_failures++;
			route_close_conn(r, "server key does not match the pin", true);
			return;
		}
		send_hello(r);
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP) || r->conn.want_read_for_write) {
		for (;;) {
			x = conn_read(&r->conn, err, sizeof(err));
			if (x < 0) {
				if (r->conn.state < CONN_READY && r->ctx)
					r->st.tls_failures++;
				route_close_conn(r, err, true);
				return;
			}
			while ((x = bf_dec_next(&r->conn.dec, &f)) == 1) {
				x = on_frame(r, &f, err, sizeof(err));
				if (x == -2)
					return;	/* closed inside */
				if (x) {
					conn_flush(&r->conn, err + strlen(err), 0);
					route_close_conn(r, err, true);
					return;
				}
			}
			if (x < 0) {
				r->st.protocol_errors++;
				snprintf(err, sizeof(err), "malformed input: %s", bf_strerror(x));
				conn_send_error(&r->conn, BF_ERROR, BF_C_PROTOCOL, bf_strerror(x));
				conn_flush(&r->conn, err + strlen(err), 0);
				route_close_conn(r, err, true);
				return;
			}
			/* More only from what OpenSSL holds, not from half a record. */
			if (r->conn.drained || !r->conn.ssl || !SSL_has_pending(r->conn.ssl))
				break;
		}
	}
	if (r->draining && route_drained(r) && r->state == R_STREAMING) {
		conn_send_error(&r->conn, BF_CLOSE, BF_C_OK, "shutting down");
		r->state = R_CLOSING;
	}
	pump(r);
	if (r->have_conn)
		ev_set(r->d, &r->ev_sock, r->conn.fd, conn_events(&r->conn, true));
}

void route_event(struct route *r, struct ev *e, uint32_t events)
{
	if (e == &r->ev_sock) {
		on_socket(r, events);
	} else if (r->src && (events & EPOLLERR)) {
		/* The right to subscribe was revoked: no ring access from now on. */
		int n;

		source_lost(r, ioctl(ks_consumer_fd(r->src), FIONREAD, &n) ? -errno : -EIO);
		pump(r);
	} else {
		/* Deleted: read to its end, then reported (take()). */
		if (r->src && (events & EPOLLHUP))
			r->src_hup = true;
		pump(r);
	}
	if (r->have_conn)
		ev_set(r->d, &r->ev_sock, r->conn.fd, conn_events(&r->conn, true));
}

uint64_t route_tick(struct route *r, uint64_t now)
{
	const struct bc_node *n = &r->d->cfg->node;
	uint64_t next = 1000, dead;

	if (r->spool && r->cfg.spool_fsync == BC_FSYNC_BATCH && now - r->spool_synced_ms >= 100) {
		spool_sync(r->spool);
		r->spool_synced_ms = now;
	}
	if (!r->src && !r->draining) {
		source_retry(r, now);
		if (!r->src)
			next = r->src_retry_at_ms > now ? r->src_retry_at_ms - now : 1;
	}
	if (!r->have_conn) {
		if (r->draining)
			return next;
		if (now >= r->retry_at_ms)
			route_connect(r);
		else
			return r->retry_at_ms - now < next ? r->retry_at_ms - now : next;
		return 10;
	}
	dead = n->dead_ms;
	/* Connecting, TLS and HELLO take round trips a lossy link stretches. */
	if (r->conn.state != CONN_READY && dead < BRIDGE_HANDSHAKE_MS)
		dead = BRIDGE_HANDSHAKE_MS;
	if (now - r->conn.last_rx_ms >= dead) {
		char msg[96];

		snprintf(msg, sizeof(msg), "nothing received for %llu ms: peer dead",
			 (unsigned long long)(now - r->conn.last_rx_ms));
		if (r->conn.state == CONN_READY)
			conn_send_error(&r->conn, BF_ERROR, BF_C_TIMEOUT, "keepalive timeout");
		route_close_conn(r, msg, true);
		return 10;
	}
	if (r->conn.state == CONN_READY && now - r->conn.last_tx_ms >= n->keepalive_ms &&
	    !r->conn.out.len) {
		bf_put_keepalive(&r->conn.out, now);
		r->conn.last_tx_ms = now;
	}
	if (r->state == R_STREAMING)
		pump(r);	/* linger expiry */
	if (r->have_conn) {
		char err[256];

		if (r->conn.out.len && r->conn.state >= CONN_HELLO &&
		    conn_flush(&r->conn, err, sizeof(err))) {
			route_close_conn(r, err, true);
			return 10;
		}
		ev_set(r->d, &r->ev_sock, r->conn.fd, conn_events(&r->conn, true));
		if (r->state == R_CLOSING && !r->conn.out.len) {
			route_close_conn(r, "closed", false);
			return next;
		}
	}
	if (r->batch.count && r->cfg.linger_ms) {
		uint64_t due = r->batch_started_ms + r->cfg.linger_ms;

		if (due <= now)
			next = 1;
		else if (due - now < next)
			next = due - now;
	}
	if (next > n->keepalive_ms / 2)
		next = n->keepalive_ms / 2;
	return next;
}

bool route_drained(const struct route *r)
{
	return !r->have_conn || r->state != R_STREAMING || (!r->infl_n && !r->batch.count);
}

uint64_t route_lag(const struct route *r)
{
	struct kstream_fd_info info;

	if (!r->src || ioctl(ks_consumer_fd(r->src), KSTREAM_IOC_INFO, &info))
		return 0;
	if (!r->have_acked)
		return info.head_seq - info.tail_seq;
	return info.head_seq > r->acked + 1 ? info.head_seq - r->acked - 1 : 0;
}
