/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests: capture what a printer writes to a FILE * in memory.
 * (The older tests carry their own copy of this; new ones include it.)
 */
#ifndef KSTREAM_TEST_OUT_H
#define KSTREAM_TEST_OUT_H

#include <stdio.h>
#include <stdlib.h>

struct out {
	char *data;
	size_t len;
	FILE *f;
};

static inline void out_open(struct out *o)
{
	o->f = open_memstream(&o->data, &o->len);
	assert_non_null(o->f);
}

/* What was written so far, NUL-terminated. */
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

#endif /* KSTREAM_TEST_OUT_H */
