// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line arguments of "streamctl topic add"; see topicopts.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "topic.h"
#include "topicopts.h"

struct topic_kw {
	const char *kw;
	unsigned int bit;			/* TOPIC_OPT_* */
	size_t off;				/* of the u32 in topic_opts */
	int (*parse)(const char *s, uint32_t *out);
	const char *hint;			/* what a valid value is */
};

__attribute__((format(printf, 3, 4)))
static int topic_opts_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A byte count that fits the u32 attribute. */
static int topic_parse_size(const char *s, uint32_t *out)
{
	uint64_t v;
	int err;

	err = parse_size(s, &v);
	if (err)
		return err;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Numeric id, or -ENOENT if s is not a number (so a name to look up). */
static int topic_parse_id(const char *s, uint32_t *out)
{
	uint64_t v;
	int err;

	err = parse_uint(s, UINT32_MAX, &v);
	if (err == -EINVAL)
		return -ENOENT;
	if (!err)
		*out = v;
	return err;
}

static int topic_parse_owner(const char *s, uint32_t *out)
{
	struct passwd *pw;
	int err;

	err = topic_parse_id(s, out);
	if (err != -ENOENT)
		return err;
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*out = pw->pw_uid;
	return 0;
}

static int topic_parse_group(const char *s, uint32_t *out)
{
	struct group *gr;
	int err;

	err = topic_parse_id(s, out);
	if (err != -ENOENT)
		return err;
	gr = getgrnam(s);
	if (!gr)
		return -ENOENT;
	*out = gr->gr_gid;
	return 0;
}

/* A count that fits the u32 attribute (the kernel checks the range). */
static int topic_parse_count(const char *s, uint32_t *out)
{
	uint64_t v;
	int err;

	err = parse_uint(s, UINT32_MAX, &v);
	if (!err)
		*out = v;
	return err;
}

/* The kernel decides the ranges; the hints say what they are. */
_Static_assert(KSTREAM_RING_SIZE_MIN == 4096 && KSTREAM_RING_SIZE_MAX == 1U << 30 &&
	       KSTREAM_MSG_MAX_LIMIT == 1U << 20, "update the hints below");
#define TOPIC_SIZE_HINT \
	"expected a power of two from 4K to 1G (bytes, optionally with a K, M or G suffix)"
#define TOPIC_MSGMAX_HINT \
	"expected 1 to min(size/4, 1M) (bytes, optionally with a K, M or G suffix)"

static const struct topic_kw topic_kws[] = {
	{ "size", TOPIC_OPT_SIZE, offsetof(struct topic_opts, ring_size),
	  topic_parse_size, TOPIC_SIZE_HINT },
	{ "msgmax", TOPIC_OPT_MSGMAX, offsetof(struct topic_opts, msg_max),
	  topic_parse_size, TOPIC_MSGMAX_HINT },
	{ "policy", TOPIC_OPT_POLICY, offsetof(struct topic_opts, policy),
	  topic_policy_parse, "expected overwrite or block" },
	{ "mode", TOPIC_OPT_MODE, offsetof(struct topic_opts, mode),
	  parse_mode, "expected octal permission bits, 1 to 0777" },
	{ "owner", TOPIC_OPT_OWNER, offsetof(struct topic_opts, uid),
	  topic_parse_owner, "not a user name or a numeric uid" },
	{ "group", TOPIC_OPT_GROUP, offsetof(struct topic_opts, gid),
	  topic_parse_group, "not a group name or a numeric gid" },
	{ "producers", TOPIC_OPT_PRODUCERS,
	  offsetof(struct topic_opts, producers_max), topic_parse_count,
	  "expected a number of producer ids" },
};

static const struct topic_kw *topic_kw_find(const char *kw)
{
	size_t i;

	for (i = 0; i < sizeof(topic_kws) / sizeof(topic_kws[0]); i++)
		if (!strcmp(kw, topic_kws[i].kw))
			return &topic_kws[i];
	return NULL;
}

int topic_opts_set_name(struct topic_opts *o, const char *name,
			char *err, size_t errlen)
{
	if (!topic_name_valid(name))
		return topic_opts_err(err, errlen,
				      "invalid topic name \"%s\": 1 to %d characters of [A-Za-z0-9._-], not \".\" or \"..\"",
				      name ? name : "", KSTREAM_NAME_MAX - 1);
	strcpy(o->name, name);
	return 0;
}

static int topic_opts_kw(struct topic_opts *o, const char *kw,
			 const char *val, char *err, size_t errlen)
{
	const struct topic_kw *k = topic_kw_find(kw);
	uint32_t *field;

	/* The one keyword whose value is a name. */
	if (!strcmp(kw, "deadletter")) {
		if (o->set & TOPIC_OPT_DEADLETTER)
			return topic_opts_err(err, errlen, "\"%s\" given twice", kw);
		if (!val)
			return topic_opts_err(err, errlen, "\"%s\" needs a value", kw);
		if (!topic_name_valid(val))
			return topic_opts_err(err, errlen,
					      "invalid dead-letter topic \"%s\": not a topic name",
					      val);
		strcpy(o->deadletter, val);
		o->set |= TOPIC_OPT_DEADLETTER;
		return 0;
	}
	if (!k)
		return topic_opts_err(err, errlen, "unknown keyword \"%s\"", kw);
	if (o->set & k->bit)
		return topic_opts_err(err, errlen, "\"%s\" given twice", kw);
	if (!val)
		return topic_opts_err(err, errlen, "\"%s\" needs a value", kw);
	field = (uint32_t *)((char *)o + k->off);
	if (k->parse(val, field))
		return topic_opts_err(err, errlen, "invalid %s \"%s\": %s",
				      kw, val, k->hint);
	o->set |= k->bit;
	return 0;
}

int topic_opts_parse(struct topic_opts *o, int argc, char *const argv[],
		     char *err, size_t errlen)
{
	int i, ret;

	memset(o, 0, sizeof(*o));
	if (argc < 1 || !argv[0])
		return topic_opts_err(err, errlen, "missing topic name");
	ret = topic_opts_set_name(o, argv[0], err, errlen);
	for (i = 1; !ret && i < argc; i += 2)
		ret = topic_opts_kw(o, argv[i], i + 1 < argc ? argv[i + 1] : NULL,
				    err, errlen);
	return ret;
}
