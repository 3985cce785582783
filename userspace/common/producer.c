// SPDX-License-Identifier: GPL-2.0
/*
 * Producer ids of a topic and their formats; see producer.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "producer.h"

int producer_set_add(struct producer_set *set, const struct producer_info *p)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 16;
		struct producer_info *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = *p;
	return 0;
}

void producer_set_free(struct producer_set *set)
{
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int producer_cmp(const void *a, const void *b)
{
	const struct producer_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void producer_set_sort(struct producer_set *set)
{
	if (set->n)
		qsort(set->v, set->n, sizeof(*set->v), producer_cmp);
}

int producer_id_parse(const char *s, uint64_t *id)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2) ? 16 : 10);
	if (errno || *end || !v || end == s)
		return -EINVAL;
	*id = v;
	return 0;
}

void producer_print_text(FILE *f, const char *topic,
			 const struct producer_set *set)
{
	size_t i;

	if (set->n == 1 && !set->v[0].known) {
		fprintf(f, "%s: producer 0x%016" PRIx64 " unknown\n", topic,
			set->v[0].id);
		return;
	}
	fprintf(f, "%s: %zu producer id%s\n", topic, set->n,
		set->n == 1 ? "" : "s");
	if (!set->n)
		return;
	fprintf(f, "    %-18s  %s\n", "PRODUCER_ID", "LAST_SEQ");
	for (i = 0; i < set->n; i++)
		fprintf(f, "    0x%016" PRIx64 "  %" PRIu64 "\n", set->v[i].id,
			set->v[i].last_seq);
}

void producer_print_json(struct json *j, const char *topic,
			 const struct producer_set *set)
{
	char hex[24];
	size_t i;

	json_obj_start(j);
	json_kv_str(j, "topic", topic);
	json_key(j, "producers");
	json_arr_start(j);
	for (i = 0; i < set->n; i++) {
		json_obj_start(j);
		json_kv_u64(j, "id", set->v[i].id);
		snprintf(hex, sizeof(hex), "0x%016" PRIx64, set->v[i].id);
		json_kv_str(j, "id_hex", hex);
		json_kv_bool(j, "known", set->v[i].known);
		if (set->v[i].known)
			json_kv_u64(j, "last_seq", set->v[i].last_seq);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}
