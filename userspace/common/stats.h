/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topic statistics as the tools see them: the counters of a topic, its
 * latency histogram and its readers (KSTREAM_CMD_TOPIC_GET), quantiles of
 * the histogram, the text and JSON formats of "streamctl stats", and the
 * rates "streamctl top" shows.  No netlink here, so it can be unit tested.
 *
 * Quantiles
 * =========
 *
 * Bucket i of the log2 histogram (KSTREAM_STAT_LATENCY) counts deliveries
 * that took [2^i, 2^(i+1)) ns; bucket 0 also counts 0 and 1 ns and the
 * last one everything longer.  lat_quantile() works exactly like
 * Prometheus' histogram_quantile() on the buckets "streamctl stats
 * --prometheus" exports, so the command line and a dashboard agree:
 *
 *   - the rank of quantile q is q * total (not rounded);
 *   - the bucket holding it is the first whose cumulative count reaches
 *     the rank;
 *   - the value is interpolated linearly inside that bucket, between its
 *     lower bound (0 for bucket 0, 2^i otherwise) and its upper bound
 *     2^(i+1), by the fraction of the bucket's count below the rank;
 *   - in the last, open-ended bucket there is nothing to interpolate
 *     towards: the value is its lower bound, 2^(KSTREAM_LAT_BUCKETS - 1)
 *     ns, and lat_quantile() says so (LAT_Q_AT_LEAST).
 *
 * The error is at most the width of one bucket (a factor of two), and
 * interpolation assumes deliveries are spread evenly inside a bucket.
 */
#ifndef KSTREAM_STATS_H
#define KSTREAM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kstream.h>

#include "json.h"
#include "print.h"
#include "topic.h"

/* One reader fd of a topic (KSTREAM_A_TOPIC_READERS). */
struct reader_stats {
	uint32_t pid;
	bool mapped;
	uint64_t delivered;
	uint64_t lost;
	uint64_t lag;
	uint64_t lag_bytes;
	uint32_t have;		/* bit 1 << KSTREAM_READER_* per attribute */
};

struct topic_stats {
	struct topic_info info;		/* configuration and u64 counters */
	uint64_t lat[KSTREAM_LAT_BUCKETS];	/* KSTREAM_STAT_LATENCY */
	bool have_lat;
	bool have_readers;		/* KSTREAM_A_TOPIC_READERS was sent */
	size_t nr_readers;
	struct reader_stats *readers;	/* malloc()ed, nr_readers of them */
};

/* Free what *s owns (its readers) and clear it. */
void topic_stats_free(struct topic_stats *s);

/* Append a reader to s->readers; 0 or -ENOMEM. */
int topic_stats_add_reader(struct topic_stats *s, const struct reader_stats *r);

/* A growable array of topics (a dump), in the order they came. */
struct stats_set {
	struct topic_stats *v;
	size_t n, cap;
};

/* A new, zeroed element at the end; NULL if out of memory. */
struct topic_stats *stats_set_add(struct stats_set *set);
/* The topic named name with id id (any id if id < 0), or NULL. */
const struct topic_stats *stats_set_find(const struct stats_set *set,
					 const char *name, int64_t id);
void stats_set_free(struct stats_set *set);

/* ------------------------------------------------------- histogram */

/* Lower and upper bound of bucket i in ns (upper: UINT64_MAX for the last). */
uint64_t lat_bucket_lo(unsigned int i);
uint64_t lat_bucket_hi(unsigned int i);

/* Sum of the buckets (saturating). */
uint64_t lat_total(const uint64_t *h);

enum {
	LAT_Q_OK = 0,		/* *ns is the interpolated quantile */
	LAT_Q_AT_LEAST = 1,	/* in the open-ended last bucket: *ns is its lower bound */
};

/*
 * Quantile q (0 < q <= 1) of the histogram h[KSTREAM_LAT_BUCKETS], in ns,
 * as described at the top of this file.  Returns LAT_Q_OK or
 * LAT_Q_AT_LEAST, -ENODATA if the histogram is empty, -EINVAL if q is out
 * of range.
 */
int lat_quantile(const uint64_t *h, double q, double *ns);

/*
 * A duration for people: three significant digits and a unit, "850ns",
 * "12.3us", "1.50ms", "2.05s"; with at_least, prefixed by ">=".
 */
void format_ns(double ns, bool at_least, char *buf, size_t len);

/* The quantiles streamctl reports. */
#define STATS_NR_QUANTILES 3
extern const double stats_quantiles[STATS_NR_QUANTILES];	/* .5 .99 .999 */
extern const char *const stats_quantile_names[STATS_NR_QUANTILES]; /* p50 p99 p999 */

/* ------------------------------------------------------------ formats */

/*
 * "streamctl stats" for one topic, in the form p writes (print.h): one
 * printer for both, so the text and the JSON hold the same members.
 *
 * Text: the configuration line and the ACL line of "topic show"
 * (topic_pr_config(), topic_pr_acl()), then the counters, ring fill, lag
 * and latency quantiles on lines of their own, and the table of readers
 * when s->have_readers.  Absent counters are left out; a counter this
 * layout does not place (a newer one) is printed as "name value" on a
 * line of its own.
 *
 * JSON: one object with the members of topic_print_json() (configuration,
 * "acl", and every counter in "stats", named by topic_stat_name()), plus
 * "stats"."latency_histogram" (the raw buckets), "latency_ns" (p50, p99,
 * p999 as integer ns, null when there were no deliveries, and "samples"),
 * and "readers", an array of reader objects (pid, mapped, delivered, lost,
 * lag, lag_bytes) when s->have_readers.
 */
void stats_print(struct pr *p, const struct topic_stats *s);

/* stats_print() to a text stream, or as a JSON value. */
void stats_print_text(FILE *f, const struct topic_stats *s);
void stats_print_json(struct json *j, const struct topic_stats *s);

/* ---------------------------------------------------------------- top */

/* One line of "streamctl top": rates over the interval before cur. */
struct top_row {
	char name[KSTREAM_NAME_MAX];
	double msgs_s;		/* published messages per second */
	double bytes_s;		/* published payload bytes per second */
	double dlvr_s;		/* delivered messages per second */
	double drops_s;		/* dropped by the ingress verdict, per second */
	double lost_s;		/* lost by readers, per second */
	double errs_s;		/* publish errors of every kind, per second */
	uint64_t lag;		/* max lag now, messages */
	uint64_t lag_bytes;	/* max lag now, bytes */
	uint64_t readers, writers;
	int p99_state;		/* lat_quantile() of the interval's deliveries */
	double p99_ns;
};

/*
 * An increase of a counter between two snapshots; a counter that went
 * down was reset (stats reset, or the topic was recreated) and counts
 * from zero: the increase is cur.
 */
uint64_t counter_delta(uint64_t prev, uint64_t cur);

/*
 * The row of topic cur over dt seconds (dt > 0) since prev, its previous
 * snapshot (NULL if the topic is new: counts from zero).  The p99 is that
 * of the deliveries of the interval (the difference of the histograms).
 */
void top_compute(const struct topic_stats *prev, const struct topic_stats *cur,
		 double dt, struct top_row *row);

/* The header and a row of top's table; ansi: bold header. */
void top_print_header(FILE *f, bool ansi);
void top_print_row(FILE *f, const struct top_row *row);
/* A row as one JSON object (streamctl -j top). */
void top_print_json(struct json *j, const struct top_row *row);

#endif /* KSTREAM_STATS_H */
