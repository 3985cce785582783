// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/topic.c: text and JSON formats */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"

#include "json.h"
#include "topic.h"

#define ALL_ATTRS \
	((1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_ID) | \
	 (1U << KSTREAM_A_TOPIC_RING_SIZE) | (1U << KSTREAM_A_TOPIC_MSG_MAX) | \
	 (1U << KSTREAM_A_TOPIC_POLICY) | (1U << KSTREAM_A_TOPIC_MODE) | \
	 (1U << KSTREAM_A_TOPIC_UID) | (1U << KSTREAM_A_TOPIC_GID) | \
	 (1U << KSTREAM_A_TOPIC_STATS))
#define ALL_STATS \
	(((1U << (KSTREAM_STAT_RING_USED + 1)) - 1) & ~1U)

/* The example of the admin guide. */
static void sensors(struct topic_info *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->name, "sensors");
	t->ring_size = 4 << 20;
	t->msg_max = 64 << 10;
	t->policy = KSTREAM_POLICY_OVERWRITE;
	t->mode = 0660;
	t->stats[KSTREAM_STAT_PUBLISHED] = 10;
	t->stats[KSTREAM_STAT_PUBLISHED_BYTES] = 640;
	t->stats[KSTREAM_STAT_READERS] = 2;
	t->stats[KSTREAM_STAT_WRITERS] = 1;
	t->stats[KSTREAM_STAT_HEAD_SEQ] = 10;
	t->stats[KSTREAM_STAT_TAIL_SEQ] = 0;
	t->stats[KSTREAM_STAT_RING_USED] = 880;
	t->have = ALL_ATTRS;
	t->have_stats = ALL_STATS;
}

static void assert_text(const struct topic_info *t, const char *want)
{
	struct out o;

	out_open(&o);
	topic_print_text(o.f, t);
	assert_string_equal(want, out_str(&o));
	out_close(&o);
}

static void assert_json(const struct topic_info *t, const char *want)
{
	struct json j;
	struct out o;

	out_open(&o);
	json_init(&j, o.f);
	topic_print_json(&j, t);
	assert_int_equal(0, json_finish(&j));
	assert_string_equal(want, out_str(&o));
	out_close(&o);
}

static void text_full(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	assert_text(&t,
		    "sensors: id 0 size 4M msgmax 64K policy overwrite mode 0660 owner 0 group 0\n"
		    "    published 10 (640 bytes) dropped 0 lost 0 readers 2 writers 1 seq 0..9 used 880\n");
}

static void text_empty_ring(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	t.stats[KSTREAM_STAT_HEAD_SEQ] = 7;
	t.stats[KSTREAM_STAT_TAIL_SEQ] = 7;
	t.policy = KSTREAM_POLICY_BLOCK;
	t.ring_size = 1000;
	t.uid = 1000;
	t.gid = 27;
	t.id = 3;
	assert_text(&t,
		    "sensors: id 3 size 1000 msgmax 64K policy block mode 0660 owner 1000 group 27\n"
		    "    published 10 (640 bytes) dropped 0 lost 0 readers 2 writers 1 seq none (next 7) used 880\n");
}

static void text_absent_attrs(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	t.have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_POLICY);
	t.have_stats = 0;
	t.policy = 7;
	assert_text(&t, "sensors: policy 7\n");

	sensors(&t);
	t.have_stats = (1U << KSTREAM_STAT_LOST) | (1U << KSTREAM_STAT_HEAD_SEQ);
	t.stats[KSTREAM_STAT_LOST] = 5;
	assert_text(&t,
		    "sensors: id 0 size 4M msgmax 64K policy overwrite mode 0660 owner 0 group 0\n"
		    "    lost 5\n");
}

static void json_full(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	t.stats[KSTREAM_STAT_LOST] = UINT64_MAX;
	assert_json(&t,
		    "{\"name\":\"sensors\",\"id\":0,\"ring_size\":4194304,"
		    "\"msg_max\":65536,\"policy\":\"overwrite\",\"mode\":\"0660\","
		    "\"uid\":0,\"gid\":0,\"stats\":{\"published\":10,"
		    "\"published_bytes\":640,\"dropped\":0,"
		    "\"lost\":18446744073709551615,\"readers\":2,\"writers\":1,"
		    "\"head_seq\":10,\"tail_seq\":0,\"ring_used\":880}}");
}

/* A filter attached, drops by reason (all three counters or none). */
static void filter_and_drop_reasons(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	snprintf(t.filter, sizeof(t.filter), "s10");
	t.have |= 1U << KSTREAM_A_FILTER_NAME;
	t.stats[KSTREAM_STAT_DROPPED] = 12;
	t.stats[KSTREAM_STAT_DROPPED_FILTER] = 1;
	t.stats[KSTREAM_STAT_DROPPED_SAMPLE] = 9;
	t.stats[KSTREAM_STAT_DROPPED_RATELIMIT] = 2;
	t.have_stats |= (1U << KSTREAM_STAT_DROPPED_FILTER) |
			(1U << KSTREAM_STAT_DROPPED_SAMPLE) |
			(1U << KSTREAM_STAT_DROPPED_RATELIMIT);
	assert_text(&t,
		    "sensors: id 0 size 4M msgmax 64K policy overwrite mode 0660 owner 0 group 0 filter s10\n"
		    "    published 10 (640 bytes) dropped 12 (filter 1 sample 9 ratelimit 2) lost 0 readers 2 writers 1 seq 0..9 used 880\n");
	assert_json(&t,
		    "{\"name\":\"sensors\",\"id\":0,\"ring_size\":4194304,"
		    "\"msg_max\":65536,\"policy\":\"overwrite\",\"mode\":\"0660\","
		    "\"uid\":0,\"gid\":0,\"filter\":\"s10\",\"stats\":{\"published\":10,"
		    "\"published_bytes\":640,\"dropped\":12,"
		    "\"lost\":0,\"readers\":2,\"writers\":1,"
		    "\"head_seq\":10,\"tail_seq\":0,\"ring_used\":880,"
		    "\"dropped_filter\":1,\"dropped_sample\":9,\"dropped_ratelimit\":2}}");

	/* An older kernel without the reasons: just the total. */
	t.have_stats &= ~(1U << KSTREAM_STAT_DROPPED_SAMPLE);
	t.have &= ~(1U << KSTREAM_A_FILTER_NAME);
	assert_text(&t,
		    "sensors: id 0 size 4M msgmax 64K policy overwrite mode 0660 owner 0 group 0\n"
		    "    published 10 (640 bytes) dropped 12 lost 0 readers 2 writers 1 seq 0..9 used 880\n");
}

static void json_absent_attrs(void **state)
{
	struct topic_info t;

	(void)state;
	sensors(&t);
	t.have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_POLICY) |
		 (1U << KSTREAM_A_TOPIC_MODE);
	t.policy = 9;
	t.mode = 0;
	assert_json(&t, "{\"name\":\"sensors\",\"policy\":\"9\",\"mode\":\"0000\"}");
}

/* Whatever the kernel sends, the output stays valid JSON. */
static void json_name_escaped(void **state)
{
	struct topic_info t;

	(void)state;
	memset(&t, 0, sizeof(t));
	strcpy(t.name, "a\"b\\c\n\x01\xff");
	t.have = 1U << KSTREAM_A_TOPIC_NAME;
	assert_json(&t, "{\"name\":\"a\\\"b\\\\c\\n\\u0001\\ufffd\"}");
}

static void json_array_of_topics(void **state)
{
	struct topic_info t;
	struct json j;
	struct out o;

	(void)state;
	out_open(&o);
	json_init(&j, o.f);
	json_arr_start(&j);
	memset(&t, 0, sizeof(t));
	t.have = 1U << KSTREAM_A_TOPIC_NAME;
	strcpy(t.name, "a");
	topic_print_json(&j, &t);
	strcpy(t.name, "b");
	topic_print_json(&j, &t);
	json_arr_end(&j);
	assert_int_equal(0, json_finish(&j));
	assert_string_equal("[{\"name\":\"a\"},{\"name\":\"b\"}]", out_str(&o));
	out_close(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_full),
		cmocka_unit_test(text_empty_ring),
		cmocka_unit_test(text_absent_attrs),
		cmocka_unit_test(json_full),
		cmocka_unit_test(json_absent_attrs),
		cmocka_unit_test(filter_and_drop_reasons),
		cmocka_unit_test(json_name_escaped),
		cmocka_unit_test(json_array_of_topics),
	};

	return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
