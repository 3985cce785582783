// SPDX-License-Identifier: GPL-2.0
/*
 * streambridge configuration (config.h): libinih does the INI syntax, this
 * file the meaning.  The reader callback counts lines, so every error
 * names its line; checks that need the whole file (required keys, TLS
 * material) run after parsing and name the section's line.
 * Uses: libinih, OpenSSL's SHA-256 (producer ids).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <openssl/sha.h>

#include "config.h"

struct parse {
	struct bc_config *cfg;
	const char *file;
	/* input: a FILE or a string */
	FILE *f;
	const char *s;
	int line;		/* line of the text last handed to inih */
	int section_line;	/* line of the last [section] header */
	bool at_line_start;
	bool too_long;
	/* the section being parsed */
	char section[BC_SECTION_MAX + 16];
	struct bc_route *route;
	struct bc_listener *listener;
	bool in_node, node_done;
	/* bits of keys seen in the current section (duplicate detection) */
	uint64_t seen;
	char *err;
	size_t errlen;
	bool failed;
};

static void perr(struct parse *p, int line, const char *section, const char *key,
		 const char *fmt, ...)
{
	char msg[BC_ERR_MAX];
	va_list ap;

	if (p->failed)
		return;		/* the first error is the one reported */
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "%s:%d: [%s] %s: %s", p->file, line, section, key, msg);
	else if (section)
		snprintf(p->err, p->errlen, "%s:%d: [%s]: %s", p->file, line, section, msg);
	else
		snprintf(p->err, p->errlen, "%s:%d: %s", p->file, line, msg);
}

/* ---- value parsers ---- */

int bc_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int bc_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end == 'i' && shift)	/* "64Mi" reads as 64M */
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int bc_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int bc_parse_pin(const char *s, uint8_t pin[32])
{
	int n = 0, hi, lo;

	if (strncasecmp(s, "sha256:", 7))
		return -EINVAL;
	s += 7;
	while (*s && n < 32) {
		if (*s == ':' && n) {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return -EINVAL;
		pin[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n == 32 && !*s ? 0 : -EINVAL;
}

int bc_parse_dest(const char *s, char *host, size_t hostlen, char *port, size_t portlen,
		  char *topic, size_t topiclen)
{
	const char *h, *he, *p, *t;
	char *end;
	unsigned long pv;

	if (strncmp(s, "kstream://", 10))
		return -EINVAL;
	h = s + 10;
	if (*h == '[') {
		he = strchr(h, ']');
		if (!he || he[1] != ':')
			return -EINVAL;
		h++;
		p = he + 2;
	} else {
		he = strchr(h, ':');
		if (!he)
			return -EINVAL;
		p = he + 1;
	}
	if (he == h || (size_t)(he - h) >= hostlen)
		return -EINVAL;
	t = strchr(p, '/');
	if (!t || t == p || (size_t)(t - p) >= portlen)
		return -EINVAL;
	errno = 0;
	pv = strtoul(p, &end, 10);
	if (errno || end != t || pv == 0 || pv > 65535)
		return -EINVAL;
	t++;
	if (!bf_name_valid(t, strlen(t)) || strlen(t) >= topiclen)
		return -EINVAL;
	memcpy(host, h, he - h);
	host[he - h] = 0;
	memcpy(port, p, t - 1 - p);
	port[t - 1 - p] = 0;
	strcpy(topic, t);
	return 0;
}

/* host:port, [v6]:port, *:port or :port. */
static int parse_listen(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *c;
	char *end;
	unsigned long pv;
	size_t hl;

	if (*s == '[') {
		c = strchr(s, ']');
		if (!c || c[1] != ':')
			return -EINVAL;
		hl = c - s - 1;
		s++;
		c++;
	} else {
		c = strrchr(s, ':');
		if (!c)
			return -EINVAL;
		hl = c - s;
	}
	if (hl >= hostlen || strlen(c + 1) >= portlen)
		return -EINVAL;
	errno = 0;
	pv = strtoul(c + 1, &end, 10);
	if (errno || *end || c[1] == 0 || pv > 65535)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (!strcmp(host, "*"))
		host[0] = 0;
	strcpy(port, c + 1);
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

/* ---- sections ---- */

enum key_bit {
	K_NAME, K_ID, K_CONTROL, K_USER, K_KEEPALIVE, K_DEAD, K_MAXFRAME, K_RECMIN, K_RECMAX,
	K_CERT, K_KEY, K_CA, K_PIN, K_INSECURE,
	K_SOURCE, K_DEST, K_START, K_BATCH, K_LINGER, K_COMP, K_LEVEL, K_WINDOW,
	K_SPOOLDIR, K_SPOOLSIZE, K_SPOOLFSYNC, K_LISTEN, K_MAXPEERS,
};

static bool once(struct parse *p, enum key_bit k, const char *section, const char *key)
{
	if (p->seen & (1ULL << k)) {
		perr(p, p->line, section, key, "given twice in this section");
		return false;
	}
	p->seen |= 1ULL << k;
	return true;
}

/* cert, key, ca, pin, insecure: in [node] (defaults), routes and listeners. */
static int tls_key(struct parse *p, struct bc_tls *t, const char *section,
		   const char *key, const char *v)
{
	bool b = false;

	if (!strcmp(key, "cert")) {
		if (!once(p, K_CERT, section, key))
			return 0;
		if (copy_str(t->cert, sizeof(t->cert), v))
			perr(p, p->line, section, key, "path empty or too long");
	} else if (!strcmp(key, "key")) {
		if (!once(p, K_KEY, section, key))
			return 0;
		if (copy_str(t->key, sizeof(t->key), v))
			perr(p, p->line, section, key, "path empty or too long");
	} else if (!strcmp(key, "ca")) {
		if (!once(p, K_CA, section, key))
			return 0;
		if (copy_str(t->ca, sizeof(t->ca), v))
			perr(p, p->line, section, key, "path empty or too long");
	} else if (!strcmp(key, "pin")) {
		if (!once(p, K_PIN, section, key))
			return 0;
		if (bc_parse_pin(v, t->pin))
			perr(p, p->line, section, key,
			     "expected sha256: and 64 hex digits (openssl pkey -pubout -outform DER | sha256sum)");
		t->has_pin = true;
	} else if (!strcmp(key, "insecure")) {
		if (!once(p, K_INSECURE, section, key))
			return 0;
		if (bc_parse_bool(v, &b))
			perr(p, p->line, section, key, "expected yes or no");
		t->insecure = b;
		t->insecure_set = true;
	} else {
		return -ENOENT;
	}
	return 0;
}

static void u32_key(struct parse *p, const char *section, const char *key, const char *v,
		    uint32_t *out, uint64_t min, uint64_t max, bool size)
{
	uint64_t x;

	if ((size ? bc_parse_size(v, &x) : bc_parse_u64(v, &x)) || x < min || x > max) {
		perr(p, p->line, section, key, "expected %s from %" PRIu64 " to %" PRIu64,
		     size ? "a size" : "a number", min, max);
		return;
	}
	*out = (uint32_t)x;
}

static void node_key(struct parse *p, const char *key, const char *v)
{
	struct bc_node *n = &p->cfg->node;
	const char *s = "node";

	if (!strcmp(key, "name")) {
		if (once(p, K_NAME, s, key) && (!bf_name_valid(v, strlen(v)) ||
						copy_str(n->name, sizeof(n->name), v)))
			perr(p, p->line, s, key, "1 to 63 characters of A-Z a-z 0-9 . _ -");
	} else if (!strcmp(key, "id")) {
		if (once(p, K_ID, s, key) && (bc_parse_u64(v, &n->id) || !n->id))
			perr(p, p->line, s, key, "expected a number from 1 to 2^64-1");
		n->id_set = true;
	} else if (!strcmp(key, "control")) {
		if (once(p, K_CONTROL, s, key) && (copy_str(n->control, sizeof(n->control), v) ||
						   v[0] != '/'))
			perr(p, p->line, s, key, "expected an absolute path");
	} else if (!strcmp(key, "user")) {
		if (once(p, K_USER, s, key) && copy_str(n->user, sizeof(n->user), v))
			perr(p, p->line, s, key, "user name empty or too long");
	} else if (!strcmp(key, "keepalive_ms")) {
		if (once(p, K_KEEPALIVE, s, key))
			u32_key(p, s, key, v, &n->keepalive_ms, 100, 3600000, false);
	} else if (!strcmp(key, "dead_ms")) {
		if (once(p, K_DEAD, s, key))
			u32_key(p, s, key, v, &n->dead_ms, 300, 3600000, false);
	} else if (!strcmp(key, "max_frame")) {
		if (once(p, K_MAXFRAME, s, key))
			u32_key(p, s, key, v, &n->max_frame, BF_MIN_FRAME, BF_MAX_FRAME_LIMIT, true);
	} else if (!strcmp(key, "reconnect_min_ms")) {
		if (once(p, K_RECMIN, s, key))
			u32_key(p, s, key, v, &n->reconnect_min_ms, 10, 600000, false);
	} else if (!strcmp(key, "reconnect_max_ms")) {
		if (once(p, K_RECMAX, s, key))
			u32_key(p, s, key, v, &n->reconnect_max_ms, 10, 3600000, false);
	} else if (tls_key(p, &n->tls, s, key, v) == -ENOENT) {
		perr(p, p->line, s, key, "unknown key");
	}
}

static void route_key(struct parse *p, const char *key, const char *v)
{
	struct bc_route *r = p->route;
	const char *s = p->section;
	char emsg[BC_ERR_MAX];
	uint64_t x = 0;

	/* Engine routes (engine_cfg.c) claim their keys first. */
	if (!be_route_key(&r->engine, key, v, r->topic, sizeof(r->topic), emsg, sizeof(emsg))) {
		if (emsg[0])
			perr(p, p->line, s, key, "%s", emsg);
		return;
	}
	if (!strcmp(key, "source")) {
		if (once(p, K_SOURCE, s, key) && (!bf_name_valid(v, strlen(v)) ||
						  copy_str(r->source, sizeof(r->source), v)))
			perr(p, p->line, s, key, "not a topic name (1 to 63 of A-Z a-z 0-9 . _ -)");
	} else if (!strcmp(key, "destination")) {
		if (once(p, K_DEST, s, key) &&
		    bc_parse_dest(v, r->host, sizeof(r->host), r->port, sizeof(r->port),
				  r->topic, sizeof(r->topic)))
			perr(p, p->line, s, key, "expected kstream://HOST:PORT/TOPIC");
	} else if (!strcmp(key, "start")) {
		if (!once(p, K_START, s, key))
			return;
		if (!strcmp(v, "live"))
			r->start = BC_START_LIVE;
		else if (!strcmp(v, "oldest"))
			r->start = BC_START_OLDEST;
		else if (!bc_parse_u64(v, &r->start_seq))
			r->start = BC_START_SEQ;
		else
			perr(p, p->line, s, key, "expected live, oldest or a sequence number");
	} else if (!strcmp(key, "batch_bytes")) {
		if (once(p, K_BATCH, s, key))
			u32_key(p, s, key, v, &r->batch_bytes, 1, BF_MAX_FRAME_LIMIT, true);
	} else if (!strcmp(key, "linger_ms")) {
		if (once(p, K_LINGER, s, key))
			u32_key(p, s, key, v, &r->linger_ms, 0, 60000, false);
	} else if (!strcmp(key, "compression")) {
		if (!once(p, K_COMP, s, key))
			return;
		if (!strcmp(v, "none"))
			r->compression = BF_CODEC_NONE;
		else if (!strcmp(v, "lz4"))
			r->compression = BF_CODEC_LZ4;
		else if (!strcmp(v, "zstd"))
			r->compression = BF_CODEC_ZSTD;
		else
			perr(p, p->line, s, key, "expected none, lz4 or zstd");
	} else if (!strcmp(key, "compression_level")) {
		if (once(p, K_LEVEL, s, key) && (bc_parse_u64(v, &x) || x < 1 || x > 19))
			perr(p, p->line, s, key, "expected 1 to 19 (zstd levels; lz4 ignores it)");
		r->compression_level = (int)x;
	} else if (!strcmp(key, "window")) {
		if (once(p, K_WINDOW, s, key) &&
		    (bc_parse_size(v, &r->window_bytes) || r->window_bytes < 4096 ||
		     r->window_bytes > (1ULL << 30)))
			perr(p, p->line, s, key, "expected a size from 4K to 1G");
	} else if (!strcmp(key, "spool_dir")) {
		if (once(p, K_SPOOLDIR, s, key) &&
		    (copy_str(r->spool_dir, sizeof(r->spool_dir), v) || v[0] != '/'))
			perr(p, p->line, s, key, "expected an absolute path");
	} else if (!strcmp(key, "spool_size")) {
		if (once(p, K_SPOOLSIZE, s, key) &&
		    (bc_parse_size(v, &r->spool_size) || r->spool_size < (1 << 20)))
			perr(p, p->line, s, key, "expected a size of at least 1M");
	} else if (!strcmp(key, "spool_fsync")) {
		if (!once(p, K_SPOOLFSYNC, s, key))
			return;
		if (!strcmp(v, "always"))
			r->spool_fsync = BC_FSYNC_ALWAYS;
		else if (!strcmp(v, "batch"))
			r->spool_fsync = BC_FSYNC_BATCH;
		else if (!strcmp(v, "never"))
			r->spool_fsync = BC_FSYNC_NEVER;
		else
			perr(p, p->line, s, key, "expected always, batch or never");
	} else if (tls_key(p, &r->tls, s, key, v) == -ENOENT) {
		perr(p, p->line, s, key, "unknown key");
	}
}

/* grant = IDENTITY TOPIC[,TOPIC...]; IDENTITY: cn=NAME, sha256:HEX or *. */
static void grant_key(struct parse *p, const char *v)
{
	struct bc_listener *l = p->listener;
	const char *s = p->section;
	struct bc_grant *g;
	char buf[1024], *id, *tok, *save;

	if (l->ngrants >= BC_MAX_GRANTS) {
		perr(p, p->line, s, "grant", "more than %d grants", BC_MAX_GRANTS);
		return;
	}
	if (strlen(v) >= sizeof(buf)) {
		perr(p, p->line, s, "grant", "too long");
		return;
	}
	strcpy(buf, v);
	g = &l->grants[l->ngrants];
	memset(g, 0, sizeof(*g));
	id = strtok_r(buf, " \t", &save);
	if (!id) {
		perr(p, p->line, s, "grant", "expected IDENTITY TOPIC[,TOPIC...]");
		return;
	}
	if (!strcmp(id, "*")) {
		g->kind = BC_ID_ANY;
	} else if (!strncmp(id, "cn=", 3) && id[3] && strlen(id + 3) < sizeof(g->cn)) {
		g->kind = BC_ID_CN;
		strcpy(g->cn, id + 3);
	} else if (!bc_parse_pin(id, g->pin)) {
		g->kind = BC_ID_PIN;
	} else {
		perr(p, p->line, s, "grant",
		     "identity '%s': expected cn=NAME, sha256:HEX (64 digits) or *", id);
		return;
	}
	while ((tok = strtok_r(NULL, " \t,", &save))) {
		if (!bf_name_valid(tok, strlen(tok))) {
			perr(p, p->line, s, "grant", "'%s' is not a topic name", tok);
			return;
		}
		if (g->ntopics >= BC_MAX_GRANT_TOPICS) {
			perr(p, p->line, s, "grant", "more than %d topics on one line",
			     BC_MAX_GRANT_TOPICS);
			return;
		}
		strcpy(g->topics[g->ntopics++], tok);
	}
	if (!g->ntopics) {
		perr(p, p->line, s, "grant", "no topic granted to %s", id);
		return;
	}
	l->ngrants++;
}

static void listener_key(struct parse *p, const char *key, const char *v)
{
	struct bc_listener *l = p->listener;
	const char *s = p->section;

	if (!strcmp(key, "listen")) {
		if (once(p, K_LISTEN, s, key) &&
		    parse_listen(v, l->host, sizeof(l->host), l->port, sizeof(l->port)))
			perr(p, p->line, s, key, "expected HOST:PORT, [V6]:PORT or *:PORT");
	} else if (!strcmp(key, "grant")) {
		grant_key(p, v);
	} else if (!strcmp(key, "max_peers")) {
		if (once(p, K_MAXPEERS, s, key))
			u32_key(p, s, key, v, &l->max_peers, 1, 4096, false);
	} else if (tls_key(p, &l->tls, s, key, v) == -ENOENT) {
		perr(p, p->line, s, key, "unknown key");
	}
}

static bool section_name_ok(const char *n)
{
	return bf_name_valid(n, strlen(n));
}

/* A new section starts: find or create its object. */
static void enter_section(struct parse *p, const char *section)
{
	struct bc_config *c = p->cfg;
	const char *name;
	int i;

	snprintf(p->section, sizeof(p->section), "%s", section);
	if (p->in_node)
		p->node_done = true;
	p->route = NULL;
	p->listener = NULL;
	p->in_node = false;
	p->seen = 0;
	if (!strcmp(section, "node")) {
		if (p->node_done) {
			perr(p, p->section_line, section, NULL, "section given twice");
			return;
		}
		p->in_node = true;
		return;
	}
	if (!strncmp(section, "route ", 6)) {
		name = section + 6;
		if (!section_name_ok(name)) {
			perr(p, p->section_line, section, NULL, "route name: 1 to 63 of A-Z a-z 0-9 . _ -");
			return;
		}
		for (i = 0; i < c->nroutes; i++)
			if (!strcmp(c->routes[i].name, name)) {
				perr(p, p->section_line, section, NULL, "route defined twice");
				return;
			}
		if (c->nroutes >= BC_MAX_ROUTES) {
			perr(p, p->section_line, section, NULL, "more than %d routes", BC_MAX_ROUTES);
			return;
		}
		p->route = &c->routes[c->nroutes++];
		strcpy(p->route->name, name);
		p->route->line = p->section_line;
		return;
	}
	if (!strncmp(section, "listener ", 9)) {
		name = section + 9;
		if (!section_name_ok(name)) {
			perr(p, p->section_line, section, NULL, "listener name: 1 to 63 of A-Z a-z 0-9 . _ -");
			return;
		}
		for (i = 0; i < c->nlisteners; i++)
			if (!strcmp(c->listeners[i].name, name)) {
				perr(p, p->section_line, section, NULL, "listener defined twice");
				return;
			}
		if (c->nlisteners >= BC_MAX_LISTENERS) {
			perr(p, p->section_line, section, NULL, "more than %d listeners", BC_MAX_LISTENERS);
			return;
		}
		p->listener = &c->listeners[c->nlisteners++];
		strcpy(p->listener->name, name);
		p->listener->line = p->section_line;
		return;
	}
	perr(p, p->section_line, section, NULL, "unknown section (expected node, route NAME, listener NAME)");
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;

	if (p->failed)
		return 0;
	if (strcmp(section, p->section) || (!p->route && !p->listener && !p->in_node)) {
		if (!section[0]) {
			perr(p, p->line, NULL, NULL, "key '%s' outside any section", key);
			return 0;
		}
		enter_section(p, section);
		if (p->failed)
			return 0;
	}
	if (p->in_node)
		node_key(p, key, value);
	else if (p->route)
		route_key(p, key, value);
	else if (p->listener)
		listener_key(p, key, value);
	return !p->failed;
}

/* inih reader: hands out one line at a time and counts them. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;
	int c;

	if (p->failed)
		return NULL;
	if (p->at_line_start)
		p->line++;
	while (n + 1 < (size_t)num) {
		if (p->f) {
			c = getc(p->f);
			if (c == EOF)
				break;
		} else {
			if (!*p->s)
				break;
			c = (unsigned char)*p->s++;
		}
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	str[n] = 0;
	if (!n)
		return NULL;
	if (str[n - 1] != '\n' && n + 1 >= (size_t)num) {
		perr(p, p->line, NULL, NULL, "line longer than %d characters", num - 2);
		return NULL;
	}
	if (p->at_line_start && str[strspn(str, " \t")] == '[')
		p->section_line = p->line;
	p->at_line_start = str[n - 1] == '\n';
	return str;
}

/* ---- after parsing ---- */

static void inherit_tls(struct bc_tls *t, const struct bc_tls *d)
{
	if (!t->cert[0])
		strcpy(t->cert, d->cert);
	if (!t->key[0])
		strcpy(t->key, d->key);
	if (!t->ca[0])
		strcpy(t->ca, d->ca);
	if (!t->insecure_set)
		t->insecure = d->insecure;
}

static void check_tls(struct parse *p, const struct bc_tls *t, int line, const char *section,
		      bool listener)
{
	if (t->insecure)
		return;
	if (!t->cert[0] || !t->key[0])
		perr(p, line, section, NULL,
		     "TLS needs cert and key (here or in [node]), or insecure = yes");
	else if (!t->ca[0] && (listener || !t->has_pin))
		perr(p, line, section, NULL,
		     listener ? "TLS needs ca (to verify client certificates), or insecure = yes"
			      : "TLS needs ca or pin (to verify the server), or insecure = yes");
}

static void finish(struct parse *p)
{
	struct bc_config *c = p->cfg;
	struct bc_node *n = &c->node;
	char sec[BC_SECTION_MAX + 16], emsg[BC_ERR_MAX];
	int i, j, e;

	if (!n->name[0]) {
		perr(p, 1, "node", "name", "required");
		return;
	}
	if (!n->id_set)
		n->id = bc_producer_id(0, n->name) | 1;	/* never 0 */
	if (!n->control[0])
		snprintf(n->control, sizeof(n->control), "/run/streambridge/%s.sock", n->name);
	if (!n->keepalive_ms)
		n->keepalive_ms = 2000;
	if (!n->dead_ms)
		n->dead_ms = 3 * n->keepalive_ms;
	if (n->dead_ms <= n->keepalive_ms) {
		perr(p, 1, "node", "dead_ms", "must be above keepalive_ms (%u)", n->keepalive_ms);
		return;
	}
	if (!n->max_frame)
		n->max_frame = BF_MAX_FRAME_DEFAULT;
	if (!n->reconnect_min_ms)
		n->reconnect_min_ms = 100;
	if (!n->reconnect_max_ms)
		n->reconnect_max_ms = 10000;
	if (n->reconnect_max_ms < n->reconnect_min_ms) {
		perr(p, 1, "node", "reconnect_max_ms", "below reconnect_min_ms");
		return;
	}
	for (i = 0; i < c->nroutes && !p->failed; i++) {
		struct bc_route *r = &c->routes[i];

		snprintf(sec, sizeof(sec), "route %s", r->name);
		e = be_route_finish(&r->engine, n->name, r->name, r->source, r->topic, emsg,
				    sizeof(emsg));
		if (e < 0) {
			perr(p, r->line, sec, NULL, "%s", emsg);
			break;
		}
		if (!e) {	/* an engine route: TLS is the URL scheme's, and needs a CA */
			inherit_tls(&r->tls, &n->tls);
			if (r->engine.tls && !r->tls.ca[0])
				perr(p, r->line, sec, "ca", "required to verify the engine's servers");
			if (r->engine.tls && !r->tls.cert[0] != !r->tls.key[0])
				perr(p, r->line, sec, NULL, "cert and key go together");
			if (r->tls.has_pin)
				perr(p, r->line, sec, "pin", "not supported on engine routes (use ca)");
			continue;
		}
		if (!r->source[0]) {
			perr(p, r->line, sec, "source", "required");
			break;
		}
		if (!r->topic[0]) {
			perr(p, r->line, sec, "destination", "required");
			break;
		}
		if (!r->batch_bytes)
			r->batch_bytes = 64 * 1024;
		if (r->batch_bytes > n->max_frame - BF_DATA_HDR_LEN)
			r->batch_bytes = n->max_frame - BF_DATA_HDR_LEN;
		if (!r->window_bytes)
			r->window_bytes = 4ULL << 20;
		if (r->compression == BF_CODEC_ZSTD && !r->compression_level)
			r->compression_level = 3;
		if (r->spool_size && !r->spool_dir[0]) {
			perr(p, r->line, sec, "spool_size", "needs spool_dir");
			break;
		}
		if (r->spool_dir[0] && !r->spool_size)
			r->spool_size = 64ULL << 20;
		inherit_tls(&r->tls, &n->tls);
		check_tls(p, &r->tls, r->line, sec, false);
		for (j = 0; j < i && !p->failed; j++) {
			const struct bc_route *o = &c->routes[j];

			if (o->engine.engine == BE_NONE && !strcmp(o->source, r->source) &&
			    !strcmp(o->host, r->host) && !strcmp(o->port, r->port) &&
			    !strcmp(o->topic, r->topic))
				perr(p, r->line, sec, "destination",
				     "route %s already carries %s there", o->name, r->source);
		}
	}
	for (i = 0; i < c->nlisteners && !p->failed; i++) {
		struct bc_listener *l = &c->listeners[i];

		snprintf(sec, sizeof(sec), "listener %s", l->name);
		if (!l->port[0]) {
			perr(p, l->line, sec, "listen", "required");
			break;
		}
		if (!l->ngrants) {
			perr(p, l->line, sec, "grant", "none: this listener would refuse every peer");
			break;
		}
		if (!l->max_peers)
			l->max_peers = 64;
		inherit_tls(&l->tls, &n->tls);
		check_tls(p, &l->tls, l->line, sec, true);
	}
	if (!p->failed && !c->nroutes && !c->nlisteners)
		perr(p, 1, NULL, NULL, "no [route NAME] and no [listener NAME]: nothing to do");
}

static int load(struct parse *p, struct bc_config **cfgp)
{
	int r;

	p->cfg = calloc(1, sizeof(*p->cfg));
	if (!p->cfg) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -1;
	}
	snprintf(p->cfg->path, sizeof(p->cfg->path), "%s", p->file);
	p->at_line_start = true;
	r = ini_parse_stream(reader, p, handler, p);
	if (r > 0 && !p->failed)
		perr(p, r, NULL, NULL, "syntax error (expected [section], key = value or a comment)");
	if (r < 0 && !p->failed)
		perr(p, p->line, NULL, NULL, "cannot parse (out of memory)");
	if (!p->failed)
		finish(p);
	if (p->failed) {
		free(p->cfg);
		return -1;
	}
	*cfgp = p->cfg;
	return 0;
}

int bc_load(const char *path, struct bc_config **cfg, char *err, size_t errlen)
{
	struct parse p = { .file = path, .err = err, .errlen = errlen };
	int r;

	p.f = fopen(path, "re");
	if (!p.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = load(&p, cfg);
	fclose(p.f);
	return r;
}

int bc_load_string(const char *text, const char *name, struct bc_config **cfg,
		   char *err, size_t errlen)
{
	struct parse p = { .file = name, .s = text, .err = err, .errlen = errlen };

	return load(&p, cfg);
}

void bc_free(struct bc_config *cfg)
{
	free(cfg);
}

uint64_t bc_producer_id(uint64_t origin_node, const char *source)
{
	static const char tag[] = "kstream-bridge/1";
	uint8_t buf[sizeof(tag) - 1 + 8 + BF_NAME_MAX], md[SHA256_DIGEST_LENGTH];
	size_t n = strnlen(source, BF_NAME_MAX), off = sizeof(tag) - 1;
	uint64_t id = 0;
	int i;

	memcpy(buf, tag, off);
	for (i = 0; i < 8; i++)
		buf[off + i] = (uint8_t)(origin_node >> (56 - 8 * i));
	memcpy(buf + off + 8, source, n);
	SHA256(buf, off + 8 + n, md);
	for (i = 0; i < 8; i++)
		id = id << 8 | md[i];
	return id;
}

bool bc_granted(const struct bc_listener *l, const char *cn, const uint8_t *pin,
		const char *topic)
{
	int i, j;

	for (i = 0; i < l->ngrants; i++) {
		const struct bc_grant *g = &l->grants[i];

		if (g->kind == BC_ID_CN && (!cn || strcmp(cn, g->cn)))
			continue;
		if (g->kind == BC_ID_PIN && (!pin || memcmp(pin, g->pin, 32)))
			continue;
		for (j = 0; j < g->ntopics; j++)
			if (!strcmp(g->topics[j], topic))
				return true;
	}
	return false;
}

/* Objects come from calloc() and are filled field by field, so their bytes compare. */
static bool equal_but_line(const void *a, const void *b, size_t size, size_t line_off)
{
	size_t after = line_off + sizeof(int);

	return !memcmp(a, b, line_off) &&
	       !memcmp((const char *)a + after, (const char *)b + after, size - after);
}

bool bc_route_equal(const struct bc_route *a, const struct bc_route *b)
{
	return equal_but_line(a, b, sizeof(*a), offsetof(struct bc_route, line));
}

const char *bc_route_change(const struct bc_config *c, const struct bc_route *running)
{
	int i;

	for (i = 0; i < c->nroutes; i++)
		if (!strcmp(c->routes[i].name, running->name))
			return bc_route_equal(&c->routes[i], running) ? NULL : "changed: restarting";
	return "removed";
}

bool bc_listener_equal(const struct bc_listener *a, const struct bc_listener *b)
{
	return equal_but_line(a, b, sizeof(*a), offsetof(struct bc_listener, line));
}
