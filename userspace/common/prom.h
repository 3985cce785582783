/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition format (version 0.0.4) of kstream's
 * statistics, for node_exporter's textfile collector.  The tests check
 * the output with promtool check metrics (tests/promtool.h).
 *
 * Metrics (every sample but kstream_topics has a topic="<name>" label):
 *
 *   kstream_topics                             gauge
 *   kstream_published_messages_total           counter
 *   kstream_published_bytes_total              counter
 *   kstream_delivered_messages_total           counter
 *   kstream_delivered_bytes_total              counter
 *   kstream_dropped_messages_total             counter
 *   kstream_dropped_by_reason_total{reason=...} counter; reason is filter,
 *                                              sample, ratelimit or
 *                                              deadletter
 *   kstream_duplicate_messages_total           counter
 *   kstream_producer_gaps_total                counter
 *   kstream_producers_evicted_total            counter
 *   kstream_producers                          gauge
 *   kstream_deadletter_messages_total          counter
 *   kstream_deadletter_lost_total              counter
 *   kstream_deadletter_received_total          counter
 *   kstream_lost_messages_total                counter
 *   kstream_publish_errors_total{kind=...}     counter; kind is empty,
 *                                              too_big, full, intr,
 *                                              fault or gone
 *   kstream_denied_total                       counter
 *   kstream_readers, kstream_writers           gauges
 *   kstream_ring_size_bytes                    gauge
 *   kstream_ring_used_bytes                    gauge
 *   kstream_head_seq, kstream_tail_seq         gauges
 *   kstream_max_lag_messages                   gauge
 *   kstream_max_lag_bytes                      gauge
 *   kstream_delivery_latency_seconds           histogram
 *
 * The histogram has one bucket per finite log2 bucket of the kernel's:
 * le = 2^(i+1) ns for i = 0 .. KSTREAM_LAT_BUCKETS - 2, written as an
 * exact decimal number of seconds ("0.000001024"), then le="+Inf" (which
 * also holds the kernel's open-ended last bucket), all cumulative.
 * _count is the number of deliveries.  The kernel does not keep the sum
 * of the latencies: _sum is estimated from the middle of each bucket (1 ns
 * for bucket 0, 2^(KSTREAM_LAT_BUCKETS - 1) ns for the last), which the
 * HELP line says.  Families no topic has a value for are left out.
 */
#ifndef KSTREAM_PROM_H
#define KSTREAM_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

/* A label value: '\' -> "\\", '"' -> "\"", newline -> "\n". */
void prom_write_label_value(FILE *f, const char *s);

/* A HELP docstring: '\' -> "\\", newline -> "\n". */
void prom_write_help(FILE *f, const char *s);

/* ns nanoseconds as an exact decimal number of seconds: 1024 -> "0.000001024". */
void prom_format_seconds(uint64_t ns, char *buf, size_t len);

/* The upper bound (le) of histogram bucket i, as prom_format_seconds(). */
void prom_format_le(unsigned int i, char *buf, size_t len);

/* The estimated sum of the histogram's latencies, seconds (see above). */
double prom_latency_sum(const uint64_t *h);

/* Every metric of topics t[0..n), grouped by family. */
void prom_write(FILE *f, const struct topic_stats *t, size_t n);

/*
 * The family that exports statistic @stat (a KSTREAM_STAT_*), or NULL.
 * Every statistic of the uapi has one but the pad and the histogram
 * (kstream_delivery_latency_seconds); a unit test holds that, so a new
 * statistic cannot be left out of Prometheus' view.
 */
const char *prom_stat_family(int stat);

#endif /* KSTREAM_PROM_H */
