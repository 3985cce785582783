// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/common/prom.c: the Prometheus exposition of
 * kstream's statistics (escaping, bucket bounds, the estimated sum, the
 * whole output), the output checked by promtool (tests/promtool.h).
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

#include "capture.h"
#include "../promtool.h"

#include "prom.h"
#include "stats.h"

#define NB KSTREAM_LAT_BUCKETS

/* ------------------------------------------------------------ writer */

static void escapes(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	prom_write_label_value(o.f, "a\\b\"c\nd.e-f");
	assert_string_equal("a\\\\b\\\"c\\nd.e-f", out_str(&o));
	out_close(&o);
	out_open(&o);
	prom_write_help(o.f, "say \"hi\"\\\nbye");
	assert_string_equal("say \"hi\"\\\\\\nbye", out_str(&o));
	out_close(&o);
}

static void assert_seconds(uint64_t ns, const char *want)
{
	char buf[32];

	prom_format_seconds(ns, buf, sizeof(buf));
	assert_string_equal(want, buf);
}

static void seconds_are_exact(void **state)
{
	char buf[32];

	(void)state;
	assert_seconds(0, "0");
	assert_seconds(2, "0.000000002");
	assert_seconds(1024, "0.000001024");
	assert_seconds(1000000, "0.001");
	assert_seconds(1000000000, "1");
	assert_seconds(UINT64_C(1) << 30, "1.073741824");
	assert_seconds(UINT64_C(1) << 39, "549.755813888");
	prom_format_le(0, buf, sizeof(buf));
	assert_string_equal("0.000000002", buf);
	prom_format_le(NB - 2, buf, sizeof(buf));
	assert_string_equal("549.755813888", buf);
}

static void sum_from_midpoints(void **state)
{
	uint64_t h[NB] = { 0 };
	double s;

	(void)state;
	assert_true(prom_latency_sum(h) == 0);
	h[0] = 2;		/* midpoint 1 ns */
	h[10] = 4;		/* midpoint 1536 ns */
	h[NB - 1] = 1;		/* its lower bound, 2^39 ns */
	s = prom_latency_sum(h) * 1e9;
	s -= 2 + 4 * 1536 + (double)(UINT64_C(1) << 39);
	assert_true(s < 1e-3 && s > -1e-3);
}

static void topic(struct topic_stats *s, const char *name)
{
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->info.name, sizeof(s->info.name), "%s", name);
	s->info.ring_size = 65536;
	s->info.have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_RING_SIZE) |
		       (1U << KSTREAM_A_TOPIC_STATS);
	for (i = 1; i <= KSTREAM_STAT_MAX; i++) {
		if (i == KSTREAM_STAT_PAD || i == KSTREAM_STAT_LATENCY)
			continue;
		s->info.have_stats |= 1ULL << i;
		s->info.stats[i] = 100 + i;
	}
	s->have_lat = true;
	s->lat[0] = 1;
	s->lat[10] = 5;
	s->lat[NB - 1] = 2;
}

static void whole_output(void **state)
{
	struct topic_stats t[2];
	char err[1024];
	struct out o;
	const char *s;

	(void)state;
	topic(&t[0], "imu");
	topic(&t[1], "odd\"name\\x");
	out_open(&o);
	prom_write(o.f, t, 2);
	s = out_str(&o);
	if (promtool_check(s, err, sizeof(err)))
		fail_msg("%s\n%s", err, s);

	/* families once, samples of both topics under them */
	assert_non_null(strstr(s,
		"# HELP kstream_topics Topics that exist.\n"
		"# TYPE kstream_topics gauge\n"
		"kstream_topics 2\n"));
	assert_non_null(strstr(s,
		"# TYPE kstream_published_messages_total counter\n"
		"kstream_published_messages_total{topic=\"imu\"} 101\n"
		"kstream_published_messages_total{topic=\"odd\\\"name\\\\x\"} 101\n"));
	/* topic() gives stat i the value 100 + i */
	snprintf(err, sizeof(err),
		 "kstream_publish_errors_total{topic=\"imu\",kind=\"empty\"} %d\n"
		 "kstream_publish_errors_total{topic=\"imu\",kind=\"too_big\"} %d\n",
		 100 + KSTREAM_STAT_ERR_EMPTY, 100 + KSTREAM_STAT_ERR_TOO_BIG);
	assert_non_null(strstr(s, err));
	snprintf(err, sizeof(err),
		 "kstream_dropped_by_reason_total{topic=\"imu\",reason=\"filter\"} %d\n"
		 "kstream_dropped_by_reason_total{topic=\"imu\",reason=\"sample\"} %d\n"
		 "kstream_dropped_by_reason_total{topic=\"imu\",reason=\"ratelimit\"} %d\n"
		 "kstream_dropped_by_reason_total{topic=\"imu\",reason=\"deadletter\"} %d\n",
		 100 + KSTREAM_STAT_DROPPED_FILTER, 100 + KSTREAM_STAT_DROPPED_SAMPLE,
		 100 + KSTREAM_STAT_DROPPED_RATELIMIT, 100 + KSTREAM_STAT_DROPPED_DEADLETTER);
	assert_non_null(strstr(s, err));
	snprintf(err, sizeof(err), "kstream_denied_total{topic=\"imu\"} %d\n",
		 100 + KSTREAM_STAT_DENIED);
	assert_non_null(strstr(s, err));
	assert_non_null(strstr(s, "kstream_ring_size_bytes{topic=\"imu\"} 65536\n"));
	assert_non_null(strstr(s, "# TYPE kstream_readers gauge\n"));
	assert_non_null(strstr(s, "# TYPE kstream_delivery_latency_seconds histogram\n"));
	assert_non_null(strstr(s, "_sum is estimated from bucket midpoints"));
	/* cumulative buckets in seconds, +Inf and _count the total */
	assert_non_null(strstr(s,
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"0.000000002\"} 1\n"
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"0.000000004\"} 1\n"));
	assert_non_null(strstr(s,
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"0.000001024\"} 1\n"
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"0.000002048\"} 6\n"));
	assert_non_null(strstr(s,
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"549.755813888\"} 6\n"
		"kstream_delivery_latency_seconds_bucket{topic=\"imu\",le=\"+Inf\"} 8\n"
		"kstream_delivery_latency_seconds_sum{topic=\"imu\"} 1099.51164\n"));
	assert_non_null(strstr(s, "kstream_delivery_latency_seconds_count{topic=\"imu\"} 8\n"));
	out_close(&o);
}

static void no_topics(void **state)
{
	char err[1024];
	struct out o;

	(void)state;
	out_open(&o);
	prom_write(o.f, NULL, 0);
	assert_string_equal("# HELP kstream_topics Topics that exist.\n"
			    "# TYPE kstream_topics gauge\n"
			    "kstream_topics 0\n", out_str(&o));
	assert_int_equal(0, promtool_check(out_str(&o), err, sizeof(err)));
	out_close(&o);
}

static void old_module_leaves_families_out(void **state)
{
	struct topic_stats t;
	char err[1024];
	struct out o;

	(void)state;
	topic(&t, "imu");
	t.info.have_stats = ((1U << (KSTREAM_STAT_RING_USED + 1)) - 1) & ~1U;
	t.have_lat = false;
	out_open(&o);
	prom_write(o.f, &t, 1);
	assert_int_equal(0, promtool_check(out_str(&o), err, sizeof(err)));
	assert_null(strstr(out_str(&o), "delivered"));
	assert_null(strstr(out_str(&o), "latency"));
	assert_null(strstr(out_str(&o), "publish_errors"));
	assert_non_null(strstr(out_str(&o), "kstream_lost_messages_total{topic=\"imu\"} 104\n"));
	out_close(&o);
}

/*
 * Every statistic of the uapi reaches Prometheus (but the pad and the
 * histogram, which has its own family), each through one family, and the
 * output of a topic that has them all names each family.
 */
static void every_stat_is_exported(void **state)
{
	struct topic_stats t;
	struct out o;
	const char *name;
	char want[160];
	int i;

	(void)state;
	topic(&t, "imu");
	out_open(&o);
	prom_write(o.f, &t, 1);
	for (i = 1; i <= KSTREAM_STAT_MAX; i++) {
		if (i == KSTREAM_STAT_PAD || i == KSTREAM_STAT_LATENCY) {
			assert_null(prom_stat_family(i));
			continue;
		}
		name = prom_stat_family(i);
		if (!name)
			fail_msg("statistic %d (%s) is not exported to Prometheus",
				 i, topic_stat_name(i));
		snprintf(want, sizeof(want), "\n%s{topic=\"imu\"", name);
		if (!strstr(out_str(&o), want))
			fail_msg("no %s sample for statistic %d", name, i);
	}
	assert_null(prom_stat_family(KSTREAM_STAT_MAX + 1));
	out_close(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(seconds_are_exact),
		cmocka_unit_test(sum_from_midpoints),
		cmocka_unit_test(whole_output),
		cmocka_unit_test(no_topics),
		cmocka_unit_test(old_module_leaves_families_out),
		cmocka_unit_test(every_stat_is_exported),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
