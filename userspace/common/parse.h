/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of command-line values shared by the kstream tools.
 * All functions return 0 or -EINVAL / -ERANGE and leave *out untouched
 * on error.
 */
#ifndef KSTREAM_PARSE_H
#define KSTREAM_PARSE_H

#include <stdint.h>

/*
 * A byte count: decimal digits with an optional binary suffix K, M, G
 * (also KiB/MiB/GiB, case-insensitive), e.g. "4M" = 4194304.
 */
int parse_size(const char *s, uint64_t *out);

/* A decimal unsigned integer no larger than max. */
int parse_uint(const char *s, uint64_t max, uint64_t *out);

/*
 * A duration in milliseconds: seconds with up to three decimals and an
 * optional "s" ("1", "0.25", "2s"), or whole milliseconds with "ms"
 * ("250ms"); at most max_ms.
 */
int parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out);

/* A file mode in octal, at most 0777 (no setuid/setgid/sticky bits). */
int parse_mode(const char *s, uint32_t *out);

/* Format a byte count with the largest exact binary suffix ("64K"). */
void format_size(uint64_t v, char *buf, unsigned long len);

#endif /* KSTREAM_PARSE_H */
