// SPDX-License-Identifier: GPL-2.0
/*
 * NATS JetStream routes (engine.h), over the nats.c client (libnats).
 * nats.c runs its own threads (reader, flusher, reconnects, publish
 * acknowledgements); the route's thread publishes or fetches.
 *
 * Out (local topic -> stream subject): every message carries the header
 * Nats-Msg-Id = "NODEID/TOPIC/SEQ" (engine_cfg.h), so the stream stores a
 * re-send inside its duplicate window once.  Publishes are asynchronous,
 * at most `inflight` unacknowledged (the window); the acknowledgement
 * handler (a nats.c thread) marks them under q->lock, and the route's
 * cursor moves over the acknowledged prefix only.  A negative
 * acknowledgement, or none within NQ_ACK_TIMEOUT_MS, takes the pending
 * publishes back from the library and publishes again from the oldest
 * unacknowledged message (the duplicate window absorbs what had been
 * stored).  Resume without a state file: the stream's last message on the
 * route's subject names the last origin sequence stored; the route starts
 * right after it.
 *
 * In (stream -> local topic): a durable pull consumer with explicit acks.
 * Each message is published as an idempotent producer (producer id from
 * the stream and durable names, producer sequence = stream sequence) and
 * acknowledged only after that publish returned: a crash
 * in between redelivers it and the kernel discards the repeat.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/eventfd.h>

#include <nats/nats.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "daemon.h"
#include "engine.h"
#include "libkstream.h"

#define NQ_ACK_TIMEOUT_MS	5000
#define NQ_MSG_ID		"Nats-Msg-Id"
#define NQ_EXPECT_ID		"Nats-Expected-Last-Msg-Id"
#define NQ_REWIND_MS		200	/* at most this often (a leader election) */
#define NQ_SERVERS		16	/* servers of one route's URL */
/* The in direction's producer ids: "nats" in the origin node's place. */
#define NQ_ORIGIN		0x6e617473ULL

struct nq {
	struct eroute *r;
	const struct be_route *e;
	natsConnection *nc;
	jsCtx *js;
	/* out */
	struct ks_consumer *src;
	pthread_mutex_t lock;		/* w, rewind (the ack handler runs in a nats.c thread) */
	struct ewin w;
	bool rewind;
	bool closing;			/* the handler touches nothing more */
	int ack_fd;			/* eventfd: an acknowledgement came */
	uint64_t progress_ms;
	char prev_id[BE_ORIGIN_MAX];	/* the message before the next one, if stored */
	bool have_prev;
	uint64_t rewound_ms;
	/* in */
	struct er_sinks *sinks;
	natsSubscription *sub;
	atomic_bool reconnected;	/* deliveries may have been lost in transit */
	atomic_bool closed;		/* the connection's last callback ran */
	bool warned_name;
};

static bool nats_ready;

void nats_engine_init(void)
{
	nats_ready = nats_Open(-1) == NATS_OK;
	if (!nats_ready)
		blog("nats: cannot initialise the library: %s", nats_GetLastError(NULL));
}

/*
 * nats.c 3.4's final cleanup (also run from its atexit handler) frees
 * OpenSSL's compression-methods stack, which OpenSSL 3 frees again in its
 * own cleanup: a double free at exit.  The stack is taken out first (it
 * is empty: no compression is used) so both find nothing to free.
 */
void nats_engine_fini(void)
{
	sk_SSL_COMP_free(SSL_COMP_set0_compression_methods(NULL));
	if (nats_ready && nats_CloseAndWait(5000) != NATS_OK)
		blog("nats: the library's threads did not stop within 5 s");
	nats_ready = false;
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	struct nq *q = closure;

	(void)nc;
	er_state(q->r, ER_DOWN, "disconnected, reconnecting");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
	struct nq *q = closure;

	(void)nc;
	atomic_store(&q->reconnected, true);
	atomic_fetch_add(&q->r->st.reconnects, 1);
	er_state(q->r, ER_UP, "reconnected");
}

static void on_closed(natsConnection *nc, void *closure)
{
	struct nq *q = closure;

	(void)nc;
	atomic_store(&q->closed, true);
}

/*
 * The name every server's certificate must carry: nats.c 3.4 checks one
 * name per connection (none unless told), so it is the servers' common
 * host name.  IP literals and differing names cannot be checked that way:
 * then only the chain to the CA is verified (logged once).
 */
static bool tls_name(const struct nq *q, char *name, size_t cap)
{
	char buf[BE_URL_MAX], *tok, *save, *c, addr[16];
	bool first = true;

	snprintf(buf, sizeof(buf), "%s", q->e->servers);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*tok == '[')
			return false;			/* an IPv6 literal */
		c = strrchr(tok, ':');
		if (c)
			*c = 0;
		if (inet_pton(AF_INET, tok, addr) == 1)
			return false;
		if (first)
			snprintf(name, cap, "%s", tok);
		else if (strcmp(name, tok))
			return false;
		first = false;
	}
	return !first;
}

/* Options: the servers (scheme by TLS), reconnects forever, certificates. */
static natsStatus nq_options(struct nq *q, natsOptions **op)
{
	const struct bc_tls *t = &q->r->cfg.tls;
	char urls[NQ_SERVERS][BE_URL_MAX + 8], *tok, *save, buf[BE_URL_MAX];
	const char *list[NQ_SERVERS];
	natsOptions *o = NULL;
	natsStatus s;
	int n = 0;

	/* natsOptions_SetURL() takes one URL only (3.4): a list goes to SetServers. */
	snprintf(buf, sizeof(buf), "%s", q->e->servers);
	for (tok = strtok_r(buf, ",", &save); tok && n < NQ_SERVERS;
	     tok = strtok_r(NULL, ",", &save)) {
		snprintf(urls[n], sizeof(urls[n]), "%s://%s", q->e->tls ? "tls" : "nats", tok);
		list[n] = urls[n];
		n++;
	}
	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, list, n);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, q->r->reconnect_min_ms);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, 5000);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, q);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, q);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, q);
	if (s == NATS_OK && q->e->tls) {
		char name[BE_URL_MAX];

		s = natsOptions_SetSecure(o, true);
		if (s == NATS_OK && tls_name(q, name, sizeof(name)))
			s = natsOptions_SetExpectedHostname(o, name);
		else if (s == NATS_OK && !q->warned_name) {
			blog("route %s: %s: the servers' certificates are checked against the CA "
			     "but not their names (IP addresses or different host names)",
			     q->r->cfg.name, q->e->servers);
			q->warned_name = true;
		}
		if (s == NATS_OK)
			s = natsOptions_LoadCATrustedCertificates(o, t->ca);
		if (s == NATS_OK && t->cert[0])
			s = natsOptions_LoadCertificatesChain(o, t->cert, t->key);
	}
	if (s != NATS_OK) {
		natsOptions_Destroy(o);
		return s;
	}
	*op = o;
	return NATS_OK;
}

/* The stream, created if the route may and it is missing. */
static natsStatus nq_stream(struct nq *q)
{
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	const char *subj[1] = { q->e->path };
	natsStatus s = js_GetStreamInfo(&si, q->js, q->e->stream, NULL, &jerr);

	if (s == NATS_NOT_FOUND && q->e->create) {
		jsStreamConfig_Init(&sc);
		sc.Name = q->e->stream;
		sc.Subjects = subj;
		sc.SubjectsLen = 1;
		sc.Replicas = q->e->replicas;
		sc.Storage = q->e->memory ? js_MemoryStorage : js_FileStorage;
		s = js_AddStream(&si, q->js, &sc, NULL, &jerr);
		if (s == NATS_OK)
			blog("route %s: created stream %s (%s, %u replicas, subject %s)",
			     q->r->cfg.name, q->e->stream, q->e->memory ? "memory" : "file",
			     q->e->replicas, q->e->path);
	}
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK)
		er_state(q->r, ER_DOWN, "stream %s: %s (%d)", q->e->stream,
			 s == NATS_NOT_FOUND ? "no such stream (create = yes makes it)" :
			 natsStatus_GetText(s), (int)jerr);
	return s;
}

/* Close and wait (bounded) for the connection's last callback: then @q may go. */
static void nq_disconnect(struct nq *q)
{
	uint64_t end = now_ms() + 5000;

	natsSubscription_Destroy(q->sub);
	q->sub = NULL;
	jsCtx_Destroy(q->js);
	q->js = NULL;
	if (q->nc) {
		natsConnection_Close(q->nc);
		while (!atomic_load(&q->closed) && now_ms() < end)
			usleep(10000);
		natsConnection_Destroy(q->nc);
	}
	q->nc = NULL;
}

/* Connect, JetStream context, stream: retried until it works or the route stops. */
static bool nq_connect(struct nq *q, jsOptions *jo)
{
	uint64_t backoff = 0;
	natsOptions *o;
	natsStatus s;

	while (!atomic_load(&q->r->stop)) {
		er_state(q->r, ER_CONNECTING, "connecting to %s", q->e->servers);
		atomic_store(&q->closed, false);
		s = nq_options(q, &o);
		if (s == NATS_OK) {
			s = natsConnection_Connect(&q->nc, o);
			natsOptions_Destroy(o);
		}
		if (s == NATS_OK) {
			atomic_fetch_add(&q->r->st.connects, 1);
			s = natsConnection_JetStream(&q->js, q->nc, jo);
			if (s == NATS_OK && nq_stream(q) == NATS_OK)
				return true;
		} else {
			const char *why = nats_GetLastError(NULL);

			atomic_fetch_add(&q->r->st.connect_failures, 1);
			/*
			 * NATS_NO_SERVER: no TCP connection at all.  Anything
			 * else on a TLS route failed in the handshake or, TLS
			 * 1.3, when the server refused the client certificate
			 * right after it (a read error, not an SSL one).
			 */
			if (q->e->tls && s != NATS_NO_SERVER)
				atomic_fetch_add(&q->r->st.tls_failures, 1);
			er_state(q->r, ER_DOWN, "%s: %s", q->e->servers,
				 why ? why : natsStatus_GetText(s));
		}
		nq_disconnect(q);
		if (er_sleep(q->r, er_backoff(q->r, &backoff)))
			break;
	}
	return false;
}

/* ---- out ---- */

/* The origin sequence in a message's Nats-Msg-Id, if it is this route's. */
static bool own_seq(struct nq *q, natsMsg *m, uint64_t *seq)
{
	char topic[BF_NAME_MAX + 1];
	const char *id = NULL;
	uint64_t node;

	return natsMsgHeader_Get(m, NQ_MSG_ID, &id) == NATS_OK && id &&
	       !be_origin_parse(id, strlen(id), &node, topic, sizeof(topic), seq) &&
	       node == q->r->node_id && !strcmp(topic, q->r->cfg.source);
}

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct nq *q = closure;
	uint64_t seq = 0, one = 1;

	(void)js;
	pthread_mutex_lock(&q->lock);
	if (q->closing) {
		pthread_mutex_unlock(&q->lock);
		natsMsg_Destroy(m);
		return;
	}
	if (pa && !pae && own_seq(q, m, &seq)) {
		if (pa->Duplicate)
			atomic_fetch_add(&q->r->st.engine_duplicates, 1);
		ewin_ack(&q->w, seq, true);
	} else {
		q->rewind = true;
	}
	if (write(q->ack_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		blog("route %s: ack wake: %s", q->r->cfg.name, strerror(errno));
	pthread_mutex_unlock(&q->lock);
	natsMsg_Destroy(m);
}

/* Where the stream says this route stopped: true and *seq (the last stored). */
static bool out_resume_point(struct nq *q, uint64_t *seq)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	bool ok = false;

	if (js_GetLastMsg(&m, q->js, q->e->stream, q->e->path, NULL, &jerr) == NATS_OK)
		ok = own_seq(q, m, seq);
	natsMsg_Destroy(m);
	return ok;
}

/* Take the pending publishes back and start again at the oldest unacknowledged. */
static void out_rewind(struct nq *q)
{
	natsMsgList pending = { 0 };
	uint64_t first = 0;
	bool have = false;

	if (js_PublishAsyncGetPendingList(&pending, q->js) == NATS_OK)
		natsMsgList_Destroy(&pending);
	pthread_mutex_lock(&q->lock);
	ewin_advance(&q->w, q->r);
	if (q->w.n) {
		first = ewin_first(&q->w);
		have = true;
	}
	ewin_clear(&q->w);
	q->rewind = false;
	pthread_mutex_unlock(&q->lock);
	atomic_store(&q->r->st.inflight, 0);
	if (have) {
		ks_release(q->src);
		er_source_seek(q->r, q->src, first);
		/* The next publish names the last one stored, if that is known. */
		q->have_prev = atomic_load(&q->r->st.have_acked) &&
			       atomic_load(&q->r->st.acked_seq) + 1 == first;
		if (q->have_prev)
			be_origin_format(q->prev_id, sizeof(q->prev_id), q->r->node_id,
					 q->r->cfg.source, first - 1);
	}
	q->progress_ms = now_ms();
	q->rewound_ms = now_ms();
}

static void out_fill(struct nq *q)
{
	char origin[BE_ORIGIN_MAX];
	struct ks_msg msg;
	natsMsg *m = NULL;
	natsStatus s;
	bool full;
	int n;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		full = ewin_full(&q->w) || q->rewind;
		pthread_mutex_unlock(&q->lock);
		if (full || atomic_load(&q->r->stop))
			return;
		n = er_source_next(q->r, q->src, &msg);
		if (n <= 0)
			return;
		be_origin_format(origin, sizeof(origin), q->r->node_id, q->r->cfg.source, msg.seq);
		s = natsMsg_Create(&m, q->e->path, NULL, msg.data, (int)msg.len);
		if (s == NATS_OK)
			s = natsMsgHeader_Set(m, NQ_MSG_ID, origin);
		/*
		 * Ordered: the stream takes this message only right after the
		 * previous one, so a publish that failed (a leader election) is
		 * never overtaken by the next; the re-send after the rewind
		 * carries the same chain, and duplicates are recognised first.
		 */
		if (s == NATS_OK && !q->e->unordered && q->have_prev)
			s = natsMsgHeader_Set(m, NQ_EXPECT_ID, q->prev_id);
		if (s != NATS_OK) {
			/* Out of memory: read it again later. */
			natsMsg_Destroy(m);
			m = NULL;
			ks_release(q->src);
			er_source_seek(q->r, q->src, msg.seq);
			return;
		}
		pthread_mutex_lock(&q->lock);
		ewin_push(&q->w, msg.seq, msg.seq, msg.len);
		pthread_mutex_unlock(&q->lock);
		s = js_PublishMsgAsync(q->js, &m, NULL);
		natsMsg_Destroy(m);	/* NULL once the library took it */
		m = NULL;
		ks_release(q->src);
		if (s != NATS_OK) {
			pthread_mutex_lock(&q->lock);
			q->rewind = true;	/* it is in the window: published again */
			pthread_mutex_unlock(&q->lock);
			return;
		}
		memcpy(q->prev_id, origin, sizeof(origin));
		q->have_prev = true;
		er_sent(q->r, msg.seq);
	}
}

static void nats_out(struct nq *q)
{
	struct pollfd p[3];
	jsOptions jo;
	uint64_t seq = 0, drain_end = 0, v;
	bool resumed, moved, rewind, connected;
	int pending;

	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = q->e->inflight;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = q;
	if (ewin_init(&q->w, q->e->inflight) || !nq_connect(q, &jo))
		goto out;
	resumed = out_resume_point(q, &seq);
	if (er_source_open(q->r, &q->src, resumed, seq + 1))
		goto out;
	if (resumed) {
		atomic_store(&q->r->st.resume_from, ERS_ENGINE);
		atomic_store(&q->r->st.acked_seq, seq);
		atomic_store(&q->r->st.have_acked, true);
		be_origin_format(q->prev_id, sizeof(q->prev_id), q->r->node_id, q->r->cfg.source,
				 seq);
		q->have_prev = true;
	}
	er_state(q->r, ER_UP, "publishing to stream %s subject %s", q->e->stream, q->e->path);
	q->progress_ms = now_ms();
	for (;;) {
		pthread_mutex_lock(&q->lock);
		moved = ewin_advance(&q->w, q->r);
		pending = (int)q->w.n;
		rewind = q->rewind;
		pthread_mutex_unlock(&q->lock);
		connected = natsConnection_Status(q->nc) == NATS_CONN_STATUS_CONNECTED;
		/* Disconnected: nats.c reconnects; acknowledgements are not due meanwhile. */
		if (moved || !pending || !connected)
			q->progress_ms = now_ms();
		if (atomic_load(&q->r->stop)) {
			if (!drain_end)
				drain_end = now_ms() + q->r->dead_ms;
			if (!pending || now_ms() >= drain_end)
				break;
		}
		if ((rewind && now_ms() >= q->rewound_ms + NQ_REWIND_MS) ||
		    (pending && now_ms() > q->progress_ms + NQ_ACK_TIMEOUT_MS)) {
			if (!rewind)
				blog("route %s: no publish acknowledgement for %d ms: publishing "
				     "again from the oldest unacknowledged", q->r->cfg.name,
				     NQ_ACK_TIMEOUT_MS);
			out_rewind(q);
			rewind = false;
		}
		atomic_store(&q->r->st.acks_pending, (uint64_t)pending);
		if (connected && !rewind)
			out_fill(q);
		/* Stopping: the stop eventfd stays readable, the source is done. */
		p[0] = (struct pollfd){ .fd = q->ack_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = q->r->wake_fd,
					.events = atomic_load(&q->r->stop) ? 0 : POLLIN };
		p[2] = (struct pollfd){ .fd = ks_consumer_fd(q->src),
					.events = atomic_load(&q->r->stop) ? 0 : POLLIN };
		pthread_mutex_lock(&q->lock);
		if (ewin_full(&q->w))
			p[2].events = 0;
		pthread_mutex_unlock(&q->lock);
		poll(p, 3, 100);
		if (p[0].revents & POLLIN && read(q->ack_fd, &v, sizeof(v)) < 0)
			v = 0;
	}
	if (q->w.n)
		blog("route %s: stopping with %u unacknowledged (published again after restart)",
		     q->r->cfg.name, q->w.n);
out:
	pthread_mutex_lock(&q->lock);
	q->closing = true;
	ewin_free(&q->w);
	pthread_mutex_unlock(&q->lock);
	nq_disconnect(q);
	if (q->src)
		ks_consumer_close(q->src);
}

/* ---- in ---- */

/* NATS subject matching: "*" is one token, ">" one or more to the end. */
static bool subject_match(const char *f, const char *s)
{
	for (;;) {
		const char *fe = strchr(f, '.'), *se = strchr(s, '.');
		size_t fl = fe ? (size_t)(fe - f) : strlen(f), sl = se ? (size_t)(se - s) : strlen(s);

		if (fl == 1 && *f == '>')
			return sl > 0;
		if (!(fl == 1 && *f == '*') && (fl != sl || memcmp(f, s, fl)))
			return false;
		if (!fe || !se)
			return !fe && !se;
		f = fe + 1;
		s = se + 1;
	}
}

/*
 * After a (re)start, a failed local publish, or deliveries that went
 * missing on the way (see nats_in()): what the consumer delivered and
 * never saw acknowledged comes back only after AckWait, while a fetch
 * returns newer messages at once; committing those first would make the
 * kernel discard the older ones as repeats.  So those are taken from the
 * stream by sequence first, in order: from past the consumer's
 * acknowledgement floor (and the kernel's last committed) up to the last
 * delivered.  Their redeliveries later are discarded as repeats.  *dseq
 * is the consumer's last delivery sequence: the next delivery is *dseq + 1.
 */
static int in_recover(struct nq *q, uint64_t pid, uint64_t *dseq)
{
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	uint64_t from, to, last, s;
	natsStatus st;
	natsMsg *m;
	int err = 0;

	st = js_GetConsumerInfo(&ci, q->js, q->e->stream, q->e->durable, NULL, &jerr);
	if (st == NATS_NOT_FOUND)
		*dseq = 0;
	if (st != NATS_OK)
		return st == NATS_NOT_FOUND ? 0 : -EIO;
	from = ci->AckFloor.Stream + 1;
	to = ci->Delivered.Stream;
	*dseq = ci->Delivered.Consumer;
	jsConsumerInfo_Destroy(ci);
	if (er_last_seq(q->sinks, pid, &last) == 1 && last + 1 > from)
		from = last + 1;
	for (s = from; s <= to && !err && !atomic_load(&q->r->stop); s++) {
		m = NULL;
		st = js_GetMsg(&m, q->js, q->e->stream, s, NULL, &jerr);
		if (st == NATS_NOT_FOUND)
			continue;	/* deleted from the stream */
		if (st != NATS_OK)
			return -EIO;
		if (subject_match(q->e->path, natsMsg_GetSubject(m))) {
			atomic_fetch_add(&q->r->st.redeliveries, 1);
			err = er_publish(q->r, q->sinks, true, pid, s, natsMsg_GetData(m),
					 (uint32_t)natsMsg_GetDataLength(m), false);
		}
		natsMsg_Destroy(m);
	}
	return err < 0 ? err : 0;
}

/*
 * What the consumer has, up to `fetch` messages, without waiting; if it
 * has nothing, wait up to 1 s for one.  (natsSubscription_Fetch() alone
 * waits for a whole batch or its timeout: a trickle would wait a second.)
 */
static natsStatus in_fetch(struct nq *q, natsMsgList *list)
{
	jsFetchRequest fr;
	natsStatus s;

	jsFetchRequest_Init(&fr);
	fr.Batch = (int)q->e->fetch;
	fr.NoWait = true;
	fr.Expires = 1000LL * 1000000;
	s = natsSubscription_FetchRequest(list, q->sub, &fr);
	if (s == NATS_OK && list->Count > 0)
		return s;
	if (s == NATS_OK)
		natsMsgList_Destroy(list);
	if (s != NATS_OK && s != NATS_NOT_FOUND && s != NATS_TIMEOUT)
		return s;
	return natsSubscription_Fetch(list, q->sub, 1, 1000, NULL);
}

static void nats_in(struct nq *q)
{
	/* Per stream and durable: two in routes of one stream may share a topic. */
	uint64_t pid = bc_producer_id(bc_producer_id(NQ_ORIGIN, q->e->stream), q->e->durable);
	jsSubOptions so;
	jsOptions jo;
	jsErrCode jerr = 0;
	natsMsgList list = { 0 };
	bool need_recover = true;
	uint64_t dseq = 0;	/* the consumer's last delivery we know of */
	natsStatus s;
	int err, i;

	err = er_sinks_open(&q->sinks, q->r->cfg.topic);
	if (err) {
		er_state(q->r, ER_STOPPED, "local topic %s: %s", q->r->cfg.topic, strerror(-err));
		return;
	}
	jsOptions_Init(&jo);
	while (!atomic_load(&q->r->stop)) {
		if (!q->sub) {
			if (!q->nc && !nq_connect(q, &jo))
				break;
			jsSubOptions_Init(&so);
			so.Stream = q->e->stream;
			so.Config.AckPolicy = js_AckExplicit;
			so.Config.AckWait = (int64_t)q->e->ack_wait_ms * 1000000;
			so.Config.MaxAckPending = (int64_t)q->e->fetch * 4;
			s = js_PullSubscribe(&q->sub, q->js, q->e->path, q->e->durable, NULL, &so,
					     &jerr);
			if (s != NATS_OK) {
				er_state(q->r, ER_DOWN, "durable %s on %s: %s (%d)", q->e->durable,
					 q->e->stream, natsStatus_GetText(s), (int)jerr);
				q->sub = NULL;
				if (er_sleep(q->r, 1000))
					break;
				continue;
			}
			need_recover = true;
		}
		if (atomic_exchange(&q->reconnected, false))
			need_recover = true;
		if (need_recover) {
			err = in_recover(q, pid, &dseq);
			if (err) {
				if (err != -ECANCELED)
					er_state(q->r, ER_DOWN, "recovering unacknowledged deliveries: %s",
						 strerror(-err));
				if (er_sleep(q->r, 1000))
					break;
				continue;
			}
			need_recover = false;
			er_state(q->r, ER_UP, "pulling %s from stream %s (durable %s)", q->e->path,
				 q->e->stream, q->e->durable);
		}
		s = in_fetch(q, &list);
		if (s == NATS_TIMEOUT)
			continue;
		if (s != NATS_OK) {
			if (s != NATS_CONNECTION_DISCONNECTED)
				er_state(q->r, ER_DOWN, "fetch: %s", natsStatus_GetText(s));
			need_recover = true;
			if (er_sleep(q->r, 200))
				break;
			continue;
		}
		for (i = 0; i < list.Count && !atomic_load(&q->r->stop); i++) {
			natsMsg *m = list.Msgs[i];
			jsMsgMetaData *meta = NULL;

			if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
				continue;	/* not a JetStream message: never acked, dropped */
			/*
			 * Every delivery, redeliveries too, takes the consumer's
			 * next delivery sequence: one that does not follow the
			 * last means deliveries were lost on the way (a server
			 * died with a batch in flight, without our connection
			 * noticing) or a new consumer leader took over.  The lost
			 * ones come back only after AckWait, so nothing newer is
			 * committed before the stream is taken in order.  This
			 * one is not acknowledged: in_recover() commits it, its
			 * redelivery is then a repeat.
			 */
			if (meta->Sequence.Consumer != dseq + 1) {
				blog("route %s: delivery %llu after %llu: deliveries went missing, "
				     "taking stream %s in order from the acknowledgement floor",
				     q->r->cfg.name, (unsigned long long)meta->Sequence.Consumer,
				     (unsigned long long)dseq, q->e->stream);
				jsMsgMetaData_Destroy(meta);
				need_recover = true;
				break;
			}
			dseq = meta->Sequence.Consumer;
			if (meta->NumDelivered > 1)
				atomic_fetch_add(&q->r->st.redeliveries, 1);
			err = er_publish(q->r, q->sinks, true, pid, meta->Sequence.Stream,
					 natsMsg_GetData(m), (uint32_t)natsMsg_GetDataLength(m), false);
			jsMsgMetaData_Destroy(meta);
			if (err < 0) {
				/* Not committed, not acknowledged: in_recover() takes it again. */
				if (err != -ECANCELED)
					er_state(q->r, ER_DOWN, "publishing into %s: %s",
						 q->r->cfg.topic, strerror(-err));
				need_recover = true;
				break;
			}
			natsMsg_Ack(m, NULL);
		}
		natsMsgList_Destroy(&list);
	}
	nq_disconnect(q);
	er_sinks_close(q->sinks);
}

void *nats_route_main(void *arg)
{
	struct eroute *r = arg;
	struct nq *q;

	if (!nats_ready) {
		er_state(r, ER_STOPPED, "the nats library did not initialise");
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		er_state(r, ER_STOPPED, "out of memory");
		return NULL;
	}
	q->r = r;
	q->e = &r->cfg.engine;
	pthread_mutex_init(&q->lock, NULL);
	q->ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->ack_fd >= 0) {
		if (q->e->in)
			nats_in(q);
		else
			nats_out(q);
	}
	er_state(r, ER_STOPPED, "stopped");
	/*
	 * An out route's acknowledgement handler may have been entered by a
	 * nats.c thread just before the connection closed; it finds ->closing
	 * set and returns, but it needs ->lock and ->ack_fd to do so.  Those
	 * few bytes stay allocated (once per stop of an out route that
	 * connected; an in route has no handler).
	 */
	if (!q->e->in && q->closing)
		return NULL;
	if (q->ack_fd >= 0)
		close(q->ack_fd);
	pthread_mutex_destroy(&q->lock);
	free(q);
	return NULL;
}
