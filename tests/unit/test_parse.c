// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/parse.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

static void size_plain_and_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(0, parse_size("0", &v));
	assert_int_equal(0, v);
	assert_int_equal(0, parse_size("4096", &v));
	assert_int_equal(4096, v);
	assert_int_equal(0, parse_size("64K", &v));
	assert_int_equal(65536, v);
	assert_int_equal(0, parse_size("4m", &v));
	assert_int_equal(4 << 20, v);
	assert_int_equal(0, parse_size("1GiB", &v));
	assert_int_equal(1ULL << 30, v);
	assert_int_equal(0, parse_size("12b", &v));
	assert_int_equal(12, v);
}

static void size_rejects(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(-EINVAL, parse_size("", &v));
	assert_int_equal(-EINVAL, parse_size("M", &v));
	assert_int_equal(-EINVAL, parse_size("-1", &v));
	assert_int_equal(-EINVAL, parse_size("4X", &v));
	assert_int_equal(-EINVAL, parse_size("4 M", &v));
	assert_int_equal(-EINVAL, parse_size("0x10", &v));
	assert_int_equal(-EINVAL, parse_size(NULL, &v));
	assert_int_equal(-ERANGE, parse_size("18446744073709551616", &v));
	assert_int_equal(-ERANGE, parse_size("17179869184G", &v));
	assert_int_equal(42, v);
}

static void uint_bounds(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(0, parse_uint("65535", 65535, &v));
	assert_int_equal(65535, v);
	assert_int_equal(-ERANGE, parse_uint("65536", 65535, &v));
	assert_int_equal(-EINVAL, parse_uint("12a", 100, &v));
	assert_int_equal(-EINVAL, parse_uint("", 100, &v));
	assert_int_equal(0, parse_uint("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
}

static void mode_octal(void **state)
{
	uint32_t m = 1;

	(void)state;
	assert_int_equal(0, parse_mode("0660", &m));
	assert_int_equal(0660, m);
	assert_int_equal(0, parse_mode("600", &m));
	assert_int_equal(0600, m);
	assert_int_equal(-EINVAL, parse_mode("0680", &m));
	assert_int_equal(-ERANGE, parse_mode("4755", &m));
	assert_int_equal(-EINVAL, parse_mode("", &m));
	assert_int_equal(0600, m);
}

static void size_format(void **state)
{
	char buf[32];

	(void)state;
	format_size(4 << 20, buf, sizeof(buf));
	assert_string_equal("4M", buf);
	format_size(65536, buf, sizeof(buf));
	assert_string_equal("64K", buf);
	format_size(1000, buf, sizeof(buf));
	assert_string_equal("1000", buf);
	format_size(3ULL << 30, buf, sizeof(buf));
	assert_string_equal("3G", buf);
	format_size(0, buf, sizeof(buf));
	assert_string_equal("0", buf);
}

static void duration(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(0, parse_duration_ms("1", 10000, &v));
	assert_int_equal(1000, v);
	assert_int_equal(0, parse_duration_ms("0.25", 10000, &v));
	assert_int_equal(250, v);
	assert_int_equal(0, parse_duration_ms("2s", 10000, &v));
	assert_int_equal(2000, v);
	assert_int_equal(0, parse_duration_ms("1.5s", 10000, &v));
	assert_int_equal(1500, v);
	assert_int_equal(0, parse_duration_ms("0.001", 10000, &v));
	assert_int_equal(1, v);
	assert_int_equal(0, parse_duration_ms("250ms", 10000, &v));
	assert_int_equal(250, v);
	assert_int_equal(0, parse_duration_ms("0", 10000, &v));
	assert_int_equal(0, v);
	v = 7;
	assert_int_equal(-EINVAL, parse_duration_ms("", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms("1.", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms(".5", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms("0.0001", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms("1.5ms", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms("1m", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms("-1", 10000, &v));
	assert_int_equal(-EINVAL, parse_duration_ms(NULL, 10000, &v));
	assert_int_equal(-ERANGE, parse_duration_ms("10.001", 10000, &v));
	assert_int_equal(-ERANGE, parse_duration_ms("18446744073709551615", UINT64_MAX, &v));
	assert_int_equal(7, v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duration),
		cmocka_unit_test(size_plain_and_suffixes),
		cmocka_unit_test(size_rejects),
		cmocka_unit_test(uint_bounds),
		cmocka_unit_test(mode_octal),
		cmocka_unit_test(size_format),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
