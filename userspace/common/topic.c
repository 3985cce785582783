// SPDX-License-Identifier: GPL-2.0
/*
 * Topic names, policies and the text/JSON formats of a topic.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "acl.h"
#include "parse.h"
#include "print.h"
#include "topic.h"

_Static_assert(KSTREAM_A_MAX < 32, "topic_info.have is 32 bits");
_Static_assert(KSTREAM_STAT_MAX < 64, "topic_info.have_stats is 64 bits");

#define TOPIC_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static const char *const policy_names[__KSTREAM_POLICY_MAX] = {
	[KSTREAM_POLICY_OVERWRITE]	= "overwrite",
	[KSTREAM_POLICY_BLOCK]		= "block",
};

bool topic_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, KSTREAM_NAME_MAX);
	if (len == 0 || len >= KSTREAM_NAME_MAX)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return strspn(name, TOPIC_NAME_CHARS) == len;
}

const char *topic_policy_name(uint32_t policy)
{
	if (policy >= __KSTREAM_POLICY_MAX)
		return NULL;
	return policy_names[policy];
}

int topic_policy_parse(const char *s, uint32_t *out)
{
	uint32_t i;

	for (i = 0; s && i < __KSTREAM_POLICY_MAX; i++) {
		if (policy_names[i] && !strcmp(s, policy_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The policy's name, or its number for one this tool does not know. */
static const char *topic_policy_str(uint32_t policy, char *buf, size_t len)
{
	const char *name = topic_policy_name(policy);

	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, policy);
	return buf;
}

void topic_pr_config(struct pr *p, const struct topic_info *t)
{
	char buf[32];

	pr_line(p, "");
	pr_str(p, PR_ANY, "name", "%s:", t->name);
	if (topic_has(t, KSTREAM_A_TOPIC_ID))
		pr_u64(p, PR_ANY, "id", "id %" PRIu64, t->id);
	if (topic_has(t, KSTREAM_A_TOPIC_RING_SIZE)) {
		format_size(t->ring_size, buf, sizeof(buf));
		pr_u64(p, PR_JSON, "ring_size", NULL, t->ring_size);
		pr_str(p, PR_TEXT, NULL, "size %s", buf);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_MSG_MAX)) {
		format_size(t->msg_max, buf, sizeof(buf));
		pr_u64(p, PR_JSON, "msg_max", NULL, t->msg_max);
		pr_str(p, PR_TEXT, NULL, "msgmax %s", buf);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_POLICY))
		pr_str(p, PR_ANY, "policy", "policy %s",
		       topic_policy_str(t->policy, buf, sizeof(buf)));
	if (topic_has(t, KSTREAM_A_TOPIC_MODE)) {
		snprintf(buf, sizeof(buf), "%04" PRIo32, t->mode);
		pr_str(p, PR_ANY, "mode", "mode %s", buf);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_UID))
		pr_u64(p, PR_ANY, "uid", "owner %" PRIu64, t->uid);
	if (topic_has(t, KSTREAM_A_TOPIC_GID))
		pr_u64(p, PR_ANY, "gid", "group %" PRIu64, t->gid);
	if (topic_has(t, KSTREAM_A_TOPIC_PRODUCERS_MAX))
		pr_u64(p, PR_ANY, "producers_max", "producers %" PRIu64,
		       t->producers_max);
	if (topic_has(t, KSTREAM_A_FILTER_NAME))
		pr_str(p, PR_ANY, "filter", "filter %s", t->filter);
	if (topic_has(t, KSTREAM_A_TOPIC_DEADLETTER))
		pr_str(p, PR_ANY, "deadletter", "deadletter %s", t->deadletter);
	pr_eol(p);
}

/* Print " key value" (the first one of the line after the indent). */
static void topic_print_stat(FILE *f, const struct topic_info *t, int stat,
			     const char *key, const char **sep)
{
	if (!topic_has_stat(t, stat))
		return;
	fprintf(f, "%s%s %" PRIu64, *sep, key, t->stats[stat]);
	*sep = " ";
}

/* "seq 0..9": the retained messages; "seq none (next 10)" if there are none. */
static void topic_print_seq(FILE *f, const struct topic_info *t,
			    const char **sep)
{
	uint64_t head = t->stats[KSTREAM_STAT_HEAD_SEQ];
	uint64_t tail = t->stats[KSTREAM_STAT_TAIL_SEQ];

	if (!topic_has_stat(t, KSTREAM_STAT_HEAD_SEQ) ||
	    !topic_has_stat(t, KSTREAM_STAT_TAIL_SEQ))
		return;
	if (head > tail)
		fprintf(f, "%sseq %" PRIu64 "..%" PRIu64, *sep, tail, head - 1);
	else
		fprintf(f, "%sseq none (next %" PRIu64 ")", *sep, head);
	*sep = " ";
}

static void topic_print_stats(FILE *f, const struct topic_info *t)
{
	const char *sep = "    ";

	if (!t->have_stats)
		return;
	topic_print_stat(f, t, KSTREAM_STAT_PUBLISHED, "published", &sep);
	if (topic_has_stat(t, KSTREAM_STAT_PUBLISHED) &&
	    topic_has_stat(t, KSTREAM_STAT_PUBLISHED_BYTES))
		fprintf(f, " (%" PRIu64 " bytes)",
			t->stats[KSTREAM_STAT_PUBLISHED_BYTES]);
	topic_print_stat(f, t, KSTREAM_STAT_DROPPED, "dropped", &sep);
	if (topic_has_stat(t, KSTREAM_STAT_DROPPED) &&
	    topic_has_stat(t, KSTREAM_STAT_DROPPED_FILTER) &&
	    topic_has_stat(t, KSTREAM_STAT_DROPPED_SAMPLE) &&
	    topic_has_stat(t, KSTREAM_STAT_DROPPED_RATELIMIT))
		fprintf(f, " (filter %" PRIu64 " sample %" PRIu64
			" ratelimit %" PRIu64 ")",
			t->stats[KSTREAM_STAT_DROPPED_FILTER],
			t->stats[KSTREAM_STAT_DROPPED_SAMPLE],
			t->stats[KSTREAM_STAT_DROPPED_RATELIMIT]);
	topic_print_stat(f, t, KSTREAM_STAT_DROPPED_DUPLICATE, "duplicates", &sep);
	topic_print_stat(f, t, KSTREAM_STAT_LOST, "lost", &sep);
	topic_print_stat(f, t, KSTREAM_STAT_DENIED, "denied", &sep);
	topic_print_stat(f, t, KSTREAM_STAT_READERS, "readers", &sep);
	topic_print_stat(f, t, KSTREAM_STAT_WRITERS, "writers", &sep);
	topic_print_seq(f, t, &sep);
	topic_print_stat(f, t, KSTREAM_STAT_RING_USED, "used", &sep);
	fputc('\n', f);
}

void topic_pr_acl(struct pr *p, const struct topic_info *t)
{
	char rights[64], type[16];
	unsigned int i;

	/* JSON: the array whenever the kernel sent one; text: a line of entries. */
	if (pr_json(p) ? !topic_has(t, KSTREAM_A_TOPIC_ACL) : !t->nr_acl)
		return;
	pr_arr_start(p, "acl");
	pr_line(p, "    ");
	pr_text(p, 0, "acl");
	for (i = 0; i < t->nr_acl; i++) {
		const struct topic_acl_entry *a = &t->acl[i];
		const char *name = acl_type_name(a->type);

		if (!name) {
			snprintf(type, sizeof(type), "%" PRIu32, a->type);
			name = type;
		}
		pr_obj_start(p, NULL);
		pr_str(p, PR_ANY, "type", "%s", name);
		pr_u64(p, PR_ANY | PR_GLUE, "id", ":%" PRIu64, a->id);
		if (pr_json(p)) {
			json_key(p->j, "rights");
			acl_json_rights(p->j, a->rights);
		} else {
			acl_rights_format(a->rights, rights, sizeof(rights));
			pr_str(p, PR_TEXT | PR_GLUE, NULL, ":%s", rights);
		}
		pr_obj_end(p);
	}
	pr_eol(p);
	pr_arr_end(p);
}

void topic_print_text(FILE *f, const struct topic_info *t)
{
	struct pr p;

	pr_init_text(&p, f);
	topic_pr_config(&p, t);
	topic_print_stats(f, t);
	topic_pr_acl(&p, t);
}

static const char *const topic_json_stats[KSTREAM_STAT_MAX + 1] = {
	[KSTREAM_STAT_PUBLISHED]	= "published",
	[KSTREAM_STAT_PUBLISHED_BYTES]	= "published_bytes",
	[KSTREAM_STAT_DROPPED]		= "dropped",
	[KSTREAM_STAT_LOST]		= "lost",
	[KSTREAM_STAT_READERS]		= "readers",
	[KSTREAM_STAT_WRITERS]		= "writers",
	[KSTREAM_STAT_HEAD_SEQ]		= "head_seq",
	[KSTREAM_STAT_TAIL_SEQ]		= "tail_seq",
	[KSTREAM_STAT_RING_USED]	= "ring_used",
	[KSTREAM_STAT_DROPPED_FILTER]	= "dropped_filter",
	[KSTREAM_STAT_DROPPED_SAMPLE]	= "dropped_sample",
	[KSTREAM_STAT_DROPPED_RATELIMIT] = "dropped_ratelimit",
	[KSTREAM_STAT_DELIVERED]	= "delivered",
	[KSTREAM_STAT_DELIVERED_BYTES]	= "delivered_bytes",
	[KSTREAM_STAT_ERR_EMPTY]	= "err_empty",
	[KSTREAM_STAT_ERR_TOO_BIG]	= "err_too_big",
	[KSTREAM_STAT_ERR_FULL]		= "err_full",
	[KSTREAM_STAT_ERR_INTR]		= "err_intr",
	[KSTREAM_STAT_ERR_FAULT]	= "err_fault",
	[KSTREAM_STAT_ERR_GONE]		= "err_gone",
	[KSTREAM_STAT_MAX_LAG]		= "max_lag",
	[KSTREAM_STAT_MAX_LAG_BYTES]	= "max_lag_bytes",
	[KSTREAM_STAT_DENIED]		= "denied",
	[KSTREAM_STAT_DROPPED_DUPLICATE] = "dropped_duplicate",
	[KSTREAM_STAT_PRODUCER_GAPS]	= "producer_gaps",
	[KSTREAM_STAT_PRODUCERS_EVICTED] = "producers_evicted",
	[KSTREAM_STAT_PRODUCERS]	= "producers",
	[KSTREAM_STAT_DROPPED_DEADLETTER] = "dropped_deadletter",
	[KSTREAM_STAT_DEADLETTERED]	= "deadlettered",
	[KSTREAM_STAT_DEADLETTER_LOST]	= "deadletter_lost",
	[KSTREAM_STAT_DEADLETTER_IN]	= "deadletter_in",
};

const char *topic_stat_name(int stat)
{
	if (stat < 0 || stat > KSTREAM_STAT_MAX)
		return NULL;
	return topic_json_stats[stat];
}

static void topic_json_stats_obj(struct json *j, const struct topic_info *t)
{
	int i;

	json_key(j, "stats");
	json_obj_start(j);
	for (i = 0; i <= KSTREAM_STAT_MAX; i++)
		if (topic_json_stats[i] && topic_has_stat(t, i))
			json_kv_u64(j, topic_json_stats[i], t->stats[i]);
	json_obj_end(j);
}

void topic_print_json(struct json *j, const struct topic_info *t)
{
	struct pr p;

	pr_init_json(&p, j);
	json_obj_start(j);
	topic_pr_config(&p, t);
	if (topic_has(t, KSTREAM_A_TOPIC_STATS))
		topic_json_stats_obj(j, t);
	topic_pr_acl(&p, t);
	json_obj_end(j);
}
