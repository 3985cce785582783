// SPDX-License-Identifier: GPL-2.0
/*
 * One printer for the text and JSON forms; see print.h.
 */
#include <stdarg.h>
#include <string.h>

#include "print.h"

void pr_init_text(struct pr *p, FILE *f)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->indent = "";
}

void pr_init_json(struct pr *p, struct json *j)
{
	memset(p, 0, sizeof(*p));
	p->j = j;
	p->indent = "";
}

void pr_line(struct pr *p, const char *indent)
{
	p->indent = indent;
	p->started = false;
}

void pr_eol(struct pr *p)
{
	if (!p->j && p->started)
		fputc('\n', p->f);
	p->started = false;
}

/* Text: the separator before an item; false if the item is not for text. */
static bool pr_text_item(struct pr *p, int how)
{
	if (p->j || !(how & PR_TEXT))
		return false;
	if (!p->started)
		fputs(p->indent, p->f);
	else if (!(how & PR_GLUE))
		fputc(' ', p->f);
	p->started = true;
	return true;
}

/* JSON: the key before a value; false if the value is not for JSON. */
static bool pr_json_item(struct pr *p, int how, const char *key)
{
	if (!p->j || !(how & PR_JSON))
		return false;
	if (key)
		json_key(p->j, key);
	return true;
}

/*
 * fmt comes from the callers' literals (print.h: one conversion of the
 * value's type); the compiler cannot check it through the pointer.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void pr_u64(struct pr *p, int how, const char *key, const char *fmt,
	    uint64_t v)
{
	if (pr_text_item(p, how))
		fprintf(p->f, fmt, v);
	else if (pr_json_item(p, how, key))
		json_u64(p->j, v);
}

void pr_str(struct pr *p, int how, const char *key, const char *fmt,
	    const char *v)
{
	if (pr_text_item(p, how))
		fprintf(p->f, fmt, v);
	else if (pr_json_item(p, how, key))
		json_str(p->j, v);
}

void pr_bool(struct pr *p, int how, const char *key, const char *fmt, bool v)
{
	if (pr_text_item(p, how))
		fprintf(p->f, fmt, v ? "yes" : "no");
	else if (pr_json_item(p, how, key))
		json_bool(p->j, v);
}

void pr_null(struct pr *p, int how, const char *key, const char *fmt)
{
	if (pr_text_item(p, how))
		fputs(fmt, p->f);
	else if (pr_json_item(p, how, key))
		json_null(p->j);
}

#pragma GCC diagnostic pop

void pr_text(struct pr *p, int how, const char *fmt, ...)
{
	va_list ap;

	if (!pr_text_item(p, how | PR_TEXT))
		return;
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

void pr_obj_start(struct pr *p, const char *key)
{
	if (pr_json_item(p, PR_JSON, key))
		json_obj_start(p->j);
}

void pr_obj_end(struct pr *p)
{
	if (p->j)
		json_obj_end(p->j);
}

void pr_arr_start(struct pr *p, const char *key)
{
	if (pr_json_item(p, PR_JSON, key))
		json_arr_start(p->j);
}

void pr_arr_end(struct pr *p)
{
	if (p->j)
		json_arr_end(p->j);
}
