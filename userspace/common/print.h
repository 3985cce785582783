/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printer for both output forms, as iproute2's print_*() do: the
 * code that describes an object calls pr_u64(), pr_str(), ... once per
 * member, and the same calls write either the text form or the JSON form,
 * so the two cannot disagree about what an object holds.
 *
 *	struct pr p;
 *
 *	pr_init_text(&p, stdout);	(or pr_init_json(&p, &j))
 *	pr_line(&p, "");
 *	pr_str(&p, PR_ANY, "name", "%s:", t->name);
 *	pr_u64(&p, PR_ANY, "id", "id %" PRIu64, t->id);
 *	pr_u64(&p, PR_ANY | PR_GLUE, "bytes", " (%" PRIu64 " bytes)", b);
 *	pr_eol(&p);
 *
 * Each call names where it goes:
 *
 *   PR_TEXT   text only (a layout word, a value formatted for people)
 *   PR_JSON   JSON only (a raw value the text shows formatted)
 *   PR_ANY    both: the text is fmt with the value, the JSON "key": value
 *   PR_GLUE   (text) no separator before this item
 *
 * Text items of a line are separated by one space; the first one is
 * preceded by the indent pr_line() was given.  pr_eol() ends a line that
 * has items.  Keys are ignored in text, formats in JSON; objects and
 * arrays (pr_obj_start(), pr_arr_start()) exist in JSON only.  fmt must
 * hold exactly one conversion for the value's type (%s for pr_str() and
 * pr_bool(), which writes "yes" or "no").
 */
#ifndef KSTREAM_PRINT_H
#define KSTREAM_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

enum {
	PR_TEXT = 1,
	PR_JSON = 2,
	PR_ANY = PR_TEXT | PR_JSON,
	PR_GLUE = 4,
};

struct pr {
	FILE *f;		/* text output (NULL when j is set) */
	struct json *j;		/* JSON output, or NULL */
	const char *indent;	/* of the current text line */
	bool started;		/* the current text line has items */
};

void pr_init_text(struct pr *p, FILE *f);
void pr_init_json(struct pr *p, struct json *j);

static inline bool pr_json(const struct pr *p)
{
	return p->j != NULL;
}

/* Text: start a line whose first item follows indent; end it. */
void pr_line(struct pr *p, const char *indent);
void pr_eol(struct pr *p);

void pr_u64(struct pr *p, int how, const char *key, const char *fmt,
	    uint64_t v);
void pr_str(struct pr *p, int how, const char *key, const char *fmt,
	    const char *v);
void pr_bool(struct pr *p, int how, const char *key, const char *fmt, bool v);
/* JSON null (text: fmt with no value, if PR_TEXT is set). */
void pr_null(struct pr *p, int how, const char *key, const char *fmt);

/* Text only: an item made by printf. */
__attribute__((format(printf, 3, 4)))
void pr_text(struct pr *p, int how, const char *fmt, ...);

/* JSON only: a member (key) or an element (key NULL) that is an object or array. */
void pr_obj_start(struct pr *p, const char *key);
void pr_obj_end(struct pr *p);
void pr_arr_start(struct pr *p, const char *key);
void pr_arr_end(struct pr *p);

#endif /* KSTREAM_PRINT_H */
