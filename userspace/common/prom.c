// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition format of kstream's statistics, and a
 * checker of the format; see prom.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
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
	SRC_ERRORS,		/* the ERR_* counters, by kind */
	SRC_LATENCY,		/* the histogram */
};

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	enum prom_src src;
	int arg;
};

static const struct prom_family prom_families[] = {
	{ "kstream_published_messages_total", "counter",
	  "Messages committed to the topic.", SRC_STAT, KSTREAM_STAT_PUBLISHED },
	{ "kstream_published_bytes_total", "counter",
	  "Payload bytes of the messages committed to the topic.", SRC_STAT,
	  KSTREAM_STAT_PUBLISHED_BYTES },
	{ "kstream_delivered_messages_total", "counter",
	  "Messages read() handed to readers (zero-copy readers are not counted).",
	  SRC_STAT, KSTREAM_STAT_DELIVERED },
	{ "kstream_delivered_bytes_total", "counter",
	  "Payload bytes of the messages read() handed to readers.", SRC_STAT,
	  KSTREAM_STAT_DELIVERED_BYTES },
	{ "kstream_dropped_messages_total", "counter",
	  "Messages dropped by the ingress verdict (never sequenced).", SRC_STAT,
	  KSTREAM_STAT_DROPPED },
	{ "kstream_duplicate_messages_total", "counter",
	  "Messages of idempotent producers discarded as repeats (never sequenced, not in dropped).",
	  SRC_STAT, KSTREAM_STAT_DROPPED_DUPLICATE },
	{ "kstream_producer_gaps_total", "counter",
	  "Forward jumps of idempotent producers' sequences (messages that never reached the topic).",
	  SRC_STAT, KSTREAM_STAT_PRODUCER_GAPS },
	{ "kstream_producers_evicted_total", "counter",
	  "Producer ids evicted from the topic's full deduplication table (each loses deduplication for one message).",
	  SRC_STAT, KSTREAM_STAT_PRODUCERS_EVICTED },
	{ "kstream_producers", "gauge",
	  "Producer ids the topic's deduplication table holds.", SRC_STAT,
	  KSTREAM_STAT_PRODUCERS },
	{ "kstream_deadletter_messages_total", "counter",
	  "Messages the ingress verdict rejected as invalid that were written to the topic's dead-letter topic.",
	  SRC_STAT, KSTREAM_STAT_DEADLETTERED },
	{ "kstream_deadletter_lost_total", "counter",
	  "Messages rejected as invalid whose dead-letter record found no room (a full block dead-letter topic).",
	  SRC_STAT, KSTREAM_STAT_DEADLETTER_LOST },
	{ "kstream_deadletter_received_total", "counter",
	  "Dead-letter records this topic received as another topic's dead-letter topic.",
	  SRC_STAT, KSTREAM_STAT_DEADLETTER_IN },
	{ "kstream_lost_messages_total", "counter",
	  "Messages readers lost because the ring overwrote them (sum over readers).",
	  SRC_STAT, KSTREAM_STAT_LOST },
	{ "kstream_publish_errors_total", "counter",
	  "Publishes refused, by kind: empty (EINVAL), too_big (EMSGSIZE), full (EAGAIN), intr (EINTR), fault (EFAULT), gone (ENODEV).",
	  SRC_ERRORS, 0 },
	{ "kstream_readers", "gauge", "Open reader file descriptors.", SRC_STAT,
	  KSTREAM_STAT_READERS },
	{ "kstream_writers", "gauge", "Open writer file descriptors.", SRC_STAT,
	  KSTREAM_STAT_WRITERS },
	{ "kstream_ring_size_bytes", "gauge", "Size of the topic's ring buffer.",
	  SRC_RING_SIZE, 0 },
	{ "kstream_ring_used_bytes", "gauge",
	  "Bytes of the ring the retained records take.", SRC_STAT,
	  KSTREAM_STAT_RING_USED },
	{ "kstream_head_seq", "gauge",
	  "Sequence number the next published message gets.", SRC_STAT,
	  KSTREAM_STAT_HEAD_SEQ },
	{ "kstream_tail_seq", "gauge",
	  "Sequence number of the oldest retained message.", SRC_STAT,
	  KSTREAM_STAT_TAIL_SEQ },
	{ "kstream_max_lag_messages", "gauge",
	  "Messages the slowest reader is behind.", SRC_STAT,
	  KSTREAM_STAT_MAX_LAG },
	{ "kstream_max_lag_bytes", "gauge", "Bytes the slowest reader is behind.",
	  SRC_STAT, KSTREAM_STAT_MAX_LAG_BYTES },
	{ "kstream_delivery_latency_seconds", "histogram",
	  "Time from a message's ingress timestamp to the read() that delivered it (log2 buckets; _sum is estimated from bucket midpoints).",
	  SRC_LATENCY, 0 },
};

static const struct {
	int stat;
	const char *kind;
} prom_errors[] = {
	{ KSTREAM_STAT_ERR_EMPTY, "empty" },
	{ KSTREAM_STAT_ERR_TOO_BIG, "too_big" },
	{ KSTREAM_STAT_ERR_FULL, "full" },
	{ KSTREAM_STAT_ERR_INTR, "intr" },
	{ KSTREAM_STAT_ERR_FAULT, "fault" },
	{ KSTREAM_STAT_ERR_GONE, "gone" },
};

#define NR_PROM_ERRORS (sizeof(prom_errors) / sizeof(prom_errors[0]))

static bool prom_has(const struct prom_family *fam, const struct topic_stats *s)
{
	unsigned int i;

	switch (fam->src) {
	case SRC_STAT:
		return topic_has_stat(&s->info, fam->arg);
	case SRC_RING_SIZE:
		return topic_has(&s->info, KSTREAM_A_TOPIC_RING_SIZE);
	case SRC_ERRORS:
		for (i = 0; i < NR_PROM_ERRORS; i++)
			if (topic_has_stat(&s->info, prom_errors[i].stat))
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
	case SRC_ERRORS:
		for (i = 0; i < NR_PROM_ERRORS; i++) {
			if (!topic_has_stat(&s->info, prom_errors[i].stat))
				continue;
			prom_series(f, fam->name, "", s, "kind", prom_errors[i].kind);
			fprintf(f, " %" PRIu64 "\n",
				s->info.stats[prom_errors[i].stat]);
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

/* ------------------------------------------------------------ checker */

#define PC_MAX_LABELS 32

struct pc_label {
	char *name;
	char *value;
};

/* A histogram series: one label set of a histogram family, le aside. */
struct pc_hist {
	char *key;
	unsigned int line;	/* of its first sample */
	unsigned int buckets;
	double last_le, last_count;
	bool inf, count, sum;
	double inf_count, count_val;
};

struct pc_series {
	char *key;		/* name and sorted labels */
	unsigned int line;
};

struct pc {
	char *err;
	size_t errlen;
	unsigned int line;
	int ret;

	/* The current family. */
	char *family;
	char type[16];
	bool help, typed, samples;
	struct pc_hist *hist;
	size_t nhist;

	char **closed;		/* families already done */
	size_t nclosed;
	struct pc_series *series;
	size_t nseries;
};

__attribute__((format(printf, 2, 3)))
static int pc_fail(struct pc *pc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pc->ret)
		return pc->ret;
	pc->ret = -EINVAL;
	if (!pc->err || !pc->errlen)
		return pc->ret;
	n = snprintf(pc->err, pc->errlen, "line %u: ", pc->line);
	if (n < 0 || (size_t)n >= pc->errlen)
		return pc->ret;
	va_start(ap, fmt);
	vsnprintf(pc->err + n, pc->errlen - n, fmt, ap);
	va_end(ap);
	return pc->ret;
}

static int pc_nomem(struct pc *pc)
{
	if (!pc->ret) {
		pc->ret = -ENOMEM;
		if (pc->err && pc->errlen)
			snprintf(pc->err, pc->errlen, "out of memory");
	}
	return pc->ret;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static bool name_start(char c, bool metric)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (metric && c == ':');
}

static bool name_char(char c, bool metric)
{
	return name_start(c, metric) || (c >= '0' && c <= '9');
}

/* A metric (or label) name at p: its end, or NULL if there is none. */
static const char *scan_name(const char *p, const char *end, bool metric)
{
	if (p >= end || !name_start(*p, metric))
		return NULL;
	while (p < end && name_char(*p, metric))
		p++;
	return p;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * A float as Go's strconv.ParseFloat takes it from the exposition format:
 * [+-]digits[.digits][e[+-]digits], NaN, [+-]Inf.  0 and *v, or -1.
 */
static int parse_float(const char *p, const char *end, double *v)
{
	const char *q = p;
	char buf[64];
	bool digits = false;

	if (end - p == 3 && !memcmp(p, "NaN", 3)) {
		*v = 0;		/* compared with nothing */
		return 0;
	}
	if ((end - p == 4 && (!memcmp(p, "+Inf", 4) || !memcmp(p, "-Inf", 4))) ||
	    (end - p == 3 && !memcmp(p, "Inf", 3))) {
		*v = *p == '-' ? -__builtin_inf() : __builtin_inf();
		return 0;
	}
	if (q < end && (*q == '+' || *q == '-'))
		q++;
	while (q < end && *q >= '0' && *q <= '9') {
		q++;
		digits = true;
	}
	if (q < end && *q == '.') {
		q++;
		while (q < end && *q >= '0' && *q <= '9') {
			q++;
			digits = true;
		}
	}
	if (!digits)
		return -1;
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || *q < '0' || *q > '9')
			return -1;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q != end || (size_t)(end - p) >= sizeof(buf))
		return -1;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	*v = strtod(buf, NULL);
	return 0;
}

/* An int64 timestamp (ms): [-]digits. */
static int parse_timestamp(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p >= end || end - p > 19)
		return -1;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return 0;
}

static bool pc_closed(const struct pc *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->nclosed; i++)
		if (!strcmp(pc->closed[i], name))
			return true;
	return false;
}

/* The current family is complete: check its histograms, remember it. */
static int pc_end_family(struct pc *pc)
{
	char **v;
	size_t i;

	if (!pc->family)
		return 0;
	for (i = 0; i < pc->nhist && !pc->ret; i++) {
		struct pc_hist *h = &pc->hist[i];
		unsigned int line = pc->line;

		pc->line = h->line;
		if (!h->inf)
			pc_fail(pc, "%s: histogram series has no le=\"+Inf\" bucket",
				pc->family);
		else if (!h->count)
			pc_fail(pc, "%s: histogram series has no _count", pc->family);
		else if (!h->sum)
			pc_fail(pc, "%s: histogram series has no _sum", pc->family);
		else if (h->inf_count != h->count_val)
			pc_fail(pc, "%s: le=\"+Inf\" bucket %.17g differs from _count %.17g",
				pc->family, h->inf_count, h->count_val);
		pc->line = line;
	}
	for (i = 0; i < pc->nhist; i++)
		free(pc->hist[i].key);
	free(pc->hist);
	pc->hist = NULL;
	pc->nhist = 0;
	v = realloc(pc->closed, (pc->nclosed + 1) * sizeof(*v));
	if (!v) {
		free(pc->family);
		pc->family = NULL;
		return pc_nomem(pc);
	}
	pc->closed = v;
	pc->closed[pc->nclosed++] = pc->family;
	pc->family = NULL;
	return pc->ret;
}

/* A HELP or TYPE line for name: switch family if it is a new one. */
static int pc_family(struct pc *pc, const char *name, size_t len)
{
	if (pc->family && strlen(pc->family) == len &&
	    !memcmp(pc->family, name, len))
		return 0;
	if (pc_end_family(pc))
		return pc->ret;
	pc->family = dup_n(name, len);
	if (!pc->family)
		return pc_nomem(pc);
	if (pc_closed(pc, pc->family))
		return pc_fail(pc, "%s: the lines of a family must be together",
			       pc->family);
	pc->help = pc->typed = pc->samples = false;
	pc->type[0] = '\0';
	return 0;
}

/* "# ..." */
static int pc_comment(struct pc *pc, const char *p, const char *end)
{
	const char *w, *name, *ne;
	bool help;

	p = skip_blanks(p + 1, end);
	w = p;
	while (p < end && !is_blank(*p))
		p++;
	if (p - w == 4 && !memcmp(w, "HELP", 4))
		help = true;
	else if (p - w == 4 && !memcmp(w, "TYPE", 4))
		help = false;
	else
		return 0;		/* a comment */
	name = skip_blanks(p, end);
	ne = scan_name(name, end, true);
	if (!ne || (ne < end && !is_blank(*ne)))
		return pc_fail(pc, "%s without a valid metric name", help ? "HELP" : "TYPE");
	if (pc_family(pc, name, ne - name))
		return pc->ret;
	p = ne < end ? ne + 1 : ne;
	if (help) {
		if (pc->help)
			return pc_fail(pc, "%s: second HELP", pc->family);
		if (pc->samples)
			return pc_fail(pc, "%s: HELP after samples", pc->family);
		for (; p < end; p++) {
			if (*p != '\\')
				continue;
			if (p + 1 >= end || (p[1] != '\\' && p[1] != 'n'))
				return pc_fail(pc, "%s: bad escape in HELP", pc->family);
			p++;
		}
		pc->help = true;
		return 0;
	}
	if (pc->typed)
		return pc_fail(pc, "%s: second TYPE", pc->family);
	if (pc->samples)
		return pc_fail(pc, "%s: TYPE after samples", pc->family);
	p = skip_blanks(p, end);
	w = p;
	while (p < end && !is_blank(*p))
		p++;
	if (skip_blanks(p, end) != end || p - w >= (long)sizeof(pc->type))
		return pc_fail(pc, "%s: bad TYPE", pc->family);
	memcpy(pc->type, w, p - w);
	pc->type[p - w] = '\0';
	if (strcmp(pc->type, "counter") && strcmp(pc->type, "gauge") &&
	    strcmp(pc->type, "histogram") && strcmp(pc->type, "summary") &&
	    strcmp(pc->type, "untyped"))
		return pc_fail(pc, "%s: unknown type \"%s\"", pc->family, pc->type);
	if (!strcmp(pc->type, "counter")) {
		size_t n = strlen(pc->family);

		if (n < 6 || strcmp(pc->family + n - 6, "_total"))
			return pc_fail(pc, "%s: counter names end in _total", pc->family);
	}
	pc->typed = true;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pc_label *)a)->name,
		      ((const struct pc_label *)b)->name);
}

/* Parse the label value at p (after the opening quote) into *out. */
static const char *scan_label_value(struct pc *pc, const char *p,
				    const char *end, char **out)
{
	char *v = malloc(end - p + 1), *o = v;

	if (!v) {
		pc_nomem(pc);
		return NULL;
	}
	for (; p < end && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (++p >= end)
			break;
		if (*p == '\\' || *p == '"') {
			*o++ = *p;
		} else if (*p == 'n') {
			*o++ = '\n';
		} else {
			free(v);
			pc_fail(pc, "bad escape \\%c in a label value", *p);
			return NULL;
		}
	}
	if (p >= end) {
		free(v);
		pc_fail(pc, "unterminated label value");
		return NULL;
	}
	*o = '\0';
	*out = v;
	return p + 1;
}

/* "{a="x",b="y"}" at p: labels into l[], count in *n; the end, or NULL. */
static const char *scan_labels(struct pc *pc, const char *p, const char *end,
			       struct pc_label *l, unsigned int *n)
{
	unsigned int i;

	p = skip_blanks(p + 1, end);
	while (p < end && *p != '}') {
		const char *ne = scan_name(p, end, false);

		if (!ne) {
			pc_fail(pc, "bad label name");
			return NULL;
		}
		if (*n >= PC_MAX_LABELS) {
			pc_fail(pc, "too many labels");
			return NULL;
		}
		l[*n].name = dup_n(p, ne - p);
		l[*n].value = NULL;
		if (!l[*n].name) {
			pc_nomem(pc);
			return NULL;
		}
		(*n)++;
		for (i = 0; i + 1 < *n; i++) {
			if (!strcmp(l[i].name, l[*n - 1].name)) {
				pc_fail(pc, "label %s repeated", l[i].name);
				return NULL;
			}
		}
		p = skip_blanks(ne, end);
		if (p >= end || *p != '=') {
			pc_fail(pc, "label %s without =", l[*n - 1].name);
			return NULL;
		}
		p = skip_blanks(p + 1, end);
		if (p >= end || *p != '"') {
			pc_fail(pc, "label %s: value not quoted", l[*n - 1].name);
			return NULL;
		}
		p = scan_label_value(pc, p + 1, end, &l[*n - 1].value);
		if (!p)
			return NULL;
		p = skip_blanks(p, end);
		if (p < end && *p == ',')
			p = skip_blanks(p + 1, end);
		else if (p < end && *p != '}')
			break;
	}
	if (p >= end || *p != '}') {
		pc_fail(pc, "labels not closed by }");
		return NULL;
	}
	return p + 1;
}

/* name + labels sorted by name, but skip (le) left out: a series key. */
static char *series_key(const char *name, size_t nlen, struct pc_label *l,
			unsigned int n, const char *skip)
{
	size_t len = nlen + 3, i;
	char *k, *o;

	for (i = 0; i < n; i++)
		len += strlen(l[i].name) + strlen(l[i].value) + 3;
	k = malloc(len);
	if (!k)
		return NULL;
	memcpy(k, name, nlen);
	o = k + nlen;
	*o++ = '{';
	for (i = 0; i < n; i++) {
		if (skip && !strcmp(l[i].name, skip))
			continue;
		o += sprintf(o, "%s=%s\x1f", l[i].name, l[i].value);
	}
	*o++ = '}';
	*o = '\0';
	return k;
}

static int pc_add_series(struct pc *pc, char *key)
{
	struct pc_series *v;

	v = realloc(pc->series, (pc->nseries + 1) * sizeof(*v));
	if (!v) {
		free(key);
		return pc_nomem(pc);
	}
	pc->series = v;
	v[pc->nseries].key = key;
	v[pc->nseries].line = pc->line;
	pc->nseries++;
	return 0;
}

static struct pc_hist *pc_hist_series(struct pc *pc, struct pc_label *l,
				      unsigned int n)
{
	char *key = series_key("", 0, l, n, "le");
	struct pc_hist *h;
	size_t i;

	if (!key) {
		pc_nomem(pc);
		return NULL;
	}
	for (i = 0; i < pc->nhist; i++) {
		if (!strcmp(pc->hist[i].key, key)) {
			free(key);
			return &pc->hist[i];
		}
	}
	h = realloc(pc->hist, (pc->nhist + 1) * sizeof(*h));
	if (!h) {
		free(key);
		pc_nomem(pc);
		return NULL;
	}
	pc->hist = h;
	h = &pc->hist[pc->nhist++];
	memset(h, 0, sizeof(*h));
	h->key = key;
	h->line = pc->line;
	h->last_le = -__builtin_inf();
	return h;
}

/* A histogram sample: suffix is "_bucket", "_sum" or "_count". */
static int pc_hist_sample(struct pc *pc, const char *suffix, struct pc_label *l,
			  unsigned int n, double value)
{
	const char *le = NULL;
	struct pc_hist *h;
	unsigned int i;
	double lev;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].name, "le"))
			le = l[i].value;
	if (strcmp(suffix, "_bucket") && le)
		return pc_fail(pc, "%s%s with an le label", pc->family, suffix);
	h = pc_hist_series(pc, l, n);
	if (!h)
		return pc->ret;
	if (!strcmp(suffix, "_sum")) {
		h->sum = true;
		return 0;
	}
	if (!strcmp(suffix, "_count")) {
		h->count = true;
		h->count_val = value;
		return 0;
	}
	if (!le)
		return pc_fail(pc, "%s_bucket without an le label", pc->family);
	if (parse_float(le, le + strlen(le), &lev))
		return pc_fail(pc, "%s_bucket: le=\"%s\" is not a number", pc->family, le);
	if (h->inf)
		return pc_fail(pc, "%s_bucket after le=\"+Inf\"", pc->family);
	if (!(lev > h->last_le))
		return pc_fail(pc, "%s_bucket: le=\"%s\" not above the previous bucket's",
			       pc->family, le);
	if (value < h->last_count)
		return pc_fail(pc, "%s_bucket: le=\"%s\" count %.17g below the previous %.17g (not cumulative)",
			       pc->family, le, value, h->last_count);
	h->last_le = lev;
	h->last_count = value;
	h->buckets++;
	if (lev == __builtin_inf()) {
		h->inf = true;
		h->inf_count = value;
	}
	return 0;
}

/* Which family a sample named name belongs to, given the current one. */
static const char *pc_sample_suffix(const struct pc *pc, const char *name,
				    size_t len)
{
	static const char *const hist[] = { "_bucket", "_sum", "_count" };
	size_t flen, i;

	if (!pc->family)
		return NULL;
	flen = strlen(pc->family);
	if (len == flen && !memcmp(name, pc->family, len))
		return "";
	if (len <= flen || memcmp(name, pc->family, flen))
		return NULL;
	for (i = 0; i < 3; i++) {
		if (!strcmp(pc->type, "summary") && i == 0)
			continue;
		if ((!strcmp(pc->type, "histogram") || !strcmp(pc->type, "summary")) &&
		    len - flen == strlen(hist[i]) && !memcmp(name + flen, hist[i], len - flen))
			return hist[i];
	}
	return NULL;
}

static int pc_sample(struct pc *pc, const char *p, const char *end)
{
	struct pc_label l[PC_MAX_LABELS];
	const char *ne, *suffix, *v;
	unsigned int n = 0, i;
	char *key, *name;
	double value;

	ne = scan_name(p, end, true);
	if (!ne)
		return pc_fail(pc, "not a sample: bad metric name");
	suffix = pc_sample_suffix(pc, p, ne - p);
	if (!suffix) {
		name = dup_n(p, ne - p);
		if (!name)
			return pc_nomem(pc);
		if (pc_closed(pc, name))
			pc_fail(pc, "%s: the lines of a family must be together", name);
		else
			pc_fail(pc, "%s: sample without HELP and TYPE before it", name);
		free(name);
		return pc->ret;
	}
	if (!pc->help || !pc->typed)
		return pc_fail(pc, "%s: sample before the family's %s", pc->family,
			       pc->help ? "TYPE" : "HELP");
	if (!strcmp(pc->type, "histogram") && !*suffix)
		return pc_fail(pc, "%s: a histogram has only _bucket, _sum and _count samples",
			       pc->family);
	pc->samples = true;
	p = ne;
	if (p < end && *p == '{') {
		p = scan_labels(pc, p, end, l, &n);
		if (!p)
			goto out;
	}
	if (p >= end || !is_blank(*p)) {
		pc_fail(pc, "%s: no value", pc->family);
		goto out;
	}
	p = skip_blanks(p, end);
	v = p;
	while (p < end && !is_blank(*p))
		p++;
	if (parse_float(v, p, &value)) {
		pc_fail(pc, "%s: bad value \"%.*s\"", pc->family, (int)(p - v), v);
		goto out;
	}
	p = skip_blanks(p, end);
	if (p < end) {
		const char *ts = p;

		while (p < end && !is_blank(*p))
			p++;
		if (parse_timestamp(ts, p) || skip_blanks(p, end) != end) {
			pc_fail(pc, "%s: bad timestamp", pc->family);
			goto out;
		}
	}
	qsort(l, n, sizeof(l[0]), label_cmp);
	name = malloc(strlen(pc->family) + strlen(suffix) + 1);
	if (!name) {
		pc_nomem(pc);
		goto out;
	}
	sprintf(name, "%s%s", pc->family, suffix);
	key = series_key(name, strlen(name), l, n, NULL);
	free(name);
	if (!key || pc_add_series(pc, key)) {
		if (!key)
			pc_nomem(pc);
		goto out;
	}
	if (!strcmp(pc->type, "histogram"))
		pc_hist_sample(pc, suffix, l, n, value);
out:
	for (i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].value);
	}
	return pc->ret;
}

static int series_cmp(const void *a, const void *b)
{
	const struct pc_series *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void pc_free(struct pc *pc)
{
	size_t i;

	free(pc->family);
	for (i = 0; i < pc->nhist; i++)
		free(pc->hist[i].key);
	free(pc->hist);
	for (i = 0; i < pc->nclosed; i++)
		free(pc->closed[i]);
	free(pc->closed);
	for (i = 0; i < pc->nseries; i++)
		free(pc->series[i].key);
	free(pc->series);
}

int prom_check(const char *text, char *err, size_t errlen)
{
	struct pc pc = { .err = err, .errlen = errlen };
	const char *p = text, *nl;
	size_t i;

	if (err && errlen)
		err[0] = '\0';
	while (*p && !pc.ret) {
		pc.line++;
		nl = strchr(p, '\n');
		if (!nl) {
			pc_fail(&pc, "no newline at the end");
			break;
		}
		if (nl == p)
			;	/* an empty line */
		else if (*p == '#')
			pc_comment(&pc, p, nl);
		else
			pc_sample(&pc, p, nl);
		p = nl + 1;
	}
	if (!pc.ret)
		pc_end_family(&pc);
	if (!pc.ret && pc.nseries > 1) {
		qsort(pc.series, pc.nseries, sizeof(pc.series[0]), series_cmp);
		for (i = 1; i < pc.nseries && !pc.ret; i++) {
			if (strcmp(pc.series[i - 1].key, pc.series[i].key))
				continue;
			pc.line = pc.series[i].line;
			pc_fail(&pc, "the same series again (first on line %u)",
				pc.series[i - 1].line);
		}
	}
	pc_free(&pc);
	return pc.ret;
}
