// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line arguments of "streamctl filter load"; see filteropts.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filteropts.h"
#include "parse.h"
#include "topic.h"

#define NSEC_PER_SEC 1000000000ULL

static const char *const prog_names[] = {
	[FILTER_PROG_PASS]	= "pass",
	[FILTER_PROG_FILTER]	= "filter",
	[FILTER_PROG_SAMPLE]	= "sample",
	[FILTER_PROG_RATELIMIT]	= "ratelimit",
	[FILTER_PROG_FILE]	= "file",
};

static const char *const op_names[] = {
	[FILTER_EQ] = "eq", [FILTER_NE] = "ne", [FILTER_LT] = "lt",
	[FILTER_LE] = "le", [FILTER_GT] = "gt", [FILTER_GE] = "ge",
};

const char *filter_prog_name(enum filter_prog prog)
{
	if ((unsigned int)prog >= sizeof(prog_names) / sizeof(prog_names[0]))
		return NULL;
	return prog_names[prog];
}

__attribute__((format(printf, 3, 4)))
static int load_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int filter_parse_type(const char *s, struct kst_field *f)
{
	char sign;
	unsigned int bits;
	int n = 0;

	if (!s || sscanf(s, "%c%u%n", &sign, &bits, &n) != 2 ||
	    (sign != 'u' && sign != 's') || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
		return -EINVAL;
	f->flags = sign == 's' ? KST_FIELD_SIGNED : 0;
	if (!strcmp(s + n, "be"))
		f->flags |= KST_FIELD_BE;
	else if (s[n] && strcmp(s + n, "le"))
		return -EINVAL;
	f->size = bits / 8;
	return 0;
}

int filter_parse_value(const char *s, const struct kst_field *f,
		       __u64 *out)
{
	unsigned int bits = f->size * 8;
	bool neg = s && s[0] == '-';
	const char *digits = neg ? s + 1 : s;
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)digits[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(digits, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (!(f->flags & KST_FIELD_SIGNED)) {
		if (neg)
			return -ERANGE;
		if (bits < 64 && v >> bits)
			return -ERANGE;
		*out = v;
		return 0;
	}
	/* Signed: -2^(bits-1) .. 2^(bits-1) - 1. */
	if (v > (neg ? 1ULL << (bits - 1) : (1ULL << (bits - 1)) - 1))
		return -ERANGE;
	*out = neg ? -(__u64)v : v;
	return 0;
}

int filter_parse_duration(const char *s, __u64 *out)
{
	static const struct {
		const char *unit;
		__u64 ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", NSEC_PER_SEC },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > UINT64_MAX / units[i].ns)
			return -ERANGE;
		*out = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}

int filter_parse_probability(const char *s, __u64 *out)
{
	long double p;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	p = strtold(s, &end);
	if (errno)
		return -ERANGE;
	if (!strcmp(end, "%"))
		p /= 100;
	else if (*end)
		return -EINVAL;
	if (p < 0 || p > 1)
		return -ERANGE;
	*out = (__u64)(p * 4294967296.0L + 0.5L);
	return 0;
}

/* Argument cursor with the error buffer. */
struct args {
	int argc;
	char *const *argv;
	int i;
	char *err;
	size_t errlen;
};

static const char *next(struct args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

static const char *peek(const struct args *a)
{
	return a->i < a->argc ? a->argv[a->i] : NULL;
}

/* The value after keyword kw, or NULL (error set). */
static const char *value_of(struct args *a, const char *kw)
{
	const char *v = next(a);

	if (!v)
		load_err(a->err, a->errlen, "%s: missing value", kw);
	return v;
}

static int parse_u64_arg(struct args *a, const char *kw, __u64 min,
			 __u64 max, __u64 *out)
{
	const char *s = value_of(a, kw);
	uint64_t v = 0;
	int err;

	if (!s)
		return -EINVAL;
	err = parse_uint(s, max, &v);
	*out = v;
	if (err || v < min)
		return load_err(a->err, a->errlen,
				"%s: \"%s\" is not a number from %llu to %llu",
				kw, s, (unsigned long long)min,
				(unsigned long long)max);
	return 0;
}

static int parse_value_arg(struct args *a, const char *kw,
			   const struct kst_field *f, __u64 *out)
{
	const char *s = value_of(a, kw);

	if (!s)
		return -EINVAL;
	if (filter_parse_value(s, f, out))
		return load_err(a->err, a->errlen,
				"%s: \"%s\" is not a value of a %s%u field",
				kw, s, f->flags & KST_FIELD_SIGNED ? "s" : "u",
				f->size * 8);
	return 0;
}

/* "offset OFF TYPE" (the keyword already consumed) into *f. */
static int parse_field(struct args *a, struct kst_field *f)
{
	__u64 off;
	const char *type;

	if (parse_u64_arg(a, "offset", 0, KSTREAM_MSG_MAX_LIMIT - 1, &off))
		return -EINVAL;
	type = value_of(a, "offset");
	if (!type)
		return -EINVAL;
	if (filter_parse_type(type, f))
		return load_err(a->err, a->errlen,
				"\"%s\" is not a field type (u8, s16, u32be, ...)",
				type);
	f->offset = off;
	return 0;
}

/* OP VALUE or range LO HI into r, for values of field f. */
static int parse_cmp(struct args *a, struct filter_rule *r,
		     const struct kst_field *f)
{
	const char *op = next(a);
	unsigned int i;

	if (!op)
		return load_err(a->err, a->errlen,
				"missing comparison (eq ne lt le gt ge range)");
	if (!strcmp(op, "range")) {
		r->op = FILTER_RANGE;
		if (parse_value_arg(a, "range", f, &r->a) ||
		    parse_value_arg(a, "range", f, &r->b))
			return -EINVAL;
		return 0;
	}
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (!strcmp(op, op_names[i])) {
			r->op = i;
			return parse_value_arg(a, op, f, &r->a);
		}
	}
	return load_err(a->err, a->errlen,
			"\"%s\" is not a comparison (eq ne lt le gt ge range)", op);
}

static int parse_filter(struct args *a, struct filter_cfg *c)
{
	static const struct kst_field len_field = { .size = 4 };
	const char *kw;

	while ((kw = next(a))) {
		struct filter_rule *r = &c->rules[c->nr_rules];

		if (!strcmp(kw, "action")) {
			const char *v = value_of(a, kw);

			if (!v)
				return -EINVAL;
			if (strcmp(v, "keep") && strcmp(v, "drop") &&
			    strcmp(v, "deadletter"))
				return load_err(a->err, a->errlen,
						"action: \"%s\" is not keep, drop or deadletter", v);
			c->drop_matching = !strcmp(v, "drop");
			c->deadletter = !strcmp(v, "deadletter");
			continue;
		}
		if (strcmp(kw, "offset") && strcmp(kw, "len"))
			return load_err(a->err, a->errlen,
					"unknown filter keyword \"%s\"", kw);
		if (c->nr_rules == FILTER_MAX_RULES)
			return load_err(a->err, a->errlen,
					"at most %d rules", FILTER_MAX_RULES);
		r->mask = ~0ULL;
		if (!strcmp(kw, "len")) {
			r->kind = FILTER_LEN;
			if (parse_cmp(a, r, &len_field))
				return -EINVAL;
		} else {
			r->kind = FILTER_FIELD;
			if (parse_field(a, &r->field))
				return -EINVAL;
			if (peek(a) && !strcmp(peek(a), "mask")) {
				next(a);
				if (r->field.flags & KST_FIELD_SIGNED)
					return load_err(a->err, a->errlen,
							"mask: only on unsigned fields");
				if (parse_value_arg(a, "mask", &r->field,
						    &r->mask))
					return -EINVAL;
			}
			if (parse_cmp(a, r, &r->field))
				return -EINVAL;
		}
		c->nr_rules++;
	}
	if (!c->nr_rules)
		return load_err(a->err, a->errlen,
				"filter: no rule (offset OFF TYPE OP VALUE, len OP VALUE)");
	return 0;
}

/* normal/anomaly: "N" (1 in N) or a duration; *time says which. */
static int parse_rate(struct args *a, const char *kw, __u64 *out,
		      int *time)
{
	const char *s = value_of(a, kw);
	uint64_t n;
	int is_time;

	if (!s)
		return -EINVAL;
	if (!parse_uint(s, UINT64_MAX, &n)) {
		*out = n;
		is_time = 0;
	} else {
		is_time = !filter_parse_duration(s, out) ? 1 : -1;
	}
	if (is_time < 0 || !*out)
		return load_err(a->err, a->errlen,
				"%s: \"%s\" is neither a count (1 in N) nor a duration (100ms)",
				kw, s);
	if (*time >= 0 && *time != is_time)
		return load_err(a->err, a->errlen,
				"normal and anomaly must both be counts or both durations");
	*time = is_time;
	return 0;
}

static int parse_sample(struct args *a, struct sample_cfg *c)
{
	const char *mode = next(a), *kw;
	unsigned int seen = 0;
	int time = -1;

	if (!mode)
		return load_err(a->err, a->errlen,
				"sample: missing mode (every, random, adaptive)");
	if (!strcmp(mode, "every")) {
		c->mode = SAMPLE_EVERY;
		if (parse_u64_arg(a, "every", 1, UINT32_MAX, &c->every))
			return -EINVAL;
	} else if (!strcmp(mode, "random")) {
		const char *p = value_of(a, "random");

		c->mode = SAMPLE_RANDOM;
		if (!p)
			return -EINVAL;
		if (filter_parse_probability(p, &c->threshold))
			return load_err(a->err, a->errlen,
					"random: \"%s\" is not a probability (0.1, 10%%)", p);
	} else if (!strcmp(mode, "adaptive")) {
		c->mode = SAMPLE_ADAPTIVE;
		while ((kw = next(a))) {
			unsigned int bit;

			if (!strcmp(kw, "offset")) {
				bit = 1;
				if (parse_field(a, &c->field))
					return -EINVAL;
			} else if (!strcmp(kw, "band")) {
				bit = 2;
				if (!(seen & 1))
					return load_err(a->err, a->errlen,
							"band: give offset OFF TYPE first");
				if (parse_value_arg(a, kw, &c->field, &c->lo) ||
				    parse_value_arg(a, kw, &c->field, &c->hi))
					return -EINVAL;
			} else if (!strcmp(kw, "normal")) {
				bit = 4;
				if (parse_rate(a, kw, &c->normal, &time))
					return -EINVAL;
			} else if (!strcmp(kw, "anomaly")) {
				bit = 8;
				if (parse_rate(a, kw, &c->anomaly, &time))
					return -EINVAL;
			} else {
				return load_err(a->err, a->errlen,
						"unknown adaptive keyword \"%s\"", kw);
			}
			if (seen & bit)
				return load_err(a->err, a->errlen,
						"%s given twice", kw);
			seen |= bit;
		}
		if (seen != 15)
			return load_err(a->err, a->errlen,
					"adaptive needs offset OFF TYPE, band LO HI, normal R and anomaly R");
		c->per_time = time == 1;
	} else {
		return load_err(a->err, a->errlen,
				"sample: \"%s\" is not a mode (every, random, adaptive)",
				mode);
	}
	if (peek(a))
		return load_err(a->err, a->errlen, "unexpected argument \"%s\"",
				peek(a));
	return 0;
}

static int parse_ratelimit(struct args *a, struct ratelimit_cfg *c,
			   uint32_t *buckets)
{
	__u64 rate = 0, burst = 0, n;
	const char *kw, *v;

	*buckets = RATELIMIT_BUCKETS_DEFAULT;
	c->per = RATELIMIT_TOPIC;
	while ((kw = next(a))) {
		if (!strcmp(kw, "rate")) {
			if (parse_u64_arg(a, kw, 1, NSEC_PER_SEC, &rate))
				return -EINVAL;
		} else if (!strcmp(kw, "burst")) {
			if (parse_u64_arg(a, kw, 1, UINT32_MAX, &burst))
				return -EINVAL;
		} else if (!strcmp(kw, "buckets")) {
			if (parse_u64_arg(a, kw, 1, 1 << 20, &n))
				return -EINVAL;
			*buckets = n;
		} else if (!strcmp(kw, "per")) {
			v = value_of(a, kw);
			if (!v)
				return -EINVAL;
			if (!strcmp(v, "topic"))
				c->per = RATELIMIT_TOPIC;
			else if (!strcmp(v, "uid"))
				c->per = RATELIMIT_UID;
			else if (!strcmp(v, "pid"))
				c->per = RATELIMIT_PID;
			else
				return load_err(a->err, a->errlen,
						"per: \"%s\" is not topic, uid or pid", v);
		} else {
			return load_err(a->err, a->errlen,
					"unknown ratelimit keyword \"%s\"", kw);
		}
	}
	if (!rate)
		return load_err(a->err, a->errlen,
				"ratelimit: missing rate (messages per second)");
	/* Default burst: a tenth of a second's worth, at least 1. */
	if (!burst)
		burst = rate / 10 ? rate / 10 : 1;
	c->interval_ns = NSEC_PER_SEC / rate;
	c->tolerance_ns = (burst - 1) * c->interval_ns;
	return 0;
}

int filter_load_parse(struct filter_load *l, int argc, char *const argv[],
		      char *err, size_t errlen)
{
	struct args a = {
		.argc = argc, .argv = argv, .err = err, .errlen = errlen,
	};
	const char *prog = next(&a), *name;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	if (err && errlen)
		err[0] = '\0';
	if (!prog)
		return load_err(err, errlen,
				"missing program (pass, filter, sample, ratelimit, file)");
	for (i = 0; i < sizeof(prog_names) / sizeof(prog_names[0]); i++)
		if (!strcmp(prog, prog_names[i]))
			break;
	if (i == sizeof(prog_names) / sizeof(prog_names[0]))
		return load_err(err, errlen,
				"\"%s\" is not a program (pass, filter, sample, ratelimit, file)",
				prog);
	l->prog = i;
	if (l->prog == FILTER_PROG_FILE) {
		l->path = next(&a);
		if (!l->path)
			return load_err(err, errlen, "file: missing object path");
	}
	name = next(&a);
	if (!name)
		return load_err(err, errlen, "missing filter name");
	if (!topic_name_valid(name))
		return load_err(err, errlen,
				"\"%s\" is not a valid filter name (1-63 characters of [A-Za-z0-9._-], not . or ..)",
				name);
	snprintf(l->name, sizeof(l->name), "%s", name);

	switch (l->prog) {
	case FILTER_PROG_FILTER:
		return parse_filter(&a, &l->cfg.filter);
	case FILTER_PROG_SAMPLE:
		return parse_sample(&a, &l->cfg.sample);
	case FILTER_PROG_RATELIMIT:
		return parse_ratelimit(&a, &l->cfg.ratelimit, &l->buckets);
	default:
		if (peek(&a))
			return load_err(err, errlen, "unexpected argument \"%s\"",
					peek(&a));
		return 0;
	}
}
