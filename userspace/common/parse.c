// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static int parse_digits(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int d = *s - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*end = s;
	*out = v;
	return 0;
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int err;

	if (!s)
		return -EINVAL;
	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned int shift;
	} units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gib", 30 },
	};
	const char *end;
	uint64_t v;
	size_t i;
	int err;

	if (!s)
		return -EINVAL;
	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*out = v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	const char *end;
	uint64_t v, frac = 0, scale = 1000;
	int err, digits = 0;

	if (!s)
		return -EINVAL;
	err = parse_digits(s, &end, &v);
	if (err)
		return err;
	if (*end == '.') {
		for (end++; isdigit((unsigned char)*end); end++) {
			if (++digits > 3)
				return -EINVAL;
			frac = frac * 10 + (*end - '0');
		}
		if (!digits)
			return -EINVAL;
		while (digits++ < 3)
			frac *= 10;
	}
	if (!strcmp(end, "ms")) {
		if (frac)
			return -EINVAL;
		scale = 1;
	} else if (*end && strcmp(end, "s")) {
		return -EINVAL;
	}
	if (scale == 1000 && v > (UINT64_MAX - frac) / 1000)
		return -ERANGE;
	v = v * scale + frac;
	if (v > max_ms)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_mode(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		v = v * 8 + (*s - '0');
		if (v > 0777)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

void format_size(uint64_t v, char *buf, unsigned long len)
{
	static const char sfx[] = "KMG";
	int i = -1;

	while (i < 2 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, sfx[i]);
}
