/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine routes in the configuration: a [route NAME] whose source or
 * destination is an engine URL instead of a local topic / kstream://.
 *
 *   out   source = LOCAL-TOPIC       destination = mqtt://HOST:PORT/TOPIC-TEMPLATE
 *                                    (mqtts:// TLS; nats://HOST:PORT[,HOST:PORT]/SUBJECT,
 *                                     tls:// the same over TLS)
 *   in    source = ENGINE-URL        destination = LOCAL-TOPIC
 *         (an MQTT topic filter, or a NATS subject of the stream)
 *
 * The URL scheme picks the engine (be_schemes[] below).  Parsing only:
 * no library of the engines is needed here (the fuzzers link this file).
 * Documentation/bridge.rst, "Engine routes", lists the keys.
 */
#ifndef BRIDGE_ENGINE_CFG_H
#define BRIDGE_ENGINE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BE_URL_MAX	512
#define BE_NAME_MAX	64

enum be_engine { BE_NONE, BE_MQTT, BE_NATS };

struct be_route {
	enum be_engine engine;		/* BE_NONE: a kstream route */
	bool in;			/* engine -> local topic */
	bool tls;			/* mqtts:// or tls:// */
	char servers[BE_URL_MAX];	/* HOST:PORT[,HOST:PORT...] */
	char path[BE_URL_MAX];		/* MQTT topic (template expanded) or filter; NATS subject */
	int qos;			/* MQTT: 0, 1, 2 (default 1) */
	uint32_t inflight;		/* messages published and not acknowledged (default 256) */
	char client_id[BE_NAME_MAX * 2];/* MQTT (default kstream-NODE-ROUTE) */
	uint32_t session_expiry;	/* MQTT seconds (default 86400) */
	char checkpoint[BE_URL_MAX];	/* MQTT out: retained checkpoint topic ("" none) */
	uint32_t checkpoint_ms;		/* ... written at most this often (default 1000) */
	char stream[BE_NAME_MAX];	/* NATS stream */
	char durable[BE_NAME_MAX];	/* NATS in: durable consumer (default the route name) */
	bool create;			/* NATS: create the stream (and consumer) if missing */
	uint32_t replicas;		/* NATS create: 1..5 (default 1) */
	bool memory;			/* NATS create: memory storage (default file) */
	uint32_t ack_wait_ms;		/* NATS in: consumer AckWait (default 30000) */
	uint32_t fetch;			/* NATS in: messages per pull (default 256) */
	bool unordered;			/* NATS out: no Nats-Expected-Last-Msg-Id chain */
	uint64_t seen;			/* keys given (parse state, "given twice") */
};

/* Engines by URL scheme. */
struct be_scheme {
	const char *prefix;		/* "mqtt://" */
	enum be_engine engine;
	bool tls;
	const char *default_port;
};
extern const struct be_scheme be_schemes[];

/* The scheme @v starts with, or NULL. */
const struct be_scheme *be_scheme_of(const char *v);

/*
 * A key of a [route] section: 0 handled (an error, if any, in @err),
 * -ENOENT not an engine key (the kstream route parser handles it).
 * The local topic of an in route goes to @topic (the route's destination
 * topic, @cap bytes).
 */
int be_route_key(struct be_route *e, const char *key, const char *v, char *topic, size_t cap,
		 char *err, size_t errlen);

/*
 * After the section: defaults, templates ({node}, {source}, {route}) and
 * the checks that need several keys.  0 or -1 with @err.
 */
int be_route_finish(struct be_route *e, const char *node, const char *route,
		    const char *source, const char *topic, char *err, size_t errlen);

/* The origin key the out direction writes (MQTT user property, Nats-Msg-Id). */
#define BE_ORIGIN_PROP	"kstream-origin"
#define BE_ORIGIN_MAX	(24 + 1 + BE_NAME_MAX + 1 + 24)
/* "NODEID/TOPIC/SEQ", decimal numbers. */
int be_origin_format(char *buf, size_t cap, uint64_t node, const char *topic, uint64_t seq);
/* 0 and the parts, or -EINVAL (anything else than exactly that form). */
int be_origin_parse(const char *s, size_t len, uint64_t *node, char *topic, size_t cap,
		    uint64_t *seq);

#endif /* BRIDGE_ENGINE_CFG_H */
