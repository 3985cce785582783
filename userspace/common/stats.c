// SPDX-License-Identifier: GPL-2.0
/*
 * Topic statistics: histogram quantiles, text/JSON formats, top's rates;
 * see stats.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "stats.h"

_Static_assert(KSTREAM_READER_MAX < 32, "reader_stats.have is 32 bits");
_Static_assert(KSTREAM_LAT_BUCKETS <= 63, "bucket bounds fit a u64");

const double stats_quantiles[STATS_NR_QUANTILES] = { 0.5, 0.99, 0.999 };
const char *const stats_quantile_names[STATS_NR_QUANTILES] = {
	"p50", "p99", "p999",
};

void topic_stats_free(struct topic_stats *s)
{
	free(s->readers);
	memset(s, 0, sizeof(*s));
}

int topic_stats_add_reader(struct topic_stats *s, const struct reader_stats *r)
{
	struct reader_stats *v;

	v = realloc(s->readers, (s->nr_readers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[s->nr_readers++] = *r;
	s->readers = v;
	return 0;
}

struct topic_stats *stats_set_add(struct stats_set *set)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 8;
		struct topic_stats *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		set->v = v;
		set->cap = cap;
	}
	memset(&set->v[set->n], 0, sizeof(set->v[0]));
	return &set->v[set->n++];
}

const struct topic_stats *stats_set_find(const struct stats_set *set,
					 const char *name, int64_t id)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct topic_info *t = &set->v[i].info;

		if (strcmp(t->name, name))
			continue;
		if (id >= 0 && topic_has(t, KSTREAM_A_TOPIC_ID) &&
		    t->id != (uint64_t)id)
			continue;
		return &set->v[i];
	}
	return NULL;
}

void stats_set_free(struct stats_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		topic_stats_free(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* ------------------------------------------------------- histogram */

uint64_t lat_bucket_lo(unsigned int i)
{
	return i ? UINT64_C(1) << i : 0;
}

uint64_t lat_bucket_hi(unsigned int i)
{
	if (i >= KSTREAM_LAT_BUCKETS - 1)
		return UINT64_MAX;
	return UINT64_C(1) << (i + 1);
}

uint64_t lat_total(const uint64_t *h)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
		sum = h[i] > UINT64_MAX - sum ? UINT64_MAX : sum + h[i];
	return sum;
}

int lat_quantile(const uint64_t *h, double q, double *ns)
{
	double rank, below = 0, lo, hi;
	unsigned int i;

	if (!(q > 0 && q <= 1))
		return -EINVAL;
	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
		below += (double)h[i];
	if (below == 0)
		return -ENODATA;
	rank = q * below;
	below = 0;
	for (i = 0; i < KSTREAM_LAT_BUCKETS - 1; i++) {
		double n = (double)h[i];

		if (below + n >= rank && n > 0)
			break;
		below += n;
	}
	lo = (double)lat_bucket_lo(i);
	if (i == KSTREAM_LAT_BUCKETS - 1) {
		*ns = lo;
		return LAT_Q_AT_LEAST;
	}
	hi = (double)lat_bucket_hi(i);
	*ns = lo + (hi - lo) * ((rank - below) / (double)h[i]);
	return LAT_Q_OK;
}

void format_ns(double ns, bool at_least, char *buf, size_t len)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	const char *pre = at_least ? ">=" : "";
	unsigned int u = 0;
	double v = ns < 0 ? 0 : ns;

	/* Move up while the value would print as 1000 or more. */
	while (u < 3 && v >= 999.5) {
		v /= 1000;
		u++;
	}
	if (u == 0 || v >= 99.95)
		snprintf(buf, len, "%s%.0f%s", pre, v, units[u]);
	else if (v >= 9.995)
		snprintf(buf, len, "%s%.1f%s", pre, v, units[u]);
	else
		snprintf(buf, len, "%s%.2f%s", pre, v, units[u]);
}

/* ------------------------------------------------------------ formats */

static bool has(const struct topic_stats *s, int stat)
{
	return topic_has_stat(&s->info, stat);
}

static uint64_t st(const struct topic_stats *s, int stat)
{
	return s->info.stats[stat];
}

static void stats_text_config(FILE *f, const struct topic_stats *s)
{
	const struct topic_info *t = &s->info;
	const char *policy;
	char buf[32];

	fprintf(f, "%s:", t->name);
	if (topic_has(t, KSTREAM_A_TOPIC_ID))
		fprintf(f, " id %" PRIu32, t->id);
	if (topic_has(t, KSTREAM_A_TOPIC_POLICY)) {
		policy = topic_policy_name(t->policy);
		if (policy)
			fprintf(f, " policy %s", policy);
		else
			fprintf(f, " policy %" PRIu32, t->policy);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_RING_SIZE)) {
		format_size(t->ring_size, buf, sizeof(buf));
		fprintf(f, " size %s", buf);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_MSG_MAX)) {
		format_size(t->msg_max, buf, sizeof(buf));
		fprintf(f, " msgmax %s", buf);
	}
	fputc('\n', f);
}

/*
 * The lines of the text format are "    key value key value ...": kv()
 * prints the indent before the first pair, a space before the others.
 */
struct line {
	FILE *f;
	bool started;
};

__attribute__((format(printf, 2, 3)))
static void kv(struct line *l, const char *fmt, ...)
{
	va_list ap;

	fputs(l->started ? " " : "    ", l->f);
	l->started = true;
	va_start(ap, fmt);
	vfprintf(l->f, fmt, ap);
	va_end(ap);
}

static void line_end(struct line *l)
{
	if (l->started)
		fputc('\n', l->f);
	l->started = false;
}

/* "published 10 (640 bytes) delivered 20 (1280 bytes)" */
static void stats_text_traffic(struct line *l, const struct topic_stats *s)
{
	if (has(s, KSTREAM_STAT_PUBLISHED)) {
		kv(l, "published %" PRIu64, st(s, KSTREAM_STAT_PUBLISHED));
		if (has(s, KSTREAM_STAT_PUBLISHED_BYTES))
			fprintf(l->f, " (%" PRIu64 " bytes)",
				st(s, KSTREAM_STAT_PUBLISHED_BYTES));
	}
	if (has(s, KSTREAM_STAT_DELIVERED)) {
		kv(l, "delivered %" PRIu64, st(s, KSTREAM_STAT_DELIVERED));
		if (has(s, KSTREAM_STAT_DELIVERED_BYTES))
			fprintf(l->f, " (%" PRIu64 " bytes)",
				st(s, KSTREAM_STAT_DELIVERED_BYTES));
	}
	line_end(l);
}

static const struct {
	int stat;
	const char *name;
} stats_errors[] = {
	{ KSTREAM_STAT_ERR_EMPTY, "empty" },
	{ KSTREAM_STAT_ERR_TOO_BIG, "too_big" },
	{ KSTREAM_STAT_ERR_FULL, "full" },
	{ KSTREAM_STAT_ERR_INTR, "intr" },
	{ KSTREAM_STAT_ERR_FAULT, "fault" },
	{ KSTREAM_STAT_ERR_GONE, "gone" },
};

#define NR_ERRORS (sizeof(stats_errors) / sizeof(stats_errors[0]))

/* "dropped 0 lost 3 errors 2 (empty 1 too_big 1 full 0 ...)" */
static void stats_text_loss(struct line *l, const struct topic_stats *s)
{
	const char *sep = "";
	uint64_t total = 0;
	unsigned int i, n = 0;

	if (has(s, KSTREAM_STAT_DROPPED))
		kv(l, "dropped %" PRIu64, st(s, KSTREAM_STAT_DROPPED));
	if (has(s, KSTREAM_STAT_LOST))
		kv(l, "lost %" PRIu64, st(s, KSTREAM_STAT_LOST));
	for (i = 0; i < NR_ERRORS; i++) {
		if (has(s, stats_errors[i].stat)) {
			total += st(s, stats_errors[i].stat);
			n++;
		}
	}
	if (n) {
		kv(l, "errors %" PRIu64 " (", total);
		for (i = 0; i < NR_ERRORS; i++) {
			if (!has(s, stats_errors[i].stat))
				continue;
			fprintf(l->f, "%s%s %" PRIu64, sep, stats_errors[i].name,
				st(s, stats_errors[i].stat));
			sep = " ";
		}
		fputc(')', l->f);
	}
	line_end(l);
}

/* "readers 2 writers 1 seq 0..9 ring 880/4194304 bytes (0.0%)" */
static void stats_text_state(struct line *l, const struct topic_stats *s)
{
	const struct topic_info *t = &s->info;

	if (has(s, KSTREAM_STAT_READERS))
		kv(l, "readers %" PRIu64, st(s, KSTREAM_STAT_READERS));
	if (has(s, KSTREAM_STAT_WRITERS))
		kv(l, "writers %" PRIu64, st(s, KSTREAM_STAT_WRITERS));
	if (has(s, KSTREAM_STAT_HEAD_SEQ) && has(s, KSTREAM_STAT_TAIL_SEQ)) {
		uint64_t head = st(s, KSTREAM_STAT_HEAD_SEQ);
		uint64_t tail = st(s, KSTREAM_STAT_TAIL_SEQ);

		if (head > tail)
			kv(l, "seq %" PRIu64 "..%" PRIu64, tail, head - 1);
		else
			kv(l, "seq none (next %" PRIu64 ")", head);
	}
	if (has(s, KSTREAM_STAT_RING_USED)) {
		kv(l, "ring %" PRIu64, st(s, KSTREAM_STAT_RING_USED));
		if (topic_has(t, KSTREAM_A_TOPIC_RING_SIZE) && t->ring_size)
			fprintf(l->f, "/%" PRIu32 " bytes (%.1f%%)", t->ring_size,
				100.0 * (double)st(s, KSTREAM_STAT_RING_USED) /
				t->ring_size);
		else
			fputs(" bytes", l->f);
	}
	line_end(l);
}

/* "producers 3 duplicates 5 gaps 1 evicted 0" (idempotent producers) */
static void stats_text_producers(struct line *l, const struct topic_stats *s)
{
	if (!has(s, KSTREAM_STAT_DROPPED_DUPLICATE))
		return;
	if (has(s, KSTREAM_STAT_PRODUCERS))
		kv(l, "producers %" PRIu64, st(s, KSTREAM_STAT_PRODUCERS));
	kv(l, "duplicates %" PRIu64, st(s, KSTREAM_STAT_DROPPED_DUPLICATE));
	if (has(s, KSTREAM_STAT_PRODUCER_GAPS))
		kv(l, "gaps %" PRIu64, st(s, KSTREAM_STAT_PRODUCER_GAPS));
	if (has(s, KSTREAM_STAT_PRODUCERS_EVICTED))
		kv(l, "evicted %" PRIu64, st(s, KSTREAM_STAT_PRODUCERS_EVICTED));
	line_end(l);
}

/* "deadlettered 4 lost 1 received 0" (dead-letter topics) */
static void stats_text_deadletter(struct line *l, const struct topic_stats *s)
{
	if (!has(s, KSTREAM_STAT_DEADLETTERED))
		return;
	kv(l, "deadlettered %" PRIu64, st(s, KSTREAM_STAT_DEADLETTERED));
	if (has(s, KSTREAM_STAT_DEADLETTER_LOST))
		kv(l, "lost %" PRIu64, st(s, KSTREAM_STAT_DEADLETTER_LOST));
	if (has(s, KSTREAM_STAT_DROPPED_DEADLETTER))
		kv(l, "unrouted %" PRIu64, st(s, KSTREAM_STAT_DROPPED_DEADLETTER));
	if (has(s, KSTREAM_STAT_DEADLETTER_IN))
		kv(l, "received %" PRIu64, st(s, KSTREAM_STAT_DEADLETTER_IN));
	line_end(l);
}

/* "max lag 12 (960 bytes)" */
static void stats_text_lag(struct line *l, const struct topic_stats *s)
{
	if (!has(s, KSTREAM_STAT_MAX_LAG))
		return;
	kv(l, "max lag %" PRIu64, st(s, KSTREAM_STAT_MAX_LAG));
	if (has(s, KSTREAM_STAT_MAX_LAG_BYTES))
		fprintf(l->f, " (%" PRIu64 " bytes)", st(s, KSTREAM_STAT_MAX_LAG_BYTES));
	line_end(l);
}

/* "    latency p50 1.50us p99 12.0us p999 15.9us (20 samples)" */
static void stats_text_latency(FILE *f, const struct topic_stats *s)
{
	uint64_t total;
	unsigned int i;
	char buf[32];
	double ns;

	if (!s->have_lat)
		return;
	total = lat_total(s->lat);
	if (!total) {
		fputs("    latency none (no deliveries)\n", f);
		return;
	}
	fputs("    latency", f);
	for (i = 0; i < STATS_NR_QUANTILES; i++) {
		int r = lat_quantile(s->lat, stats_quantiles[i], &ns);

		format_ns(ns, r == LAT_Q_AT_LEAST, buf, sizeof(buf));
		fprintf(f, " %s %s", stats_quantile_names[i], buf);
	}
	fprintf(f, " (%" PRIu64 " samples)\n", total);
}

static void stats_text_readers(FILE *f, const struct topic_stats *s)
{
	size_t i;

	if (!s->have_readers)
		return;
	if (!s->nr_readers) {
		fputs("    no readers\n", f);
		return;
	}
	fprintf(f, "    %-8s %-6s %12s %10s %10s %12s\n", "PID", "MAPPED",
		"DELIVERED", "LOST", "LAG", "LAG_BYTES");
	for (i = 0; i < s->nr_readers; i++) {
		const struct reader_stats *r = &s->readers[i];

		fprintf(f, "    %-8" PRIu32 " %-6s %12" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %12" PRIu64 "\n", r->pid,
			r->mapped ? "yes" : "no", r->delivered, r->lost, r->lag,
			r->lag_bytes);
	}
}

void stats_print_text(FILE *f, const struct topic_stats *s)
{
	struct line l = { .f = f };

	stats_text_config(f, s);
	stats_text_traffic(&l, s);
	stats_text_loss(&l, s);
	stats_text_state(&l, s);
	stats_text_producers(&l, s);
	stats_text_deadletter(&l, s);
	stats_text_lag(&l, s);
	stats_text_latency(f, s);
	stats_text_readers(f, s);
}

static void stats_json_latency(struct json *j, const struct topic_stats *s)
{
	uint64_t total = lat_total(s->lat);
	unsigned int i;
	double ns;

	json_key(j, "latency_ns");
	json_obj_start(j);
	for (i = 0; i < STATS_NR_QUANTILES; i++) {
		json_key(j, stats_quantile_names[i]);
		if (lat_quantile(s->lat, stats_quantiles[i], &ns) < 0)
			json_null(j);
		else
			json_u64(j, (uint64_t)(ns + 0.5));
	}
	json_kv_u64(j, "samples", total);
	json_obj_end(j);
}

static void stats_json_readers(struct json *j, const struct topic_stats *s)
{
	size_t i;

	json_key(j, "readers");
	json_arr_start(j);
	for (i = 0; i < s->nr_readers; i++) {
		const struct reader_stats *r = &s->readers[i];

		json_obj_start(j);
		if (r->have & (1U << KSTREAM_READER_PID))
			json_kv_u64(j, "pid", r->pid);
		json_kv_bool(j, "mapped", r->mapped);
		if (r->have & (1U << KSTREAM_READER_DELIVERED))
			json_kv_u64(j, "delivered", r->delivered);
		if (r->have & (1U << KSTREAM_READER_LOST))
			json_kv_u64(j, "lost", r->lost);
		if (r->have & (1U << KSTREAM_READER_LAG))
			json_kv_u64(j, "lag", r->lag);
		if (r->have & (1U << KSTREAM_READER_LAG_BYTES))
			json_kv_u64(j, "lag_bytes", r->lag_bytes);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void stats_print_json(struct json *j, const struct topic_stats *s)
{
	const struct topic_info *t = &s->info;
	unsigned int i;
	char buf[32];
	const char *policy;

	json_obj_start(j);
	json_kv_str(j, "name", t->name);
	if (topic_has(t, KSTREAM_A_TOPIC_ID))
		json_kv_u64(j, "id", t->id);
	if (topic_has(t, KSTREAM_A_TOPIC_RING_SIZE))
		json_kv_u64(j, "ring_size", t->ring_size);
	if (topic_has(t, KSTREAM_A_TOPIC_MSG_MAX))
		json_kv_u64(j, "msg_max", t->msg_max);
	if (topic_has(t, KSTREAM_A_TOPIC_POLICY)) {
		policy = topic_policy_name(t->policy);
		if (!policy) {
			snprintf(buf, sizeof(buf), "%" PRIu32, t->policy);
			policy = buf;
		}
		json_kv_str(j, "policy", policy);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_MODE)) {
		snprintf(buf, sizeof(buf), "%04" PRIo32, t->mode);
		json_kv_str(j, "mode", buf);
	}
	if (topic_has(t, KSTREAM_A_TOPIC_UID))
		json_kv_u64(j, "uid", t->uid);
	if (topic_has(t, KSTREAM_A_TOPIC_GID))
		json_kv_u64(j, "gid", t->gid);
	if (topic_has(t, KSTREAM_A_TOPIC_STATS) || s->have_lat) {
		json_key(j, "stats");
		json_obj_start(j);
		for (i = 0; i <= KSTREAM_STAT_MAX; i++)
			if (topic_stat_name(i) && topic_has_stat(t, i))
				json_kv_u64(j, topic_stat_name(i), t->stats[i]);
		if (s->have_lat) {
			json_key(j, "latency_histogram");
			json_arr_start(j);
			for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
				json_u64(j, s->lat[i]);
			json_arr_end(j);
		}
		json_obj_end(j);
	}
	if (s->have_lat)
		stats_json_latency(j, s);
	if (s->have_readers)
		stats_json_readers(j, s);
	json_obj_end(j);
}

/* ---------------------------------------------------------------- top */

uint64_t counter_delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

static double rate(const struct topic_stats *prev, const struct topic_stats *cur,
		   int stat, double dt)
{
	uint64_t p = prev ? prev->info.stats[stat] : 0;

	return (double)counter_delta(p, cur->info.stats[stat]) / dt;
}

/* The deliveries of the interval; a bucket that went down means a reset. */
static void lat_delta(const struct topic_stats *prev,
		      const struct topic_stats *cur, uint64_t *out)
{
	bool reset = !prev || !prev->have_lat;
	unsigned int i;

	for (i = 0; !reset && i < KSTREAM_LAT_BUCKETS; i++)
		reset = cur->lat[i] < prev->lat[i];
	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++)
		out[i] = reset ? cur->lat[i] : cur->lat[i] - prev->lat[i];
}

void top_compute(const struct topic_stats *prev, const struct topic_stats *cur,
		 double dt, struct top_row *row)
{
	uint64_t lat[KSTREAM_LAT_BUCKETS];
	unsigned int i;

	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", cur->info.name);
	if (!(dt > 0))
		dt = 1;
	row->msgs_s = rate(prev, cur, KSTREAM_STAT_PUBLISHED, dt);
	row->bytes_s = rate(prev, cur, KSTREAM_STAT_PUBLISHED_BYTES, dt);
	row->dlvr_s = rate(prev, cur, KSTREAM_STAT_DELIVERED, dt);
	row->drops_s = rate(prev, cur, KSTREAM_STAT_DROPPED, dt);
	row->lost_s = rate(prev, cur, KSTREAM_STAT_LOST, dt);
	for (i = 0; i < NR_ERRORS; i++)
		row->errs_s += rate(prev, cur, stats_errors[i].stat, dt);
	row->lag = cur->info.stats[KSTREAM_STAT_MAX_LAG];
	row->lag_bytes = cur->info.stats[KSTREAM_STAT_MAX_LAG_BYTES];
	row->readers = cur->info.stats[KSTREAM_STAT_READERS];
	row->writers = cur->info.stats[KSTREAM_STAT_WRITERS];
	if (!cur->have_lat) {
		row->p99_state = -ENODATA;
		return;
	}
	lat_delta(prev, cur, lat);
	row->p99_state = lat_quantile(lat, 0.99, &row->p99_ns);
}

#define TOP_FMT_HDR "%-20s %10s %8s %10s %10s %8s %8s %8s %8s"

void top_print_header(FILE *f, bool ansi)
{
	if (ansi)
		fputs("\033[1m", f);
	fprintf(f, TOP_FMT_HDR, "TOPIC", "MSG/S", "MB/S", "DLVR/S", "LAG",
		"DROP/S", "LOST/S", "ERR/S", "P99");
	if (ansi)
		fputs("\033[0m", f);
	fputc('\n', f);
}

void top_print_row(FILE *f, const struct top_row *row)
{
	char p99[32] = "-";

	if (row->p99_state >= 0)
		format_ns(row->p99_ns, row->p99_state == LAT_Q_AT_LEAST, p99,
			  sizeof(p99));
	fprintf(f, "%-20s %10.1f %8.2f %10.1f %10" PRIu64 " %8.1f %8.1f %8.1f %8s\n",
		row->name, row->msgs_s, row->bytes_s / 1e6, row->dlvr_s,
		row->lag, row->drops_s, row->lost_s, row->errs_s, p99);
}

/* A rate as an integer count per second, rounded (JSON has integers only). */
static void json_kv_rate(struct json *j, const char *key, double v)
{
	json_kv_u64(j, key, v > 0 ? (uint64_t)(v + 0.5) : 0);
}

void top_print_json(struct json *j, const struct top_row *row)
{
	json_obj_start(j);
	json_kv_str(j, "name", row->name);
	json_kv_rate(j, "msgs_per_s", row->msgs_s);
	json_kv_rate(j, "bytes_per_s", row->bytes_s);
	json_kv_rate(j, "delivered_per_s", row->dlvr_s);
	json_kv_rate(j, "dropped_per_s", row->drops_s);
	json_kv_rate(j, "lost_per_s", row->lost_s);
	json_kv_rate(j, "errors_per_s", row->errs_s);
	json_kv_u64(j, "max_lag", row->lag);
	json_kv_u64(j, "max_lag_bytes", row->lag_bytes);
	json_kv_u64(j, "readers", row->readers);
	json_kv_u64(j, "writers", row->writers);
	json_key(j, "p99_ns");
	if (row->p99_state < 0)
		json_null(j);
	else
		json_u64(j, (uint64_t)(row->p99_ns + 0.5));
	json_obj_end(j);
}
