// SPDX-License-Identifier: GPL-2.0
/*
 * Listeners: the receiving side.  A listener accepts peers (TLS with a
 * client certificate, or plaintext when insecure), checks every OPEN
 * against its grants, and publishes DATA records into the local topic
 * through a sink (sink.h), acknowledging what the kernel committed.
 *
 * Backpressure: when the destination topic is full (a block topic), the
 * record in hand stays pending, the peer's socket is no longer read and
 * the sink's fd is polled for room; the sender's window then fills and it
 * stops consuming.  Any malformed input closes that peer, counted.
 *
 * Uses: conn.c, frame.c, sink.c, tls.c, config.c (grants).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "daemon.h"
#include "events.h"
#include "sink.h"
#include "tls.h"

static void peer_close(struct peer *p, const char *why, bool failure);

int listener_start(struct daemon *d, const struct bc_listener *cfg, struct listener **lp,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct listener *l;
	int one = 1, e;

	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->d = d;
	l->cfg = *cfg;
	l->fd = -1;
	l->ev = (struct ev){ .kind = EV_LISTEN, .obj = l, .fd = -1 };
	if (!cfg->tls.insecure) {
		l->ctx = btls_ctx(&cfg->tls, true, err, errlen);
		if (!l->ctx)
			goto fail;
	}
	e = getaddrinfo(cfg->host[0] ? cfg->host : NULL, cfg->port, &hints, &ai);
	if (e) {
		snprintf(err, errlen, "listen %s:%s: %s", cfg->host, cfg->port, gai_strerror(e));
		goto fail;
	}
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l->fd, ai->ai_addr, ai->ai_addrlen) || listen(l->fd, 64)) {
		snprintf(err, errlen, "listen %s:%s: %s", cfg->host[0] ? cfg->host : "*",
			 cfg->port, strerror(errno));
		freeaddrinfo(ai);
		goto fail;
	}
	freeaddrinfo(ai);
	ev_set(d, &l->ev, l->fd, EPOLLIN);
	*lp = l;
	return 0;
fail:
	if (l->fd >= 0)
		close(l->fd);
	if (l->ctx)
		SSL_CTX_free(l->ctx);
	free(l);
	return -EINVAL;
}

void listener_stop(struct listener *l, bool graceful)
{
	if (!l)
		return;
	while (l->peers) {
		struct peer *p = l->peers;

		if (graceful && p->conn.state == CONN_READY) {
			char err[64];

			conn_send_error(&p->conn, BF_CLOSE, BF_C_SHUTDOWN, "receiver stopping");
			conn_flush(&p->conn, err, sizeof(err));
		}
		peer_close(p, "listener stopped", false);
	}
	ev_del(l->d, &l->ev);
	if (l->fd >= 0)
		close(l->fd);
	if (l->ctx)
		SSL_CTX_free(l->ctx);
	l->d->freed = true;
	free(l);
}

/* ---- peers ---- */

static void stream_close(struct pstream *s)
{
	struct listener_stats *ls = &s->peer->l->st;

	ls->messages += s->st.messages;
	ls->bytes += s->st.bytes;
	ls->batches += s->st.batches;
	ls->duplicates += s->st.duplicates;
	ls->gaps += s->st.gaps;
	ls->too_big += s->st.too_big;
	ev_del(s->peer->l->d, &s->ev_sink);
	bsink_close(s->sink);
	memset(s, 0, sizeof(*s));
}

static void peer_close(struct peer *p, const char *why, bool failure)
{
	struct listener *l = p->l;
	struct peer **pp;
	int i;

	if (failure)
		blog("listener %s: peer %s%s%s: %s", l->cfg.name, p->conn.addr,
		     p->conn.peer.name[0] ? " node " : "", p->conn.peer.name, why);
	for (i = 0; i < PEER_STREAMS_MAX; i++)
		if (p->streams[i].id)
			stream_close(&p->streams[i]);
	ev_del(l->d, &p->ev);
	conn_free(&p->conn);
	for (pp = &l->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	l->npeers--;
	l->d->freed = true;
	free(p->scratch);
	free(p);
}

static void accept_one(struct listener *l)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	char host[INET6_ADDRSTRLEN], port[8];
	struct peer *p;
	int fd, one = 1;

	fd = accept4(l->fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (l->npeers >= l->cfg.max_peers) {
		l->st.rejected_full++;
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return;
	}
	p->l = l;
	p->ev = (struct ev){ .kind = EV_PEER_SOCK, .obj = p, .fd = -1 };
	if (conn_init(&p->conn, fd, l->ctx, true, NULL, l->d->cfg->node.max_frame, 64 * 1024)) {
		free(p);
		close(fd);
		return;
	}
	if (getnameinfo((struct sockaddr *)&sa, salen, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(p->conn.addr, sizeof(p->conn.addr), "%s:%s", host, port);
	p->since_ms = now_ms();
	p->next = l->peers;
	l->peers = p;
	l->npeers++;
	l->st.accepted++;
	if (!l->ctx)	/* plaintext: straight to HELLO */
		bf_put_hello(&p->conn.out, &l->d->hello);
	ev_set(l->d, &p->ev, fd, conn_events(&p->conn, true));
}

void listener_event(struct listener *l, uint32_t events)
{
	int i;

	(void)events;
	for (i = 0; i < 16; i++)	/* a few per wakeup: fairness */
		accept_one(l);
}

static struct pstream *find_stream(struct peer *p, uint32_t id)
{
	int i;

	for (i = 0; i < PEER_STREAMS_MAX; i++)
		if (p->streams[i].id == id)
			return &p->streams[i];
	return NULL;
}

/*
 * Another peer publishes as this producer into this topic: a connection
 * the sender gave up on and replaced.  Close it (fencing), so two
 * connections never interleave one producer's sequence.
 */
static void fence(struct listener *l, struct peer *self, uint64_t producer_id, const char *topic)
{
	struct peer *p, *next;
	int i;

	for (p = l->peers; p; p = next) {
		next = p->next;
		if (p == self)
			continue;
		for (i = 0; i < PEER_STREAMS_MAX; i++)
			if (p->streams[i].id && p->streams[i].producer_id == producer_id &&
			    !strcmp(p->streams[i].topic, topic)) {
				peer_close(p, "replaced by a new connection of the same producer",
					   true);
				break;
			}
	}
}

static int on_open(struct peer *p, const struct bf_frame *f, char *err, size_t errlen)
{
	struct listener *l = p->l;
	struct bf_open o;
	struct bf_resume rs = { 0 };
	struct pstream *s;
	uint64_t last;
	int x, i;

	x = bf_parse_open(f, &o);
	if (x) {
		snprintf(err, errlen, "malformed OPEN: %s", bf_strerror(x));
		return -1;
	}
	if (find_stream(p, f->stream)) {
		snprintf(err, errlen, "OPEN of stream %u, already open", f->stream);
		return -1;
	}
	if (o.producer_id != bc_producer_id(o.origin_node, o.source)) {
		snprintf(err, errlen, "OPEN: producer id does not derive from node %llu topic %s",
			 (unsigned long long)o.origin_node, o.source);
		return -1;
	}
	if (!bc_granted(&l->cfg, p->conn.has_identity ? p->conn.peer_cn : NULL,
			p->conn.has_identity ? p->conn.peer_pin : NULL, o.topic)) {
		l->st.denied++;
		blog("listener %s: peer %s (cn=%s) is not granted topic %s: refused", l->cfg.name,
		     p->conn.addr, p->conn.peer_cn[0] ? p->conn.peer_cn : "-", o.topic);
		bf_put_error(&p->conn.out, BF_ERROR, f->stream, BF_C_DENIED, "topic not granted");
		return 0;
	}
	s = find_stream(p, 0);
	if (!s) {
		snprintf(err, errlen, "more than %d streams", PEER_STREAMS_MAX);
		return -1;
	}
	fence(l, p, o.producer_id, o.topic);
	memset(s, 0, sizeof(*s));
	x = bsink_open(&s->sink, o.topic, o.producer_id);
	if (x) {
		blog("listener %s: topic %s for %s: %s", l->cfg.name, o.topic, p->conn.addr,
		     strerror(-x));
		bf_put_error(&p->conn.out, BF_ERROR, f->stream,
			     x == -ENOENT ? BF_C_NO_TOPIC : x == -EACCES ? BF_C_DENIED : BF_C_INTERNAL,
			     strerror(-x));
		if (x == -EACCES)
			l->st.denied++;
		return 0;
	}
	s->id = f->stream;
	s->peer = p;
	s->ev_sink = (struct ev){ .kind = EV_PEER_SINK, .obj = p, .fd = -1 };
	s->producer_id = o.producer_id;
	s->origin = o.origin_node;
	strcpy(s->topic, o.topic);
	strcpy(s->source, o.source);
	rs.producer_id = o.producer_id;
	i = bsink_last_seq(s->sink, &last);
	if (i == 1) {
		rs.flags = BF_RESUME_KNOWN;
		rs.last_seq = last;
		s->have_last = true;
		s->last = last;
	}
	bf_put_resume(&p->conn.out, f->stream, &rs);
	blog("listener %s: node %s (%s, cn=%s) opened %s -> %s, resume %s %llu", l->cfg.name,
	     p->conn.peer.name, p->conn.addr, p->conn.peer_cn[0] ? p->conn.peer_cn : "-",
	     o.source, o.topic, i == 1 ? "after" : "unknown,",
	     (unsigned long long)(i == 1 ? last : 0));
	return 0;
}

/*
 * Publish what is left of the DATA frame in hand: 1 done (ACK queued), 0
 * blocked on a full topic, -1 failed (*err).
 */
static int publish(struct peer *p, char *err, size_t errlen)
{
	struct pstream *s = p->busy_stream;
	int x;

	for (;;) {
		if (!p->rec_pending) {
			x = bf_data_next(&p->it, &p->rec);
			if (x == 0)
				break;
			if (x < 0) {
				snprintf(err, errlen, "malformed DATA: %s", bf_strerror(x));
				return -1;
			}
			p->rec_pending = true;
		}
		if (p->rec.origin_node != s->origin) {
			snprintf(err, errlen, "DATA record from node %llu on a stream of node %llu",
				 (unsigned long long)p->rec.origin_node,
				 (unsigned long long)s->origin);
			return -1;
		}
		x = bsink_publish(s->sink, p->rec.seq, p->rec.data, p->rec.len);
		if (x == -EAGAIN) {
			ev_set(p->l->d, &s->ev_sink, bsink_fd(s->sink), EPOLLOUT);
			return 0;
		}
		if (x == -EMSGSIZE) {
			/*
			 * Larger than the destination's msgmax: it can never be
			 * published.  Skip it, counted and logged, rather than make
			 * the sender resend it forever.
			 */
			if (!s->st.too_big++)
				blog("listener %s: %s -> %s: message %llu (%u bytes) exceeds the "
				     "topic's msgmax: dropped (counted as too_big)", p->l->cfg.name,
				     s->source, s->topic, (unsigned long long)p->rec.seq, p->rec.len);
			p->rec_pending = false;
			s->have_last = true;
			s->last = p->rec.seq;
			continue;
		}
		if (x < 0) {
			snprintf(err, errlen, "publishing to %s: %s", s->topic, strerror(-x));
			bf_put_error(&p->conn.out, BF_ERROR, s->id, BF_C_INTERNAL, strerror(-x));
			return -1;
		}
		p->rec_pending = false;
		if (x == 1) {
			s->st.duplicates++;
			continue;
		}
		if (s->have_last && p->rec.seq > s->last + 1) {
			s->st.gaps += p->rec.seq - s->last - 1;
			bev_emit(BEV_LOSS, "listener", p->l->cfg.name, s->last + 1,
				 p->rec.seq - s->last - 1, "%s -> %s from node %s: never arrived (lost upstream)", s->source,
				 s->topic, p->conn.peer.name);
		}
		s->have_last = true;
		s->last = p->rec.seq;
		s->st.messages++;
		s->st.bytes += p->rec.len;
	}
	ev_del(p->l->d, &s->ev_sink);
	s->st.batches++;
	p->busy = false;
	if (s->have_last)
		bf_put_ack(&p->conn.out, s->id, s->last);
	return 1;
}

static int on_frame(struct peer *p, const struct bf_frame *f, char *err, size_t errlen)
{
	struct bf_error e;
	struct pstream *s;
	uint64_t v;
	int x;

	if (p->conn.state == CONN_HELLO)
		return conn_hello(&p->conn, f, &p->l->d->hello, err, errlen);
	switch (f->type) {
	case BF_OPEN:
		if (p->closing)
			return 0;
		return on_open(p, f, err, errlen);
	case BF_DATA:
		s = find_stream(p, f->stream);
		if (!s || !f->stream) {
			snprintf(err, errlen, "DATA on stream %u, not open", f->stream);
			return -1;
		}
		/* The decompression buffer only for peers that compress. */
		if (!p->scratch && f->len && f->payload[0] != BF_CODEC_NONE) {
			p->scratch = malloc(p->l->d->cfg->node.max_frame);
			if (!p->scratch) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			p->scratch_cap = p->l->d->cfg->node.max_frame;
		}
		x = bf_data_open(f, p->scratch, p->scratch_cap, &p->it);
		if (x) {
			snprintf(err, errlen, "malformed DATA: %s", bf_strerror(x));
			return -1;
		}
		p->busy = true;
		p->busy_stream = s;
		p->rec_pending = false;
		x = publish(p, err, errlen);
		return x < 0 ? -1 : 0;
	case BF_KEEPALIVE:
		x = bf_parse_keepalive(f, &v);
		if (x)
			snprintf(err, errlen, "malformed KEEPALIVE: %s", bf_strerror(x));
		return x ? -1 : 0;
	case BF_ERROR:
	case BF_CLOSE:
		x = bf_parse_error(f, &e);
		if (x) {
			snprintf(err, errlen, "malformed %s: %s",
				 f->type == BF_ERROR ? "ERROR" : "CLOSE", bf_strerror(x));
			return -1;
		}
		if (f->type == BF_ERROR && f->stream && (s = find_stream(p, f->stream))) {
			stream_close(s);
			return 0;
		}
		snprintf(err, errlen, "peer %s: %.160s (code %u)",
			 f->type == BF_CLOSE ? "closed" : "error", e.text, e.code);
		return f->type == BF_CLOSE && e.code == BF_C_OK ? -2 : -1;
	default:
		snprintf(err, errlen, "unexpected frame type %u", f->type);
		return -1;
	}
}

/* Read and handle frames until the socket is empty, a topic is full or output is full. */
static void peer_process(struct peer *p, uint32_t events)
{
	struct listener *l = p->l;
	struct bf_frame f;
	char err[256] = "";
	int x;

	if (p->conn.state == CONN_HANDSHAKE) {
		x = conn_handshake(&p->conn, err, sizeof(err));
		if (x < 0) {
			l->st.tls_failures++;
			peer_close(p, err, true);
			return;
		}
		if (x == 0)
			goto wait;
		bf_put_hello(&p->conn.out, &l->d->hello);
	}
	if (p->busy) {
		x = publish(p, err, sizeof(err));
		if (x < 0)
			goto fail;
		if (x == 0)
			goto wait;
	}
	while (!p->busy && conn_room(&p->conn) >= 1024) {
		x = bf_dec_next(&p->conn.dec, &f);
		if (x == 0) {
			/* Bytes OpenSSL already holds raise no epoll event: read them too. */
			if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !p->conn.want_read_for_write &&
			    !(p->conn.ssl && SSL_has_pending(p->conn.ssl)))
				break;
			x = conn_read(&p->conn, err, sizeof(err));
			if (x < 0) {
				if (p->conn.state < CONN_READY && p->conn.ssl)
					l->st.tls_failures++;
				peer_close(p, err, !p->conn.eof || p->conn.state < CONN_READY);
				return;
			}
			if (x == 0 && (p->conn.drained ||
				       !(p->conn.ssl && SSL_has_pending(p->conn.ssl))))
				break;
			continue;
		}
		if (x < 0) {
			snprintf(err, sizeof(err), "malformed input: %s", bf_strerror(x));
			goto fail;
		}
		x = on_frame(p, &f, err, sizeof(err));
		if (x == -2) {
			/* Orderly CLOSE: answer with what is left, then go. */
			conn_send_error(&p->conn, BF_CLOSE, BF_C_OK, "bye");
			conn_flush(&p->conn, err, sizeof(err));
			peer_close(p, "closed by peer", false);
			return;
		}
		if (x < 0)
			goto fail;
	}
	if (conn_flush(&p->conn, err, sizeof(err))) {
		peer_close(p, err, true);
		return;
	}
wait:
	/* Read only when not blocked on a topic and there is room to answer. */
	ev_set(l->d, &p->ev, p->conn.fd,
	       conn_events(&p->conn, !p->busy && conn_room(&p->conn) >= 1024));
	return;
fail:
	l->st.protocol_errors++;
	conn_send_error(&p->conn, BF_ERROR, BF_C_PROTOCOL, err);
	{
		char e2[64];

		conn_flush(&p->conn, e2, sizeof(e2));
	}
	peer_close(p, err, true);
}

void peer_event(struct peer *p, struct ev *e, uint32_t events)
{
	if (e->kind == EV_PEER_SINK)
		events = 0;	/* room in the topic: publish, then read again */
	peer_process(p, events);
}

uint64_t listener_tick(struct listener *l, uint64_t now)
{
	const struct bc_node *n = &l->d->cfg->node;
	struct peer *p, *next;
	uint64_t dead;

	for (p = l->peers; p; p = next) {
		next = p->next;
		dead = n->dead_ms;
		if (p->conn.state != CONN_READY && dead < BRIDGE_HANDSHAKE_MS)
			dead = BRIDGE_HANDSHAKE_MS;
		/* A peer blocked on a full topic is not read: its silence is ours. */
		if (!p->busy && now - p->conn.last_rx_ms >= dead) {
			if (p->conn.state == CONN_READY)
				conn_send_error(&p->conn, BF_ERROR, BF_C_TIMEOUT, "keepalive timeout");
			l->st.protocol_errors += p->conn.state < CONN_READY;
			peer_close(p, "nothing received within the keepalive bound: peer dead", true);
			continue;
		}
		if (p->conn.state == CONN_READY && now - p->conn.last_tx_ms >= n->keepalive_ms) {
			char err[128];

			bf_put_keepalive(&p->conn.out, now);
			p->conn.last_tx_ms = now;
			if (conn_flush(&p->conn, err, sizeof(err))) {
				peer_close(p, err, true);
				continue;
			}
			ev_set(l->d, &p->ev, p->conn.fd,
			       conn_events(&p->conn, !p->busy && conn_room(&p->conn) >= 1024));
		}
	}
	return n->keepalive_ms / 2;
}
