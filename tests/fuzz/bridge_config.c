// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: streambridge's configuration parser (config.c over
 * libinih) on arbitrary text.  A file an operator wrote is not hostile,
 * but a parser that crashes on a typo is a bug: every input must end in a
 * configuration or one error line that names the file.
 *
 *   build/tests/fuzz/bridge_config CORPUS -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_config *c = NULL;
	char err[BC_ERR_MAX], *text;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	if (bc_load_string(text, "fuzz.conf", &c, err, sizeof(err)) == 0) {
		if (!c || !c->node.name[0] || (!c->nroutes && !c->nlisteners))
			abort();
		bc_free(c);
	} else if (c || strncmp(err, "fuzz.conf:", 10)) {
		abort();
	}
	free(text);
	return 0;
}
