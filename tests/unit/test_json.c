// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/common/json.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "json.h"

/* A writer on a memory stream. */
struct out {
	char *data;
	size_t len;
	FILE *f;
	struct json j;
};

static void out_open(struct out *o)
{
	o->data = NULL;
	o->len = 0;
	o->f = open_memstream(&o->data, &o->len);
	assert_non_null(o->f);
	json_init(&o->j, o->f);
}

/* What was written so far. */
static const char *out_str(struct out *o)
{
	assert_int_equal(0, fflush(o->f));
	return o->data;
}

static void out_close(struct out *o)
{
	fclose(o->f);
	free(o->data);
}

static void assert_escaped(const char *in, const char *want)
{
	struct out o;

	out_open(&o);
	json_write_string(o.f, in);
	assert_string_equal(want, out_str(&o));
	out_close(&o);
}

static void empty_containers(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_obj_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("{}", out_str(&o));
	out_close(&o);

	out_open(&o);
	json_arr_start(&o.j);
	json_arr_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("[]", out_str(&o));
	out_close(&o);
}

static void nesting_and_commas(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_kv_u64(&o.j, "a", 1);
	json_key(&o.j, "b");
	json_arr_start(&o.j);
	json_u64(&o.j, 1);
	json_u64(&o.j, 2);
	json_obj_start(&o.j);
	json_kv_bool(&o.j, "c", true);
	json_obj_end(&o.j);
	json_arr_start(&o.j);
	json_arr_end(&o.j);
	json_arr_end(&o.j);
	json_key(&o.j, "d");
	json_null(&o.j);
	json_kv_s64(&o.j, "e", -5);
	json_kv_str(&o.j, "f", "x");
	json_kv_bool(&o.j, "g", false);
	json_key(&o.j, "h");
	json_obj_start(&o.j);
	json_obj_end(&o.j);
	json_obj_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("{\"a\":1,\"b\":[1,2,{\"c\":true},[]],\"d\":null,"
			    "\"e\":-5,\"f\":\"x\",\"g\":false,\"h\":{}}",
			    out_str(&o));
	out_close(&o);
}

static void integer_limits(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_arr_start(&o.j);
	json_u64(&o.j, UINT64_MAX);
	json_u64(&o.j, 0);
	json_s64(&o.j, INT64_MIN);
	json_s64(&o.j, INT64_MAX);
	json_arr_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("[18446744073709551615,0,-9223372036854775808,"
			    "9223372036854775807]", out_str(&o));
	out_close(&o);
}

static void top_level_scalars(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_str(&o.j, "top");
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("\"top\"", out_str(&o));
	out_close(&o);

	out_open(&o);
	json_str(&o.j, NULL);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("null", out_str(&o));
	out_close(&o);
}

static void escape_ascii(void **state)
{
	(void)state;
	assert_escaped("", "\"\"");
	assert_escaped("plain-name_1.0", "\"plain-name_1.0\"");
	assert_escaped("a\"b", "\"a\\\"b\"");
	assert_escaped("back\\slash", "\"back\\\\slash\"");
	assert_escaped("/", "\"/\"");
	assert_escaped("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	assert_escaped("\x01\x1f", "\"\\u0001\\u001f\"");
	assert_escaped("\x7f", "\"\\u007f\"");
	assert_escaped(" ~", "\" ~\"");
}

static void escape_utf8_valid(void **state)
{
	(void)state;
	assert_escaped("caf\xc3\xa9", "\"caf\xc3\xa9\"");		/* é */
	assert_escaped("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* € */
	assert_escaped("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	assert_escaped("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	assert_escaped("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
}

static void escape_utf8_invalid(void **state)
{
	(void)state;
	/* A lone continuation byte. */
	assert_escaped("a\x80z", "\"a\\ufffdz\"");
	/* A lead byte followed by ASCII, or by the end of the string. */
	assert_escaped("\xc3" "A", "\"\\ufffdA\"");
	assert_escaped("\xe2\x82", "\"\\ufffd\\ufffd\"");
	assert_escaped("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
	/* Overlong encodings. */
	assert_escaped("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_escaped("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escaped("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* A UTF-16 surrogate, and beyond U+10FFFF. */
	assert_escaped("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escaped("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_escaped("\xf5\xff", "\"\\ufffd\\ufffd\"");
}

static void keys_are_escaped(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_kv_str(&o.j, "k\"\n", "v\\");
	json_obj_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("{\"k\\\"\\n\":\"v\\\\\"}", out_str(&o));
	out_close(&o);
}

static void misuse_value_without_key(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_u64(&o.j, 1);
	json_obj_end(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	/* Nothing is written after the error. */
	assert_string_equal("{", out_str(&o));
	out_close(&o);
}

static void misuse_key_outside_object(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_arr_start(&o.j);
	json_key(&o.j, "k");
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);

	out_open(&o);
	json_key(&o.j, "k");
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);
}

static void misuse_key_twice_or_dangling(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_key(&o.j, "a");
	json_key(&o.j, "b");
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);

	out_open(&o);
	json_obj_start(&o.j);
	json_key(&o.j, "a");
	json_obj_end(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);
}

static void misuse_unbalanced(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);

	out_open(&o);
	json_arr_end(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	assert_string_equal("", out_str(&o));
	out_close(&o);

	out_open(&o);
	json_arr_start(&o.j);
	json_obj_end(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);
}

static void depth_limit(void **state)
{
	struct out o;
	int i;

	(void)state;
	out_open(&o);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_start(&o.j);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_arr_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	out_close(&o);

	out_open(&o);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_arr_start(&o.j);
	assert_int_equal(-EINVAL, json_finish(&o.j));
	out_close(&o);
}

/* Objects nested in arrays nested in objects keep their own kind. */
static void deep_mixed_nesting(void **state)
{
	struct out o;

	(void)state;
	out_open(&o);
	json_obj_start(&o.j);
	json_key(&o.j, "a");
	json_arr_start(&o.j);
	json_obj_start(&o.j);
	json_key(&o.j, "b");
	json_arr_start(&o.j);
	json_arr_end(&o.j);
	json_obj_end(&o.j);
	json_str(&o.j, "c");
	json_arr_end(&o.j);
	json_kv_u64(&o.j, "d", 4);
	json_obj_end(&o.j);
	assert_int_equal(0, json_finish(&o.j));
	assert_string_equal("{\"a\":[{\"b\":[]},\"c\"],\"d\":4}", out_str(&o));
	out_close(&o);
}

static void independent_writers(void **state)
{
	struct out a, b;

	(void)state;
	out_open(&a);
	out_open(&b);
	json_arr_start(&a.j);
	json_obj_start(&b.j);
	json_u64(&a.j, 1);
	json_kv_u64(&b.j, "x", 2);
	json_u64(&a.j, 3);
	json_arr_end(&a.j);
	json_obj_end(&b.j);
	assert_int_equal(0, json_finish(&a.j));
	assert_int_equal(0, json_finish(&b.j));
	assert_string_equal("[1,3]", out_str(&a));
	assert_string_equal("{\"x\":2}", out_str(&b));
	out_close(&a);
	out_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_containers),
		cmocka_unit_test(nesting_and_commas),
		cmocka_unit_test(integer_limits),
		cmocka_unit_test(top_level_scalars),
		cmocka_unit_test(escape_ascii),
		cmocka_unit_test(escape_utf8_valid),
		cmocka_unit_test(escape_utf8_invalid),
		cmocka_unit_test(keys_are_escaped),
		cmocka_unit_test(misuse_value_without_key),
		cmocka_unit_test(misuse_key_outside_object),
		cmocka_unit_test(misuse_key_twice_or_dangling),
		cmocka_unit_test(misuse_unbalanced),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(deep_mixed_nesting),
		cmocka_unit_test(independent_writers),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
