/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer shared by the kstream tools.
 *
 * Values are written to a FILE as they come, compactly (no whitespace):
 *
 *	struct json j;
 *
 *	json_init(&j, stdout);
 *	json_obj_start(&j);
 *	json_kv_str(&j, "name", "sensors");
 *	json_kv_u64(&j, "id", 0);
 *	json_key(&j, "tags");
 *	json_arr_start(&j);
 *	json_str(&j, "a");
 *	json_arr_end(&j);
 *	json_obj_end(&j);
 *	err = json_finish(&j);		(then print a newline if you like)
 *
 * writes {"name":"sensors","id":0,"tags":["a"]}.  Commas are inserted
 * automatically.  Misuse (a value without a key inside an object, a key
 * outside an object, unbalanced ends, nesting deeper than JSON_MAX_DEPTH)
 * writes nothing and makes json_finish() return -EINVAL.  The writer holds
 * no global state: use as many as you like.
 */
#ifndef KSTREAM_JSON_H
#define KSTREAM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct json {
	FILE *f;
	unsigned int depth;	/* open objects/arrays */
	uint32_t objects;	/* bit d set: level d+1 is an object */
	bool need_comma;	/* a value was written at this level */
	bool have_key;		/* a key was written, its value is due */
	int err;		/* first error, sticky */
};

void json_init(struct json *j, FILE *f);

/* 0 if everything was balanced and written, -EINVAL or -EIO otherwise. */
int json_finish(struct json *j);

void json_obj_start(struct json *j);
void json_obj_end(struct json *j);
void json_arr_start(struct json *j);
void json_arr_end(struct json *j);

/* Inside an object: the key of the next value. */
void json_key(struct json *j, const char *key);

void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_s64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* Key and value in one call. */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_s64(struct json *j, const char *key, int64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

/*
 * Write s as a quoted JSON string: '"' and '\\' are escaped, control
 * characters become \n, \t, ... or \u00XX, DEL becomes \u007f, valid UTF-8
 * passes through and every byte of invalid UTF-8 becomes \ufffd.
 */
void json_write_string(FILE *f, const char *s);

#endif /* KSTREAM_JSON_H */
