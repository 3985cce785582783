// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests for userspace/common/stats.c: histogram quantiles, the
 * text and JSON formats of "streamctl stats", and top's rates.
 */
#include <errno.h>
#include <inttypes.h>
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
#include "stats.h"

#define NB KSTREAM_LAT_BUCKETS

static void assert_near(double want, double got)
{
	double d = want - got;

	if (d < 0)
		d = -d;
	if (d > 1e-6 * (want < 0 ? -want : want) + 1e-9)
		fail_msg("want %.9f, got %.9f", want, got);
}

/* ------------------------------------------------------- quantiles */

static void bucket_bounds(void **state)
{
	(void)state;
	assert_int_equal(0, lat_bucket_lo(0));
	assert_int_equal(2, lat_bucket_hi(0));
	assert_int_equal(2, lat_bucket_lo(1));
	assert_int_equal(4, lat_bucket_hi(1));
	assert_int_equal(1024, lat_bucket_lo(10));
	assert_int_equal(2048, lat_bucket_hi(10));
	assert_true(lat_bucket_hi(NB - 2) == UINT64_C(1) << (NB - 1));
	assert_true(lat_bucket_lo(NB - 1) == UINT64_C(1) << (NB - 1));
	assert_true(lat_bucket_hi(NB - 1) == UINT64_MAX);
}

static void quantile_one_bucket_interpolates(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns;

	(void)state;
	h[10] = 100;		/* [1024, 2048) ns */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.5, &ns));
	assert_near(1536, ns);
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.99, &ns));
	assert_near(1024 + 1024 * 0.99, ns);
	/* the maximum is the bucket's upper bound */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 1, &ns));
	assert_near(2048, ns);
}

static void quantile_two_buckets(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns;

	(void)state;
	h[3] = 90;		/* [8, 16) */
	h[20] = 10;		/* [1 Mi, 2 Mi) */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.5, &ns));
	assert_near(8 + 8 * 50.0 / 90, ns);
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.9, &ns));
	assert_near(16, ns);	/* rank 90 is the end of bucket 3 */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.99, &ns));
	assert_near(1048576 + 1048576 * 9.0 / 10, ns);
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.999, &ns));
	assert_near(1048576 + 1048576 * 9.9 / 10, ns);
}

/* The same as PromQL's histogram_quantile() on the exported buckets. */
static void quantile_like_histogram_quantile(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns;

	(void)state;
	h[5] = 50;
	h[6] = 50;
	/* rank 50 is reached at the end of bucket 5: its upper bound */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.5, &ns));
	assert_near(64, ns);
	/* rank 75: half of bucket 6 */
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.75, &ns));
	assert_near(96, ns);
}

static void quantile_bucket_zero_starts_at_zero(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns;

	(void)state;
	h[0] = 4;
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.5, &ns));
	assert_near(1, ns);
}

static void quantile_open_bucket_is_a_lower_bound(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns;

	(void)state;
	h[NB - 1] = 3;
	assert_int_equal(LAT_Q_AT_LEAST, lat_quantile(h, 0.5, &ns));
	assert_near((double)(UINT64_C(1) << (NB - 1)), ns);
	h[1] = 997;
	assert_int_equal(LAT_Q_OK, lat_quantile(h, 0.99, &ns));
	assert_int_equal(LAT_Q_AT_LEAST, lat_quantile(h, 0.999, &ns));
}

static void quantile_errors(void **state)
{
	uint64_t h[NB] = { 0 };
	double ns = 42;

	(void)state;
	assert_int_equal(-ENODATA, lat_quantile(h, 0.5, &ns));
	h[3] = 1;
	assert_int_equal(-EINVAL, lat_quantile(h, 0, &ns));
	assert_int_equal(-EINVAL, lat_quantile(h, -0.5, &ns));
	assert_int_equal(-EINVAL, lat_quantile(h, 1.01, &ns));
	assert_int_equal(-EINVAL, lat_quantile(h, 0.0 / 0.0, &ns));
	assert_near(42, ns);
}

static void total_saturates(void **state)
{
	uint64_t h[NB] = { 0 };

	(void)state;
	assert_int_equal(0, lat_total(h));
	h[0] = 1;
	h[39] = 2;
	assert_int_equal(3, lat_total(h));
	h[5] = UINT64_MAX - 1;
	assert_true(lat_total(h) == UINT64_MAX);
}

static void assert_ns(double ns, bool at_least, const char *want)
{
	char buf[32];

	format_ns(ns, at_least, buf, sizeof(buf));
	assert_string_equal(want, buf);
}

static void format_durations(void **state)
{
	(void)state;
	assert_ns(0, false, "0ns");
	assert_ns(1, false, "1ns");
	assert_ns(850, false, "850ns");
	assert_ns(999.4, false, "999ns");
	assert_ns(999.6, false, "1.00us");
	assert_ns(1536, false, "1.54us");
	assert_ns(12345, false, "12.3us");
	assert_ns(123456, false, "123us");
	assert_ns(1500000, false, "1.50ms");
	assert_ns(2.05e9, false, "2.05s");
	assert_ns(5e12, false, "5000s");
	assert_ns((double)(UINT64_C(1) << 39), true, ">=550s");
	assert_ns(-5, false, "0ns");
}

/* ----------------------------------------------------------- formats */

#define ALL_ATTRS \
	((1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_ID) | \
	 (1U << KSTREAM_A_TOPIC_RING_SIZE) | (1U << KSTREAM_A_TOPIC_MSG_MAX) | \
	 (1U << KSTREAM_A_TOPIC_POLICY) | (1U << KSTREAM_A_TOPIC_MODE) | \
	 (1U << KSTREAM_A_TOPIC_UID) | (1U << KSTREAM_A_TOPIC_GID) | \
	 (1U << KSTREAM_A_TOPIC_STATS))

static uint64_t all_stats(void)
{
	uint64_t m = 0;
	int i;

	for (i = 1; i <= KSTREAM_STAT_MAX; i++)
		if (i != KSTREAM_STAT_PAD && i != KSTREAM_STAT_LATENCY)
			m |= 1ULL << i;
	return m;
}

static void imu(struct topic_stats *s)
{
	struct topic_info *t = &s->info;

	memset(s, 0, sizeof(*s));
	strcpy(t->name, "imu");
	t->id = 3;
	t->ring_size = 4096;
	t->msg_max = 1024;
	t->policy = KSTREAM_POLICY_OVERWRITE;
	t->mode = 0660;
	t->have = ALL_ATTRS;
	t->have_stats = all_stats();
	t->stats[KSTREAM_STAT_PUBLISHED] = 10;
	t->stats[KSTREAM_STAT_PUBLISHED_BYTES] = 640;
	t->stats[KSTREAM_STAT_DELIVERED] = 20;
	t->stats[KSTREAM_STAT_DELIVERED_BYTES] = 1280;
	t->stats[KSTREAM_STAT_DROPPED] = 0;
	t->stats[KSTREAM_STAT_LOST] = 3;
	t->stats[KSTREAM_STAT_ERR_EMPTY] = 1;
	t->stats[KSTREAM_STAT_ERR_TOO_BIG] = 2;
	t->stats[KSTREAM_STAT_ERR_GONE] = 4;
	t->stats[KSTREAM_STAT_DROPPED_DUPLICATE] = 5;
	t->stats[KSTREAM_STAT_PRODUCER_GAPS] = 1;
	t->stats[KSTREAM_STAT_PRODUCERS] = 3;
	t->stats[KSTREAM_STAT_DEADLETTERED] = 4;
	t->stats[KSTREAM_STAT_DEADLETTER_LOST] = 1;
	t->stats[KSTREAM_STAT_READERS] = 2;
	t->stats[KSTREAM_STAT_WRITERS] = 1;
	t->stats[KSTREAM_STAT_HEAD_SEQ] = 10;
	t->stats[KSTREAM_STAT_TAIL_SEQ] = 2;
	t->stats[KSTREAM_STAT_RING_USED] = 1024;
	t->stats[KSTREAM_STAT_MAX_LAG] = 5;
	t->stats[KSTREAM_STAT_MAX_LAG_BYTES] = 440;
	s->have_lat = true;
	s->lat[10] = 20;
}

static void text_full(void **state)
{
	struct reader_stats r = {
		.pid = 1234, .delivered = 20, .lost = 3, .lag = 5,
		.lag_bytes = 440,
	};
	struct topic_stats s;
	struct out o;

	(void)state;
	imu(&s);
	out_open(&o);
	stats_print_text(o.f, &s);
	assert_string_equal(
		"imu: id 3 size 4K msgmax 1K policy overwrite mode 0660 owner 0 group 0\n"
		"    published 10 (640 bytes) delivered 20 (1280 bytes)\n"
		"    dropped 0 (filter 0 sample 0 ratelimit 0) lost 3 denied 0 errors 7 (empty 1 too_big 2 full 0 intr 0 fault 0 gone 4)\n"
		"    readers 2 writers 1 seq 2..9 ring 1024/4096 bytes (25.0%)\n"
		"    producers 3 duplicates 5 gaps 1 evicted 0\n"
		"    deadlettered 4 lost 1 unrouted 0 received 0\n"
		"    max lag 5 (440 bytes)\n"
		"    latency p50 1.54us p99 2.04us p999 2.05us (20 samples)\n",
		out_str(&o));
	out_close(&o);

	/* one topic: with its readers */
	assert_int_equal(0, topic_stats_add_reader(&s, &r));
	r.pid = 99;
	r.mapped = true;
	assert_int_equal(0, topic_stats_add_reader(&s, &r));
	s.have_readers = true;
	out_open(&o);
	stats_print_text(o.f, &s);
	assert_non_null(strstr(out_str(&o),
		"    PID      MAPPED    DELIVERED       LOST        LAG    LAG_BYTES\n"
		"    1234     no               20          3          5          440\n"
		"    99       yes              20          3          5          440\n"));
	out_close(&o);
	topic_stats_free(&s);
	assert_null(s.readers);
	assert_int_equal(0, s.nr_readers);
}

static void text_without_new_counters(void **state)
{
	struct topic_stats s;
	struct out o;

	(void)state;
	/* an older module: only the first counters, no histogram */
	imu(&s);
	s.info.have_stats = ((1U << (KSTREAM_STAT_RING_USED + 1)) - 1) & ~1U;
	s.have_lat = false;
	s.have_readers = true;
	out_open(&o);
	stats_print_text(o.f, &s);
	assert_string_equal(
		"imu: id 3 size 4K msgmax 1K policy overwrite mode 0660 owner 0 group 0\n"
		"    published 10 (640 bytes)\n"
		"    dropped 0 lost 3\n"
		"    readers 2 writers 1 seq 2..9 ring 1024/4096 bytes (25.0%)\n"
		"    no readers\n",
		out_str(&o));
	out_close(&o);
}

static void text_no_deliveries(void **state)
{
	struct topic_stats s;
	struct out o;

	(void)state;
	imu(&s);
	s.lat[10] = 0;
	s.info.stats[KSTREAM_STAT_HEAD_SEQ] = 2;
	out_open(&o);
	stats_print_text(o.f, &s);
	assert_non_null(strstr(out_str(&o), "seq none (next 2)"));
	assert_non_null(strstr(out_str(&o), "    latency none (no deliveries)\n"));
	out_close(&o);
}

static char *hist_json(const uint64_t *h)
{
	char *buf = malloc(NB * 24 + 8), *p = buf;
	int i;

	assert_non_null(buf);
	*p++ = '[';
	for (i = 0; i < NB; i++)
		p += sprintf(p, "%s%llu", i ? "," : "", (unsigned long long)h[i]);
	strcpy(p, "]");
	return buf;
}

static void json_full(void **state)
{
	struct reader_stats r = {
		.pid = 1234, .delivered = 20, .lost = 3, .lag = 5,
		.lag_bytes = 440,
		.have = (1U << KSTREAM_READER_PID) | (1U << KSTREAM_READER_DELIVERED) |
			(1U << KSTREAM_READER_LOST) | (1U << KSTREAM_READER_LAG) |
			(1U << KSTREAM_READER_LAG_BYTES),
	};
	struct topic_stats s;
	char want[4096], *h;
	struct json j;
	struct out o;

	(void)state;
	imu(&s);
	assert_int_equal(0, topic_stats_add_reader(&s, &r));
	s.have_readers = true;
	h = hist_json(s.lat);
	snprintf(want, sizeof(want),
		 "{\"name\":\"imu\",\"id\":3,\"ring_size\":4096,\"msg_max\":1024,"
		 "\"policy\":\"overwrite\",\"mode\":\"0660\",\"uid\":0,\"gid\":0,"
		 "\"stats\":{\"published\":10,\"published_bytes\":640,"
		 "\"delivered\":20,\"delivered_bytes\":1280,\"dropped\":0,"
		 "\"dropped_filter\":0,\"dropped_sample\":0,\"dropped_ratelimit\":0,"
		 "\"lost\":3,\"denied\":0,"
		 "\"err_empty\":1,\"err_too_big\":2,\"err_full\":0,\"err_intr\":0,"
		 "\"err_fault\":0,\"err_gone\":4,"
		 "\"readers\":2,\"writers\":1,\"head_seq\":10,\"tail_seq\":2,"
		 "\"ring_used\":1024,\"producers\":3,\"dropped_duplicate\":5,"
		 "\"producer_gaps\":1,\"producers_evicted\":0,"
		 "\"deadlettered\":4,\"deadletter_lost\":1,\"dropped_deadletter\":0,"
		 "\"deadletter_in\":0,"
		 "\"max_lag\":5,\"max_lag_bytes\":440,"
		 "\"latency_histogram\":%s},"
		 "\"latency_ns\":{\"p50\":1536,\"p99\":2038,\"p999\":2047,\"samples\":20},"
		 "\"readers\":[{\"pid\":1234,\"mapped\":false,\"delivered\":20,\"lost\":3,"
		 "\"lag\":5,\"lag_bytes\":440}]}", h);
	free(h);
	out_open(&o);
	json_init(&j, o.f);
	stats_print_json(&j, &s);
	assert_int_equal(0, json_finish(&j));
	assert_string_equal(want, out_str(&o));
	out_close(&o);
	topic_stats_free(&s);
}

static void json_empty_histogram_is_null(void **state)
{
	struct topic_stats s;
	struct json j;
	struct out o;

	(void)state;
	imu(&s);
	s.lat[10] = 0;
	out_open(&o);
	json_init(&j, o.f);
	stats_print_json(&j, &s);
	assert_int_equal(0, json_finish(&j));
	assert_non_null(strstr(out_str(&o),
		"\"latency_ns\":{\"p50\":null,\"p99\":null,\"p999\":null,\"samples\":0}"));
	/* no readers nest (a dump): no "readers" array */
	assert_null(strstr(out_str(&o), "\"readers\":["));
	out_close(&o);
}

/*
 * Every member the admin guide documents for "streamctl -j stats"
 * (Documentation/admin-guide.rst, "JSON output" and "streamctl stats"),
 * present in both forms, each with a value no other member has, so that
 * a member printed in one form only (as "acl" and "filter" once were in
 * the JSON) fails here.  JSON as "key":value, text as the text shows it.
 */
#define V(stat) (UINT64_C(1000) + (stat))

static void imu_everything(struct topic_stats *s)
{
	static const struct reader_stats r = {
		.pid = 4321, .mapped = true, .delivered = 71, .lost = 72,
		.lag = 73, .lag_bytes = 74,
		.have = (1U << KSTREAM_READER_PID) | (1U << KSTREAM_READER_MAPPED) |
			(1U << KSTREAM_READER_DELIVERED) | (1U << KSTREAM_READER_LOST) |
			(1U << KSTREAM_READER_LAG) | (1U << KSTREAM_READER_LAG_BYTES),
	};
	struct topic_info *t = &s->info;
	int i;

	imu(s);
	t->policy = KSTREAM_POLICY_BLOCK;
	t->mode = 0640;
	t->uid = 1007;
	t->gid = 27;
	strcpy(t->filter, "f1");
	t->have |= (1U << KSTREAM_A_FILTER_NAME) | (1U << KSTREAM_A_TOPIC_ACL);
	t->acl[0] = (struct topic_acl_entry){ KSTREAM_ACL_USER, 1001,
					      KSTREAM_ACL_PUBLISH };
	t->acl[1] = (struct topic_acl_entry){ KSTREAM_ACL_GROUP, 1002,
					      KSTREAM_ACL_SUBSCRIBE | KSTREAM_ACL_ADMIN };
	t->nr_acl = 2;
	for (i = 0; i <= KSTREAM_STAT_MAX; i++)
		t->stats[i] = V(i);
	assert_int_equal(0, topic_stats_add_reader(s, &r));
	s->have_readers = true;
}

static void documented_members_in_both_forms(void **state)
{
	char json_want[256], text_want[256];
	char *json_out, *text_out;
	struct topic_stats s;
	struct json j;
	struct out o;
	unsigned int i, n;
	const struct {
		const char *json;	/* a format taking a u64, or none */
		const char *text;
		uint64_t v;
		uint64_t d;		/* the text shows v - d */
	} m[] = {
		{ "\"name\":\"imu\"", "imu:", 0, 0 },
		{ "\"id\":3", " id 3 ", 0, 0 },
		{ "\"ring_size\":4096", " size 4K ", 0, 0 },
		{ "\"msg_max\":1024", " msgmax 1K ", 0, 0 },
		{ "\"policy\":\"block\"", " policy block ", 0, 0 },
		{ "\"mode\":\"0640\"", " mode 0640 ", 0, 0 },
		{ "\"uid\":1007", " owner 1007 ", 0, 0 },
		{ "\"gid\":27", " group 27 ", 0, 0 },
		{ "\"filter\":\"f1\"", " filter f1\n", 0, 0 },
		{ "\"acl\":[{\"type\":\"user\",\"id\":1001,\"rights\":[\"publish\"]},"
		  "{\"type\":\"group\",\"id\":1002,\"rights\":[\"subscribe\",\"admin\"]}]",
		  "\n    acl user:1001:publish group:1002:subscribe,admin\n", 0, 0 },
		{ "\"published\":%" PRIu64, " published %" PRIu64 " ", V(KSTREAM_STAT_PUBLISHED), 0 },
		{ "\"published_bytes\":%" PRIu64, " (%" PRIu64 " bytes)", V(KSTREAM_STAT_PUBLISHED_BYTES), 0 },
		{ "\"delivered\":%" PRIu64, " delivered %" PRIu64 " ", V(KSTREAM_STAT_DELIVERED), 0 },
		{ "\"delivered_bytes\":%" PRIu64, " (%" PRIu64 " bytes)", V(KSTREAM_STAT_DELIVERED_BYTES), 0 },
		{ "\"dropped\":%" PRIu64, " dropped %" PRIu64 " ", V(KSTREAM_STAT_DROPPED), 0 },
		{ "\"dropped_filter\":%" PRIu64, " (filter %" PRIu64 " ", V(KSTREAM_STAT_DROPPED_FILTER), 0 },
		{ "\"dropped_sample\":%" PRIu64, " sample %" PRIu64 " ", V(KSTREAM_STAT_DROPPED_SAMPLE), 0 },
		{ "\"dropped_ratelimit\":%" PRIu64, " ratelimit %" PRIu64 ") ", V(KSTREAM_STAT_DROPPED_RATELIMIT), 0 },
		{ "\"lost\":%" PRIu64, " lost %" PRIu64 " ", V(KSTREAM_STAT_LOST), 0 },
		{ "\"denied\":%" PRIu64, " denied %" PRIu64 " ", V(KSTREAM_STAT_DENIED), 0 },
		{ "\"err_empty\":%" PRIu64, "(empty %" PRIu64 " ", V(KSTREAM_STAT_ERR_EMPTY), 0 },
		{ "\"err_too_big\":%" PRIu64, " too_big %" PRIu64 " ", V(KSTREAM_STAT_ERR_TOO_BIG), 0 },
		{ "\"err_full\":%" PRIu64, " full %" PRIu64 " ", V(KSTREAM_STAT_ERR_FULL), 0 },
		{ "\"err_intr\":%" PRIu64, " intr %" PRIu64 " ", V(KSTREAM_STAT_ERR_INTR), 0 },
		{ "\"err_fault\":%" PRIu64, " fault %" PRIu64 " ", V(KSTREAM_STAT_ERR_FAULT), 0 },
		{ "\"err_gone\":%" PRIu64, " gone %" PRIu64 ")", V(KSTREAM_STAT_ERR_GONE), 0 },
		{ "\"readers\":%" PRIu64, " readers %" PRIu64 " ", V(KSTREAM_STAT_READERS), 0 },
		{ "\"writers\":%" PRIu64, " writers %" PRIu64 " ", V(KSTREAM_STAT_WRITERS), 0 },
		/* the ring holds tail_seq .. head_seq - 1 */
		{ "\"tail_seq\":%" PRIu64, " seq %" PRIu64 "..", V(KSTREAM_STAT_TAIL_SEQ), 0 },
		{ "\"head_seq\":%" PRIu64, "..%" PRIu64 " ", 1100, 1 },
		{ "\"ring_used\":%" PRIu64, " ring %" PRIu64 "/4096 bytes", V(KSTREAM_STAT_RING_USED), 0 },
		{ "\"max_lag\":%" PRIu64, " max lag %" PRIu64 " ", V(KSTREAM_STAT_MAX_LAG), 0 },
		{ "\"max_lag_bytes\":%" PRIu64, " (%" PRIu64 " bytes)\n", V(KSTREAM_STAT_MAX_LAG_BYTES), 0 },
		/* the text shows the histogram's quantiles, -j adds the buckets */
		{ "\"latency_ns\":{\"p50\":1536,", " latency p50 1.54us ", 0, 0 },
		{ "\"p99\":2038,", " p99 2.04us ", 0, 0 },
		{ "\"p999\":2047,", " p999 2.05us ", 0, 0 },
		{ "\"samples\":20}", " (20 samples)\n", 0, 0 },
		{ "\"readers\":[{\"pid\":4321,\"mapped\":true,\"delivered\":71,"
		  "\"lost\":72,\"lag\":73,\"lag_bytes\":74}]",
		  "\n    4321     yes              71         72         73           74\n", 0, 0 },
	};

	(void)state;
	imu_everything(&s);
	/* the head is one past the newest: the text shows head_seq - 1 */
	s.info.stats[KSTREAM_STAT_HEAD_SEQ] = 1100;

	out_open(&o);
	stats_print_text(o.f, &s);
	text_out = strdup(out_str(&o));
	out_close(&o);
	out_open(&o);
	json_init(&j, o.f);
	stats_print_json(&j, &s);
	assert_int_equal(0, json_finish(&j));
	json_out = strdup(out_str(&o));
	out_close(&o);
	assert_non_null(text_out);
	assert_non_null(json_out);

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(json_want, sizeof(json_want), m[i].json, m[i].v);
		snprintf(text_want, sizeof(text_want), m[i].text, m[i].v - m[i].d);
		if (!strstr(json_out, json_want))
			fail_msg("JSON lacks %s in %s", json_want, json_out);
		if (!strstr(text_out, text_want))
			fail_msg("text lacks \"%s\" in\n%s", text_want, text_out);
	}
	/* every counter there is (a new one too) is in both forms */
	for (i = 0, n = 0; i <= KSTREAM_STAT_MAX; i++) {
		const char *name = topic_stat_name(i);

		if (!name)
			continue;
		n++;
		snprintf(json_want, sizeof(json_want), "\"%s\":%" PRIu64, name,
			 s.info.stats[i]);
		snprintf(text_want, sizeof(text_want), "%" PRIu64,
			 i == KSTREAM_STAT_HEAD_SEQ ? s.info.stats[i] - 1 : s.info.stats[i]);
		if (!strstr(json_out, json_want))
			fail_msg("JSON lacks counter %s", name);
		if (!strstr(text_out, text_want))
			fail_msg("text lacks counter %s (%s)", name, text_want);
	}
	assert_true(n >= 23);
	free(text_out);
	free(json_out);
	topic_stats_free(&s);
}

static void topic_stat_names(void **state)
{
	(void)state;
	assert_string_equal("published", topic_stat_name(KSTREAM_STAT_PUBLISHED));
	assert_string_equal("err_too_big", topic_stat_name(KSTREAM_STAT_ERR_TOO_BIG));
	assert_string_equal("max_lag_bytes", topic_stat_name(KSTREAM_STAT_MAX_LAG_BYTES));
	assert_null(topic_stat_name(KSTREAM_STAT_UNSPEC));
	assert_null(topic_stat_name(KSTREAM_STAT_PAD));
	assert_null(topic_stat_name(KSTREAM_STAT_LATENCY));
	assert_null(topic_stat_name(KSTREAM_STAT_MAX + 1));
	assert_null(topic_stat_name(-1));
}

/* --------------------------------------------------------------- top */

static void deltas_and_resets(void **state)
{
	(void)state;
	assert_int_equal(5, counter_delta(10, 15));
	assert_int_equal(0, counter_delta(10, 10));
	/* went down: reset, counts from zero */
	assert_int_equal(3, counter_delta(10, 3));
	assert_true(counter_delta(0, UINT64_MAX) == UINT64_MAX);
}

static void top_rates(void **state)
{
	struct topic_stats prev, cur;
	struct top_row row;

	(void)state;
	imu(&prev);
	imu(&cur);
	cur.info.stats[KSTREAM_STAT_PUBLISHED] = 10 + 200;
	cur.info.stats[KSTREAM_STAT_PUBLISHED_BYTES] = 640 + 2000000;
	cur.info.stats[KSTREAM_STAT_DELIVERED] = 20 + 400;
	cur.info.stats[KSTREAM_STAT_LOST] = 3 + 6;
	cur.info.stats[KSTREAM_STAT_ERR_FULL] = 2;
	cur.info.stats[KSTREAM_STAT_MAX_LAG] = 77;
	/* the interval's deliveries: 10 fast, 1 slow */
	cur.lat[3] = 10;
	cur.lat[20] = 1;
	top_compute(&prev, &cur, 2.0, &row);
	assert_string_equal("imu", row.name);
	assert_near(100, row.msgs_s);
	assert_near(1000000, row.bytes_s);
	assert_near(200, row.dlvr_s);
	assert_near(3, row.lost_s);
	assert_near(0, row.drops_s);
	assert_near(1, row.errs_s);
	assert_int_equal(77, row.lag);
	assert_int_equal(440, row.lag_bytes);
	assert_int_equal(LAT_Q_OK, row.p99_state);
	/* rank 10.89 of 11: in bucket 20, not in the 20 old samples of bucket 10 */
	assert_near(1048576 + 1048576 * 0.89, row.p99_ns);
}

static void top_reset_and_new_topic(void **state)
{
	struct topic_stats prev, cur;
	struct top_row row;

	(void)state;
	imu(&prev);
	imu(&cur);
	prev.info.stats[KSTREAM_STAT_PUBLISHED] = 5000;
	cur.info.stats[KSTREAM_STAT_PUBLISHED] = 30;	/* reset since */
	prev.lat[10] = 1000;
	cur.lat[10] = 4;				/* reset since */
	top_compute(&prev, &cur, 1.0, &row);
	assert_near(30, row.msgs_s);
	assert_int_equal(LAT_Q_OK, row.p99_state);
	assert_near(1024 + 1024 * 0.99, row.p99_ns);

	/* no previous snapshot: everything since creation */
	top_compute(NULL, &cur, 0.5, &row);
	assert_near(60, row.msgs_s);

	/* nothing delivered in the interval: no p99 */
	top_compute(&cur, &cur, 1.0, &row);
	assert_int_equal(-ENODATA, row.p99_state);
	assert_near(0, row.msgs_s);
}

static void top_table(void **state)
{
	struct topic_stats prev, cur;
	struct top_row row;
	struct json j;
	struct out o;

	(void)state;
	imu(&prev);
	imu(&cur);
	cur.info.stats[KSTREAM_STAT_PUBLISHED] += 1500;
	cur.info.stats[KSTREAM_STAT_PUBLISHED_BYTES] += 3000000;
	cur.info.stats[KSTREAM_STAT_DELIVERED] += 3000;
	cur.lat[10] += 100;
	top_compute(&prev, &cur, 1.0, &row);
	out_open(&o);
	top_print_header(o.f, false);
	top_print_row(o.f, &row);
	assert_string_equal(
		"TOPIC                     MSG/S     MB/S     DLVR/S        LAG   DROP/S   LOST/S    ERR/S      P99\n"
		"imu                      1500.0     3.00     3000.0          5      0.0      0.0      0.0   2.04us\n",
		out_str(&o));
	out_close(&o);

	out_open(&o);
	json_init(&j, o.f);
	top_print_json(&j, &row);
	assert_int_equal(0, json_finish(&j));
	assert_string_equal(
		"{\"name\":\"imu\",\"msgs_per_s\":1500,\"bytes_per_s\":3000000,"
		"\"delivered_per_s\":3000,\"dropped_per_s\":0,\"lost_per_s\":0,"
		"\"errors_per_s\":0,\"max_lag\":5,\"max_lag_bytes\":440,\"readers\":2,"
		"\"writers\":1,\"p99_ns\":2038}", out_str(&o));
	out_close(&o);

	/* no deliveries: "-" */
	top_compute(&cur, &cur, 1.0, &row);
	out_open(&o);
	top_print_row(o.f, &row);
	assert_non_null(strstr(out_str(&o), "       -\n"));
	out_close(&o);
}

static void stats_set_find_by_name_and_id(void **state)
{
	struct stats_set set = { 0 };
	struct topic_stats *a, *b;
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		a = stats_set_add(&set);
		assert_non_null(a);
		snprintf(a->info.name, sizeof(a->info.name), "t%d", i);
		a->info.id = i;
		a->info.have = (1U << KSTREAM_A_TOPIC_NAME) | (1U << KSTREAM_A_TOPIC_ID);
	}
	assert_int_equal(20, set.n);
	b = &set.v[7];
	assert_ptr_equal(b, stats_set_find(&set, "t7", 7));
	assert_ptr_equal(b, stats_set_find(&set, "t7", -1));
	/* recreated under the same name: another id, another topic */
	assert_null(stats_set_find(&set, "t7", 8));
	assert_null(stats_set_find(&set, "nope", -1));
	stats_set_free(&set);
	assert_int_equal(0, set.n);
	assert_null(set.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_bounds),
		cmocka_unit_test(quantile_one_bucket_interpolates),
		cmocka_unit_test(quantile_two_buckets),
		cmocka_unit_test(quantile_like_histogram_quantile),
		cmocka_unit_test(quantile_bucket_zero_starts_at_zero),
		cmocka_unit_test(quantile_open_bucket_is_a_lower_bound),
		cmocka_unit_test(quantile_errors),
		cmocka_unit_test(total_saturates),
		cmocka_unit_test(format_durations),
		cmocka_unit_test(text_full),
		cmocka_unit_test(text_without_new_counters),
		cmocka_unit_test(text_no_deliveries),
		cmocka_unit_test(json_full),
		cmocka_unit_test(json_empty_histogram_is_null),
		cmocka_unit_test(documented_members_in_both_forms),
		cmocka_unit_test(topic_stat_names),
		cmocka_unit_test(deltas_and_resets),
		cmocka_unit_test(top_rates),
		cmocka_unit_test(top_reset_and_new_topic),
		cmocka_unit_test(top_table),
		cmocka_unit_test(stats_set_find_by_name_and_id),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
