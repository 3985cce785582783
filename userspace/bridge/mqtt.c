// SPDX-License-Identifier: GPL-2.0
/*
 * MQTT routes (engine.h), over libmosquitto (MQTT 5), one thread each,
 * libmosquitto driven by this thread's poll(2) (no library thread).
 *
 * Out (local topic -> MQTT topic):
 *  - every message carries the user property kstream-origin =
 *    "NODEID/TOPIC/SEQ" (engine_cfg.h), so an in route can publish it as
 *    an idempotent producer;
 *  - at most `inflight` messages are published and not acknowledged; the
 *    route's cursor (what it reports acknowledged, what it checkpoints)
 *    moves only over a prefix acknowledged by PUBACK (QoS 1), PUBCOMP
 *    (QoS 2) or, for QoS 0, written to the socket;
 *  - the session is persistent (clean start off, session expiry) for the
 *    life of the process: libmosquitto resends the unacknowledged messages
 *    with their packet ids after a reconnect.  A new process first clears
 *    its session (one clean connect): packet ids restart from 1 and must
 *    not meet half-finished QoS 2 flows of the previous process;
 *  - resume without a state file: the route keeps a retained checkpoint
 *    message (an acknowledged origin, trailing by one period: see
 *    out_checkpoint()) on an MQTT topic of its own, written every
 *    checkpoint_ms; at start it reads it back (the
 *    retained message arrives before the answer to a probe publish sent
 *    after subscribing) and resumes right after it.  Messages between the
 *    checkpoint and a crash are published again (at least once to MQTT
 *    subscribers; an in route discards them: exactly once into kstream).
 *
 * In (MQTT filter -> local topic): a persistent session subscribed with
 * the route's QoS.  A message with a kstream-origin property is published
 * as the idempotent producer of its origin (the same producer id a
 * kstream:// route uses), so repeats are discarded by the kernel and a
 * sequence jump is counted as a gap; a message without it is published
 * as is (at least once, counted as unkeyed).  The PUBACK of a QoS 1
 * message leaves after the commit (mq_new()), so QoS 1 is exactly once
 * across a daemon crash.  A QoS 2 message is answered with PUBREC and
 * held by libmosquitto 2.0 until PUBREL before it is handed over: a daemon
 * killed or stopped in between loses it (Documentation/bridge.rst says
 * what covers it).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "conn.h"
#include "daemon.h"
#include "engine.h"
#include "events.h"
#include "libkstream.h"

#define MQ_CONNECT_MS	10000	/* TCP + TLS + CONNACK */
#define MQ_PROBE_MS	10000	/* checkpoint read back */
#define MQ_KEEPALIVE_S	10
#define MQ_RECEIVE_MAX	1024	/* in routes: QoS 1 and 2 messages unacknowledged */

struct mq {
	struct eroute *r;
	const struct be_route *e;
	struct mosquitto *m;
	char host[BE_URL_MAX], port[8];
	bool connected, acked_connect, session_present;
	bool used;			/* this client object connected before */
	bool clearing;			/* out_clear_session(): not counted */
	int connack_rc;
	/* out */
	struct ks_consumer *src;
	struct ewin w;
	bool positioned;
	/* checkpoint */
	int ckpt_mid, probe_mid;
	bool ckpt_busy, probe_back, probe_acked, ckpt_found;
	uint64_t ckpt_sending, ckpt_written, ckpt_seq, ckpt_at;
	bool have_written;
	uint64_t trail;			/* acknowledged at the previous tick */
	bool have_trail;
	/* in */
	struct er_sinks *sinks;
	char origin_topic[BF_NAME_MAX + 1];
};

void mqtt_engine_init(void)
{
	mosquitto_lib_init();
}

/* HOST[:PORT] or [V6][:PORT] */
static int split_hostport(const char *s, const char *defport, char *host, size_t hcap,
			  char *port, size_t pcap)
{
	const char *c;
	size_t hl;

	if (*s == '[') {
		c = strchr(s, ']');
		if (!c)
			return -EINVAL;
		hl = (size_t)(c - s - 1);
		s++;
		c = c[1] == ':' ? c + 1 : NULL;
	} else {
		c = strrchr(s, ':');
		hl = c ? (size_t)(c - s) : strlen(s);
	}
	if (!hl || hl >= hcap || strlen(c ? c + 1 : defport) >= pcap)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	strcpy(port, c ? c + 1 : defport);
	return atoi(port) > 0 && atoi(port) < 65536 ? 0 : -EINVAL;
}

/* ---- callbacks (run inside mosquitto_loop_* and mosquitto_publish in this thread) ---- */

static void on_connect(struct mosquitto *m, void *obj, int rc, int flags,
		       const mosquitto_property *props)
{
	struct mq *q = obj;

	(void)m;
	(void)props;
	q->acked_connect = true;
	q->connack_rc = rc;
	q->connected = rc == 0;
	q->session_present = flags & 1;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *p)
{
	struct mq *q = obj;

	(void)m;
	(void)rc;
	(void)p;
	q->connected = false;
}

static void on_publish(struct mosquitto *m, void *obj, int mid, int reason,
		       const mosquitto_property *props)
{
	struct mq *q = obj;

	(void)m;
	(void)props;
	if (q->ckpt_busy && mid == q->ckpt_mid) {
		q->ckpt_busy = false;
		if (reason < 128) {
			q->ckpt_written = q->ckpt_sending;
			q->have_written = true;
			atomic_fetch_add(&q->r->st.checkpoints, 1);
		}
		return;
	}
	if (mid == q->probe_mid) {
		q->probe_acked = true;
		q->probe_mid = -1;	/* packet ids wrap: never match a later one */
		return;
	}
	if (reason >= 128) {
		/* Refused by the broker (not authorized, quota, ...): not delivered. */
		er_lose(q->r, BEV_NOSEQ, 1, "the broker refused a publish to %s: %s", q->e->path,
			mosquitto_reason_string(reason));
	}
	/* Not in the window: the probe or checkpoint of a previous connection. */
	ewin_ack(&q->w, (uint64_t)mid, false);
}

/* The user property kstream-origin, if the message has a well-formed one. */
static bool origin_of(const mosquitto_property *props, uint64_t *node, char *topic,
		      size_t cap, uint64_t *seq)
{
	const mosquitto_property *p = props;
	char *name = NULL, *value = NULL;
	bool found = false, first = true;

	while ((p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value,
							!first))) {
		first = false;
		if (!found && !strcmp(name, BE_ORIGIN_PROP) &&
		    !be_origin_parse(value, strlen(value), node, topic, cap, seq))
			found = true;
		free(name);
		free(value);
		name = value = NULL;
	}
	return found;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	struct mq *q = obj;
	uint64_t node = 0, seq = 0;
	bool keyed;
	int err;

	(void)m;
	keyed = origin_of(props, &node, q->origin_topic, sizeof(q->origin_topic), &seq);
	if (!q->e->in) {
		/* The checkpoint topic: the retained checkpoint, then our probe. */
		if (!msg->retain && msg->payloadlen == 5 && !memcmp(msg->payload, "probe", 5)) {
			q->probe_back = true;
		} else if (msg->retain && msg->payloadlen > 0 && msg->payloadlen < BE_ORIGIN_MAX &&
			   !be_origin_parse(msg->payload, (size_t)msg->payloadlen, &node,
					    q->origin_topic, sizeof(q->origin_topic), &seq) &&
			   node == q->r->node_id && !strcmp(q->origin_topic, q->r->cfg.source)) {
			q->ckpt_found = true;
			q->ckpt_seq = seq;
		}
		return;
	}
	err = er_publish(q->r, q->sinks, keyed, keyed ? bc_producer_id(node, q->origin_topic) : 0,
			 seq, msg->payload, (uint32_t)msg->payloadlen, true);
	if (err < 0 && err != -ECANCELED)
		blog("route %s: publishing into %s: %s (message lost: the broker has its ack)",
		     q->r->cfg.name, q->r->cfg.topic, strerror(-err));
}

/* ---- connection ---- */

/*
 * Before CONNACK on a TLS route: the handshake failed, or (TLS 1.3) the
 * broker refused the client certificate after it and closed.
 */
static bool tls_error(int rc)
{
	return rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_CONN_LOST ||
	       (rc == MOSQ_ERR_ERRNO && (errno == EPROTO || errno == ECONNRESET));
}

/*
 * One pass of the loop: wait on the socket (and @extra_fd, and the stop
 * eventfd until the route is stopping: it stays readable then), read,
 * write, keepalive.
 */
static int pump(struct mq *q, int timeout_ms, int extra_fd)
{
	struct pollfd p[3];
	int n = 0, is = -1, rc = MOSQ_ERR_SUCCESS, sock = mosquitto_socket(q->m);

	if (!atomic_load(&q->r->stop))
		p[n++] = (struct pollfd){ .fd = q->r->wake_fd, .events = POLLIN };
	if (sock >= 0) {
		is = n;
		p[n++] = (struct pollfd){ .fd = sock, .events = POLLIN |
					  (mosquitto_want_write(q->m) ? POLLOUT : 0) };
	}
	if (extra_fd >= 0)
		p[n++] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	if (poll(p, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return MOSQ_ERR_ERRNO;
	if (is >= 0 && (p[is].revents & (POLLIN | POLLERR | POLLHUP)))
		rc = mosquitto_loop_read(q->m, 1);
	if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(q->m) >= 0 && mosquitto_want_write(q->m))
		rc = mosquitto_loop_write(q->m, 1);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_misc(q->m);
	return rc;
}

static int mq_new(struct mq *q, bool clean)
{
	const struct bc_tls *t = &q->r->cfg.tls;

	if (q->m)
		mosquitto_destroy(q->m);
	q->used = false;
	q->m = mosquitto_new(q->e->client_id, clean, q);
	if (!q->m)
		return -ENOMEM;
	mosquitto_int_option(q->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(q->m, MOSQ_OPT_SEND_MAXIMUM, (int)q->e->inflight);
	mosquitto_int_option(q->m, MOSQ_OPT_TCP_NODELAY, 1);
	/*
	 * libmosquitto 2.0 counts the QoS 2 messages it holds (PUBREC sent,
	 * PUBREL not yet come) against its receive maximum again after a
	 * reconnect, and treats one more PUBLISH as a protocol error: a broker
	 * restored from persistence can resend more than its usual in-flight
	 * count and the route would reconnect forever.  A larger receive
	 * maximum leaves room; what is held stays bounded by it.
	 */
	if (q->e->in)
		mosquitto_int_option(q->m, MOSQ_OPT_RECEIVE_MAXIMUM, MQ_RECEIVE_MAX);
	/*
	 * "Threaded" (by us): libmosquitto then only queues what it sends and
	 * pump() writes it after mosquitto_loop_read() returned, so the PUBACK
	 * of an incoming QoS 1 message leaves after on_message() committed it:
	 * a daemon killed in between never acknowledged it, and the broker
	 * sends it again.  (Otherwise libmosquitto 2.0 writes it first.)
	 */
	mosquitto_threaded_set(q->m, true);
	mosquitto_connect_v5_callback_set(q->m, on_connect);
	mosquitto_disconnect_v5_callback_set(q->m, on_disconnect);
	mosquitto_publish_v5_callback_set(q->m, on_publish);
	mosquitto_message_v5_callback_set(q->m, on_message);
	if (q->e->tls) {
		if (mosquitto_tls_set(q->m, t->ca, NULL, t->cert[0] ? t->cert : NULL,
				      t->key[0] ? t->key : NULL, NULL) ||
		    mosquitto_tls_opts_set(q->m, 1, "tlsv1.2", NULL))
			return -EINVAL;
	}
	return 0;
}

/* DISCONNECT (queued: see mq_new()), written before the socket closes. */
static void mq_disconnect(struct mq *q)
{
	int i;

	mosquitto_disconnect(q->m);
	for (i = 0; i < 10 && mosquitto_socket(q->m) >= 0 && mosquitto_want_write(q->m); i++)
		if (mosquitto_loop_write(q->m, 1) != MOSQ_ERR_SUCCESS)
			break;
	q->connected = false;
}

/* Connect (or reconnect the same client) and wait for CONNACK. */
static int mq_connect(struct mq *q)
{
	mosquitto_property *props = NULL;
	uint64_t end = now_ms() + MQ_CONNECT_MS;
	int rc;

	q->acked_connect = q->connected = false;
	er_state(q->r, ER_CONNECTING, "connecting to %s:%s", q->host, q->port);
	if (!q->used) {
		/* libmosquitto keeps the properties for its reconnects. */
		mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
					     q->e->session_expiry);
		rc = mosquitto_connect_bind_v5(q->m, q->host, atoi(q->port), MQ_KEEPALIVE_S, NULL,
					       props);
		mosquitto_property_free_all(&props);
		q->used = rc == MOSQ_ERR_SUCCESS;
	} else {
		rc = mosquitto_reconnect(q->m);
	}
	while (rc == MOSQ_ERR_SUCCESS && !q->acked_connect && now_ms() < end &&
	       !atomic_load(&q->r->stop))
		rc = pump(q, 100, -1);
	if (q->connected) {
		if (!q->clearing && atomic_fetch_add(&q->r->st.connects, 1))
			atomic_fetch_add(&q->r->st.reconnects, 1);
		return 0;
	}
	atomic_fetch_add(&q->r->st.connect_failures, 1);
	if (q->e->tls && tls_error(rc))
		atomic_fetch_add(&q->r->st.tls_failures, 1);
	er_state(q->r, ER_DOWN, "%s:%s: %s", q->host, q->port,
		 q->acked_connect ? mosquitto_reason_string(q->connack_rc) :
		 rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		 rc ? mosquitto_strerror(rc) : "no CONNACK");
	mq_disconnect(q);
	return -ECONNREFUSED;
}

/* Connect until it works or the route stops; true if connected. */
static bool mq_connect_retry(struct mq *q)
{
	uint64_t backoff = 0;

	while (!atomic_load(&q->r->stop)) {
		if (!mq_connect(q))
			return true;
		if (er_sleep(q->r, er_backoff(q->r, &backoff)))
			break;
	}
	return false;
}

/* ---- out ---- */

/* A new process: end the previous process's session (see the top of the file). */
static int out_clear_session(struct mq *q)
{
	int err = mq_new(q, true);

	if (err)
		return err;
	q->clearing = true;
	if (!mq_connect_retry(q)) {
		q->clearing = false;
		return -ECANCELED;
	}
	q->clearing = false;
	mq_disconnect(q);
	return mq_new(q, false);
}

/* Read the retained checkpoint back: true if found (q->ckpt_seq). */
static bool out_read_checkpoint(struct mq *q)
{
	uint64_t end = now_ms() + MQ_PROBE_MS;
	int rc = mosquitto_subscribe_v5(q->m, NULL, q->e->checkpoint, 1, 0, NULL);

	q->probe_back = q->probe_acked = q->ckpt_found = false;
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_publish_v5(q->m, &q->probe_mid, q->e->checkpoint, 5, "probe", 1,
					  false, NULL);
	while (rc == MOSQ_ERR_SUCCESS && !(q->probe_back && q->probe_acked) && q->connected &&
	       now_ms() < end && !atomic_load(&q->r->stop))
		rc = pump(q, 100, -1);
	q->probe_mid = -1;
	mosquitto_unsubscribe_v5(q->m, NULL, q->e->checkpoint, NULL);
	if (!q->probe_back)
		blog("route %s: checkpoint %s: no answer to the probe, starting from `start`",
		     q->r->cfg.name, q->e->checkpoint);
	return q->probe_back && q->ckpt_found;
}

/*
 * The checkpoint trails the acknowledgements by one period: each tick
 * writes what was acknowledged at the previous tick.  A restart then
 * publishes at least the last period again, which an in route downstream
 * discards as repeats, and which covers what libmosquitto acknowledged to
 * the broker for such an in route but a crash kept it from committing.
 */
static void out_checkpoint(struct mq *q, bool force)
{
	char buf[BE_ORIGIN_MAX];
	uint64_t want = q->trail, now = now_ms();
	bool have = q->have_trail;
	int n;

	if (!q->e->checkpoint[0] || q->ckpt_busy || !q->connected)
		return;
	if (!force && now < q->ckpt_at + q->e->checkpoint_ms)
		return;
	q->ckpt_at = now;
	if (!force) {
		q->trail = atomic_load(&q->r->st.acked_seq);
		q->have_trail = atomic_load(&q->r->st.have_acked);
	}
	if (!have || (q->have_written && q->ckpt_written == want))
		return;
	n = be_origin_format(buf, sizeof(buf), q->r->node_id, q->r->cfg.source, want);
	if (n < 0)
		return;
	if (mosquitto_publish_v5(q->m, &q->ckpt_mid, q->e->checkpoint, n, buf, 1, true, NULL) ==
	    MOSQ_ERR_SUCCESS) {
		q->ckpt_busy = true;
		q->ckpt_sending = want;
	}
}

/* Publish what the source has while the window has room. */
static void out_fill(struct mq *q)
{
	mosquitto_property *props = NULL;
	char origin[BE_ORIGIN_MAX];
	struct ks_msg msg;
	int mid, rc, n;

	while (q->connected && !ewin_full(&q->w) && !atomic_load(&q->r->stop)) {
		n = er_source_next(q->r, q->src, &msg);
		if (n <= 0) {
			if (n < 0 && n != -EINTR)
				er_state(q->r, ER_DOWN, "source %s: %s", q->r->cfg.source,
					 strerror(-n));
			return;
		}
		if (be_origin_format(origin, sizeof(origin), q->r->node_id, q->r->cfg.source,
				     msg.seq) < 0 ||
		    mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY,
						       BE_ORIGIN_PROP, origin)) {
			mosquitto_property_free_all(&props);
			ks_release(q->src);
			er_source_seek(q->r, q->src, msg.seq);	/* out of memory: again later */
			return;
		}
		rc = mosquitto_publish_v5(q->m, &mid, q->e->path, (int)msg.len, msg.data,
					  q->e->qos, false, props);
		mosquitto_property_free_all(&props);
		if (rc != MOSQ_ERR_SUCCESS) {
			/* Not taken: read it again after the reconnect. */
			ks_release(q->src);
			er_source_seek(q->r, q->src, msg.seq);
			if (rc != MOSQ_ERR_NO_CONN)
				blog("route %s: publish: %s", q->r->cfg.name, mosquitto_strerror(rc));
			return;
		}
		/* Acknowledged at the earliest when pump() writes it (mq_new()). */
		ewin_push(&q->w, msg.seq, (uint64_t)mid, msg.len);
		er_sent(q->r, msg.seq);
		ks_release(q->src);
	}
}

/*
 * After a reconnect: did the broker lose what it had acknowledged?  A
 * broker killed between two saves of its database (Mosquitto's
 * autosave_interval) comes back with the state of its last save: its
 * retained checkpoint is then older than the last one it acknowledged to
 * this route, or gone, and the messages it acknowledged since are gone
 * too.  The checkpoint it kept and the queues it kept come from the same
 * save, so publishing again from right after that checkpoint covers what
 * it lost (in routes discard what they had already: exactly once into
 * kstream).  No answer to the probe: not known, checked at the next
 * reconnect.
 */
static bool out_broker_lost_state(struct mq *q)
{
	/* Acknowledged before the connection failed (a resent one may be acked during the probe). */
	uint64_t had = q->ckpt_written;

	if (!q->e->checkpoint[0] || q->e->qos == 0 || !q->have_written)
		return false;
	if (out_read_checkpoint(q) && q->ckpt_seq >= had)
		return false;
	if (!q->connected || !q->probe_back)
		return false;
	if (q->ckpt_found)
		bev_emit(BEV_PEER, "route", q->r->cfg.name, BEV_NOSEQ, 0, "the broker lost "
			 "acknowledged state: its checkpoint is %" PRIu64 ", it had acknowledged "
			 "%" PRIu64 ": publishing again from %" PRIu64, q->ckpt_seq, had,
			 q->ckpt_seq + 1);
	else
		bev_emit(BEV_PEER, "route", q->r->cfg.name, BEV_NOSEQ, 0, "the broker lost "
			 "acknowledged state: its checkpoint (%" PRIu64 " acknowledged) is gone: "
			 "starting over from `start`", had);
	atomic_fetch_add(&q->r->st.broker_resets, 1);
	return true;
}

static void out_lost_connection(struct mq *q)
{
	if (q->e->qos == 0 && q->w.n) {
		/* At most once: what was not written is dropped, and counted. */
		er_lose(q->r, BEV_NOSEQ, q->w.n, "QoS 0: unsent when the connection was lost");
		ewin_clear(&q->w);
		ewin_advance(&q->w, q->r);
	}
	/* QoS 1 and 2, the checkpoint too: libmosquitto publishes them again. */
}

/* Clear the session, read the checkpoint, open the source right after it (or at `start`). */
static bool out_position(struct mq *q)
{
	int err = q->e->checkpoint[0] ? out_clear_session(q) : mq_new(q, false);

	if (err)
		return false;
	while (!q->positioned && !atomic_load(&q->r->stop)) {
		bool resumed;

		if (!q->connected && !mq_connect_retry(q))
			break;
		resumed = q->e->checkpoint[0] && out_read_checkpoint(q);
		if (!q->connected)
			continue;
		if (er_source_open(q->r, &q->src, resumed, q->ckpt_seq + 1))
			return false;
		if (resumed) {
			atomic_store(&q->r->st.resume_from, ERS_CHECKPOINT);
			atomic_store(&q->r->st.acked_seq, q->ckpt_seq);
			atomic_store(&q->r->st.have_acked, true);
			q->ckpt_written = q->trail = q->ckpt_seq;
			q->have_written = q->have_trail = true;
		}
		q->positioned = true;
	}
	return q->positioned;
}

static void mqtt_out(struct mq *q)
{
	uint64_t drain_end = 0;
	bool announce = true;

	if (ewin_init(&q->w, q->e->inflight))
		return;
	if (!out_position(q))
		goto out;
	while (q->positioned) {
		if (atomic_load(&q->r->stop)) {
			if (!drain_end)
				drain_end = now_ms() + q->r->dead_ms;
			if (!q->w.n || now_ms() >= drain_end || !q->connected)
				break;
		}
		if (!q->connected) {
			out_lost_connection(q);
			er_state(q->r, ER_DOWN, "connection lost, reconnecting");
			if (!mq_connect_retry(q))
				break;
			announce = true;
			if (out_broker_lost_state(q)) {
				/* Start over as a new process would, from what the broker kept. */
				ewin_clear(&q->w);
				ks_consumer_close(q->src);
				q->src = NULL;
				q->positioned = q->have_written = q->have_trail = false;
				q->ckpt_busy = false;
				if (!out_position(q))
					break;
			}
		}
		if (announce)
			er_state(q->r, ER_UP, "publishing to %s:%s %s qos %d%s", q->host, q->port,
				 q->e->path, q->e->qos, q->session_present ? "" : " (new session)");
		announce = false;
		out_fill(q);
		ewin_advance(&q->w, q->r);
		out_checkpoint(q, false);
		if (pump(q, 100, ewin_full(&q->w) || atomic_load(&q->r->stop) ? -1 :
			 ks_consumer_fd(q->src)) != MOSQ_ERR_SUCCESS)
			q->connected = false;
		ewin_advance(&q->w, q->r);
	}
	if (q->connected) {
		/* The final checkpoint, acknowledged (bounded by dead_ms). */
		uint64_t end = now_ms() + q->r->dead_ms;

		out_checkpoint(q, true);
		while (q->ckpt_busy && q->connected && now_ms() < end)
			if (pump(q, 50, -1) != MOSQ_ERR_SUCCESS)
				break;
		if (q->w.n)
			blog("route %s: stopping with %u unacknowledged (published again after "
			     "restart)", q->r->cfg.name, q->w.n);
		mq_disconnect(q);
	}
out:
	ewin_free(&q->w);
	ks_consumer_close(q->src);
}

/* ---- in ---- */

static void mqtt_in(struct mq *q)
{
	int err, rc, mid;

	err = er_sinks_open(&q->sinks, q->r->cfg.topic);
	if (err) {
		er_state(q->r, ER_STOPPED, "local topic %s: %s", q->r->cfg.topic, strerror(-err));
		return;
	}
	if (mq_new(q, false))
		goto out;
	while (!atomic_load(&q->r->stop)) {
		if (!q->connected) {
			if (!mq_connect_retry(q))
				break;
			rc = mosquitto_subscribe_v5(q->m, &mid, q->e->path, q->e->qos, 0, NULL);
			if (rc != MOSQ_ERR_SUCCESS) {
				er_state(q->r, ER_DOWN, "subscribe %s: %s", q->e->path,
					 mosquitto_strerror(rc));
				q->connected = false;
				continue;
			}
			er_state(q->r, ER_UP, "subscribed to %s on %s:%s qos %d%s", q->e->path,
				 q->host, q->port, q->e->qos,
				 q->session_present ? "" : " (new session)");
		}
		if (pump(q, 200, -1) != MOSQ_ERR_SUCCESS || !q->connected) {
			q->connected = false;
			er_state(q->r, ER_DOWN, "connection lost, reconnecting");
		}
	}
	if (q->connected)
		mq_disconnect(q);
out:
	er_sinks_close(q->sinks);
}

void *mqtt_route_main(void *arg)
{
	struct mq q = { .r = arg, .e = &((struct eroute *)arg)->cfg.engine, .probe_mid = -1 };

	if (split_hostport(q.e->servers, q.e->tls ? "8883" : "1883", q.host, sizeof(q.host),
			   q.port, sizeof(q.port))) {
		er_state(q.r, ER_STOPPED, "server '%s': expected HOST[:PORT]", q.e->servers);
		return NULL;
	}
	if (q.e->in)
		mqtt_in(&q);
	else
		mqtt_out(&q);
	if (q.m)
		mosquitto_destroy(q.m);
	er_state(q.r, ER_STOPPED, "stopped");
	return NULL;
}
