/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: follow one message from publish to delivery.
 *
 *   kstream:kstream_publish  a message was committed (seq, len, ts)
 *   kstream:kstream_drop     the ingress verdict dropped a message
 *   kstream:kstream_duplicate  an idempotent producer's repeat was discarded
 *   kstream:kstream_deliver  read() copied a message out (with latency)
 *   kstream:kstream_lap      a reader lost messages to overwrite
 *
 * and every sleep and wakeup of the wakeup protocol (design.rst):
 *
 *   kstream:kstream_reader_arm   a reader found nothing and armed itself
 *   kstream:kstream_reader_wake  a commit (or death) woke an armed reader
 *   kstream:kstream_writer_wait  a block topic's producer found no room
 *   kstream:kstream_writer_wake  a consumer made room and woke producers
 *
 * e.g. perf trace -e 'kstream:*', or
 *   bpftrace -e 'tracepoint:kstream:kstream_deliver { @[args->topic] = hist(args->latency_ns); }'
 * A deliver event whose copy turns out torn (the reader was lapped while
 * copying) is followed by a lap event and the delivery of the oldest
 * retained message instead.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kstream

#if !defined(_KSTREAM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KSTREAM_TRACE_H

#include <linux/tracepoint.h>

#include "topic.h"

TRACE_EVENT(kstream_publish,
	TP_PROTO(const struct kstream_topic *t, u64 seq, u32 len, u64 ts_ns),
	TP_ARGS(t, seq, len, ts_ns),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u64, seq)
		__field(u32, len)
		__field(u64, ts_ns)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->seq = seq;
		__entry->len = len;
		__entry->ts_ns = ts_ns;
	),
	TP_printk("topic=%s seq=%llu len=%u ts_ns=%llu", __entry->topic,
		  __entry->seq, __entry->len, __entry->ts_ns)
);

TRACE_EVENT(kstream_drop,
	TP_PROTO(const struct kstream_topic *t, u32 len, u32 reason),
	TP_ARGS(t, len, reason),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u32, len)
		__field(u32, reason)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->len = len;
		__entry->reason = reason;
	),
	TP_printk("topic=%s len=%u reason=%u", __entry->topic, __entry->len,
		  __entry->reason)
);

TRACE_EVENT(kstream_duplicate,
	TP_PROTO(const struct kstream_topic *t, u64 id, u64 seq, u32 len),
	TP_ARGS(t, id, seq, len),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u64, id)
		__field(u64, seq)
		__field(u32, len)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->id = id;
		__entry->seq = seq;
		__entry->len = len;
	),
	TP_printk("topic=%s producer=%llx seq=%llu len=%u", __entry->topic,
		  __entry->id, __entry->seq, __entry->len)
);

TRACE_EVENT(kstream_deliver,
	TP_PROTO(const struct kstream_topic *t, u64 seq, u32 len, u64 ts_ns,
		 u64 now_ns),
	TP_ARGS(t, seq, len, ts_ns, now_ns),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u64, seq)
		__field(u32, len)
		__field(u64, latency_ns)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->seq = seq;
		__entry->len = len;
		__entry->latency_ns = now_ns > ts_ns ? now_ns - ts_ns : 0;
	),
	TP_printk("topic=%s seq=%llu len=%u latency_ns=%llu", __entry->topic,
		  __entry->seq, __entry->len, __entry->latency_ns)
);

TRACE_EVENT(kstream_lap,
	TP_PROTO(const struct kstream_topic *t, pid_t pid, u64 lost),
	TP_ARGS(t, pid, lost),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(pid_t, pid)
		__field(u64, lost)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->pid = pid;
		__entry->lost = lost;
	),
	TP_printk("topic=%s pid=%d lost=%llu", __entry->topic, __entry->pid,
		  __entry->lost)
);

/* The wakeup protocol: positions are ring byte positions. */
DECLARE_EVENT_CLASS(kstream_reader_event,
	TP_PROTO(const struct kstream_topic *t, pid_t pid, u64 pos, u64 ring_head,
		 u32 wake_bytes),
	TP_ARGS(t, pid, pos, ring_head, wake_bytes),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(pid_t, pid)
		__field(u64, pos)
		__field(u64, head)
		__field(u32, wake_bytes)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->pid = pid;
		__entry->pos = pos;
		__entry->head = ring_head;
		__entry->wake_bytes = wake_bytes;
	),
	TP_printk("topic=%s pid=%d pos=%llu head=%llu pending=%llu wake_bytes=%u",
		  __entry->topic, __entry->pid, __entry->pos, __entry->head,
		  __entry->head - __entry->pos, __entry->wake_bytes)
);

DEFINE_EVENT(kstream_reader_event, kstream_reader_arm,
	TP_PROTO(const struct kstream_topic *t, pid_t pid, u64 pos, u64 ring_head,
		 u32 wake_bytes),
	TP_ARGS(t, pid, pos, ring_head, wake_bytes));

DEFINE_EVENT(kstream_reader_event, kstream_reader_wake,
	TP_PROTO(const struct kstream_topic *t, pid_t pid, u64 pos, u64 ring_head,
		 u32 wake_bytes),
	TP_ARGS(t, pid, pos, ring_head, wake_bytes));

TRACE_EVENT(kstream_writer_wait,
	TP_PROTO(const struct kstream_topic *t, u64 need, u64 ring_head, u64 min_pos,
		 u64 wake_pos, u32 waiting),
	TP_ARGS(t, need, ring_head, min_pos, wake_pos, waiting),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u64, need)
		__field(u64, head)
		__field(u64, min_pos)
		__field(u64, wake_pos)
		__field(u32, waiting)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->need = need;
		__entry->head = ring_head;
		__entry->min_pos = min_pos;
		__entry->wake_pos = wake_pos;
		__entry->waiting = waiting;
	),
	TP_printk("topic=%s need=%llu head=%llu min_pos=%llu wake_pos=%llu writers_waiting=%u",
		  __entry->topic, __entry->need, __entry->head,
		  __entry->min_pos, __entry->wake_pos, __entry->waiting)
);

TRACE_EVENT(kstream_writer_wake,
	TP_PROTO(const struct kstream_topic *t, u64 ring_head, u64 min_pos),
	TP_ARGS(t, ring_head, min_pos),
	TP_STRUCT__entry(
		__array(char, topic, KSTREAM_NAME_MAX)
		__field(u64, head)
		__field(u64, min_pos)
	),
	TP_fast_assign(
		strscpy(__entry->topic, t->name, KSTREAM_NAME_MAX);
		__entry->head = ring_head;
		__entry->min_pos = min_pos;
	),
	TP_printk("topic=%s head=%llu min_pos=%llu", __entry->topic,
		  __entry->head, __entry->min_pos)
);

#endif /* _KSTREAM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
