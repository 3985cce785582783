/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line arguments of "streamctl filter load": which program to load
 * under which name, and its configuration (the structs the reference
 * programs in bpf/ read from their read-only data).
 *
 *   pass NAME
 *   filter NAME [action keep|drop|deadletter] RULE...
 *       RULE: offset OFF TYPE [mask M] OP VALUE | offset OFF TYPE [mask M]
 *             range LO HI | len OP VALUE | len range LO HI
 *       TYPE: u8 u16 u32 u64 s8 s16 s32 s64, optionally suffixed be or le
 *             (little-endian by default)
 *       OP:   eq ne lt le gt ge
 *   sample NAME every N
 *   sample NAME random P              (P: 0.25 or 25%)
 *   sample NAME adaptive offset OFF TYPE band LO HI normal R anomaly R
 *       R: N (1 in N messages) or a duration (100ms, 10us, 2s, 500ns:
 *          at most one message per duration); both of the same kind
 *   ratelimit NAME rate R [burst B] [per topic|uid|pid] [buckets N]
 *   file PATH NAME                    (an object file you built)
 *
 * No libbpf here, so it can be unit tested.
 */
#ifndef KSTREAM_FILTEROPTS_H
#define KSTREAM_FILTEROPTS_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kstream.h>

#include "filter.h"
#include "ratelimit.h"
#include "sample.h"

enum filter_prog {
	FILTER_PROG_PASS,
	FILTER_PROG_FILTER,
	FILTER_PROG_SAMPLE,
	FILTER_PROG_RATELIMIT,
	FILTER_PROG_FILE,
};

struct filter_load {
	enum filter_prog prog;
	char name[KSTREAM_NAME_MAX];	/* the filter's name */
	const char *path;		/* FILTER_PROG_FILE: the object */
	uint32_t buckets;		/* ratelimit: LRU entries */
	union {
		struct filter_cfg filter;
		struct sample_cfg sample;
		struct ratelimit_cfg ratelimit;
	} cfg;
};

/* The program's keyword ("sample"), or NULL. */
const char *filter_prog_name(enum filter_prog prog);

/*
 * Parse argv[0..argc) (PROGRAM NAME ARGS...) into *l, which is cleared
 * first.  Returns 0, or -EINVAL with a one-line message in err (which may
 * be NULL).  l->path points into argv.
 */
int filter_load_parse(struct filter_load *l, int argc, char *const argv[],
		      char *err, size_t errlen);

/*
 * A field type ("u16be", "s8") into f->size and f->flags; -EINVAL if it is
 * not one.
 */
int filter_parse_type(const char *s, struct kst_field *f);

/*
 * A value for field f: decimal, or hex with 0x; negative only for signed
 * fields; it must fit the field.  Stored as the field reads it (signed
 * values sign-extended to 64 bits).  -EINVAL or -ERANGE.
 */
int filter_parse_value(const char *s, const struct kst_field *f,
		       __u64 *out);

/* A duration with a unit (ns, us, ms, s) in ns; -EINVAL or -ERANGE. */
int filter_parse_duration(const char *s, __u64 *out);

/* A probability, "0.25" or "25%", as probability * 2^32. */
int filter_parse_probability(const char *s, __u64 *out);

#endif /* KSTREAM_FILTEROPTS_H */
