/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streambridge's daemon: one process, one epoll loop, many routes
 * (route.c, the sending side) and listeners (listener.c, the receiving
 * side), a unix control socket (status.c), signals (daemon.c).
 *
 * Nothing queues without bound: a route holds at most one batch and one
 * output buffer of two frames, and stops consuming its source while the
 * socket cannot take a frame or its unacknowledged bytes reach the
 * window; a peer holds one decoder buffer and stops reading its socket
 * while the destination topic is full.
 */
#ifndef BRIDGE_DAEMON_H
#define BRIDGE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "config.h"
#include "conn.h"
#include "frame.h"
#include "loss.h"

struct daemon;
struct spool;

/*
 * A connection that is not READY (TCP connect, TLS handshake, HELLO) gets
 * at least this long: on a lossy link those round trips take seconds
 * (SYN and handshake retransmits), and a bound as tight as dead_ms would
 * abort every attempt.
 */
#define BRIDGE_HANDSHAKE_MS 15000

enum ev_kind { EV_ROUTE_SOCK, EV_ROUTE_SRC, EV_LISTEN, EV_PEER_SOCK, EV_PEER_SINK,
	       EV_CONTROL, EV_SIGNAL };

/* What an epoll event points at. */
struct ev {
	enum ev_kind kind;
	void *obj;
	int fd;
	uint32_t events;	/* registered now (0: not registered) */
};

void ev_set(struct daemon *d, struct ev *e, int fd, uint32_t events);
void ev_del(struct daemon *d, struct ev *e);

/* ---- routes: the sending side ---- */

struct route_stats {
	uint64_t messages, bytes;	/* acknowledged by the receiver */
	uint64_t sent_messages, sent_bytes;
	uint64_t batches;
	uint64_t raw_bytes, wire_bytes;	/* DATA bodies before/after compression */
	uint64_t connects, reconnects, resumes;
	uint64_t spills;		/* connections given up to spool a lagging overwrite source */
	uint64_t loss;			/* messages the source no longer had, or dropped */
	uint64_t tls_failures, protocol_errors, refused;
	uint64_t spool_lost;
	uint64_t source_deleted;	/* the source topic was deleted under the route */
	uint64_t source_denied;		/* the right to subscribe to it was revoked */
};

enum route_state { R_IDLE, R_CONNECTING, R_OPENING, R_STREAMING, R_CLOSING };

/*
 * The source topic, apart from the connection: open, or not (it does not
 * exist, the right to subscribe is missing or was revoked, it was
 * deleted), then retried with the reconnect backoff.
 */
enum source_state { SRC_OPEN, SRC_MISSING, SRC_DENIED, SRC_GONE, SRC_FAILED };

#define ROUTE_INFLIGHT_MAX 4096		/* batches sent and not acknowledged */

struct route {
	struct daemon *d;
	struct bc_route cfg;
	struct route *next;
	enum route_state state;
	struct ev ev_sock, ev_src;
	struct ks_consumer *src;
	enum source_state src_state;
	bool src_hup;			/* poll says deleted: read to its end, then gone */
	bool src_recreated;		/* reopened after a deletion: a new topic */
	uint64_t src_retry_at_ms, src_backoff_ms;
	/*
	 * A recreated source numbers its messages from 0 again: those up to
	 * the receiver's last committed sequence would be discarded there as
	 * duplicates, so they are counted as loss instead (route.c).
	 */
	bool have_floor;
	uint64_t floor;
	bool have_floor_done;
	uint64_t floor_done;		/* counted as loss up to here */
	/* the deleted source: the last sequence the receiver may hold of it */
	bool gone_known;
	uint64_t gone_end;
	bool gone_unacked;		/* sent up to gone_end, not all acknowledged */
	struct ks_consumer *anchor;	/* holds a block source at the first unacknowledged */
	bool anchor_set;
	uint64_t anchor_at;
	struct conn conn;
	bool have_conn;
	SSL_CTX *ctx;
	uint64_t retry_at_ms, backoff_ms;
	/* the batch being filled */
	struct bf_batch batch;
	uint64_t batch_started_ms;
	/* where the source is */
	bool positioned;		/* consumer placed for this connection */
	bool have_expect;
	uint64_t expect;		/* sequence the source should give next */
	struct lossmark lost;		/* source gaps counted as loss */
	bool have_pos;
	uint64_t pos;			/* first sequence not acknowledged */
	bool have_acked;
	uint64_t acked;
	/* unacknowledged batches, oldest first */
	struct { uint64_t last_seq; uint32_t msgs, bytes, frame, raw; } infl[ROUTE_INFLIGHT_MAX];
	uint32_t infl_head, infl_n;
	uint64_t infl_bytes;
	uint64_t infl_raw;		/* uncompressed bytes in flight (records with headers) */
	/*
	 * An overwrite source: half its ring, the unacknowledged bytes a
	 * spooled route keeps in flight (route.c, falling_behind()); 0: a
	 * block source.
	 */
	uint64_t ring_window;
	struct spool *spool;		/* NULL: no spool configured */
	uint8_t *bounce;		/* a message copied out of the ring for the spool */
	uint64_t spool_synced_ms;
	struct route_stats st;
	char state_msg[256];		/* last error or state change */
	bool draining;			/* SIGTERM: flush, wait for acks, close */
};

int route_start(struct daemon *d, const struct bc_route *cfg, struct route **rp);
void route_stop(struct route *r, bool graceful);
void route_event(struct route *r, struct ev *e, uint32_t events);
/* Timers: linger, keepalive, dead peer, reconnect.  Returns ms until the next. */
uint64_t route_tick(struct route *r, uint64_t now);
/* All sent messages acknowledged (or nothing more can be). */
bool route_drained(const struct route *r);
/* Source head minus acknowledged (messages), or 0 if unknown. */
uint64_t route_lag(const struct route *r);
/* "open", "missing", "denied", "deleted", "failed". */
const char *route_source_state(const struct route *r);

/* ---- listeners: the receiving side ---- */

#define PEER_STREAMS_MAX 64

struct pstream_stats {
	uint64_t messages, bytes, batches, duplicates, gaps;
	uint64_t too_big;		/* larger than the topic's msgmax: dropped */
};

struct pstream {
	uint32_t id;			/* 0: slot free */
	struct peer *peer;
	struct bsink *sink;
	struct ev ev_sink;
	uint64_t producer_id, origin;
	char topic[BF_NAME_MAX + 1], source[BF_NAME_MAX + 1];
	bool have_last;
	uint64_t last;			/* last sequence committed */
	struct pstream_stats st;
};

struct listener_stats {
	uint64_t accepted, rejected_full, tls_failures, protocol_errors, denied;
	uint64_t messages, bytes, batches, duplicates, gaps, too_big;	/* of closed peers */
};

struct peer {
	struct listener *l;
	struct peer *next;
	struct ev ev;
	struct conn conn;
	uint8_t *scratch;		/* decompressed DATA body */
	size_t scratch_cap;
	/* a DATA frame being published (the topic was full) */
	bool busy;
	struct pstream *busy_stream;
	struct bf_data_iter it;
	struct bf_record rec;
	bool rec_pending;
	struct pstream streams[PEER_STREAMS_MAX];
	bool closing;
	uint64_t since_ms;
};

struct listener {
	struct daemon *d;
	struct bc_listener cfg;
	struct listener *next;
	int fd;
	struct ev ev;
	SSL_CTX *ctx;
	struct peer *peers;
	uint32_t npeers;
	struct listener_stats st;
};

int listener_start(struct daemon *d, const struct bc_listener *cfg, struct listener **lp,
		   char *err, size_t errlen);
void listener_stop(struct listener *l, bool graceful);
void listener_event(struct listener *l, uint32_t events);
void peer_event(struct peer *p, struct ev *e, uint32_t events);
uint64_t listener_tick(struct listener *l, uint64_t now);

/* ---- the daemon ---- */

struct daemon {
	struct bc_config *cfg;
	int ep;
	struct ev ev_control, ev_signal;
	struct route *routes;
	struct listener *listeners;
	struct eroute *eroutes;		/* engine routes (engine.h) */
	struct bf_hello hello;
	bool stopping;
	bool freed;			/* an object was freed: drop the rest of this epoll batch */
	uint64_t started_ms;
	uint64_t reloads, reload_failures;
	char control_path[BC_PATH_MAX];
};

/* Run until SIGTERM; takes @c.  Exit status: 0 stopped cleanly, 1 failed. */
int daemon_run(struct bc_config *c);

/* Logging: "streambridge: " + message, to stderr. */
void blog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* status.c: the control socket and the writers. */
int control_open(struct daemon *d, const char *path, char *err, size_t errlen);
void control_event(struct daemon *d);
void control_close(struct daemon *d);
enum status_format { STATUS_TEXT, STATUS_JSON, STATUS_PROM };
void status_write(FILE *f, const struct daemon *d, enum status_format fmt);
/* Prometheus text escapes (labels: also \"). */
void prom_escape(FILE *f, const char *s, bool label);
/* The client side: streambridge status. */
int status_query(const char *path, enum status_format fmt);
/* streambridge events: from record @since (0: all kept), once or until SIGINT/SIGTERM. */
int events_query(const char *path, bool json, bool follow, uint64_t since);

#endif /* BRIDGE_DAEMON_H */
