// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/event.c: how monitor prints events */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "capture.h"

#include "event.h"
#include "json.h"

/* 2026-11-26T19:49:34.123 UTC */
#define WHEN 1795722574123456789ULL

static void names(void **state)
{
	(void)state;
	assert_string_equal("topic_new", kst_event_name(KSTREAM_EVENT_TOPIC_NEW));
	assert_string_equal("topic_del", kst_event_name(KSTREAM_EVENT_TOPIC_DEL));
	assert_string_equal("topic_changed", kst_event_name(KSTREAM_EVENT_TOPIC_CHANGED));
	assert_string_equal("reader_lapped", kst_event_name(KSTREAM_EVENT_READER_LAPPED));
	assert_string_equal("denied", kst_event_name(KSTREAM_EVENT_DENIED));
	assert_string_equal("stats_reset", kst_event_name(KSTREAM_EVENT_STATS_RESET));
	assert_null(kst_event_name(KSTREAM_EVENT_UNSPEC));
	assert_null(kst_event_name(KSTREAM_EVENT_MAX + 1));
}

static void text(void **state)
{
	struct kst_event e = {
		.time_ns = WHEN, .event = KSTREAM_EVENT_READER_LAPPED,
		.topic = "imu", .id = 3, .pid = 1234, .lost = 57,
		.have_id = true, .have_pid = true, .have_lost = true,
	};
	struct out o;

	(void)state;
	out_open(&o);
	kst_event_print_text(o.f, &e);
	e.event = KSTREAM_EVENT_TOPIC_NEW;
	e.have_pid = e.have_lost = false;
	kst_event_print_text(o.f, &e);
	e.event = 77;
	e.topic[0] = '\0';
	e.have_id = false;
	kst_event_print_text(o.f, &e);
	assert_string_equal(
		"2026-11-26T19:49:34.123 reader_lapped imu id 3 pid 1234 lost 57\n"
		"2026-11-26T19:49:34.123 topic_new imu id 3\n"
		"2026-11-26T19:49:34.123 event 77\n", out_str(&o));
	out_close(&o);
}

static void json(void **state)
{
	struct kst_event e = {
		.time_ns = WHEN, .event = KSTREAM_EVENT_READER_LAPPED,
		.topic = "imu", .id = 3, .pid = 1234, .lost = 57,
		.have_id = true, .have_pid = true, .have_lost = true,
	};
	struct json j;
	struct out o;

	(void)state;
	out_open(&o);
	json_init(&j, o.f);
	kst_event_print_json(&j, &e);
	assert_int_equal(0, json_finish(&j));
	e.event = 99;
	e.have_pid = e.have_lost = e.have_id = false;
	json_init(&j, o.f);
	kst_event_print_json(&j, &e);
	assert_int_equal(0, json_finish(&j));
	assert_string_equal(
		"{\"time_ns\":1795722574123456789,\"event\":\"reader_lapped\",\"topic\":\"imu\","
		"\"id\":3,\"pid\":1234,\"lost\":57}"
		"{\"time_ns\":1795722574123456789,\"event\":\"99\",\"topic\":\"imu\"}",
		out_str(&o));
	out_close(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(text),
		cmocka_unit_test(json),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
