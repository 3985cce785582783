// SPDX-License-Identifier: GPL-2.0
/*
 * Events of the "events" multicast group; see event.h.
 */
#include <inttypes.h>
#include <time.h>

#include "event.h"

static const char *const event_names[__KSTREAM_EVENT_MAX] = {
	[KSTREAM_EVENT_TOPIC_NEW]	= "topic_new",
	[KSTREAM_EVENT_TOPIC_DEL]	= "topic_del",
	[KSTREAM_EVENT_TOPIC_CHANGED]	= "topic_changed",
	[KSTREAM_EVENT_READER_LAPPED]	= "reader_lapped",
	[KSTREAM_EVENT_DENIED]		= "denied",
	[KSTREAM_EVENT_STATS_RESET]	= "stats_reset",
};

const char *kst_event_name(uint32_t event)
{
	if (event >= __KSTREAM_EVENT_MAX)
		return NULL;
	return event_names[event];
}

static const char *event_str(uint32_t event, char *buf, size_t len)
{
	const char *name = kst_event_name(event);

	if (name)
		return name;
	snprintf(buf, len, "%" PRIu32, event);
	return buf;
}

void kst_event_print_text(FILE *f, const struct kst_event *e)
{
	time_t sec = (time_t)(e->time_ns / 1000000000);
	char when[32] = "?", buf[16];
	struct tm tm;

	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03u ", when,
		(unsigned int)(e->time_ns % 1000000000 / 1000000));
	if (kst_event_name(e->event))
		fputs(kst_event_name(e->event), f);
	else
		fprintf(f, "event %s", event_str(e->event, buf, sizeof(buf)));
	if (e->topic[0])
		fprintf(f, " %s", e->topic);
	if (e->have_id)
		fprintf(f, " id %" PRIu32, e->id);
	if (e->have_pid)
		fprintf(f, " pid %" PRIu32, e->pid);
	if (e->have_lost)
		fprintf(f, " lost %" PRIu64, e->lost);
	fputc('\n', f);
}

void kst_event_print_json(struct json *j, const struct kst_event *e)
{
	char buf[16];

	json_obj_start(j);
	json_kv_u64(j, "time_ns", e->time_ns);
	json_kv_str(j, "event", event_str(e->event, buf, sizeof(buf)));
	if (e->topic[0])
		json_kv_str(j, "topic", e->topic);
	if (e->have_id)
		json_kv_u64(j, "id", e->id);
	if (e->have_pid)
		json_kv_u64(j, "pid", e->pid);
	if (e->have_lost)
		json_kv_u64(j, "lost", e->lost);
	json_obj_end(j);
}
