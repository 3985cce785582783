/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The streambridge wire protocol: frame encoding and an incremental,
 * bounded decoder.  Documentation/bridge-protocol.rst is the
 * specification; this file follows it.
 *
 * Every multi-byte integer is big-endian.  A frame is a 16-byte header
 *
 *	magic u16 (0x4b42) | type u8 | flags u8 | length u32 | stream u32 | crc32c u32
 *
 * followed by @length payload bytes; the CRC32C covers the first 12
 * header bytes and the payload.  Nothing here allocates after init, and
 * nothing trusts a byte it received: every decoder returns a negative
 * BF_E_* code on malformed input (bf_strerror() names it).
 */
#ifndef BRIDGE_FRAME_H
#define BRIDGE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BF_MAGIC		0x4b42U	/* "KB" */
#define BF_VERSION		1	/* the protocol version this code speaks */
#define BF_HDR_LEN		16
/* Largest payload the protocol allows; peers announce their own max_frame. */
#define BF_MAX_FRAME_LIMIT	(16U << 20)
/* Smallest max_frame a peer may announce (a DATA frame of one 1 MiB message fits in the default). */
#define BF_MIN_FRAME		4096U
#define BF_MAX_FRAME_DEFAULT	(2U << 20)
#define BF_NAME_MAX		63	/* node names and topic names */
#define BF_TEXT_MAX		255	/* ERROR/CLOSE reason text */
#define BF_REC_HDR_LEN		32	/* per-message header inside DATA */
#define BF_DATA_HDR_LEN		12	/* codec, reserved, count, raw_len */

enum bf_type {
	BF_HELLO = 1,
	BF_OPEN = 2,
	BF_RESUME = 3,
	BF_DATA = 4,
	BF_ACK = 5,
	BF_KEEPALIVE = 6,
	BF_ERROR = 7,
	BF_CLOSE = 8,
};

/* HELLO features. */
#define BF_FEAT_LZ4		0x1U
#define BF_FEAT_ZSTD		0x2U
#define BF_FEAT_ALL		(BF_FEAT_LZ4 | BF_FEAT_ZSTD)

/* DATA body codecs. */
enum bf_codec { BF_CODEC_NONE = 0, BF_CODEC_LZ4 = 1, BF_CODEC_ZSTD = 2 };

/* RESUME flags. */
#define BF_RESUME_KNOWN		0x1U

/* ERROR and CLOSE codes. */
enum bf_code {
	BF_C_OK = 0,		/* CLOSE: normal shutdown */
	BF_C_PROTOCOL = 1,	/* malformed frame or state violation */
	BF_C_VERSION = 2,	/* no common protocol version */
	BF_C_DENIED = 3,	/* peer not granted that topic */
	BF_C_NO_TOPIC = 4,	/* destination topic does not exist */
	BF_C_INTERNAL = 5,	/* receiver-side failure (kernel error) */
	BF_C_SHUTDOWN = 6,	/* peer is stopping or reloading */
	BF_C_TOO_BIG = 7,	/* message larger than the destination accepts */
	BF_C_TIMEOUT = 8,	/* no frame within the keepalive bound */
};

/* Decoder and parser errors (returned negated). */
enum bf_err {
	BF_E_MAGIC = 1,		/* bad magic */
	BF_E_SIZE,		/* length above the agreed maximum */
	BF_E_CRC,		/* CRC32C mismatch */
	BF_E_TYPE,		/* unknown frame type */
	BF_E_LENGTH,		/* payload too short/long for its type */
	BF_E_NAME,		/* invalid name (length, characters) */
	BF_E_VERSION,		/* version range empty or unsupported */
	BF_E_FIELD,		/* a field out of its range */
	BF_E_CODEC,		/* unknown codec or failed decompression */
	BF_E_ORDER,		/* sequences not strictly increasing */
	BF_E_COUNT,		/* record count disagrees with the body */
	BF_E_NOBUFS,		/* encoder: output buffer full */
	BF_E_MAX_,
};
const char *bf_strerror(int err);

/* A received frame: @payload points into the decoder's buffer. */
struct bf_frame {
	uint8_t type;
	uint8_t flags;
	uint32_t stream;
	uint32_t len;
	const uint8_t *payload;
};

/* ---- decoding ---- */

struct bf_decoder {
	uint8_t *buf;
	size_t cap;		/* BF_HDR_LEN + max_payload */
	size_t start, end;	/* undecoded bytes: buf[start..end) */
	uint32_t max_payload;
	bool have_frame;	/* a frame handed out, consumed on the next call */
	size_t frame_len;
};

int bf_dec_init(struct bf_decoder *d, uint32_t max_payload);
void bf_dec_free(struct bf_decoder *d);
/* Lower (or raise, up to the initial size) the accepted payload size. */
void bf_dec_set_max(struct bf_decoder *d, uint32_t max_payload);
/* Where the next bytes go: returns a pointer, *room bytes free (0: a frame must be taken first). */
uint8_t *bf_dec_space(struct bf_decoder *d, size_t *room);
void bf_dec_commit(struct bf_decoder *d, size_t n);
/* Copy in (tests, fuzzers): returns bytes taken. */
size_t bf_dec_feed(struct bf_decoder *d, const void *data, size_t len);
/*
 * The next complete frame: 1 (*f valid until the next call), 0 when more
 * bytes are needed, -BF_E_* on a malformed header or CRC (the stream is
 * unusable from then on).
 */
int bf_dec_next(struct bf_decoder *d, struct bf_frame *f);
/* Bytes buffered but not yet returned as frames. */
size_t bf_dec_pending(const struct bf_decoder *d);

/* ---- frame payloads ---- */

struct bf_hello {
	uint16_t version_min, version_max;
	uint32_t features;
	uint64_t node_id;
	uint32_t max_frame;	/* largest payload this peer accepts */
	uint32_t keepalive_ms;	/* this peer sends something at least this often */
	char name[BF_NAME_MAX + 1];
};

struct bf_open {
	uint64_t producer_id;
	uint64_t origin_node;
	char topic[BF_NAME_MAX + 1];	/* destination topic on the receiver */
	char source[BF_NAME_MAX + 1];	/* source topic on the origin node */
};

struct bf_resume {
	uint64_t producer_id;
	uint64_t last_seq;
	uint32_t flags;		/* BF_RESUME_KNOWN */
};

struct bf_error {
	uint32_t code;
	char text[BF_TEXT_MAX + 1];
};

/* One message inside a DATA frame. */
struct bf_record {
	uint64_t origin_node;
	uint64_t seq;
	uint64_t ts_ns;
	uint32_t len;
	uint32_t flags;
	const uint8_t *data;
};

int bf_parse_hello(const struct bf_frame *f, struct bf_hello *h);
int bf_parse_open(const struct bf_frame *f, struct bf_open *o);
int bf_parse_resume(const struct bf_frame *f, struct bf_resume *r);
int bf_parse_ack(const struct bf_frame *f, uint64_t *seq);
int bf_parse_keepalive(const struct bf_frame *f, uint64_t *stamp);
int bf_parse_error(const struct bf_frame *f, struct bf_error *e);	/* ERROR and CLOSE */

/* The version both peers speak, or -BF_E_VERSION. */
int bf_negotiate_version(const struct bf_hello *mine, const struct bf_hello *peer);
/* A valid kstream topic or node name: 1..63 of [A-Za-z0-9._-], not "." or "..". */
bool bf_name_valid(const char *s, size_t len);

/*
 * DATA: bf_data_open() checks the header and, for a compressed body,
 * decompresses it into @scratch (@scratch_cap bytes, at least the
 * decoder's max payload); then bf_data_next() hands out the records, each
 * checked against the body and against the one before (sequences strictly
 * increasing).  A body is accepted only if it holds exactly count records.
 */
struct bf_data_iter {
	const uint8_t *p, *end;
	uint32_t count, seen;
	uint64_t last_seq;
	uint8_t codec;
	uint32_t raw_len;
	uint32_t wire_len;	/* payload bytes on the wire */
};
int bf_data_open(const struct bf_frame *f, uint8_t *scratch, size_t scratch_cap,
		 struct bf_data_iter *it);
/* 1 and *r filled, 0 at the end (all records seen), -BF_E_* otherwise. */
int bf_data_next(struct bf_data_iter *it, struct bf_record *r);

/* ---- encoding ---- */

/* A bounded output buffer: frames are appended whole or not at all. */
struct bf_buf {
	uint8_t *data;
	size_t cap, len;
};
int bf_buf_init(struct bf_buf *b, size_t cap);
void bf_buf_free(struct bf_buf *b);
/* Drop the first n bytes (they were sent). */
void bf_buf_consume(struct bf_buf *b, size_t n);

int bf_put_hello(struct bf_buf *b, const struct bf_hello *h);
int bf_put_open(struct bf_buf *b, uint32_t stream, const struct bf_open *o);
int bf_put_resume(struct bf_buf *b, uint32_t stream, const struct bf_resume *r);
int bf_put_ack(struct bf_buf *b, uint32_t stream, uint64_t seq);
int bf_put_keepalive(struct bf_buf *b, uint64_t stamp);
int bf_put_error(struct bf_buf *b, uint8_t type, uint32_t stream, uint32_t code,
		 const char *text);
/* Any frame from raw payload bytes (tests, fuzz seeds). */
int bf_put_raw(struct bf_buf *b, uint8_t type, uint8_t flags, uint32_t stream,
	       const void *payload, uint32_t len);

/* A DATA batch under construction: the uncompressed body. */
struct bf_batch {
	uint8_t *raw;
	size_t cap, len;	/* cap: the peer's max_frame - BF_DATA_HDR_LEN */
	uint32_t count;
	uint64_t first_seq, last_seq;
	uint64_t payload_bytes;	/* message bytes, without headers */
};
int bf_batch_init(struct bf_batch *bt, size_t cap);
void bf_batch_free(struct bf_batch *bt);
void bf_batch_reset(struct bf_batch *bt);
/* Set the body bound (the peer's max_frame allows less than cap). */
void bf_batch_limit(struct bf_batch *bt, size_t cap);
/* 0, -BF_E_NOBUFS if the record does not fit, -BF_E_ORDER if seq does not increase. */
int bf_batch_add(struct bf_batch *bt, uint64_t origin, uint64_t seq, uint64_t ts_ns,
		 const void *data, uint32_t len);
/* Room left for one more record's payload (0 when not even a header fits). */
size_t bf_batch_room(const struct bf_batch *bt);
/*
 * Append the batch as one DATA frame, compressed with @codec at @level
 * when that makes it smaller (else sent as BF_CODEC_NONE); *wire_len gets
 * the frame's payload size.  The batch is left as is.
 */
int bf_put_data(struct bf_buf *b, uint32_t stream, const struct bf_batch *bt,
		enum bf_codec codec, int level, uint32_t *wire_len);

/* Largest compressed size of a raw body of @raw bytes (for buffer sizing). */
size_t bf_data_bound(size_t raw);

#endif /* BRIDGE_FRAME_H */
