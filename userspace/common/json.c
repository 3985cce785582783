// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer; see json.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

int json_finish(struct json *j)
{
	if (!j->err && (j->depth || j->have_key))
		j->err = -EINVAL;
	if (!j->err && ferror(j->f))
		j->err = -EIO;
	return j->err;
}

static bool json_in_object(const struct json *j)
{
	return j->depth && ((j->objects >> (j->depth - 1)) & 1);
}

static void json_fail(struct json *j)
{
	if (!j->err)
		j->err = -EINVAL;
}

/*
 * Before any value: inside an object a key must have been written, inside
 * an array none may have been; writes the separating comma of arrays.
 */
static bool json_value_begin(struct json *j)
{
	if (j->err)
		return false;
	if (json_in_object(j) != j->have_key) {
		json_fail(j);
		return false;
	}
	if (!j->have_key && j->depth && j->need_comma)
		fputc(',', j->f);
	j->have_key = false;
	return true;
}

static void json_value_end(struct json *j)
{
	j->need_comma = true;
}

void json_key(struct json *j, const char *key)
{
	if (j->err)
		return;
	if (!json_in_object(j) || j->have_key || !key) {
		json_fail(j);
		return;
	}
	if (j->need_comma)
		fputc(',', j->f);
	json_write_string(j->f, key);
	fputc(':', j->f);
	j->have_key = true;
}

static void json_open(struct json *j, bool object)
{
	if (!j->err && j->depth >= JSON_MAX_DEPTH)
		json_fail(j);
	if (!json_value_begin(j))
		return;
	fputc(object ? '{' : '[', j->f);
	if (object)
		j->objects |= 1U << j->depth;
	else
		j->objects &= ~(1U << j->depth);
	j->depth++;
	j->need_comma = false;
}

static void json_close(struct json *j, bool object)
{
	if (j->err)
		return;
	if (!j->depth || json_in_object(j) != object || j->have_key) {
		json_fail(j);
		return;
	}
	fputc(object ? '}' : ']', j->f);
	j->depth--;
	j->objects &= ~(1U << j->depth);
	json_value_end(j);
}

void json_obj_start(struct json *j)
{
	json_open(j, true);
}

void json_obj_end(struct json *j)
{
	json_close(j, true);
}

void json_arr_start(struct json *j)
{
	json_open(j, false);
}

void json_arr_end(struct json *j)
{
	json_close(j, false);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	if (!json_value_begin(j))
		return;
	json_write_string(j->f, s);
	json_value_end(j);
}

void json_u64(struct json *j, uint64_t v)
{
	if (!json_value_begin(j))
		return;
	fprintf(j->f, "%" PRIu64, v);
	json_value_end(j);
}

void json_s64(struct json *j, int64_t v)
{
	if (!json_value_begin(j))
		return;
	fprintf(j->f, "%" PRId64, v);
	json_value_end(j);
}

void json_bool(struct json *j, bool v)
{
	if (!json_value_begin(j))
		return;
	fputs(v ? "true" : "false", j->f);
	json_value_end(j);
}

void json_null(struct json *j)
{
	if (!json_value_begin(j))
		return;
	fputs("null", j->f);
	json_value_end(j);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_s64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_s64(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

/*
 * Length of the well-formed UTF-8 sequence (2 to 4 bytes) starting at s,
 * or 0: no overlong forms, no surrogates, nothing above U+10FFFF.  Stops
 * at the first bad byte, so it never reads past the terminating NUL.
 */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_write_ascii(FILE *f, unsigned char c)
{
	static const char short_esc[][2] = {
		{ '"', '"' }, { '\\', '\\' }, { '\b', 'b' }, { '\f', 'f' },
		{ '\n', 'n' }, { '\r', 'r' }, { '\t', 't' },
	};
	size_t i;

	for (i = 0; i < sizeof(short_esc) / sizeof(short_esc[0]); i++) {
		if (c == (unsigned char)short_esc[i][0]) {
			fputc('\\', f);
			fputc(short_esc[i][1], f);
			return;
		}
	}
	if (c < 0x20 || c == 0x7f)
		fprintf(f, "\\u%04x", c);
	else
		fputc(c, f);
}

void json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	for (; *s; s += n) {
		n = 1;
		if (*s < 0x80) {
			json_write_ascii(f, *s);
			continue;
		}
		n = utf8_seq_len(s);
		if (n) {
			fwrite(s, 1, n, f);
		} else {
			fputs("\\ufffd", f);
			n = 1;
		}
	}
	fputc('"', f);
}
