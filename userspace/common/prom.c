// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition format of kstream's statistics; see prom.h.
 * The tests check what it writes with promtool (tests/promtool.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* ------------------------------------------------------------- writer */

void prom_write_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void prom_write_help(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void prom_format_seconds(uint64_t ns, char *buf, size_t len)
{
	uint64_t sec = ns / 1000000000, frac = ns % 1000000000;
	int digits = 9;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64, sec);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64, sec, digits, frac);
}

void prom_format_le(unsigned int i, char *buf, size_t len)
{
	prom_format_seconds(lat_bucket_hi(i), buf, len);
}

double prom_latency_sum(const uint64_t *h)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < KSTREAM_LAT_BUCKETS; i++) {
		double mid;

		if (i == KSTREAM_LAT_BUCKETS - 1)
			mid = (double)lat_bucket_lo(i);
		else
			mid = ((double)lat_bucket_lo(i) + (double)lat_bucket_hi(i)) / 2;
		sum += (double)h[i] * mid;
	}
	return sum / 1e9;
}

enum prom_src {
	SRC_STAT,		/* info.stats[arg] */
	SRC_RING_SIZE,		/* info.ring_size */
	SRC_LABELLED,		/* several stats, one series each (parts) */
	SRC_LATENCY,		/* the histogram */
};

/* One series of a labelled family: the statistic and its label value. */
struct prom_part {
	int stat;
	const char *value;
};

static const struct prom_part prom_errors[] = {
	{ KSTREAM_STAT_ERR_EMPTY, "empty" },
	{ KSTREAM_STAT_ERR_TOO_BIG, "too_big" },
	{ KSTREAM_STAT_ERR_FULL, "full" },
	{ KSTREAM_STAT_ERR_INTR, "intr" },
	{ KSTREAM_STAT_ERR_FAULT, "fault" },
	{ KSTREAM_STAT_ERR_GONE, "gone" },
	{ 0 }
};

static const struct prom_part prom_drop_reasons[] = {
	{ KSTREAM_STAT_DROPPED_FILTER, "filter" },
	{ KSTREAM_STAT_DROPPED_SAMPLE, "sample" },
	{ KSTREAM_STAT_DROPPED_RATELIMIT, "ratelimit" },
	{ KSTREAM_STAT_DROPPED_DEADLETTER, "deadletter" },
	{ 0 }
};

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	enum prom_src src;
	int arg;			/* SRC_STAT */
	const char *label;		/* SRC_LABELLED: the label's name ... */
	const struct prom_part *parts;	/* ... and its series, { 0 } ended */
};

static const struct prom_family prom_families[] = {
	{ "kstream_published_messages_total", "counter",
	  "Messages committed to the topic.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_PUBLISHED },
	{ "kstream_published_bytes_total", "counter",
	  "Payload bytes of the messages committed to the topic.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_PUBLISHED_BYTES },
	{ "kstream_delivered_messages_total", "counter",
	  "Messages read() handed to readers (zero-copy readers are not counted).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DELIVERED },
	{ "kstream_delivered_bytes_total", "counter",
	  "Payload bytes of the messages read() handed to readers.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_DELIVERED_BYTES },
	{ "kstream_dropped_messages_total", "counter",
	  "Messages dropped by the ingress verdict (never sequenced).", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_DROPPED },
	{ "kstream_dropped_by_reason_total", "counter",
	  "Messages dropped by the ingress verdict, by reason: filter, sample, "
	  "ratelimit, deadletter (rejected as invalid); they add up to "
	  "kstream_dropped_messages_total.",
	  .src = SRC_LABELLED, .label = "reason", .parts = prom_drop_reasons },
	{ "kstream_duplicate_messages_total", "counter",
	  "Messages of idempotent producers discarded as repeats (never sequenced, not in dropped).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DROPPED_DUPLICATE },
	{ "kstream_producer_gaps_total", "counter",
	  "Forward jumps of idempotent producers' sequences (messages that never reached the topic).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_PRODUCER_GAPS },
	{ "kstream_producers_evicted_total", "counter",
	  "Producer ids evicted from the topic's full deduplication table (each loses deduplication for one message).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_PRODUCERS_EVICTED },
	{ "kstream_producers", "gauge",
	  "Producer ids the topic's deduplication table holds.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_PRODUCERS },
	{ "kstream_deadletter_messages_total", "counter",
	  "Messages the ingress verdict rejected as invalid that were written to the topic's dead-letter topic.",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DEADLETTERED },
	{ "kstream_deadletter_lost_total", "counter",
	  "Messages rejected as invalid whose dead-letter record found no room (a full block dead-letter topic).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DEADLETTER_LOST },
	{ "kstream_deadletter_received_total", "counter",
	  "Dead-letter records this topic received as another topic's dead-letter topic.",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DEADLETTER_IN },
	{ "kstream_lost_messages_total", "counter",
	  "Messages readers lost because the ring overwrote them (sum over readers).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_LOST },
	{ "kstream_publish_errors_total", "counter",
	  "Publishes refused, by kind: empty (EINVAL), too_big (EMSGSIZE), full (EAGAIN), intr (EINTR), fault (EFAULT), gone (ENODEV).",
	  .src = SRC_LABELLED, .label = "kind", .parts = prom_errors },
	{ "kstream_denied_total", "counter",
	  "Operations on the topic its access policy refused (open, publish, consume, mmap, admin).",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_DENIED },
	{ "kstream_readers", "gauge", "Open reader file descriptors.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_READERS },
	{ "kstream_writers", "gauge", "Open writer file descriptors.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_WRITERS },
	{ "kstream_ring_size_bytes", "gauge", "Size of the topic's ring buffer.",
	  .src = SRC_RING_SIZE },
	{ "kstream_ring_used_bytes", "gauge",
	  "Bytes of the ring the retained records take.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_RING_USED },
	{ "kstream_head_seq", "gauge",
	  "Sequence number the next published message gets.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_HEAD_SEQ },
	{ "kstream_tail_seq", "gauge",
	  "Sequence number of the oldest retained message.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_TAIL_SEQ },
	{ "kstream_max_lag_messages", "gauge",
	  "Messages the slowest reader is behind.", .src = SRC_STAT,
	  .arg = KSTREAM_STAT_MAX_LAG },
	{ "kstream_max_lag_bytes", "gauge", "Bytes the slowest reader is behind.",
	  .src = SRC_STAT, .arg = KSTREAM_STAT_MAX_LAG_BYTES },
	{ "kstream_delivery_latency_seconds", "histogram",
	  "Time from a message's ingress timestamp to the read() that delivered it (log2 buckets; _sum is estimated from bucket midpoints).",
	  .src = SRC_LATENCY },
};

static bool prom_has(const struct prom_family *fam, const struct topic_stats *s)
{
	unsigned int i;

	switch (fam->src) {
	case SRC_STAT:
		return topic_has_stat(&s->info, fam->arg);
	case SRC_RING_SIZE:
		return topic_has(&s->info, KSTREAM_A_TOPIC_RING_SIZE);
	case SRC_LABELLED:
		for (i = 0; fam->parts[i].stat; i++)
			if (topic_has_stat(&s->info, fam->parts[i].stat))
				return true;
		return false;
	case SRC_LATENCY:
		return s->have_lat;
	}
	return false;
}

/* name{topic="t"[,extra="v"]} */
static void prom_series(FILE *f, const char *name, const char *suffix,
			const struct topic_stats *s, const char *extra,
			const char *extra_val)
{
	fprintf(f, "%s%s{topic=\"", name, suffix);
	prom_write_label_value(f, s->info.name);
	fputc('"', f);
	if (extra && extra_val) {
		fprintf(f, ",%s=\"", extra);
		prom_write_label_value(f, extra_val);
		fputc('"', f);
	}
	fputc('}', f);
}

static void prom_histogram(FILE *f, const char *name, const struct topic_stats *s)
{
	uint64_t cum = 0;
	unsigned int i;
	char le[32];

	for (i = 0; i < KSTREAM_LAT_BUCKETS - 1; i++) {
		cum += s->lat[i];
		prom_format_le(i, le, sizeof(le));
		prom_series(f, name, "_bucket", s, "le", le);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	cum += s->lat[KSTREAM_LAT_BUCKETS - 1];
	prom_series(f, name, "_bucket", s, "le", "+Inf");
	fprintf(f, " %" PRIu64 "\n", cum);
	prom_series(f, name, "_sum", s, NULL, NULL);
	fprintf(f, " %.9g\n", prom_latency_sum(s->lat));
	prom_series(f, name, "_count", s, NULL, NULL);
	fprintf(f, " %" PRIu64 "\n", cum);
}

static void prom_samples(FILE *f, const struct prom_family *fam,
			 const struct topic_stats *s)
{
	unsigned int i;

	switch (fam->src) {
	case SRC_STAT:
		prom_series(f, fam->name, "", s, NULL, NULL);
		fprintf(f, " %" PRIu64 "\n", s->info.stats[fam->arg]);
		break;
	case SRC_RING_SIZE:
		prom_series(f, fam->name, "", s, NULL, NULL);
		fprintf(f, " %" PRIu32 "\n", s->info.ring_size);
		break;
	case SRC_LABELLED:
		for (i = 0; fam->parts[i].stat; i++) {
			const struct prom_part *pt = &fam->parts[i];

			if (!topic_has_stat(&s->info, pt->stat))
				continue;
			prom_series(f, fam->name, "", s, fam->label, pt->value);
			fprintf(f, " %" PRIu64 "\n", s->info.stats[pt->stat]);
		}
		break;
	case SRC_LATENCY:
		prom_histogram(f, fam->name, s);
		break;
	}
}

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s ", name);
	prom_write_help(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_write(FILE *f, const struct topic_stats *t, size_t n)
{
	size_t k, i;

	prom_head(f, "kstream_topics", "gauge", "Topics that exist.");
	fprintf(f, "kstream_topics %zu\n", n);
	for (k = 0; k < sizeof(prom_families) / sizeof(prom_families[0]); k++) {
		const struct prom_family *fam = &prom_families[k];
		bool any = false;

		for (i = 0; i < n && !any; i++)
			any = prom_has(fam, &t[i]);
		if (!any)
			continue;
		prom_head(f, fam->name, fam->type, fam->help);
		for (i = 0; i < n; i++)
			if (prom_has(fam, &t[i]))
				prom_samples(f, fam, &t[i]);
	}
}

const char *prom_stat_family(int stat)
{
	size_t k, i;

	for (k = 0; k < sizeof(prom_families) / sizeof(prom_families[0]); k++) {
		const struct prom_family *fam = &prom_families[k];

		if (fam->src == SRC_STAT && fam->arg == stat)
			return fam->name;
		if (fam->src != SRC_LABELLED)
			continue;
		for (i = 0; fam->parts[i].stat; i++)
			if (fam->parts[i].stat == stat)
				return fam->name;
	}
	return NULL;
}
