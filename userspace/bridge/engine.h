/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine routes at run time: a local topic into MQTT (mqtt.c) or NATS
 * JetStream (nats.c), or the other way.  Each engine route runs in a
 * thread of its own (the engines' client libraries block and call back
 * from their own threads), started after the daemon dropped its
 * privileges; the daemon's loop only starts, stops and reports them.
 *
 * What a thread shares with the loop: its stop flag and wake-up eventfd,
 * its counters (atomics) and its state line (under ->lock).  Nothing
 * else: the configuration is the route's own copy.
 *
 * Bounded memory: an out route has at most cfg.engine.inflight messages
 * published and not acknowledged (the window, struct ewin), and reads its
 * source only while the window has room; an in route holds one message
 * (a full block topic stops it, which stops its reads from the engine).
 */
#ifndef BRIDGE_ENGINE_H
#define BRIDGE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "loss.h"

struct daemon;
struct json;
struct ks_consumer;
struct ks_msg;
struct bsink;

enum eroute_state { ER_CONNECTING, ER_UP, ER_DOWN, ER_STOPPED };

struct eroute_stats {
	/* out: acknowledged by the engine; in: committed to the local topic */
	_Atomic uint64_t messages, bytes;
	_Atomic uint64_t sent;			/* out: publishes, resends included */
	_Atomic uint64_t resent;		/* out: published again (reconnect, rewind, restart) */
	_Atomic uint64_t inflight;		/* out: published, not acknowledged */
	_Atomic uint64_t acks_pending;		/* NATS out: the library's async publishes pending */
	_Atomic uint64_t engine_duplicates;	/* NATS out: acks saying "duplicate" */
	_Atomic uint64_t duplicates;		/* in: discarded as already committed */
	_Atomic uint64_t redeliveries;		/* in: NATS deliveries after the first */
	_Atomic uint64_t gaps;			/* in: origin sequences never received (lost upstream) */
	_Atomic uint64_t unkeyed;		/* in: messages without an origin key (at least once) */
	_Atomic uint64_t loss;			/* out: gone from the source before sent; QoS 0 drops */
	_Atomic uint64_t too_big;		/* in: larger than the local topic takes: dropped */
	_Atomic uint64_t connects, reconnects, connect_failures, tls_failures;
	_Atomic uint64_t checkpoints;		/* MQTT out: checkpoint messages acknowledged */
	_Atomic uint64_t broker_resets;		/* MQTT out: the broker came back without what it acked */
	_Atomic uint64_t acked_seq;		/* out: source sequence acknowledged last */
	_Atomic bool have_acked;
	_Atomic uint64_t resumed_at;		/* first sequence after the last (re)start */
	_Atomic int resume_from;		/* enum eroute_resume */
};

enum eroute_resume { ERS_NONE, ERS_CONFIG, ERS_CHECKPOINT, ERS_ENGINE, ERS_KERNEL };

struct eroute {
	struct bc_route cfg;
	struct eroute *next;
	uint64_t node_id;
	char node_name[BF_NAME_MAX + 1];
	uint32_t dead_ms, reconnect_min_ms, reconnect_max_ms;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	int wake_fd;				/* eventfd: stop */
	pthread_mutex_t lock;			/* state_msg */
	char state_msg[256];
	_Atomic int state;
	struct eroute_stats st;
	/* the route's thread only */
	uint64_t src_lost;			/* ks_lost() counted so far */
	struct lossmark lost;			/* source gaps counted as loss */
	uint64_t sent_high;			/* highest sequence published by this process */
	bool have_sent_high;
};

/* Start, keep or stop the engine routes of @c (after privileges are dropped). */
void engines_apply(struct daemon *d, const struct bc_config *c);
/* Stop them all: out routes wait up to their dead_ms for acknowledgements. */
void engines_stop_all(struct daemon *d);

void engines_status_text(FILE *f, const struct daemon *d);
void engines_status_json(struct json *j, const struct daemon *d);
void engines_status_prom(FILE *f, const struct daemon *d);

/* ---- for mqtt.c and nats.c ---- */

void er_state(struct eroute *r, enum eroute_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* @n messages from @first (BEV_NOSEQ: unknown) will never arrive: count, log, event. */
void er_lose(struct eroute *r, uint64_t first, uint64_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sleep up to @ms, or until stopped; true if stopped. */
bool er_sleep(struct eroute *r, uint64_t ms);
/* The next reconnect delay: exponential with jitter between the node's bounds. */
uint64_t er_backoff(struct eroute *r, uint64_t *cur);

/* The out window: messages published and not acknowledged, oldest first. */
struct ewin_ent {
	uint64_t seq, tag;			/* tag: MQTT mid */
	uint32_t len;
	bool acked;
};

struct ewin {
	struct ewin_ent *e;
	uint32_t cap, head, n;
};

int ewin_init(struct ewin *w, uint32_t cap);
void ewin_free(struct ewin *w);
bool ewin_full(const struct ewin *w);
void ewin_push(struct ewin *w, uint64_t seq, uint64_t tag, uint32_t len);
/* Mark the entry with @tag (by_seq: with sequence @tag) acknowledged: 0, or -ENOENT. */
int ewin_ack(struct ewin *w, uint64_t tag, bool by_seq);
/* Drop the acknowledged prefix into the route's counters; true if it moved. */
bool ewin_advance(struct ewin *w, struct eroute *r);
/* Oldest unacknowledged sequence (the window is not empty). */
uint64_t ewin_first(const struct ewin *w);
void ewin_clear(struct ewin *w);

/*
 * The out route's source: a consumer placed at @seq (KS_SEEK_SEQ; the
 * messages before the oldest retained are counted as loss), or at the
 * route's start option when @have_seq is false.
 */
int er_source_open(struct eroute *r, struct ks_consumer **c, bool have_seq, uint64_t seq);
int er_source_seek(struct eroute *r, struct ks_consumer *c, uint64_t seq);
/* ks_next() that counts what the consumer lost into the route's loss. */
int er_source_next(struct eroute *r, struct ks_consumer *c, struct ks_msg *m);
/* A message published (resends, below the high-water mark, counted apart). */
void er_sent(struct eroute *r, uint64_t seq);

/*
 * The in route's sinks: one idempotent producer per origin (producer id,
 * local topic), a few at a time (least recently used closed).  Publish
 * waits while a block topic is full (the route stops reading the engine)
 * until stopped.  0 committed, 1 duplicate, -errno (then the message is
 * not committed: -ECANCELED when stopped), 2 dropped (larger than the
 * topic's msgmax, counted).  @count_gaps: a jump in @seq is a loss upstream
 * (origin sequences are contiguous; a filtered stream's are not).
 */
struct er_sinks;
int er_sinks_open(struct er_sinks **s, const char *topic);
void er_sinks_close(struct er_sinks *s);
/* The kernel's last committed sequence of @producer_id: 1 (*seq), 0 unknown, -errno. */
int er_last_seq(struct er_sinks *s, uint64_t producer_id, uint64_t *seq);
int er_publish(struct eroute *r, struct er_sinks *s, bool keyed, uint64_t producer_id,
	       uint64_t seq, const void *data, uint32_t len, bool count_gaps);

/* Engine thread bodies. */
void *mqtt_route_main(void *arg);
void *nats_route_main(void *arg);
/* One-time library setup, in the main thread before any route starts. */
void mqtt_engine_init(void);
void nats_engine_init(void);
void nats_engine_fini(void);

#endif /* BRIDGE_ENGINE_H */
