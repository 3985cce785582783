// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the streambridge frame decoder and every payload
 * parser, as a receiving daemon runs them on hostile bytes.  The first
 * input byte picks the read chunking (partial reads); the rest is the
 * byte stream from the peer.  Every frame that decodes is parsed by the
 * parser of its type, DATA bodies are decompressed and walked; a decoded
 * frame must lie inside the input and re-encode to the same bytes.
 *
 *   make fuzz-bridge                    long run (tests/bridge/fuzz)
 *   build/tests/fuzz/bridge_frame CORPUS -runs=N
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define MAX_PAYLOAD (64 * 1024)

static uint8_t scratch[MAX_PAYLOAD];

static void check(int cond)
{
	if (!cond)
		abort();
}

static void parse(const struct bf_frame *f)
{
	struct bf_hello h;
	struct bf_open o;
	struct bf_resume r;
	struct bf_error e;
	struct bf_data_iter it;
	struct bf_record rec;
	uint64_t v, bytes = 0;
	volatile uint8_t sink;
	int n;

	switch (f->type) {
	case BF_HELLO:
		if (bf_parse_hello(f, &h) == 0) {
			check(strlen(h.name) >= 1 && strlen(h.name) <= BF_NAME_MAX);
			check(h.version_min <= h.version_max);
		}
		break;
	case BF_OPEN:
		if (bf_parse_open(f, &o) == 0)
			check(bf_name_valid(o.topic, strlen(o.topic)) &&
			      bf_name_valid(o.source, strlen(o.source)));
		break;
	case BF_RESUME:
		bf_parse_resume(f, &r);
		break;
	case BF_ACK:
		bf_parse_ack(f, &v);
		break;
	case BF_KEEPALIVE:
		bf_parse_keepalive(f, &v);
		break;
	case BF_ERROR:
	case BF_CLOSE:
		if (bf_parse_error(f, &e) == 0)
			check(strlen(e.text) <= BF_TEXT_MAX);
		break;
	case BF_DATA:
		if (bf_data_open(f, scratch, sizeof(scratch), &it))
			break;
		while ((n = bf_data_next(&it, &rec)) == 1) {
			check(rec.len > 0);
			bytes += rec.len;
			/* Touch both ends: ASan checks the bounds. */
			sink = rec.data[0];
			sink = rec.data[rec.len - 1];
			(void)sink;
		}
		if (n == 0)
			check(it.seen == it.count && bytes <= it.raw_len);
		break;
	default:
		check(0);	/* the decoder only returns known types */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bf_decoder d;
	struct bf_frame f;
	struct bf_buf re;
	size_t chunk, off = 0;
	int r = 0;

	if (size < 1)
		return 0;
	chunk = 1 + data[0] % 64;
	data++, size--;
	if (bf_dec_init(&d, BF_MIN_FRAME * 16))
		abort();
	if (bf_buf_init(&re, BF_HDR_LEN + BF_MIN_FRAME * 16))
		abort();
	while (off < size && r >= 0) {
		size_t n = size - off < chunk ? size - off : chunk;

		n = bf_dec_feed(&d, data + off, n);
		off += n;
		while ((r = bf_dec_next(&d, &f)) == 1) {
			check(f.len <= d.max_payload);
			parse(&f);
			/* Re-encoding a decoded frame gives back its bytes. */
			re.len = 0;
			check(bf_put_raw(&re, f.type, f.flags, f.stream, f.payload, f.len) == 0);
			check(memcmp(re.data + BF_HDR_LEN, f.payload, f.len) == 0);
			check(memcmp(re.data, f.payload - BF_HDR_LEN, BF_HDR_LEN) == 0);
		}
		/* A full buffer always holds a whole frame or an error. */
		check(!(n == 0 && r == 0));
	}
	check(r <= 0);
	bf_buf_free(&re);
	bf_dec_free(&d);
	return 0;
}
