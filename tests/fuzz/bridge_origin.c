// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the origin key engine routes read from the network
 * (the MQTT 5 user property kstream-origin, the NATS header Nats-Msg-Id),
 * be_origin_parse() in userspace/bridge/engine_cfg.c.  Any bytes: either
 * rejected, or parts that format back to exactly the input.
 *
 *   build/tests/fuzz/bridge_origin CORPUS -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char topic[BE_NAME_MAX], back[BE_ORIGIN_MAX];
	uint64_t node, seq;
	int n;

	if (be_origin_parse((const char *)data, size, &node, topic, sizeof(topic), &seq))
		return 0;
	n = be_origin_format(back, sizeof(back), node, topic, seq);
	if (n < 0 || (size_t)n != size || memcmp(back, data, size))
		abort();
	return 0;
}
