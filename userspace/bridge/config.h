/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streambridge configuration: an INI file read with libinih into plain
 * structures, every value checked, every error naming file, line, section,
 * key and reason.  Documentation/bridge.rst describes the format.
 */
#ifndef BRIDGE_CONFIG_H
#define BRIDGE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine_cfg.h"
#include "frame.h"

#define BC_MAX_ROUTES		256
#define BC_MAX_LISTENERS	8
#define BC_MAX_GRANTS		64	/* per listener */
#define BC_MAX_GRANT_TOPICS	16	/* per grant line */
#define BC_SECTION_MAX		64
#define BC_HOST_MAX		256
#define BC_CN_MAX		256
#define BC_ERR_MAX		512
#define BC_PATH_MAX		256

struct bc_tls {
	char cert[BC_PATH_MAX];
	char key[BC_PATH_MAX];
	char ca[BC_PATH_MAX];
	uint8_t pin[32];	/* SHA-256 of the peer's public key (DER SubjectPublicKeyInfo) */
	bool has_pin;
	bool insecure;		/* plaintext: no TLS at all */
	bool insecure_set;	/* given in this section (else inherited from [node]) */
};

enum bc_start { BC_START_LIVE, BC_START_OLDEST, BC_START_SEQ };

enum bc_fsync { BC_FSYNC_ALWAYS, BC_FSYNC_BATCH, BC_FSYNC_NEVER };

struct bc_route {
	char name[BC_SECTION_MAX];
	int line;			/* of the section header */
	char source[BF_NAME_MAX + 1];
	char host[BC_HOST_MAX];
	char port[8];
	char topic[BF_NAME_MAX + 1];	/* destination topic */
	enum bc_start start;
	uint64_t start_seq;
	uint32_t batch_bytes;		/* flush a batch at this size */
	uint32_t linger_ms;		/* ... or this long after its first message */
	enum bf_codec compression;
	int compression_level;
	uint64_t window_bytes;		/* unacknowledged bytes in flight */
	char spool_dir[BC_PATH_MAX];	/* empty: no spool */
	uint64_t spool_size;
	enum bc_fsync spool_fsync;
	struct bc_tls tls;
	struct be_route engine;		/* engine routes (engine_cfg.h); BE_NONE: kstream */
};

enum bc_id_kind { BC_ID_ANY, BC_ID_CN, BC_ID_PIN };

struct bc_grant {
	enum bc_id_kind kind;
	char cn[BC_CN_MAX];
	uint8_t pin[32];
	int ntopics;
	char topics[BC_MAX_GRANT_TOPICS][BF_NAME_MAX + 1];
};

struct bc_listener {
	char name[BC_SECTION_MAX];
	int line;
	char host[BC_HOST_MAX];		/* "" or "*": any address */
	char port[8];
	int ngrants;
	struct bc_grant grants[BC_MAX_GRANTS];
	uint32_t max_peers;
	struct bc_tls tls;
};

struct bc_node {
	char name[BF_NAME_MAX + 1];
	uint64_t id;
	bool id_set;
	char control[BC_PATH_MAX];		/* control socket path */
	char user[64];			/* switch to this user after setup ("" = stay) */
	uint32_t keepalive_ms;
	uint32_t dead_ms;		/* peer declared dead after this silence */
	uint32_t max_frame;
	uint32_t reconnect_min_ms, reconnect_max_ms;
	struct bc_tls tls;		/* defaults for routes and listeners */
};

struct bc_config {
	char path[BC_PATH_MAX];
	struct bc_node node;
	int nroutes, nlisteners;
	struct bc_route routes[BC_MAX_ROUTES];
	struct bc_listener listeners[BC_MAX_LISTENERS];
};

/*
 * Read @path into a freshly allocated *cfg.  0, or -1 with @err holding
 * "FILE:LINE: [section] key: reason" (or "FILE: reason").
 */
int bc_load(const char *path, struct bc_config **cfg, char *err, size_t errlen);
/* The same from a string (tests); @name stands for the file name in errors. */
int bc_load_string(const char *text, const char *name, struct bc_config **cfg,
		   char *err, size_t errlen);
void bc_free(struct bc_config *cfg);

/* Helpers shared with the command line. */
int bc_parse_size(const char *s, uint64_t *out);
int bc_parse_bool(const char *s, bool *out);
int bc_parse_u64(const char *s, uint64_t *out);
/* kstream://HOST:PORT/TOPIC, HOST may be [v6]. */
int bc_parse_dest(const char *s, char *host, size_t hostlen, char *port, size_t portlen,
		  char *topic, size_t topiclen);
/* "sha256:" + 64 hex digits (colons allowed between bytes). */
int bc_parse_pin(const char *s, uint8_t pin[32]);
/* A route's identity on the wire: SHA-256 derived, see bridge-protocol.rst. */
uint64_t bc_producer_id(uint64_t origin_node, const char *source);
/* Does this listener grant @topic to a peer with common name @cn / key @pin? */
bool bc_granted(const struct bc_listener *l, const char *cn, const uint8_t *pin,
		const char *topic);
/* Same route in both (a reload keeps it running)? */
bool bc_route_equal(const struct bc_route *a, const struct bc_route *b);
bool bc_listener_equal(const struct bc_listener *a, const struct bc_listener *b);
/* What a reload to @c means for a running route: NULL kept, or why it stops. */
const char *bc_route_change(const struct bc_config *c, const struct bc_route *running);

#endif /* BRIDGE_CONFIG_H */
