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
#include "print.h"
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

/*
 * One printer (print.h) writes "streamctl stats" in both forms, so the
 * text and the JSON always hold the same members.
 */

static bool has(const struct topic_stats *s, int stat)
{
	return topic_has_stat(&s->info, stat);
}

static uint64_t st(const struct topic_stats *s, int stat)
{
	return s->info.stats[stat];
}

/* The counters printed so far, so that none is printed twice or missed. */
struct stats_pr {
	struct pr *p;
	const struct topic_stats *s;
	uint64_t done;
};

/* Counter stat as "key": v in JSON and fmt in text; true if present. */
static bool stat_pr(struct stats_pr *sp, int stat, int how, const char *fmt)
{
	if (!has(sp->s, stat))
		return false;
	sp->done |= 1ULL << stat;
	pr_u64(sp->p, how, topic_stat_name(stat), fmt, st(sp->s, stat));
	return true;
}

/*
 * A counter and its companion: "published 10 (640 bytes)"; the companion
 * alone (an odd kernel) as "published_bytes 640".
 */
static void stat_pair(struct stats_pr *sp, int stat, const char *fmt,
		      int bytes, const char *bytes_fmt)
{
	if (stat_pr(sp, stat, PR_ANY, fmt))
		stat_pr(sp, bytes, PR_ANY | PR_GLUE, bytes_fmt);
}

/* "published 10 (640 bytes) delivered 20 (1280 bytes)" */
static void stats_pr_traffic(struct stats_pr *sp)
{
	pr_line(sp->p, "    ");
	stat_pair(sp, KSTREAM_STAT_PUBLISHED, "published %" PRIu64,
		  KSTREAM_STAT_PUBLISHED_BYTES, " (%" PRIu64 " bytes)");
	stat_pair(sp, KSTREAM_STAT_DELIVERED, "delivered %" PRIu64,
		  KSTREAM_STAT_DELIVERED_BYTES, " (%" PRIu64 " bytes)");
	pr_eol(sp->p);
}

static const struct {
	int stat;
	const char *fmt;	/* in the text's list of errors */
} stats_errors[] = {
	{ KSTREAM_STAT_ERR_EMPTY, "empty %" PRIu64 },
	{ KSTREAM_STAT_ERR_TOO_BIG, "too_big %" PRIu64 },
	{ KSTREAM_STAT_ERR_FULL, "full %" PRIu64 },
	{ KSTREAM_STAT_ERR_INTR, "intr %" PRIu64 },
	{ KSTREAM_STAT_ERR_FAULT, "fault %" PRIu64 },
	{ KSTREAM_STAT_ERR_GONE, "gone %" PRIu64 },
};

#define NR_ERRORS (sizeof(stats_errors) / sizeof(stats_errors[0]))

/*
 * "dropped 12 (filter 1 sample 9 ratelimit 2) lost 3 denied 0
 *  errors 2 (empty 1 too_big 1 full 0 ...)"; the drop reasons need all
 * three, the total of errors is the text's.
 */
static void stats_pr_loss(struct stats_pr *sp)
{
	const struct topic_stats *s = sp->s;
	struct pr *p = sp->p;
	unsigned int i, n = 0;
	uint64_t total = 0;

	pr_line(p, "    ");
	if (stat_pr(sp, KSTREAM_STAT_DROPPED, PR_ANY, "dropped %" PRIu64) &&
	    has(s, KSTREAM_STAT_DROPPED_FILTER) &&
	    has(s, KSTREAM_STAT_DROPPED_SAMPLE) &&
	    has(s, KSTREAM_STAT_DROPPED_RATELIMIT)) {
		stat_pr(sp, KSTREAM_STAT_DROPPED_FILTER, PR_ANY, "(filter %" PRIu64);
		stat_pr(sp, KSTREAM_STAT_DROPPED_SAMPLE, PR_ANY, "sample %" PRIu64);
		stat_pr(sp, KSTREAM_STAT_DROPPED_RATELIMIT, PR_ANY,
			"ratelimit %" PRIu64 ")");
	}
	stat_pr(sp, KSTREAM_STAT_LOST, PR_ANY, "lost %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_DENIED, PR_ANY, "denied %" PRIu64);
	for (i = 0; i < NR_ERRORS; i++) {
		if (has(s, stats_errors[i].stat)) {
			total += st(s, stats_errors[i].stat);
			n++;
		}
	}
	if (n) {
		pr_text(p, 0, "errors %" PRIu64 " (", total);
		for (i = 0, n = 0; i < NR_ERRORS; i++)
			if (stat_pr(sp, stats_errors[i].stat,
				    PR_ANY | (n ? 0 : PR_GLUE), stats_errors[i].fmt))
				n++;
		pr_text(p, PR_GLUE, ")");
	}
	pr_eol(p);
}

/* "readers 2 writers 1 seq 0..9 ring 880/4194304 bytes (0.0%)" */
static void stats_pr_state(struct stats_pr *sp)
{
	const struct topic_stats *s = sp->s;
	const struct topic_info *t = &s->info;
	struct pr *p = sp->p;

	pr_line(p, "    ");
	stat_pr(sp, KSTREAM_STAT_READERS, PR_ANY, "readers %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_WRITERS, PR_ANY, "writers %" PRIu64);
	if (has(s, KSTREAM_STAT_HEAD_SEQ) && has(s, KSTREAM_STAT_TAIL_SEQ)) {
		uint64_t head = st(s, KSTREAM_STAT_HEAD_SEQ);
		uint64_t tail = st(s, KSTREAM_STAT_TAIL_SEQ);

		stat_pr(sp, KSTREAM_STAT_HEAD_SEQ, PR_JSON, NULL);
		stat_pr(sp, KSTREAM_STAT_TAIL_SEQ, PR_JSON, NULL);
		if (head > tail)
			pr_text(p, 0, "seq %" PRIu64 "..%" PRIu64, tail, head - 1);
		else
			pr_text(p, 0, "seq none (next %" PRIu64 ")", head);
	}
	if (stat_pr(sp, KSTREAM_STAT_RING_USED, PR_ANY, "ring %" PRIu64)) {
		if (topic_has(t, KSTREAM_A_TOPIC_RING_SIZE) && t->ring_size)
			pr_text(p, PR_GLUE, "/%" PRIu32 " bytes (%.1f%%)",
				t->ring_size,
				100.0 * (double)st(s, KSTREAM_STAT_RING_USED) /
				t->ring_size);
		else
			pr_text(p, PR_GLUE, " bytes");
	}
	pr_eol(p);
}

/* "producers 3 duplicates 5 gaps 1 evicted 0" (idempotent producers) */
static void stats_pr_producers(struct stats_pr *sp)
{
	if (!has(sp->s, KSTREAM_STAT_DROPPED_DUPLICATE))
		return;
	pr_line(sp->p, "    ");
	stat_pr(sp, KSTREAM_STAT_PRODUCERS, PR_ANY, "producers %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_DROPPED_DUPLICATE, PR_ANY, "duplicates %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_PRODUCER_GAPS, PR_ANY, "gaps %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_PRODUCERS_EVICTED, PR_ANY, "evicted %" PRIu64);
	pr_eol(sp->p);
}

/* "deadlettered 4 lost 1 received 0" (dead-letter topics) */
/* "deadlettered 4 lost 1 unrouted 0 received 0" (dead-letter topics) */
static void stats_pr_deadletter(struct stats_pr *sp)
{
	if (!has(sp->s, KSTREAM_STAT_DEADLETTERED))
		return;
	pr_line(sp->p, "    ");
	stat_pr(sp, KSTREAM_STAT_DEADLETTERED, PR_ANY, "deadlettered %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_DEADLETTER_LOST, PR_ANY, "lost %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_DROPPED_DEADLETTER, PR_ANY, "unrouted %" PRIu64);
	stat_pr(sp, KSTREAM_STAT_DEADLETTER_IN, PR_ANY, "received %" PRIu64);
	pr_eol(sp->p);
}

/* "max lag 12 (960 bytes)" */
static void stats_pr_lag(struct stats_pr *sp)
{
	pr_line(sp->p, "    ");
	stat_pair(sp, KSTREAM_STAT_MAX_LAG, "max lag %" PRIu64,
		  KSTREAM_STAT_MAX_LAG_BYTES, " (%" PRIu64 " bytes)");
	pr_eol(sp->p);
}

/*
 * Every counter the lines above did not print (one newer than this
 * layout, or the companion of an absent one), as "name value": a new
 * counter is in both forms without touching this file.
 */
static void stats_pr_others(struct stats_pr *sp)
{
	const char *name;
	int i;

	pr_line(sp->p, "    ");
	for (i = 0; i <= KSTREAM_STAT_MAX; i++) {
		name = topic_stat_name(i);
		if (!name || !has(sp->s, i) || (sp->done & (1ULL << i)))
			continue;
		pr_text(sp->p, 0, "%s %" PRIu64, name, st(sp->s, i));
		stat_pr(sp, i, PR_JSON, NULL);
	}
	pr_eol(sp->p);
}

/* "    latency p50 1.50us p99 12.0us p999 15.9us (20 samples)" */
static void stats_pr_latency(struct pr *p, const struct topic_stats *s)
{
	uint64_t total;
	unsigned int i;
	char buf[32];
	double ns;
	int r;

	if (!s->have_lat)
		return;
	total = lat_total(s->lat);
	pr_obj_start(p, "latency_ns");
	pr_line(p, "    ");
	pr_text(p, 0, "latency");
	if (!total)
		pr_text(p, 0, "none (no deliveries)");
	for (i = 0; i < STATS_NR_QUANTILES; i++) {
		r = lat_quantile(s->lat, stats_quantiles[i], &ns);
		if (r < 0) {
			pr_null(p, PR_JSON, stats_quantile_names[i], NULL);
			continue;
		}
		pr_u64(p, PR_JSON, stats_quantile_names[i], NULL,
		       (uint64_t)(ns + 0.5));
		format_ns(ns, r == LAT_Q_AT_LEAST, buf, sizeof(buf));
		pr_text(p, 0, "%s %s", stats_quantile_names[i], buf);
	}
	pr_u64(p, total ? PR_ANY : PR_JSON, "samples",
	       "(%" PRIu64 " samples)", total);
	pr_eol(p);
	pr_obj_end(p);
}

static int reader_has(const struct reader_stats *r, int attr)
{
	return r->have & (1U << attr) ? PR_ANY : PR_TEXT;
}

/* A table in text, an array of objects in JSON. */
static void stats_pr_readers(struct pr *p, const struct topic_stats *s)
{
	size_t i;

	if (!s->have_readers)
		return;
	pr_arr_start(p, "readers");
	pr_line(p, "    ");
	if (!s->nr_readers)
		pr_text(p, 0, "no readers");
	else
		pr_text(p, 0, "%-8s %-6s %12s %10s %10s %12s", "PID", "MAPPED",
			"DELIVERED", "LOST", "LAG", "LAG_BYTES");
	pr_eol(p);
	for (i = 0; i < s->nr_readers; i++) {
		const struct reader_stats *r = &s->readers[i];

		pr_obj_start(p, NULL);
		pr_line(p, "    ");
		pr_u64(p, reader_has(r, KSTREAM_READER_PID), "pid",
		       "%-8" PRIu64, r->pid);
		pr_bool(p, PR_ANY, "mapped", "%-6s", r->mapped);
		pr_u64(p, reader_has(r, KSTREAM_READER_DELIVERED), "delivered",
		       "%12" PRIu64, r->delivered);
		pr_u64(p, reader_has(r, KSTREAM_READER_LOST), "lost",
		       "%10" PRIu64, r->lost);
		pr_u64(p, reader_has(r, KSTREAM_READER_LAG), "lag",
		       "%10" PRIu64, r->lag);
		pr_u64(p, reader_has(r, KSTREAM_READER_LAG_BYTES), "lag_bytes",
		       "%12" PRIu64, r->lag_bytes);
		pr_eol(p);
		pr_obj_end(p);
	}
	pr_arr_end(p);
}

void stats_print(struct pr *p, const struct topic_stats *s)
{
	const struct topic_info *t = &s->info;
	struct stats_pr sp = { .p = p, .s = s };
	unsigned int i;

	pr_obj_start(p, NULL);
	topic_pr_config(p, t);
	topic_pr_acl(p, t);
	if (topic_has(t, KSTREAM_A_TOPIC_STATS) || s->have_lat) {
		pr_obj_start(p, "stats");
		stats_pr_traffic(&sp);
		stats_pr_loss(&sp);
		stats_pr_state(&sp);
		stats_pr_producers(&sp);
		stats_pr_deadletter(&sp);
		stats_pr_lag(&sp);
		stats_pr_others(&sp);
		if (s->have_lat) {
			pr_arr_start(p, "latency_histogram");
			for (i = 0; pr_json(p) && i < KSTREAM_LAT_BUCKETS; i++)
				json_u64(p->j, s->lat[i]);
			pr_arr_end(p);
		}
		pr_obj_end(p);
	}
	stats_pr_latency(p, s);
	stats_pr_readers(p, s);
	pr_obj_end(p);
}

void stats_print_text(FILE *f, const struct topic_stats *s)
{
	struct pr p;

	pr_init_text(&p, f);
	stats_print(&p, s);
}

void stats_print_json(struct json *j, const struct topic_stats *s)
{
	struct pr p;

	pr_init_json(&p, j);
	stats_print(&p, s);
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
