// SPDX-License-Identifier: GPL-2.0
/*
 * Dead-letter records, decoded and printed; see deadletter.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadletter.h"

#define DL_TEXT_BYTES 32	/* payload bytes the text shows */

int dl_decode(const void *p, size_t len, uint64_t seq, uint64_t ts_ns,
	      struct dl_record *r)
{
	struct kstream_deadletter h;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.hdr_len < sizeof(h) || h.hdr_len > len ||
	    !memchr(h.src_topic, '\0', sizeof(h.src_topic)) ||
	    len - h.hdr_len > h.orig_len)
		return -EBADMSG;
	r->seq = seq;
	r->ts_ns = ts_ns;
	r->h = h;
	r->payload = (const uint8_t *)p + h.hdr_len;
	r->payload_len = len - h.hdr_len;
	return 0;
}

void dl_format_time(uint64_t ns, char *buf, size_t len)
{
	time_t s = ns / 1000000000;
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ns % 1000000000);
}

void dl_print_text(FILE *f, const struct dl_record *r)
{
	const struct kstream_deadletter *h = &r->h;
	uint32_t i, n = r->payload_len < DL_TEXT_BYTES ? r->payload_len : DL_TEXT_BYTES;
	char when[40];

	dl_format_time(h->ingress_ns, when, sizeof(when));
	fprintf(f, "seq %" PRIu64 " %s (id %" PRIu32 ") reason %" PRIu32
		" uid %" PRIu32 " gid %" PRIu32 " pid %" PRIu32, r->seq,
		h->src_topic, h->src_topic_id, h->reason, h->uid, h->gid, h->pid);
	if (h->producer_id)
		fprintf(f, " producer 0x%016" PRIx64 " seq %" PRIu64,
			(uint64_t)h->producer_id, (uint64_t)h->producer_seq);
	fprintf(f, " at %s\n    len %" PRIu32, when, h->orig_len);
	if (h->flags & KSTREAM_DL_TRUNCATED)
		fprintf(f, " (truncated to %" PRIu32 ")", r->payload_len);
	fputc(':', f);
	for (i = 0; i < n; i++)
		fprintf(f, " %02x", r->payload[i]);
	if (n < r->payload_len)
		fputs(" ...", f);
	fputc('\n', f);
}

void dl_print_json(struct json *j, const struct dl_record *r)
{
	const struct kstream_deadletter *h = &r->h;
	static const char hex[] = "0123456789abcdef";
	char *buf = malloc(2 * (size_t)r->payload_len + 1);
	uint32_t i;

	json_obj_start(j);
	json_kv_u64(j, "seq", r->seq);
	json_kv_u64(j, "ts_ns", r->ts_ns);
	json_kv_str(j, "topic", h->src_topic);
	json_kv_u64(j, "topic_id", h->src_topic_id);
	json_kv_u64(j, "reason", h->reason);
	json_kv_u64(j, "uid", h->uid);
	json_kv_u64(j, "gid", h->gid);
	json_kv_u64(j, "pid", h->pid);
	json_kv_u64(j, "ingress_ns", h->ingress_ns);
	json_kv_u64(j, "orig_len", h->orig_len);
	json_kv_bool(j, "truncated", h->flags & KSTREAM_DL_TRUNCATED);
	if (h->producer_id) {
		json_kv_u64(j, "producer_id", h->producer_id);
		json_kv_u64(j, "producer_seq", h->producer_seq);
	}
	if (buf) {
		for (i = 0; i < r->payload_len; i++) {
			buf[2 * i] = hex[r->payload[i] >> 4];
			buf[2 * i + 1] = hex[r->payload[i] & 15];
		}
		buf[2 * i] = '\0';
		json_kv_str(j, "payload_hex", buf);
		free(buf);
	} else {
		json_key(j, "payload_hex");
		json_null(j);
	}
	json_obj_end(j);
}
