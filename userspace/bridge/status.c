// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket and what it answers (daemon.h).  A client connects
 * to the unix stream socket, writes one request line ("status",
 * "status json", "metrics", or "events [json] SINCE": events.h) and
 * reads the answer until EOF.  Requests
 * are served one at a time with a 1 s send/receive timeout, so a stuck
 * client costs the loop at most that.
 *
 * Uses: userspace/common/json.c (JSON writer).  The Prometheus text is
 * checked by promtool check metrics in the unit tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "daemon.h"
#include "engine.h"
#include "events.h"
#include "json.h"
#include "sink.h"
#include "spool.h"

/* Messages lost by the route: at its source, and dropped from a full spool. */
static uint64_t route_loss(const struct route *r)
{
	return r->st.loss + (r->spool ? spool_lost(r->spool) : 0);
}

static const char *const route_states[] = {
	[R_IDLE] = "idle", [R_CONNECTING] = "connecting", [R_OPENING] = "opening",
	[R_STREAMING] = "streaming", [R_CLOSING] = "closing",
};

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int control_open(struct daemon *d, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	char dir[BC_PATH_MAX], *slash;
	int fd;

	if (unix_addr(path, &sa)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);	/* /run/streambridge; an error shows at bind */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A socket left by a killed daemon: replace it, unless one answers there. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		snprintf(err, errlen, "%s: another streambridge is running", path);
		close(fd);
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	chmod(path, 0660);
	snprintf(d->control_path, sizeof(d->control_path), "%s", path);
	ev_set(d, &d->ev_control, fd, EPOLLIN);
	return 0;
}

void control_close(struct daemon *d)
{
	int fd = d->ev_control.fd;

	if (fd < 0)
		return;
	ev_del(d, &d->ev_control);
	close(fd);
	unlink(d->control_path);
}

/* "events SINCE" or "events json SINCE": 0, or -1 if @req is not one. */
static int events_request(FILE *f, const char *req)
{
	unsigned long long since;
	bool json = false;
	char *end;

	if (strncmp(req, "events ", 7))
		return -1;
	req += 7;
	if (!strncmp(req, "json ", 5)) {
		json = true;
		req += 5;
	}
	if (*req < '0' || *req > '9')
		return -1;
	errno = 0;
	since = strtoull(req, &end, 10);
	if (errno || *end)
		return -1;
	bev_write(f, since, json);
	return 0;
}

void control_event(struct daemon *d)
{
	struct timeval tv = { .tv_sec = 1 };
	char req[64];
	char *out = NULL;
	size_t outlen = 0, off = 0;
	ssize_t n;
	FILE *f;
	int fd;

	fd = accept4(d->ev_control.fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = recv(fd, req, sizeof(req) - 1, 0);
	if (n <= 0) {
		close(fd);
		return;
	}
	req[n] = 0;
	req[strcspn(req, "\r\n")] = 0;
	f = open_memstream(&out, &outlen);
	if (!f) {
		close(fd);
		return;
	}
	if (!strcmp(req, "status"))
		status_write(f, d, STATUS_TEXT);
	else if (!strcmp(req, "status json"))
		status_write(f, d, STATUS_JSON);
	else if (!strcmp(req, "metrics"))
		status_write(f, d, STATUS_PROM);
	else if (events_request(f, req))
		fprintf(f, "error: unknown request '%s' (status, status json, metrics, "
			"events [json] SINCE)\n", req);
	fclose(f);
	while (off < outlen) {
		n = send(fd, out + off, outlen - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(out);
	close(fd);
}

/* ---- the writers ---- */

static double ratio(uint64_t raw, uint64_t wire)
{
	return wire ? (double)raw / (double)wire : 1.0;
}

struct peer_sums {
	uint64_t messages, bytes, batches, duplicates, gaps;
};

static void peer_sums(const struct peer *p, struct peer_sums *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < PEER_STREAMS_MAX; i++) {
		const struct pstream *ps = &p->streams[i];

		if (!ps->id)
			continue;
		s->messages += ps->st.messages;
		s->bytes += ps->st.bytes;
		s->batches += ps->st.batches;
		s->duplicates += ps->st.duplicates;
		s->gaps += ps->st.gaps;
	}
}

static void write_text(FILE *f, const struct daemon *d)
{
	const struct route *r;
	const struct listener *l;
	const struct peer *p;
	int i;

	fprintf(f, "node %s id %llu uptime %llus reloads %llu reload_failures %llu\n",
		d->cfg->node.name, (unsigned long long)d->cfg->node.id,
		(unsigned long long)((now_ms() - d->started_ms) / 1000),
		(unsigned long long)d->reloads, (unsigned long long)d->reload_failures);
	for (r = d->routes; r; r = r->next) {
		fprintf(f, "route %s %s -> %s:%s/%s state %s", r->cfg.name, r->cfg.source,
			r->cfg.host, r->cfg.port, r->cfg.topic, route_states[r->state]);
		if (r->state != R_STREAMING && r->state_msg[0])
			fprintf(f, " (%s)", r->state_msg);
		if (r->src_state != SRC_OPEN)
			fprintf(f, " source %s", route_source_state(r));
		fputc('\n', f);
		fprintf(f, "    messages %" PRIu64 " bytes %" PRIu64 " batches %" PRIu64
			" ratio %.2f lag %" PRIu64 " acked %s%" PRIu64 "\n",
			r->st.messages, r->st.bytes, r->st.batches,
			ratio(r->st.raw_bytes, r->st.wire_bytes), route_lag(r),
			r->have_acked ? "" : "-", r->have_acked ? r->acked : 0);
		fprintf(f, "    reconnects %" PRIu64 " resumes %" PRIu64 " loss %" PRIu64
			" tls_failures %" PRIu64 " protocol_errors %" PRIu64 " refused %" PRIu64
			" source_deleted %" PRIu64 " source_denied %" PRIu64 "\n",
			r->st.reconnects, r->st.resumes, route_loss(r), r->st.tls_failures,
			r->st.protocol_errors, r->st.refused, r->st.source_deleted,
			r->st.source_denied);
		if (r->spool)
			fprintf(f, "    spool %s/%s bytes %" PRIu64 " messages %" PRIu64 " lost %" PRIu64
				" spills %" PRIu64 "\n", r->cfg.spool_dir, r->cfg.name,
				spool_bytes(r->spool), spool_records(r->spool), spool_lost(r->spool),
				r->st.spills);
	}
	for (l = d->listeners; l; l = l->next) {
		fprintf(f, "listener %s %s:%s peers %u accepted %" PRIu64 " tls_failures %" PRIu64
			" protocol_errors %" PRIu64 " denied %" PRIu64 "\n",
			l->cfg.name, l->cfg.host[0] ? l->cfg.host : "*", l->cfg.port, l->npeers,
			l->st.accepted, l->st.tls_failures, l->st.protocol_errors, l->st.denied);
		for (p = l->peers; p; p = p->next) {
			if (p->conn.state != CONN_READY)
				continue;
			fprintf(f, "    peer %s node %s cn %s\n", p->conn.addr, p->conn.peer.name,
				p->conn.peer_cn[0] ? p->conn.peer_cn : "-");
			for (i = 0; i < PEER_STREAMS_MAX; i++) {
				const struct pstream *s = &p->streams[i];
				uint64_t td;

				if (!s->id)
					continue;
				fprintf(f, "        %s -> %s messages %" PRIu64 " bytes %" PRIu64
					" batches %" PRIu64 " duplicates %" PRIu64 " gaps %" PRIu64
					" too_big %" PRIu64 " last %s%" PRIu64, s->source,
					s->topic, s->st.messages, s->st.bytes, s->st.batches,
					s->st.duplicates, s->st.gaps, s->st.too_big,
					s->have_last ? "" : "-",
					s->have_last ? s->last : 0);
				if (!bsink_topic_duplicates(s->sink, &td))
					fprintf(f, " topic_duplicates %" PRIu64, td);
				fputs(bsink_mode(s->sink) == BSINK_KERNEL ? "\n" : " dedup process\n",
				      f);
			}
		}
	}
	engines_status_text(f, d);
}

static void write_json(FILE *f, const struct daemon *d)
{
	const struct route *r;
	const struct listener *l;
	const struct peer *p;
	struct json j;
	uint64_t td;
	int i;

	json_init(&j, f);
	json_obj_start(&j);
	json_kv_str(&j, "node", d->cfg->node.name);
	json_kv_u64(&j, "id", d->cfg->node.id);
	json_kv_u64(&j, "uptime_ms", now_ms() - d->started_ms);
	json_kv_u64(&j, "reloads", d->reloads);
	json_kv_u64(&j, "reload_failures", d->reload_failures);
	json_key(&j, "routes");
	json_arr_start(&j);
	for (r = d->routes; r; r = r->next) {
		json_obj_start(&j);
		json_kv_str(&j, "name", r->cfg.name);
		json_kv_str(&j, "source", r->cfg.source);
		json_kv_str(&j, "host", r->cfg.host);
		json_kv_str(&j, "port", r->cfg.port);
		json_kv_str(&j, "topic", r->cfg.topic);
		json_kv_str(&j, "state", route_states[r->state]);
		json_kv_str(&j, "state_msg", r->state_msg);
		json_kv_str(&j, "source_state", route_source_state(r));
		json_kv_u64(&j, "source_deleted", r->st.source_deleted);
		json_kv_u64(&j, "source_denied", r->st.source_denied);
		json_kv_bool(&j, "tls", !r->cfg.tls.insecure);
		json_kv_u64(&j, "messages", r->st.messages);
		json_kv_u64(&j, "bytes", r->st.bytes);
		json_kv_u64(&j, "sent_messages", r->st.sent_messages);
		json_kv_u64(&j, "batches", r->st.batches);
		json_kv_u64(&j, "raw_bytes", r->st.raw_bytes);
		json_kv_u64(&j, "wire_bytes", r->st.wire_bytes);
		json_key(&j, "acked");
		if (r->have_acked)
			json_u64(&j, r->acked);
		else
			json_null(&j);
		json_kv_u64(&j, "lag", route_lag(r));
		json_kv_u64(&j, "inflight_batches", r->infl_n);
		json_kv_u64(&j, "connects", r->st.connects);
		json_kv_u64(&j, "reconnects", r->st.reconnects);
		json_kv_u64(&j, "resumes", r->st.resumes);
		json_kv_u64(&j, "loss", route_loss(r));
		if (r->spool) {
			json_key(&j, "spool");
			json_obj_start(&j);
			json_kv_u64(&j, "bytes", spool_bytes(r->spool));
			json_kv_u64(&j, "messages", spool_records(r->spool));
			json_kv_u64(&j, "lost", spool_lost(r->spool));
			json_kv_u64(&j, "capacity", r->cfg.spool_size);
			json_kv_u64(&j, "spills", r->st.spills);
			json_obj_end(&j);
		}
		json_kv_u64(&j, "tls_failures", r->st.tls_failures);
		json_kv_u64(&j, "protocol_errors", r->st.protocol_errors);
		json_kv_u64(&j, "refused", r->st.refused);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "engine_routes");
	engines_status_json(&j, d);
	json_key(&j, "listeners");
	json_arr_start(&j);
	for (l = d->listeners; l; l = l->next) {
		json_obj_start(&j);
		json_kv_str(&j, "name", l->cfg.name);
		json_kv_str(&j, "port", l->cfg.port);
		json_kv_bool(&j, "tls", !l->cfg.tls.insecure);
		json_kv_u64(&j, "peers_now", l->npeers);
		json_kv_u64(&j, "accepted", l->st.accepted);
		json_kv_u64(&j, "rejected_full", l->st.rejected_full);
		json_kv_u64(&j, "tls_failures", l->st.tls_failures);
		json_kv_u64(&j, "protocol_errors", l->st.protocol_errors);
		json_kv_u64(&j, "denied", l->st.denied);
		json_key(&j, "closed_peers");
		json_obj_start(&j);
		json_kv_u64(&j, "messages", l->st.messages);
		json_kv_u64(&j, "bytes", l->st.bytes);
		json_kv_u64(&j, "batches", l->st.batches);
		json_kv_u64(&j, "duplicates", l->st.duplicates);
		json_kv_u64(&j, "gaps", l->st.gaps);
		json_kv_u64(&j, "too_big", l->st.too_big);
		json_obj_end(&j);
		json_key(&j, "peers");
		json_arr_start(&j);
		for (p = l->peers; p; p = p->next) {
			json_obj_start(&j);
			json_kv_str(&j, "addr", p->conn.addr);
			json_kv_str(&j, "node", p->conn.peer.name);
			json_kv_str(&j, "cn", p->conn.peer_cn);
			json_kv_bool(&j, "ready", p->conn.state == CONN_READY);
			json_kv_bool(&j, "blocked", p->busy);
			json_key(&j, "streams");
			json_arr_start(&j);
			for (i = 0; i < PEER_STREAMS_MAX; i++) {
				const struct pstream *s = &p->streams[i];

				if (!s->id)
					continue;
				json_obj_start(&j);
				json_kv_str(&j, "source", s->source);
				json_kv_str(&j, "topic", s->topic);
				json_kv_u64(&j, "origin", s->origin);
				json_kv_u64(&j, "producer_id", s->producer_id);
				json_kv_str(&j, "dedup", bsink_mode(s->sink) == BSINK_KERNEL ?
					    "kernel" : "process");
				json_kv_u64(&j, "messages", s->st.messages);
				json_kv_u64(&j, "bytes", s->st.bytes);
				json_kv_u64(&j, "batches", s->st.batches);
				json_kv_u64(&j, "duplicates", s->st.duplicates);
				/* The kernel's count for the whole topic (sink.h). */
				json_key(&j, "topic_duplicates");
				if (!bsink_topic_duplicates(s->sink, &td))
					json_u64(&j, td);
				else
					json_null(&j);
				json_kv_u64(&j, "gaps", s->st.gaps);
				json_kv_u64(&j, "too_big", s->st.too_big);
				json_key(&j, "last");
				if (s->have_last)
					json_u64(&j, s->last);
				else
					json_null(&j);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	fputc('\n', f);
}

/* ---- Prometheus ---- */

/* Exposition format escapes: \\ and \n everywhere, \" in label values. */
void prom_escape(FILE *f, const char *s, bool label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && label)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

struct metric {
	const char *name, *type, *help;
};

static void family(FILE *f, const struct metric *m)
{
	fprintf(f, "# HELP %s ", m->name);
	prom_escape(f, m->help, false);
	fprintf(f, "\n# TYPE %s %s\n", m->name, m->type);
}

static void route_sample(FILE *f, const char *name, const struct route *r, double v)
{
	fprintf(f, "%s{route=\"", name);
	prom_escape(f, r->cfg.name, true);
	fputs("\",topic=\"", f);
	prom_escape(f, r->cfg.source, true);
	fprintf(f, "\"} %.17g\n", v);
}

static void listener_sample(FILE *f, const char *name, const struct listener *l, double v)
{
	fprintf(f, "%s{listener=\"", name);
	prom_escape(f, l->cfg.name, true);
	fprintf(f, "\"} %.17g\n", v);
}

#define ROUTE_METRICS(X) \
	X(r->st.messages, "streambridge_route_messages_total", "counter", \
	  "Messages acknowledged by the receiver.") \
	X(r->st.bytes, "streambridge_route_bytes_total", "counter", \
	  "Payload bytes acknowledged by the receiver.") \
	X(r->st.batches, "streambridge_route_batches_total", "counter", "DATA frames sent.") \
	X(r->st.raw_bytes, "streambridge_route_raw_bytes_total", "counter", \
	  "DATA bodies before compression.") \
	X(r->st.wire_bytes, "streambridge_route_wire_bytes_total", "counter", \
	  "DATA bodies as sent.") \
	X(r->st.reconnects, "streambridge_route_reconnects_total", "counter", \
	  "Connections after the first.") \
	X(r->st.resumes, "streambridge_route_resumes_total", "counter", "RESUME frames received.") \
	X(r->st.spills, "streambridge_route_spills_total", "counter", \
	  "Connections given up to spool an overwrite source the link could not keep up with.") \
	X(route_loss(r), "streambridge_route_lost_messages_total", "counter", \
	  "Messages the source no longer had when they were due, or dropped.") \
	X(r->st.tls_failures, "streambridge_route_tls_failures_total", "counter", \
	  "Failed TLS handshakes and pin mismatches.") \
	X(r->st.protocol_errors, "streambridge_route_protocol_errors_total", "counter", \
	  "Connections closed for malformed or unexpected input.") \
	X(r->st.refused, "streambridge_route_refused_total", "counter", \
	  "OPENs the receiver refused (not granted, no such topic).") \
	X(r->st.source_deleted, "streambridge_route_source_deleted_total", "counter", \
	  "Times the source topic was deleted under the route.") \
	X(r->st.source_denied, "streambridge_route_source_denied_total", "counter", \
	  "Times the right to subscribe to the source was revoked.")

#define LISTENER_METRICS(X) \
	X(accepted, "streambridge_listener_accepted_total", "counter", "Connections accepted.") \
	X(tls_failures, "streambridge_listener_tls_failures_total", "counter", \
	  "Failed TLS handshakes (unknown CA, expired or missing certificate, plaintext).") \
	X(protocol_errors, "streambridge_listener_protocol_errors_total", "counter", \
	  "Peers closed for malformed or unexpected input.") \
	X(denied, "streambridge_listener_denied_total", "counter", \
	  "OPENs refused: topic not granted to the peer.")

static void write_prom(FILE *f, const struct daemon *d)
{
	const struct route *r;
	const struct listener *l;
	const struct peer *p;
	struct peer_sums ps;

#define X(field, name, type, help) \
	do { \
		static const struct metric m = { name, type, help }; \
		if (!d->routes) \
			break; \
		family(f, &m); \
		for (r = d->routes; r; r = r->next) \
			route_sample(f, name, r, (double)(field)); \
	} while (0);
	ROUTE_METRICS(X)
#undef X
	if (d->routes) {
		static const struct metric lag = { "streambridge_route_lag_messages", "gauge",
			"Source head minus the last acknowledged sequence." };
		static const struct metric up = { "streambridge_route_up", "gauge",
			"1 while the route is streaming." };
		static const struct metric src_up = { "streambridge_route_source_up", "gauge",
			"1 while the route has its source topic open." };
		static const struct metric spool = { "streambridge_route_spool_bytes", "gauge",
			"Bytes in the route's disk spool." };

		family(f, &lag);
		for (r = d->routes; r; r = r->next)
			route_sample(f, lag.name, r, (double)route_lag(r));
		family(f, &up);
		for (r = d->routes; r; r = r->next)
			route_sample(f, up.name, r, r->state == R_STREAMING);
		family(f, &src_up);
		for (r = d->routes; r; r = r->next)
			route_sample(f, src_up.name, r, r->src_state == SRC_OPEN);
		family(f, &spool);
		for (r = d->routes; r; r = r->next)
			route_sample(f, spool.name, r, r->spool ? (double)spool_bytes(r->spool) : 0);
	}
#define X(field, name, type, help) \
	do { \
		static const struct metric m = { name, type, help }; \
		if (!d->listeners) \
			break; \
		family(f, &m); \
		for (l = d->listeners; l; l = l->next) \
			listener_sample(f, name, l, (double)l->st.field); \
	} while (0);
	LISTENER_METRICS(X)
#undef X
	if (d->listeners) {
		static const struct metric fams[] = {
			{ "streambridge_listener_messages_total", "counter",
			  "Messages published into local topics." },
			{ "streambridge_listener_bytes_total", "counter", "Payload bytes published." },
			{ "streambridge_listener_duplicates_total", "counter",
			  "Records discarded as already committed." },
			{ "streambridge_listener_gap_messages_total", "counter",
			  "Sequence numbers skipped by senders (lost upstream)." },
			{ "streambridge_listener_peers", "gauge", "Connected peers." },
		};
		size_t k;

		for (k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
			family(f, &fams[k]);
			for (l = d->listeners; l; l = l->next) {
				uint64_t v[5] = { l->st.messages, l->st.bytes, l->st.duplicates,
						  l->st.gaps, l->npeers };

				for (p = l->peers; p && k < 4; p = p->next) {
					peer_sums(p, &ps);
					v[0] += ps.messages;
					v[1] += ps.bytes;
					v[2] += ps.duplicates;
					v[3] += ps.gaps;
				}
				listener_sample(f, fams[k].name, l, (double)v[k]);
			}
		}
	}
	engines_status_prom(f, d);
}

/* Is @s the first open stream into its topic (in listener, peer, stream order)? */
static bool first_into(const struct daemon *d, const struct pstream *s)
{
	const struct listener *l;
	const struct peer *p;
	int i;

	for (l = d->listeners; l; l = l->next)
		for (p = l->peers; p; p = p->next)
			for (i = 0; i < PEER_STREAMS_MAX; i++) {
				const struct pstream *o = &p->streams[i];

				if (o == s)
					return true;
				if (o->id && !strcmp(o->topic, s->topic))
					return false;
			}
	return true;
}

/* The kernel's duplicate counter of each destination topic, once per topic. */
static void write_prom_topics(FILE *f, const struct daemon *d)
{
	static const struct metric m = { "streambridge_topic_duplicates_total", "counter",
		"Duplicates the destination topic discarded (its dropped_duplicate)." };
	const struct listener *l;
	const struct peer *p;
	bool head = false;
	uint64_t n;
	int i;

	for (l = d->listeners; l; l = l->next)
		for (p = l->peers; p; p = p->next)
			for (i = 0; i < PEER_STREAMS_MAX; i++) {
				const struct pstream *s = &p->streams[i];

				if (!s->id || !first_into(d, s) ||
				    bsink_topic_duplicates(s->sink, &n))
					continue;
				if (!head)
					family(f, &m);
				head = true;
				fputs("streambridge_topic_duplicates_total{topic=\"", f);
				prom_escape(f, s->topic, true);
				fprintf(f, "\"} %" PRIu64 "\n", n);
			}
}

void status_write(FILE *f, const struct daemon *d, enum status_format fmt)
{
	switch (fmt) {
	case STATUS_JSON:
		write_json(f, d);
		break;
	case STATUS_PROM:
		write_prom(f, d);
		write_prom_topics(f, d);
		break;
	default:
		write_text(f, d);
	}
}

/* ---- client ---- */

/* Send @req to the daemon at @path and write its answer to @out: 0, 1 (not reachable), 2. */
static int control_request(const char *path, const char *req, FILE *out)
{
	struct sockaddr_un sa;
	char buf[8192];
	ssize_t n;
	size_t total = 0;
	int fd;

	if (unix_addr(path, &sa)) {
		fprintf(stderr, "streambridge: %s: path too long\n", path);
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "streambridge: cannot reach the daemon at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, req, strlen(req)) < 0) {
		fprintf(stderr, "streambridge: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, out);
		total += (size_t)n;
	}
	close(fd);
	if (n < 0 || !total) {
		fprintf(stderr, "streambridge: %s: no answer\n", path);
		return 1;
	}
	return 0;
}

int status_query(const char *path, enum status_format fmt)
{
	static const char *const req[] = { "status\n", "status json\n", "metrics\n" };

	return control_request(path, req[fmt], stdout);
}

static volatile sig_atomic_t events_stop;

static void on_stop(int sig)
{
	(void)sig;
	events_stop = 1;
}

/*
 * The answer's next record number: text ends with "# next N", JSON
 * starts with {"next":N.  0 if it has neither (an error line).
 */
static uint64_t events_next(const char *ans, bool json)
{
	unsigned long long next = 0;
	const char *p;

	if (json)
		sscanf(ans, "{\"next\":%llu", &next);
	else if ((p = strstr(ans, "# next ")) && (p == ans || p[-1] == '\n'))
		sscanf(p, "# next %llu", &next);
	return next;
}

int events_query(const char *path, bool json, bool follow, uint64_t since)
{
	struct sigaction sa = { .sa_handler = on_stop };
	char req[64];
	char *ans;
	size_t len;
	uint64_t next;
	FILE *f;
	int rc;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	do {
		ans = NULL;
		f = open_memstream(&ans, &len);
		if (!f)
			return 1;
		snprintf(req, sizeof(req), "events %s%" PRIu64 "\n", json ? "json " : "", since);
		rc = control_request(path, req, f);
		fclose(f);
		next = rc ? 0 : events_next(ans, json);
		if (!rc && !next) {
			fprintf(stderr, "streambridge: %s: %s", path, ans);
			rc = 1;
		}
		if (!rc && follow && next < since) {
			/* Numbered from 1 again: the daemon restarted.  Read its log from the start. */
			free(ans);
			since = 1;
			continue;
		}
		if (!rc && (!follow || next != since)) {
			/* Following, text: only the records; "# next" is for this loop. */
			char *tail = follow && !json ? strstr(ans, "# next ") : NULL;

			fwrite(ans, 1, tail ? (size_t)(tail - ans) : len, stdout);
			fflush(stdout);
		}
		free(ans);
		since = next;
		if (rc || !follow)
			return rc;
		for (int i = 0; i < 10 && !events_stop; i++)
			usleep(100000);
	} while (!events_stop);
	return 0;
}
