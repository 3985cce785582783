// SPDX-License-Identifier: GPL-2.0
/*
 * Engine routes in the configuration (engine_cfg.h): the URL schemes, the
 * engine keys of a [route] section, templates and the origin key.
 * Uses: config.c's value parsers.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine_cfg.h"

const struct be_scheme be_schemes[] = {
	{ "mqtt://", BE_MQTT, false, "1883" },
	{ "mqtts://", BE_MQTT, true, "8883" },
	{ "nats://", BE_NATS, false, "4222" },
	{ "tls://", BE_NATS, true, "4222" },
	{ NULL, BE_NONE, false, NULL },
};

const struct be_scheme *be_scheme_of(const char *v)
{
	const struct be_scheme *s;

	for (s = be_schemes; s->prefix; s++)
		if (!strncmp(v, s->prefix, strlen(s->prefix)))
			return s;
	return NULL;
}

enum be_key {
	EK_SOURCE, EK_DEST, EK_QOS, EK_INFLIGHT, EK_CLIENT, EK_SESSION, EK_CKPT, EK_CKPT_MS,
	EK_STREAM, EK_DURABLE, EK_CREATE, EK_REPLICAS, EK_STORAGE, EK_ACKWAIT, EK_FETCH,
	EK_LOCALDEST, EK_ORDERED,
};

/* HOST[:PORT][,HOST[:PORT]...]: names, IPv4, [IPv6]; nothing else. */
static bool servers_ok(const char *s, bool one)
{
	const char *p;

	if (!*s || *s == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return false;
	if (one && strchr(s, ','))
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:[],", *p))
			return false;
	return true;
}

/* An MQTT topic (out: no wildcards) or filter (in: + and # as whole levels). */
static bool mqtt_topic_ok(const char *t, bool filter)
{
	const char *p;

	if (!*t || strlen(t) >= BE_URL_MAX)
		return false;
	for (p = t; *p; p++) {
		if ((unsigned char)*p < 0x20)
			return false;
		if (*p != '+' && *p != '#')
			continue;
		if (!filter)
			return false;
		if (p != t && p[-1] != '/')
			return false;
		if (*p == '#' && p[1])
			return false;
		if (*p == '+' && p[1] && p[1] != '/')
			return false;
	}
	return true;
}

/* A NATS subject: dot-separated tokens; * and > (last) in filters only. */
static bool nats_subject_ok(const char *t, bool filter)
{
	const char *p;

	if (!*t || *t == '.' || t[strlen(t) - 1] == '.' || strstr(t, ".."))
		return false;
	for (p = t; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
		if (*p != '*' && *p != '>')
			continue;
		if (!filter || (p != t && p[-1] != '.') || (p[1] && p[1] != '.'))
			return false;
		if (*p == '>' && p[1])
			return false;
	}
	return true;
}

/* scheme://SERVERS/PATH */
static int parse_url(struct be_route *e, const struct be_scheme *sc, const char *v, bool in,
		     char *err, size_t errlen)
{
	const char *h = v + strlen(sc->prefix), *slash = strchr(h, '/');
	size_t n;

	if (e->engine != BE_NONE) {
		snprintf(err, errlen, "a route has one engine URL (source or destination)");
		return 0;
	}
	if (!slash || slash == h || (n = (size_t)(slash - h)) >= sizeof(e->servers)) {
		snprintf(err, errlen, "expected %sHOST:PORT%s/%s", sc->prefix,
			 sc->engine == BE_NATS ? "[,HOST:PORT...]" : "",
			 sc->engine == BE_NATS ? "SUBJECT" : "TOPIC");
		return 0;
	}
	memcpy(e->servers, h, n);
	e->servers[n] = 0;
	if (!servers_ok(e->servers, sc->engine == BE_MQTT)) {
		snprintf(err, errlen, "'%s': expected HOST[:PORT]%s", e->servers,
			 sc->engine == BE_NATS ? " separated by commas" : "");
		return 0;
	}
	if (strlen(slash + 1) >= sizeof(e->path)) {
		snprintf(err, errlen, "topic or subject too long");
		return 0;
	}
	strcpy(e->path, slash + 1);
	e->engine = sc->engine;
	e->tls = sc->tls;
	e->in = in;
	return 0;
}

static bool seen(struct be_route *e, enum be_key k, char *err, size_t errlen)
{
	if (e->seen & (1ULL << k)) {
		snprintf(err, errlen, "given twice in this section");
		return true;
	}
	e->seen |= 1ULL << k;
	return false;
}

static void num(const char *v, uint32_t *out, uint64_t min, uint64_t max, char *err,
		size_t errlen)
{
	uint64_t x;

	if (bc_parse_u64(v, &x) || x < min || x > max) {
		snprintf(err, errlen, "expected a number from %" PRIu64 " to %" PRIu64, min, max);
		return;
	}
	*out = (uint32_t)x;
}

static void name(const char *v, char *dst, size_t cap, char *err, size_t errlen)
{
	if (!bf_name_valid(v, strlen(v)) || strlen(v) >= cap)
		snprintf(err, errlen, "1 to 63 of A-Z a-z 0-9 . _ -");
	else
		strcpy(dst, v);
}

int be_route_key(struct be_route *e, const char *key, const char *v, char *topic, size_t cap,
		 char *err, size_t errlen)
{
	const struct be_scheme *sc = be_scheme_of(v);
	uint32_t x = 0;
	bool b = false;

	err[0] = 0;
	if (!strcmp(key, "source")) {
		if (!sc)
			return -ENOENT;
		if (!seen(e, EK_SOURCE, err, errlen))
			parse_url(e, sc, v, true, err, errlen);
	} else if (!strcmp(key, "destination")) {
		if (sc) {
			if (!seen(e, EK_DEST, err, errlen))
				parse_url(e, sc, v, false, err, errlen);
		} else if (!strstr(v, "://")) {
			/* A local topic: only an in route has one as destination. */
			if (seen(e, EK_LOCALDEST, err, errlen))
				return 0;
			if (!bf_name_valid(v, strlen(v)) || strlen(v) >= cap)
				snprintf(err, errlen, "not a topic name (1 to 63 of A-Z a-z 0-9 . _ -)");
			else
				strcpy(topic, v);
		} else {
			return -ENOENT;
		}
	} else if (!strcmp(key, "qos")) {
		if (!seen(e, EK_QOS, err, errlen)) {
			num(v, &x, 0, 2, err, errlen);
			e->qos = (int)x + 1;	/* 0 in the struct: not given */
		}
	} else if (!strcmp(key, "inflight")) {
		if (!seen(e, EK_INFLIGHT, err, errlen))
			num(v, &e->inflight, 1, 65535, err, errlen);
	} else if (!strcmp(key, "client_id")) {
		if (!seen(e, EK_CLIENT, err, errlen))
			name(v, e->client_id, sizeof(e->client_id), err, errlen);
	} else if (!strcmp(key, "session_expiry")) {
		if (!seen(e, EK_SESSION, err, errlen))
			num(v, &e->session_expiry, 1, UINT32_MAX, err, errlen);
	} else if (!strcmp(key, "checkpoint")) {
		if (seen(e, EK_CKPT, err, errlen))
			return 0;
		if (!strcmp(v, "none"))
			strcpy(e->checkpoint, "-");
		else if (!mqtt_topic_ok(v, false))
			snprintf(err, errlen, "expected an MQTT topic without wildcards, or none");
		else
			strcpy(e->checkpoint, v);
	} else if (!strcmp(key, "checkpoint_ms")) {
		if (!seen(e, EK_CKPT_MS, err, errlen))
			num(v, &e->checkpoint_ms, 10, 3600000, err, errlen);
	} else if (!strcmp(key, "stream")) {
		if (!seen(e, EK_STREAM, err, errlen))
			name(v, e->stream, sizeof(e->stream), err, errlen);
	} else if (!strcmp(key, "durable")) {
		if (!seen(e, EK_DURABLE, err, errlen))
			name(v, e->durable, sizeof(e->durable), err, errlen);
	} else if (!strcmp(key, "create")) {
		if (seen(e, EK_CREATE, err, errlen))
			return 0;
		if (bc_parse_bool(v, &b))
			snprintf(err, errlen, "expected yes or no");
		e->create = b;
	} else if (!strcmp(key, "replicas")) {
		if (!seen(e, EK_REPLICAS, err, errlen))
			num(v, &e->replicas, 1, 5, err, errlen);
	} else if (!strcmp(key, "storage")) {
		if (seen(e, EK_STORAGE, err, errlen))
			return 0;
		if (!strcmp(v, "memory"))
			e->memory = true;
		else if (strcmp(v, "file"))
			snprintf(err, errlen, "expected file or memory");
	} else if (!strcmp(key, "ack_wait_ms")) {
		if (!seen(e, EK_ACKWAIT, err, errlen))
			num(v, &e->ack_wait_ms, 100, 3600000, err, errlen);
	} else if (!strcmp(key, "ordered")) {
		if (seen(e, EK_ORDERED, err, errlen))
			return 0;
		if (bc_parse_bool(v, &b))
			snprintf(err, errlen, "expected yes or no");
		e->unordered = !b;
	} else if (!strcmp(key, "fetch")) {
		if (!seen(e, EK_FETCH, err, errlen))
			num(v, &e->fetch, 1, 4096, err, errlen);
	} else {
		return -ENOENT;
	}
	return 0;
}

/* Replace {node}, {source}, {route} in @s (in place, bounded). */
static int expand(char *s, size_t cap, const char *node, const char *route, const char *source)
{
	static const char *const names[] = { "{node}", "{source}", "{route}" };
	const char *vals[] = { node, source, route };
	char out[BE_URL_MAX];
	size_t o = 0, i, n;
	const char *p = s;

	while (*p) {
		for (i = 0; i < 3; i++)
			if (!strncmp(p, names[i], strlen(names[i])))
				break;
		if (i < 3) {
			n = strlen(vals[i]);
			if (o + n >= sizeof(out))
				return -ENAMETOOLONG;
			memcpy(out + o, vals[i], n);
			o += n;
			p += strlen(names[i]);
			continue;
		}
		if (*p == '{' || *p == '}')
			return -EINVAL;
		if (o + 1 >= sizeof(out))
			return -ENAMETOOLONG;
		out[o++] = *p++;
	}
	out[o] = 0;
	if (o >= cap)
		return -ENAMETOOLONG;
	memcpy(s, out, o + 1);
	return 0;
}

/* Keys of one engine given on a route of the other (or the wrong direction). */
static const char *misplaced(const struct be_route *e)
{
	static const struct { enum be_key k; const char *name; enum be_engine eng; int dir; } t[] = {
		/* dir: 0 both, 1 out only, 2 in only */
		{ EK_QOS, "qos", BE_MQTT, 0 }, { EK_CLIENT, "client_id", BE_MQTT, 0 },
		{ EK_SESSION, "session_expiry", BE_MQTT, 0 }, { EK_CKPT, "checkpoint", BE_MQTT, 1 },
		{ EK_CKPT_MS, "checkpoint_ms", BE_MQTT, 1 }, { EK_STREAM, "stream", BE_NATS, 0 },
		{ EK_DURABLE, "durable", BE_NATS, 2 }, { EK_CREATE, "create", BE_NATS, 0 },
		{ EK_REPLICAS, "replicas", BE_NATS, 0 }, { EK_STORAGE, "storage", BE_NATS, 0 },
		{ EK_ACKWAIT, "ack_wait_ms", BE_NATS, 2 }, { EK_FETCH, "fetch", BE_NATS, 2 },
		{ EK_INFLIGHT, "inflight", BE_NONE, 1 }, { EK_ORDERED, "ordered", BE_NATS, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!(e->seen & (1ULL << t[i].k)))
			continue;
		if ((t[i].eng != BE_NONE && t[i].eng != e->engine) ||
		    (t[i].dir == 1 && e->in) || (t[i].dir == 2 && !e->in))
			return t[i].name;
	}
	return NULL;
}

int be_route_finish(struct be_route *e, const char *node, const char *route,
		    const char *source, const char *topic, char *err, size_t errlen)
{
	const char *bad;
	bool ok;

	if (e->engine == BE_NONE) {
		if (e->seen & ~(1ULL << EK_LOCALDEST)) {
			snprintf(err, errlen, "engine keys on a kstream route (source or destination "
				 "must be an mqtt://, mqtts://, nats:// or tls:// URL)");
			return -1;
		}
		if (e->seen & (1ULL << EK_LOCALDEST)) {
			snprintf(err, errlen, "destination: expected kstream://HOST:PORT/TOPIC, or "
				 "an engine URL as source");
			return -1;
		}
		return 1;
	}
	bad = misplaced(e);
	if (bad) {
		snprintf(err, errlen, "%s: not a key of %s %s routes", bad,
			 e->in ? "incoming" : "outgoing", e->engine == BE_MQTT ? "MQTT" : "NATS");
		return -1;
	}
	if (e->in && !topic[0]) {
		snprintf(err, errlen, "destination: required (the local topic)");
		return -1;
	}
	if (!e->in && (e->seen & (1ULL << EK_LOCALDEST))) {
		snprintf(err, errlen, "destination: given twice (engine URL and a topic)");
		return -1;
	}
	if (!e->in && !source[0]) {
		snprintf(err, errlen, "source: required (the local topic)");
		return -1;
	}
	if (!e->in && expand(e->path, sizeof(e->path), node, route, source)) {
		snprintf(err, errlen, "destination: bad template (known: {node} {source} {route})");
		return -1;
	}
	ok = e->engine == BE_MQTT ? mqtt_topic_ok(e->path, e->in) : nats_subject_ok(e->path, e->in);
	if (!ok) {
		snprintf(err, errlen, "%s: '%s' is not a valid %s", e->in ? "source" : "destination",
			 e->path, e->engine == BE_MQTT ? (e->in ? "MQTT topic filter" : "MQTT topic") :
			 (e->in ? "NATS subject filter" : "NATS subject"));
		return -1;
	}
	if (!e->inflight)
		e->inflight = 256;
	if (e->engine == BE_MQTT) {
		e->qos = e->qos ? e->qos - 1 : 1;
		if (!e->client_id[0])
			snprintf(e->client_id, sizeof(e->client_id), "kstream-%s-%s", node, route);
		if (!e->session_expiry)
			e->session_expiry = 86400;
		if (!e->checkpoint_ms)
			e->checkpoint_ms = 1000;
		if (!e->in && !e->checkpoint[0])
			snprintf(e->checkpoint, sizeof(e->checkpoint), "kstream/checkpoint/%s/%s",
				 node, route);
		if (!strcmp(e->checkpoint, "-"))
			e->checkpoint[0] = 0;
		return 0;
	}
	if (!e->stream[0]) {
		snprintf(err, errlen, "stream: required for NATS JetStream routes");
		return -1;
	}
	if (e->in && !e->durable[0])
		snprintf(e->durable, sizeof(e->durable), "%s", route);
	if (!e->replicas)
		e->replicas = 1;
	if (!e->ack_wait_ms)
		e->ack_wait_ms = 30000;
	if (!e->fetch)
		e->fetch = 256;
	return 0;
}

int be_origin_format(char *buf, size_t cap, uint64_t node, const char *topic, uint64_t seq)
{
	int n = snprintf(buf, cap, "%" PRIu64 "/%s/%" PRIu64, node, topic, seq);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

static int dec(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 20 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int be_origin_parse(const char *s, size_t len, uint64_t *node, char *topic, size_t cap,
		    uint64_t *seq)
{
	const char *a = memchr(s, '/', len), *b;
	size_t tl;

	if (!a)
		return -EINVAL;
	b = memrchr(a + 1, '/', len - (size_t)(a + 1 - s));
	if (!b)
		return -EINVAL;
	tl = (size_t)(b - a - 1);
	if (dec(s, (size_t)(a - s), node) || dec(b + 1, len - (size_t)(b + 1 - s), seq) ||
	    tl >= cap || !bf_name_valid(a + 1, tl))
		return -EINVAL;
	memcpy(topic, a + 1, tl);
	topic[tl] = 0;
	return 0;
}
