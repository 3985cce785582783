// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/filteropts.c ("streamctl filter load") */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filteropts.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Parse argv, expecting -EINVAL and an error message containing want. */
static void assert_rejected(int argc, char *const argv[], const char *want)
{
	struct filter_load l;
	char err[256] = "";

	assert_int_equal(-EINVAL, filter_load_parse(&l, argc, argv, err, sizeof(err)));
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
}

static void field_types(void **state)
{
	static const struct {
		const char *s;
		unsigned int size, flags;
	} good[] = {
		{ "u8", 1, 0 }, { "s8", 1, KST_FIELD_SIGNED },
		{ "u16", 2, 0 }, { "u16be", 2, KST_FIELD_BE },
		{ "u16le", 2, 0 }, { "s32be", 4, KST_FIELD_SIGNED | KST_FIELD_BE },
		{ "u64", 8, 0 }, { "s64le", 8, KST_FIELD_SIGNED },
	};
	static const char *const bad[] = {
		"", "u", "u7", "u24", "i32", "u32x", "u32BE", "s", "u+8", "u 8",
		"u128", "U8",
	};
	struct kst_field f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&f, 0xff, sizeof(f));
		assert_int_equal(0, filter_parse_type(good[i].s, &f));
		assert_int_equal(good[i].size, f.size);
		assert_int_equal(good[i].flags, f.flags);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!filter_parse_type(bad[i], &f))
			fail_msg("type \"%s\" accepted", bad[i]);
	assert_int_equal(-EINVAL, filter_parse_type(NULL, &f));
}

static void field_values(void **state)
{
	struct kst_field u8 = { .size = 1 }, s8 = { .size = 1, .flags = KST_FIELD_SIGNED };
	struct kst_field u64 = { .size = 8 }, s64 = { .size = 8, .flags = KST_FIELD_SIGNED };
	struct kst_field s16 = { .size = 2, .flags = KST_FIELD_SIGNED };
	__u64 v;

	(void)state;
	assert_int_equal(0, filter_parse_value("255", &u8, &v));
	assert_int_equal(255, v);
	assert_int_equal(0, filter_parse_value("0xff", &u8, &v));
	assert_int_equal(255, v);
	assert_int_equal(-ERANGE, filter_parse_value("256", &u8, &v));
	assert_int_equal(-ERANGE, filter_parse_value("-1", &u8, &v));
	assert_int_equal(0, filter_parse_value("-128", &s8, &v));
	assert_true(v == (__u64)-128);
	assert_int_equal(0, filter_parse_value("127", &s8, &v));
	assert_int_equal(-ERANGE, filter_parse_value("128", &s8, &v));
	assert_int_equal(-ERANGE, filter_parse_value("-129", &s8, &v));
	assert_int_equal(0, filter_parse_value("-32768", &s16, &v));
	assert_true(v == (__u64)-32768);
	assert_int_equal(0, filter_parse_value("18446744073709551615", &u64, &v));
	assert_true(v == UINT64_MAX);
	assert_int_equal(-ERANGE, filter_parse_value("18446744073709551616", &u64, &v));
	assert_int_equal(0, filter_parse_value("-9223372036854775808", &s64, &v));
	assert_true(v == 1ULL << 63);
	assert_int_equal(-ERANGE, filter_parse_value("9223372036854775808", &s64, &v));
	assert_int_equal(-EINVAL, filter_parse_value("", &u8, &v));
	assert_int_equal(-EINVAL, filter_parse_value("1x", &u8, &v));
	assert_int_equal(-EINVAL, filter_parse_value("--1", &s8, &v));
	assert_int_equal(-EINVAL, filter_parse_value(" 1", &u8, &v));
	assert_int_equal(-EINVAL, filter_parse_value("+1", &u8, &v));
}

static void durations_and_probabilities(void **state)
{
	__u64 v;

	(void)state;
	assert_int_equal(0, filter_parse_duration("100ms", &v));
	assert_int_equal(100000000, v);
	assert_int_equal(0, filter_parse_duration("10us", &v));
	assert_int_equal(10000, v);
	assert_int_equal(0, filter_parse_duration("2s", &v));
	assert_true(v == 2000000000ULL);
	assert_int_equal(0, filter_parse_duration("500ns", &v));
	assert_int_equal(500, v);
	assert_int_equal(-EINVAL, filter_parse_duration("100", &v));
	assert_int_equal(-EINVAL, filter_parse_duration("ms", &v));
	assert_int_equal(-EINVAL, filter_parse_duration("1m", &v));
	assert_int_equal(-ERANGE, filter_parse_duration("99999999999999999999s", &v));
	assert_int_equal(-ERANGE, filter_parse_duration("18446744073710s", &v));

	assert_int_equal(0, filter_parse_probability("0.25", &v));
	assert_true(v == 1ULL << 30);
	assert_int_equal(0, filter_parse_probability("25%", &v));
	assert_true(v == 1ULL << 30);
	assert_int_equal(0, filter_parse_probability("1", &v));
	assert_true(v == 1ULL << 32);
	assert_int_equal(0, filter_parse_probability("0", &v));
	assert_int_equal(0, v);
	assert_int_equal(0, filter_parse_probability(".5", &v));
	assert_true(v == 1ULL << 31);
	assert_int_equal(-ERANGE, filter_parse_probability("1.5", &v));
	assert_int_equal(-ERANGE, filter_parse_probability("101%", &v));
	assert_int_equal(-EINVAL, filter_parse_probability("-0.5", &v));
	assert_int_equal(-EINVAL, filter_parse_probability("half", &v));
	assert_int_equal(-EINVAL, filter_parse_probability("0.5x", &v));
}

static void load_pass_and_file(void **state)
{
	char *pass[] = { "pass", "p-1" };
	char *file[] = { "file", "/tmp/x.bpf.o", "mine" };
	struct filter_load l;

	(void)state;
	assert_int_equal(0, filter_load_parse(&l, ARGC(pass), pass, NULL, 0));
	assert_int_equal(FILTER_PROG_PASS, l.prog);
	assert_string_equal("p-1", l.name);
	assert_int_equal(0, filter_load_parse(&l, ARGC(file), file, NULL, 0));
	assert_int_equal(FILTER_PROG_FILE, l.prog);
	assert_string_equal("/tmp/x.bpf.o", l.path);
	assert_string_equal("mine", l.name);
	assert_string_equal("sample", filter_prog_name(FILTER_PROG_SAMPLE));
	assert_null(filter_prog_name(99));
}

static void load_filter(void **state)
{
	char *eq[] = { "filter", "f", "offset", "0", "u32", "eq", "0xCAFE" };
	char *schema[] = {
		"filter", "f", "action", "drop",
		"offset", "0", "u32be", "eq", "0x4b53544d",
		"offset", "4", "u8", "mask", "0xf0", "eq", "0x10",
		"len", "range", "8", "64",
		"offset", "8", "s16", "range", "-5", "5",
		"len", "ge", "2",
	};
	struct filter_load l;
	const struct filter_rule *r;

	(void)state;
	assert_int_equal(0, filter_load_parse(&l, ARGC(eq), eq, NULL, 0));
	assert_int_equal(FILTER_PROG_FILTER, l.prog);
	assert_int_equal(1, l.cfg.filter.nr_rules);
	assert_int_equal(0, l.cfg.filter.drop_matching);
	r = &l.cfg.filter.rules[0];
	assert_int_equal(FILTER_FIELD, r->kind);
	assert_int_equal(FILTER_EQ, r->op);
	assert_int_equal(0, r->field.offset);
	assert_int_equal(4, r->field.size);
	assert_int_equal(0, r->field.flags);
	assert_true(r->mask == ~0ULL);
	assert_int_equal(0xCAFE, r->a);

	assert_int_equal(0, filter_load_parse(&l, ARGC(schema), schema, NULL, 0));
	assert_int_equal(5, l.cfg.filter.nr_rules);
	assert_int_equal(1, l.cfg.filter.drop_matching);
	r = l.cfg.filter.rules;
	assert_int_equal(KST_FIELD_BE, r[0].field.flags);
	assert_int_equal(0x4b53544d, r[0].a);
	assert_int_equal(4, r[1].field.offset);
	assert_int_equal(0xf0, r[1].mask);
	assert_int_equal(0x10, r[1].a);
	assert_int_equal(FILTER_LEN, r[2].kind);
	assert_int_equal(FILTER_RANGE, r[2].op);
	assert_int_equal(8, r[2].a);
	assert_int_equal(64, r[2].b);
	assert_int_equal(KST_FIELD_SIGNED, r[3].field.flags);
	assert_true(r[3].a == (__u64)-5);
	assert_int_equal(5, r[3].b);
	assert_int_equal(FILTER_LEN, r[4].kind);
	assert_int_equal(FILTER_GE, r[4].op);
}

static void load_filter_errors(void **state)
{
	char *none[] = { "filter", "f" };
	char *kw[] = { "filter", "f", "field", "0" };
	char *type[] = { "filter", "f", "offset", "0", "int", "eq", "1" };
	char *op[] = { "filter", "f", "offset", "0", "u8", "is", "1" };
	char *noop[] = { "filter", "f", "offset", "0", "u8" };
	char *val[] = { "filter", "f", "offset", "0", "u8", "eq", "256" };
	char *range[] = { "filter", "f", "len", "range", "8" };
	char *off[] = { "filter", "f", "offset", "1048576", "u8", "eq", "1" };
	char *smask[] = { "filter", "f", "offset", "0", "s8", "mask", "1", "eq", "1" };
	char *action[] = { "filter", "f", "action", "maybe", "len", "eq", "1" };
	char *many[] = {
		"filter", "f", "len", "ge", "1", "len", "ge", "1", "len", "ge", "1",
		"len", "ge", "1", "len", "ge", "1", "len", "ge", "1", "len", "ge", "1",
		"len", "ge", "1", "len", "ge", "1",
	};

	(void)state;
	assert_rejected(ARGC(none), none, "no rule");
	assert_rejected(ARGC(kw), kw, "unknown filter keyword \"field\"");
	assert_rejected(ARGC(type), type, "\"int\" is not a field type");
	assert_rejected(ARGC(op), op, "\"is\" is not a comparison");
	assert_rejected(ARGC(noop), noop, "missing comparison");
	assert_rejected(ARGC(val), val, "\"256\" is not a value of a u8 field");
	assert_rejected(ARGC(range), range, "range: missing value");
	assert_rejected(ARGC(off), off, "offset: \"1048576\" is not a number");
	assert_rejected(ARGC(smask), smask, "only on unsigned fields");
	assert_rejected(ARGC(action), action, "not keep, drop or deadletter");
	assert_rejected(ARGC(many), many, "at most 8 rules");
}

static void load_sample(void **state)
{
	char *every[] = { "sample", "s", "every", "10" };
	char *rnd[] = { "sample", "s", "random", "10%" };
	char *ad[] = {
		"sample", "s", "adaptive", "offset", "2", "s16be", "band", "-5", "5",
		"normal", "100", "anomaly", "10",
	};
	char *adt[] = {
		"sample", "s", "adaptive", "normal", "100ms", "anomaly", "10ms",
		"offset", "0", "u32", "band", "0", "1000",
	};
	struct filter_load l;

	(void)state;
	assert_int_equal(0, filter_load_parse(&l, ARGC(every), every, NULL, 0));
	assert_int_equal(SAMPLE_EVERY, l.cfg.sample.mode);
	assert_int_equal(10, l.cfg.sample.every);
	assert_int_equal(0, filter_load_parse(&l, ARGC(rnd), rnd, NULL, 0));
	assert_int_equal(SAMPLE_RANDOM, l.cfg.sample.mode);
	assert_int_equal(429496730, l.cfg.sample.threshold);
	assert_int_equal(0, filter_load_parse(&l, ARGC(ad), ad, NULL, 0));
	assert_int_equal(SAMPLE_ADAPTIVE, l.cfg.sample.mode);
	assert_int_equal(0, l.cfg.sample.per_time);
	assert_int_equal(2, l.cfg.sample.field.offset);
	assert_int_equal(KST_FIELD_SIGNED | KST_FIELD_BE, l.cfg.sample.field.flags);
	assert_true(l.cfg.sample.lo == (__u64)-5);
	assert_int_equal(5, l.cfg.sample.hi);
	assert_int_equal(100, l.cfg.sample.normal);
	assert_int_equal(10, l.cfg.sample.anomaly);
	assert_int_equal(0, filter_load_parse(&l, ARGC(adt), adt, NULL, 0));
	assert_int_equal(1, l.cfg.sample.per_time);
	assert_int_equal(100000000, l.cfg.sample.normal);
	assert_int_equal(10000000, l.cfg.sample.anomaly);
	assert_int_equal(1000, l.cfg.sample.hi);
}

static void load_sample_errors(void **state)
{
	char *nomode[] = { "sample", "s" };
	char *mode[] = { "sample", "s", "often" };
	char *zero[] = { "sample", "s", "every", "0" };
	char *extra[] = { "sample", "s", "every", "2", "more" };
	char *prob[] = { "sample", "s", "random", "2" };
	char *mixed[] = {
		"sample", "s", "adaptive", "offset", "0", "u8", "band", "0", "1",
		"normal", "100", "anomaly", "10ms",
	};
	char *band_first[] = { "sample", "s", "adaptive", "band", "0", "1" };
	char *partial[] = { "sample", "s", "adaptive", "offset", "0", "u8" };
	char *twice[] = {
		"sample", "s", "adaptive", "normal", "1", "normal", "2",
	};
	char *rate0[] = { "sample", "s", "adaptive", "normal", "0" };

	(void)state;
	assert_rejected(ARGC(nomode), nomode, "missing mode");
	assert_rejected(ARGC(mode), mode, "\"often\" is not a mode");
	assert_rejected(ARGC(zero), zero, "every: \"0\" is not a number from 1");
	assert_rejected(ARGC(extra), extra, "unexpected argument \"more\"");
	assert_rejected(ARGC(prob), prob, "not a probability");
	assert_rejected(ARGC(mixed), mixed, "both be counts or both durations");
	assert_rejected(ARGC(band_first), band_first, "give offset OFF TYPE first");
	assert_rejected(ARGC(partial), partial, "adaptive needs");
	assert_rejected(ARGC(twice), twice, "normal given twice");
	assert_rejected(ARGC(rate0), rate0, "neither a count");
}

static void load_ratelimit(void **state)
{
	char *plain[] = { "ratelimit", "r", "rate", "1000" };
	char *full[] = {
		"ratelimit", "r", "rate", "200", "burst", "50", "per", "uid",
		"buckets", "100",
	};
	char *pid[] = { "ratelimit", "r", "per", "pid", "rate", "3" };
	struct filter_load l;

	(void)state;
	assert_int_equal(0, filter_load_parse(&l, ARGC(plain), plain, NULL, 0));
	assert_int_equal(FILTER_PROG_RATELIMIT, l.prog);
	assert_int_equal(1000000, l.cfg.ratelimit.interval_ns);
	/* default burst: rate / 10 */
	assert_int_equal(99 * 1000000ULL, l.cfg.ratelimit.tolerance_ns);
	assert_int_equal(RATELIMIT_TOPIC, l.cfg.ratelimit.per);
	assert_int_equal(RATELIMIT_BUCKETS_DEFAULT, l.buckets);
	assert_int_equal(0, filter_load_parse(&l, ARGC(full), full, NULL, 0));
	assert_int_equal(5000000, l.cfg.ratelimit.interval_ns);
	assert_int_equal(49 * 5000000ULL, l.cfg.ratelimit.tolerance_ns);
	assert_int_equal(RATELIMIT_UID, l.cfg.ratelimit.per);
	assert_int_equal(100, l.buckets);
	assert_int_equal(0, filter_load_parse(&l, ARGC(pid), pid, NULL, 0));
	assert_int_equal(RATELIMIT_PID, l.cfg.ratelimit.per);
	assert_int_equal(333333333, l.cfg.ratelimit.interval_ns);
	assert_int_equal(0, l.cfg.ratelimit.tolerance_ns);	/* burst 1 */
}

static void load_ratelimit_errors(void **state)
{
	char *norate[] = { "ratelimit", "r", "burst", "5" };
	char *zero[] = { "ratelimit", "r", "rate", "0" };
	char *fast[] = { "ratelimit", "r", "rate", "1000000001" };
	char *per[] = { "ratelimit", "r", "rate", "1", "per", "gid" };
	char *kw[] = { "ratelimit", "r", "rate", "1", "every", "2" };

	(void)state;
	assert_rejected(ARGC(norate), norate, "missing rate");
	assert_rejected(ARGC(zero), zero, "rate: \"0\" is not a number from 1");
	assert_rejected(ARGC(fast), fast, "to 1000000000");
	assert_rejected(ARGC(per), per, "\"gid\" is not topic, uid or pid");
	assert_rejected(ARGC(kw), kw, "unknown ratelimit keyword \"every\"");
}

static void load_common_errors(void **state)
{
	char *none[] = { NULL };
	char *prog[] = { "firewall", "x" };
	char *noname[] = { "pass" };
	char *badname[] = { "pass", "a/b" };
	char *dot[] = { "pass", ".." };
	char *extra[] = { "pass", "p", "x" };
	char *nofile[] = { "file" };
	char *nofname[] = { "file", "x.o" };

	(void)state;
	assert_rejected(0, none, "missing program");
	assert_rejected(ARGC(prog), prog, "\"firewall\" is not a program");
	assert_rejected(ARGC(noname), noname, "missing filter name");
	assert_rejected(ARGC(badname), badname, "\"a/b\" is not a valid filter name");
	assert_rejected(ARGC(dot), dot, "not a valid filter name");
	assert_rejected(ARGC(extra), extra, "unexpected argument \"x\"");
	assert_rejected(ARGC(nofile), nofile, "missing object path");
	assert_rejected(ARGC(nofname), nofname, "missing filter name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(field_types),
		cmocka_unit_test(field_values),
		cmocka_unit_test(durations_and_probabilities),
		cmocka_unit_test(load_pass_and_file),
		cmocka_unit_test(load_filter),
		cmocka_unit_test(load_filter_errors),
		cmocka_unit_test(load_sample),
		cmocka_unit_test(load_sample_errors),
		cmocka_unit_test(load_ratelimit),
		cmocka_unit_test(load_ratelimit_errors),
		cmocka_unit_test(load_common_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
