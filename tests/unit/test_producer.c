// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/common/producer.c (streamctl topic show NAME
 * producers) and the "producers" keyword of topic add.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "capture.h"
#include "producer.h"
#include "topic.h"
#include "topicopts.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void add(struct producer_set *set, uint64_t id, uint64_t last, bool known)
{
	struct producer_info p = { .id = id, .last_seq = last, .known = known };

	assert_int_equal(0, producer_set_add(set, &p));
}

static void id_parse(void **state)
{
	uint64_t id = 99;

	(void)state;
	assert_int_equal(0, producer_id_parse("1", &id));
	assert_true(id == 1);
	assert_int_equal(0, producer_id_parse("0x3ea7d447b6419afe", &id));
	assert_true(id == 0x3ea7d447b6419afeULL);
	assert_int_equal(0, producer_id_parse("0XFF", &id));
	assert_true(id == 255);
	assert_int_equal(0, producer_id_parse("18446744073709551615", &id));
	assert_true(id == UINT64_MAX);
	id = 7;
	assert_int_equal(-EINVAL, producer_id_parse("0", &id));
	assert_int_equal(-EINVAL, producer_id_parse("0x0", &id));
	assert_int_equal(-EINVAL, producer_id_parse("", &id));
	assert_int_equal(-EINVAL, producer_id_parse(NULL, &id));
	assert_int_equal(-EINVAL, producer_id_parse("-1", &id));
	assert_int_equal(-EINVAL, producer_id_parse("+1", &id));
	assert_int_equal(-EINVAL, producer_id_parse(" 1", &id));
	assert_int_equal(-EINVAL, producer_id_parse("1x", &id));
	assert_int_equal(-EINVAL, producer_id_parse("0x", &id));
	assert_int_equal(-EINVAL, producer_id_parse("18446744073709551616", &id));
	assert_int_equal(-EINVAL, producer_id_parse("0x10000000000000000", &id));
	assert_true(id == 7);	/* untouched on errors */
}

static void text_table_sorted(void **state)
{
	struct producer_set set = { 0 };
	struct out o;

	(void)state;
	add(&set, 0x3ea7d447b6419afeULL, 17, true);
	add(&set, 1000, 1500, true);
	producer_set_sort(&set);
	out_open(&o);
	producer_print_text(o.f, "imu", &set);
	assert_string_equal(
		"imu: 2 producer ids\n"
		"    PRODUCER_ID         LAST_SEQ\n"
		"    0x00000000000003e8  1500\n"
		"    0x3ea7d447b6419afe  17\n", out_str(&o));
	out_close(&o);
	producer_set_free(&set);
	assert_null(set.v);
	assert_int_equal(0, set.n);
}

static void text_one_and_none(void **state)
{
	struct producer_set set = { 0 };
	struct out o;

	(void)state;
	out_open(&o);
	producer_print_text(o.f, "t", &set);
	assert_string_equal("t: 0 producer ids\n", out_str(&o));
	out_close(&o);

	add(&set, 7, 0, false);
	out_open(&o);
	producer_print_text(o.f, "t", &set);
	assert_string_equal("t: producer 0x0000000000000007 unknown\n", out_str(&o));
	out_close(&o);

	set.v[0].known = true;
	set.v[0].last_seq = UINT64_MAX;
	out_open(&o);
	producer_print_text(o.f, "t", &set);
	assert_string_equal("t: 1 producer id\n"
			    "    PRODUCER_ID         LAST_SEQ\n"
			    "    0x0000000000000007  18446744073709551615\n",
			    out_str(&o));
	out_close(&o);
	producer_set_free(&set);
}

static void json_output(void **state)
{
	struct producer_set set = { 0 };
	struct json j;
	struct out o;
	int i;

	(void)state;
	add(&set, 7, 0, false);
	add(&set, UINT64_MAX, 3, true);
	out_open(&o);
	json_init(&j, o.f);
	producer_print_json(&j, "a\"b", &set);
	assert_string_equal(
		"{\"topic\":\"a\\\"b\",\"producers\":["
		"{\"id\":7,\"id_hex\":\"0x0000000000000007\",\"known\":false},"
		"{\"id\":18446744073709551615,\"id_hex\":\"0xffffffffffffffff\","
		"\"known\":true,\"last_seq\":3}]}", out_str(&o));
	out_close(&o);
	producer_set_free(&set);

	/* growth */
	for (i = 0; i < 1000; i++)
		add(&set, 1000 - i, i, true);
	producer_set_sort(&set);
	assert_int_equal(1000, set.n);
	for (i = 0; i < 1000; i++)
		assert_true(set.v[i].id == (uint64_t)i + 1);
	producer_set_free(&set);
}

static void topic_add_producers(void **state)
{
	char *argv[] = { "t", "producers", "4096" };
	char *bad[] = { "t", "producers", "lots" };
	char *missing[] = { "t", "producers" };
	char *twice[] = { "t", "producers", "1", "producers", "2" };
	struct topic_opts o;
	char err[256] = "";

	(void)state;
	assert_int_equal(0, topic_opts_parse(&o, ARGC(argv), argv, err, sizeof(err)));
	assert_int_equal(TOPIC_OPT_PRODUCERS, o.set);
	assert_int_equal(4096, o.producers_max);
	assert_int_equal(-EINVAL, topic_opts_parse(&o, ARGC(bad), bad, err, sizeof(err)));
	assert_non_null(strstr(err, "producer ids"));
	assert_int_equal(-EINVAL, topic_opts_parse(&o, ARGC(missing), missing, err,
						   sizeof(err)));
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(-EINVAL, topic_opts_parse(&o, ARGC(twice), twice, err,
						   sizeof(err)));
	assert_non_null(strstr(err, "twice"));
}

static void topic_text_json_producers(void **state)
{
	struct topic_info t;
	struct json j;
	struct out o;

	(void)state;
	memset(&t, 0, sizeof(t));
	strcpy(t.name, "t");
	t.producers_max = 64;
	t.have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_PRODUCERS_MAX) |
		 (1U << KSTREAM_A_TOPIC_STATS);
	t.stats[KSTREAM_STAT_DROPPED_DUPLICATE] = 9;
	t.stats[KSTREAM_STAT_PRODUCERS] = 2;
	t.have_stats = (1ULL << KSTREAM_STAT_DROPPED_DUPLICATE) |
		       (1ULL << KSTREAM_STAT_PRODUCERS);
	out_open(&o);
	topic_print_text(o.f, &t);
	assert_string_equal("t: producers 64\n    duplicates 9\n", out_str(&o));
	out_close(&o);
	out_open(&o);
	json_init(&j, o.f);
	topic_print_json(&j, &t);
	assert_string_equal("{\"name\":\"t\",\"producers_max\":64,\"stats\":"
			    "{\"dropped_duplicate\":9,\"producers\":2}}", out_str(&o));
	out_close(&o);
	assert_string_equal("dropped_duplicate",
			    topic_stat_name(KSTREAM_STAT_DROPPED_DUPLICATE));
	assert_string_equal("producer_gaps", topic_stat_name(KSTREAM_STAT_PRODUCER_GAPS));
	assert_string_equal("producers_evicted",
			    topic_stat_name(KSTREAM_STAT_PRODUCERS_EVICTED));
	assert_string_equal("producers", topic_stat_name(KSTREAM_STAT_PRODUCERS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(id_parse),
		cmocka_unit_test(text_table_sorted),
		cmocka_unit_test(text_one_and_none),
		cmocka_unit_test(json_output),
		cmocka_unit_test(topic_add_producers),
		cmocka_unit_test(topic_text_json_producers),
	};

	return cmocka_run_group_tests_name("producer", tests, NULL, NULL);
}
