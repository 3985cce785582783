// SPDX-License-Identifier: GPL-2.0
/*
 * The streambridge wire protocol (frame.h, Documentation/bridge-protocol.rst).
 * Uses: crc32c, liblz4, libzstd.  No I/O, no global state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <zstd.h>

#include "crc32c.h"
#include "frame.h"

static const char *const bf_errs[BF_E_MAX_] = {
	[0] = "no error",
	[BF_E_MAGIC] = "bad magic",
	[BF_E_SIZE] = "frame larger than the agreed maximum",
	[BF_E_CRC] = "CRC32C mismatch",
	[BF_E_TYPE] = "unknown frame type",
	[BF_E_LENGTH] = "payload length wrong for the frame type",
	[BF_E_NAME] = "invalid name",
	[BF_E_VERSION] = "no common protocol version",
	[BF_E_FIELD] = "field out of range",
	[BF_E_CODEC] = "unknown codec or corrupt compressed body",
	[BF_E_ORDER] = "sequence numbers not increasing",
	[BF_E_COUNT] = "record count does not match the body",
	[BF_E_NOBUFS] = "output buffer full",
};

const char *bf_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < BF_E_MAX_ ? bf_errs[err] : "unknown error";
}

/* ---- byte order ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ---- decoder ---- */

int bf_dec_init(struct bf_decoder *d, uint32_t max_payload)
{
	memset(d, 0, sizeof(*d));
	if (max_payload < BF_MIN_FRAME || max_payload > BF_MAX_FRAME_LIMIT)
		return -EINVAL;
	d->cap = BF_HDR_LEN + (size_t)max_payload;
	d->buf = malloc(d->cap);
	if (!d->buf)
		return -ENOMEM;
	d->max_payload = max_payload;
	return 0;
}

void bf_dec_free(struct bf_decoder *d)
{
	free(d->buf);
	d->buf = NULL;
}

void bf_dec_set_max(struct bf_decoder *d, uint32_t max_payload)
{
	if (max_payload < BF_MIN_FRAME)
		max_payload = BF_MIN_FRAME;
	if (BF_HDR_LEN + (size_t)max_payload > d->cap)
		max_payload = d->cap - BF_HDR_LEN;
	d->max_payload = max_payload;
}

static void bf_dec_take(struct bf_decoder *d)
{
	if (d->have_frame) {
		d->start += d->frame_len;
		d->have_frame = false;
	}
	if (d->start == d->end)
		d->start = d->end = 0;
}

uint8_t *bf_dec_space(struct bf_decoder *d, size_t *room)
{
	/* A handed-out frame stays valid until bf_dec_next(): no move then. */
	if (!d->have_frame && d->start && d->end == d->cap) {
		memmove(d->buf, d->buf + d->start, d->end - d->start);
		d->end -= d->start;
		d->start = 0;
	}
	*room = d->cap - d->end;
	return d->buf + d->end;
}

void bf_dec_commit(struct bf_decoder *d, size_t n)
{
	d->end += n;
}

size_t bf_dec_feed(struct bf_decoder *d, const void *data, size_t len)
{
	size_t room;
	uint8_t *p = bf_dec_space(d, &room);

	if (len > room)
		len = room;
	memcpy(p, data, len);
	bf_dec_commit(d, len);
	return len;
}

size_t bf_dec_pending(const struct bf_decoder *d)
{
	return d->end - d->start - (d->have_frame ? d->frame_len : 0);
}

static bool bf_type_known(uint8_t t)
{
	return t >= BF_HELLO && t <= BF_CLOSE;
}

int bf_dec_next(struct bf_decoder *d, struct bf_frame *f)
{
	const uint8_t *h;
	uint32_t len, crc;
	size_t avail;

	bf_dec_take(d);
	avail = d->end - d->start;
	if (avail < BF_HDR_LEN)
		goto need_more;
	h = d->buf + d->start;
	if (get16(h) != BF_MAGIC)
		return -BF_E_MAGIC;
	if (!bf_type_known(h[2]))
		return -BF_E_TYPE;
	len = get32(h + 4);
	if (len > d->max_payload)
		return -BF_E_SIZE;
	if (avail < BF_HDR_LEN + (size_t)len)
		goto need_more;
	crc = crc32c(0, h, 12);
	crc = crc32c(crc, h + BF_HDR_LEN, len);
	if (crc != get32(h + 12))
		return -BF_E_CRC;
	f->type = h[2];
	f->flags = h[3];
	f->len = len;
	f->stream = get32(h + 8);
	f->payload = h + BF_HDR_LEN;
	d->have_frame = true;
	d->frame_len = BF_HDR_LEN + len;
	return 1;

need_more:
	/* Make room for the rest of this frame at the buffer's end. */
	if (d->start && d->end == d->cap) {
		memmove(d->buf, d->buf + d->start, avail);
		d->start = 0;
		d->end = avail;
	}
	return 0;
}

/* ---- payload parsers ---- */

bool bf_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > BF_NAME_MAX)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A u16-length-prefixed name at *p (within end): copied to out, NUL-terminated. */
static int get_name(const uint8_t **p, const uint8_t *end, char *out, bool allow_empty)
{
	uint16_t n;

	if (end - *p < 2)
		return -BF_E_LENGTH;
	n = get16(*p);
	*p += 2;
	if ((size_t)(end - *p) < n)
		return -BF_E_LENGTH;
	if (!(allow_empty && n == 0) && !bf_name_valid((const char *)*p, n))
		return -BF_E_NAME;
	memcpy(out, *p, n);
	out[n] = 0;
	*p += n;
	return 0;
}

int bf_parse_hello(const struct bf_frame *f, struct bf_hello *h)
{
	const uint8_t *p = f->payload, *end = p + f->len;
	int err;

	if (f->type != BF_HELLO || f->stream != 0 || f->len < 24)
		return -BF_E_LENGTH;
	h->version_min = get16(p);
	h->version_max = get16(p + 2);
	h->features = get32(p + 4);
	h->node_id = get64(p + 8);
	h->max_frame = get32(p + 16);
	h->keepalive_ms = get32(p + 20);
	p += 24;
	if (h->version_min == 0 || h->version_min > h->version_max)
		return -BF_E_VERSION;
	if (h->max_frame < BF_MIN_FRAME || h->max_frame > BF_MAX_FRAME_LIMIT ||
	    h->keepalive_ms < 100 || h->keepalive_ms > 3600000)
		return -BF_E_FIELD;
	err = get_name(&p, end, h->name, false);
	if (err)
		return err;
	/* Unknown features are ignored; trailing bytes are not allowed in version 1. */
	return p == end ? 0 : -BF_E_LENGTH;
}

int bf_negotiate_version(const struct bf_hello *mine, const struct bf_hello *peer)
{
	uint16_t lo = mine->version_min > peer->version_min ? mine->version_min : peer->version_min;
	uint16_t hi = mine->version_max < peer->version_max ? mine->version_max : peer->version_max;

	return lo <= hi ? hi : -BF_E_VERSION;
}

int bf_parse_open(const struct bf_frame *f, struct bf_open *o)
{
	const uint8_t *p = f->payload, *end = p + f->len;
	int err;

	if (f->type != BF_OPEN || f->stream == 0 || f->len < 16)
		return -BF_E_LENGTH;
	o->producer_id = get64(p);
	o->origin_node = get64(p + 8);
	p += 16;
	err = get_name(&p, end, o->topic, false);
	if (!err)
		err = get_name(&p, end, o->source, false);
	if (err)
		return err;
	return p == end ? 0 : -BF_E_LENGTH;
}

int bf_parse_resume(const struct bf_frame *f, struct bf_resume *r)
{
	if (f->type != BF_RESUME || f->stream == 0 || f->len != 20)
		return -BF_E_LENGTH;
	r->producer_id = get64(f->payload);
	r->last_seq = get64(f->payload + 8);
	r->flags = get32(f->payload + 16);
	if (r->flags & ~BF_RESUME_KNOWN)
		return -BF_E_FIELD;
	return 0;
}

int bf_parse_ack(const struct bf_frame *f, uint64_t *seq)
{
	if (f->type != BF_ACK || f->stream == 0 || f->len != 8)
		return -BF_E_LENGTH;
	*seq = get64(f->payload);
	return 0;
}

int bf_parse_keepalive(const struct bf_frame *f, uint64_t *stamp)
{
	if (f->type != BF_KEEPALIVE || f->stream != 0 || f->len != 8)
		return -BF_E_LENGTH;
	*stamp = get64(f->payload);
	return 0;
}

int bf_parse_error(const struct bf_frame *f, struct bf_error *e)
{
	uint16_t n;
	size_t i;

	if ((f->type != BF_ERROR && f->type != BF_CLOSE) || f->len < 6)
		return -BF_E_LENGTH;
	e->code = get32(f->payload);
	n = get16(f->payload + 4);
	if (n > BF_TEXT_MAX || (size_t)n + 6 != f->len)
		return -BF_E_LENGTH;
	/* Reason text goes to logs: printable ASCII only. */
	for (i = 0; i < n; i++) {
		uint8_t c = f->payload[6 + i];

		e->text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	e->text[n] = 0;
	return 0;
}

/* ---- DATA ---- */

size_t bf_data_bound(size_t raw)
{
	size_t a = LZ4_compressBound(raw > LZ4_MAX_INPUT_SIZE ? LZ4_MAX_INPUT_SIZE : (int)raw);
	size_t b = ZSTD_compressBound(raw);

	return a > b ? a : b;
}

int bf_data_open(const struct bf_frame *f, uint8_t *scratch, size_t scratch_cap,
		 struct bf_data_iter *it)
{
	const uint8_t *p = f->payload;
	size_t body_len;

	memset(it, 0, sizeof(*it));
	if (f->type != BF_DATA || f->stream == 0 || f->len < BF_DATA_HDR_LEN)
		return -BF_E_LENGTH;
	it->codec = p[0];
	if (p[1] || p[2] || p[3])
		return -BF_E_FIELD;
	it->count = get32(p + 4);
	it->raw_len = get32(p + 8);
	it->wire_len = f->len;
	body_len = f->len - BF_DATA_HDR_LEN;
	p += BF_DATA_HDR_LEN;
	if (it->count == 0 || it->raw_len / BF_REC_HDR_LEN < it->count)
		return -BF_E_COUNT;
	switch (it->codec) {
	case BF_CODEC_NONE:
		if (body_len != it->raw_len)
			return -BF_E_LENGTH;
		it->p = p;
		break;
	case BF_CODEC_LZ4: {
		int n;

		if (it->raw_len > scratch_cap || body_len > LZ4_MAX_INPUT_SIZE)
			return -BF_E_SIZE;
		n = LZ4_decompress_safe((const char *)p, (char *)scratch, (int)body_len,
					(int)it->raw_len);
		if (n < 0 || (uint32_t)n != it->raw_len)
			return -BF_E_CODEC;
		it->p = scratch;
		break;
	}
	case BF_CODEC_ZSTD: {
		unsigned long long want = ZSTD_getFrameContentSize(p, body_len);
		size_t n;

		if (it->raw_len > scratch_cap)
			return -BF_E_SIZE;
		/* The frame must declare its size, and declare the one DATA says. */
		if (want != it->raw_len)
			return -BF_E_CODEC;
		n = ZSTD_decompress(scratch, it->raw_len, p, body_len);
		if (ZSTD_isError(n) || n != it->raw_len)
			return -BF_E_CODEC;
		it->p = scratch;
		break;
	}
	default:
		return -BF_E_CODEC;
	}
	it->end = it->p + it->raw_len;
	return 0;
}

int bf_data_next(struct bf_data_iter *it, struct bf_record *r)
{
	size_t left = it->end - it->p;

	if (it->seen == it->count)
		return left ? -BF_E_COUNT : 0;
	if (left < BF_REC_HDR_LEN)
		return -BF_E_COUNT;
	r->origin_node = get64(it->p);
	r->seq = get64(it->p + 8);
	r->ts_ns = get64(it->p + 16);
	r->len = get32(it->p + 24);
	r->flags = get32(it->p + 28);
	if (r->flags)
		return -BF_E_FIELD;
	if (r->len == 0)	/* kstream has no empty messages */
		return -BF_E_FIELD;
	if (left - BF_REC_HDR_LEN < r->len)
		return -BF_E_LENGTH;
	if (it->seen && r->seq <= it->last_seq)
		return -BF_E_ORDER;
	r->data = it->p + BF_REC_HDR_LEN;
	it->p += BF_REC_HDR_LEN + r->len;
	it->last_seq = r->seq;
	it->seen++;
	return 1;
}

/* ---- encoder ---- */

int bf_buf_init(struct bf_buf *b, size_t cap)
{
	b->data = malloc(cap);
	b->cap = b->data ? cap : 0;
	b->len = 0;
	return b->data ? 0 : -ENOMEM;
}

void bf_buf_free(struct bf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->len = 0;
}

void bf_buf_consume(struct bf_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* Reserve a frame of @len payload bytes; returns its payload, or NULL. */
static uint8_t *frame_begin(struct bf_buf *b, uint8_t type, uint8_t flags,
			    uint32_t stream, size_t len)
{
	uint8_t *h;

	if (b->cap - b->len < BF_HDR_LEN + len)
		return NULL;
	h = b->data + b->len;
	put16(h, BF_MAGIC);
	h[2] = type;
	h[3] = flags;
	put32(h + 4, (uint32_t)len);
	put32(h + 8, stream);
	return h + BF_HDR_LEN;
}

/* Finish the frame frame_begin() started: CRC, and count it in. */
static void frame_end(struct bf_buf *b)
{
	uint8_t *h = b->data + b->len;
	uint32_t len = get32(h + 4), crc;

	crc = crc32c(0, h, 12);
	crc = crc32c(crc, h + BF_HDR_LEN, len);
	put32(h + 12, crc);
	b->len += BF_HDR_LEN + len;
}

int bf_put_raw(struct bf_buf *b, uint8_t type, uint8_t flags, uint32_t stream,
	       const void *payload, uint32_t len)
{
	uint8_t *p = frame_begin(b, type, flags, stream, len);

	if (!p)
		return -BF_E_NOBUFS;
	if (len)
		memcpy(p, payload, len);
	frame_end(b);
	return 0;
}

static uint8_t *put_name(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	put16(p, (uint16_t)n);
	memcpy(p + 2, s, n);
	return p + 2 + n;
}

int bf_put_hello(struct bf_buf *b, const struct bf_hello *h)
{
	size_t n = strnlen(h->name, BF_NAME_MAX + 1);
	uint8_t *p;

	if (!bf_name_valid(h->name, n))
		return -BF_E_NAME;
	p = frame_begin(b, BF_HELLO, 0, 0, 24 + 2 + n);
	if (!p)
		return -BF_E_NOBUFS;
	put16(p, h->version_min);
	put16(p + 2, h->version_max);
	put32(p + 4, h->features);
	put64(p + 8, h->node_id);
	put32(p + 16, h->max_frame);
	put32(p + 20, h->keepalive_ms);
	put_name(p + 24, h->name);
	frame_end(b);
	return 0;
}

int bf_put_open(struct bf_buf *b, uint32_t stream, const struct bf_open *o)
{
	size_t nt = strnlen(o->topic, BF_NAME_MAX + 1), ns = strnlen(o->source, BF_NAME_MAX + 1);
	uint8_t *p;

	if (!stream)
		return -BF_E_FIELD;
	if (!bf_name_valid(o->topic, nt) || !bf_name_valid(o->source, ns))
		return -BF_E_NAME;
	p = frame_begin(b, BF_OPEN, 0, stream, 16 + 2 + nt + 2 + ns);
	if (!p)
		return -BF_E_NOBUFS;
	put64(p, o->producer_id);
	put64(p + 8, o->origin_node);
	put_name(put_name(p + 16, o->topic), o->source);
	frame_end(b);
	return 0;
}

int bf_put_resume(struct bf_buf *b, uint32_t stream, const struct bf_resume *r)
{
	uint8_t *p = frame_begin(b, BF_RESUME, 0, stream, 20);

	if (!p)
		return -BF_E_NOBUFS;
	put64(p, r->producer_id);
	put64(p + 8, r->last_seq);
	put32(p + 16, r->flags);
	frame_end(b);
	return 0;
}

int bf_put_ack(struct bf_buf *b, uint32_t stream, uint64_t seq)
{
	uint8_t *p = frame_begin(b, BF_ACK, 0, stream, 8);

	if (!p)
		return -BF_E_NOBUFS;
	put64(p, seq);
	frame_end(b);
	return 0;
}

int bf_put_keepalive(struct bf_buf *b, uint64_t stamp)
{
	uint8_t *p = frame_begin(b, BF_KEEPALIVE, 0, 0, 8);

	if (!p)
		return -BF_E_NOBUFS;
	put64(p, stamp);
	frame_end(b);
	return 0;
}

int bf_put_error(struct bf_buf *b, uint8_t type, uint32_t stream, uint32_t code,
		 const char *text)
{
	size_t n = strnlen(text, BF_TEXT_MAX);
	uint8_t *p;

	if (type != BF_ERROR && type != BF_CLOSE)
		return -BF_E_TYPE;
	p = frame_begin(b, type, 0, stream, 6 + n);
	if (!p)
		return -BF_E_NOBUFS;
	put32(p, code);
	put16(p + 4, (uint16_t)n);
	memcpy(p + 6, text, n);
	frame_end(b);
	return 0;
}

int bf_batch_init(struct bf_batch *bt, size_t cap)
{
	memset(bt, 0, sizeof(*bt));
	bt->raw = malloc(cap);
	if (!bt->raw)
		return -ENOMEM;
	bt->cap = cap;
	return 0;
}

void bf_batch_free(struct bf_batch *bt)
{
	free(bt->raw);
	bt->raw = NULL;
}

void bf_batch_reset(struct bf_batch *bt)
{
	bt->len = 0;
	bt->count = 0;
	bt->first_seq = bt->last_seq = 0;
	bt->payload_bytes = 0;
}

void bf_batch_limit(struct bf_batch *bt, size_t cap)
{
	if (cap < bt->cap)
		bt->cap = cap;
}

size_t bf_batch_room(const struct bf_batch *bt)
{
	size_t left = bt->cap - bt->len;

	return left > BF_REC_HDR_LEN ? left - BF_REC_HDR_LEN : 0;
}

int bf_batch_add(struct bf_batch *bt, uint64_t origin, uint64_t seq, uint64_t ts_ns,
		 const void *data, uint32_t len)
{
	uint8_t *p;

	if (len == 0)
		return -BF_E_FIELD;
	if (bt->cap - bt->len < BF_REC_HDR_LEN + (size_t)len)
		return -BF_E_NOBUFS;
	if (bt->count && seq <= bt->last_seq)
		return -BF_E_ORDER;
	p = bt->raw + bt->len;
	put64(p, origin);
	put64(p + 8, seq);
	put64(p + 16, ts_ns);
	put32(p + 24, len);
	put32(p + 28, 0);
	memcpy(p + BF_REC_HDR_LEN, data, len);
	bt->len += BF_REC_HDR_LEN + len;
	if (!bt->count)
		bt->first_seq = seq;
	bt->last_seq = seq;
	bt->count++;
	bt->payload_bytes += len;
	return 0;
}

int bf_put_data(struct bf_buf *b, uint32_t stream, const struct bf_batch *bt,
		enum bf_codec codec, int level, uint32_t *wire_len)
{
	size_t room, n = 0;
	uint8_t *p;

	if (!bt->count || !stream)
		return -BF_E_FIELD;
	if (b->cap - b->len < BF_HDR_LEN + BF_DATA_HDR_LEN)
		return -BF_E_NOBUFS;
	/* Compress straight into the output, bounded by the raw size. */
	p = b->data + b->len + BF_HDR_LEN;
	room = b->cap - b->len - BF_HDR_LEN - BF_DATA_HDR_LEN;
	if (room > bt->len - 1)
		room = bt->len - 1;	/* compression must save at least a byte */
	if (codec == BF_CODEC_LZ4 && bt->len <= LZ4_MAX_INPUT_SIZE) {
		int r = LZ4_compress_fast((const char *)bt->raw, (char *)p + BF_DATA_HDR_LEN,
					  (int)bt->len, (int)room, level > 0 ? level : 1);

		n = r > 0 ? (size_t)r : 0;
	} else if (codec == BF_CODEC_ZSTD) {
		size_t r = ZSTD_compress(p + BF_DATA_HDR_LEN, room, bt->raw, bt->len,
					 level ? level : 1);

		n = ZSTD_isError(r) ? 0 : r;
	}
	if (!n) {
		codec = BF_CODEC_NONE;
		if (b->cap - b->len < BF_HDR_LEN + BF_DATA_HDR_LEN + bt->len)
			return -BF_E_NOBUFS;
		memcpy(p + BF_DATA_HDR_LEN, bt->raw, bt->len);
		n = bt->len;
	}
	p = frame_begin(b, BF_DATA, 0, stream, BF_DATA_HDR_LEN + n);
	p[0] = codec;
	p[1] = p[2] = p[3] = 0;
	put32(p + 4, bt->count);
	put32(p + 8, (uint32_t)bt->len);
	frame_end(b);
	if (wire_len)
		*wire_len = BF_DATA_HDR_LEN + n;
	return 0;
}
