/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests: capture what a printer writes to a FILE in memory.
 *
 *	struct out o;
 *
 *	out_open(&o);
 *	topic_print_text(o.f, &t);
 *	assert_string_equal(want, out_str(&o));
 *	out_close(&o);
 *
 * Include after <cmocka.h>.
 */
#ifndef KSTREAM_TESTS_CAPTURE_H
#define KSTREAM_TESTS_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

struct out {
	char *data;
	size_t len;
	FILE *f;
};

static inline void out_open(struct out *o)
{
	o->data = NULL;
	o->len = 0;
	o->f = open_memstream(&o->data, &o->len);
	assert_non_null(o->f);
}

static inline const char *out_str(struct out *o)
{
	assert_int_equal(0, fflush(o->f));
	return o->data;
}

static inline void out_close(struct out *o)
{
	fclose(o->f);
	free(o->data);
}

#endif /* KSTREAM_TESTS_CAPTURE_H */
