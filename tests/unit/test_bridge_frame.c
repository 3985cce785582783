// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/bridge/frame.c and crc32c.c (the wire protocol). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c.h"
#include "frame.h"

/* ---- CRC32C ---- */

static void test_crc32c_vectors(void **state)
{
	static const uint8_t zeros[32], ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t big[1000];
	size_t i, off;

	(void)state;
	/* RFC 3720 B.4 and the usual check value. */
	assert_int_equal(0xe3069283U, crc32c_sw(0, "123456789", 9));
	assert_int_equal(0x8a9136aaU, crc32c_sw(0, zeros, 32));
	assert_int_equal(0x62a8ab43U, crc32c_sw(0, ones, 32));
	assert_int_equal(0, crc32c_sw(0, "", 0));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	/* Every alignment and length: hardware = software = chained. */
	for (off = 0; off < 9; off++)
		for (i = 0; i + off <= sizeof(big); i += 13) {
			uint32_t sw = crc32c_sw(0, big + off, i);

			if (crc32c_hw_available())
				assert_int_equal(sw, crc32c_hw(0, big + off, i));
			assert_int_equal(sw, crc32c(0, big + off, i));
			assert_int_equal(sw, crc32c(crc32c(0, big + off, i / 2),
						    big + off + i / 2, i - i / 2));
		}
}

/* ---- helpers ---- */

struct fx {
	struct bf_buf out;
	struct bf_decoder dec;
};

static struct fx *fx_new(uint32_t max)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(0, bf_buf_init(&x->out, 1 << 20));
	assert_int_equal(0, bf_dec_init(&x->dec, max));
	return x;
}

static void fx_free(struct fx *x)
{
	bf_buf_free(&x->out);
	bf_dec_free(&x->dec);
	free(x);
}

/* Feed x->out entirely, expect exactly one frame back. */
static void decode_one(struct fx *x, struct bf_frame *f)
{
	assert_int_equal(x->out.len, bf_dec_feed(&x->dec, x->out.data, x->out.len));
	assert_int_equal(1, bf_dec_next(&x->dec, f));
	assert_int_equal(0, bf_dec_pending(&x->dec));
}

static const struct bf_hello hello1 = {
	.version_min = 1, .version_max = 1, .features = BF_FEAT_LZ4 | BF_FEAT_ZSTD,
	.node_id = 0x0102030405060708ULL, .max_frame = 65536, .keepalive_ms = 5000,
	.name = "plant-7.edge",
};

/* ---- round trips ---- */

static void test_hello_roundtrip(void **state)
{
	struct fx *x = fx_new(BF_MIN_FRAME);
	struct bf_hello h;
	struct bf_frame f;

	(void)state;
	assert_int_equal(0, bf_put_hello(&x->out, &hello1));
	decode_one(x, &f);
	assert_int_equal(BF_HELLO, f.type);
	assert_int_equal(0, bf_parse_hello(&f, &h));
	assert_int_equal(1, h.version_min);
	assert_int_equal(1, h.version_max);
	assert_int_equal(hello1.features, h.features);
	assert_true(h.node_id == hello1.node_id);
	assert_int_equal(65536, h.max_frame);
	assert_int_equal(5000, h.keepalive_ms);
	assert_string_equal("plant-7.edge", h.name);
	assert_int_equal(1, bf_negotiate_version(&hello1, &h));
	fx_free(x);
}

static void test_version_negotiation(void **state)
{
	struct bf_hello a = hello1, b = hello1;

	(void)state;
	a.version_min = 1, a.version_max = 3;
	b.version_min = 2, b.version_max = 5;
	assert_int_equal(3, bf_negotiate_version(&a, &b));
	b.version_min = 4;
	assert_int_equal(-BF_E_VERSION, bf_negotiate_version(&a, &b));
}

static void test_bad_hello(void **state)
{
	struct fx *x = fx_new(BF_MIN_FRAME);
	struct bf_hello h = hello1, got;
	struct bf_frame f;

	(void)state;
	/* Version range empty, version 0, max_frame too small, bad name. */
	h.version_min = 2, h.version_max = 1;
	assert_int_equal(0, bf_put_hello(&x->out, &h));
	decode_one(x, &f);
	assert_int_equal(-BF_E_VERSION, bf_parse_hello(&f, &got));
	x->out.len = 0;
	h = hello1, h.version_min = 0;
	assert_int_equal(0, bf_put_hello(&x->out, &h));
	decode_one(x, &f);
	assert_int_equal(-BF_E_VERSION, bf_parse_hello(&f, &got));
	x->out.len = 0;
	h = hello1, h.max_frame = 100;
	assert_int_equal(0, bf_put_hello(&x->out, &h));
	decode_one(x, &f);
	assert_int_equal(-BF_E_FIELD, bf_parse_hello(&f, &got));
	h = hello1;
	strcpy(h.name, "bad/name");
	assert_int_equal(-BF_E_NAME, bf_put_hello(&x->out, &h));
	strcpy(h.name, "..");
	assert_int_equal(-BF_E_NAME, bf_put_hello(&x->out, &h));
	fx_free(x);
}

static void test_small_frames_roundtrip(void **state)
{
	struct fx *x = fx_new(BF_MIN_FRAME);
	struct bf_open o = { .producer_id = 0xfeedfacecafebeefULL, .origin_node = 42,
			     .topic = "imu.remote", .source = "imu" }, og;
	struct bf_resume r = { .producer_id = 7, .last_seq = 123456789012ULL,
			       .flags = BF_RESUME_KNOWN }, rg;
	struct bf_error e;
	struct bf_frame f;
	uint64_t v;

	(void)state;
	assert_int_equal(0, bf_put_open(&x->out, 3, &o));
	assert_int_equal(0, bf_put_resume(&x->out, 3, &r));
	assert_int_equal(0, bf_put_ack(&x->out, 3, 99));
	assert_int_equal(0, bf_put_keepalive(&x->out, 1234));
	assert_int_equal(0, bf_put_error(&x->out, BF_ERROR, 3, BF_C_DENIED, "not granted\n"));
	assert_int_equal(0, bf_put_error(&x->out, BF_CLOSE, 0, BF_C_OK, "bye"));
	assert_int_equal(x->out.len, bf_dec_feed(&x->dec, x->out.data, x->out.len));

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(BF_OPEN, f.type);
	assert_int_equal(3, f.stream);
	assert_int_equal(0, bf_parse_open(&f, &og));
	assert_true(og.producer_id == o.producer_id);
	assert_true(og.origin_node == 42);
	assert_string_equal("imu.remote", og.topic);
	assert_string_equal("imu", og.source);

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(0, bf_parse_resume(&f, &rg));
	assert_true(rg.last_seq == r.last_seq && rg.producer_id == 7 && rg.flags == 1);

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(0, bf_parse_ack(&f, &v));
	assert_true(v == 99);

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(0, bf_parse_keepalive(&f, &v));
	assert_true(v == 1234);
	/* A frame of another type is refused by each parser. */
	assert_int_equal(-BF_E_LENGTH, bf_parse_ack(&f, &v));

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(BF_ERROR, f.type);
	assert_int_equal(0, bf_parse_error(&f, &e));
	assert_int_equal(BF_C_DENIED, e.code);
	assert_string_equal("not granted?", e.text);	/* control bytes masked */

	assert_int_equal(1, bf_dec_next(&x->dec, &f));
	assert_int_equal(BF_CLOSE, f.type);
	assert_int_equal(0, bf_parse_error(&f, &e));
	assert_string_equal("bye", e.text);
	assert_int_equal(0, bf_dec_next(&x->dec, &f));
	fx_free(x);
}

/* Build a DATA frame of n messages of varied sizes, decode, compare. */
static void data_roundtrip(enum bf_codec codec, int n, int level)
{
	struct fx *x = fx_new(1 << 19);
	struct bf_batch bt;
	struct bf_data_iter it;
	struct bf_record r;
	struct bf_frame f;
	uint8_t *scratch = malloc(1 << 19), msg[3000];
	uint32_t wire = 0;
	int i, j;

	assert_non_null(scratch);
	assert_int_equal(0, bf_batch_init(&bt, (1 << 19) - BF_DATA_HDR_LEN));
	for (i = 0; i < n; i++) {
		uint32_t len = 1 + (i * 37) % sizeof(msg);

		for (j = 0; j < (int)len; j++)
			msg[j] = (uint8_t)(i + j / 16);
		assert_int_equal(0, bf_batch_add(&bt, 9, 100 + 2 * i, 5000 + i, msg, len));
	}
	assert_int_equal(-BF_E_ORDER, bf_batch_add(&bt, 9, 100, 1, msg, 1));
	assert_int_equal(-BF_E_FIELD, bf_batch_add(&bt, 9, 1000000, 1, msg, 0));
	assert_int_equal(0, bf_put_data(&x->out, 5, &bt, codec, level, &wire));
	assert_int_equal(x->out.len, BF_HDR_LEN + wire);
	if (codec != BF_CODEC_NONE)	/* repetitive payloads compress */
		assert_true(wire < bt.len);
	decode_one(x, &f);
	assert_int_equal(0, bf_data_open(&f, scratch, 1 << 19, &it));
	assert_int_equal(codec, it.codec);
	assert_int_equal(n, it.count);
	for (i = 0; i < n; i++) {
		uint32_t len = 1 + (i * 37) % sizeof(msg);

		assert_int_equal(1, bf_data_next(&it, &r));
		assert_true(r.origin_node == 9 && r.seq == (uint64_t)(100 + 2 * i) &&
			    r.ts_ns == (uint64_t)(5000 + i));
		assert_int_equal(len, r.len);
		for (j = 0; j < (int)len; j++)
			assert_int_equal((uint8_t)(i + j / 16), r.data[j]);
	}
	assert_int_equal(0, bf_data_next(&it, &r));
	bf_batch_free(&bt);
	free(scratch);
	fx_free(x);
}

static void test_data_none(void **state)
{
	(void)state;
	data_roundtrip(BF_CODEC_NONE, 1, 0);
	data_roundtrip(BF_CODEC_NONE, 100, 0);
}

static void test_data_lz4(void **state)
{
	(void)state;
	data_roundtrip(BF_CODEC_LZ4, 100, 0);
}

static void test_data_zstd(void **state)
{
	(void)state;
	data_roundtrip(BF_CODEC_ZSTD, 100, 3);
}

/* Incompressible data goes out uncompressed, whatever was asked. */
static void test_data_incompressible(void **state)
{
	struct fx *x = fx_new(BF_MIN_FRAME * 4);
	struct bf_batch bt;
	struct bf_frame f;
	struct bf_data_iter it;
	uint8_t msg[200], scratch[BF_MIN_FRAME * 4];
	uint32_t s = 12345, wire;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++) {
		s = s * 1103515245 + 12345;
		msg[i] = s >> 16;
	}
	assert_int_equal(0, bf_batch_init(&bt, 1000));
	assert_int_equal(0, bf_batch_add(&bt, 1, 1, 1, msg, sizeof(msg)));
	assert_int_equal(0, bf_put_data(&x->out, 1, &bt, BF_CODEC_ZSTD, 3, &wire));
	decode_one(x, &f);
	assert_int_equal(0, bf_data_open(&f, scratch, sizeof(scratch), &it));
	assert_int_equal(BF_CODEC_NONE, it.codec);
	bf_batch_free(&bt);
	fx_free(x);
}

static void test_batch_bounds(void **state)
{
	struct bf_batch bt;
	uint8_t msg[100] = { 0 };

	(void)state;
	assert_int_equal(0, bf_batch_init(&bt, 2 * (BF_REC_HDR_LEN + 100)));
	assert_int_equal(2 * (BF_REC_HDR_LEN + 100) - BF_REC_HDR_LEN, bf_batch_room(&bt));
	assert_int_equal(0, bf_batch_add(&bt, 1, 1, 1, msg, 100));
	assert_int_equal(100, bf_batch_room(&bt));
	assert_int_equal(-BF_E_NOBUFS, bf_batch_add(&bt, 1, 2, 1, msg, 101));
	assert_int_equal(0, bf_batch_add(&bt, 1, 2, 1, msg, 100));
	assert_int_equal(0, bf_batch_room(&bt));
	assert_int_equal(-BF_E_NOBUFS, bf_batch_add(&bt, 1, 3, 1, msg, 1));
	assert_int_equal(2, bt.count);
	assert_true(bt.first_seq == 1 && bt.last_seq == 2 && bt.payload_bytes == 200);
	bf_batch_reset(&bt);
	assert_int_equal(0, bt.count);
	assert_int_equal(0, bf_batch_add(&bt, 1, 1, 1, msg, 1));	/* seq restarts after reset */
	bf_batch_free(&bt);
}

/* A DATA payload from raw bytes: header + body. */
static int put_data_raw(struct bf_buf *b, uint8_t codec, uint32_t count, uint32_t raw_len,
			const uint8_t *body, size_t body_len)
{
	uint8_t p[512];

	memset(p, 0, BF_DATA_HDR_LEN);
	p[0] = codec;
	p[4] = count >> 24, p[5] = count >> 16, p[6] = count >> 8, p[7] = count;
	p[8] = raw_len >> 24, p[9] = raw_len >> 16, p[10] = raw_len >> 8, p[11] = raw_len;
	memcpy(p + BF_DATA_HDR_LEN, body, body_len);
	return bf_put_raw(b, BF_DATA, 0, 1, p, BF_DATA_HDR_LEN + body_len);
}

static void rec(uint8_t *p, uint64_t seq, uint32_t len, uint32_t flags)
{
	int i;

	memset(p, 0, BF_REC_HDR_LEN);
	for (i = 0; i < 8; i++)
		p[8 + i] = seq >> (56 - 8 * i);
	p[24] = len >> 24, p[25] = len >> 16, p[26] = len >> 8, p[27] = len;
	p[31] = flags;
}

/* Run one malformed DATA frame through open+next; returns the first error. */
static int data_error(uint8_t codec, uint32_t count, uint32_t raw_len,
		      const uint8_t *body, size_t body_len)
{
	struct fx *x = fx_new(BF_MIN_FRAME);
	uint8_t scratch[BF_MIN_FRAME];
	struct bf_data_iter it;
	struct bf_record r;
	struct bf_frame f;
	int err;

	assert_int_equal(0, put_data_raw(&x->out, codec, count, raw_len, body, body_len));
	decode_one(x, &f);
	err = bf_data_open(&f, scratch, sizeof(scratch), &it);
	if (!err)
		while ((err = bf_data_next(&it, &r)) == 1)
			;
	fx_free(x);
	return err;
}

static void test_data_malformed(void **state)
{
	uint8_t body[256];

	(void)state;
	memset(body, 0xab, sizeof(body));
	rec(body, 1, 8, 0);
	rec(body + 40, 2, 8, 0);
	/* Well formed first: two records of 8 bytes. */
	assert_int_equal(0, data_error(0, 2, 80, body, 80));
	assert_int_equal(-BF_E_COUNT, data_error(0, 0, 80, body, 80));
	assert_int_equal(-BF_E_COUNT, data_error(0, 3, 80, body, 80));	/* 3 > 80/32 */
	assert_int_equal(-BF_E_COUNT, data_error(0, 1, 80, body, 80));	/* trailing record */
	assert_int_equal(-BF_E_LENGTH, data_error(0, 2, 79, body, 80));	/* raw_len != body */
	assert_int_equal(-BF_E_LENGTH, data_error(0, 2, 79, body, 79));	/* last record cut */
	assert_int_equal(-BF_E_CODEC, data_error(9, 2, 80, body, 80));
	assert_int_equal(-BF_E_CODEC, data_error(BF_CODEC_LZ4, 2, 80, body, 80));
	assert_int_equal(-BF_E_CODEC, data_error(BF_CODEC_ZSTD, 2, 80, body, 80));
	assert_int_equal(-BF_E_SIZE, data_error(BF_CODEC_LZ4, 1, 1 << 30, body, 80));
	rec(body + 40, 1, 8, 0);
	assert_int_equal(-BF_E_ORDER, data_error(0, 2, 80, body, 80));
	rec(body + 40, 2, 8, 1);
	assert_int_equal(-BF_E_FIELD, data_error(0, 2, 80, body, 80));
	rec(body + 40, 2, 0, 0);
	assert_int_equal(-BF_E_FIELD, data_error(0, 2, 72, body, 72));
	rec(body + 40, 2, 0xffffffffU, 0);
	assert_int_equal(-BF_E_LENGTH, data_error(0, 2, 80, body, 80));
}

/* ---- decoder: partial input, every truncation, corruption ---- */

static size_t build_stream(struct bf_buf *b)
{
	struct bf_open o = { .producer_id = 1, .origin_node = 2, .topic = "t", .source = "s" };
	struct bf_batch bt;
	uint8_t msg[300];

	memset(msg, 'x', sizeof(msg));
	assert_int_equal(0, bf_put_hello(b, &hello1));
	assert_int_equal(0, bf_put_open(b, 1, &o));
	assert_int_equal(0, bf_batch_init(&bt, 2048));
	assert_int_equal(0, bf_batch_add(&bt, 2, 10, 1, msg, sizeof(msg)));
	assert_int_equal(0, bf_batch_add(&bt, 2, 11, 1, msg, 17));
	assert_int_equal(0, bf_put_data(b, 1, &bt, BF_CODEC_NONE, 0, NULL));
	bf_batch_free(&bt);
	assert_int_equal(0, bf_put_ack(b, 1, 11));
	assert_int_equal(0, bf_put_keepalive(b, 0));
	return 5;
}

static void test_every_split(void **state)
{
	struct bf_buf b;
	struct bf_frame f;
	size_t nframes, cut, i;

	(void)state;
	assert_int_equal(0, bf_buf_init(&b, 8192));
	nframes = build_stream(&b);
	/* Two reads split at every position: always the same frames. */
	for (cut = 0; cut <= b.len; cut++) {
		struct bf_decoder d;
		size_t got = 0;
		int r;

		assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
		assert_int_equal(cut, bf_dec_feed(&d, b.data, cut));
		while ((r = bf_dec_next(&d, &f)) == 1)
			got++;
		assert_int_equal(0, r);
		assert_int_equal(b.len - cut, bf_dec_feed(&d, b.data + cut, b.len - cut));
		while ((r = bf_dec_next(&d, &f)) == 1)
			got++;
		assert_int_equal(0, r);
		assert_int_equal(nframes, got);
		assert_int_equal(0, bf_dec_pending(&d));
		bf_dec_free(&d);
	}
	/* Byte by byte. */
	{
		struct bf_decoder d;
		size_t got = 0;

		assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
		for (i = 0; i < b.len; i++) {
			assert_int_equal(1, bf_dec_feed(&d, b.data + i, 1));
			while (bf_dec_next(&d, &f) == 1)
				got++;
		}
		assert_int_equal(nframes, got);
		bf_dec_free(&d);
	}
	bf_buf_free(&b);
}

/* Every truncated stream yields only whole, valid frames, then "need more". */
static void test_every_truncation(void **state)
{
	struct bf_buf b;
	struct bf_frame f;
	size_t len;

	(void)state;
	assert_int_equal(0, bf_buf_init(&b, 8192));
	build_stream(&b);
	for (len = 0; len < b.len; len++) {
		struct bf_decoder d;
		size_t bytes = 0;
		int r;

		assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
		bf_dec_feed(&d, b.data, len);
		while ((r = bf_dec_next(&d, &f)) == 1)
			bytes += BF_HDR_LEN + f.len;
		assert_int_equal(0, r);
		assert_true(bytes <= len);
		assert_int_equal(len - bytes, bf_dec_pending(&d));
		bf_dec_free(&d);
	}
	bf_buf_free(&b);
}

/* Any single flipped bit is caught: magic, type, size or CRC. */
static void test_every_bitflip(void **state)
{
	struct bf_buf b;
	struct bf_frame f;
	size_t bit;

	(void)state;
	assert_int_equal(0, bf_buf_init(&b, 8192));
	assert_int_equal(0, bf_put_hello(&b, &hello1));
	for (bit = 0; bit < b.len * 8; bit++) {
		struct bf_decoder d;
		int r;

		assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
		bf_dec_feed(&d, b.data, b.len);
		d.buf[bit / 8] ^= 1 << (bit % 8);
		r = bf_dec_next(&d, &f);
		/* A flipped length bit may make the frame look longer: incomplete. */
		if (bit / 8 >= 4 && bit / 8 < 8)
			assert_true(r == 0 || r == -BF_E_SIZE || r == -BF_E_CRC);
		else
			assert_true(r < 0);
		if (bit / 8 < 2)
			assert_int_equal(-BF_E_MAGIC, r);
		else if (bit / 8 >= 8)
			assert_int_equal(-BF_E_CRC, r);
		bf_dec_free(&d);
	}
	bf_buf_free(&b);
}

static void test_oversize_and_type(void **state)
{
	struct bf_decoder d;
	struct bf_frame f;
	uint8_t h[BF_HDR_LEN] = { 0x4b, 0x42, BF_DATA, 0, 0, 0, 0x10, 0x01 };	/* len 4097 */
	uint8_t big[BF_MIN_FRAME + 1] = { 0 };
	struct bf_buf b;

	(void)state;
	assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
	bf_dec_feed(&d, h, sizeof(h));
	assert_int_equal(-BF_E_SIZE, bf_dec_next(&d, &f));
	bf_dec_free(&d);

	h[2] = 0, h[6] = 0, h[7] = 0;
	assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
	bf_dec_feed(&d, h, sizeof(h));
	assert_int_equal(-BF_E_TYPE, bf_dec_next(&d, &f));
	bf_dec_free(&d);
	h[2] = 9;
	assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
	bf_dec_feed(&d, h, sizeof(h));
	assert_int_equal(-BF_E_TYPE, bf_dec_next(&d, &f));
	bf_dec_free(&d);

	/* The decoder's bound: after set_max, a frame that was fine is too big. */
	assert_int_equal(0, bf_buf_init(&b, 3 * BF_MIN_FRAME));
	assert_int_equal(0, bf_put_raw(&b, BF_KEEPALIVE, 0, 0, big, sizeof(big)));
	assert_int_equal(0, bf_dec_init(&d, 2 * BF_MIN_FRAME));
	bf_dec_set_max(&d, BF_MIN_FRAME);
	bf_dec_feed(&d, b.data, b.len);
	assert_int_equal(-BF_E_SIZE, bf_dec_next(&d, &f));
	bf_dec_free(&d);
	bf_buf_free(&b);

	/* Limits of init. */
	assert_int_equal(-EINVAL, bf_dec_init(&d, BF_MIN_FRAME - 1));
	assert_int_equal(-EINVAL, bf_dec_init(&d, BF_MAX_FRAME_LIMIT + 1));
}

/* The buffer never grows: space is what is left of cap. */
static void test_decoder_bounded(void **state)
{
	struct bf_decoder d;
	struct bf_buf b;
	struct bf_frame f;
	size_t room, frames = 0, off = 0;
	uint8_t payload[1000] = { 0 };
	int i, r;

	(void)state;
	assert_int_equal(0, bf_buf_init(&b, 64 * 1024));
	for (i = 0; i < 40; i++)
		assert_int_equal(0, bf_put_raw(&b, BF_KEEPALIVE, 0, 0, payload, 8 + i * 20));
	assert_int_equal(0, bf_dec_init(&d, BF_MIN_FRAME));
	while (off < b.len) {
		uint8_t *p = bf_dec_space(&d, &room);

		assert_true(room <= BF_HDR_LEN + BF_MIN_FRAME);
		assert_true(room > 0);
		if (room > 777)
			room = 777;
		if (room > b.len - off)
			room = b.len - off;
		memcpy(p, b.data + off, room);
		bf_dec_commit(&d, room);
		off += room;
		while ((r = bf_dec_next(&d, &f)) == 1) {
			assert_int_equal(8 + frames * 20, f.len);
			frames++;
		}
		assert_int_equal(0, r);
	}
	assert_int_equal(40, frames);
	bf_dec_free(&d);
	bf_buf_free(&b);
}

static void test_encoder_bounded(void **state)
{
	struct bf_buf b;
	struct bf_open o = { .producer_id = 1, .origin_node = 2, .topic = "t", .source = "s" };

	(void)state;
	assert_int_equal(0, bf_buf_init(&b, BF_HDR_LEN + 7));
	assert_int_equal(-BF_E_NOBUFS, bf_put_ack(&b, 1, 1));
	assert_int_equal(0, b.len);
	assert_int_equal(-BF_E_NOBUFS, bf_put_open(&b, 1, &o));
	assert_int_equal(-BF_E_FIELD, bf_put_open(&b, 0, &o));
	bf_buf_free(&b);
	assert_int_equal(0, bf_buf_init(&b, 100));
	assert_int_equal(0, bf_put_ack(&b, 1, 1));
	assert_int_equal(BF_HDR_LEN + 8, b.len);
	bf_buf_consume(&b, 4);
	assert_int_equal(BF_HDR_LEN + 4, b.len);
	bf_buf_free(&b);
}

static void test_parse_lengths(void **state)
{
	struct fx *x = fx_new(BF_MIN_FRAME);
	uint8_t p[64] = { 0 };
	struct bf_frame f;
	struct bf_resume r;
	struct bf_open o;
	struct bf_error e;
	uint64_t v;

	(void)state;
	/* ACK of 7 and 9 bytes, on stream 0, RESUME with unknown flags. */
	assert_int_equal(0, bf_put_raw(&x->out, BF_ACK, 0, 1, p, 7));
	decode_one(x, &f);
	assert_int_equal(-BF_E_LENGTH, bf_parse_ack(&f, &v));
	x->out.len = 0;
	assert_int_equal(0, bf_put_raw(&x->out, BF_ACK, 0, 0, p, 8));
	decode_one(x, &f);
	assert_int_equal(-BF_E_LENGTH, bf_parse_ack(&f, &v));
	x->out.len = 0;
	p[19] = 2;
	assert_int_equal(0, bf_put_raw(&x->out, BF_RESUME, 0, 1, p, 20));
	decode_one(x, &f);
	assert_int_equal(-BF_E_FIELD, bf_parse_resume(&f, &r));
	x->out.len = 0;
	/* OPEN whose topic length runs past the end, or is zero. */
	memset(p, 0, sizeof(p));
	p[16] = 0, p[17] = 40;
	assert_int_equal(0, bf_put_raw(&x->out, BF_OPEN, 0, 1, p, 30));
	decode_one(x, &f);
	assert_int_equal(-BF_E_LENGTH, bf_parse_open(&f, &o));
	x->out.len = 0;
	p[17] = 0;
	assert_int_equal(0, bf_put_raw(&x->out, BF_OPEN, 0, 1, p, 20));
	decode_one(x, &f);
	assert_int_equal(-BF_E_NAME, bf_parse_open(&f, &o));
	x->out.len = 0;
	/* ERROR whose text length disagrees with the frame. */
	p[4] = 0, p[5] = 10;
	assert_int_equal(0, bf_put_raw(&x->out, BF_ERROR, 0, 0, p, 12));
	decode_one(x, &f);
	assert_int_equal(-BF_E_LENGTH, bf_parse_error(&f, &e));
	fx_free(x);
	assert_string_equal("CRC32C mismatch", bf_strerror(-BF_E_CRC));
	assert_string_equal("unknown error", bf_strerror(-1000));
}

/*
 * Interoperability: tests/bridge/mkseeds is a second encoder, written in
 * Python from Documentation/bridge-protocol.rst alone.  Its conversations
 * (committed as the fuzzer's seeds; the first byte is the fuzzer's chunk
 * size) must decode and parse here without a single error.
 */
static int decode_seed(const char *name, int *data_records)
{
	char path[256];
	uint8_t buf[8192], scratch[65536];
	struct bf_decoder d;
	struct bf_frame f;
	struct bf_data_iter it;
	struct bf_record rec;
	struct bf_hello h;
	struct bf_open o;
	struct bf_resume r;
	struct bf_error e;
	uint64_t v;
	size_t n;
	int frames = 0, x;
	FILE *fp;

	snprintf(path, sizeof(path), "tests/fuzz/bridge_frame_corpus/%s", name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("%s: run from the source tree's top directory", path);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_true(n > 1);
	assert_int_equal(0, bf_dec_init(&d, 65536));
	assert_int_equal(n - 1, bf_dec_feed(&d, buf + 1, n - 1));
	while ((x = bf_dec_next(&d, &f)) == 1) {
		frames++;
		switch (f.type) {
		case BF_HELLO: assert_int_equal(0, bf_parse_hello(&f, &h)); break;
		case BF_OPEN: assert_int_equal(0, bf_parse_open(&f, &o)); break;
		case BF_RESUME: assert_int_equal(0, bf_parse_resume(&f, &r)); break;
		case BF_ACK: assert_int_equal(0, bf_parse_ack(&f, &v)); break;
		case BF_KEEPALIVE: assert_int_equal(0, bf_parse_keepalive(&f, &v)); break;
		case BF_ERROR:
		case BF_CLOSE: assert_int_equal(0, bf_parse_error(&f, &e)); break;
		case BF_DATA:
			assert_int_equal(0, bf_data_open(&f, scratch, sizeof(scratch), &it));
			while ((x = bf_data_next(&it, &rec)) == 1)
				(*data_records)++;
			assert_int_equal(0, x);
			break;
		}
	}
	assert_int_equal(0, x);
	assert_int_equal(0, bf_dec_pending(&d));
	bf_dec_free(&d);
	return frames;
}

static void test_interop_seeds(void **state)
{
	int recs = 0;

	(void)state;
	assert_int_equal(6, decode_seed("conversation", &recs));	/* HELLO OPEN DATA ACK KEEPALIVE CLOSE */
	assert_int_equal(20, recs);
	assert_int_equal(4, decode_seed("receiver", &recs));
	recs = 0;
	assert_int_equal(1, decode_seed("data-lz4", &recs));
	assert_int_equal(20, recs);
	recs = 0;
	assert_int_equal(1, decode_seed("data-zstd", &recs));
	assert_int_equal(20, recs);
	assert_int_equal(50, decode_seed("many-small", &recs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_hello_roundtrip),
		cmocka_unit_test(test_version_negotiation),
		cmocka_unit_test(test_bad_hello),
		cmocka_unit_test(test_small_frames_roundtrip),
		cmocka_unit_test(test_data_none),
		cmocka_unit_test(test_data_lz4),
		cmocka_unit_test(test_data_zstd),
		cmocka_unit_test(test_data_incompressible),
		cmocka_unit_test(test_batch_bounds),
		cmocka_unit_test(test_data_malformed),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_every_bitflip),
		cmocka_unit_test(test_oversize_and_type),
		cmocka_unit_test(test_decoder_bounded),
		cmocka_unit_test(test_encoder_bounded),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_interop_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
