// SPDX-License-Identifier: GPL-2.0
/*
 * Engine routes (engine.h): their threads, what both engines share (the
 * out window, the source consumer, the in sinks) and their status.
 * Uses: libkstream, sink.c (idempotent producers), json.c, pthreads.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "daemon.h"
#include "engine.h"
#include "events.h"
#include "json.h"
#include "libkstream.h"
#include "sink.h"

/* ---- threads ---- */

void er_state(struct eroute *r, enum eroute_state s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->lock);
	if (strcmp(msg, r->state_msg) || atomic_load(&r->state) != (int)s)
		blog("route %s: %s", r->cfg.name, msg);
	snprintf(r->state_msg, sizeof(r->state_msg), "%s", msg);
	atomic_store(&r->state, (int)s);
	pthread_mutex_unlock(&r->lock);
}

bool er_sleep(struct eroute *r, uint64_t ms)
{
	struct pollfd pfd = { .fd = r->wake_fd, .events = POLLIN };

	if (atomic_load(&r->stop))
		return true;
	poll(&pfd, 1, (int)(ms > 60000 ? 60000 : ms));
	return atomic_load(&r->stop);
}

uint64_t er_backoff(struct eroute *r, uint64_t *cur)
{
	uint64_t d = *cur ? *cur * 2 : r->reconnect_min_ms;

	if (d > r->reconnect_max_ms)
		d = r->reconnect_max_ms;
	*cur = d;
	return d / 2 + (uint64_t)random() % (d / 2 + 1);	/* jitter: [d/2, d] */
}

static struct eroute *er_new(const struct daemon *d, const struct bc_route *cfg)
{
	struct eroute *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->node_id = d->cfg->node.id;
	snprintf(r->node_name, sizeof(r->node_name), "%s", d->cfg->node.name);
	r->dead_ms = d->cfg->node.dead_ms;
	r->reconnect_min_ms = d->cfg->node.reconnect_min_ms;
	r->reconnect_max_ms = d->cfg->node.reconnect_max_ms;
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&r->lock, NULL);
	if (r->wake_fd < 0) {
		free(r);
		return NULL;
	}
	snprintf(r->state_msg, sizeof(r->state_msg), "starting");
	return r;
}

static void er_signal_stop(struct eroute *r)
{
	uint64_t one = 1;

	atomic_store(&r->stop, true);
	if (write(r->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		blog("route %s: wake: %s", r->cfg.name, strerror(errno));
}

static void er_join_free(struct eroute *r)
{
	if (r->running)
		pthread_join(r->thread, NULL);
	close(r->wake_fd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const char *engine_name(const struct be_route *e)
{
	return e->engine == BE_MQTT ? "mqtt" : "nats";
}

static int er_start(struct eroute *r)
{
	static bool mqtt_inited, nats_inited;
	const struct be_route *e = &r->cfg.engine;
	int err;

	if (e->engine == BE_MQTT && !mqtt_inited) {
		mqtt_engine_init();
		mqtt_inited = true;
	}
	if (e->engine == BE_NATS && !nats_inited) {
		nats_engine_init();
		nats_inited = true;
	}
	if (!e->tls)
		blog("route %s: INSECURE: plaintext to %s://%s, the server is not authenticated",
		     r->cfg.name, engine_name(e), e->servers);
	err = pthread_create(&r->thread, NULL,
			     e->engine == BE_MQTT ? mqtt_route_main : nats_route_main, r);
	if (err) {
		blog("route %s: cannot start its thread: %s", r->cfg.name, strerror(err));
		return -err;
	}
	r->running = true;
	return 0;
}

void engines_apply(struct daemon *d, const struct bc_config *c)
{
	struct eroute **rp, *r, *gone = NULL;
	const char *why;
	int i;

	/* Stop removed and changed ones (all at once: they drain in parallel). */
	for (rp = &d->eroutes; *rp;) {
		r = *rp;
		why = bc_route_change(c, &r->cfg);
		if (!why) {
			rp = &r->next;
			continue;
		}
		blog("route %s: %s", r->cfg.name, why);
		*rp = r->next;
		er_signal_stop(r);
		r->next = gone;
		gone = r;
	}
	while (gone) {
		r = gone;
		gone = r->next;
		er_join_free(r);
	}
	for (i = 0; i < c->nroutes; i++) {
		if (c->routes[i].engine.engine == BE_NONE)
			continue;
		for (r = d->eroutes; r; r = r->next)
			if (!strcmp(r->cfg.name, c->routes[i].name))
				break;
		if (r)
			continue;
		r = er_new(d, &c->routes[i]);
		if (!r) {
			blog("route %s: out of memory", c->routes[i].name);
			continue;
		}
		if (er_start(r)) {
			er_join_free(r);
			continue;
		}
		for (rp = &d->eroutes; *rp; rp = &(*rp)->next)
			;
		*rp = r;
	}
}

void engines_stop_all(struct daemon *d)
{
	struct eroute *r;

	for (r = d->eroutes; r; r = r->next)
		er_signal_stop(r);
	while (d->eroutes) {
		r = d->eroutes;
		d->eroutes = r->next;
		er_join_free(r);
	}
	nats_engine_fini();
}

/* ---- the out window ---- */

int ewin_init(struct ewin *w, uint32_t cap)
{
	w->e = calloc(cap, sizeof(*w->e));
	w->cap = cap;
	w->head = w->n = 0;
	return w->e ? 0 : -ENOMEM;
}

void ewin_free(struct ewin *w)
{
	free(w->e);
	w->e = NULL;
}

bool ewin_full(const struct ewin *w)
{
	return w->n >= w->cap;
}

void ewin_push(struct ewin *w, uint64_t seq, uint64_t tag, uint32_t len)
{
	struct ewin_ent *x = &w->e[(w->head + w->n) % w->cap];

	x->seq = seq;
	x->tag = tag;
	x->len = len;
	x->acked = false;
	w->n++;
}

int ewin_ack(struct ewin *w, uint64_t tag, bool by_seq)
{
	uint32_t i;

	/* Acknowledgements come in order, nearly always: the oldest first. */
	for (i = 0; i < w->n; i++) {
		struct ewin_ent *x = &w->e[(w->head + i) % w->cap];

		if ((by_seq ? x->seq : x->tag) == tag && !x->acked) {
			x->acked = true;
			return 0;
		}
	}
	return -ENOENT;
}

bool ewin_advance(struct ewin *w, struct eroute *r)
{
	bool moved = false;

	while (w->n && w->e[w->head].acked) {
		struct ewin_ent *x = &w->e[w->head];

		/* A re-send of what was acknowledged before counts once. */
		if (!atomic_load(&r->st.have_acked) || x->seq > atomic_load(&r->st.acked_seq)) {
			atomic_fetch_add(&r->st.messages, 1);
			atomic_fetch_add(&r->st.bytes, x->len);
			atomic_store(&r->st.acked_seq, x->seq);
			atomic_store(&r->st.have_acked, true);
		}
		w->head = (w->head + 1) % w->cap;
		w->n--;
		moved = true;
	}
	atomic_store(&r->st.inflight, w->n);
	return moved;
}

uint64_t ewin_first(const struct ewin *w)
{
	return w->e[w->head].seq;
}

void ewin_clear(struct ewin *w)
{
	w->head = w->n = 0;
}

/* ---- the out route's source ---- */

void er_lose(struct eroute *r, uint64_t first, uint64_t n, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	atomic_fetch_add(&r->st.loss, n);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	bev_emit(BEV_LOSS, "route", r->cfg.name, first, n, "%s: %s", r->cfg.source, why);
}

int er_source_seek(struct eroute *r, struct ks_consumer *c, uint64_t seq)
{
	int64_t at = ks_seek(c, KS_SEEK_SEQ, seq);

	if (at < 0) {
		blog("route %s: seek in %s: %s", r->cfg.name, r->cfg.source, strerror((int)-at));
		return (int)at;
	}
	if ((uint64_t)at > seq) {
		uint64_t from = seq, pf, pt;

		while (lossmark_take(&r->lost, &from, (uint64_t)at, &pf, &pt))
			er_lose(r, pf, pt - pf, "no longer retained");
	} else if ((uint64_t)at < seq) {
		blog("route %s: source %s ends before the resume point (head %" PRId64
		     ", resume at %" PRIu64 "): was the topic recreated?", r->cfg.name,
		     r->cfg.source, at, seq);
	}
	atomic_store(&r->st.resumed_at, (uint64_t)at);
	return 0;
}

int er_source_open(struct eroute *r, struct ks_consumer **c, bool have_seq, uint64_t seq)
{
	int64_t at;
	int err = ks_consumer_open(c, r->cfg.source, KS_NONBLOCK);

	r->src_lost = 0;	/* a new consumer counts from 0 */
	if (err) {
		blog("route %s: source %s: %s", r->cfg.name, r->cfg.source, strerror(-err));
		return err;
	}
	if (have_seq)
		return er_source_seek(r, *c, seq);
	atomic_store(&r->st.resume_from, ERS_CONFIG);
	switch (r->cfg.start) {
	case BC_START_OLDEST:
		at = ks_seek(*c, KS_SEEK_OLDEST, 0);
		break;
	case BC_START_SEQ:
		return er_source_seek(r, *c, r->cfg.start_seq);
	default:
		at = ks_seek(*c, KS_SEEK_LIVE, 0);
	}
	if (at < 0)
		return (int)at;
	atomic_store(&r->st.resumed_at, (uint64_t)at);
	return 0;
}

int er_source_next(struct eroute *r, struct ks_consumer *c, struct ks_msg *m)
{
	int n = ks_next(c, m);
	uint64_t lost = ks_lost(c);

	if (lost != r->src_lost) {
		uint64_t gap = lost - r->src_lost;

		r->src_lost = lost;
		/* The consumer skipped [m->seq - gap, m->seq): remembered for resumes. */
		if (n == 1 && m->seq >= gap) {
			uint64_t from = m->seq - gap, pf, pt;

			while (lossmark_take(&r->lost, &from, m->seq, &pf, &pt))
				er_lose(r, pf, pt - pf, "overwritten before it was read");
		} else if (gap) {
			er_lose(r, BEV_NOSEQ, gap, "overwritten before it was read");
		}
	}
	return n;
}

void er_sent(struct eroute *r, uint64_t seq)
{
	atomic_fetch_add(&r->st.sent, 1);
	if (r->have_sent_high && seq <= r->sent_high)
		atomic_fetch_add(&r->st.resent, 1);
	else
		r->sent_high = seq;
	r->have_sent_high = true;
}

/* ---- the in route's sinks ---- */

#define ER_SINKS 16

struct er_sinks {
	char topic[BF_NAME_MAX + 1];
	struct ks_producer *plain;	/* messages without an origin key */
	struct {
		struct bsink *s;
		uint64_t id, used;
	} t[ER_SINKS];
	uint64_t clock;
};

int er_sinks_open(struct er_sinks **sp, const char *topic)
{
	struct er_sinks *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->topic, sizeof(s->topic), "%s", topic);
	/* Opening once up front checks the topic exists and may be written. */
	err = ks_producer_open(&s->plain, topic, KS_NONBLOCK);
	if (err) {
		free(s);
		return err;
	}
	*sp = s;
	return 0;
}

void er_sinks_close(struct er_sinks *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < ER_SINKS; i++)
		bsink_close(s->t[i].s);
	ks_producer_close(s->plain);
	free(s);
}

static int sink_for(struct er_sinks *s, uint64_t id, struct bsink **out)
{
	int i, slot = -1, err;

	for (i = 0; i < ER_SINKS; i++)
		if (s->t[i].s && s->t[i].id == id) {
			s->t[i].used = ++s->clock;
			*out = s->t[i].s;
			return 0;
		}
	for (i = 0; i < ER_SINKS && slot < 0; i++)
		if (!s->t[i].s)
			slot = i;
	if (slot < 0) {		/* all in use: close the least recently used */
		slot = 0;
		for (i = 1; i < ER_SINKS; i++)
			if (s->t[i].used < s->t[slot].used)
				slot = i;
		bsink_close(s->t[slot].s);
		s->t[slot].s = NULL;
	}
	err = bsink_open(&s->t[slot].s, s->topic, id);
	if (err)
		return err;
	s->t[slot].id = id;
	s->t[slot].used = ++s->clock;
	*out = s->t[slot].s;
	return 0;
}

int er_last_seq(struct er_sinks *s, uint64_t producer_id, uint64_t *seq)
{
	struct bsink *b;
	int err = sink_for(s, producer_id, &b);

	return err ? err : bsink_last_seq(b, seq);
}

/* Wait for room in a full block topic; false if the route is stopping. */
static bool wait_room(struct eroute *r, int fd)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLOUT },
			       { .fd = r->wake_fd, .events = POLLIN } };

	poll(p, 2, 1000);
	return !atomic_load(&r->stop);
}

int er_publish(struct eroute *r, struct er_sinks *s, bool keyed, uint64_t producer_id,
	       uint64_t seq, const void *data, uint32_t len, bool count_gaps)
{
	struct bsink *b;
	uint64_t last;
	int err;

	if (!keyed) {
		atomic_fetch_add(&r->st.unkeyed, 1);
		while ((err = ks_publish(s->plain, data, len)) == -EAGAIN)
			if (!wait_room(r, ks_producer_fd(s->plain)))
				return -ECANCELED;
	} else {
		err = sink_for(s, producer_id, &b);
		if (err)
			return err;
		if (count_gaps && bsink_last_seq(b, &last) == 1 && seq > last + 1) {
			atomic_fetch_add(&r->st.gaps, seq - last - 1);
			bev_emit(BEV_LOSS, "route", r->cfg.name, last + 1, seq - last - 1,
				 "origin sequences of producer %016" PRIx64 " never arrived: "
				 "counted as lost", producer_id);
		}
		while ((err = bsink_publish(b, seq, data, len)) == -EAGAIN)
			if (!wait_room(r, bsink_fd(b)))
				return -ECANCELED;
		if (err == 1) {
			atomic_fetch_add(&r->st.duplicates, 1);
			return 1;
		}
	}
	if (err == -EMSGSIZE) {
		atomic_fetch_add(&r->st.too_big, 1);
		return 2;
	}
	if (err)
		return err;
	atomic_fetch_add(&r->st.messages, 1);
	atomic_fetch_add(&r->st.bytes, len);
	return 0;
}

/* ---- status ---- */

static const char *const er_states[] = {
	[ER_CONNECTING] = "connecting", [ER_UP] = "up", [ER_DOWN] = "down",
	[ER_STOPPED] = "stopped",
};

static const char *const er_resumes[] = {
	[ERS_NONE] = "-", [ERS_CONFIG] = "start", [ERS_CHECKPOINT] = "checkpoint",
	[ERS_ENGINE] = "engine", [ERS_KERNEL] = "kernel",
};

#define LD(x) atomic_load(&r->st.x)

static void url(FILE *f, const struct eroute *r)
{
	const struct be_route *e = &r->cfg.engine;

	fprintf(f, "%s://%s/%s", e->engine == BE_MQTT ? (e->tls ? "mqtts" : "mqtt") :
		(e->tls ? "tls" : "nats"), e->servers, e->path);
}

void engines_status_text(FILE *f, const struct daemon *d)
{
	struct eroute *r;
	char msg[256];

	for (r = d->eroutes; r; r = r->next) {
		const struct be_route *e = &r->cfg.engine;

		pthread_mutex_lock(&r->lock);
		snprintf(msg, sizeof(msg), "%s", r->state_msg);
		pthread_mutex_unlock(&r->lock);
		fprintf(f, "route %s ", r->cfg.name);
		if (e->in) {
			url(f, r);
			fprintf(f, " -> %s", r->cfg.topic);
		} else {
			fprintf(f, "%s -> ", r->cfg.source);
			url(f, r);
		}
		if (e->engine == BE_MQTT)
			fprintf(f, " qos %d", e->qos);
		else
			fprintf(f, " stream %s", e->stream);
		fprintf(f, " state %s (%s)\n", er_states[atomic_load(&r->state)], msg);
		fprintf(f, "    messages %" PRIu64 " bytes %" PRIu64, LD(messages), LD(bytes));
		if (e->in)
			fprintf(f, " duplicates %" PRIu64 " gaps %" PRIu64 " unkeyed %" PRIu64
				" redeliveries %" PRIu64 " too_big %" PRIu64 "\n", LD(duplicates),
				LD(gaps), LD(unkeyed), LD(redeliveries), LD(too_big));
		else
			fprintf(f, " acked %s%" PRIu64 " inflight %" PRIu64 " acks_pending %" PRIu64
				" sent %" PRIu64 " resent %" PRIu64 " engine_duplicates %" PRIu64
				" loss %" PRIu64 " resume %s@%" PRIu64 "\n",
				LD(have_acked) ? "" : "-", LD(acked_seq), LD(inflight),
				LD(acks_pending), LD(sent), LD(resent), LD(engine_duplicates),
				LD(loss), er_resumes[LD(resume_from)], LD(resumed_at));
		fprintf(f, "    connects %" PRIu64 " reconnects %" PRIu64 " connect_failures %" PRIu64
			" tls_failures %" PRIu64 "%s", LD(connects), LD(reconnects),
			LD(connect_failures), LD(tls_failures),
			e->engine == BE_MQTT && !e->in ? "" : "\n");
		if (e->engine == BE_MQTT && !e->in)
			fprintf(f, " checkpoints %" PRIu64 " broker_resets %" PRIu64 "\n",
				LD(checkpoints), LD(broker_resets));
	}
}

void engines_status_json(struct json *j, const struct daemon *d)
{
	struct eroute *r;
	char msg[256];

	json_arr_start(j);
	for (r = d->eroutes; r; r = r->next) {
		const struct be_route *e = &r->cfg.engine;

		pthread_mutex_lock(&r->lock);
		snprintf(msg, sizeof(msg), "%s", r->state_msg);
		pthread_mutex_unlock(&r->lock);
		json_obj_start(j);
		json_kv_str(j, "name", r->cfg.name);
		json_kv_str(j, "engine", engine_name(e));
		json_kv_str(j, "direction", e->in ? "in" : "out");
		json_kv_str(j, "servers", e->servers);
		json_kv_str(j, e->engine == BE_MQTT ? (e->in ? "filter" : "mqtt_topic") :
			    "subject", e->path);
		json_kv_str(j, e->in ? "topic" : "source", e->in ? r->cfg.topic : r->cfg.source);
		json_kv_bool(j, "tls", e->tls);
		if (e->engine == BE_MQTT) {
			json_kv_u64(j, "qos", (uint64_t)e->qos);
		} else {
			json_kv_str(j, "stream", e->stream);
			if (e->in)
				json_kv_str(j, "durable", e->durable);
		}
		json_kv_str(j, "state", er_states[atomic_load(&r->state)]);
		json_kv_str(j, "state_msg", msg);
		json_kv_u64(j, "messages", LD(messages));
		json_kv_u64(j, "bytes", LD(bytes));
		if (e->in) {
			json_kv_u64(j, "duplicates", LD(duplicates));
			json_kv_u64(j, "gaps", LD(gaps));
			json_kv_u64(j, "unkeyed", LD(unkeyed));
			json_kv_u64(j, "redeliveries", LD(redeliveries));
			json_kv_u64(j, "too_big", LD(too_big));
		} else {
			json_key(j, "acked");
			if (LD(have_acked))
				json_u64(j, LD(acked_seq));
			else
				json_null(j);
			json_kv_u64(j, "inflight", LD(inflight));
			json_kv_u64(j, "acks_pending", LD(acks_pending));
			json_kv_u64(j, "sent", LD(sent));
			json_kv_u64(j, "resent", LD(resent));
			json_kv_u64(j, "engine_duplicates", LD(engine_duplicates));
			json_kv_u64(j, "loss", LD(loss));
			json_kv_str(j, "resume_from", er_resumes[LD(resume_from)]);
			json_kv_u64(j, "resumed_at", LD(resumed_at));
			if (e->engine == BE_MQTT) {
				json_kv_u64(j, "checkpoints", LD(checkpoints));
				json_kv_u64(j, "broker_resets", LD(broker_resets));
			}
		}
		json_kv_u64(j, "connects", LD(connects));
		json_kv_u64(j, "reconnects", LD(reconnects));
		json_kv_u64(j, "connect_failures", LD(connect_failures));
		json_kv_u64(j, "tls_failures", LD(tls_failures));
		json_obj_end(j);
	}
	json_arr_end(j);
}

#define ER_METRICS(X) \
	X(messages, "counter", "Out: acknowledged by the engine; in: committed locally.") \
	X(bytes, "counter", "Payload bytes of those messages.") \
	X(sent, "counter", "Out: publishes, resends included.") \
	X(resent, "counter", "Out: messages published again after a reconnect or restart.") \
	X(inflight, "gauge", "Out: published and not yet acknowledged.") \
	X(acks_pending, "gauge", "NATS out: asynchronous publishes awaiting their ack.") \
	X(engine_duplicates, "counter", "NATS out: publishes the stream acked as duplicates.") \
	X(loss, "counter", "Out: messages gone from the source before sent, or QoS 0 drops.") \
	X(duplicates, "counter", "In: discarded as already committed.") \
	X(redeliveries, "counter", "In: NATS deliveries after the first.") \
	X(gaps, "counter", "In: origin sequences that never arrived (lost upstream).") \
	X(unkeyed, "counter", "In: messages without an origin key (at least once).") \
	X(too_big, "counter", "In: larger than the local topic's msgmax: dropped.") \
	X(connects, "counter", "Connections established.") \
	X(reconnects, "counter", "Connections after the first.") \
	X(connect_failures, "counter", "Connection attempts that failed.") \
	X(tls_failures, "counter", "Connection attempts that failed in TLS (certificates).") \
	X(checkpoints, "counter", "MQTT out: checkpoint messages acknowledged.") \
	X(broker_resets, "counter", "MQTT out: reconnects to a broker that had lost what it " \
	  "acknowledged (published again from its checkpoint).")

static void prom_labels(FILE *f, const struct eroute *r)
{
	fputs("{route=\"", f);
	prom_escape(f, r->cfg.name, true);
	fprintf(f, "\",engine=\"%s\",direction=\"%s\"}", engine_name(&r->cfg.engine),
		r->cfg.engine.in ? "in" : "out");
}

void engines_status_prom(FILE *f, const struct daemon *d)
{
	struct eroute *r;

	if (!d->eroutes)
		return;
#define X(field, type, help) \
	fprintf(f, "# HELP streambridge_engine_route_%s" "%s " help "\n" \
		"# TYPE streambridge_engine_route_%s" "%s " type "\n", #field, \
		strcmp(type, "counter") ? "" : "_total", #field, \
		strcmp(type, "counter") ? "" : "_total"); \
	for (r = d->eroutes; r; r = r->next) { \
		fprintf(f, "streambridge_engine_route_%s%s", #field, \
			strcmp(type, "counter") ? "" : "_total"); \
		prom_labels(f, r); \
		fprintf(f, " %" PRIu64 "\n", LD(field)); \
	}
	ER_METRICS(X)
#undef X
	fputs("# HELP streambridge_engine_route_up 1 while the route is connected.\n"
	      "# TYPE streambridge_engine_route_up gauge\n", f);
	for (r = d->eroutes; r; r = r->next) {
		fputs("streambridge_engine_route_up", f);
		prom_labels(f, r);
		fprintf(f, " %d\n", atomic_load(&r->state) == ER_UP);
	}
}
